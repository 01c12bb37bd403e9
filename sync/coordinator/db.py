"""The coordinator's database: engine set-up for SQLite or any SQLAlchemy URL, migrations.

SQLite is the default: WAL, a generous busy timeout and every transaction opened with
`BEGIN IMMEDIATE`, so concurrent pushes queue for the write lock instead of failing with
"database is locked" half-way through (pysqlite's own deferred BEGIN would let two
readers both try to upgrade). PostgreSQL (`postgresql+psycopg://...`) serves larger networks.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

BUSY_TIMEOUT_S = 30
#: A database server's connections per worker process (docs/coordinator.md: workers x
#: POOL_SIZE must stay under the server's max_connections, 100 by default).
POOL_SIZE = 20
#: How long a request waits for one of them before it is answered 503: under the kiosks'
#: 30 s request timeout, so that a kiosk hears "retry later" rather than nothing.
POOL_TIMEOUT_S = 10
MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The database URL or the database itself is unusable; str() is one line."""


def data_dir() -> Path:
    """$KIOSK_COORDINATOR_DATA, else $XDG_DATA_HOME (or ~/.local/share)/permanence-kiosk-coordinator."""
    env = os.environ.get("KIOSK_COORDINATOR_DATA")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "permanence-kiosk-coordinator"


