"""The mediator's "Envoyer maintenant" in the real app against a real coordinator on
127.0.0.1: a touch sends today (which the schedule never does before the day is over),
and the view's sync lines say what happened.

The store's clock is injected: "today" is a fixed past Tuesday, whatever the machine's date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pytest
from ui_helpers import (
    make_config,
    open_mediator_view,
    run_app,
    store_with_days,
    tap_in_view,
    wait_until,
)

from kiosk.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from sync_helpers import Coordinator  # noqa: E402

pytestmark = pytest.mark.ui
TODAY = dt.date(2026, 11, 10)  # a past Tuesday: the coordinator takes no day to come
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def coordinator(tmp_path):
    server = Coordinator(f"sqlite:///{tmp_path / 'coordinator.db'}",
                         tmp_path / "coordinator.log").start()
    yield server
    server.stop()


def registered_kiosk(tmp_path, coordinator, **settings):
    """A kiosk config whose token the coordinator knows (coordinator `settings` on top)."""
    token = tmp_path / "token"
    token.write_text(coordinator.add_kiosk() + "\n")
    token.chmod(0o600)
    config = make_config(tmp_path)
    return dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url=coordinator.url, token_file=token, **settings))


def test_envoyer_maintenant_sends_today_to_the_coordinator(tmp_path, coordinator):
    config = registered_kiosk(tmp_path, coordinator)
    store = store_with_days(config, {TODAY: ["imprimante_scan", "imprimante_scan", "autre"]},
                            TODAY)

    def script(app):
        mediator = yield from open_mediator_view(app)
        yield from wait_until(lambda: "Jours en attente d'envoi : 1." in mediator.sync_text)
        assert coordinator.day_totals() == {}  # the schedule keeps today until it is over
        assert not mediator.ids.send_now.disabled
        yield from tap_in_view(mediator, mediator.ids.send_now)
        yield from wait_until(lambda: not mediator.busy and "envoyé" in mediator.send_text,
                              timeout_s=30)
        assert "1 jour(s) envoyé(s)" in mediator.send_text
        yield from wait_until(lambda: "Tout est envoyé." in mediator.sync_text)
        assert "Dernier envoi réussi" in mediator.sync_text
        SCREENSHOTS.mkdir(exist_ok=True)
        from kivy.core.window import Window

        for old in SCREENSHOTS.glob("mediateur-envoye-fr*.png"):
            old.unlink()
        yield 0.2
        Window.screenshot(name=str(SCREENSHOTS / "mediateur-envoye-fr.png"))

    run_app(config, script, store=store)
    assert coordinator.day_totals() == {TODAY: {"imprimante_scan": 2, "autre": 1}}


def test_envoyer_maintenant_says_why_when_the_coordinator_is_down(tmp_path, coordinator):
    config = registered_kiosk(tmp_path, coordinator, timeout_s=2)
    store = store_with_days(config, {TODAY: ["autre"]}, TODAY)
    coordinator.stop()  # a network cut: nothing listens on the port any more

    def script(app):
        mediator = yield from open_mediator_view(app)
        yield from tap_in_view(mediator, mediator.ids.send_now)
        yield from wait_until(lambda: not mediator.busy and mediator.send_text
                              and "cours" not in mediator.send_text, timeout_s=60)
        assert "injoignable" in mediator.send_text
        yield from wait_until(lambda: "Dernier problème" in mediator.sync_text)
        assert "Jours en attente d'envoi : 1." in mediator.sync_text

    run_app(config, script, store=store, timeout_s=120)
    with Store(config.kiosk.data_dir, readonly=True) as after:
        assert [d.day for d in after.unsynced()] == [TODAY]  # kept for the next try
