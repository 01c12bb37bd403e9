"""Le mandat ("je fais à la place de"), in plain language: one idea per page, a pictogram,
a QR code to the full text. The facts come from the convention's annex 3 (example mandate)."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from screens.pages import Page, PagesScreen


class MandatScreen(PagesScreen):
    def pages(self) -> list[Page]:
        url = self.kiosk.kiosk_config.privacy.mandate_url
        tr = self.kiosk.tr
        return [
            Page("account-voice", tr("« Je fais à votre place »"),
                 tr("Parfois, la personne qui vous aide fait une démarche pour vous. "
                    "Par exemple : elle crée votre compte sur un site.")),
            Page("file-sign", tr("Vous signez votre accord"),
                 tr("Avant, vous signez un papier : le mandat. "
                    "Sans votre accord signé, elle ne fait rien à votre place.")),
            Page("format-list-checks", tr("Le papier dit tout"),
                 tr("Le mandat donne la liste exacte de ce qu'elle peut faire pour vous. "
                    "Rien d'autre.")),
            Page("shield-key-outline", tr("Seulement ce qui est utile"),
                 tr("Elle utilise seulement les informations utiles pour vos démarches. "
                    "Elle les efface quand elles ne servent plus.")),
            Page("lock-outline", tr("C'est secret"),
                 tr("Elle ne donne pas vos informations aux autres. "
                    "Même pas à ses collègues.")),
            Page("door-closed", tr("Vous pouvez arrêter"),
                 tr("Le mandat s'arrête quand les démarches sont finies. "
                    "Vous pouvez aussi l'arrêter quand vous voulez.")),
            Page("human-male-child", tr("Pour un enfant"),
                 tr("Une personne de moins de 18 ans a besoin de l'accord "
                    "de ses parents.")),
            Page("qrcode", tr("Tout le texte du mandat"),
                 tr("Avec votre téléphone, visez ce carré pour lire tout le mandat.")
                 if url else
                 tr("Demandez le mandat complet à la personne de l'accueil."),
                 qr_url=url),
        ]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
