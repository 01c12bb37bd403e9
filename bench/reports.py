"""Report generation on a large network: 100 kiosks x 8 categories, growing from 1 to 5 years.

Prints, after each added year of history, the median time of the quarter statistics page
(GET / through the real app, logged in) and of the annual XLSX, and each as a ratio to the
figure measured with one year of history in this same run, and the annual XLSX also as a
ratio to the second year's (x2y: the first year whose comparison year holds data, so the
first like-for-like figure). Goal (issue 15): the page under 150 ms at 5 years, the annual
XLSX flat with history (a year reads only itself and the year before).

    .venv/bin/python bench/reports.py [--kiosks 100] [--years 5] [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from kiosk.catalogue import CATEGORY_IDS  # noqa: E402
from sync.coordinator import reports, tokens, users  # noqa: E402
from sync.coordinator.app import create_app  # noqa: E402
from sync.coordinator.schema import counts, day_revisions, kiosks  # noqa: E402

INSTALL = "00000000-0000-4000-8000-00000000000"


def add_year(engine, kiosk_ids: list[int], year: int, rng: random.Random) -> int:
    """Every kiosk reports 5 days a week of `year`; returns the count rows written."""
    now = dt.datetime.now(dt.UTC)
    written = 0
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day.weekday() < 5:
            revs, rows = [], []
            for kid in kiosk_ids:
                install = f"{INSTALL}{kid % 10}"
                revs.append({"kiosk_id": kid, "install_id": install, "day": day, "revision": 1,
                             "received_at": now})
                rows += [{"kiosk_id": kid, "install_id": install, "day": day, "category": c,
                          "count": rng.randint(0, 6)} for c in CATEGORY_IDS]
            with engine.begin() as conn:
                conn.execute(insert(day_revisions), revs)
                conn.execute(insert(counts), rows)
            written += len(rows)
        day += dt.timedelta(days=1)
    return written


def median_ms(action, repeat: int) -> float:
    action()  # warm caches, as a coordinator reloading the page would
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=100)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{folder}/bench.db")
        engine = app.state.engine
        for i in range(args.kiosks):
            tokens.add_kiosk(engine, f"Borne {i:03d}", f"Commune {i % 45:02d}")
        with engine.begin() as conn:
            conn.execute(kiosks.update().values(
                created_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
            ids = [row[0] for row in conn.execute(kiosks.select().with_only_columns(kiosks.c.id))]
        users.create_user(engine, "bench", "bench password")
        client = TestClient(app)
        page = client.get("/connexion").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post("/connexion", data={"csrf": csrf, "login": "bench",
                                        "password": "bench password", "suite": "/"})
        first_year = 2030 - args.years
        baseline: tuple[float, float] | None = None
        print(f"{args.kiosks} kiosks x {len(CATEGORY_IDS)} categories, 5 reported days a week; "
              f"median of {args.repeat} runs")
        print(f"{'years':>5} {'count rows':>11} {'insert s':>9} {'quarter page ms':>16} "
              f"{'x1y':>5} {'annual xlsx ms':>15} {'x1y':>5} {'x2y':>5} {'json report ms':>15}")
        second: float | None = None
        rows = 0
        for n in range(1, args.years + 1):
            year = first_year + n - 1
            start = time.perf_counter()
            rows += add_year(engine, ids, year, rng)
            insert_s = time.perf_counter() - start
            quarter = f"{year}-Q4"

            def page_once(quarter=quarter):
                answer = client.get(f"/?periode=trimestre&trimestre={quarter}")
                assert answer.status_code == 200, answer.status_code

            def annual_once(year=year):
                reports.workbook_bytes(reports.annual_workbook(
                    reports.annual_report(engine, year)))

            def json_once(quarter=quarter):
                reports.quarter_json(engine, quarter)

            page_ms = median_ms(page_once, args.repeat)
            annual_ms = median_ms(annual_once, args.repeat)
            json_ms = median_ms(json_once, args.repeat)
            baseline = baseline or (page_ms, annual_ms)
            # The annual report compares with the year before: with one year of history that
            # year is empty, so the first like-for-like figure is the second year's.
            second = second or (annual_ms if n == 2 else None)
            x2y = f"{annual_ms / second:>5.2f}" if second else f"{'-':>5}"
            print(f"{n:>5} {rows:>11,} {insert_s:>9.1f} {page_ms:>16.1f} "
                  f"{page_ms / baseline[0]:>5.2f} {annual_ms:>15.1f} "
                  f"{annual_ms / baseline[1]:>5.2f} {x2y} {json_ms:>15.1f}")
        client.close()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
