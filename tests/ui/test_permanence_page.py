"""La permanence, with real touches: one tap from Accueil, today's line marked by the app's
injected clock, every page of a full config and the empty states of an empty one."""

from __future__ import annotations

import datetime as dt

import pytest
from permanence_tour import FULL
from ui_helpers import make_config, run_app, screen, tap

pytestmark = pytest.mark.ui

#: A Thursday and a Sunday, 10:00 local time (inside the full config's Thursday hours).
THURSDAY = dt.datetime(2026, 11, 26, 10, 0).astimezone()
SUNDAY = dt.datetime(2026, 11, 29, 10, 0).astimezone()


def _visit(app, moment, seen: list, home="accueil"):
    """From the home screen (Accueil, or Fermé when closed), tap "La permanence", then
    "Suite" through every page; `seen` gets each page's (title, body, [(line, marked)])."""
    app.now = lambda: moment
    app.go_home()
    yield 0.2
    assert app.root.current == home
    tap(screen(app, home).ids.top_bar.ids.place)
    yield 0.3
    assert app.root.current == "permanence"
    pages = screen(app, "permanence")
    for _ in range(pages.count):
        seen.append((pages.title, pages.body,
                     [(line.text, line.marked) for line in pages.page_lines()]))
        tap(pages.ids.next)
        yield 0.2
    assert app.root.current == home  # "Fini" on the last page goes home


def _page(seen, title):
    found = [page for page in seen if page[0] == title]
    assert len(found) == 1, f"no single page {title!r} in {[p[0] for p in seen]}"
    return found[0]


def test_full_config_every_fact_and_thursday_marked(tmp_path):
    config = make_config(tmp_path, permanence=FULL)
    seen: list = []
    run_app(config, lambda app: _visit(app, THURSDAY, seen))
    assert [page[0] for page in seen] == [
        "Où sommes-nous ?", "Les horaires", "Sur rendez-vous", "Une aide pour vous seul",
        "Des ateliers en groupe", "« Autre chose » ici", "Le matériel pour vous"]
    assert _page(seen, "Où sommes-nous ?")[1] == (
        "Mairie de Crolles, salle du conseil\n1 place de la Mairie, 38920 Crolles")
    timetable = _page(seen, "Les horaires")[2]
    timetable = [(text.replace("\u00a0", " "), marked) for text, marked in timetable]
    assert timetable == [
        ("Mardi : de 9 h 00 à 12 h 00", False),
        ("Jeudi : de 9 h 00 à 12 h 00 et de 14 h 00 à 17 h 30", True),
        ("Samedi : de 9 h 30 à 11 h 30", False)]
    booking = _page(seen, "Sur rendez-vous")[1]
    assert "À l'accueil de la mairie ou par téléphone" in booking
    assert "04 76 00 00 00" in booking
    assert FULL["workshops"] in _page(seen, "Des ateliers en groupe")[1]
    assert _page(seen, "« Autre chose » ici")[1] == FULL["other_help"]
    assert _page(seen, "Le matériel pour vous")[2] == [(item, False)
                                                        for item in FULL["equipment"]]


def test_on_a_closed_day_from_ferme_today_gets_its_own_marked_line(tmp_path):
    config = make_config(tmp_path, permanence=FULL)
    seen: list = []
    run_app(config, lambda app: _visit(app, SUNDAY, seen, home="ferme"))
    timetable = _page(seen, "Les horaires")[2]
    assert [line for line in timetable if line[1]] == [("Dimanche : fermé aujourd'hui", True)]
    assert len(timetable) == 4


def test_empty_config_says_what_to_do_and_drops_the_rest(tmp_path):
    config = make_config(tmp_path, kiosk={"languages": ["en", "fr"]})
    seen: list = []
    run_app(config, lambda app: _visit(app, THURSDAY, seen))
    assert [page[0] for page in seen] == [
        "Opening hours", "No appointment needed", "Help just for you",
        "\u201cSomething else\u201d here"]
    assert _page(seen, "Opening hours")[1] == (
        "The opening hours are not written here. Ask for them at the desk.")
    assert _page(seen, "Opening hours")[2] == []
    assert all(not page[2] for page in seen)


def test_no_autre_page_when_autre_is_not_offered(tmp_path):
    config = make_config(tmp_path, permanence={"categories": ["imprimante_scan"],
                                               "by_appointment": True})
    seen: list = []
    run_app(config, lambda app: _visit(app, THURSDAY, seen))
    assert [page[0] for page in seen] == [
        "Les horaires", "Sur rendez-vous", "Une aide pour vous seul"]
    assert _page(seen, "Sur rendez-vous")[1] == (
        "Prenez rendez-vous avant de venir.\nDemandez comment à l'accueil.")
