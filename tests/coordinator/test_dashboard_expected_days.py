"""Expected days, silent kiosks, the statistics download, an empty commune (issue 14, points
4, 8 and 9). Fixed days only: the periods asked are over, or `today` is passed."""

from __future__ import annotations

import datetime as dt
import html
import io
import urllib.parse

import dashboard_seed as seed
import pytest
from dashboard_helpers import LOGIN, PASSWORD, login, number, sql_totals, tables_of
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sync.coordinator import reports, users
from sync.coordinator.reports.expected import count_days

MON_THU = {"monday": ["09:00-12:00"], "thursday": ["14:00-17:00"]}
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
AUTUMN = (dt.date(2026, 10, 1), dt.date(2026, 11, 30))


def _open_days(first: dt.date, last: dt.date, weekdays=(0, 3)) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() in weekdays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@pytest.fixture
def silent_network(engine):
    """Bernin opens Monday and Thursday and sends them all; Lumbin has the same hours but
    stops sending on 12 October; Theys never sent its hours. Goncelin: no data at all."""
    users.create_user(engine, LOGIN, PASSWORD)
    for name in ("Bernin", "Lumbin", "Theys", "Goncelin"):
        seed.add_kiosk(engine, name, name, dt.date(2026, 1, 1))
    seed.put_profile(engine, "Bernin", MON_THU)
    seed.put_profile(engine, "Lumbin", MON_THU)
    seed.put_days(engine, "Bernin", {d: {"autre": 1 + d.day % 3} for d in
                                     _open_days(*AUTUMN)})
    seed.put_days(engine, "Lumbin", {d: {"autre": 2} for d in
                                     _open_days(OCTOBER[0], dt.date(2026, 10, 11))})
    seed.put_days(engine, "Theys", {d: ({} if d.day == 8 else {"autre": 1})
                                    for d in _open_days(*OCTOBER, weekdays=(2,))})
    return engine


def test_count_days_tells_closed_from_open_without_data():
    first, last = dt.date(2026, 10, 1), dt.date(2026, 10, 31)  # a Thursday to a Saturday
    reported = {dt.date(2026, 10, 1): 3, dt.date(2026, 10, 5): 0}
    days = count_days(first, last, reported, frozenset({0, 3}))
    assert (days.with_visits, days.zero) == (1, 1)
    assert days.open_no_data == len(_open_days(first, last)) - 2 == 7
    assert days.closed == 31 - 9
    assert (days.silent_from, days.silent_until) == (dt.date(2026, 10, 8), dt.date(2026, 10, 29))
    assert days.silent_days == 7 and days.silent
    unknown = count_days(first, last, reported, None)
    assert unknown.open_no_data == 29 and unknown.closed == 0
    assert unknown.silent_days == 26 and unknown.silent  # three weeks and more, hours unknown


def test_no_data_counts_only_expected_open_days(app, silent_network):
    stats = reports.period_stats(silent_network, reports.range_period(*AUTUMN))
    # The page counts up to the app's today (seed.TODAY, frozen), so does this.
    coverage = {c.kiosk.name: c for c in stats.coverage(seed.TODAY)}
    assert coverage["Bernin"].days_no_data == 0
    counted = (seed.TODAY - AUTUMN[0]).days + 1
    assert coverage["Bernin"].days.closed == counted - len(_open_days(AUTUMN[0], seed.TODAY))
    assert coverage["Lumbin"].days_no_data == len(_open_days(dt.date(2026, 10, 12), seed.TODAY))
    assert coverage["Lumbin"].days.silent and not coverage["Bernin"].days.silent
    assert not coverage["Theys"].days.hours_known
    assert coverage["Theys"].days.silent  # every day expected: three weeks without data
    with TestClient(app) as client:
        assert login(client).status_code == 303
        page = client.get("/?periode=plage&du=2026-10-01&au=2026-11-30").text
    rows = {r[0]: r for r in tables_of(page)["table-couverture"][1:]}
    assert rows["Bernin"][4] == "0" and rows["Bernin"][5] == str(coverage["Bernin"].days.closed)
    assert rows["Theys"][5] == "horaires inconnus"
    assert "silencieuse" in rows["Lumbin"][6] and rows["Bernin"][6] == ""
    assert 'id="bornes-silencieuses"' in page
    lumbin = coverage["Lumbin"].days
    assert (f"Lumbin : {lumbin.silent_days} jours d'ouverture de suite sans données, du "
            f"12/10/2026 au {lumbin.silent_until:%d/%m/%Y}") in html.unescape(page)
    assert lumbin.silent_days == len(_open_days(dt.date(2026, 10, 12), seed.TODAY))
    expected = sum(c.days_no_data for c in coverage.values())
    assert number(page.split('id="jours-sans-donnees">')[1].split("<")[0]) == expected


def test_a_commune_without_data_says_so(app, silent_network):
    with TestClient(app) as client:
        assert login(client).status_code == 303
        html = client.get("/?periode=mois&mois=2026-10&commune=Goncelin").text
        assert 'id="total-visites"><span class="note">aucune donnée</span>' in html
        held = client.get("/?periode=mois&mois=2026-10&commune=Theys").text
        assert 'id="total-visites">aucune' not in held


def test_the_download_keeps_the_period_and_the_commune(app, silent_network):
    with TestClient(app) as client:
        assert login(client).status_code == 303
        html = client.get("/?periode=mois&mois=2026-10&commune=Bernin").text
        href = html.split('id="telecharger" href="')[1].split('"')[0].replace("&amp;", "&")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        assert query == {"periode": ["mois"], "mois": ["2026-10"], "commune": ["Bernin"],
                         "format": ["xlsx"]}
        answer = client.get(href)
        assert answer.status_code == 200
        assert "statistiques-2026-10-01-2026-10-31-Bernin.xlsx" in \
            answer.headers["content-disposition"]
        wb = load_workbook(io.BytesIO(answer.content))
        sheet = wb["Catégories"]
        assert sheet["A1"].value.startswith("octobre 2026") and sheet["A2"].value == "Bernin"
        total = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Total")
        assert total[2] == sql_totals(silent_network, *OCTOBER, by="commune")["Bernin"]
        assert [r[0] for r in wb["Bornes"].iter_rows(min_row=5, values_only=True)] == ["Bernin"]
        csv_answer = client.get(href.replace("format=xlsx", "format=csv"))
        assert csv_answer.content.startswith(b"\xef\xbb\xbf")
        assert "Bernin" in csv_answer.text.splitlines()[1]
        assert client.get(href.replace("format=xlsx", "format=pdf")).status_code == 400


def test_an_in_progress_quarter_says_data_as_of(silent_network):
    running = reports.quarter_table(silent_network, "2026-T4", today=dt.date(2026, 11, 30))
    sheet = reports.quarter_workbook(running)["Réseau"]
    assert sheet["A2"].value.endswith("données au 30/11/2026")
    over = reports.quarter_table(silent_network, "2026-Q4", today=dt.date(2027, 1, 4))
    assert "données au" not in reports.quarter_workbook(over)["Réseau"]["A2"].value
