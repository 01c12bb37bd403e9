"""Every text the kiosk shows or prints, in any language: stdlib gettext, one catalogue each.

Catalogues live in assets/locale/<lang>/LC_MESSAGES/kiosk.po (+ the compiled .mo); the
message ids are the French texts. Adding a language is adding a catalogue: the languages
are the catalogues found there, and each names itself (`LANGUAGE_NAME`).

The core never speaks: it returns a `Message` (a code of `SENTENCES` and its parameters,
e.g. a clock reason or a sync problem with its HTTP status), and data files hold the
French `Phrase` (catalogue.json's labels). `translate(lang, …)` is the one function that
turns any of them, or a French msgid, into words; the app binds it to its `lang` property
(`KioskApp.tr`, kv's `_()`), the CLI calls it with the config's first language. No Kivy here.
Texts come out as plain Unicode in logical order: the app joins Arabic letters for the
screen itself (kiosk/rtl.py), the CLI, the exports and the read-aloud audio need none of it.
docs/translations.md says which catalogues still need a native speaker's review.

assets/locale/update.py extracts `_`, `N_`, `tr` and `Phrase` texts from kiosk/, screens/
and the kv files, and catalogue.json's labels (see babel.cfg at the repository root).
"""

from __future__ import annotations

import datetime as dt
import gettext
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locale"
SOURCE_LANGUAGE = "fr"


#: The order languages are offered in when the config does not say (the language picker
#: follows the config's order): French, English, then issue 16's order; a catalogue not
#: named here comes after, alphabetically.
PREFERRED_ORDER = ("fr", "en", "ar", "uk", "tr", "pt", "es")


