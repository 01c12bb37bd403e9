"""The offline transfer carries workshops and exit answers (format version 2) and still
reads the version 1 payloads of kiosks not yet updated."""

from __future__ import annotations

import base64
import datetime as dt
import random
from types import SimpleNamespace

import pytest

from kiosk.catalogue import CATEGORY_IDS
from kiosk.extras import EXIT_ANSWERS
from sync import transfer

TOKEN = "w" * 43
INSTALL = "6f1c3a2e-1111-4222-8333-944455556666"
URL = "https://stats.grenoble-alpes.example.org"
START = dt.date(2026, 7, 1)
KEY = transfer.derive_key(TOKEN)
SOURCE = transfer.Source(KEY, INSTALL, True, "1")
# A version 1 payload as the released kiosk writes it (two days, no workshop), frozen here so
# that a change of the reader that would refuse it fails this test.
OLD_DAYS = [SimpleNamespace(day=START, revision=3, counts={"autre": 2}),
            SimpleNamespace(day=START + dt.timedelta(days=2), revision=1,
                            counts={"service_public": 1, "imprimante_scan": 4})]


def month(seed=3):
    """30 days, each with visits, most with a workshop or two and a few exit answers."""
    rng = random.Random(seed)
    days = []
    for n in range(30):
        workshops = {theme: {"sessions": s, "participants": s * rng.randint(1, 99)}
                     for theme in rng.sample(CATEGORY_IDS, rng.randint(0, 2))
                     for s in [rng.randint(1, 3)]}
        exits = {a: rng.randint(1, 30) for a in rng.sample(EXIT_ANSWERS, rng.randint(0, 3))}
        days.append(SimpleNamespace(day=START + dt.timedelta(days=n), revision=rng.randint(1, 40),
                                    counts={rng.choice(CATEGORY_IDS): rng.randint(1, 9)},
                                    workshops=workshops, exits=exits))
    return days


def version_of(payload: str) -> int:
    return base64.urlsafe_b64decode(payload + "==")[0]


def test_days_without_extras_still_make_a_version_1_payload_read_as_before():
    (payload,) = transfer.file_payloads_for(SOURCE, OLD_DAYS)
    assert version_of(payload) == transfer.FORMAT_VERSION == 1
    opened = transfer.open_payload(payload, KEY)
    assert [(d.day, d.revision, d.counts, d.workshops, d.exits) for d in opened.days] == [
        (d.day, d.revision, d.counts, {}, {}) for d in OLD_DAYS]
    push = opened.to_push(dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    assert all(d.workshops is None and d.exits is None for d in push.days)


def test_workshops_and_exit_answers_round_trip_in_version_2():
    days = month()
    (payload,) = transfer.file_payloads_for(SOURCE, days)
    assert version_of(payload) == transfer.EXTRAS_VERSION == 2
    opened = transfer.open_payload(payload, KEY)
    assert [(d.day, d.revision, d.counts, d.workshops, d.exits) for d in opened.days] == [
        (d.day, d.revision, d.counts, d.workshops, d.exits) for d in days]
    push = opened.to_push(dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    assert {d.day: {t: w.sessions for t, w in (d.workshops or {}).items()}
            for d in push.days} == {
        d.day: {t: w["sessions"] for t, w in d.workshops.items()} for d in days}


def test_a_month_with_workshops_still_fits_few_qr_codes():
    plain = transfer.qr_texts(SOURCE, [SimpleNamespace(day=d.day, revision=d.revision,
                                                       counts=d.counts) for d in month()], URL)
    rich = transfer.qr_texts(SOURCE, month(), URL)
    assert len(plain) == 1 and len(rich) <= 2, (len(plain), len(rich))
    for text in rich:
        assert len(text.encode()) <= transfer.QR_CAPACITY


@pytest.mark.parametrize("tail", [b"\x04", b"\x02\x08\x01"])
def test_a_version_2_day_with_unknown_parts_is_refused(tail):
    """Unknown flag bits or answer bits: refused, not guessed (signed like a real one)."""
    import hashlib
    import hmac

    body = (bytes([2]) + bytes.fromhex(transfer.key_id(KEY)) + bytes(16) + bytes([1, 1, 1, 1])
            + b"1" + bytes([1]) + bytes([0, 1, 0]) + tail)
    mac = hmac.new(KEY, body, hashlib.sha256).digest()[:transfer.MAC_BYTES]
    text = base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()
    with pytest.raises(transfer.TransferError, match="unknown"):
        transfer.open_payload(text, KEY)
