"""Translations of the visitor-facing texts: stdlib gettext, one catalogue per language.

Catalogues live in assets/locale/<lang>/LC_MESSAGES/kiosk.po (+ the compiled .mo); the
message ids are the French texts. Adding a language is adding a catalogue (and naming the
language in kiosk.catalogue.LANGUAGES). No Kivy here: the app re-binds its labels to its
`lang` property, and this module only answers "what is this text in that language".

Babel extracts `_("...")` from Python and `app.t(app.lang, "...")` from kv files (see
babel.cfg at the repository root).
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"

#: Each language's name in itself, for the one-tap language button.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

_current = "fr"


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (falls back to the French ids when missing)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def translate(lang: str, message: str) -> str:
    """`message` (a French id) in `lang`."""
    return translation(lang).gettext(message)


def set_language(lang: str) -> None:
    """Make `lang` the language of `_()`."""
    global _current
    _current = lang


def language() -> str:
    return _current


def _(message: str) -> str:
    """`message` in the current language."""
    return translate(_current, message)


def N_(message: str) -> str:
    """Mark a text for extraction; translate it later with `_()` when shown."""
    return message


WEEKDAYS = (N_("lundi"), N_("mardi"), N_("mercredi"), N_("jeudi"), N_("vendredi"),
            N_("samedi"), N_("dimanche"))
MONTHS = (N_("janvier"), N_("février"), N_("mars"), N_("avril"), N_("mai"), N_("juin"),
          N_("juillet"), N_("août"), N_("septembre"), N_("octobre"), N_("novembre"),
          N_("décembre"))


def format_time(moment, lang: str) -> str:
    """9 h 00 (fr), 9:00 (en)."""
    return translate(lang, "{hour} h {minute:02d}").format(hour=moment.hour, minute=moment.minute)


def format_day(day, lang: str) -> str:
    """mardi 2 décembre (fr), Tuesday 2 December (en)."""
    return translate(lang, "{weekday} {day} {month}").format(
        weekday=translate(lang, WEEKDAYS[day.weekday()]), day=day.day,
        month=translate(lang, MONTHS[day.month - 1]))


def format_opening(moment, now, lang: str) -> str:
    """When the permanence opens next, in words: "demain à 9 h 00", "mardi 2 décembre à 9 h 00"."""
    offset = (moment.date() - now.date()).days
    if offset == 0:
        template = translate(lang, "aujourd'hui à {time}")
    elif offset == 1:
        template = translate(lang, "demain à {time}")
    else:
        template = translate(lang, "{day} à {time}")
    return template.format(day=format_day(moment.date(), lang), time=format_time(moment, lang))
