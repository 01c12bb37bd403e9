"""No sentence of another language shows: every visible text is said by the catalogue.

The real app in a real window, driven by touches, switched to the language under test by
its language button, then walked through every screen: Accueil, Merci, Infos, every page
of "Vos données" and "Le mandat", the PIN pad (a wrong code first), the mediator view
(with an unreachable coordinator and a clock that is not sure, so that the sync, clock and
date lines show), the correction dialog and Fermé. Each visible label's text must be the
catalogue's translation of some msgid whose {fields} hold numbers, dates, names from the
config or other translations; several sentences may follow each other. Arabic is compared
as drawn (joined letters, kiosk/rtl.py).

The PIN pad and the mediator view speak French or English only: in another language the
PIN pad switches to French (KioskApp.mediator_language) and is checked in French.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import string
from pathlib import Path

import pytest
from ui_helpers import (
    make_config,
    press,
    run_app,
    screen,
    tap,
    type_pin,
    unreachable_coordinator,
    wait_until,
)

from kiosk import rtl
from kiosk.config import parse
from kiosk.i18n import LANGUAGES, language_name
from kiosk.pin import hash_pin

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
PIN = "246813"
#: Where one sentence may end and another begin (kept with the sentence before).
BOUNDARY = re.compile(r"(?<=[.?!:)])\s+|\n")
MARKUP = re.compile(r"\[/?(?:font|b|i|color)(?:=[^\]]*)?\]")
ICON_GLYPHS = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")
NO_WORDS = re.compile(r"[\W\d_]*|\d{4}-Q[1-4]")


def _catalogue(lang: str):
    path = ROOT / "assets" / "locale" / "update.py"
    spec = importlib.util.spec_from_file_location("kiosk_locale_update_texts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_catalogue(lang)


class Sayings:
    """Tells whether a text is what the `lang` catalogue says, given the allowed names."""

    def __init__(self, lang: str, names):
        self.names = {n for n in names if n}
        self.patterns = []
        for message in _catalogue(lang):
            if message.id and message.string:
                parts = []
                said = rtl.shape(lang, message.string)
                for literal, field, _spec, _conv in string.Formatter().parse(said):
                    parts.append(re.escape(literal))
                    if field is not None:
                        parts.append("(.+?)")
                self.patterns.append(re.compile("".join(parts), re.DOTALL))

    def explains(self, text: str, depth: int = 0) -> bool:
        text = text.strip()
        if NO_WORDS.fullmatch(text) or text in self.names:
            return True  # numbers, a quarter, the PIN dots, pictograms
        if depth > 4:
            return False
        for pattern in self.patterns:
            match = pattern.fullmatch(text)
            if match and all(self.explains(value, depth + 1) for value in match.groups()):
                return True
        # Several sentences (or lines) in one label: each must be explained.
        for boundary in BOUNDARY.finditer(text):
            head, tail = text[:boundary.start()], text[boundary.end():]
            if self.explains(head, depth + 1) and self.explains(tail, depth + 1):
                return True
        return False


def visible_texts(root):
    """The texts of the labels under `root` that a person can see (icons and markup off)."""
    from kivy.uix.label import Label

    stack = [(root, root.opacity)]
    while stack:
        widget, opacity = stack.pop()
        stack.extend((child, opacity * child.opacity) for child in widget.children)
        if isinstance(widget, Label) and opacity > 0 and widget.height > 0:
            text = ICON_GLYPHS.sub("", MARKUP.sub("", widget.text)).strip()
            if text:
                yield text


def failed_sync(config) -> None:
    """A visit, then a push that cannot reach the coordinator: the store keeps its problem."""
    from kiosk.store import Store
    from sync.client import SyncClient

    with Store.for_config(config) as store:
        store.record("autre")
        assert SyncClient(config, store).sync_now().message.code == "unreachable"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_screen_speaks_only_the_chosen_language(tmp_path, lang):
    other = next(x for x in LANGUAGES if x != lang)
    # No opening hours: always open, whatever the time is (Fermé gets hours at the end).
    config = make_config(
        tmp_path, kiosk={"languages": [other, lang]},
        permanence={"phone": "04 76 00 00 00", "by_appointment": True,
                    "booking": "Mairie de Crolles, 04 76 00 00 00"},
        privacy={"controller": "Commune de Crolles", "referent": "Le secrétariat",
                 "contact": "mairie@crolles.example", "dpo_contact": "dpo@crolles.example"},
        mediator={"pin_hash": hash_pin(PIN), "hidden_press_s": 1.0},
        thanks_s=600, idle_timeout_s=3600, double_tap_guard_s=0.1)
    config = unreachable_coordinator(tmp_path, config)
    failed_sync(config)
    (tmp_path / "clock-synchronized").unlink()  # no NTP, no battery clock: a date to confirm
    hours = parse({"kiosk": {"data_dir": str(tmp_path / "unused")},
                   "coordinator": {"url": "", "token_file": ""},
                   "permanence": {"hours": {"tuesday": ["09:00-12:00"],
                                            "friday": ["14:00-17:30"]}}}).permanence.hours
    with_hours = dataclasses.replace(config, permanence=dataclasses.replace(
        config.permanence, hours=hours))
    permanence, privacy = config.permanence, config.privacy
    names = [permanence.name, permanence.phone, permanence.booking, privacy.controller,
             privacy.referent, privacy.contact, privacy.dpo_contact, str(config.kiosk.data_dir),
             rtl.shape(other, language_name(other))]  # the button names the other language
    sayings = Sayings(lang, names)
    mediator_lang = lang if lang in ("fr", "en") else "fr"
    mediator_sayings = sayings if mediator_lang == lang else Sayings(mediator_lang, names)
    unsaid: list[str] = []
    seen: set[str] = set()

    def check(app, where: str, root=None, said_by=sayings):
        for text in visible_texts(root or app.root.current_screen):
            seen.add(where)
            if not said_by.explains(text):
                unsaid.append(f"{where}: {text!r}")

    def script(app):
        home = screen(app, "accueil")
        tap(home.ids.top_bar.ids.language)
        yield 0.3
        assert app.lang == lang
        check(app, "accueil")
        tap(home.category_buttons()[1])
        yield 0.3
        assert app.root.current == "merci"
        check(app, "merci")
        tap(screen(app, "merci").ids.undo)
        yield 0.3
        assert app.root.current == "accueil" and app.lang == lang
        for card, pages_name in (("data", "donnees"), ("mandate", "mandat")):
            tap(home.ids.top_bar.ids.info)
            yield 0.3
            check(app, "infos")
            tap(screen(app, "infos").ids[card])
            yield 0.3
            pages = screen(app, pages_name)
            for index in range(pages.count):
                assert pages.index == index
                check(app, f"{pages_name} page {index + 1}")
                tap(pages.ids.next)
                yield 0.3
            assert app.root.current == "accueil"
        tap(home.ids.top_bar.ids.place)
        yield 0.3
        pages = screen(app, "permanence")
        for index in range(pages.count):
            check(app, f"permanence page {index + 1}")
            tap(pages.ids.next)
            yield 0.3
        assert app.root.current == "accueil"
        touch = press(next(w for w in home.walk() if type(w).__name__ == "HiddenCorner"))
        yield 1.3
        touch.touch_up()
        assert app.root.current == "pin" and app.lang == mediator_lang
        check(app, "pin", said_by=mediator_sayings)
        pin = screen(app, "pin")
        yield from type_pin(app, "111111")
        yield from wait_until(lambda: not pin.busy and pin.message)
        check(app, "pin, wrong code", said_by=mediator_sayings)
        yield from type_pin(app, PIN)
        yield from wait_until(lambda: app.root.current == "mediateur", timeout_s=30)
        mediator = screen(app, "mediateur")
        yield from wait_until(lambda: mediator.snapshot is not None and app.sync_state
                              is not None and app.sync_state.last_error, timeout_s=30)
        yield 0.3
        assert mediator.has_pending and not mediator.snapshot.clock_trusted
        check(app, "mediateur", said_by=mediator_sayings)
        tap(mediator._rows["service_public"].ids.plus)
        yield 0.3
        check(app, "correction", mediator._dialog, said_by=mediator_sayings)
        tap(mediator._dialog.ids.no)
        yield 0.2
        tap(mediator.ids.home)
        yield 0.3
        if app.lang != lang:  # back from the mediator in French: the visitor's language
            tap(home.ids.top_bar.ids.language)
            yield 0.3
        assert app.lang == lang
        app.kiosk_config = with_hours  # Fermé with its next opening, whatever the time
        app.is_open = False
        app.show("ferme")
        yield 0.3
        check(app, "ferme")

    run_app(config, script, timeout_s=120)
    assert {"accueil", "merci", "infos", "donnees page 6", "mandat page 8", "permanence page 3", "pin",
            "pin, wrong code", "mediateur", "correction", "ferme"} <= seen
    assert unsaid == [], f"texts that are not {lang}: {unsaid}"


def test_the_checker_refuses_the_other_language():
    """The check can fail: French sentences are not English ones, nor the reverse."""
    english, french = Sayings("en", ["Commune de Crolles"]), Sayings("fr", [])
    assert english.explains("Commune de Crolles is responsible for the help given here. If "
                            "there is a mistake, the town answers for it, not the person who "
                            "helps you.")
    assert english.explains("Last successful sending: Friday 27 November at 9:05.\n"
                            "Days waiting to be sent: 2.")
    assert not english.explains("Dernier envoi réussi : vendredi 27 novembre à 9 h 05.")
    assert not english.explains("Days waiting to be sent: 2.\nTout est envoyé.")
    assert not english.explains("Last problem: Le serveur de coordination est injoignable "
                                "(réseau coupé ?).")
    assert french.explains("Dernier problème : Le serveur de coordination est injoignable "
                           "(réseau coupé ?).")
    assert not french.explains("Home")
