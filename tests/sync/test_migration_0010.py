"""Migration 0010 on a database filled at 0006 with free-text communes: spellings of one
commune become that commune of the referential, unknown ones stay as the network's own, and
no count moves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, text
from test_migration_0003 import _upgrade

from sync.coordinator import db
from sync.coordinator.schema import communes, counts, kiosks, users

NOW = dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC)
FREE_TEXT = {1: "Crolles", 2: "crolles ", 3: "ST ISMIER", 4: "Saint-Martin-d’Uriage",
             5: "Grenoble", 6: "=cmd|x"}


def test_0010_maps_free_text_communes_to_the_referential(db_url):
    engine = db.make_engine(db_url)
    try:
        _upgrade(engine, "0006")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO kiosks (id, name, commune, token_hash, created_at) "
                "VALUES (:id, :name, :commune, :hash, :at)"),
                [{"id": i, "name": f"K{i}", "commune": c, "hash": f"{i:064d}", "at": NOW}
                 for i, c in FREE_TEXT.items()])
            conn.execute(insert(counts), [
                {"kiosk_id": i, "install_id": "00000000-0000-4000-8000-000000000001",
                 "day": dt.date(2026, 11, 2), "category": "autre", "count": 10 * i}
                for i in FREE_TEXT])
            conn.execute(text(
                "INSERT INTO users (login, password_hash, created_at, role, commune) "
                "VALUES ('elu', 'x', :at, 'commune', 'crolles')"), {"at": NOW})
        _upgrade(engine, "head")
        with engine.connect() as conn:
            placed = {r.id: (r.commune, r.name) for r in conn.execute(
                select(kiosks.c.id, kiosks.c.commune, communes.c.name)
                .join(communes, communes.c.id == kiosks.c.commune_id))}
            rows = {r.name: r for r in conn.execute(select(communes))}
            by_commune = dict(conn.execute(text(
                "SELECT c.name, SUM(n.count) FROM counts n JOIN kiosks k ON k.id = n.kiosk_id "
                "JOIN communes c ON c.id = k.commune_id GROUP BY c.name")).all())
            account = conn.execute(select(users.c.commune, users.c.active)).one()
            total = conn.execute(select(func.sum(counts.c.count))).scalar()
        assert {i: c for i, (c, _) in placed.items()} == {
            1: "Crolles", 2: "Crolles", 3: "Saint-Ismier", 4: "Saint-Martin-d'Uriage",
            5: "Grenoble", 6: "=cmd|x"}
        assert all(commune == name for commune, name in placed.values())
        assert len(rows) == 43 + 2
        assert rows["Crolles"].insee == "38140" and not rows["Crolles"].added_by_network
        assert rows["Grenoble"].added_by_network and rows["Grenoble"].insee is None
        assert by_commune["Crolles"] == 30 and total == sum(10 * i for i in FREE_TEXT)
        assert (account.commune, bool(account.active)) == ("Crolles", True)
        _upgrade(engine, "head")  # idempotent
    finally:
        engine.dispose()
