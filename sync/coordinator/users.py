"""Dashboard accounts: roles, argon2id password hashes and login throttling.

Accounts are for the network's coordinator(s) and the people they share figures with;
kiosks never log in here, they keep their own bearer tokens for the ingestion API.
A new password or a removed account ends the account's sessions (sessions.py).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from . import sessions
from .schema import users

MIN_PASSWORD_LENGTH = 10
#: admin: accounts, kiosks, tokens and every figure; reader: every figure; commune: the
#: figures (pages and exports) of one commune.
ROLES = ("admin", "reader", "commune")
_LOGIN = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")

# argon2-cffi's defaults are RFC 9106's low-memory profile: argon2id, 64 MiB, t=3.
_hasher = PasswordHasher()
# Verified when the login is unknown, so a missing account costs the same time as a wrong
# password and logins cannot be enumerated by timing.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UserError(ValueError):
    """A refused login name or password; the message is one plain sentence."""


@dataclass(frozen=True)
class User:
    id: int
    login: str
    role: str = "admin"
    commune: str | None = None
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


_COLUMNS = (users.c.id, users.c.login, users.c.role, users.c.commune, users.c.active)


def _user(row) -> User:
    return User(id=row.id, login=row.login, role=row.role, commune=row.commune,
                active=bool(row.active))


def _keep_an_admin(conn, user_id: int) -> None:
    """UserError when `user_id` is the last active administrator: someone must stay able to
    manage accounts and kiosks."""
    others = conn.execute(select(users.c.id).where(
        users.c.role == "admin", users.c.active.is_(True), users.c.id != user_id)).first()
    if others is None:
        raise UserError("this is the last administrator account: make another one first")


def check_role(role: str, commune: str | None) -> tuple[str, str | None]:
    """(role, commune) when they fit together: a commune for the commune role only."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    commune = (commune or "").strip() or None
    if role == "commune" and commune is None:
        raise UserError("the commune role needs --commune NAME")
    if role != "commune" and commune is not None:
        raise UserError("--commune goes with the commune role only")
    if commune is not None and len(commune) > 120:
        raise UserError("the commune name must have at most 120 characters")
    return role, commune


def check_login_name(login: str) -> str:
    if not isinstance(login, str) or not _LOGIN.match(login):
        raise UserError(
            "login must be 2 to 80 characters: letters, digits, '.', '_', '-' or '@'"
        )
    return login


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise UserError("password must have at most 1024 characters")
    return password


def create_user(engine: Engine, login: str, password: str, role: str = "admin",
                commune: str | None = None) -> User:
    """Store a new account with an argon2id hash. UserError if the login exists or is bad."""
    check_login_name(login)
    check_password(password)
    role, commune = check_role(role, commune)
    row = {
        "login": login,
        "password_hash": _hasher.hash(password),
        "created_at": dt.datetime.now(dt.UTC),
        "role": role,
        "commune": commune,
    }
    try:
        with engine.begin() as conn:
            result = conn.execute(users.insert().values(**row))
            user_id = result.inserted_primary_key[0]
    except IntegrityError:
        raise UserError(f"an account named {login!r} already exists") from None
    return User(id=user_id, login=login, role=role, commune=commune)


def _account_id(conn, login: str) -> int:
    user_id = conn.execute(select(users.c.id).where(users.c.login == login)).scalar()
    if user_id is None:
        raise UserError(f"there is no account named {login!r}")
    return user_id


def set_password(engine: Engine, login: str, password: str) -> int:
    """Replace an account's password and end its sessions (returns how many ended)."""
    check_password(password)
    password_hash = _hasher.hash(password)
    with engine.begin() as conn:
        user_id = _account_id(conn, login)
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(password_hash=password_hash))
        return sessions.close_all(conn, user_id)


def set_role(engine: Engine, login: str, role: str, commune: str | None = None, *,
             keep_an_admin: bool = False) -> None:
    """Change an account's role; its open sessions see the new role at their next page.
    `keep_an_admin` (the dashboard) refuses to demote the last administrator."""
    role, commune = check_role(role, commune)
    with engine.begin() as conn:
        user_id = _account_id(conn, login)
        if keep_an_admin and role != "admin":
            _keep_an_admin(conn, user_id)
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(role=role, commune=commune))


def remove_user(engine: Engine, login: str, *, keep_an_admin: bool = False) -> None:
    """Delete an account and end its sessions at once (not the last administrator with
    `keep_an_admin`: the dashboard cannot lock the network out; the server's command line,
    which can always add an account, can)."""
    with engine.begin() as conn:
        user_id = _account_id(conn, login)
        if keep_an_admin:
            _keep_an_admin(conn, user_id)
        sessions.close_all(conn, user_id)
        conn.execute(delete(users).where(users.c.id == user_id))


def set_active(engine: Engine, login: str, active: bool) -> None:
    """Disable an account (it cannot log in, its sessions end at once) or enable it again;
    never the last active administrator."""
    with engine.begin() as conn:
        user_id = _account_id(conn, login)
        if not active:
            _keep_an_admin(conn, user_id)
            sessions.close_all(conn, user_id)
        conn.execute(users.update().where(users.c.id == user_id).values(active=active))


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(row) for row in conn.execute(select(*_COLUMNS).order_by(users.c.login))]


def verify_user(engine: Engine, login: str, password: str) -> User | None:
    """The account when the password matches, else None (same cost for unknown logins)."""
    if not isinstance(login, str) or not isinstance(password, str) or len(password) > 1024:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(*_COLUMNS, users.c.password_hash).where(users.c.login == login)
        ).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(
                users.update().where(users.c.id == row.id).values(password_hash=_hasher.hash(password))
            )
    return _user(row)


def get_user(engine: Engine, user_id: int) -> User | None:
    """The account with this id, or None once it has been removed or disabled."""
    with engine.connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(users.c.id == user_id,
                                                   users.c.active.is_(True))).first()
    return _user(row) if row else None


class LoginThrottle:
    """Slows down password guessing, per login name and per client address.

    After `free_failures` failures in a row, each further try must wait twice as long as the
    previous one (1 s, 2 s, 4 s … capped at `max_wait_s`). A success clears the login's and
    the address's record. Kept in memory: the service runs as one process, and restarting it
    is not something a guesser can do.
    """

    def __init__(self, free_failures: int = 5, max_wait_s: float = 900.0, clock=time.monotonic):
        self.free_failures = free_failures
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    def _keys(self, login: str, address: str) -> tuple[str, str]:
        return f"login:{login.lower()}", f"addr:{address}"

    def _wait_for(self, key: str, now: float) -> float:
        failures, last = self._failures.get(key, (0, 0.0))
        if failures < self.free_failures:
            return 0.0
        delay = min(self.max_wait_s, 2.0 ** (failures - self.free_failures))
        return max(0.0, last + delay - now)

    def wait_s(self, login: str, address: str) -> float:
        """Seconds before the next try is allowed (0 when it is allowed now)."""
        now = self._clock()
        with self._lock:
            return max(self._wait_for(key, now) for key in self._keys(login, address))

    def failed(self, login: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > 100_000:  # bound memory under a spray of logins
                self._forget_older_than(now - 2 * self.max_wait_s)
            for key in self._keys(login, address):
                failures, _ = self._failures.get(key, (0, 0.0))
                self._failures[key] = (failures + 1, now)

    def _forget_older_than(self, when: float) -> None:
        for key in [k for k, (_, last) in self._failures.items() if last < when]:
            del self._failures[key]

    def succeeded(self, login: str, address: str) -> None:
        with self._lock:
            for key in self._keys(login, address):
                self._failures.pop(key, None)
