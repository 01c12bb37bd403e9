"""Everything about a kiosk: its token, its row, its installs, its listing for the dashboard.

A token has 256 random bits and only its sha256 hash is stored. Each worker keeps the
tokens it has seen in a TokenCache, so a push reads no row to authenticate; a revocation
still answers 401 at once, because the push's first statement (`claim_kiosk`) only touches
a kiosk that is not revoked. A kiosk may bring at most
MAX_INSTALLS distinct install ids (a new install id is a reflashed card): the token sits on an
unattended Pi, and without a cap one stolen token could invent installs and multiply the
network's figures. Only the coordinator lifts the cap (`reset_installs`), and that is logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from sync.coordinator import communes
from sync.coordinator.schema import kiosk_installs, kiosks

log = logging.getLogger(__name__)

#: Distinct install ids one kiosk token may bring before the coordinator must reset it.
MAX_INSTALLS = 3


class KioskError(ValueError):
    """A kiosk name or commune that cannot be used; str() is one line, `fr` the same in
    French for the dashboard's pages."""

    def __init__(self, message: str, fr: str | None = None):
        super().__init__(message)
        self.fr = fr or message


class Revoked(Exception):
    """A push whose kiosk was revoked after its token was cached; nothing filed (401)."""


class TooManyInstalls(Exception):
    """A push from a new install id when the kiosk already has MAX_INSTALLS; nothing filed."""


@dataclass(frozen=True)
class Kiosk:
    """A kiosk as the coordinator knows it; the API needs only id, name and commune."""

    id: int
    name: str
    commune: str
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_contact_at: dt.datetime | None = None
    clock_skew_s: float | None = None
    clock_trusted: bool | None = None
    installs: tuple[str, ...] = ()


def on_the_hour(moment: dt.datetime) -> dt.datetime:
    """`moment` cut to the hour: the coordinator keeps no finer time of what it receives,
    so two consecutive pushes never tell when a visit happened."""
    return moment.replace(minute=0, second=0, microsecond=0)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A fast hash suffices: the token has 256 random bits, there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_FR = {"kiosk name": "le nom de la borne", "commune": "le nom de la commune"}


def _clean(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 120 or not value.isprintable():
        raise KioskError(f"the {what} must be 1 to 120 printable characters, not {value!r}",
                         f"{_FR[what]} doit faire de 1 à 120 caractères imprimables")
    return value


def add_kiosk(engine: Engine, name: str, commune: str, *, new_commune: bool = False) -> str:
    """Register a kiosk and return its token (shown once, never stored in clear).

    `commune` is a name or an INSEE code, resolved by communes.resolve (a typo is refused
    with the close names; `new_commune` adds a commune outside the list anyway).
    """
    name = _clean(name, "kiosk name")
    token = new_token()
    with engine.begin() as conn:
        place = communes.resolve(conn, _clean(commune, "commune"), new=new_commune)
        _check_free(conn, name)
        made = conn.execute(insert(kiosks).values(
            name=name, commune=place.name, commune_id=place.id, token_hash=hash_token(token),
            created_at=dt.datetime.now(dt.UTC)))
        # Only now is the token seen in clear: keep the key its offline transfers are signed
        # with. (Imported here: transfers files through ingest, which imports this module.)
        from sync.coordinator.transfers import remember_key

        remember_key(conn, made.inserted_primary_key[0], token)
    return token


def _check_free(conn: Connection, name: str, but: int | None = None) -> None:
    query = select(kiosks.c.id).where(kiosks.c.name == name)
    if but is not None:
        query = query.where(kiosks.c.id != but)
    if conn.execute(query).first():
        raise KioskError(f"a kiosk named {name!r} already exists",
                         f"une borne porte déjà le nom « {name} »")


def rename_kiosk(engine: Engine, kiosk_id: int, new_name: str) -> None:
    """Give a kiosk a new name; its token, counts and history stay (they hang on its id)."""
    name = _clean(new_name, "kiosk name")
    with engine.begin() as conn:
        _check_free(conn, name, but=kiosk_id)
        if not conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id)
                            .values(name=name)).rowcount:
            raise KioskError(f"no kiosk with id {kiosk_id}", "cette borne n'existe pas")


