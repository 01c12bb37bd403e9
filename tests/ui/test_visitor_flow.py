"""The visitor's way: Accueil -> Merci -> (undo) -> Accueil, with real touches."""

from __future__ import annotations

import logging

import pytest
from ui_helpers import make_config, run_app, screen, stored_counts, tap, today_counts

from kiosk.catalogue import CATEGORY_IDS

pytestmark = pytest.mark.ui


def test_each_category_button_counts_once(tmp_path):
    config = make_config(tmp_path, double_tap_guard_s=0.2)
    seen = []

    def script(app):
        home = screen(app, "accueil")
        buttons = home.category_buttons()
        seen.extend(b.category_id for b in buttons)
        for button in buttons:
            before = today_counts(app)
            tap(button)
            yield 0.3
            assert app.root.current == "merci"
            after = today_counts(app)
            assert after[button.category_id] == before[button.category_id] + 1
            assert sum(after.values()) == sum(before.values()) + 1
            app.go_home()
            yield 0.1

    run_app(config, script)
    assert seen == list(CATEGORY_IDS)
    assert all(n == 1 for n in stored_counts(config).values())


def test_only_the_configured_categories_are_offered(tmp_path):
    config = make_config(tmp_path, permanence={"categories": ["imprimante_scan", "autre"]})
    found = []

    def script(app):
        found.extend(b.category_id for b in screen(app, "accueil").category_buttons())
        yield 0

    run_app(config, script)
    assert found == ["imprimante_scan", "autre"]


def test_a_double_tap_counts_once(tmp_path, caplog):
    config = make_config(tmp_path, double_tap_guard_s=2.0)
    caplog.set_level(logging.DEBUG)

    def script(app):
        button = screen(app, "accueil").category_buttons()[0]
        tap(button)
        yield 0.05
        tap(button)  # lands on Merci, where nothing is at that place
        yield 0.2
        # Even back on Accueil, a tap within the guard is the same visit.
        app.go_home()
        yield 0.05
        tap(screen(app, "accueil").category_buttons()[1])
        yield 0.2

    run_app(config, script)
    counts = stored_counts(config)
    assert counts["service_public"] == 1
    assert sum(counts.values()) == 1
    # Logs carry a time: no line may say which reason was tapped (counted or not).
    for record in caplog.records:
        message = record.getMessage()
        assert not any(cid in message for cid in CATEGORY_IDS), message


def test_undo_takes_the_tap_back(tmp_path):
    config = make_config(tmp_path, double_tap_guard_s=0.3)

    def script(app):
        tap(screen(app, "accueil").category_buttons()[5])
        yield 0.1
        undo = screen(app, "merci").ids.undo
        assert app.can_undo and undo.opacity == 1
        tap(undo)  # within the double-tap guard: the second half of a double tap
        yield 0.1
        assert today_counts(app)["imprimante_scan"] == 1
        yield 0.4
        tap(undo)
        yield 0.2
        assert today_counts(app)["imprimante_scan"] == 0
        assert app.root.current == "accueil"
        assert not app.can_undo
        # The visitor's new choice counts at once.
        tap(screen(app, "accueil").category_buttons()[6])
        yield 0.2

    run_app(config, script)
    counts = stored_counts(config)
    assert counts["imprimante_scan"] == 0
    assert counts["securite_numerique"] == 1


def test_undo_is_gone_after_the_window(tmp_path):
    config = make_config(tmp_path, double_tap_guard_s=0.1, undo_window_s=1, thanks_s=30)

    def script(app):
        tap(screen(app, "accueil").category_buttons()[0])
        yield 1.3
        assert not app.can_undo
        tap(screen(app, "merci").ids.undo)
        yield 0.2
        assert app.root.current == "merci"

    run_app(config, script)
    assert stored_counts(config)["service_public"] == 1


def test_merci_returns_home_by_itself_in_the_first_language(tmp_path):
    config = make_config(tmp_path, thanks_s=1)

    def script(app):
        app.switch_language()
        yield 0.1
        assert app.lang == "en"
        tap(screen(app, "accueil").category_buttons()[2])
        yield 0.3
        assert app.root.current == "merci"
        yield 1.2
        assert app.root.current == "accueil"
        assert app.lang == "fr"

    run_app(config, script)


def test_inactivity_returns_home(tmp_path):
    config = make_config(tmp_path, idle_timeout_s=2)

    def script(app):
        app.open_info()
        yield 1.2
        assert app.root.current == "infos"
        # A touch postpones the timeout.
        tap(screen(app, "infos").ids.title)
        yield 1.2
        assert app.root.current == "infos"
        yield 1.3
        assert app.root.current == "accueil"

    run_app(config, script)


def test_the_language_switch_takes_one_tap(tmp_path):
    config = make_config(tmp_path)

    def script(app):
        home = screen(app, "accueil")
        first = home.category_buttons()[0]
        assert first.label == "Démarches en ligne"
        tap(home.ids.top_bar.ids.language)
        yield 0.2
        assert app.lang == "en"
        assert first.label == "Online paperwork"
        assert home.ids.greeting.text.startswith("Hello")

    run_app(config, script)
