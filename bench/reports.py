"""Report generation on a large network: 100 kiosks x 8 categories, growing from 1 to 5 years.

Prints, after each added year of history, the median time of the quarter statistics page
(GET / through the real app, logged in) and of the annual XLSX, and each as a ratio to the
figure measured with one year of history in this same run, and the annual XLSX also as a
ratio to the second year's (x2y: the first year whose comparison year holds data, so the
first like-for-like figure). Goal (issue 15): the page under 150 ms at 5 years, the annual
XLSX flat with history (a year reads only itself and the year before).

The table's rows are measured a minute apart, each after a bulk insert, and a row's median
can move by a fifth from one run to the next. So the last year's annual XLSX is measured
again at the end, alternately on the full history and on a second database holding that
year alone (the same rows, from the same seed): both meet the same machine state, and that
last line's ratio is the one the goal of 1.2 is read from.

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
from sync.coordinator.schema import counts, day_revisions  # noqa: E402
from sync.coordinator.schema import kiosks as kiosks_table  # noqa: E402

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
    return alternated_ms([action], repeat)[0]


def network(path: str, kiosks: int) -> tuple:
    """A coordinator app on a new SQLite file with `kiosks` kiosks: (app, engine, kiosk ids)."""
    app = create_app(f"sqlite:///{path}")
    engine = app.state.engine
    for i in range(kiosks):
        tokens.add_kiosk(engine, f"Borne {i:03d}", f"Commune {i % 45:02d}")
    with engine.begin() as conn:
        conn.execute(kiosks_table.update().values(created_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
        ids = [row[0] for row in conn.execute(
            kiosks_table.select().with_only_columns(kiosks_table.c.id))]
    return app, engine, ids


def annual_xlsx(engine, year: int) -> None:
    reports.workbook_bytes(reports.annual_workbook(reports.annual_report(engine, year)))


def alternated_ms(actions, repeat: int) -> list[float]:
    """The median of each action, run in turn `repeat` times after one warm-up each."""
    times: list[list[float]] = [[] for _ in actions]
    for action in actions:
        action()  # warm caches, as a coordinator reloading the page would
    for _ in range(repeat):
        for action, spent in zip(actions, times, strict=True):
            start = time.perf_counter()
            action()
            spent.append((time.perf_counter() - start) * 1000)
    return [statistics.median(spent) for spent in times]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=100)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, engine, ids = network(f"{folder}/bench.db", args.kiosks)
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
            rows += add_year(engine, ids, year, random.Random(year))
            insert_s = time.perf_counter() - start
            quarter = f"{year}-Q4"

            def page_once(quarter=quarter):
                answer = client.get(f"/?periode=trimestre&trimestre={quarter}")
                assert answer.status_code == 200, answer.status_code

            def annual_once(year=year):
                annual_xlsx(engine, year)

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
        last = first_year + args.years - 1
        _, alone, alone_ids = network(f"{folder}/alone.db", args.kiosks)
        assert alone_ids == ids
        add_year(alone, ids, last, random.Random(last))
        full_ms, alone_ms = alternated_ms(
            [lambda: annual_xlsx(engine, last), lambda: annual_xlsx(alone, last)],
            args.repeat * 3)
        print(f"annual xlsx of {last}, the two databases in turn, median of {args.repeat * 3}: "
              f"{args.years} years of history {full_ms:.1f} ms, {last} alone {alone_ms:.1f} ms, "
              f"ratio {full_ms / alone_ms:.2f}")
        alone.dispose()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
