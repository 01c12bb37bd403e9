"""The SQLite group commit: pushes filed together, a refused one rolled back alone."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from sync.coordinator import db
from sync.coordinator.groupcommit import GroupCommitter

metadata = MetaData()
rows = Table("rows", metadata, Column("n", Integer, primary_key=True))


class Refused(ValueError):
    pass


@pytest.fixture
def engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'group.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def write(n: int, refuse: bool = False):
    """A push's work: writes its row, then is refused when `refuse` (after writing)."""

    def work(conn):
        conn.execute(insert(rows).values(n=n))
        if refuse:
            raise Refused(f"push {n} refused")
        return n

    return work


def one_batch(committer: GroupCommitter, works) -> list:
    """Submit `works` while the writer is held, so that they are filed as one batch."""
    held, release = threading.Event(), threading.Event()

    def hold(_conn):
        held.set()
        assert release.wait(60)

    first = committer.submit(hold)
    assert held.wait(60)
    futures = [committer.submit(work) for work in works]
    release.set()
    first.result(60)
    return futures


def stored(engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(rows.c.n)).scalars())


def test_a_batch_is_filed_and_answered(engine):
    futures = one_batch(GroupCommitter(engine), [write(n) for n in range(1, 6)])
    assert [f.result(60) for f in futures] == [1, 2, 3, 4, 5]
    assert stored(engine) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("refused", [0, 2, 4])
def test_a_refused_push_rolls_back_alone_wherever_it_is_in_its_batch(engine, refused):
    works = [write(n, refuse=(n == refused)) for n in range(5)]
    futures = one_batch(GroupCommitter(engine), works)
    for n, future in enumerate(futures):
        if n == refused:
            with pytest.raises(Refused, match=f"push {n} refused"):
                future.result(60)
        else:
            assert future.result(60) == n
    assert stored(engine) == [n for n in range(5) if n != refused]


def test_a_batch_of_refusals_keeps_nothing_and_answers_each(engine):
    futures = one_batch(GroupCommitter(engine), [write(n, refuse=True) for n in range(3)])
    for n, future in enumerate(futures):
        with pytest.raises(Refused, match=f"push {n} refused"):
            future.result(60)
    assert stored(engine) == []
