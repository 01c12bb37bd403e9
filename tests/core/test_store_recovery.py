"""Unreadable store files are moved aside (never deleted) and the last good copy is used."""

import datetime as dt
import json
import logging

import pytest
from core_helpers import DAY

from kiosk.store import Store


def _three_taps(data_dir, fake_time) -> str:
    with Store(data_dir, clock=fake_time.clock()) as s:
        for _ in range(3):
            s.record("autre")
        return s.install_id


def _valid_but_tampered(raw: bytes) -> bytes:
    whole = json.loads(raw)
    day = next(iter(whole["data"]["days"].values()))
    day["counts"]["autre"] = 99  # a flipped bit that still parses: the checksum sees it
    return json.dumps(whole).encode()


BAD_CONTENTS = {
    "garbage": lambda raw: b"\x00\x17 not json at all {{{",
    "empty": lambda raw: b"",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "null": lambda raw: b"null",
    "wrong shape": lambda raw: b'{"days": [1, 2, 3]}',
    "bad checksum": _valid_but_tampered,
    "unknown key": lambda raw: raw.replace(b'"acked"', b'"name"'),
    "deeply nested": lambda raw: b"[" * 100_000 + b"]" * 100_000,
    "a directory": None,
}


@pytest.mark.parametrize("kind", sorted(BAD_CONTENTS))
def test_bad_current_file_is_set_aside_and_previous_copy_used(kind, data_dir, fake_time,
                                                               caplog):
    install_id = _three_taps(data_dir, fake_time)
    current = data_dir / "current.json"
    if BAD_CONTENTS[kind] is None:  # something replaced the file by a folder
        current.unlink()
        current.mkdir()
        bad = None
    else:
        bad = BAD_CONTENTS[kind](current.read_bytes())
        current.write_bytes(bad)
    caplog.set_level(logging.WARNING)
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.counts(DAY)["autre"] == 2  # the previous generation
        assert s.install_id == install_id
        # Its revision is raised above anything the lost generation may have sent.
        assert s.unsynced()[0].revision == 3
        s.record("autre")
    if bad is None:
        assert (data_dir / "current.json.bad-1").is_dir()
    else:
        assert (data_dir / "current.json.bad-1").read_bytes() == bad
    assert any("moved aside" in r.getMessage() for r in caplog.records)
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.counts(DAY)["autre"] == 3


def test_reader_falls_back_without_moving_anything(data_dir, fake_time):
    _three_taps(data_dir, fake_time)
    (data_dir / "current.json").write_bytes(b"{torn")
    with Store(data_dir, readonly=True, clock=fake_time.clock()) as reader:
        assert reader.counts(DAY)["autre"] == 2
    assert (data_dir / "current.json").read_bytes() == b"{torn"
    assert not list(data_dir.glob("*.bad-*"))


def test_both_generations_bad_starts_afresh_and_keeps_both(data_dir, fake_time, caplog):
    old_id = _three_taps(data_dir, fake_time)
    (data_dir / "current.json").write_bytes(b"null")
    (data_dir / "current.json.prev").write_bytes(b"")
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.counts(DAY)["autre"] == 0
        # A new install id: the coordinator adds these counts to the old ones.
        assert s.install_id != old_id
        s.record("autre")
    assert (data_dir / "current.json.bad-1").read_bytes() == b"null"
    assert (data_dir / "current.json.prev.bad-1").read_bytes() == b""


def test_killed_between_the_two_renames(data_dir, fake_time):
    _three_taps(data_dir, fake_time)
    (data_dir / "current.json").unlink()  # the state between "current -> prev" and "tmp -> current"
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.counts(DAY)["autre"] == 2
    assert not list(data_dir.glob("*.bad-*"))


def test_stale_temp_files_are_removed_at_open(data_dir, fake_time):
    _three_taps(data_dir, fake_time)
    stale = data_dir / ".current.json.4242.tmp"
    stale.write_bytes(b'{"format":1,"checksum":"sha256:0","data":{"days":{"1":')
    other = data_dir / "notes.tmp"  # not ours: left alone
    other.write_text("x")
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.counts(DAY)["autre"] == 3
    assert not stale.exists()
    assert other.exists()


def test_bad_archive_is_set_aside_too(data_dir, fake_time):
    with Store(data_dir, clock=fake_time.clock()) as s:
        s.record("autre")
        s.mark_synced([(DAY, 1)])
        fake_time.tick(86400)
        s.record("autre")
        fake_time.tick(86400)
        s.mark_synced([(DAY + dt.timedelta(days=1), 1)])
        s.record("autre")  # the archive now has two generations
    (data_dir / "archive.json").write_bytes(b"[]")
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.counts(DAY)["autre"] == 1
    assert (data_dir / "archive.json.bad-1").exists()
