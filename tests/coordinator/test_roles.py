"""Roles: an administrator manages kiosks and tokens, a reader sees every figure, a commune
reader only its commune's (pages and exports). The dashboard says who is logged in and
hides what the role may not do; the server refuses it anyway (403)."""

from __future__ import annotations

import csv
import io

import pytest
from alembic import command
from alembic.config import Config
from dashboard_helpers import csrf_of, login, tables_of
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from sync.coordinator import cli, db, users
from sync.coordinator.schema import kiosks
from sync.coordinator.schema import users as users_table

PASSWORD = "un mot de passe assez long"
ADMIN_PAGES = ["/bornes", "/bornes/ajouter", "/bornes/1/revoquer"]
ADMIN_FORMS = {"/bornes/ajouter": {"nom": "Intrus", "commune": "Crolles"},
               "/bornes/1/revoquer": {}, "/bornes/1/reinitialiser": {}}


def kiosk_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(select(kiosks.c.name, kiosks.c.revoked_at).order_by(kiosks.c.id)).all()


@pytest.fixture
def as_role(app, network):
    """A logged-in TestClient for a new account with the given role."""
    opened = []

    def make(role: str, commune: str | None = None) -> TestClient:
        name = f"{role}-{len(opened)}"
        users.create_user(network, name, PASSWORD, role, commune)
        client = TestClient(app)
        opened.append(client)
        assert login(client, name, PASSWORD).status_code == 303
        return client

    yield make
    for client in opened:
        client.close()


def test_a_reader_sees_every_figure_but_no_kiosk_page(as_role, network):
    reader = as_role("reader")
    home = reader.get("/")
    assert home.status_code == 200
    assert 'id="connecte"' in home.text and "reader-0" in home.text
    assert "lecteur, toutes les communes" in home.text
    assert 'href="/bornes"' not in home.text
    assert "Toutes les communes" in home.text
    communes = [row[0] for row in tables_of(home.text)["table-communes"][1:-1]]
    assert set(communes) == {"Crolles", "Pontcharra", "Froges"}
    before = kiosk_rows(network)
    csrf = csrf_of(home.text)
    for path in ADMIN_PAGES:
        assert reader.get(path).status_code == 403, path
    for path, form in ADMIN_FORMS.items():
        assert reader.post(path, data={"csrf": csrf, **form}).status_code == 403, path
    assert kiosk_rows(network) == before
    export = reader.get("/rapports/trimestre?trimestre=2026-Q4&format=csv")
    assert export.status_code == 200
    assert "Réseau" in export.content.decode("utf-8-sig")


def test_a_commune_reader_sees_its_commune_only(as_role, network):
    crolles = as_role("commune", "Crolles")
    home = crolles.get("/?periode=annee&annee=2026")
    assert home.status_code == 200
    assert "lecteur, commune de Crolles" in home.text
    assert "Toutes les communes" not in home.text and "Pontcharra" not in home.text
    assert [row[0] for row in tables_of(home.text)["table-communes"][1:-1]] == ["Crolles"]
    for path in ("/?commune=Pontcharra", "/rapports/annuel?annee=2026&commune=Pontcharra",
                 *ADMIN_PAGES):
        answer = crolles.get(path)
        assert answer.status_code == 403, path
    annual = crolles.get("/rapports/annuel?annee=2026")
    assert annual.status_code == 200 and "Pontcharra" not in annual.text
    assert crolles.get("/rapports/annuel?annee=2026&format=xlsx").status_code == 200
    raw = crolles.get("/rapports/trimestre?trimestre=2026-Q4&format=csv").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))[1:]
    assert rows and {row[1] for row in rows} == {"Crolles"}


def test_an_administrator_is_told_so_and_has_the_kiosks(as_role, network):
    admin = as_role("admin")
    home = admin.get("/")
    assert "(administrateur)" in home.text and 'href="/bornes"' in home.text
    assert admin.get("/bornes").status_code == 200


def test_a_new_role_applies_at_the_next_page(as_role, network):
    client = as_role("admin")
    assert client.get("/bornes").status_code == 200
    users.set_role(network, "admin-0", "commune", "Froges")
    assert client.get("/bornes").status_code == 403
    assert client.get("/?commune=Crolles").status_code == 403


def run(argv: list[str], monkeypatch, capsys, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_manages_accounts_and_roles(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(["add-user", "marie", "--db", url], monkeypatch, capsys, PASSWORD + "\n")[0] == 0
    code, out, _ = run(["add-user", "paul", "--role", "commune", "--commune", "Crolles",
                        "--db", url], monkeypatch, capsys, PASSWORD + "\n")
    assert code == 0 and "commune of Crolles" in out
    for bad, says in [(["add-user", "x1", "--role", "commune"], "needs --commune"),
                      (["add-user", "x2", "--commune", "Crolles"], "commune role only"),
                      (["add-user", "x3", "--role", "boss"], "invalid choice"),
                      (["set-role", "ghost", "--role", "reader"], "no account"),
                      (["remove-user", "ghost"], "no account")]:
        code, _, err = run([*bad, "--db", url], monkeypatch, capsys, PASSWORD + "\n")
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1, (bad, err)
    assert run(["set-role", "paul", "--role", "reader", "--db", url], monkeypatch, capsys)[0] == 0
    code, out, _ = run(["list-users", "--db", url], monkeypatch, capsys)
    assert out.splitlines() == ["marie\tadmin", "paul\treader"]
    engine = db.make_engine(url)
    try:
        assert users.verify_user(engine, "paul", PASSWORD).role == "reader"
        code, out, _ = run(["set-password", "paul", "--db", url], monkeypatch, capsys,
                           "another long password\n")
        assert code == 0 and "0 open session(s) ended" in out
        assert users.verify_user(engine, "paul", PASSWORD) is None
        assert users.verify_user(engine, "paul", "another long password") is not None
        assert run(["remove-user", "paul", "--db", url], monkeypatch, capsys)[0] == 0
        assert [u.login for u in users.list_users(engine)] == ["marie"]
    finally:
        engine.dispose()


def test_accounts_made_before_roles_become_administrators(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
            # the users table as 0005 left it: no role, no commune
            connection.execute(text("INSERT INTO users (login, password_hash, created_at) "
                                    "VALUES ('ancienne', 'x', '2026-01-05 10:00:00')"))
        db.migrate(engine)
        with engine.connect() as conn:
            row = conn.execute(select(users_table.c.login, users_table.c.role,
                                      users_table.c.commune)).one()
        assert tuple(row) == ("ancienne", "admin", None)
    finally:
        engine.dispose()

