"""A push's credentials are checked before its body is read, and failed authentications are
limited per client address (behind the trusted proxy: the address it forwards), so spraying
random tokens gets 429 instead of a database lookup each."""

from __future__ import annotations

import time

import requests
from sqlalchemy import insert, select
from sync_helpers import push_body

from sync.coordinator import kiosks, limits
from sync.coordinator.gate import FAILURE_BURST
from sync.coordinator.schema import shared_limits

TODAY_BODY = push_body("2026-11-20", 1, {"autre": 1})


def push(url: str, token: str | None, *, address: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if address:
        headers["X-Forwarded-For"] = address
    headers.update(kwargs.pop("headers", {}))
    return requests.post(url + "/api/v1/counts", headers=headers, timeout=30, **kwargs)


def test_no_body_is_parsed_before_the_token_is_checked(sqlite_coordinator):
    url = sqlite_coordinator.url
    malformed = {"data": b"{not json", "headers": {"Content-Type": "application/json"}}
    assert push(url, None, **malformed).status_code == 401
    assert push(url, "random-token", **malformed).status_code == 401
    # A body declared over the limit is not even waited for without a good token.
    huge = {"data": b"{}", "headers": {"Content-Type": "application/json",
                                        "Content-Length": str(50 * 1024 * 1024)}}
    session = requests.Session()
    prepared = requests.Request("POST", url + "/api/v1/counts", data=b"{}",
                                headers={"Authorization": "Bearer random-token",
                                         "Content-Type": "application/json"}).prepare()
    prepared.headers["Content-Length"] = huge["headers"]["Content-Length"]
    try:
        answer = session.send(prepared, timeout=30)
        assert answer.status_code == 401
    except requests.ConnectionError:
        raise AssertionError("the server waited for the body of an unauthenticated push") from None
    token = sqlite_coordinator.add_kiosk()
    assert push(url, token, **malformed).status_code == 400
    assert push(url, token, json=TODAY_BODY).status_code == 200


def test_random_tokens_from_one_address_are_limited(sqlite_coordinator):
    url, token = sqlite_coordinator.url, sqlite_coordinator.add_kiosk()
    statuses = [push(url, f"random-{n}", json=TODAY_BODY, address="203.0.113.7").status_code
                for n in range(FAILURE_BURST + 1)]
    assert statuses == [401] * FAILURE_BURST + [429]
    refused = push(url, "random-x", json=TODAY_BODY, address="203.0.113.7")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "failed" in refused.json()["detail"]
    # another address (another desk behind the same proxy) is not held back
    assert push(url, "random-y", json=TODAY_BODY, address="198.51.100.2").status_code == 401
    assert push(url, token, json=TODAY_BODY, address="198.51.100.2").status_code == 200
    assert sqlite_coordinator.totals() == {"autre": 1}


def test_forwarded_addresses_count_only_from_the_trusted_proxy(start_coordinator, sqlite_url):
    # The trusted proxy is elsewhere: this client's X-Forwarded-For is not believed, so
    # inventing a new address for each try does not escape the limit.
    coordinator = start_coordinator(sqlite_url, FORWARDED_ALLOW_IPS="192.0.2.1")
    statuses = [push(coordinator.url, f"random-{n}", json=TODAY_BODY,
                     address=f"203.0.113.{n + 1}").status_code
                for n in range(FAILURE_BURST + 1)]
    assert statuses == [401] * FAILURE_BURST + [429]


def test_a_kiosks_first_push_is_limited_like_the_others(start_coordinator, db_url):
    """A token the worker has not seen is looked up and limited in one go (on PostgreSQL
    one statement): its first push takes a token from the kiosk's own bucket, and an empty
    bucket refuses it with 429 before anything is filed."""
    coordinator = start_coordinator(db_url, KIOSK_COORDINATOR_RATE_LIMIT="60")
    spent, fresh = coordinator.add_kiosk(), coordinator.add_kiosk("Crolles-2")
    buckets = limits.limits_engine(coordinator.engine)
    with coordinator.engine.connect() as conn:
        spent_id, fresh_id = (kiosks.kiosk_for_token(conn, t).id for t in (spent, fresh))
    with buckets.begin() as conn:  # emptied this instant: its next token comes in 1 s
        conn.execute(insert(shared_limits).values(key=f"push:kiosk:{spent_id}", level=0.0,
                                                  at=time.time(), taken=True))
    refused = push(coordinator.url, spent, json=TODAY_BODY)
    assert refused.status_code == 429, refused.text
    assert "too many pushes" in refused.json()["detail"]
    assert coordinator.totals() == {}

    assert push(coordinator.url, fresh, json=TODAY_BODY).status_code == 200
    with buckets.connect() as conn:
        level = conn.execute(select(shared_limits.c.level).where(
            shared_limits.c.key == f"push:kiosk:{fresh_id}")).scalar_one()
    assert 59 <= level < 60  # one token taken (and at most a second's refill since)
