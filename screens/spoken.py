"""Every text the visitor screens can read aloud for a config, to render its audio beforehand.

The catalogue's visitor texts come from kiosk.speech; this adds the texts the screens build
from the config (the place, the timetable, the contacts, the next opening). It runs the
screens' own code (`pages()`, Fermé's `_refresh`, their `spoken_texts()`) on a stand-in for
the app, with no window, for each day of the week ahead: what is rendered is exactly what
the screens say. A next opening more than a day away names a date, so it is not rendered
(the closed screen then reads its other lines).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from kiosk import i18n, speech


class _StandIn:
    """A screen's methods bound to a plain object holding `kiosk` (no widget, no window)."""

    def __init__(self, cls, kiosk):
        self._cls, self.kiosk = cls, kiosk

    def __getattr__(self, name):
        value = getattr(self._cls, name)
        return value.__get__(self) if callable(value) and hasattr(value, "__get__") else value


def _kiosk(config, lang: str, now: dt.datetime):
    return SimpleNamespace(kiosk_config=config, lang=lang, now=lambda: now,
                           tr=lambda text, **params: i18n.translate(lang, text, **params))


def _moments(config, today: dt.date):
    """Each day of the week from `today`: its midnight, and the end of each opening slot."""
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        yield dt.datetime.combine(day, dt.time(0)).astimezone()
        for slot in config.permanence.hours.get(day.weekday(), ()):
            yield dt.datetime.combine(day, slot.end).astimezone()


def config_texts(config, lang: str, today: dt.date) -> list[str]:
    """The texts the screens build from `config` in `lang`, over the week from `today`."""
    from screens.donnees import DonneesScreen
    from screens.ferme import FermeScreen
    from screens.mandat import MandatScreen
    from screens.permanence import PermanenceScreen

    texts: list[str] = []
    for moment in _moments(config, today):
        kiosk = _kiosk(config, lang, moment)
        for cls in (PermanenceScreen, DonneesScreen, MandatScreen):
            for page in _StandIn(cls, kiosk).pages():
                texts += page.texts()
        closed = _StandIn(FermeScreen, kiosk)
        closed._refresh()
        opening = config.permanence.next_opening(moment)
        if opening is None or (opening.date() - moment.date()).days > 1:
            closed.next_opening = ""
        texts += closed.spoken_texts()
    return list(dict.fromkeys(texts))


def all_texts(config, today: dt.date) -> dict[str, list[str]]:
    """language -> every text to render, for each language the config offers: the
    catalogue's visitor texts and the config's."""
    return {lang: list(dict.fromkeys(speech.visitor_texts(lang)
                                     + config_texts(config, lang, today)))
            for lang in config.kiosk.languages}
