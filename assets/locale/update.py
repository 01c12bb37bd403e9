"""Extract the kiosk's texts, update every language's catalogue, compile them (Babel).

    .venv/bin/python assets/locale/update.py

French is the source language: the French catalogue's translations are the ids themselves.
Write the English (or a new language's) translations in its .po file, then run this again
to compile the .mo files that the kiosk reads. A new language is a new folder here with
its kiosk.po (start from a copy of en/), translated, then this script.
tests/ui/test_i18n_and_theme.py checks that every text is translated and that the .mo
files are up to date.

Each message carries an extracted comment (`#.`) saying who reads it: `VISITOR` (every
language must translate it) or `MEDIATOR` (the mediator view, PIN pad and transfer screen,
and the sync/clock sentences they show: French and English are enough, other languages
fall back to the French id). A text is the mediator's only if every place it comes from is
one of the mediator's; anything new is a visitor's text until said otherwise.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kiosk.catalogue import CONTEXTS
from kiosk.i18n import SENTENCES

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "assets" / "locale"
DOMAIN = "kiosk"
#: French (the source) and every language that has a catalogue here.
LANGUAGES = ("fr", *sorted({p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
                            - {"fr"}))
#: kv's `_("…")`, `N_("…")`, `app.tr("…")`, `Phrase("context", "…")`, `translate(lang, "…")`.
KEYWORDS = {"_": None, "N_": None, "tr": None, "Phrase": ((1, "c"), 2), "translate": (2,)}
CATALOGUE = ROOT / "assets" / "catalogue.json"
#: Languages that translate the mediator's texts too (the others: visitor texts only).
MEDIATOR_LANGUAGES = ("fr", "en")
VISITOR, MEDIATOR = "visitor screen", "mediator view (French and English are enough)"
MEDIATOR_SOURCES = ("screens/mediateur.", "screens/pin.", "screens/transfert.", "screens/voice.",
                    "screens/atelier.")
METHOD_MAP = [("kiosk/**.py", "python"), ("screens/**.py", "python"),
              ("screens/**.kv", "python")]


def extract() -> Catalog:
    """Every translatable text of the kiosk, as found in the sources now."""
    template = Catalog(project="permanence-kiosk", domain=DOMAIN)
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS):
        if filename.startswith(("kiosk", "screens")):
            template.add(message, locations=[(filename, lineno)], context=context)
    for entry in json.loads(CATALOGUE.read_text(encoding="utf-8"))["categories"]:
        for field, context in CONTEXTS.items():
            template.add(entry[field]["fr"], context=context,
                         locations=[("assets/catalogue.json", 0)])
    mediator_sentences = set(SENTENCES.values())
    for message in template:
        if message.id:
            mediators = message.id in mediator_sentences or all(
                path.startswith(MEDIATOR_SOURCES) for path, _line in message.locations)
            message.auto_comments = [MEDIATOR if mediators else VISITOR]
    return template


def is_visitor(message) -> bool:
    """Whether a catalogue's message is shown on a visitor screen (see the module doc)."""
    return MEDIATOR not in message.auto_comments


def must_translate(lang: str, message) -> bool:
    """Whether `lang`'s catalogue must say `message` (not only fall back to French)."""
    return bool(message.id) and (lang in MEDIATOR_LANGUAGES or is_visitor(message))


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def main() -> int:
    missing = []
    for lang in LANGUAGES:
        catalog = read_catalogue(lang)
        # A fresh template per language: update() adopts the template's message objects.
        catalog.update(extract(), no_fuzzy_matching=True)
        catalog.project, catalog.version, catalog.fuzzy = "permanence-kiosk", "1", False
        for message in catalog:
            if not message.id:
                continue
            if lang == "fr" and not message.string:
                message.string = message.id
            if not message.string and must_translate(lang, message):
                missing.append(f"{lang}: {message.id}")
        catalog.obsolete.clear()
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=False)
        path.with_suffix(".mo").write_bytes(compiled(catalog))
    for line in missing:
        print(f"untranslated: {line}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
