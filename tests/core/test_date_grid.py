"""The calendar's awkward days, for everything on the kiosk that is calendar-shaped.

Opening hours and the closed screen's sentence, taps and taps waiting for a date, quarters,
weeks and the quarterly export, on: a Sunday, both Europe/Paris DST switches of 2026
(29 March, 02:00 -> 03:00; 25 October, 03:00 -> 02:00), 31 December -> 1 January,
29 February 2028, the last day of a quarter. The coordinator's side is in
tests/coordinator/test_report_date_grid.py.

Every test runs in Europe/Paris (the `paris` fixture) and reads its clock like the kiosk
does: an instant shown in the system's zone (`.astimezone()`), so a run that crosses a
switch sees the local time jump as the real kiosk would. Nothing here reads today's date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from core_helpers import FakeTime

from kiosk.clock import SystemClock
from kiosk.config import parse
from kiosk.export import TOTAL, quarter_rows
from kiosk.i18n import format_opening
from kiosk.periods import days, parse_quarter, quarter_of, week_of
from kiosk.store import Store

#: Before every day below, so that "today is before the software existed" never applies.
EARLY_BUILD = dt.date(2020, 1, 1)

HOURS = {"monday": ["09:00-12:00", "14:00-17:00"], "thursday": ["09:00-12:00"],
         "tuesday": ["09:00-12:00"]}
CLOSED = ["2026-12-31", "2028-02-29"]


def local(*fields) -> dt.datetime:
    """A local wall time (Europe/Paris under the fixture), as the kiosk's clock gives it."""
    return dt.datetime(*fields).astimezone()


def permanence():
    config = parse({"kiosk": {"data_dir": "/nonexistent"},
                    "coordinator": {"url": "", "token_file": ""},
                    "permanence": {"hours": HOURS, "closed_dates": CLOSED}})
    return config.permanence


def closed_sentence(now: dt.datetime) -> str:
    """What the closed screen says (screens/ferme.py), in French."""
    return format_opening(permanence().next_opening(now), now, "fr")


# --- opening hours and the closed screen's next opening -----------------------------------

GRID = [
    # (local wall time, open?, next opening as the closed screen says it)
    ((2026, 11, 29, 10, 0), False, "demain à 9 h 00"),  # a Sunday
    ((2026, 11, 30, 8, 59), False, "aujourd'hui à 9 h 00"),
    ((2026, 11, 30, 9, 0), True, "aujourd'hui à 9 h 00"),  # a slot's start is inside it
    ((2026, 11, 30, 12, 0), False, "aujourd'hui à 14 h 00"),  # its end is not
    ((2026, 11, 30, 17, 0), False, "demain à 9 h 00"),
    # Spring switch (Sunday 29 March 2026): a minute before 02:00, then just after 03:00.
    ((2026, 3, 29, 1, 59), False, "demain à 9 h 00"),
    ((2026, 3, 29, 3, 0), False, "demain à 9 h 00"),
    ((2026, 3, 30, 9, 30), True, "aujourd'hui à 14 h 00"),
    # Autumn switch (Sunday 25 October 2026): the Saturday before, and after 03:00 CEST.
    ((2026, 10, 24, 20, 0), False, "lundi 26 octobre à 9 h 00"),
    ((2026, 10, 25, 2, 30), False, "demain à 9 h 00"),
    ((2026, 10, 26, 11, 59), True, "aujourd'hui à 14 h 00"),
    # 31 December (a Thursday, a closed date) to 1 January.
    ((2026, 12, 31, 10, 0), False, "lundi 4 janvier à 9 h 00"),
    ((2026, 12, 31, 23, 59), False, "lundi 4 janvier à 9 h 00"),
    ((2027, 1, 1, 0, 0), False, "lundi 4 janvier à 9 h 00"),
    # 29 February 2028 (a Tuesday, closed): from the Monday before, and on the day.
    ((2028, 2, 28, 17, 30), False, "jeudi 2 mars à 9 h 00"),
    ((2028, 2, 29, 10, 0), False, "jeudi 2 mars à 9 h 00"),
    # The last day of a quarter (Wednesday 30 September 2026): tomorrow is in the next one.
    ((2026, 9, 30, 18, 0), False, "demain à 9 h 00"),
    ((2026, 10, 1, 9, 0), True, "aujourd'hui à 9 h 00"),
]


