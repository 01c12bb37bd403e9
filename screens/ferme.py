"""Fermé: a calm screen outside the opening hours: next opening, how to book, the phone."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.utils import escape_markup

from kiosk.i18n import format_opening
from screens.widgets import HomeScreen


class FermeScreen(HomeScreen):
    next_opening = StringProperty("")
    booking = StringProperty("")
    phone = StringProperty("")

    def on_kv_post(self, _base):
        self.kiosk.bind(lang=self._refresh, is_open=self._refresh)
        self._refresh()

    def on_pre_enter(self, *_args):
        self._refresh()

    def spoken_texts(self) -> list[str]:
        return [self.kiosk.tr("La permanence est fermée."), self.next_opening, self.booking,
                self.phone]

    def _refresh(self, *_args) -> None:
        app = self.kiosk
        permanence = app.kiosk_config.permanence
        now = app.now()
        moment = permanence.next_opening(now)
        self.next_opening = (
            app.tr("Prochaine ouverture : {when}.", when=format_opening(moment, now, app.lang))
            if moment else "")
        lines = []
        if permanence.by_appointment:
            lines.append(app.tr("Venez sur rendez-vous."))
        if permanence.booking:
            lines.append(permanence.booking)
        self.booking = "\n".join(lines)
        self.phone = escape_markup(permanence.phone)  # shown through markup


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
