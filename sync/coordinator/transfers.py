"""The coordinator's side of offline transfers: keys, verification, filing.

A payload (sync/transfer.py) names its kiosk by the public id of the kiosk's transfer key;
the key is kept in `transfer_keys`, derived from the token whenever the coordinator holds
the token in clear (add-kiosk, then each authenticated push for older kiosks). Filing goes
through `ingest.ingest`, the push's own revision rule, so a transfer, its replay and a later
push of the same days count once. Every payload of a file is verified and validated before
any is filed: an altered line files nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from sync.coordinator import ingest
from sync.coordinator.schema import day_revisions, kiosks, transfer_keys
from sync.protocol import CountsPush
from sync.transfer import (
    Payload,
    TransferError,
    derive_key,
    file_payloads,
    key_id,
    open_payload,
    peek_key_id,
)


@dataclass(frozen=True)
class Transfer:
    """A verified payload and the kiosk that signed it."""

    kiosk_id: int
    kiosk_name: str
    commune: str
    payload: Payload

    @property
    def visits(self) -> int:
        return sum(sum(d.counts.values()) for d in self.payload.days)

    def push(self, now: dt.datetime) -> CountsPush:
        try:
            return self.payload.to_push(now)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise TransferError(f"the transfer is refused: {where}: {problem['msg']}") from None


@dataclass(frozen=True)
class Filed:
    kiosk_name: str
    days: int
    updated: int
    visits: int


def remember_key(conn: Connection, kiosk_id: int, token: str) -> None:
    """Store the transfer key of `token` for `kiosk_id`, unless it is already there."""
    key = derive_key(token)
    held = conn.execute(select(transfer_keys.c.key_id)
                        .where(transfer_keys.c.kiosk_id == kiosk_id)).first()
    if held is None:
        conn.execute(insert(transfer_keys).values(kiosk_id=kiosk_id, key_id=key_id(key),
                                                  key=key.hex()))


def ensure_key(engine: Engine, kiosk_id: int, token: str) -> None:
    """After an authenticated push: give an older kiosk its key (a read when it has one)."""
    with engine.connect() as conn:
        if conn.execute(select(transfer_keys.c.kiosk_id)
                        .where(transfer_keys.c.kiosk_id == kiosk_id)).first():
            return
    try:
        with engine.begin() as conn:
            remember_key(conn, kiosk_id, token)
    except IntegrityError:
        pass  # a concurrent push of the same kiosk stored it first


def open_transfer(conn: Connection, text: str) -> Transfer:
    """The verified transfer in `text` (a payload); TransferError when altered or foreign.

    A revoked kiosk's transfers are refused like its pushes.
    """
    row = conn.execute(
        select(kiosks.c.id, kiosks.c.name, kiosks.c.commune, transfer_keys.c.key)
        .join(transfer_keys, transfer_keys.c.kiosk_id == kiosks.c.id)
        .where(transfer_keys.c.key_id == peek_key_id(text), kiosks.c.revoked_at.is_(None))
    ).first()
    if row is None:
        raise TransferError("no active kiosk of this coordinator signed this transfer "
                            "(foreign, revoked or altered; or a kiosk made before transfers "
                            "existed that has not pushed since)")
    return Transfer(row.id, row.name, row.commune, open_payload(text, bytes.fromhex(row.key)))


def already_held(engine: Engine, transfer: Transfer) -> int:
    """How many of the transfer's days the coordinator holds at this revision or newer."""
    days = {d.day: d.revision for d in transfer.payload.days}
    if not days:
        return 0
    with engine.connect() as conn:
        rows = conn.execute(select(day_revisions.c.day, day_revisions.c.revision).where(
            day_revisions.c.kiosk_id == transfer.kiosk_id,
            day_revisions.c.install_id == transfer.payload.install_id,
            day_revisions.c.day.in_(list(days)))).all()
    return sum(1 for day, revision in rows if revision >= days[day])


def file_texts(engine: Engine, texts: list[str], now: dt.datetime | None = None) -> list[Filed]:
    """Verify and validate every payload, then file them all in one transaction: a
    TransferError, or a refusal of any of them (ingest.Refused, TooManyInstalls, Revoked),
    files nothing, so the file can be imported again once the cause is mended."""
    now = now or dt.datetime.now(dt.UTC)
    with engine.connect() as conn:
        checked = [open_transfer(conn, text) for text in texts]
    pushes = [(t, t.push(now)) for t in checked]
    ceiling = ingest.daily_ceiling_from_env()
    with engine.begin() as conn:
        return [_filed(transfer, push, ingest.file_push(conn, transfer.kiosk_id, push, now,
                                                        daily_ceiling=ceiling))
                for transfer, push in pushes]


def _filed(transfer: Transfer, push: CountsPush, answer) -> Filed:
    return Filed(transfer.kiosk_name, len(push.days), answer.updated, transfer.visits)


def file_one(engine: Engine, transfer: Transfer, push: CountsPush,
             now: dt.datetime | None = None) -> Filed:
    """File one verified transfer with the push's revision rule."""
    return _filed(transfer, push, ingest.ingest(engine, transfer.kiosk_id, push, now,
                                                daily_ceiling=ingest.daily_ceiling_from_env()))


def import_file(engine: Engine, data: bytes, now: dt.datetime | None = None) -> list[Filed]:
    """File a transfer file's bytes (`kiosk transfer --out`); TransferError files nothing."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise TransferError("this is not a kiosk transfer file (not plain text)") from None
    return file_texts(engine, file_payloads(text), now)
