"""The quarterly CSV: a UTF-8 BOM, `;`, one row per day x category, totals, thématiques."""

import csv
import datetime as dt

import pytest
from core_helpers import DAY

from kiosk.catalogue import CATEGORY_IDS
from kiosk.catalogue import load as load_catalogue
from kiosk.export import HEADER, quarter_rows, write_quarter_csv


def test_quarter_csv_opens_in_french_excel(store, tmp_path):
    for cid in ("service_public", "service_public", "autre"):
        store.record(cid)
    store.correct(dt.date(2026, 10, 2), "imprimante_scan", +1)
    store.correct(dt.date(2026, 9, 30), "autre", +1)  # Q3: not in the table
    path = write_quarter_csv(store, "2026-Q4", tmp_path / "q4.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert tuple(rows[0]) == HEADER
    body = rows[1:]
    assert len(body) == 2 * 8 + 8 + 1  # two days x 8 categories, 8 totals, grand total
    by_key = {(r[1], r[2]): r for r in body}
    sp = by_key[(DAY.isoformat(), "service_public")]
    assert sp[5] == "2"
    catalogue = load_catalogue()
    assert sp[3] == catalogue.get("service_public").label["fr"]
    assert sp[4] == "Aide aux démarches administratives"
    assert by_key[("Total", "imprimante_scan")][5] == "1"
    assert by_key[("Total", "")][5] == "4"
    assert {r[2] for r in body if r[1] == "2026-10-02"} == set(CATEGORY_IDS)


def test_bad_quarter_is_a_clear_error(store):
    with pytest.raises(ValueError, match="not a quarter like 2026-Q4"):
        quarter_rows(store, "2026-Q5")


def test_empty_quarter_still_has_totals(store):
    rows = quarter_rows(store, "2025-Q1")
    assert [r.day for r in rows] == ["Total"] * 9
    assert rows[-1].count == 0