@pytest.mark.parametrize(("wall", "is_open", "sentence"), GRID,
                         ids=[f"{w[0]}-{w[1]:02d}-{w[2]:02d}T{w[3]:02d}{w[4]:02d}"
                              for w, _, _ in GRID])
def test_opening_hours_and_next_opening(paris, wall, is_open, sentence):
    now = local(*wall)
    assert permanence().is_open(now) is is_open
    assert closed_sentence(now) == sentence
    assert permanence().next_opening(now).replace(tzinfo=None) >= now.replace(tzinfo=None)


def test_next_opening_keeps_the_wall_time_across_both_switches(paris):
    # The hours are local wall times: 9 h 00 stays 9 h 00 on the other side of a switch.
    for before, after in (((2026, 3, 28, 18, 0), dt.date(2026, 3, 30)),
                          ((2026, 10, 24, 18, 0), dt.date(2026, 10, 26))):
        moment = permanence().next_opening(local(*before))
        assert (moment.date(), moment.hour, moment.minute) == (after, 9, 0)


def test_with_no_hours_the_permanence_is_open_on_every_grid_day(paris):
    config = parse({"kiosk": {"data_dir": "/nonexistent"},
                    "coordinator": {"url": "", "token_file": ""}})
    for wall, _, _ in GRID:
        assert config.permanence.is_open(local(*wall))
        assert config.permanence.next_opening(local(*wall)) is None


# --- taps: the local day, across every boundary -----------------------------------------

def kiosk_clock(fake: FakeTime, *, hardware_clock: bool = True) -> SystemClock:
    """The kiosk's clock over `fake`: its instant, read in the system's zone."""
    return SystemClock(fake.flag, now=lambda: fake.wall.astimezone(),
                       monotonic=lambda: fake.mono, boot_id=lambda: fake.boot,
                       build_date=EARLY_BUILD, hardware_clock=hardware_clock)


CROSSINGS = [
    # (start, seconds to the second tap, first day, second day)
    pytest.param((2026, 3, 29, 1, 59), 120, dt.date(2026, 3, 29), dt.date(2026, 3, 29),
                 id="spring-switch-from-01h59"),
    pytest.param((2026, 10, 25, 2, 30), 3600, dt.date(2026, 10, 25), dt.date(2026, 10, 25),
                 id="autumn-switch-02h30-twice"),
    pytest.param((2026, 12, 31, 23, 59), 120, dt.date(2026, 12, 31), dt.date(2027, 1, 1),
                 id="new-year"),
    pytest.param((2028, 2, 28, 23, 59), 120, dt.date(2028, 2, 28), dt.date(2028, 2, 29),
                 id="into-29-february"),
    pytest.param((2028, 2, 29, 23, 59), 120, dt.date(2028, 2, 29), dt.date(2028, 3, 1),
                 id="out-of-29-february"),
    pytest.param((2026, 9, 30, 23, 59), 120, dt.date(2026, 9, 30), dt.date(2026, 10, 1),
                 id="quarter-end"),
    pytest.param((2026, 11, 29, 23, 59), 120, dt.date(2026, 11, 29), dt.date(2026, 11, 30),
                 id="sunday-to-monday"),
]


@pytest.mark.parametrize(("start", "later", "first", "second"), CROSSINGS)
def test_taps_land_on_the_local_day_and_the_clock_stays_trusted(paris, tmp_path, start, later,
                                                                 first, second):
    fake = FakeTime(tmp_path, local(*start))
    with Store(tmp_path / "data", clock=kiosk_clock(fake)) as store:
        assert store.record("autre").day == first
        fake.tick(later)  # time passes normally: the wall clock and the monotonic one together
        assert store.record("imprimante_scan").day == second
        state = store.clock_state()
        # A DST switch moves the local time by an hour but the instant runs on: no "jump".
        assert (state.trusted, state.reason) == (True, "plausible")
        assert state.today == second
        if first == second:
            assert (store.counts(first)["autre"], store.counts(first)["imprimante_scan"]) == (1, 1)
        else:
            assert store.counts(first)["autre"] == 1 and store.counts(first)["imprimante_scan"] == 0
            assert store.counts(second)["imprimante_scan"] == 1 and store.counts(second)["autre"] == 0
        assert [r.day for r in store.unsynced()] == sorted({first, second})


