"""Helpers for the dashboard tests: login, CSRF, HTML tables, sums straight from SQL."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy import text

LOGIN, PASSWORD = "coordinatrice", "un mot de passe assez long"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client: TestClient, login_name: str = LOGIN, password: str = PASSWORD):
    page = client.get("/connexion")
    return client.post("/connexion", data={"csrf": csrf_of(page.text), "login": login_name,
                                           "password": password, "suite": "/"},
                       follow_redirects=False)


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
