"""The permanences' directory: each kiosk's annex-1 profile, kept and listed (issue 12).

A push may carry the permanence's profile (`sync.protocol.Profile`); `store_profile` keeps
the last one per kiosk inside the push's transaction and moves `changed_at` only when the
content changed, so "last change" means a change of hours or address, not a restart.
`kiosk-coordinator places` lists one entry per active kiosk, as JSON or as the national
open-data CSV of digital-mediation places (docs/places.md gives the column mapping).
Times are kept and shown to the hour at most: the coordinator keeps nothing finer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys

from sqlalchemy import Connection, Engine, insert, select, update

from kiosk.catalogue import load as load_catalogue
from kiosk.config import WEEKDAYS
from sync.coordinator.cells import cell_text
from sync.coordinator.schema import kiosks, places
from sync.protocol import Profile

FORMATS = ("json", "csv")

#: "Schéma de données des lieux de médiation numérique" (LaMednum/standard-mediation-num,
#: schema.json), in its column order; the columns we hold nothing for stay empty.
NATIONAL_COLUMNS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse",
    "complement_adresse", "latitude", "longitude", "typologie", "telephone", "courriels",
    "site_web", "horaires", "presentation_resume", "presentation_detail", "source",
    "itinerance", "structure_parente", "date_maj", "services",
    "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
    "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels",
    "modalites_acces", "modalites_accompagnement", "fiche_acces_libre", "prise_rdv",
)
_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_POSTCODE = re.compile(r"\b(\d{5})\b")
# The convention (article 3.2) has every commune receive every resident free of charge.
_FREE = "Gratuit : Je peux accéder gratuitement au lieu et à ses services"


def _to_hour(moment: dt.datetime) -> dt.datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _columns(profile: Profile) -> dict:
    return {
        "name": profile.name, "commune": profile.commune, "place": profile.place,
        "address": profile.address, "by_appointment": profile.by_appointment,
        "booking": profile.booking,
        "hours": json.dumps(profile.hours, sort_keys=True, ensure_ascii=False),
        "categories": json.dumps(list(profile.categories)),
    }


def store_profile(conn: Connection, kiosk_id: int, profile: Profile | None,
                  now: dt.datetime) -> bool:
    """Keep `profile` as the kiosk's; True when its content changed (or is new).

    None (a push without a profile) keeps what is held.
    """
    if profile is None:
        return False
    wanted = _columns(profile)
    held = conn.execute(select(places).where(places.c.kiosk_id == kiosk_id)).mappings().first()
    if held is not None and all(held[key] == value for key, value in wanted.items()):
        return False
    values = {**wanted, "changed_at": _to_hour(now)}
    if held is None:
        conn.execute(insert(places).values(kiosk_id=kiosk_id, **values))
    else:
        conn.execute(update(places).where(places.c.kiosk_id == kiosk_id).values(**values))
    return True


def list_places(engine: Engine) -> list[dict]:
    """One entry per active kiosk, its profile's fields empty until it has sent one."""
    query = (select(kiosks.c.name.label("kiosk"), kiosks.c.commune.label("registered"),
                    kiosks.c.last_contact_at, places)
             .outerjoin(places, places.c.kiosk_id == kiosks.c.id)
             .where(kiosks.c.revoked_at.is_(None))
             .order_by(kiosks.c.commune, kiosks.c.name))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    entries = []
    for row in rows:
        sent = row["changed_at"] is not None
        entries.append({
            "kiosk": row["kiosk"],
            "commune": (row["commune"] if sent else "") or row["registered"],
            "name": row["name"] if sent else "",
            "place": row["place"] if sent else "",
            "address": row["address"] if sent else "",
            "hours": json.loads(row["hours"]) if sent else {},
            "by_appointment": bool(row["by_appointment"]) if sent else None,
            "booking": row["booking"] if sent else "",
            "categories": json.loads(row["categories"]) if sent else [],
            "last_contact": (_to_hour(row["last_contact_at"]).isoformat()
                             if row["last_contact_at"] else None),
            "changed_at": _to_hour(row["changed_at"]).isoformat() if sent else None,
        })
    return entries


def osm_hours(hours: dict[str, list[str]]) -> str:
    """Weekly hours in OpenStreetMap `opening_hours` form: "Mo-Fr 09:00-12:00; Sa 10:00-12:00"."""
    runs: list[tuple[int, int, list[str]]] = []
    for index, day in enumerate(WEEKDAYS):
        slots = hours.get(day) or []
        if slots and runs and runs[-1][1] == index - 1 and runs[-1][2] == slots:
            runs[-1] = (runs[-1][0], index, slots)
        elif slots:
            runs.append((index, index, slots))
    return "; ".join(
        (_OSM_DAYS[first] if first == last else f"{_OSM_DAYS[first]}-{_OSM_DAYS[last]}")
        + " " + ",".join(slots) for first, last, slots in runs)


def national_row(entry: dict) -> dict[str, str]:
    """One entry mapped onto the national schema's columns (docs/places.md)."""
    catalogue = load_catalogue()
    services = []
    for category in entry["categories"]:
        for service in catalogue.get(category).mednum_services:
            if service not in services:
                services.append(service)
    booking = entry["booking"]
    online = booking.startswith(("https://", "http://"))
    access = []
    if entry["by_appointment"] is False:
        access.append("Se présenter")
    if online:
        access.append("Prendre un RDV en ligne")
    elif entry["by_appointment"] and sum(ch.isdigit() for ch in booking) >= 10:
        access.append("Téléphoner")
    postcode = _POSTCODE.search(entry["address"])
    sent = entry["changed_at"] is not None
    row = dict.fromkeys(NATIONAL_COLUMNS, "")
    row.update({
        "id": entry["kiosk"],
        "nom": entry["name"] or entry["kiosk"],
        "commune": entry["commune"],
        "code_postal": postcode.group(1) if postcode else "",
        "adresse": entry["address"],
        "complement_adresse": entry["place"],
        "horaires": osm_hours(entry["hours"]),
        "itinerance": "Fixe" if sent else "",
        "date_maj": entry["changed_at"][:10] if sent else "",
        "services": ";".join(services),
        "frais_a_charge": _FREE if sent else "",
        "modalites_acces": ";".join(access),
        "modalites_accompagnement": "Accompagnement individuel" if sent else "",
        "prise_rdv": booking if online else "",
    })
    return row


def places_csv(entries: list[dict]) -> str:
    """The national open-data CSV: UTF-8, comma-separated, one row per permanence."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(NATIONAL_COLUMNS)
    for entry in entries:
        row = national_row(entry)
        writer.writerow([cell_text(row[column]) for column in NATIONAL_COLUMNS])
    return out.getvalue()


def write_places(engine: Engine, fmt: str, out=None) -> None:
    """`kiosk-coordinator places`: the directory as JSON or CSV on `out` (stdout)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    entries = list_places(engine)
    text = (json.dumps(entries, ensure_ascii=False, indent=2) + "\n" if fmt == "json"
            else places_csv(entries))
    (out or sys.stdout).write(text)
