"""Ateliers collectifs: the mediator records a workshop (theme and participants) for the
day shown in the mediator view, and can take one back (asked first, like a correction).

No keyboard and no free text: the theme is one of the permanence's categories, the
number of participants a big stepper from 1 to 99. Workshops are counted apart from
visits (`Store.record_workshop`, kiosk/store/extras.py); every store call runs on the
app's worker thread.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.extras import MAX_PARTICIPANTS
from screens.mediateur import ConfirmCorrection
from screens.widgets import KioskScreen

NAME = "atelier"
#: Participants offered first: a usual workshop is a small group.
DEFAULT_PARTICIPANTS = 6


class ThemeButton(ButtonBehavior, BoxLayout):
    """A theme (a category) to choose; `chosen` marks the one the workshop will get."""

    theme = StringProperty("")
    icon = StringProperty("")
    label = StringProperty("")
    chosen = BooleanProperty(False)


class WorkshopRow(BoxLayout):
    """Workshops of one theme and size on the day, with their "take one back" button."""

    theme = StringProperty("")
    icon = StringProperty("")
    text = StringProperty("")
    participants = NumericProperty(0)
    screen = ObjectProperty(None)


class AtelierScreen(KioskScreen):
    day = ObjectProperty(None, allownone=True)
    today = ObjectProperty(None, allownone=True)
    theme = StringProperty("")
    participants = NumericProperty(DEFAULT_PARTICIPANTS)
    title = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)
    #: {theme: {participants: sessions}} of `day`, as last read.
    workshops = ObjectProperty({})

    def on_kv_post(self, _base):
        for category in self.kiosk.categories:
            button = ThemeButton(theme=category.id, icon=category.pictogram)
            button.bind(on_release=lambda b: self.choose(b.theme))
            self.ids.themes.add_widget(button)
        self._pending = None
        self._dialog = None
        self.kiosk.bind(lang=self._show)

    def theme_buttons(self) -> list[ThemeButton]:
        return list(reversed(self.ids.themes.children))

    def open_for(self, day: dt.date, today: dt.date) -> None:
        """Show `day`'s workshops (the mediator view's day); a fresh form each time."""
        self.day, self.today = day, today
        self.theme, self.participants, self.message = "", DEFAULT_PARTICIPANTS, ""
        self.busy = True
        store = self.kiosk.store
        self.kiosk.in_background(lambda: store.workshops(day), self._loaded, self._failed)

    def back(self) -> None:
        """To the mediator view, on the same day, its figures read again."""
        mediator = self.manager.get_screen("mediateur")
        self.kiosk.show("mediateur")
        mediator.reload()

    # --- the form ------------------------------------------------------------------------

    def choose(self, theme: str) -> None:
        self.theme = theme
        self.message = ""
        self._show()

    def step(self, delta: int) -> None:
        self.participants = min(max(self.participants + delta, 1), MAX_PARTICIPANTS)

    def save(self) -> None:
        if not self.theme or self.day is None or self.busy:
            return
        store, day, theme, n = self.kiosk.store, self.day, self.theme, self.participants

        def record():
            store.record_workshop(day, theme, n)
            return store.workshops(day)

        self.busy = True
        self.kiosk.in_background(record, lambda w: self._loaded(w, saved=(theme, n)),
                                 self._failed)

    # --- taking one back -----------------------------------------------------------------

    def ask_removal(self, theme: str, participants: int) -> None:
        tr = self.kiosk.tr
        label = self.kiosk.category(theme).phrase("short")
        if self.day == self.today:
            question = tr("Retirer un atelier « {label} » de {n} participants pour "
                          "aujourd'hui ?", label=label, n=participants)
        else:
            question = tr("Retirer un atelier « {label} » de {n} participants pour le "
                          "{day} {year} ?", label=label, n=participants, day=self.day,
                          year=self.day.year)
        self._pending = (theme, participants)
        self._dialog = ConfirmCorrection(question=question, screen=self)
        self._dialog.open()

    def confirm_correction(self) -> None:
        """The dialog's "Oui" (ConfirmCorrection calls its screen by these names)."""
        self._dialog.dismiss(animation=False)
        if self._pending is None:
            return
        (theme, participants), self._pending = self._pending, None
        store, day = self.kiosk.store, self.day

        def remove():
            store.remove_workshop(day, theme, participants)
            return store.workshops(day)

        self.busy = True
        self.kiosk.in_background(remove, self._loaded, self._failed)

    def cancel_correction(self) -> None:
        self._pending = None
        self._dialog.dismiss(animation=False)

    # --- showing -------------------------------------------------------------------------

    def _loaded(self, workshops, saved=None) -> None:
        self.busy = False
        self.workshops = workshops
        if saved:
            label = self.kiosk.tr(self.kiosk.category(saved[0]).phrase("short"))
            self.message = self.kiosk.tr("Atelier enregistré : « {label} », {n} participants.",
                                         label=label, n=saved[1])
            self.theme = ""
        self._show()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.message = self.kiosk.tr("Impossible : {error}", error=error)

    def _show(self, *_args) -> None:
        if self.day is None:
            return
        tr, day = self.kiosk.tr, self.day
        self.title = (tr("Ateliers collectifs, aujourd'hui") if day == self.today else
                      tr("Ateliers collectifs du {day} {year}", day=day, year=day.year))
        for button in self.theme_buttons():
            button.label = tr(self.kiosk.category(button.theme).phrase("short"))
            button.chosen = button.theme == self.theme
        rows = self.ids.workshop_rows
        rows.clear_widgets()
        for category in self.kiosk.catalogue.categories:
            for n, sessions in sorted(self.workshops.get(category.id, {}).items()):
                label = tr(category.phrase("short"))
                text = (tr("{label} : {k} ateliers de {n} participants", label=label,
                           k=sessions, n=n) if sessions > 1 else
                        tr("{label} : 1 atelier de {n} participants", label=label, n=n))
                rows.add_widget(WorkshopRow(theme=category.id, icon=category.pictogram,
                                            text=text, participants=n, screen=self))
        self.ids.none_yet.opacity = 0 if rows.children else 1


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
