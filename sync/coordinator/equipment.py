"""Equipment handed over to the communes (article 2.3 of the convention; issue 12 point 7),
and the two things the coordinator must not miss about it:

- a permanence that has not started: three weeks (STARTUP_DAYS) after a commune's first
  delivery, none of its kiosks has reported a day from that delivery to today and no paper
  tally covers such a day;
- a warranty that ends within three months (today included, ended ones are not flagged).

Every check takes `today` as a parameter: the caller owns the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from sync.coordinator.manual import ManualError, check_commune, one_line
from sync.coordinator.reports.periods import ReportError, parse_day
from sync.coordinator.schema import day_revisions, equipment, kiosks, manual_entries

STARTUP_DAYS = 21
WARRANTY_MONTHS = 3
MAX_ITEM, MAX_INVOICE = 200, 80


@dataclass(frozen=True)
class Draft:
    """A checked record, before it is stored."""

    commune: str
    item: str
    delivered_on: dt.date
    warranty_end: dt.date | None
    invoice_ref: str


@dataclass(frozen=True)
class Equipment(Draft):
    """A stored record."""

    id: int


@dataclass(frozen=True)
class Flag:
    commune: str
    kind: str  # "not_started" or "warranty"
    message: str


def _date(text: str, what: str, required: bool) -> dt.date | None:
    raw = (text or "").strip()
    if not raw and not required:
        return None
    try:
        return parse_day(raw)
    except ReportError:
        raise ManualError(f"{what} : écrivez une date comme 2026-09-15.") from None


def check_draft(form: dict[str, str], today: dt.date) -> Draft:
    """The checked record of a form; ManualError with one French sentence."""
    commune = check_commune(form.get("commune", ""))
    item = one_line(form.get("item", ""), MAX_ITEM, "Le matériel")
    if not item:
        raise ManualError("Écrivez quel matériel a été remis (par exemple « borne tactile 22 pouces »).")
    delivered = _date(form.get("delivered_on", ""), "Date de remise", required=True)
    if delivered > today:
        raise ManualError("La date de remise est dans le futur : notez le matériel une fois remis.")
    warranty = _date(form.get("warranty_end", ""), "Fin de garantie", required=False)
    if warranty is not None and warranty < delivered:
        raise ManualError("La garantie finit avant la date de remise : vérifiez les deux dates.")
    invoice = one_line(form.get("invoice_ref", ""), MAX_INVOICE, "La référence de facture")
    return Draft(commune, item, delivered, warranty, invoice)


def _values(draft: Draft) -> dict:
    return {"commune": draft.commune, "item": draft.item, "delivered_on": draft.delivered_on,
            "warranty_end": draft.warranty_end, "invoice_ref": draft.invoice_ref}


def add(engine: Engine, draft: Draft) -> int:
    with engine.begin() as conn:
        return conn.execute(insert(equipment).values(**_values(draft))).inserted_primary_key[0]


def change(engine: Engine, record_id: int, draft: Draft) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(update(equipment).where(equipment.c.id == record_id)
                                 .values(**_values(draft))).rowcount)


def remove(engine: Engine, record_id: int) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(delete(equipment).where(equipment.c.id == record_id)).rowcount)


def _record(r) -> Equipment:
    return Equipment(r.commune, r.item, r.delivered_on, r.warranty_end, r.invoice_ref, r.id)


def get(engine: Engine, record_id: int) -> Equipment | None:
    with engine.connect() as conn:
        row = conn.execute(select(equipment).where(equipment.c.id == record_id)).first()
    return _record(row) if row else None


def list_all(engine: Engine) -> list[Equipment]:
    with engine.connect() as conn:
        rows = conn.execute(select(equipment).order_by(
            equipment.c.commune, equipment.c.delivered_on, equipment.c.id))
        return [_record(r) for r in rows]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _started_since(conn, commune: str, since: dt.date, today: dt.date) -> bool:
    """Has the commune counted a day from `since` to `today` (a kiosk's or a paper tally's)?"""
    kiosk_day = conn.execute(
        select(day_revisions.c.day).join(kiosks, kiosks.c.id == day_revisions.c.kiosk_id)
        .where(kiosks.c.commune == commune, day_revisions.c.day >= since,
               day_revisions.c.day <= today).limit(1)).first()
    if kiosk_day:
        return True
    return conn.execute(select(manual_entries.c.id).where(
        manual_entries.c.commune == commune, manual_entries.c.last_day >= since,
        manual_entries.c.first_day <= today).limit(1)).first() is not None


def flags(engine: Engine, today: dt.date) -> list[Flag]:
    """What the dashboard must point out on `today`, communes in alphabetical order."""
    records = list_all(engine)
    first_delivery: dict[str, dt.date] = {}
    for r in records:
        first_delivery[r.commune] = min(first_delivery.get(r.commune, r.delivered_on),
                                        r.delivered_on)
    result: list[Flag] = []
    horizon = add_months(today, WARRANTY_MONTHS)
    with engine.connect() as conn:
        for commune, delivered in sorted(first_delivery.items()):
            waited = (today - delivered).days
            if waited >= STARTUP_DAYS and not _started_since(conn, commune, delivered, today):
                result.append(Flag(commune, "not_started", (
                    f"{commune} : matériel remis le {delivered:%d/%m/%Y}, et toujours aucun "
                    f"jour de permanence compté {waited} jours plus tard.")))
    for r in records:
        if r.warranty_end is not None and today <= r.warranty_end <= horizon:
            result.append(Flag(r.commune, "warranty", (
                f"{r.commune} : la garantie de « {r.item} » finit le "
                f"{r.warranty_end:%d/%m/%Y}.")))
    return result
