"""Communes from a referential (issue 14, point 6): Le Grésivaudan's 43 communes with INSEE
codes, names matched whatever their accents or hyphens, typos refused with close names,
renames and merges that keep every figure, and lists without a dead test commune."""

from __future__ import annotations

import datetime as dt
import io

import dashboard_seed as seed
import pytest
from dashboard_helpers import csrf_of, tables_of
from sqlalchemy import func, select, text

from sync.coordinator import cli, communes, kiosks, users
from sync.coordinator.schema import communes as communes_table
from sync.coordinator.schema import kiosks as kiosks_table

Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def visits_by_commune(engine, start=dt.date(2000, 1, 1), end=dt.date(2999, 12, 31)) -> dict:
    """Straight from SQL: visits per commune name, through the kiosks' commune_id."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.name, SUM(n.count) FROM counts n JOIN kiosks k ON k.id = n.kiosk_id "
            "JOIN communes c ON c.id = k.commune_id WHERE n.day BETWEEN :a AND :b "
            "GROUP BY c.name"), {"a": start, "b": end}).all()
    return {name: int(total) for name, total in rows}


def test_the_referential_is_le_gresivaudan_with_insee_codes():
    rows = communes.referential()
    assert len(rows) == 43
    assert len({code for code, _ in rows}) == 43 and len({n for _, n in rows}) == 43
    assert all(code.startswith("38") and len(code) == 5 for code, _ in rows)
    assert dict(rows)["38140"] == "Crolles" and dict(rows)["38439"] == "Crêts-en-Belledonne"


@pytest.mark.parametrize("typed", ["Saint-Martin-d'Uriage", "st martin d uriage",
                                   "SAINT MARTIN D’URIAGE", " saint-martin-d-uriage ", "38422"])
def test_a_commune_is_found_by_any_spelling_or_its_insee_code(engine, typed):
    with engine.connect() as conn:
        assert communes.find(conn, typed).insee == "38422"


def test_add_kiosk_takes_a_name_or_a_code_and_refuses_a_typo(engine, capsys):
    url = str(engine.url)
    assert cli.main(["add-kiosk", "--name", "B1", "--commune", "38140", "--db", url]) == 0
    assert "(Crolles)" in capsys.readouterr().out
    assert cli.main(["add-kiosk", "--name", "B2", "--commune", "le versoud", "--db", url]) == 0
    assert "(Le Versoud)" in capsys.readouterr().out
    assert cli.main(["add-kiosk", "--name", "B3", "--commune", "Crole", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Crolles" in err and "--new-commune" in err
    assert cli.main(["add-kiosk", "--name", "B3", "--commune", "99999", "--db", url]) == 2
    assert "99999" in capsys.readouterr().err
    assert cli.main(["add-kiosk", "--name", "B3", "--commune", "Crole", "--new-commune",
                     "--db", url]) == 0
    with engine.connect() as conn:
        placed = dict(conn.execute(select(kiosks_table.c.name, kiosks_table.c.commune))
                      .all())
        crole = conn.execute(select(communes_table).where(communes_table.c.name == "Crole")).one()
        assert conn.execute(select(func.count()).select_from(kiosks_table).where(
            kiosks_table.c.commune_id.is_(None))).scalar() == 0
    assert placed == {"B1": "Crolles", "B2": "Le Versoud", "B3": "Crole"}
    assert crole.added_by_network and crole.insee is None
    # A name outside the territory that looks like no commune of it is simply added.
    kiosks.add_kiosk(engine, "Hors territoire", "Grenoble")
    assert "Grenoble" in communes.listed(engine)


def test_a_merge_moves_kiosks_counts_and_accounts(client, network):
    """A typo commune (a second kiosk typed "crolle") merged into Crolles: every figure of its
    kiosk now counts for Crolles, on the page and in SQL, and the typo is gone."""
    kiosks.add_kiosk(network, "Crolles – typo", "crolle", new_commune=True)
    seed.put_day(network, "Crolles – typo", dt.date(2026, 10, 5), {"autre": 4})
    users.create_user(network, "elu-crolle", "un mot de passe assez long", "commune", "crolle")
    before = visits_by_commune(network)
    page = client.get("/communes")
    assert "crolle" in [r[0] for r in tables_of(page.text)["table-communes"][1:]]
    answer = client.post("/communes", data={"csrf": csrf_of(page.text), "action": "fusionner",
                                            "source": "crolle", "cible": "Crolles"})
    assert answer.status_code == 200 and "1 borne(s)" in answer.text
    after = visits_by_commune(network)
    assert after["Crolles"] == before["Crolles"] + before["crolle"] and "crolle" not in after
    assert sum(after.values()) == sum(before.values())
    with network.connect() as conn:
        assert conn.execute(select(communes_table.c.id)
                            .where(communes_table.c.name == "crolle")).first() is None
    assert {u.login: u.commune for u in users.list_users(network)}["elu-crolle"] == "Crolles"
    home = client.get("/?periode=annee&annee=2026")
    shown = {r[0] for r in tables_of(home.text)["table-communes"][1:-1]}
    assert "crolle" not in shown and "Crolles" in shown


def test_a_rename_keeps_history_and_refuses_a_duplicate(client, network):
    before = visits_by_commune(network)
    page = client.get("/communes")
    answer = client.post("/communes", data={"csrf": csrf_of(page.text), "action": "renommer",
                                            "commune": "Pontcharra",
                                            "nouveau_nom": "Pontcharra (Isère)"})
    assert answer.status_code == 200 and "Pontcharra (Isère)" in answer.text
    after = visits_by_commune(network)
    assert after["Pontcharra (Isère)"] == before["Pontcharra"]
    with network.connect() as conn:
        assert conn.execute(select(communes_table.c.insee).where(
            communes_table.c.name == "Pontcharra (Isère)")).scalar() == "38314"
    refused = client.post("/communes", data={"csrf": csrf_of(page.text), "action": "renommer",
                                             "commune": "Froges", "nouveau_nom": "crolles"})
    assert refused.status_code == 400 and "fusionnez" in refused.text
    forged = client.post("/communes", data={"csrf": "faux", "action": "renommer",
                                            "commune": "Froges", "nouveau_nom": "X"})
    assert forged.status_code == 403


def test_a_revoked_test_kiosk_takes_its_commune_out_of_the_lists(client, network):
    kiosks.add_kiosk(network, "Essai", "Theys")
    assert "Theys" in communes.listed(network)
    assert '<option value="Theys"' in client.get("/").text
    kiosks.revoke_kiosk(network, "Essai")
    assert "Theys" not in communes.listed(network)
    assert '<option value="Theys"' not in client.get("/").text
    # A commune whose revoked kiosk sent figures stays, until hidden; its figures stay.
    kiosks.add_kiosk(network, "Ancienne", "Tencin")
    seed.put_day(network, "Ancienne", dt.date(2026, 10, 6), {"autre": 2})
    kiosks.revoke_kiosk(network, "Ancienne")
    assert "Tencin" in communes.listed(network)
    assert communes.with_data(network, *Q4) == sorted(
        visits_by_commune(network, *Q4), key=communes.normalise)
    assert "Tencin" not in communes.with_data(network, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    with pytest.raises(communes.CommuneError, match="borne en service"):
        communes.set_active(network, "Crolles", False)
    communes.set_active(network, "Tencin", False)
    assert "Tencin" not in communes.listed(network)
    assert visits_by_commune(network)["Tencin"] == 2


def test_cli_lists_renames_and_merges(engine, capsys):
    url = str(engine.url)
    kiosks.add_kiosk(engine, "Froges 1", "Froges")
    kiosks.add_kiosk(engine, "Froges 2", "Frogess", new_commune=True)
    assert cli.main(["communes", "merge", "Frogess", "38175", "--db", url]) == 0
    assert "1 kiosk(s) moved to 'Froges'" in capsys.readouterr().out
    assert cli.main(["communes", "rename", "froges", "Froges-village", "--db", url]) == 0
    assert "renamed 'Froges-village'" in capsys.readouterr().out
    assert cli.main(["communes", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "38175\tFroges-village\t2 borne(s) en service" in out and "Frogess" not in out
    assert len(out.splitlines()) == 43
    assert cli.main(["communes", "merge", "Froges-village", "--db", url]) == 2
    assert "takes 2" in capsys.readouterr().err


def test_commune_lists_are_sorted_like_a_french_reader_expects(engine):
    for name, commune in [("a", "Sainte-Agnès"), ("b", "Saint-Ismier"), ("c", "Les Adrets")]:
        kiosks.add_kiosk(engine, name, commune)
    assert communes.listed(engine) == ["Les Adrets", "Saint-Ismier", "Sainte-Agnès"]


def test_a_commune_account_gets_the_lists_spelling(engine, monkeypatch, capsys):
    url = str(engine.url)
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe assez long\n"))
    assert cli.main(["add-user", "elu", "--role", "commune", "--commune", "st ismier",
                     "--db", url]) == 0
    assert {u.login: u.commune for u in users.list_users(engine)}["elu"] == "Saint-Ismier"
    assert cli.main(["set-role", "elu", "--role", "commune", "--commune", "Saint-Ismiere",
                     "--db", url]) == 2
    assert "Vouliez-vous dire : Saint-Ismier" in capsys.readouterr().err
