"""The mediator's past days and quarters, through touches in the real app: correct
yesterday (with the same confirmation as today), export last quarter, and the choosers'
bounds (never after today, never before the first day the store holds, four quarters).

The store's clock is injected: "today" is a fixed Tuesday, whatever the machine's date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ui_helpers import (
    make_config,
    open_mediator_view,
    run_app,
    store_with_days,
    tap,
    tap_in_view,
    wait_until,
)

from kiosk.store import Store

pytestmark = pytest.mark.ui

TODAY = dt.date(2026, 11, 10)  # a Tuesday in the fourth quarter
YESTERDAY = TODAY - dt.timedelta(days=1)
LAST_QUARTER_DAY = dt.date(2026, 9, 30)


def stored(config, day: dt.date) -> dict[str, int]:
    with Store(config.kiosk.data_dir, readonly=True) as store:
        return store.counts(day)


def test_the_mediator_corrects_yesterday_and_exports_last_quarter(tmp_path):
    config = make_config(tmp_path, kiosk={"export_dirs": [str(tmp_path / "media")]})
    store = store_with_days(config, {LAST_QUARTER_DAY: ["service_public"],
                                     YESTERDAY: ["imprimante_scan", "imprimante_scan"],
                                     TODAY: ["autre"]}, TODAY)

    def script(app):
        mediator = yield from open_mediator_view(app)
        days = mediator.ids.day_chooser.ids
        assert mediator.snapshot.day == TODAY and "mardi 10 novembre 2026" in mediator.day_title
        assert days.later.disabled and not days.earlier.disabled  # never after today
        # No coordinator: nothing to send to, so no send button in the view. (Its kv id is
        # a weak reference: once removed, the button may already be collected.)
        assert not [w for w in mediator.walk() if getattr(w, "icon", None) == "sync"
                    and getattr(w, "text", None) == "Envoyer maintenant"]

        tap(days.earlier)
        yield from wait_until(lambda: mediator.snapshot.day == YESTERDAY and not mediator.busy)
        yield 0.1
        row = mediator._rows["imprimante_scan"]
        assert "lundi 9 novembre 2026" in mediator.day_title
        assert row.today == 2 and mediator._rows["autre"].today == 0
        assert not days.later.disabled
        assert "ce jour-là 2" in mediator.totals_text

        yield from tap_in_view(mediator, row.ids.plus)
        yield 0.3
        assert "lundi 9 novembre 2026" in mediator._dialog.question
        tap(mediator._dialog.ids.no)
        yield 0.3
        assert app.store.counts(YESTERDAY)["imprimante_scan"] == 2
        tap(row.ids.plus)
        yield 0.3
        tap(mediator._dialog.ids.yes)
        yield from wait_until(lambda: row.today == 3 and not mediator.busy)
        tap(mediator._rows["imprimante_scan"].ids.minus)
        yield 0.3
        assert "Retirer 1" in mediator._dialog.question
        assert "lundi 9 novembre 2026" in mediator._dialog.question
        tap(mediator._dialog.ids.no)
        yield 0.3
        assert mediator.snapshot.day == YESTERDAY  # a correction keeps the day shown

        quarters = mediator.ids.quarter_chooser.ids
        assert "octobre à décembre 2026" in mediator.quarter_title
        assert quarters.later.disabled  # no quarter to come
        yield from tap_in_view(mediator, quarters.earlier)
        yield 0.3
        assert "juillet à septembre 2026" in mediator.quarter_title
        yield from tap_in_view(mediator, mediator.ids.export)
        yield from wait_until(lambda: not mediator.busy and "permanence-2026-Q3" in
                              mediator.export_text)
        for _ in range(4):  # the current quarter and the three before, no more
            tap(quarters.earlier)
            yield 0.2
        assert "janvier à mars 2026" in mediator.quarter_title and quarters.earlier.disabled

    run_app(config, script, store=store)
    assert stored(config, YESTERDAY)["imprimante_scan"] == 3
    today = stored(config, TODAY)
    assert today["imprimante_scan"] == 0 and today["autre"] == 1  # today untouched
    [export] = (config.kiosk.data_dir / "exports").glob("*.csv")
    assert export.name == "permanence-2026-Q3.csv"
    text = export.read_text(encoding="utf-8-sig")
    assert "2026-Q3;2026-09-30;service_public;" in text
    assert "2026-11" not in text  # not a day of the quarter shown on screen


def test_the_day_chooser_stops_at_the_first_day_the_store_holds(tmp_path):
    config = make_config(tmp_path)
    store = store_with_days(config, {YESTERDAY: ["autre"]}, TODAY)

    def script(app):
        mediator = yield from open_mediator_view(app)
        days = mediator.ids.day_chooser.ids
        tap(days.earlier)
        yield from wait_until(lambda: mediator.snapshot.day == YESTERDAY and not mediator.busy)
        yield 0.1
        assert days.earlier.disabled and mediator.snapshot.first_day == YESTERDAY
        tap(days.earlier)  # a disabled button: nothing happens
        yield 0.5
        assert mediator.snapshot.day == YESTERDAY and mediator._rows["autre"].today == 1
        tap(days.later)
        yield from wait_until(lambda: mediator.snapshot.day == TODAY and not mediator.busy)
        yield 0.1
        assert days.later.disabled and "Aujourd'hui" in mediator.day_title
        tap(days.earlier)
        yield from wait_until(lambda: mediator.snapshot.day == YESTERDAY and not mediator.busy)
        yield from tap_in_view(mediator, mediator.ids.quarter_chooser.ids.earlier)
        yield 0.2
        assert mediator.quarter_back == 1
        app.go_home()
        yield 0.2
        mediator = yield from open_mediator_view(app)  # on today and this quarter again
        yield from wait_until(lambda: mediator.snapshot.day == TODAY)
        assert mediator.quarter_back == 0 and "octobre à décembre" in mediator.quarter_title

    run_app(config, script, store=store)
