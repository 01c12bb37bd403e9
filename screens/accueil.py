"""Accueil: "why do you come today?" with one large button per category offered here."""

from __future__ import annotations

import math
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty

from screens.widgets import CategoryButton, HomeScreen


class AccueilScreen(HomeScreen):
    """The home screen. Its category buttons carry `category_id` (Contract)."""

    columns = NumericProperty(4)

    def on_kv_post(self, _base):
        app = self.kiosk
        for category in app.categories:
            button = CategoryButton(category_id=category.id, icon=category.pictogram)
            button.bind(on_release=self._chosen)
            self.ids.grid.add_widget(button)
        if app.kiosk_config.kiosk.exit_question:
            from screens.depart import add_leave_button

            self.leave_button = add_leave_button(app, self.ids.greeting)
        app.bind(lang=self._relabel, portrait=self._arrange)
        self._relabel(app, app.lang)
        self._arrange(app, app.portrait)

    def category_buttons(self) -> list[CategoryButton]:
        """The buttons in screen order (top-left first)."""
        return list(reversed(self.ids.grid.children))

    def spoken_texts(self) -> list[str]:
        """The question, then each choice (its name and examples)."""
        return [self.ids.greeting.text,
                *(text for b in self.category_buttons() for text in (b.label, b.examples))]

    def _chosen(self, button: CategoryButton) -> None:
        self.kiosk.record_visit(button.category_id)

    def _relabel(self, app, lang: str) -> None:
        for button in self.category_buttons():
            category = app.category(button.category_id)
            button.label = app.tr(category.phrase("short"))
            button.examples = app.tr(category.phrase("examples"))

    def _arrange(self, _app, portrait: bool) -> None:
        count = len(self.kiosk.categories)
        if portrait:
            self.columns = 1 if count <= 3 else 2
        else:
            self.columns = count if count <= 4 else math.ceil(count / 2)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