def test_a_run_from_01h59_on_the_spring_switch_keeps_its_times_in_order(paris, tmp_path):
    # 01:59 CET, then a minute later 03:00 CEST: the local time leaps an hour, the instant
    # only a minute; the clock must not call that a jump (or taps would wait for a date).
    fake = FakeTime(tmp_path, local(2026, 3, 29, 1, 59))
    with Store(tmp_path / "data", clock=kiosk_clock(fake)) as store:
        store.record("autre")
        seen = []
        for _minute in range(3):
            fake.tick(60)
            seen.append(fake.wall.astimezone().strftime("%H:%M %Z"))
            store.record("autre")
        assert seen == ["03:00 CEST", "03:01 CEST", "03:02 CEST"]
        assert store.clock_state().trusted
        assert store.counts(dt.date(2026, 3, 29))["autre"] == 4
        assert store.clock_state().pending == 0


# --- taps waiting for a date ------------------------------------------------------------

@pytest.mark.parametrize(("start", "day"), [
    pytest.param((2026, 3, 29, 1, 59, 30), dt.date(2026, 3, 29), id="spring-switch"),
    pytest.param((2026, 10, 25, 2, 30), dt.date(2026, 10, 25), id="autumn-switch"),
    pytest.param((2028, 2, 29, 12, 0), dt.date(2028, 2, 29), id="29-february"),
    pytest.param((2026, 9, 30, 22, 0), dt.date(2026, 9, 30), id="quarter-end"),
    pytest.param((2026, 11, 29, 15, 0), dt.date(2026, 11, 29), id="sunday"),
])
def test_waiting_taps_get_their_local_day_when_the_network_gives_the_time(
        paris, tmp_path, start, day):
    # No battery clock and no network yet: taps wait. The first tap and one an hour of
    # monotonic time later (across the switch, where there is one) fall on one local day:
    # once the time is synchronised they are filed on that day.
    fake = FakeTime(tmp_path, local(*start))
    with Store(tmp_path / "data", clock=kiosk_clock(fake, hardware_clock=False)) as store:
        assert store.record("autre").day is None
        fake.tick(60 if start[3] < 2 else 1800)
        assert store.record("autre").day is None
        assert store.clock_state().pending == 2
        fake.tick(600)
        fake.synced = True
        store.upkeep()  # what the app's schedule and the sync client run
        state = store.clock_state()
        assert (state.trusted, state.pending) == (True, 0)
        assert store.counts(day)["autre"] == 2


@pytest.mark.parametrize(("start", "first", "second"), [
    pytest.param((2026, 12, 31, 23, 59), dt.date(2026, 12, 31), dt.date(2027, 1, 1),
                 id="new-year"),
    pytest.param((2028, 2, 28, 23, 59), dt.date(2028, 2, 28), dt.date(2028, 2, 29),
                 id="into-29-february"),
    pytest.param((2026, 9, 30, 23, 59), dt.date(2026, 9, 30), dt.date(2026, 10, 1),
                 id="quarter-end"),
])
def test_waiting_taps_across_midnight_wait_for_the_mediator(paris, tmp_path, start, first,
                                                           second):
    # Two taps of one waiting bucket on two different days: no single day is right, so
    # they stay waiting (never filed on a guess) until the mediator chooses the day.
    fake = FakeTime(tmp_path, local(*start))
    with Store(tmp_path / "data", clock=kiosk_clock(fake, hardware_clock=False)) as store:
        store.record("autre")
        fake.tick(120)
        store.record("autre")
        fake.synced = True
        store.upkeep()
        state = store.clock_state()
        assert (state.trusted, state.pending, state.today) == (True, 2, second)
        assert store.days(first, second) == []
        assert store.confirm_pending(first) == 2
        assert store.counts(first)["autre"] == 2 and store.clock_state().pending == 0
        with pytest.raises(ValueError, match="in the future"):
            store.confirm_pending(second + dt.timedelta(days=1))


