"""The category catalogue: the reasons a visitor can tap, loaded once from assets/.

The ids are a contract (exports, the coordinator and outside tests rely on them): they are
never renamed, and their order is the order of the convention's annex 2. Labels may change.
The data file holds the French texts only: they are the msgids of the gettext catalogues
(assets/locale), where every other language's labels live (see kiosk.i18n).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.i18n import LANGUAGES, Phrase, translate

#: The stable ids, in the convention's order. The data file must list exactly these.
CATEGORY_IDS: tuple[str, ...] = (
    "service_public",
    "navigation_internet",
    "recherche_emploi",
    "viatrajectoire",
    "outil_numerique",
    "imprimante_scan",
    "securite_numerique",
    "autre",
)

__all__ = ["CATEGORY_IDS", "CONTEXTS", "LANGUAGES", "Catalogue", "CatalogueError", "Category",
           "load", "parse"]
#: gettext context of each text field (a button's "ViaTrajectoire" is not the full label).
CONTEXTS = {"label": "category label", "short": "category button",
            "examples": "category examples"}


class CatalogueError(ValueError):
    """The catalogue data file is wrong; the message names the entry and the field."""


@dataclass(frozen=True)
class Category:
    """One reason for a visit, with its labels and its place in the national lists.

    `label`, `short` and `examples` hold the French text under "fr" (the coordinator and
    the exports read `label["fr"]`); `phrase(field)` is what the UI translates."""

    id: str
    label: dict[str, str]
    short: dict[str, str]
    examples: dict[str, str]
    pictogram: str
    coop_thematiques: tuple[str, ...]
    mednum_services: tuple[str, ...]

    def phrase(self, field: str) -> Phrase:
        """`label`, `short` or `examples`, to be said with kiosk.i18n.translate."""
        return Phrase(CONTEXTS[field], getattr(self, field)["fr"])

    def text(self, field: str, lang: str = "fr") -> str:
        """`label`, `short` or `examples` in `lang` (for the CLI and the exports)."""
        return translate(lang, self.phrase(field))


@dataclass(frozen=True)
class Catalogue:
    version: str
    categories: tuple[Category, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def get(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def subset(self, ids) -> tuple[Category, ...]:
        """The categories whose id is in `ids`, in catalogue order."""
        wanted = set(ids)
        return tuple(c for c in self.categories if c.id in wanted)


def _texts(entry: dict, field: str, where: str) -> dict[str, str]:
    value = entry.get(field)
    if not isinstance(value, dict) or not isinstance(value.get("fr"), str) or not value["fr"]:
        raise CatalogueError(f"{where}: '{field}' needs a non-empty 'fr' text")
    if set(value) != {"fr"}:
        raise CatalogueError(f"{where}: '{field}' holds only the French text; other "
                             "languages belong in assets/locale/<lang>/LC_MESSAGES/kiosk.po")
    return dict(value)


def _names(entry: dict, field: str, where: str) -> tuple[str, ...]:
    value = entry.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{where}: '{field}' must be a list of names")
    return tuple(value)


def parse(data: dict) -> Catalogue:
    """Validate catalogue data (as loaded from JSON) and build the catalogue."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise CatalogueError("catalogue: 'categories' must be a list")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise CatalogueError("catalogue: 'version' must be a non-empty string")
    seen: list[str] = []
    categories = []
    for index, entry in enumerate(data["categories"]):
        where = f"catalogue entry {index}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: must be an object")
        cid = entry.get("id")
        if cid not in CATEGORY_IDS:
            raise CatalogueError(f"{where}: unknown category id {cid!r}")
        if cid in seen:
            raise CatalogueError(f"{where}: duplicate category id {cid!r}")
        seen.append(cid)
        where = f"catalogue category {cid!r}"
        pictogram = entry.get("pictogram")
        if not isinstance(pictogram, str) or not pictogram:
            raise CatalogueError(f"{where}: 'pictogram' must name an icon")
        categories.append(
            Category(
                id=cid,
                label=_texts(entry, "label", where),
                short=_texts(entry, "short", where),
                examples=_texts(entry, "examples", where),
                pictogram=pictogram,
                coop_thematiques=_names(entry, "coop_thematiques", where),
                mednum_services=_names(entry, "mednum_services", where),
            )
        )
    missing = [cid for cid in CATEGORY_IDS if cid not in seen]
    if missing:
        raise CatalogueError(f"catalogue: missing categories {', '.join(missing)}")
    if tuple(seen) != CATEGORY_IDS:
        raise CatalogueError("catalogue: categories must be listed in the convention's order")
    return Catalogue(version=version, categories=tuple(categories))


#: Beside the package, like the locales (i18n.LOCALE_DIR): importlib.resources would cost
#: the kiosk's start a few milliseconds of imports for one file.
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "assets" / "catalogue.json"


@lru_cache(maxsize=1)
def load() -> Catalogue:
    """The shipped catalogue (assets/catalogue.json), validated once per process."""
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    return parse(json.loads(text))