def move_kiosk(engine: Engine, kiosk_id: int, commune: str, *, new_commune: bool = False) -> str:
    """Put a kiosk in another commune (all its counts go with it); returns the commune's name."""
    with engine.begin() as conn:
        place = communes.resolve(conn, _clean(commune, "commune"), new=new_commune)
        if not conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id)
                            .values(commune=place.name, commune_id=place.id)).rowcount:
            raise KioskError(f"no kiosk with id {kiosk_id}", "cette borne n'existe pas")
    return place.name


def _id_of(conn: Connection, name: str):
    row = conn.execute(select(kiosks.c.id, kiosks.c.revoked_at)
                       .where(kiosks.c.name == name)).first()
    if row is None:
        raise KioskError(f"no kiosk named {name!r}")
    return row


def revoke_kiosk(engine: Engine, name: str) -> None:
    """Revoke a kiosk's token: its next request gets 401. Its counts stay."""
    with engine.begin() as conn:
        row = _id_of(conn, name)
        if row.revoked_at is None:
            conn.execute(update(kiosks).where(kiosks.c.id == row.id)
                         .values(revoked_at=dt.datetime.now(dt.UTC)))


def reset_installs(engine: Engine, name: str, by: str) -> int:
    """Forget the kiosk's install ids so that new ones are accepted again; returns how many.

    Counts already filed stay (a reflashed kiosk adds to its old counts). `by` names who
    asked (a dashboard login or "cli") for the log.
    """
    with engine.begin() as conn:
        row = _id_of(conn, name)
        forgotten = conn.execute(delete(kiosk_installs)
                                 .where(kiosk_installs.c.kiosk_id == row.id)).rowcount
    log.warning("install ids of kiosk %r reset by %s (%d forgotten)", name, by, forgotten)
    return forgotten


# A push's statements on `kiosks` and `kiosk_installs`, built once: building a Core
# statement costs more than SQLite takes to run it.
_INSTALLS = select(kiosk_installs.c.install_id).where(
    kiosk_installs.c.kiosk_id == bindparam("kid"))
_ADD_INSTALL = insert(kiosk_installs)


def _postgresql_admit():
    """PostgreSQL's one statement for admit_install: the held install ids, and the new one
    added when it is not held and there are fewer than MAX_INSTALLS (a kiosk's first push
    is one round trip shorter). Its snapshot is taken after claim_kiosk locked the kiosk's
    row, so it sees every install a concurrent push of the kiosk committed."""
    new = bindparam("install_id", type_=String)
    held = select(kiosk_installs.c.install_id).where(
        kiosk_installs.c.kiosk_id == bindparam("kid", type_=Integer)).cte("held")
    added = insert(kiosk_installs).from_select(
        ["kiosk_id", "install_id", "first_seen_at"],
        select(bindparam("kid", type_=Integer), new,
               bindparam("first_seen_at", type_=kiosk_installs.c.first_seen_at.type))
        .where(~exists().where(held.c.install_id == new),
               select(func.count()).select_from(held).scalar_subquery() < MAX_INSTALLS),
    ).returning(kiosk_installs.c.install_id).cte("added")
    return select(held.c.install_id).union_all(select(added.c.install_id))


_ADMIT = _postgresql_admit()
_CONTACT = ("last_contact_at", "clock_skew_s", "clock_trusted", "catalogue_version")
_CLAIM = (update(kiosks)
          .where(kiosks.c.id == bindparam("kid"), kiosks.c.revoked_at.is_(None))
          .values({name: bindparam(f"new_{name}") for name in _CONTACT}))


