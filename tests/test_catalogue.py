"""The category catalogue: contract ids, order, texts, national mapping, validation."""

import copy
import json
from importlib import resources

import pytest

from kiosk import catalogue
from kiosk.catalogue import CATEGORY_IDS, CatalogueError


def _data():
    return json.loads(resources.files("assets").joinpath("catalogue.json").read_text("utf-8"))


def test_contract_ids_in_convention_order():
    assert catalogue.load().ids == (
        "service_public", "navigation_internet", "recherche_emploi", "viatrajectoire",
        "outil_numerique", "imprimante_scan", "securite_numerique", "autre",
    )


def test_every_category_has_a_pictogram_and_its_texts_come_from_the_catalogues():
    for category in catalogue.load().categories:
        for field in ("label", "short", "examples"):
            assert category.text(field, "fr") == getattr(category, field)["fr"]
        assert category.pictogram
    # The English texts live in assets/locale, told apart by their gettext context.
    via = catalogue.load().get("viatrajectoire")
    assert via.text("short", "en") == "ViaTrajectoire"
    assert via.text("label", "en") == "ViaTrajectoire (care home and care applications)"
    assert catalogue.load().get("autre").text("short", "en") == "Something else"


def test_all_but_autre_map_to_national_lists():
    for category in catalogue.load().categories:
        if category.id != "autre":
            assert category.coop_thematiques and category.mednum_services, category.id


def test_labels_follow_the_convention():
    cat = catalogue.load()
    assert cat.get("imprimante_scan").label["fr"] == "Imprimante/Scan"  # annex 2's spelling
    assert cat.get("recherche_emploi").label["fr"].startswith("Recherche d'emploi")


def test_subset_keeps_catalogue_order():
    cat = catalogue.load()
    assert [c.id for c in cat.subset(["autre", "service_public"])] == ["service_public", "autre"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["categories"].append(copy.deepcopy(d["categories"][0])), "duplicate category id"),
    (lambda d: d["categories"][0].update(id="impots"), "unknown category id 'impots'"),
    (lambda d: d["categories"].pop(), "missing categories autre"),
    (lambda d: d["categories"].reverse(), "convention's order"),
    (lambda d: d["categories"][2]["short"].pop("fr"), "'short' needs a non-empty 'fr'"),
    (lambda d: d["categories"][1].update(pictogram=""), "'pictogram'"),
    (lambda d: d["categories"][1]["label"].update(de="Hallo"), "'label' holds only the French"),
    (lambda d: d.pop("version"), "'version'"),
])
def test_bad_catalogue_names_the_problem(mutate, message):
    data = _data()
    mutate(data)
    with pytest.raises(CatalogueError, match=message.replace("(", r"\(")):
        catalogue.parse(data)


def test_catalogue_ids_constant_matches_data():
    assert tuple(c["id"] for c in _data()["categories"]) == CATEGORY_IDS
