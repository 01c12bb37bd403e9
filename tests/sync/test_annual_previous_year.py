"""The annual report's comparison year: read as totals (figures.year_totals), in detail only
when disclosure control asks. The totals must equal the raw counts summed in Python, for the
network and for one commune, a category no longer in the catalogue included; SQLite and
PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from sqlalchemy import insert, select

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import db, reports, tokens
from sync.coordinator.reports.figures import commune_months
from sync.coordinator.schema import counts, day_revisions, kiosks

INSTALL = "00000000-0000-4000-8000-000000000001"
RECEIVED = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
KIOSKS = {"Allevard-1": "Allevard", "Allevard-2": "Allevard", "Bernin-1": "Bernin",
          "Crolles-1": "Crolles"}
RETIRED = "ancienne_rubrique"  # counted in 2025, since removed from the catalogue


def _seed(engine) -> dict[str, int]:
    """Three days a week of 2025 and 2026 for each kiosk, random counts."""
    for name, commune in KIOSKS.items():
        tokens.add_kiosk(engine, name, commune)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(kiosks.c.name, kiosks.c.id)).all())
    rng = random.Random(15)
    revs, rows = [], []
    day = dt.date(2025, 1, 1)
    while day.year < 2027:
        for name, kid in ids.items():
            if day.weekday() in (0, 2, 4) and not (name == "Bernin-1" and day.year == 2025
                                                   and day.month < 4):
                revs.append({"kiosk_id": kid, "install_id": INSTALL, "day": day,
                             "revision": 1, "received_at": RECEIVED})
                cats = [*CATEGORY_IDS, RETIRED] if day.month == 3 else CATEGORY_IDS
                rows += [{"kiosk_id": kid, "install_id": INSTALL, "day": day, "category": c,
                          "count": rng.randint(0, 5)} for c in cats]
        day += dt.timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(insert(day_revisions), revs)
        conn.execute(insert(counts), rows)
    return ids


def _raw_previous(engine, kiosk_ids: set[int]) -> tuple[list[int], Counter, Counter]:
    """2025's visits per month, per category and per kiosk, summed from the raw counts."""
    months, cats, per_kiosk = [0] * 12, Counter(), Counter()
    with engine.connect() as conn:
        for kid, day, cat, n in conn.execute(select(counts.c.kiosk_id, counts.c.day,
                                                    counts.c.category, counts.c.count)):
            if day.year == 2025 and kid in kiosk_ids:
                months[day.month - 1] += n
                cats[cat] += n
                per_kiosk[kid] += n
    return months, cats, per_kiosk


def test_the_comparison_year_is_summed_exactly_and_read_in_detail_only_when_asked(db_url):
    engine = db.make_engine(db_url)
    db.migrate(engine)
    ids = _seed(engine)
    today = dt.date(2027, 2, 1)
    for commune in (None, "Allevard"):
        scope = {kid for name, kid in ids.items() if commune in (None, KIOSKS[name])}
        months, cats, per_kiosk = _raw_previous(engine, scope)
        report = reports.annual_report(engine, 2026, commune, today=today)
        assert report.previous_months == months
        assert report.previous_category_totals == {**dict.fromkeys(CATEGORY_IDS, 0), **cats}
        assert report.previous_category_totals[RETIRED] > 0
        assert report.previous_total == sum(months)
        by_commune = Counter()
        for name, kid in ids.items():
            by_commune[KIOSKS[name]] += per_kiosk[kid]
        assert {c: prev for c, (_, prev) in report.communes.items()} == {
            c: n for c, n in by_commune.items() if n}
        # Without a threshold nothing asks for the detail, so it is never read.
        reports.annual_cells(report, None)
        assert "commune_months" not in vars(report)
        # With one, the detail of both years is read, as commune_months reads it.
        hidden = reports.annual_cells(report, 5)
        assert report.commune_months == commune_months(engine, [2025, 2026])
        assert hidden.previous_categories["total"].value == sum(
            n for c, n in cats.items() if c in CATEGORY_IDS)
    engine.dispose()
