"""The directory of permanences (issue 12, point 3): one card per active kiosk."""

from __future__ import annotations

import datetime as dt
import re

import dashboard_seed as seed
from dashboard_helpers import LOGIN, PASSWORD, login
from fastapi.testclient import TestClient

from sync.coordinator import kiosks, users


def test_directory_lists_each_active_kiosk(app, engine):
    users.create_user(engine, LOGIN, PASSWORD)
    seed.add_kiosk(engine, "Bernin – mairie", "Bernin", dt.date(2026, 1, 1))
    seed.add_kiosk(engine, "Froges", "Froges", dt.date(2026, 1, 1))
    seed.add_kiosk(engine, "Essai", "Test", dt.date(2026, 1, 1))
    kiosks.revoke_kiosk(engine, "Essai")
    seed.put_profile(engine, "Bernin – mairie",
                     {"monday": ["09:00-12:00", "14:00-17:00"], "thursday": ["14:00-17:00"]},
                     categories=("autre", "imprimante_scan"),
                     changed=dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC))
    seed.set_contact(engine, "Bernin – mairie", dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC))
    with TestClient(app) as client:
        assert login(client).status_code == 303
        html = client.get("/permanences").text
    cards = re.findall(r'<li class="place card" data-kiosk="([^"]+)"', html)
    assert cards == ["Bernin – mairie", "Froges"]  # the revoked kiosk is not listed
    bernin = html.split('data-kiosk="Bernin – mairie"')[1].split("</li>\n")[0]
    assert "Mairie, salle 2" in bernin and "1 place de la Mairie, 38190 Bernin" in bernin
    assert "<strong>lundi</strong> : 09:00–12:00, 14:00–17:00" in bernin
    assert "<strong>jeudi</strong> : 14:00–17:00" in bernin and "mardi" not in bernin
    assert "Sur rendez-vous : 04 76 00 00 00" in bernin
    assert "01/09/2026 vers 10 h" in bernin  # 08:00 UTC is 10 h in Paris in September
    assert "20/11/2026 vers 16 h" in bernin
    froges = html.split('data-kiosk="Froges"')[1]
    assert "pas encore envoyé la fiche" in froges and "jamais" in froges
    assert 'href="/permanences" aria-current="page"' in html
