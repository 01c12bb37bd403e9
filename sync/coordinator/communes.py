"""The network's communes: Le Grésivaudan's official list (INSEE codes) plus the few the
network adds, so a typo can no longer create a second commune everywhere.

Kiosks refer to a commune by id (`kiosks.commune_id`); `kiosks.commune` keeps the commune's
current name beside it, because every report groups by that name. So a rename or a merge
rewrites both in one transaction, and counts, which belong to kiosks, follow their kiosks:
history is kept. A commune account (`users.commune`) follows the same way.

Names are matched by `normalise`: accents, case, hyphens and apostrophes do not count, and
"St"/"Ste" read as "Saint"/"Sainte".
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, or_, select, update

from sync.coordinator.schema import communes, day_revisions, kiosks, users

REFERENTIAL_FILE = "communes-gresivaudan.csv"
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


class CommuneError(ValueError):
    """A commune that cannot be found or used; str() is one French sentence."""


@dataclass(frozen=True)
class Commune:
    id: int
    name: str
    insee: str | None = None
    active: bool = True
    added_by_network: bool = False


def normalise(name: str) -> str:
    """The key two spellings of one commune share: "Saint-Martin-d'Uriage" and
    "st martin d uriage" both give "saint martin d uriage"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.split(r"[\s\-'’‐‑–—.]+", text)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w)


@cache
def referential() -> tuple[tuple[str, str], ...]:
    """(insee, name) of the shipped list, in file order; lines starting with '#' are its
    source notes."""
    text = resources.files("sync.coordinator.data").joinpath(REFERENTIAL_FILE).read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple((row["insee"], row["name"]) for row in rows)


def seed_referential(conn: Connection) -> int:
    """Add the shipped communes that are missing (by INSEE code); returns how many."""
    known = set(conn.execute(select(communes.c.insee)).scalars())
    taken = {normalise(n) for n in conn.execute(select(communes.c.name)).scalars()}
    rows = [{"insee": code, "name": name, "active": True, "added_by_network": False}
            for code, name in referential()
            if code not in known and normalise(name) not in taken]
    if rows:
        conn.execute(insert(communes), rows)
    return len(rows)


def _commune(row) -> Commune:
    return Commune(row.id, row.name, row.insee, bool(row.active), bool(row.added_by_network))


def all_communes(conn: Connection) -> list[Commune]:
    rows = conn.execute(select(communes)).all()
    return sorted((_commune(r) for r in rows), key=lambda c: normalise(c.name))


def find(conn: Connection, text: str) -> Commune | None:
    """The commune named or coded `text`, or None."""
    text = (text or "").strip()
    if _INSEE.match(text.upper()):
        row = conn.execute(select(communes).where(communes.c.insee == text.upper())).first()
        return _commune(row) if row else None
    key = normalise(text)
    return next((c for c in all_communes(conn) if normalise(c.name) == key), None)


def close_matches(conn: Connection, text: str, n: int = 3, *, official: bool = False) -> list[str]:
    """Known names that `text` may be a typo of (only the official list's with `official`)."""
    by_key = {normalise(c.name): c.name for c in all_communes(conn)
              if c.insee or not official}
    return [by_key[k] for k in difflib.get_close_matches(normalise(text), by_key, n, 0.8)]


def name_of(engine: Engine, text: str) -> str:
    """The official spelling of a known commune typed any way (or by INSEE code), else
    CommuneError with the close names: for a form or a command that keeps a commune as text
    (commune accounts, hand entries)."""
    with engine.connect() as conn:
        return _must_find(conn, text).name


def _checked_name(text: str) -> str:
    name = " ".join((text or "").split())
    if not name or len(name) > 120 or not name.isprintable() or not normalise(name):
        raise CommuneError(f"Le nom de commune doit faire de 1 à 120 caractères, pas {text!r}.")
    return name


def resolve(conn: Connection, text: str, *, new: bool = False) -> Commune:
    """The commune for a name or INSEE code typed by a person.

    A name close to an official commune (a typo) is refused with the close names, unless
    `new`; any other unknown name becomes a commune added by the network (outside Le
    Grésivaudan; a duplicate of one of those is fixed by a merge).
    """
    found = find(conn, text)
    if found is not None:
        return found
    if _INSEE.match((text or "").strip().upper()):
        raise CommuneError(f"Aucune commune n'a le code INSEE {text.strip()} dans la liste.")
    name = _checked_name(text)
    close = [] if new else close_matches(conn, name, official=True)
    if close:
        raise CommuneError(
            f"Commune « {name} » inconnue. Vouliez-vous dire : {', '.join(close)} ? "
            "(Pour l'ajouter quand même : --new-commune, ou « autre commune » dans le tableau "
            "de bord.)")
    made = conn.execute(insert(communes).values(
        name=name, insee=None, active=True, added_by_network=True))
    return Commune(made.inserted_primary_key[0], name, None, True, True)


def _must_find(conn: Connection, text: str) -> Commune:
    found = find(conn, text)
    if found is None:
        close = close_matches(conn, text)
        hint = f" Vouliez-vous dire : {', '.join(close)} ?" if close else ""
        raise CommuneError(f"Commune « {(text or '').strip()} » inconnue.{hint}")
    return found