def _languages() -> tuple[str, ...]:
    """The languages with a compiled catalogue, French (the source) first."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    known = [lang for lang in PREFERRED_ORDER if lang in found | {SOURCE_LANGUAGE}]
    return (*known, *sorted(found - set(known)))


LANGUAGES: tuple[str, ...] = _languages()


def N_(message: str) -> str:
    """Mark a text for extraction; it is translated later, when shown."""
    return message


@dataclass(frozen=True)
class Phrase:
    """A French text with a gettext context, for equal French texts that translate apart
    (a category's button "ViaTrajectoire" and its full label) and for data files."""

    context: str
    french: str


@dataclass(frozen=True)
class Message:
    """A sentence not yet in any language: a code of `SENTENCES` and its parameters
    (numbers, names, dates, or other Messages and Phrases, translated in turn)."""

    code: str
    params: dict = field(default_factory=dict)

    def dumps(self) -> str:
        """Compact JSON, to be kept on disk (e.g. the last sync problem) and read back."""
        params = {k: v if isinstance(v, (int, float)) else str(v)[:100]
                  for k, v in self.params.items()}
        return json.dumps({"code": self.code, "params": params}, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> Message | None:
        """The Message `dumps` wrote; None for "" and `earlier_problem` for anything else
        (a sentence kept by an older version, a torn value)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            code, params = data["code"], data["params"]
        except (ValueError, TypeError, KeyError):
            return cls("earlier_problem")
        if code not in SENTENCES or not isinstance(params, dict):
            return cls("earlier_problem")
        return cls(code, params)


#: This catalogue's language, named in itself (the language button shows it).
LANGUAGE_NAME = Phrase("the name of this language, in itself", "Français")

#: Message code -> its French sentence (the msgid). The clock's codes are kiosk.clock's
#: REASON_CODES; the others come from sync/client.py.
SENTENCES: dict[str, str] = {
    # the clock (kiosk.clock)
    "synced": N_("L'heure est synchronisée par internet."),
    "plausible": N_("L'heure semble juste (pas encore vérifiée par internet)."),
    "before_build": N_("La date de l'appareil est trop ancienne : elle n'a pas été réglée."),
    "before_last_day": N_("La date de l'appareil est avant le dernier jour compté."),
    "jump_backward": N_("L'heure de l'appareil a reculé brusquement."),
    "jump_forward": N_("L'heure de l'appareil a avancé brusquement."),
    "no_hardware_clock": N_("L'appareil n'a pas d'horloge à pile et n'a pas encore eu "
                            "l'heure par internet depuis son allumage."),
    "confirmed": N_("La date a été confirmée par le médiateur."),
    # a sync round (sync.client.SyncResult)
    "nothing_new": N_("Rien de nouveau à envoyer."),
    "days_sent": N_("{n} jour(s) envoyé(s) au coordinateur."),
    "taps_waiting": N_("{n} visite(s) attendent une date (horloge pas sûre) : à confirmer "
                       "dans la vue médiateur."),
    # sync problems (sync.client.SyncError)
    "no_coordinator": N_("Aucun serveur de coordination n'est configuré."),
    "not_all_acknowledged": N_("Le coordinateur n'a pas confirmé tous les jours envoyés."),
    "days_refused": N_("Jour(s) gardé(s) sur la borne, non envoyables : {days}"),
    "bad_certificate": N_("Le certificat du serveur n'est pas valide (vérifier la date de "
                          "la borne)."),
    "timeout": N_("Le serveur de coordination ne répond pas à temps."),
    "unreachable": N_("Le serveur de coordination est injoignable (réseau coupé ?)."),
    "bad_answer": N_("Le serveur a donné une réponse incompréhensible."),
    "token_too_open": N_("Le fichier du jeton {path} est lisible par d'autres (il doit "
                         "être en mode 600)."),
    "token_missing": N_("Le fichier du jeton {path} est introuvable."),
    "token_unreadable": N_("Le fichier du jeton {path} ne peut pas être lu."),
    "token_invalid": N_("Le fichier du jeton {path} ne contient pas de jeton valable."),
    "unknown_kiosk": N_("La borne n'est pas reconnue par le coordinateur (jeton révoqué ou "
                        "erroné)."),
    "too_many_installs": N_("Le coordinateur refuse cette carte mémoire : la borne a déjà "
                            "eu trop de cartes. Il doit remettre la borne à zéro. Les "
                            "visites restent sur la borne."),
    "too_often": N_("Le coordinateur demande de patienter avant le prochain envoi."),
    "data_refused": N_("Le coordinateur a refusé les données ({status}) : {detail}."),
    "data_refused_no_detail": N_("Le coordinateur a refusé les données ({status})."),
    "server_error": N_("Le serveur de coordination est en difficulté (erreur {status})."),
    "unexpected_status": N_("Réponse inattendue du coordinateur (code {status})."),
    "internal_error": N_("Erreur interne de synchronisation."),
    "earlier_problem": N_("Un envoi précédent n'a pas abouti."),
    # the sync state, one fact per line (sync.client.SyncState.messages)
    "last_success": N_("Dernier envoi réussi : {when}."),
    "never_sent": N_("Aucun envoi réussi pour l'instant."),
    "days_pending": N_("Jours en attente d'envoi : {n}."),
    "all_sent": N_("Tout est envoyé."),
    "last_problem": N_("Dernier problème : {problem}"),
}


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (falls back to the French ids when missing)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def translate(lang: str, text: str | Phrase | Message, /, **params) -> str:
    """`text` in `lang`: a French msgid, a Phrase or a Message. Parameters (the Message's,
    then `params`) fill the sentence's {fields}; without any, the sentence is returned
    unformatted (a caller may still .format() it)."""
    catalogue = translation(lang)
    if isinstance(text, Phrase):
        template = catalogue.pgettext(text.context, text.french)
    elif isinstance(text, Message):
        params = {**text.params, **params}
        template = catalogue.gettext(SENTENCES.get(text.code, text.code))
    else:
        template = catalogue.gettext(text)
    if not params:
        return template
    return template.format(**{key: _param(lang, value) for key, value in params.items()})


def _param(lang: str, value):
    if isinstance(value, (Phrase, Message)):
        return translate(lang, value)
    if isinstance(value, dt.datetime):
        local = value.astimezone() if value.tzinfo else value
        return translate(lang, "{day} à {time}").format(
            day=format_day(local.date(), lang), time=format_time(local, lang))
    if isinstance(value, dt.date):
        return format_day(value, lang)
    return value


def language_name(lang: str) -> str:
    """`lang` named in itself: "Français", "English"."""
    return translate(lang, LANGUAGE_NAME)


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
