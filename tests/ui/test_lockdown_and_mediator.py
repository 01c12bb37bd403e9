"""Lock-down (keys, close request), the hidden corner, the PIN pad and its throttle, the
mediator's corrections and export, and the closed-hours screen; all in the real window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from ui_helpers import (
    UI_TODAY,
    RunningClock,
    make_config,
    press,
    run_app,
    screen,
    stored_counts,
    tap,
    today_counts,
    type_pin,
    unreachable_coordinator,
    wait_until,
)

from kiosk.pin import PinThrottle, hash_pin

pytestmark = pytest.mark.ui

PIN = "246813"


def test_escape_f1_and_close_requests_leave_the_app_running(tmp_path):
    config = make_config(tmp_path)

    def script(app):
        from kivy.core.window import Window

        app.open_info()
        yield 0.1
        for code in (27, 282):  # Escape, F1
            Window.dispatch("on_key_down", code, 0, None, [])
            Window.dispatch("on_key_up", code, 0)
            yield 0.1
        Window.dispatch("on_keyboard", 27, 0, None, [])
        Window.dispatch("on_request_close", source="keyboard")
        Window.dispatch("on_request_close")
        yield 0.3
        assert app.root.current == "infos"
        assert app.root in Window.children
        assert len(Window.children) == 1, "something opened over the app (settings?)"
        assert app._app_settings is None

    run_app(config, script)  # the script ran to its end: the loop was still alive


def test_the_hidden_corner_needs_a_long_press(tmp_path):
    hold_s = 2.0  # a press released on the next frame is far shorter, even under load
    config = make_config(tmp_path, mediator={"pin_hash": hash_pin(PIN), "hidden_press_s": hold_s})

    def script(app):
        from kivy.core.window import Window

        from screens.widgets import HiddenCorner

        corner = next(w for w in screen(app, "accueil").walk() if isinstance(w, HiddenCorner))
        assert corner.collide_point(5, Window.height - 5)  # the top-left corner
        # A short press: released on the next frame.
        touch = press(corner)
        yield 0
        touch.touch_up()
        yield hold_s + 0.3  # longer than the hold: a released press never fires later
        # A short tap is the visitor's: it goes to the framed name under the corner.
        assert app.root.current == "permanence"
        app.go_home()
        yield 0.1
        touch = press(corner)
        pressed_at = time.monotonic()
        yield from wait_until(lambda: app.root.current == "pin", timeout_s=30)
        assert time.monotonic() - pressed_at >= hold_s - 0.05  # not before the hold's end
        touch.touch_up()

    run_app(config, script)


def test_pin_opens_the_mediator_view_and_wrong_pins_are_throttled_across_restarts(tmp_path):
    config = make_config(tmp_path, mediator={"pin_hash": hash_pin(PIN)})

    def wrong_pins(app):
        app.open_pin()
        yield 0.1
        pin = screen(app, "pin")
        for _attempt in range(3):
            yield from type_pin(app, "111111")
            yield from wait_until(lambda: not pin.busy)
            assert "faux" in pin.message
        assert "Attendez" in pin.message  # the third wrong PIN starts the delay
        yield from type_pin(app, "111111")
        yield from wait_until(lambda: not pin.busy)
        assert "faux" not in pin.message and "Attendez" in pin.message
        assert app.root.current == "pin"

    run_app(config, wrong_pins)
    waiting = PinThrottle(config.kiosk.data_dir).wait_s()
    assert waiting > 0

    def right_pin_too_soon(app):
        app.open_pin()
        yield 0.1
        yield from type_pin(app, PIN)
        yield from wait_until(lambda: not screen(app, "pin").busy)
        assert app.root.current == "pin", "a restart must not reset the throttle"
        assert "Attendez" in screen(app, "pin").message

    run_app(config, right_pin_too_soon)

    PinThrottle(config.kiosk.data_dir).succeeded()  # the delay is over (as after waiting)

    def right_pin(app):
        app.open_pin()
        yield 0.1
        yield from type_pin(app, PIN)
        yield from wait_until(lambda: app.root.current == "mediateur")

    run_app(config, right_pin)


def test_a_pin_try_that_cannot_be_recorded_is_refused_and_says_why(tmp_path):
    """The throttle fails closed: on a read-only card even the right PIN is refused."""
    import subprocess

    card = tmp_path / "card"
    card.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(card)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a read-only tmpfs needs root")
    try:
        config = make_config(tmp_path, mediator={"pin_hash": hash_pin(PIN)})

        def script(app):
            app.pin_throttle = PinThrottle(card)
            app.open_pin()
            yield 0.1
            yield from type_pin(app, PIN)
            yield from wait_until(lambda: not screen(app, "pin").busy)
            assert app.root.current == "pin"
            assert "ne peut pas noter les essais" in screen(app, "pin").message

        run_app(config, script)
    finally:
        subprocess.run(["umount", str(card)], check=True)


def test_corrections_need_a_confirmation(tmp_path):
    config = make_config(tmp_path, double_tap_guard_s=0.1)

    def script(app):
        tap(screen(app, "accueil").category_buttons()[0])
        yield 0.3
        app.open_mediator()
        mediator = screen(app, "mediateur")
        row = mediator._rows["service_public"]
        yield from wait_until(lambda: mediator.snapshot is not None)
        yield 0.1
        assert row.today == 1
        plus, minus = row.ids.plus, row.ids.minus
        tap(plus)
        yield 0.3
        dialog = mediator._dialog
        tap(dialog.ids.no)
        yield 0.5
        assert today_counts(app)["service_public"] == 1
        tap(plus)
        yield 0.3
        tap(mediator._dialog.ids.yes)
        yield from wait_until(lambda: row.today == 2)
        assert today_counts(app)["service_public"] == 2
        assert row.today == 2
        tap(minus)
        yield 0.3
        tap(mediator._dialog.ids.yes)
        yield from wait_until(lambda: row.today == 1 and not mediator.busy)
        tap(minus)
        yield 0.3
        tap(mediator._dialog.ids.yes)
        yield from wait_until(lambda: row.today == 0 and not mediator.busy)
        assert minus.disabled  # never below zero

    run_app(config, script)
    assert stored_counts(config)["service_public"] == 0


def tap_then_export(app, category_index: int):
    """Count one visit, open the mediator view and press "export"; yields the view."""
    tap(screen(app, "accueil").category_buttons()[category_index])
    yield 0.3
    app.open_mediator()
    mediator = screen(app, "mediateur")
    yield from wait_until(lambda: mediator.snapshot is not None)
    mediator.ids.scroll.scroll_to(mediator.ids.export, animate=False)
    yield 0.2
    tap(mediator.ids.export)
    yield from wait_until(lambda: not mediator.busy and mediator.export_text)
    return mediator


def test_export_writes_the_quarter_to_the_data_dir_without_a_stick(tmp_path):
    config = make_config(tmp_path, kiosk={"export_dirs": [str(tmp_path / "media")]})

    def script(app):
        mediator = yield from tap_then_export(app, 7)
        assert "Pas de clé USB" in mediator.export_text
        assert str(config.kiosk.data_dir) in mediator.export_text

    run_app(config, script)
    files = list((config.kiosk.data_dir / "exports").glob("permanence-*.csv"))
    assert len(files) == 1
    text = files[0].read_text(encoding="utf-8-sig")
    assert "autre" in text or "Autre" in text


@pytest.mark.parametrize(("moment", "closed_dates", "sentence"), [
    # A Sunday: Monday is tomorrow (this test once said "lundi" and failed every Sunday).
    (dt.datetime(2026, 11, 29, 10, 0), [], "demain à 9 h 00"),
    # A Monday that is a closed date: the next Monday.
    (dt.datetime(2026, 11, 30, 10, 0), ["2026-11-30"], "lundi 7 décembre à 9 h 00"),
    # The Saturday evening before the autumn DST switch: still 9 h 00 on Monday.
    (dt.datetime(2026, 10, 24, 20, 0), [], "lundi 26 octobre à 9 h 00"),
])
def test_outside_opening_hours_the_closed_screen_shows(tmp_path, paris, moment, closed_dates,
                                                        sentence):
    config = make_config(tmp_path, permanence={
        "hours": {"monday": ["09:00-12:00"]}, "closed_dates": closed_dates,
        "phone": "04 76 00 00 00", "by_appointment": True})

    def script(app):
        assert app.root.current == "ferme"
        closed = screen(app, "ferme")
        assert closed.next_opening == f"Prochaine ouverture : {sentence}."
        assert closed.phone == "04 76 00 00 00"
        app.go_home()
        yield 0.1
        assert app.root.current == "ferme"
        yield 0.3
        day = moment.date()
        assert app.store.days(day, day) == []  # closed: no "held" day is made

    run_app(config, script, clock=RunningClock(moment))


def test_with_no_hours_the_permanence_is_always_open(tmp_path):
    config = make_config(tmp_path)

    def script(app):
        assert app.root.current == "accueil" and app.is_open
        # Open with nobody tapping yet: the day exists with zero counts, to be sent as
        # "held, no visitor" (the coordinator tells it from "no data received").
        yield from wait_until(lambda: app.store.days(UI_TODAY, UI_TODAY))
        [held] = app.store.days(UI_TODAY, UI_TODAY)
        assert held.revision == 1 and sum(held.counts.values()) == 0

    run_app(config, script)


def test_an_error_in_a_screen_is_logged_and_the_app_goes_home(tmp_path, caplog):
    config = make_config(tmp_path)

    def script(app):
        from kivy.clock import Clock

        app.open_info()
        yield 0.1

        def broken(_dt):
            raise RuntimeError("a bug in a screen")

        Clock.schedule_once(broken, 0)
        yield 0.5
        assert app.root.current == "accueil"
        tap(screen(app, "accueil").category_buttons()[3])  # and it still counts
        yield 0.3
        assert app.root.current == "merci"

    run_app(config, script)
    assert stored_counts(config)["viatrajectoire"] == 1
    assert "a bug in a screen" in caplog.text


def test_systemd_is_told_ready_once_accueil_is_drawn_and_the_watchdog_is_fed(tmp_path,
                                                                            monkeypatch):
    import os
    import socket

    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # ping every 0.2 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    config = make_config(tmp_path)
    received = []

    def drain():
        while True:
            try:
                received.append(server.recv(64).decode())
            except BlockingIOError:
                return

    def script(app):
        drain()
        assert received and received[0] == "READY=1"
        assert app.ready
        yield from wait_until(lambda: drain() or received.count("WATCHDOG=1") >= 3,
                              timeout_s=30)

    try:
        run_app(config, script)
    finally:
        server.close()
    assert received.count("READY=1") == 1
    assert received.count("WATCHDOG=1") >= 3


def test_a_failing_coordinator_never_freezes_the_ui(tmp_path):
    config = unreachable_coordinator(tmp_path, make_config(tmp_path, double_tap_guard_s=0.1))
    # No push follows the tap: the first scheduled round comes within interval_s.
    config = dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, interval_s=10))
    frames = []

    def script(app):
        from kivy.clock import Clock

        counter = Clock.schedule_interval(lambda dt: frames.append(dt), 0)
        tap(screen(app, "accueil").category_buttons()[0])
        yield from wait_until(lambda: app.sync_state is not None and app.sync_state.last_error,
                              timeout_s=30)
        app.open_mediator()
        mediator = screen(app, "mediateur")
        yield from wait_until(lambda: mediator.snapshot is not None)
        yield 0.2
        assert "Dernier problème" in mediator.sync_text
        counter.cancel()
        assert len(frames) > 10, "the UI loop stopped turning while the sync failed"

    run_app(config, script)
    assert stored_counts(config)["service_public"] == 1


def test_taps_made_while_the_clock_is_unsure_are_dated_by_the_mediator(tmp_path):
    # A Pi has no battery clock: here the wall clock steps back two minutes after the first
    # reading (what a bad time source does), so the store stops trusting it and taps wait
    # until the mediator says which day it is.
    from kiosk.clock import SystemClock
    from kiosk.store import Store

    config = make_config(tmp_path, double_tap_guard_s=0.1)
    clock = RunningClock()
    readings = []

    def stepping_back():
        readings.append(1)
        now = clock.now()
        return now if len(readings) == 1 else now - dt.timedelta(seconds=120)

    store = Store(config.kiosk.data_dir, clock=SystemClock(None, now=stepping_back))
    assert not store.clock_state().trusted
    today = UI_TODAY

    def script(app):
        buttons = screen(app, "accueil").category_buttons()
        tap(buttons[0])
        yield 0.3
        app.go_home()
        yield 0.2
        tap(buttons[5])
        yield 0.3
        app.open_mediator()
        mediator = screen(app, "mediateur")
        yield from wait_until(lambda: mediator.snapshot is not None)
        yield 0.1
        assert mediator.date_question == "today"
        assert mediator.has_pending and "attendent une date : 2 " in mediator.pending_text
        assert not mediator.snapshot.clock_trusted
        # The day offered can be moved: back two days, forward two.
        for key, day in (("pending_earlier", today - dt.timedelta(days=1)),
                         ("pending_earlier", today - dt.timedelta(days=2)),
                         ("pending_later", today - dt.timedelta(days=1)),
                         ("pending_later", today)):
            mediator.ids.scroll.scroll_to(mediator.ids[key], animate=False)
            yield 0.2
            tap(mediator.ids[key])
            yield 0.3
            assert mediator.pending_day == day
            assert f" {day.day} " in mediator.pending_day_text
        button = mediator.ids.confirm_pending
        mediator.ids.scroll.scroll_to(button, animate=False)
        yield 0.2
        tap(button)
        yield from wait_until(lambda: not mediator.busy and not mediator.has_pending)
        assert mediator.snapshot.clock_trusted and mediator.date_question == ""
        assert mediator._rows["service_public"].today == 1
        assert mediator._rows["imprimante_scan"].today == 1
        app.go_home()
        yield 0.3
        tap(buttons[7])          # the mediator's date now holds for this boot
        yield 0.3

    run_app(config, script, store=store, clock=clock)
    counts = stored_counts(config)
    assert (counts["service_public"], counts["imprimante_scan"], counts["autre"]) == (1, 1, 1)


def test_the_qr_code_texture_holds_the_configured_address(tmp_path):
    import qrcode

    config = make_config(tmp_path, privacy={"mandate_url": "https://example.org/mandat-complet"})

    def script(app):
        app.open_pages("mandat")
        pages = screen(app, "mandat")
        while pages.index < pages.count - 1:
            pages.next_page()
        yield 0.2
        texture = pages.ids.qr.texture
        assert pages.has_qr and texture is not None and texture.mag_filter == "nearest"
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data("https://example.org/mandat-complet")
        code.make(fit=True)
        matrix = code.get_matrix()
        size = len(matrix)
        assert texture.size == (size, size)
        pixels = texture.pixels  # RGBA, bottom row first
        dark = [[pixels[4 * (y * size + x)] == 0 for x in range(size)] for y in range(size)]
        assert dark == [list(row) for row in reversed(matrix)]

    run_app(config, script)


def test_export_goes_to_a_mounted_usb_stick(tmp_path):
    import subprocess

    stick = tmp_path / "media" / "kiosk" / "CLE_USB"
    stick.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(stick)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs as a USB stick needs root")
    try:
        config = make_config(tmp_path, kiosk={"export_dirs": [str(tmp_path / "media")]})

        def script(app):
            mediator = yield from tap_then_export(app, 4)
            assert "clé USB" in mediator.export_text and str(stick) in mediator.export_text

        run_app(config, script)
        files = list(stick.glob("permanence-*.csv"))
        assert len(files) == 1
        assert not (config.kiosk.data_dir / "exports").exists()
    finally:
        subprocess.run(["umount", str(stick)], check=True)