# --- quarters, weeks and the quarterly export -------------------------------------------

@pytest.mark.parametrize(("day", "quarter", "bounds"), [
    (dt.date(2026, 3, 29), "2026-Q1", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
    (dt.date(2026, 9, 30), "2026-Q3", (dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
    (dt.date(2026, 10, 1), "2026-Q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    (dt.date(2026, 10, 25), "2026-Q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    (dt.date(2026, 12, 31), "2026-Q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    (dt.date(2027, 1, 1), "2027-Q1", (dt.date(2027, 1, 1), dt.date(2027, 3, 31))),
    (dt.date(2028, 2, 29), "2028-Q1", (dt.date(2028, 1, 1), dt.date(2028, 3, 31))),
])
def test_quarters(day, quarter, bounds):
    assert quarter_of(day) == quarter
    assert parse_quarter(quarter) == bounds
    start, end = bounds
    assert start <= day <= end
    assert quarter_of(start) == quarter_of(end) == quarter
    assert quarter_of(start - dt.timedelta(days=1)) != quarter
    assert quarter_of(end + dt.timedelta(days=1)) != quarter


def test_the_quarters_of_a_year_cover_it_once():
    for year in (2026, 2027, 2028):
        covered = [d for q in range(1, 5) for d in days(*parse_quarter(f"{year}-Q{q}"))]
        assert covered == list(days(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        assert len(covered) == (366 if year == 2028 else 365)
    assert len(list(days(*parse_quarter("2028-Q1")))) == 91


@pytest.mark.parametrize(("day", "monday", "sunday"), [
    (dt.date(2026, 11, 29), dt.date(2026, 11, 23), dt.date(2026, 11, 29)),  # a Sunday
    (dt.date(2026, 11, 30), dt.date(2026, 11, 30), dt.date(2026, 12, 6)),
    (dt.date(2026, 12, 31), dt.date(2026, 12, 28), dt.date(2027, 1, 3)),
    (dt.date(2028, 2, 29), dt.date(2028, 2, 28), dt.date(2028, 3, 5)),
    (dt.date(2026, 3, 29), dt.date(2026, 3, 23), dt.date(2026, 3, 29)),
])
def test_weeks_run_monday_to_sunday(day, monday, sunday):
    assert week_of(day) == (monday, sunday)


def test_the_quarterly_export_puts_each_boundary_day_in_its_quarter(paris, tmp_path):
    fake = FakeTime(tmp_path, local(2026, 9, 30, 23, 59))
    with Store(tmp_path / "data", clock=kiosk_clock(fake)) as store:
        taps = {}
        for boot, start in enumerate(((2026, 9, 30, 23, 59), (2026, 12, 31, 23, 59),
                                      (2028, 2, 28, 23, 59), (2028, 2, 29, 23, 59))):
            fake.reboot(local(*start), f"boot-{boot}")  # a new boot: the date may move on
            for _ in range(2):
                day = store.record("autre").day
                taps[day] = taps.get(day, 0) + 1
                fake.tick(120)
        assert store.clock_state().trusted

        def exported(quarter):
            rows = quarter_rows(store, quarter)
            per_day = {r.day: r.count for r in rows if r.category_id == "autre" and r.day != TOTAL}
            total = next(r.count for r in rows if r.day == TOTAL and r.category_id == "autre")
            return per_day, total

        assert exported("2026-Q3") == ({"2026-09-30": 1}, 1)
        assert exported("2026-Q4") == ({"2026-10-01": 1, "2026-12-31": 1}, 2)
        assert exported("2027-Q1") == ({"2027-01-01": 1}, 1)
        assert exported("2028-Q1") == ({"2028-02-28": 1, "2028-02-29": 2, "2028-03-01": 1}, 4)
        assert sum(taps.values()) == 8