def default_db_url() -> str:
    """An SQLite file in the data dir (created if missing)."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'coordinator.db'}"


def configured_url() -> str | None:
    """The database URL from the environment, never from the command line (where `ps` and
    `systemctl status` show it to every local user): the file named by
    $KIOSK_COORDINATOR_DB_FILE (its first line), else $KIOSK_COORDINATOR_DB, else None."""
    path = os.environ.get("KIOSK_COORDINATOR_DB_FILE")
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise DatabaseError(f"KIOSK_COORDINATOR_DB_FILE {path}: {reason}") from None
        url = lines[0].strip() if lines else ""
        if not url:
            raise DatabaseError(f"KIOSK_COORDINATOR_DB_FILE {path}: the file is empty")
        return url
    return os.environ.get("KIOSK_COORDINATOR_DB") or None


def make_engine(url: str | None = None, *, durable: bool = True, reader: bool = False) -> Engine:
    """An engine for `url` (default: `configured_url()`, else `default_db_url()`), SQLite
    tuned for concurrent pushes. Error messages never repeat the password. SQLite only:
    `durable=False` commits each statement on its own, without fsync, for single-statement
    writes a power cut may lose (limits.py);
    `reader=True` only reads, each statement on its own, beside the writer (WAL) instead
    of queueing for it (the push gate's token lookups)."""
    url = url or configured_url() or default_db_url()
    try:
        parsed = make_url(url)
    except Exception:
        raise DatabaseError("the database URL is not an SQLAlchemy URL "
                            "(e.g. sqlite:///path/coordinator.db)") from None
    if parsed.get_backend_name() != "sqlite":
        try:
            # No pre-ping: it was a round trip on every checkout, a tenth of a push. A
            # connection the server dropped fails one request with 503 (the kiosk retries)
            # and SQLAlchemy then renews the whole pool. No overflow: a connection past the
            # pool was closed as soon as it was returned, and a new one costs the server a
            # process (with 64 pushes at once, one push in ten opened one). Past the pool,
            # requests queue for a connection, up to POOL_TIMEOUT_S, then get 503.
            return create_engine(parsed, pool_size=POOL_SIZE, max_overflow=0,
                                 pool_timeout=POOL_TIMEOUT_S, pool_recycle=1800)
        except Exception as exc:
            raise DatabaseError(f"cannot use database {parsed.render_as_string()}: {exc}") from None
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise DatabaseError(f"folder {folder} for the SQLite database does not exist")
    # A connection for each thread of the pool that serves requests (40): past the pool,
    # each new SQLite connection costs its PRAGMAs, and was a few percent of a push.
    engine = create_engine(parsed, pool_size=40, max_overflow=10,
                           connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        # FULL: a 200 tells the kiosk it may forget; the data must survive a power cut.
        cursor.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA foreign_keys=ON")
        if reader:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    if reader:
        return engine

    # One transaction at a time per process and file: SQLite runs one writer anyway, and a
    # thread queued on this lock wakes as soon as it is free, where one queued on the busy
    # timeout sleeps and polls (with 64 pushes at once that polling was most of a push's
    # time). Other processes (workers, the CLI) still queue on the busy timeout.
    lock = _file_lock(parsed.database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        _acquire(lock)
        if not durable:  # limits.py: statements atomic alone, each its own transaction
            return
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(_connection):
        lock.release()

    return engine


def reader(engine: Engine) -> Engine:
    """An engine for single-statement reads that must not queue behind the writer: on an
    SQLite file a second, read-only engine; on a server `engine` in autocommit (no BEGIN
    and COMMIT round trips around one statement)."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return autocommit(engine)
    if not url.database or url.database == ":memory:":
        return engine
    return make_engine(url.render_as_string(hide_password=False), reader=True)


def autocommit(engine: Engine) -> Engine:
    """`engine` (same pool) with each statement committed on its own: for statements that
    are atomic alone, like limits.py's one UPSERT."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def run_alone(engine: Engine, statement, *, writes: bool = True) -> Callable[[dict], list]:
    """`run(params)`: `statement` on its own, committed, its rows returned, run straight
    on one of `engine`'s pooled DBAPI connections.

    For the statements a push runs beside its transaction, each atomic alone (limits.py's
    UPSERT on every push, gate.py's lookup of an unseen token): SQLAlchemy's execution
    around one statement cost more than the statement did (measured in-process, 1,000
    keys: a take on the SQLite side file 65 µs, 18 this way; on PostgreSQL 190 µs, 106 this
    way, the same statements reaching the server). Errors are still SQLAlchemy's (an
    OperationalError answers 503), and a connection found dropped leaves the pool. An
    in-memory SQLite engine keeps SQLAlchemy's path: its one connection may be inside
    another transaction, which the statement must not join. `writes=False`: a read on
    `reader()`'s SQLite engine, which runs beside the writer instead of taking its lock."""
    dialect, url = engine.dialect, engine.url
    if dialect.name == "sqlite" and (not url.database or url.database == ":memory:"):
        def through_sqlalchemy(params: dict) -> list:
            with engine.begin() as conn:
                return conn.execute(statement, params).all()
        return through_sqlalchemy

    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params:  # e.g. an expanding IN: its SQL is made per call
        raise ValueError("run_alone needs a statement whose SQL is the same for every call")
    sql, order = str(compiled), compiled.positiontup
    # SQLite: the same lock as the engine's transactions (make_engine); its connections
    # already commit each statement alone. A server: autocommit for this statement only.
    sqlite = dialect.name == "sqlite"
    lock = _file_lock(url.database) if sqlite and writes else None
    dbapi_error = dialect.loaded_dbapi.Error

    def run(params: dict) -> list:
        args = tuple(params[name] for name in order) if order else params
        conn = engine.raw_connection()  # PoolTimeout when every connection stays busy
        cursor = None
        try:
            with _holding(lock):
                if not sqlite:
                    dialect.set_isolation_level(conn.dbapi_connection, "AUTOCOMMIT")
                try:
                    cursor = conn.cursor()
                    cursor.execute(sql, args)
                    rows = cursor.fetchall()
                    cursor.close()  # SQLite: the statement done, its change committed
                    return rows
                finally:
                    if not sqlite:
                        dialect.reset_isolation_level(conn.dbapi_connection)
        except dbapi_error as exc:
            dropped = dialect.is_disconnect(exc, conn.dbapi_connection, cursor)
            if dropped:
                conn.invalidate(exc)
            raise DBAPIError.instance(sql, params, exc, dbapi_error, dialect=dialect,
                                      connection_invalidated=dropped) from exc
        finally:
            conn.close()  # back to the pool

    return run


@contextlib.contextmanager
def _holding(lock: threading.Lock | None):
    """`lock` held (None: nothing to hold), or "database is locked" after BUSY_TIMEOUT_S."""
    if lock is None:
        yield
        return
    _acquire(lock)
    try:
        yield
    finally:
        lock.release()


def _acquire(lock: threading.Lock) -> None:
    """`lock`, waited for up to BUSY_TIMEOUT_S like SQLite's own lock, else its error."""
    if not lock.acquire(timeout=BUSY_TIMEOUT_S):
        raise OperationalError("BEGIN IMMEDIATE", None,
                               sqlite3.OperationalError("database is locked"))


_FILE_LOCKS: dict[str, threading.Lock] = {}


def _file_lock(database: str | None) -> threading.Lock:
    """The process's lock for the SQLite file `database` (one per in-memory engine)."""
    if not database or database == ":memory:":
        return threading.Lock()
    return _FILE_LOCKS.setdefault(str(Path(database).expanduser().resolve()), threading.Lock())


def migrate(engine: Engine, target: str = "head") -> None:
    """Bring the schema to Alembic revision `target`, by default the latest (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)
