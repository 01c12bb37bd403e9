"""Group commit for SQLite: the pushes that arrive together share one transaction.

SQLite has one writer and `synchronous=FULL` makes every commit wait for the disk, so one
transaction per push caps a coordinator at a few hundred pushes a second whatever its
CPU. Here one thread writes: it takes every push waiting (up to MAX_BATCH), files them all
in one transaction, commits once, and only then answers them all, so a 200 still means the
counts are on disk. PostgreSQL needs none of this: its transactions run side by side.

A refused push (revoked, a 4th install, a day over the ceiling) may have written before it
was refused, so it must roll back alone. Refusals are rare and a SAVEPOINT per push cost
an eighth of the writer's time, so the batch is first filed without any; only when one
push fails is it all rolled back and filed again, each push in its own SAVEPOINT.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

MAX_BATCH = 64


class GroupCommitter:
    """Runs `work(conn)` calls on one writer thread, batched into shared transactions."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._queue: queue.SimpleQueue[tuple[Callable[[Connection], object], Future]] = (
            queue.SimpleQueue())
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[Connection], object]) -> Future:
        """A future of `work(conn)`'s result, set once its transaction is committed."""
        future: Future = Future()
        self._queue.put((work, future))
        return future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._file(batch)

    def _file(self, batch) -> None:
        try:
            try:
                done = self._together(batch)
            except _Redo:
                done = self._apart(batch)
        except Exception as exc:  # the commit itself failed: nothing of the batch is kept
            for _work, future in batch:
                future.set_exception(exc)
            return
        for future, result, exc in done:
            if exc is None:
                future.set_result(result)
            else:
                future.set_exception(exc)

    def _together(self, batch) -> list:
        """The whole batch in one transaction; _Redo (all rolled back) if a push fails."""
        with self.engine.begin() as conn:
            done = []
            for work, future in batch:
                try:
                    done.append((future, work(conn), None))
                except Exception as exc:
                    raise _Redo from exc
        return done

    def _apart(self, batch) -> list:
        """The batch again, each push in its own SAVEPOINT: a refused one rolls back alone."""
        done = []
        with self.engine.begin() as conn:
            for work, future in batch:
                try:
                    with conn.begin_nested():
                        done.append((future, work(conn), None))
                except Exception as exc:  # this push alone is refused
                    done.append((future, None, exc))
        return done


class _Redo(Exception):
    """A push of the batch failed: file the batch again, push by push."""
