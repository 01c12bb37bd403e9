"""Rate limits and login throttles kept in the database, so that every worker sees them.

With `serve --workers N` each worker is a process of its own: a limit kept in one process's
memory would let a token push N times its limit, and a guesser try N times as many
passwords. The `shared_limits` table holds one row per limited key (UNLOGGED on
PostgreSQL); a push costs one UPSERT that refills the key's token bucket, takes a token
when there is one and answers how long to wait otherwise, atomically under the row's lock.
Time is the wall clock (`time.time`), the one clock every worker of a machine shares.

On SQLite the table sits in a side file with `synchronous=OFF` (limits_engine): a limit
lost in a power cut is harmless, and SQLite has one writer per file, which the counts need.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, bindparam, delete, select, text
from sqlalchemy.schema import CreateTable

from sync.coordinator import db
from sync.coordinator.ratelimit import MIN_PER_MINUTE
from sync.coordinator.schema import shared_limits

#: Rows untouched this long carry no state any more (a bucket is full again after at most
#: 2 minutes, a login record is forgotten after 2 x LoginThrottle.max_wait_s): pruned.
FORGET_AFTER_S = 3600.0
PRUNE_EVERY_S = 60.0

# refill = min(burst, level + elapsed * rate), written as CASE to read the same on SQLite
# and PostgreSQL; a token is taken when refill >= 1.
_REFILL = ("CASE WHEN shared_limits.level + (:now - shared_limits.at) * :rate < :burst "
           "THEN shared_limits.level + (:now - shared_limits.at) * :rate ELSE :burst END")


def taking(rows: str) -> str:
    """The UPSERT that takes a token from the bucket of each key in `rows` (SQL giving
    key, first level, now, true: a VALUES, or a SELECT to take it in a larger statement),
    with SharedBucket.parameters; it returns each bucket's level and whether it gave one."""
    return ("INSERT INTO shared_limits (key, level, at, taken) " + rows + " "
            "ON CONFLICT (key) DO UPDATE SET "
            f"level = CASE WHEN {_REFILL} >= 1 THEN {_REFILL} - 1 ELSE {_REFILL} END, "
            f"at = :now, taken = ({_REFILL} >= 1) "
            "RETURNING level, taken")


_ACQUIRE = text(taking("VALUES (:key, :first, :now, :yes)"))


def limits_engine(engine: Engine) -> Engine:
    """The engine for `shared_limits`: the database's own, except beside an SQLite file,
    where the table lives in a side file `<name>-limits.db` written without fsync, so that
    a limit never waits for (nor delays) the one writer of the counts."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return db.autocommit(engine)
    if not url.database or url.database == ":memory:":
        return engine
    main = Path(url.database)
    side = db.make_engine(f"sqlite:///{main.with_name(main.stem + '-limits.db')}",
                          durable=False)
    with side.begin() as conn:  # every worker may run this at once
        conn.execute(CreateTable(shared_limits, if_not_exists=True))
    return side


class _Pruned:
    """Deletes rows nobody wrote for FORGET_AFTER_S, at most once a PRUNE_EVERY_S per process."""

    def __init__(self, engine: Engine, clock):
        self.engine, self.clock = engine, clock
        self._last = clock()
        self._lock = threading.Lock()

    def prune(self, now: float) -> None:
        with self._lock:
            if now - self._last < PRUNE_EVERY_S:
                return
            self._last = now
        with self.engine.begin() as conn:
            conn.execute(delete(shared_limits).where(shared_limits.c.at < now - FORGET_AFTER_S))


class SharedBucket(_Pruned):
    """A token bucket per key (`burst` tokens, refilled `per_minute`, starting full) kept
    in the database: acquire() and wait() answer 0 or the seconds to wait, whichever
    worker asks."""

    def __init__(self, engine: Engine, name: str, per_minute: int = 120, burst: int = 120, *,
                 floor: int = MIN_PER_MINUTE, clock=time.time):
        if per_minute < floor or burst < floor:
            raise ValueError(f"the limit is never below {floor} requests a minute")
        super().__init__(engine, clock)
        self.name, self.rate, self.burst = name, per_minute / 60.0, float(burst)
        self._take = db.run_alone(engine, _ACQUIRE)  # every push runs it

    def acquire(self, key: str) -> float:
        now = self.clock()
        [(level, taken)] = self._take({"key": self.key(key), **self.parameters(now)})
        return self.answer(level, bool(taken), now)

    def key(self, key: str) -> str:
        """The bucket's row key for `key`."""
        return f"{self.name}:{key}"

    def parameters(self, now: float) -> dict:
        """The parameters of `taking()` but the key."""
        return {"first": self.burst - 1, "now": now, "rate": self.rate, "burst": self.burst,
                "yes": True}

    def answer(self, level: float, taken: bool, now: float) -> float:
        """What acquire() answers once `taking()` returned `level` and `taken`."""
        self.prune(now)
        return 0.0 if taken else (1 - level) / self.rate

    def wait(self, key: str) -> float:
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(shared_limits.c.level, shared_limits.c.at)
                               .where(shared_limits.c.key == f"{self.name}:{key}")).first()
        if row is None:
            return 0.0
        level = min(self.burst, row.level + (now - row.at) * self.rate)
        return 0.0 if level >= 1 else (1 - level) / self.rate


class SharedLoginThrottle(_Pruned):
    """users.LoginThrottle's rule (after `free_failures` failures in a row each try waits
    twice as long as the one before, up to `max_wait_s`; a success clears the record) with
    its records in the database, per login name and per client address."""

    def __init__(self, engine: Engine, free_failures: int = 5, max_wait_s: float = 900.0,
                 clock=time.time):
        super().__init__(engine, clock)
        self.free_failures, self.max_wait_s = free_failures, max_wait_s

    @staticmethod
    def _keys(login: str, address: str) -> list[str]:
        return [f"throttle:login:{login.lower()}", f"throttle:addr:{address}"]

    def wait_s(self, login: str, address: str) -> float:
        """Seconds before the next try is allowed (0 when it is allowed now)."""
        now = self.clock()
        with self.engine.connect() as conn:
            rows = conn.execute(select(shared_limits.c.level, shared_limits.c.at)
                                .where(shared_limits.c.key.in_(self._keys(login, address))))
            waits = [0.0]
            for failures, last in rows:
                if failures >= self.free_failures:
                    delay = min(self.max_wait_s, 2.0 ** (failures - self.free_failures))
                    waits.append(max(0.0, last + delay - now))
        return max(waits)

    def failed(self, login: str, address: str) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            for key in self._keys(login, address):
                conn.execute(text(
                    "INSERT INTO shared_limits (key, level, at, taken) "
                    "VALUES (:key, 1, :now, :no) ON CONFLICT (key) DO UPDATE SET "
                    "level = shared_limits.level + 1, at = :now"),
                    {"key": key, "now": now, "no": False})
        self.prune(now)

    def succeeded(self, login: str, address: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(shared_limits).where(
                shared_limits.c.key.in_(bindparam("keys", expanding=True))),
                {"keys": self._keys(login, address)})
