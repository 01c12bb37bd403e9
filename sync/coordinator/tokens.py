"""Kiosks and their bearer tokens: 256 random bits each, only the sha256 hash is stored.

A token is looked up on every request (no cache), so a revocation answers 401 at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update

from sync.coordinator import transfers
from sync.coordinator.schema import kiosks


class KioskError(ValueError):
    """A kiosk name or commune that cannot be used; str() is one line."""


@dataclass(frozen=True)
class Kiosk:
    id: int
    name: str
    commune: str


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A fast hash suffices: the token has 256 random bits, there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 120 or not value.isprintable():
        raise KioskError(f"the {what} must be 1 to 120 printable characters, not {value!r}")
    return value


def add_kiosk(engine: Engine, name: str, commune: str) -> str:
    """Register a kiosk and return its token (shown once, never stored in clear)."""
    name, commune = _clean(name, "kiosk name"), _clean(commune, "commune")
    token = new_token()
    with engine.begin() as conn:
        if conn.execute(select(kiosks.c.id).where(kiosks.c.name == name)).first():
            raise KioskError(f"a kiosk named {name!r} already exists")
        made = conn.execute(insert(kiosks).values(
            name=name, commune=commune, token_hash=hash_token(token),
            created_at=dt.datetime.now(dt.UTC)))
        transfers.remember_key(conn, made.inserted_primary_key[0], token)
    return token


def revoke_kiosk(engine: Engine, name: str) -> None:
    """Revoke a kiosk's token: its next request gets 401. Its counts stay."""
    with engine.begin() as conn:
        row = conn.execute(select(kiosks.c.id, kiosks.c.revoked_at)
                           .where(kiosks.c.name == name)).first()
        if row is None:
            raise KioskError(f"no kiosk named {name!r}")
        if row.revoked_at is None:
            conn.execute(update(kiosks).where(kiosks.c.id == row.id)
                         .values(revoked_at=dt.datetime.now(dt.UTC)))


def kiosk_for_token(conn: Connection, token: str) -> Kiosk | None:
    """The active kiosk holding `token`, or None (unknown or revoked)."""
    row = conn.execute(
        select(kiosks.c.id, kiosks.c.name, kiosks.c.commune)
        .where(kiosks.c.token_hash == hash_token(token), kiosks.c.revoked_at.is_(None))
    ).first()
    return Kiosk(row.id, row.name, row.commune) if row else None
