"""Kivy screens of the kiosk: one module and one .kv file per screen.

Accueil is built before the first frame (Fermé too when the app starts outside the opening
hours), Merci right after it (kiosk.app), the others the first time they are shown.
"""

from __future__ import annotations

from importlib import import_module

#: screen name -> (module, class) of the screens built on first use.
LAZY_SCREENS = {
    "merci": ("screens.merci", "MerciScreen"),
    "ferme": ("screens.ferme", "FermeScreen"),
    "langues": ("screens.langues", "LanguesScreen"),
    "infos": ("screens.infos", "InfosScreen"),
    "donnees": ("screens.donnees", "DonneesScreen"),
    "mandat": ("screens.mandat", "MandatScreen"),
    "permanence": ("screens.permanence", "PermanenceScreen"),
    "pin": ("screens.pin", "PinScreen"),
    "mediateur": ("screens.mediateur", "MediateurScreen"),
    "transfert": ("screens.transfert", "TransfertScreen"),
    "depart": ("screens.depart", "DepartScreen"),
    "atelier": ("screens.atelier", "AtelierScreen"),
}


def lazy_screen(name: str, kiosk):
    """Build the screen called `name` (one of LAZY_SCREENS) for the app `kiosk`."""
    module, cls = LAZY_SCREENS[name]
    return getattr(import_module(module), cls)(name=name, kiosk=kiosk)