def admit_install(conn: Connection, kiosk_id: int, install_id: str,
                  now: dt.datetime) -> list[str]:
    """Inside the push's transaction: remember `install_id`, or TooManyInstalls. Returns
    the kiosk's install ids (this one included).

    The caller has locked the kiosk's row first, so two new installs cannot both slip in.
    """
    first_seen_at = on_the_hour(now)
    if conn.dialect.name == "postgresql":
        known = conn.execute(_ADMIT, {"kid": kiosk_id, "install_id": install_id,
                                      "first_seen_at": first_seen_at}).scalars().all()
        if install_id not in known:
            raise TooManyInstalls(kiosk_id)
        return known
    known = conn.execute(_INSTALLS, {"kid": kiosk_id}).scalars().all()
    if install_id in known:
        return known
    if len(known) >= MAX_INSTALLS:
        raise TooManyInstalls(kiosk_id)
    conn.execute(_ADD_INSTALL, {"kiosk_id": kiosk_id, "install_id": install_id,
                                "first_seen_at": first_seen_at})
    return [*known, install_id]


def claim_kiosk(conn: Connection, kiosk_id: int, **contact) -> None:
    """The push's first statement: write the kiosk's `contact` columns (last_contact_at,
    clock_skew_s, clock_trusted, catalogue_version) if it is not revoked, else Revoked.
    The UPDATE takes the row's lock, which serialises the pushes of one kiosk on
    PostgreSQL (SQLite's BEGIN IMMEDIATE serialises every writer); a refused push rolls the
    whole transaction back, these columns included."""
    claimed = conn.execute(_CLAIM, {"kid": kiosk_id, **{
        f"new_{name}": contact[name] for name in _CONTACT}}).rowcount
    if not claimed:
        raise Revoked(kiosk_id)


def kiosk_for_token(conn: Connection, token: str) -> Kiosk | None:
    """The active kiosk holding `token`, or None (unknown or revoked)."""
    row = conn.execute(
        select(kiosks.c.id, kiosks.c.name, kiosks.c.commune)
        .where(kiosks.c.token_hash == hash_token(token), kiosks.c.revoked_at.is_(None))
    ).first()
    return Kiosk(row.id, row.name, row.commune) if row else None


class TokenCache:
    """The kiosks this worker has authenticated, by token hash (bounded; cleared when full).

    Trusting a cached token is safe because revocation is checked again by the push's own
    transaction (`claim_kiosk`); the gate drops the entry when that check fails.
    """

    def __init__(self, size: int = 200_000):
        self.size = size
        self._kiosks: dict[str, Kiosk] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Kiosk | None:
        return self._kiosks.get(hash_token(token))

    def put(self, token: str, kiosk: Kiosk) -> None:
        with self._lock:
            if len(self._kiosks) >= self.size:
                self._kiosks.clear()
            self._kiosks[hash_token(token)] = kiosk

    def drop(self, kiosk_id: int) -> None:
        with self._lock:
            self._kiosks = {h: k for h, k in self._kiosks.items() if k.id != kiosk_id}


def list_kiosks(engine: Engine) -> list[Kiosk]:
    """Every kiosk, revoked ones included, by commune then name, with its install ids."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                kiosks.c.id, kiosks.c.name, kiosks.c.commune, kiosks.c.created_at,
                kiosks.c.revoked_at, kiosks.c.last_contact_at, kiosks.c.clock_skew_s,
                kiosks.c.clock_trusted,
            ).order_by(kiosks.c.commune, kiosks.c.name)
        ).all()  # fmt: skip
        installs: dict[int, list[str]] = {}
        for kid, install in conn.execute(
                select(kiosk_installs.c.kiosk_id, kiosk_installs.c.install_id)
                .order_by(kiosk_installs.c.first_seen_at, kiosk_installs.c.install_id)):
            installs.setdefault(kid, []).append(install)
    return [Kiosk(*row, installs=tuple(installs.get(row.id, ()))) for row in rows]


def get_kiosk(engine: Engine, kiosk_id: int) -> Kiosk | None:
    return next((k for k in list_kiosks(engine) if k.id == kiosk_id), None)


def list_communes(engine: Engine) -> list[str]:
    """The communes the dashboard offers to choose from (communes.listed)."""
    return communes.listed(engine)
