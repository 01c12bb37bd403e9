"""Workshops and the exit question through touches in the real app: "Je pars" -> an
answer -> thanks -> home; no "Je pars" when the config leaves it off; a workshop recorded
from the mediator view, shown, then taken back with a confirmation.

The store's clock is injected: "today" is a fixed Thursday, whatever the machine's date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ui_helpers import (
    make_config,
    open_mediator_view,
    run_app,
    screen,
    store_with_days,
    tap,
    tap_in_view,
    wait_until,
)

from kiosk.store import Store

pytestmark = pytest.mark.ui

TODAY = dt.date(2026, 11, 26)


def stored(config, what: str, day: dt.date = TODAY):
    with Store(config.kiosk.data_dir, readonly=True) as store:
        return getattr(store, what)(day)


def test_je_pars_an_answer_thanks_then_home(tmp_path):
    config = make_config(tmp_path, kiosk={"exit_question": True}, thanks_s=1,
                         double_tap_guard_s=0.0)
    store = store_with_days(config, {TODAY: []}, TODAY)

    def script(app):
        accueil = screen(app, "accueil")
        assert accueil.leave_button.text == "Je pars"
        tap(accueil.leave_button)
        yield from wait_until(lambda: app.root.current == "depart", timeout_s=10)
        yield 0.4
        depart = screen(app, "depart")
        assert depart.ids.question.text == "Vous partez. Avons-nous pu vous aider ?"
        yes, some, no = depart.answer_buttons()
        assert [b.answer for b in (yes, some, no)] == ["oui", "un_peu", "non"]
        assert [b.label for b in (yes, some, no)] == ["Oui", "Un peu", "Non"]
        tap(yes)
        yield 0.1
        assert depart.answered and app.store.exits(TODAY) == {"oui": 1}
        tap(no)  # a second touch on the thank-you counts nothing
        yield 0.1
        assert app.store.exits(TODAY) == {"oui": 1}
        assert sum(app.store.counts(TODAY).values()) == 0  # not a visit
        yield from wait_until(lambda: app.root.current == "accueil", timeout_s=15)
        yield 0.3  # the switch shows on the next frame
        # Leaving without answering counts nothing.
        tap(accueil.leave_button)
        yield from wait_until(lambda: app.root.current == "depart", timeout_s=10)
        yield 0.4
        assert not depart.answered
        tap(depart.ids.back)
        yield from wait_until(lambda: app.root.current == "accueil", timeout_s=10)
        yield 0.3
        # In English too.
        app.set_language("en")
        yield 0.2
        assert accueil.leave_button.text == "I'm leaving"
        tap(accueil.leave_button)
        yield from wait_until(lambda: app.root.current == "depart", timeout_s=10)
        yield 0.4
        assert [b.label for b in depart.answer_buttons()] == ["Yes", "A little", "No"]
        tap(depart.answer_buttons()[1])
        yield 0.1
        assert depart.ids.thanks.text == "Thank you! Goodbye and see you soon."
        yield from wait_until(lambda: app.root.current == "accueil", timeout_s=15)
        assert app.lang == "fr"  # back home in the first language

    run_app(config, script, store=store, timeout_s=180)
    assert stored(config, "exits") == {"oui": 1, "un_peu": 1}


def test_no_je_pars_when_the_exit_question_is_off(tmp_path):
    config = make_config(tmp_path)
    assert config.kiosk.exit_question is False

    def script(app):
        accueil = screen(app, "accueil")
        yield 0.3
        assert not hasattr(accueil, "leave_button")
        icons = {getattr(w, "icon", "") for w in accueil.walk(restrict=True)}
        texts = {getattr(w, "text", "") for w in accueil.walk(restrict=True)}
        assert "exit-run" not in icons and "Je pars" not in texts
        assert not app.root.has_screen("depart")

    run_app(config, script, timeout_s=180)


def test_a_workshop_recorded_from_the_mediator_view_then_taken_back(tmp_path):
    config = make_config(tmp_path)
    store = store_with_days(config, {TODAY: ["autre"]}, TODAY)

    def script(app):
        mediator = yield from open_mediator_view(app)
        assert "Ateliers collectifs ce jour : 0 (0 participants)" in mediator.extras_text
        assert "Avons-nous pu vous aider" not in mediator.extras_text  # the question is off
        yield from tap_in_view(mediator, mediator.ids.workshops)
        atelier = screen(app, "atelier")
        yield from wait_until(lambda: app.root.current == "atelier" and not atelier.busy)
        yield 0.3
        assert atelier.title == "Ateliers collectifs, aujourd'hui"
        assert atelier.ids.save.disabled  # no theme chosen yet
        security = next(b for b in atelier.theme_buttons() if b.theme == "securite_numerique")
        tap(security)
        yield 0.1
        assert security.chosen and atelier.participants == 6
        for button in ("plus", "plus", "plus5", "minus"):
            tap(atelier.ids[button])
            yield 0.05
        assert atelier.participants == 12 and atelier.ids.participants.text == "12"
        for _ in range(20):  # never above 99
            tap(atelier.ids.plus5)
            yield 0.02
        assert atelier.participants == 99 and atelier.ids.plus.disabled
        for _ in range(25):  # never below 1
            tap(atelier.ids.minus5)
            yield 0.02
        assert atelier.participants == 1 and atelier.ids.minus.disabled
        for _ in range(7):
            tap(atelier.ids.plus)
            yield 0.02
        yield from tap_in_view(atelier, atelier.ids.save)
        yield from wait_until(lambda: not atelier.busy and atelier.message)
        assert atelier.message == "Atelier enregistré : « Être en sécurité », 8 participants."
        assert app.store.workshops(TODAY) == {"securite_numerique": {8: 1}}
        assert app.store.counts(TODAY)["securite_numerique"] == 0  # not a visit
        (row,) = atelier.ids.workshop_rows.children
        assert row.text == "Être en sécurité : 1 atelier de 8 participants"

        yield from tap_in_view(atelier, row.ids.take_back)
        yield 0.3
        assert atelier._dialog.question == ("Retirer un atelier « Être en sécurité » de 8 "
                                            "participants pour aujourd'hui ?")
        tap(atelier._dialog.ids.no)
        yield 0.3
        assert app.store.workshops(TODAY) == {"securite_numerique": {8: 1}}
        tap(atelier.ids.back)
        yield from wait_until(lambda: app.root.current == "mediateur" and not mediator.busy)
        yield 0.2
        assert "Ateliers collectifs ce jour : 1 (8 participants)" in mediator.extras_text
        assert mediator._rows["autre"].today == 1
        yield from tap_in_view(mediator, mediator.ids.workshops)
        yield from wait_until(lambda: app.root.current == "atelier" and not atelier.busy)
        yield 0.3
        (row,) = atelier.ids.workshop_rows.children
        yield from tap_in_view(atelier, row.ids.take_back)
        yield 0.3
        tap(atelier._dialog.ids.yes)
        yield from wait_until(lambda: not atelier.busy and not atelier.ids.workshop_rows.children)
        assert atelier.ids.none_yet.opacity == 1

    run_app(config, script, store=store, timeout_s=180)
    assert stored(config, "workshops") == {}
    (record,) = Store(config.kiosk.data_dir, readonly=True).days(TODAY, TODAY)
    assert record.revision == 3  # the tap, the workshop, its removal: one revision each
