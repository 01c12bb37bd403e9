"""Merci: the choice is counted; "Je me suis trompé(e)" while it can be undone; home by itself."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty

from screens.widgets import KioskScreen


class MerciScreen(KioskScreen):
    icon = StringProperty("check-circle")
    choice = StringProperty("")

    def on_kv_post(self, _base):
        self.kiosk.bind(last_category=self._refresh, lang=self._refresh)

    def spoken_texts(self) -> list[str]:
        return [self.choice, self.ids.thanks.text]

    def _refresh(self, app, _value) -> None:
        if app.last_category:
            category = app.category(app.last_category)
            self.icon = category.pictogram
            self.choice = app.tr(category.phrase("short"))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
