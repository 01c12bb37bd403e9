"""Fixtures for the dashboard and reports: a real coordinator app on a temporary SQLite file."""

from __future__ import annotations

import datetime as dt
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))

import seed  # noqa: E402

from sync.coordinator import users  # noqa: E402
from sync.coordinator.app import create_app  # noqa: E402

LOGIN, PASSWORD = "coordinatrice", "un mot de passe assez long"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def app(tmp_path):
    return create_app(f"sqlite:///{tmp_path / 'coordinator.db'}")


@pytest.fixture
def engine(app):
    return app.state.engine


@pytest.fixture
def network(engine):
    """Three communes: two reporting kiosks for 2025-2026, one new kiosk with two days only."""
    users.create_user(engine, LOGIN, PASSWORD)
    seed.add_kiosk(engine, "Crolles – mairie", "Crolles", dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "Crolles – médiathèque", "Crolles", dt.date(2025, 3, 1))
    seed.add_kiosk(engine, "Pontcharra", "Pontcharra", dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "Froges", "Froges", dt.date(2026, 9, 1))
    seed.random_days(engine, "Crolles – mairie", dt.date(2025, 1, 1), dt.date(2026, 11, 20), 1)
    seed.random_days(engine, "Crolles – médiathèque", dt.date(2025, 3, 1), dt.date(2026, 11, 20), 2)
    seed.random_days(engine, "Pontcharra", dt.date(2025, 6, 1), dt.date(2026, 11, 20), 3)
    seed.put_day(engine, "Froges", dt.date(2026, 10, 3), {"autre": 2, "imprimante_scan": 1})
    seed.put_day(engine, "Froges", dt.date(2026, 10, 10), {})  # held, nobody came
    now = dt.datetime.now(dt.UTC)
    seed.set_contact(engine, "Crolles – mairie", now - dt.timedelta(hours=2), skew_s=3.0)
    seed.set_contact(engine, "Crolles – médiathèque", now - dt.timedelta(days=20), skew_s=-1.5)
    seed.set_contact(engine, "Pontcharra", now - dt.timedelta(days=1), skew_s=5400.0,
                     trusted=False)
    return engine


def login(client: TestClient, login_name: str = LOGIN, password: str = PASSWORD):
    page = client.get("/connexion")
    return client.post("/connexion", data={"csrf": csrf_of(page.text), "login": login_name,
                                           "password": password, "suite": "/"},
                       follow_redirects=False)


@pytest.fixture
def client(app, network):
    with TestClient(app) as c:
        answer = login(c)
        assert answer.status_code == 303, answer.text
        yield c


@pytest.fixture
def anonymous(app, network):
    with TestClient(app) as c:
        yield c


class _Tables(HTMLParser):
    """Collects the cells of every <table id=...> of a page, row by row, as text."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._current: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._current = attrs["id"]
            self.tables[self._current] = []
        elif self._current and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._current = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            # collapse layout whitespace only: the no-break spaces of the numbers stay
            self._row.append(re.sub(r"[ \t\r\n]+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._current:
            self.tables[self._current].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def number(text: str) -> int:
    """'1 234' (narrow no-break space) -> 1234."""
    return int(text.replace("\u202f", "").replace("\u00a0", "").replace(" ", ""))


def sql_totals(engine, start: dt.date, end: dt.date, by: str = "category") -> dict:
    """Sums straight from the tables, independent of reports.py: by category or commune."""
    column = {"category": "c.category", "commune": "k.commune",
              "commune_category": "k.commune || '|' || c.category"}[by]
    query = text(f"SELECT {column}, SUM(c.count) FROM counts c JOIN kiosks k ON k.id = c.kiosk_id "
                 "WHERE c.day BETWEEN :a AND :b GROUP BY 1")
    with engine.connect() as conn:
        return {key: int(n) for key, n in conn.execute(query, {"a": start, "b": end})}
