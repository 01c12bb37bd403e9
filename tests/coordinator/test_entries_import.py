""""Importer un fichier de borne": the dashboard files a `kiosk transfer --out` file through
the same code as `kiosk-coordinator import`, and refuses a wrong one without filing anything."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import dashboard_seed as seed
from dashboard_helpers import csrf_of, login
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync import transfer
from sync.coordinator import users
from sync.coordinator.web import imports
from sync.protocol import MAX_DAYS

INSTALL = "6f1c3a2e-1111-4222-8333-944455556666"
DAYS = [SimpleNamespace(day=dt.date(2026, 7, 1) + dt.timedelta(days=n), revision=1,
                        counts={"service_public": 1 + n % 3, "autre": n % 2})
        for n in range(30)]
VISITS = sum(sum(d.counts.values()) for d in DAYS)


def _file(token: str, days=DAYS) -> bytes:
    source = transfer.Source(transfer.derive_key(token), INSTALL, True, "1")
    return transfer.file_text(transfer.file_payloads_for(source, days)).encode("ascii")


def _upload(client, data: bytes, name: str = "transfert.txt"):
    form = client.get("/saisies/importer")
    assert form.status_code == 200
    return client.post("/saisies/importer", data={"csrf": csrf_of(form.text)},
                       files={"fichier": (name, data, "text/plain")})


def _filed(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        days = conn.execute(text("SELECT COUNT(*) FROM day_revisions WHERE install_id = :i"),
                            {"i": INSTALL}).scalar_one()
        visits = conn.execute(text("SELECT COALESCE(SUM(count), 0) FROM counts "
                                   "WHERE install_id = :i"), {"i": INSTALL}).scalar_one()
    return days, visits


def test_a_file_is_filed_once_and_a_second_upload_says_nothing_changed(client, engine):
    token = seed.add_kiosk(engine, "Saint-Nazaire – salle", "Saint-Nazaire-les-Eymes")
    answer = _upload(client, _file(token))
    assert answer.status_code == 200, answer.text
    assert "C'est enregistré" in answer.text
    assert "Borne « Saint-Nazaire – salle » : 30 jours" in answer.text
    assert f"{VISITS} visites" in answer.text
    assert _filed(engine) == (30, VISITS)
    again = _upload(client, _file(token))
    assert again.status_code == 200
    assert "Ce fichier était déjà importé : rien n'a changé." in again.text
    assert _filed(engine) == (30, VISITS)


def test_wrong_altered_foreign_or_empty_uploads_file_nothing(client, engine):
    token = seed.add_kiosk(engine, "Saint-Nazaire – salle", "Saint-Nazaire-les-Eymes")
    good = _file(token)
    header, payload = good.decode().splitlines()[:2]
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    cases = {
        "altered": f"{header}\n{flipped}\n".encode(),
        "foreign": _file("a token of another network, long enough to be one"),
        "not a transfer": b"commune;visites\nCrolles;12\n",
        "binary": bytes(range(256)),
        "no days": f"{header}\n".encode(),
    }
    for what, data in cases.items():
        answer = _upload(client, data)
        assert answer.status_code == 400, what
        assert imports.REFUSED in answer.text.replace("&#39;", "'"), what
        assert _filed(engine) == (0, 0), what
    empty = client.post("/saisies/importer", data={"csrf": csrf_of(client.get("/saisies").text)},
                        files={"fichier": ("", b"", "text/plain")})
    assert empty.status_code == 400
    assert "Choisissez d'abord" in empty.text.replace("&#39;", "'")


def test_a_too_big_file_is_refused_before_it_is_read(client, engine):
    answer = _upload(client, b"x" * (imports.MAX_UPLOAD_BYTES + 20_000))
    assert answer.status_code == 400
    assert "trop gros" in answer.text
    assert _filed(engine) == (0, 0)


def test_only_an_administrator_imports_and_only_with_the_form_token(client, engine, app):
    token = seed.add_kiosk(engine, "Saint-Nazaire – salle", "Saint-Nazaire-les-Eymes")
    forged = client.post("/saisies/importer", data={"csrf": "forged"},
                         files={"fichier": ("t.txt", _file(token), "text/plain")})
    assert forged.status_code == 403
    assert _filed(engine) == (0, 0)
    users.create_user(engine, "lectrice", "un autre mot de passe long", role="reader")
    with TestClient(app) as reader:
        assert login(reader, "lectrice", "un autre mot de passe long").status_code == 303
        assert reader.get("/saisies/importer").status_code == 403
        answer = reader.post("/saisies/importer", data={"csrf": csrf_of(reader.get("/").text)},
                             files={"fichier": ("t.txt", _file(token), "text/plain")})
        assert answer.status_code == 403
    assert _filed(engine) == (0, 0)


def test_a_file_whose_last_line_is_refused_files_none_of_its_lines(client, engine):
    """Lines of MAX_DAYS days each: a refusal in the last one must not leave the first ones
    filed (the page says nothing was, and the mended file is imported whole)."""
    token = seed.add_kiosk(engine, "Saint-Nazaire – salle", "Saint-Nazaire-les-Eymes")
    first = seed.TODAY - dt.timedelta(days=MAX_DAYS + 3)
    days = [SimpleNamespace(day=first + dt.timedelta(days=n), revision=1,
                            counts={"service_public": 2}) for n in range(MAX_DAYS + 10)]
    data = _file(token, days)
    assert len(data.decode().splitlines()) == 3  # the header and two lines of days
    assert days[-1].day > seed.TODAY + dt.timedelta(days=1)  # after the coordinator's tomorrow
    answer = _upload(client, data)
    assert answer.status_code == 400
    assert imports.FUTURE in answer.text.replace("&#39;", "'")
    assert _filed(engine) == (0, 0)

    past = [d for d in days if d.day <= seed.TODAY]
    crowded = [*past[:-1], SimpleNamespace(day=past[-1].day, revision=1,
                                           counts={"service_public": 4_000})]  # over the ceiling, 2,000
    answer = _upload(client, _file(token, crowded))
    assert answer.status_code == 400 and imports.CEILING in answer.text.replace("&#39;", "'")
    assert _filed(engine) == (0, 0)

    assert _upload(client, _file(token, past)).status_code == 200
    assert _filed(engine) == (len(past), 2 * len(past))
