"""The visitor's way: Accueil -> Merci -> (undo) -> Accueil, with real touches."""

from __future__ import annotations

import logging
import time

import pytest
from ui_helpers import (
    make_config,
    run_app,
    screen,
    stored_counts,
    tap,
    today_counts,
    wait_until,
)

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
            # Each tap after the double-tap guard of the last counted one, however slow the
            # machine: Kivy counts a step's delay from the start of the frame that ran the
            # step before, so a frame stalled before a tap shortened the time to the next
            # (with 0.25 s of stall before the first tap, the second came 0.15 s after it).
            yield from wait_until(app.undo_ready)
            tap(button)
            yield from wait_until(lambda: app.root.current == "merci")
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
    # The steps below take well under a second; a long guard keeps them inside it under load.
    config = make_config(tmp_path, double_tap_guard_s=30.0)
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
    config = make_config(tmp_path, double_tap_guard_s=3.0)

    def script(app):
        tap(screen(app, "accueil").category_buttons()[5])
        yield 0
        undo = screen(app, "merci").ids.undo
        assert app.can_undo and undo.opacity == 1
        assert not app.undo_ready()  # the next frame is well inside the guard
        tap(undo)  # within the double-tap guard: the second half of a double tap
        yield 0
        assert today_counts(app)["imprimante_scan"] == 1
        yield from wait_until(app.undo_ready)
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
    config = make_config(tmp_path, double_tap_guard_s=0.1, undo_window_s=1, thanks_s=600)

    def script(app):
        tapped_at = time.monotonic()
        tap(screen(app, "accueil").category_buttons()[0])
        yield from wait_until(lambda: not app.can_undo, timeout_s=30)
        assert time.monotonic() - tapped_at >= 1 - 0.05  # not before the window's end
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
        screens = []
        app.root.bind(current=lambda _manager, name: screens.append((time.monotonic(), name)))
        tapped_at = time.monotonic()
        tap(screen(app, "accueil").category_buttons()[2])
        yield from wait_until(lambda: app.root.current == "accueil", timeout_s=30)
        assert [name for _, name in screens] == ["merci", "accueil"]
        assert screens[1][0] - tapped_at >= 1 - 0.05  # Merci stayed its full time
        assert app.lang == "fr"

    run_app(config, script)


def test_inactivity_returns_home(tmp_path):
    # Order, not timing: each touch re-arms the timeout, so the way home comes at least
    # `idle_timeout_s` after the last touch (never at the first deadline), however slow
    # the machine. The steps between touches are far shorter than the timeout (half a
    # second against six), so a loaded machine's stall between two steps is not idleness.
    idle_s = 6
    config = make_config(tmp_path, idle_timeout_s=idle_s)

    def script(app):
        screens = []
        app.root.bind(current=lambda _manager, name: screens.append((time.monotonic(), name)))
        title = None
        touches = []
        for _touch in range(3):
            if title is None:
                app.open_info()
                title = screen(app, "infos").ids.title
            assert app.root.current == "infos"
            tap(title)
            touches.append(time.monotonic())
            yield 0.5
        yield from wait_until(lambda: app.root.current == "accueil", timeout_s=60)
        went_home = screens[-1][0]
        assert [name for _, name in screens] == ["infos", "accueil"]
        assert went_home - touches[-1] >= idle_s - 0.05
        assert went_home - touches[0] >= idle_s + 1.0 - 0.05  # the first touch's deadline passed

    run_app(config, script)


def test_the_language_switch_takes_one_tap(tmp_path):
    # Two languages: one tap switches (more open the picker: tests/ui/test_languages.py).
    config = make_config(tmp_path, kiosk={"languages": ["fr", "en"]})

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
