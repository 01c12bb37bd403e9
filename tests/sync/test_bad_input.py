"""Bad input against a real coordinator: a clear JSON error, nothing stored, never a 5xx."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from sync_helpers import post, push_body

TODAY = dt.date(2026, 11, 26)  # a fixed past day: the coordinator takes any past day


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from sync_helpers import Coordinator

    folder = tmp_path_factory.mktemp("bad-input")
    coordinator = Coordinator(f"sqlite:///{folder / 'coordinator.db'}", folder / "log",
                              env={"KIOSK_COORDINATOR_RATE_LIMIT": "1000000"})
    coordinator.start()
    coordinator.token = coordinator.add_kiosk()
    yield coordinator
    coordinator.stop()


def _with(change):
    body = push_body(TODAY, 1, {"autre": 1})
    change(body)
    return body


INVALID = {
    "extra field nom": (_with(lambda b: b.update(nom="Dupont")), "nom"),
    "extra field in a day": (_with(lambda b: b["days"][0].update(heure="10:15")), "days[0].heure"),
    "unknown category": (_with(lambda b: b["days"][0]["counts"].update(rsa=1)), "days[0].counts.rsa"),
    "negative count": (_with(lambda b: b["days"][0]["counts"].update(autre=-1)), "days[0].counts.autre"),
    "huge count": (_with(lambda b: b["days"][0]["counts"].update(autre=10**12)), "days[0].counts.autre"),
    "boolean count": (_with(lambda b: b["days"][0]["counts"].update(autre=True)), "days[0].counts.autre"),
    "string count": (_with(lambda b: b["days"][0]["counts"].update(autre="3")), "days[0].counts.autre"),
    "decimal count": (_with(lambda b: b["days"][0]["counts"].update(autre=1.5)), "days[0].counts.autre"),
    "boolean revision": (_with(lambda b: b["days"][0].update(revision=True)), "days[0].revision"),
    # Far enough ahead to be in the future on any day the suite runs.
    "future day": (_with(lambda b: b["days"][0].update(day="2999-12-31")), "days[0].day"),
    "day as a number": (_with(lambda b: b["days"][0].update(day=20261126)), "days[0].day"),
    "impossible day": (_with(lambda b: b["days"][0].update(day="2026-02-30")), "days[0].day"),
    "day twice": (_with(lambda b: b["days"].append(dict(b["days"][0]))), "days"),
    "not a uuid": (_with(lambda b: b.update(install_id="borne-1")), "install_id"),
    "sent_at as a number": (_with(lambda b: b.update(sent_at=1764150000)), "sent_at"),
    "clock_trusted as a number": (_with(lambda b: b.update(clock_trusted=1)), "clock_trusted"),
    "missing days": (_with(lambda b: b.pop("days")), "days"),
    "a list instead of an object": ([1, 2, 3], "body"),
}


@pytest.mark.parametrize("body, field", INVALID.values(), ids=INVALID.keys())
def test_invalid_bodies_get_422_naming_the_field(server, body, field):
    before = server.totals()
    answer = post(server, server.token, body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert field in problem["detail"]
    assert any(error["field"] == field for error in problem["errors"])
    assert server.totals() == before


def test_a_tomorrow_day_is_accepted(server):
    # Kiosks an hour ahead of the server around midnight must not be refused.
    tomorrow = TODAY + dt.timedelta(days=1)
    answer = post(server, server.token, push_body(tomorrow, 1, {"autre": 1}))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b'{"install_id": '])
def test_malformed_json_gets_400(server, raw):
    answer = post(server, server.token, raw)
    assert answer.status_code in (400, 422), answer.text
    if raw:
        assert answer.status_code == 400
        assert "JSON" in answer.json()["detail"]


def test_no_token_gets_401(server):
    answer = post(server, None, push_body(TODAY, 1, {"autre": 1}))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "token" in answer.json()["detail"]


def test_unknown_token_gets_401(server):
    answer = post(server, "not-a-real-token", push_body(TODAY, 1, {"autre": 1}))
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.json()["detail"]


def test_revoked_token_gets_401(server):
    from sync.coordinator import tokens

    token = tokens.add_kiosk(server.engine, "to-revoke", "Crolles")
    assert post(server, token, push_body(TODAY, 1, {"autre": 1})).status_code == 200
    tokens.revoke_kiosk(server.engine, "to-revoke")
    assert post(server, token, push_body(TODAY, 2, {"autre": 1})).status_code == 401


def test_a_body_over_one_mebibyte_gets_413(server):
    big = b'{"install_id": "' + b"x" * (1024 * 1024) + b'"}'
    answer = post(server, server.token, big)
    assert answer.status_code == 413
    assert "bytes" in answer.json()["detail"]


def test_a_streamed_body_over_one_mebibyte_gets_413(server):
    def chunks():
        for _ in range(20):
            yield b" " * 65536 * 2

    answer = requests.post(server.url + "/api/v1/counts", data=chunks(), timeout=30,
                           headers={"Authorization": f"Bearer {server.token}",
                                    "Content-Type": "application/json"})
    assert answer.status_code == 413


def test_ninety_days_fit_well_under_the_limit(server):
    body = push_body(TODAY, 1, {})
    body["days"] = [{"day": str(TODAY - dt.timedelta(days=d)), "revision": 3,
                     "counts": {c: 12 for c in ("service_public", "autre", "imprimante_scan")}}
                    for d in range(90)]
    answer = post(server, server.token, body)
    assert answer.status_code == 200
    assert len(answer.request.body) < 16 * 1024


def test_too_many_pushes_get_429_with_retry_after(start_coordinator, sqlite_url):
    coordinator = start_coordinator(sqlite_url)  # the default limit: 120 a minute
    token = coordinator.add_kiosk()  # the limit is per kiosk (random tokens: test_push_gate)
    session = requests.Session()
    statuses = []
    for _ in range(200):
        answer = session.post(coordinator.url + "/api/v1/counts", json={}, timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
            assert "too many" in answer.json()["detail"]
            break
    # Never below 60 requests a minute, bursts included.
    assert statuses[:60] == [422] * 60  # an empty body, refused after the token is checked
    assert statuses[-1] == 429


# --- schemathesis: whatever the schema allows or not, never a server error ---------------

@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_whatever_the_body(server, mode):
    # The API only (the dashboard tests its own pages). `schemathesis.pytest.from_fixture`
    # breaks under pytest 9 (request.node._nodeid), so the strategy is driven directly.
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json").include(
        path_regex=r"^/(api/|healthz)")
    session = requests.Session()
    auth = {"Authorization": f"Bearer {server.token}"}
    seen: list[tuple[str, int]] = []

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=schema.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(session=session, headers=auth, timeout=30)
        seen.append((case.path, response.status_code))
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.json()["detail"]

    check()
    assert sum(path == "/api/v1/counts" for path, _ in seen) >= 50
    expected = {200} if mode == GenerationMode.POSITIVE else {400, 422}
    assert expected & {status for _, status in seen}
