"""Départ: "Avons-nous pu vous aider ?" on leaving, reached by "Je pars" on Accueil.

Only when the config says `[kiosk] exit_question = true`. Its own screen, colour and
pictograms (faces, on white), so that nobody takes it for the arrival question: three
large answers, counted per day like the categories (`Store.record_exit`), then a
thank-you and, after `thanks_s` (or any earlier idle timeout), the welcome screen.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.extras import EXIT_ANSWERS
from kiosk.i18n import N_
from kiosk.store import StoreError
from screens.widgets import KButton, KioskScreen

log = logging.getLogger(__name__)

NAME = "depart"
#: answer id -> (pictogram, the button's words).
ANSWERS = {
    "oui": ("emoticon-happy-outline", N_("Oui")),
    "un_peu": ("emoticon-neutral-outline", N_("Un peu")),
    "non": ("emoticon-sad-outline", N_("Non")),
}
assert tuple(ANSWERS) == EXIT_ANSWERS


class AnswerButton(ButtonBehavior, BoxLayout):
    """One large answer: a face and a word; `answer` is its id (kiosk.extras.EXIT_ANSWERS)."""

    answer = StringProperty("")
    icon = StringProperty("")
    label = StringProperty("")


class DepartScreen(KioskScreen):
    """The exit question, then the thank-you (`answered`)."""

    answered = BooleanProperty(False)

    def on_kv_post(self, _base):
        for answer, (icon, _words) in ANSWERS.items():
            button = AnswerButton(answer=answer, icon=icon)
            button.bind(on_release=self._chosen)
            self.ids.answers.add_widget(button)
        self.kiosk.bind(lang=self._relabel)
        self._relabel(self.kiosk, self.kiosk.lang)
        self._home = Clock.create_trigger(self._back_home, self.kiosk.kiosk_config.kiosk.thanks_s)
        self._shown_at = 0.0

    def spoken_texts(self) -> list[str]:
        if self.answered:
            return [self.ids.thanks.text]
        return [self.ids.question.text, *(b.label for b in self.answer_buttons()),
                self.ids.back.text]

    def answer_buttons(self) -> list[AnswerButton]:
        return list(reversed(self.ids.answers.children))

    def on_pre_enter(self, *_args) -> None:
        self.answered = False
        self._shown_at = time.monotonic()

    def on_leave(self, *_args) -> None:
        self._home.cancel()
        self.answered = False

    def _relabel(self, app, _lang) -> None:
        for button in self.answer_buttons():
            button.label = app.tr(ANSWERS[button.answer][1])

    def _chosen(self, button: AnswerButton) -> None:
        # The second half of a double tap on "Je pars" must not answer (in portrait "Oui"
        # lies under it): the same guard as between two visits.
        guard = self.kiosk.kiosk_config.kiosk.double_tap_guard_s
        if self.answered or time.monotonic() - self._shown_at < guard:
            return
        try:
            # On the UI thread on purpose, like a visit: one small fsync'd write.
            self.kiosk.store.record_exit(button.answer)
        except StoreError as exc:
            log.error("an exit answer could not be counted: %s", exc)
            self.kiosk.go_home()
            return
        self.answered = True
        self._home()

    def _back_home(self, _dt) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.kiosk.set_language(self.kiosk.kiosk_config.kiosk.languages[0])
            self.kiosk.go_home()


def add_leave_button(app, greeting) -> KButton:
    """Put Accueil's "Je pars" button on the right of its `greeting` (for `[kiosk]
    exit_question = true`): a row of its own would take the height the category buttons
    need on both screens. Accueil's kv makes the greeting smaller then."""
    column = greeting.parent
    index = column.children.index(greeting)
    column.remove_widget(greeting)
    row = BoxLayout(size_hint_y=None)
    button = KButton(icon="exit-run", size_hint_x=None, pos_hint={"center_y": .5})

    def relayout(*_args):
        button.text = app.tr("Je pars")
        button.width = app.scale * (180 if app.portrait else 230)
        row.spacing = app.scale * 10
        row.height = max(button.height, greeting.height)

    for widget, names in ((button, ("height",)), (greeting, ("height",)),
                          (app, ("lang", "scale", "portrait"))):
        widget.bind(**dict.fromkeys(names, relayout))
    relayout()
    button.bind(on_release=lambda _b: app.show(NAME))
    greeting.pos_hint = {"center_y": .5}
    row.add_widget(greeting)
    row.add_widget(button)
    column.add_widget(row, index=index)
    return button


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
