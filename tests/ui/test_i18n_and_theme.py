"""Translations complete and compiled; theme colours readable (>= 7:1). No window needed."""

from __future__ import annotations

import importlib.util
import re
import string
from pathlib import Path

import pytest

from kiosk import i18n
from kiosk.catalogue import LANGUAGES
from screens.theme import COLOURS, CONTRAST_PAIRS, contrast_ratio

ROOT = Path(__file__).resolve().parents[2]


def _load_update_script():
    """assets/locale/update.py (extract, update, compile), loaded under a unique name."""
    path = ROOT / "assets" / "locale" / "update.py"
    spec = importlib.util.spec_from_file_location("kiosk_locale_update", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


update = _load_update_script()


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_every_text_translated(lang):
    found = {m.id for m in update.extract() if m.id}
    catalogue = update.read_catalogue(lang)
    ids = {m.id for m in catalogue if m.id}
    assert found - ids == set(), f"texts missing from {lang}: run assets/locale/update.py"
    assert ids - found == set(), f"texts no longer used in {lang}: run assets/locale/update.py"
    for message in catalogue:
        if update.must_translate(lang, message):
            assert message.string, f"{lang}: {message.id!r} is not translated"
        if message.id and message.string:
            assert _fields(message.string) == _fields(message.id), \
                f"{lang}: {message.id!r} and its translation name different {{fields}}"


def test_every_language_translates_every_visitor_text():
    """Seven languages on the visitor screens; the mediator's texts may stay FR/EN. A text
    is the mediator's only if it comes from the mediator's screens (or is a sync/clock
    sentence): a new screen's texts are the visitors' until translated."""
    assert set(LANGUAGES) >= {"fr", "en", "ar", "uk", "tr", "pt", "es"}
    texts = [m for m in update.extract() if m.id]
    visitors = {m.id for m in texts if update.is_visitor(m)}
    assert "Bonjour ! Pourquoi venez-vous aujourd'hui ?" in visitors
    assert "Choisissez votre langue." in visitors
    assert "Dernier envoi réussi : {when}." not in visitors  # the mediator's sync line
    assert "Ce code est faux." not in visitors  # the PIN pad
    for lang in LANGUAGES:
        said = {m.id for m in update.read_catalogue(lang) if m.id and m.string}
        assert visitors - said == set(), f"{lang}: visitor texts not translated"


def _meanings(catalog) -> dict:
    """What a catalogue says: each translated (context, message id) and its text (fuzzy ones
    are not compiled), without the header, whose bytes name the tool's version."""
    return {(m.context, m.id): m.string for m in catalog if m.id and m.string and not m.fuzzy}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(lang):
    from babel.messages.mofile import read_mo

    with update.po_path(lang).with_suffix(".mo").open("rb") as mo:
        compiled = _meanings(read_mo(mo))
    assert compiled == _meanings(update.read_catalogue(lang)), \
        f"{lang}: kiosk.mo is older than kiosk.po; run assets/locale/update.py"
    assert compiled, f"{lang}: kiosk.mo holds no message"


def test_gettext_reads_the_compiled_catalogues():
    greeting = "Bonjour ! Pourquoi venez-vous aujourd'hui ?"
    assert i18n.translate("fr", greeting) == greeting
    assert i18n.translate("en", greeting) == "Hello! Why do you come today?"


def test_dates_read_naturally():
    import datetime as dt

    now = dt.datetime(2026, 11, 26, 15, 0)  # a Thursday
    assert i18n.format_opening(dt.datetime(2026, 11, 27, 9, 0), now, "fr") == "demain à 9 h 00"
    assert i18n.format_opening(dt.datetime(2026, 12, 1, 14, 30), now, "fr") == \
        "mardi 1 décembre à 14 h 30"
    assert i18n.format_opening(dt.datetime(2026, 12, 1, 14, 30), now, "en") == \
        "Tuesday 1 December at 14:30"
    assert i18n.format_opening(dt.datetime(2026, 12, 1, 14, 30), now, "uk") == \
        "вівторок, 1 грудня о 14:30"
    assert i18n.format_opening(dt.datetime(2026, 11, 27, 9, 0), now, "ar") == \
        "غدًا على الساعة 9:00"  # Western digits: what the visitors read on every French form


@pytest.mark.parametrize(("foreground", "background"), CONTRAST_PAIRS)
def test_theme_contrast_is_at_least_7_to_1(foreground, background):
    ratio = contrast_ratio(COLOURS[foreground], COLOURS[background])
    assert ratio >= 7.0, f"{foreground} on {background}: {ratio:.2f}:1"


def test_contrast_formula_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_every_colour_used_in_kv_is_a_theme_colour():
    used = set()
    # Python too: some widgets are built there (CategoryButton, screens/widgets.py).
    for source in [*(ROOT / "screens").glob("*.kv"), *(ROOT / "screens").glob("*.py")]:
        used |= set(re.findall(r'theme\.rgba\("([a-z_]+)"', source.read_text(encoding="utf-8")))
    assert used <= set(COLOURS)
    text_colours = {fg for fg, _ in CONTRAST_PAIRS} | {bg for _, bg in CONTRAST_PAIRS}
    assert used - text_colours <= {"bar"}, "a colour carries text without a contrast check"