def _follow(conn: Connection, old_name: str, commune: Commune) -> None:
    """Kiosks and commune accounts of `old_name` now belong to `commune`."""
    conn.execute(update(kiosks).where(or_(kiosks.c.commune_id == commune.id,
                                          kiosks.c.commune == old_name))
                 .values(commune_id=commune.id, commune=commune.name))
    conn.execute(update(users).where(users.c.commune == old_name).values(commune=commune.name))


def rename(engine: Engine, text: str, new_name: str) -> Commune:
    """Give a commune a new name; its kiosks, counts and accounts follow."""
    with engine.begin() as conn:
        commune = _must_find(conn, text)
        name = _checked_name(new_name)
        other = find(conn, name)
        if other is not None and other.id != commune.id:
            raise CommuneError(f"La commune « {other.name} » existe déjà : fusionnez plutôt "
                               "les deux communes.")
        conn.execute(update(communes).where(communes.c.id == commune.id).values(name=name))
        renamed = Commune(commune.id, name, commune.insee, commune.active,
                          commune.added_by_network)
        _follow(conn, commune.name, renamed)
    return renamed


def merge(engine: Engine, source_text: str, target_text: str) -> tuple[int, Commune]:
    """Fold `source` into `target`: its kiosks (and so their counts) and accounts move.
    A commune the network added disappears; an official one stays in the list, hidden.
    Returns (kiosks moved, target)."""
    with engine.begin() as conn:
        source, target = _must_find(conn, source_text), _must_find(conn, target_text)
        if source.id == target.id:
            raise CommuneError("Choisissez deux communes différentes à fusionner.")
        moved = conn.execute(update(kiosks).where(kiosks.c.commune_id == source.id)
                             .values(commune_id=target.id, commune=target.name)).rowcount
        conn.execute(update(users).where(users.c.commune == source.name)
                     .values(commune=target.name))
        if source.added_by_network:
            conn.execute(delete(communes).where(communes.c.id == source.id))
        else:
            conn.execute(update(communes).where(communes.c.id == source.id)
                         .values(active=False))
    return moved, target


def set_active(engine: Engine, text: str, active: bool) -> Commune:
    """Show or hide a commune in the lists; one with a kiosk in service stays shown."""
    with engine.begin() as conn:
        commune = _must_find(conn, text)
        if not active and conn.execute(select(kiosks.c.id).where(
                kiosks.c.commune_id == commune.id, kiosks.c.revoked_at.is_(None))).first():
            raise CommuneError(f"La commune « {commune.name} » a une borne en service : "
                               "révoquez-la ou déplacez-la d'abord.")
        conn.execute(update(communes).where(communes.c.id == commune.id).values(active=active))
    return Commune(commune.id, commune.name, commune.insee, active, commune.added_by_network)


def _has_data(start=None, end=None):
    held = select(day_revisions.c.kiosk_id).where(day_revisions.c.kiosk_id == kiosks.c.id)
    if start is not None:
        held = held.where(day_revisions.c.day >= start)
    if end is not None:
        held = held.where(day_revisions.c.day <= end)
    return exists(held)


def listed(engine: Engine) -> list[str]:
    """The communes offered in the dashboard's drop-downs: shown ones with a kiosk in service
    or with figures received. A revoked test kiosk that never sent a day takes its commune
    away with it."""
    in_use = exists(select(kiosks.c.id).where(and_(
        kiosks.c.commune_id == communes.c.id,
        or_(kiosks.c.revoked_at.is_(None), _has_data()))))
    with engine.connect() as conn:
        names = conn.execute(select(communes.c.name)
                             .where(communes.c.active.is_(True), in_use)).scalars().all()
    return sorted(names, key=normalise)


def with_data(engine: Engine, start, end) -> list[str]:
    """The communes whose kiosks sent at least one day in [start, end]: the rows an export
    of that period needs (for the report modules)."""
    with engine.connect() as conn:
        names = conn.execute(select(kiosks.c.commune).distinct()
                             .where(_has_data(start, end))).scalars().all()
    return sorted(names, key=normalise)


def overview(engine: Engine) -> list[dict]:
    """Every commune with its kiosks in service, revoked, and days received (communes page)."""
    with engine.connect() as conn:
        rows = all_communes(conn)
        per = {r.commune_id: r for r in conn.execute(
            select(kiosks.c.commune_id,
                   func.count().filter(kiosks.c.revoked_at.is_(None)).label("active_kiosks"),
                   func.count().filter(kiosks.c.revoked_at.is_not(None)).label("revoked"))
            .group_by(kiosks.c.commune_id))}
        days = dict(conn.execute(
            select(kiosks.c.commune_id, func.count())
            .select_from(day_revisions.join(kiosks, kiosks.c.id == day_revisions.c.kiosk_id))
            .group_by(kiosks.c.commune_id)).all())
    return [{"commune": c, "active_kiosks": per[c.id].active_kiosks if c.id in per else 0,
             "revoked": per[c.id].revoked if c.id in per else 0, "days": days.get(c.id, 0)}
            for c in rows]
