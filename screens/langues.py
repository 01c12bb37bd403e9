"""Langues: the language picker, one tap from the welcome screen's language button.

Shown when the config offers more than two languages (with two, the button switches at
once). Each language is named in itself and drawn in its own font, never with a flag (a
flag is a country, not a language). A choice holds for the visit: the app goes back to
the first language after Merci or when idle.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from screens.widgets import KioskScreen


class LanguageButton(ButtonBehavior, BoxLayout):
    """One language: its name in itself; `current` marks the language on screen now."""

    lang = StringProperty("")
    current = BooleanProperty(False)


class LanguesScreen(KioskScreen):
    columns = NumericProperty(3)

    def on_kv_post(self, _base):
        app = self.kiosk
        for lang in app.kiosk_config.kiosk.languages:
            button = LanguageButton(lang=lang)
            button.bind(on_release=self._chosen)
            self.ids.grid.add_widget(button)
        app.bind(lang=self._mark, portrait=self._arrange)
        self._mark(app, app.lang)
        self._arrange(app, app.portrait)

    def language_buttons(self) -> list[LanguageButton]:
        """The buttons in the config's order."""
        return list(reversed(self.ids.grid.children))

    def _chosen(self, button: LanguageButton) -> None:
        self.kiosk.pick_language(button.lang)

    def _mark(self, _app, lang: str) -> None:
        for button in self.language_buttons():
            button.current = button.lang == lang

    def _arrange(self, _app, portrait: bool) -> None:
        self.columns = 2 if portrait else 3


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
