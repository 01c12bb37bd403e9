"""A demo network a commune can try in one command (`scripts/demo coordinator`).

Eight kiosks in six communes of the referential, each with its permanence's profile (annex
1: place, opening days and hours, categories offered) and a year of generated per-day counts
on its opening days only, up to yesterday. Two kiosks show what the Bornes page warns about:
one silent for three weeks, one registered but never synced. Everything is written straight
into the database in one transaction per table (a few thousand rows, well under a second),
then the coordinator serves it on 127.0.0.1. Counts are random but seeded: two runs on the
same day give the same figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, update

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import db, kiosks, users
from sync.coordinator.schema import counts, day_revisions, kiosk_installs, places
from sync.coordinator.schema import kiosks as kiosks_table

LOGIN, PASSWORD = "demo", "demo-reseau-gresivaudan"
COMMUNE_LOGIN = "demo-crolles"
INSTALL = "00000000-0000-4000-8000-00000000de40"
SILENT_DAYS = 21

#: How often each category is asked for, relative to `autre` (the convention's annex 2
#: tables put online procedures far ahead).
WEIGHTS = {"service_public": 9, "navigation_internet": 4, "recherche_emploi": 3,
           "viatrajectoire": 1, "outil_numerique": 5, "imprimante_scan": 4,
           "securite_numerique": 2, "autre": 1}


@dataclass(frozen=True)
class DemoKiosk:
    name: str
    commune: str
    place: str
    address: str
    hours: dict[str, list[str]]
    visits_per_day: float
    categories: tuple[str, ...] = tuple(CATEGORY_IDS)
    silent: bool = False  # stopped sending SILENT_DAYS ago
    never_synced: bool = False


MORNINGS = ["09:00-12:00"]
KIOSKS = (
    DemoKiosk("Crolles – mairie", "Crolles", "Mairie, accueil", "(adresse de démonstration), 38920 Crolles",
              {"monday": MORNINGS, "wednesday": ["09:00-12:00", "14:00-17:00"],
               "friday": MORNINGS}, 7.0),
    DemoKiosk("Crolles – médiathèque", "Crolles", "Médiathèque", "(adresse de démonstration), 38920 Crolles",
              {"saturday": MORNINGS}, 5.0),
    DemoKiosk("Pontcharra – France services", "Pontcharra", "Espace France services",
              "(adresse de démonstration), 38530 Pontcharra",
              {day: ["09:00-12:00", "13:30-17:00"] for day in
               ("monday", "tuesday", "wednesday", "thursday", "friday")}, 9.0),
    DemoKiosk("Le Touvet – mairie", "Le Touvet", "Mairie", "(adresse de démonstration), 38660 Le Touvet",
              {"tuesday": MORNINGS}, 3.0,
              ("service_public", "navigation_internet", "outil_numerique", "imprimante_scan",
               "autre")),
    DemoKiosk("Allevard – CCAS", "Allevard", "CCAS", "(adresse de démonstration), 38580 Allevard",
              {"tuesday": ["14:00-17:00"], "thursday": MORNINGS}, 4.0, silent=True),
    DemoKiosk("Saint-Ismier – mairie", "Saint-Ismier", "Mairie, salle du conseil",
              "(adresse de démonstration), 38330 Saint-Ismier", {"thursday": ["14:00-18:00"]}, 4.0),
    DemoKiosk("Villard-Bonnot – médiathèque", "Villard-Bonnot", "Médiathèque",
              "(adresse de démonstration), 38190 Villard-Bonnot", {"saturday": MORNINGS}, 3.0),
    DemoKiosk("Villard-Bonnot – mairie (nouvelle)", "Villard-Bonnot", "Mairie",
              "(adresse de démonstration), 38190 Villard-Bonnot", {"friday": MORNINGS}, 0.0,
              never_synced=True),
)
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Tax returns in spring, school and job searches in autumn, the summer break.
SEASON = {1: 1.1, 2: 1.0, 3: 1.1, 4: 1.3, 5: 1.2, 6: 1.0, 7: 0.6, 8: 0.3, 9: 1.2, 10: 1.1,
          11: 1.0, 12: 0.8}


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _days(rng: random.Random, kiosk: DemoKiosk, first: dt.date, last: dt.date):
    """(day, {category: count}) for each opening day the kiosk reported."""
    weights = {c: WEIGHTS[c] for c in kiosk.categories}
    share = sum(weights.values())
    day = first
    while day <= last:
        if WEEKDAY_NAMES[day.weekday()] in kiosk.hours and rng.random() > 0.06:  # a few off
            mean = kiosk.visits_per_day * SEASON[day.month]
            yield day, {c: _poisson(rng, mean * w / share) for c, w in weights.items()}
        day += dt.timedelta(days=1)


def build(engine: Engine, today: dt.date) -> dict[str, int]:
    """Fill an empty, migrated database with the demo network as of `today`; returns how
    many kiosks, days and count rows it wrote."""
    rng = random.Random(f"demo-{today.isoformat()}")
    start = today - dt.timedelta(days=365)
    users.create_user(engine, LOGIN, PASSWORD, "admin")
    users.create_user(engine, COMMUNE_LOGIN, PASSWORD, "commune", "Crolles")
    day_rows, count_rows = [], []
    for kiosk in KIOSKS:
        kiosks.add_kiosk(engine, kiosk.name, kiosk.commune)
    with engine.begin() as conn:
        ids = dict(conn.execute(kiosks_table.select().with_only_columns(
            kiosks_table.c.name, kiosks_table.c.id)).all())
        for kiosk in KIOSKS:
            kid = ids[kiosk.name]
            created = start if not kiosk.never_synced else today - dt.timedelta(days=3)
            last_day = today - dt.timedelta(days=SILENT_DAYS + 1 if kiosk.silent else 1)
            contact = None if kiosk.never_synced else dt.datetime.combine(
                last_day + dt.timedelta(days=1), dt.time(7), tzinfo=dt.UTC)
            conn.execute(update(kiosks_table).where(kiosks_table.c.id == kid).values(
                created_at=dt.datetime.combine(created, dt.time(8), tzinfo=dt.UTC),
                last_contact_at=contact, clock_skew_s=None if contact is None else 0.0,
                clock_trusted=None if contact is None else True, catalogue_version="1"))
            if kiosk.never_synced:
                continue
            conn.execute(insert(kiosk_installs).values(kiosk_id=kid, install_id=INSTALL,
                                                       first_seen_at=contact))
            conn.execute(insert(places).values(
                kiosk_id=kid, name=kiosk.name, commune=kiosk.commune, place=kiosk.place,
                address=kiosk.address, hours=json.dumps(kiosk.hours, sort_keys=True),
                by_appointment=False, booking="Sans rendez-vous",
                categories=json.dumps(list(kiosk.categories)), changed_at=contact))
            for day, per_category in _days(rng, kiosk, start, last_day):
                day_rows.append({"kiosk_id": kid, "install_id": INSTALL, "day": day,
                                 "revision": 1, "received_at": contact})
                count_rows += [{"kiosk_id": kid, "install_id": INSTALL, "day": day,
                                "category": c, "count": per_category.get(c, 0)}
                               for c in CATEGORY_IDS]
        conn.execute(insert(day_revisions), day_rows)
        conn.execute(insert(counts), count_rows)
    return {"kiosks": len(KIOSKS), "days": len(day_rows), "counts": len(count_rows)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo coordinator",
                                     description="A coordinator with a demo network, on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data", default=".demo-data",
                        help="folder of the demo database (rebuilt at each start)")
    parser.add_argument("--build-only", action="store_true",
                        help="build the database and print what it holds, do not serve")
    args = parser.parse_args(argv)
    path = Path(args.data).resolve() / "coordinator-demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    db.migrate(engine)
    made = build(engine, dt.date.today())
    engine.dispose()
    print(f"Réseau de démonstration : {made['kiosks']} bornes, {made['days']} jours reçus "
          f"(base {path}).")
    print(f"Tableau de bord : http://127.0.0.1:{args.port}/")
    print(f"Identifiant : {LOGIN}   Mot de passe : {PASSWORD}")
    print(f"(Compte d'une seule commune : {COMMUNE_LOGIN}, même mot de passe.)")
    sys.stdout.flush()
    if args.build_only:
        return 0
    import uvicorn

    from sync.coordinator.app import create_app

    uvicorn.run(create_app(url), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
