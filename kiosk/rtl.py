"""Right-to-left text for a renderer that neither shapes nor reorders (Kivy's SDL2 provider).

Two steps, at two moments, because Kivy wraps lines itself:

- `shape(lang, text)` joins Arabic letters (arabic-reshaper turns each letter into the
  presentation form for its place in the word) while the text is still in logical order.
  The app's `tr` applies it to every translated text, so the widths Kivy measures to wrap
  lines are those of the joined glyphs. The catalogues stay plain Unicode (the read-aloud
  audio and the review pages use them).
- `visual_line(line)` reorders one already-wrapped line for display: right to left,
  numbers and Latin names kept left to right, brackets and « » mirrored. Reordering a
  whole paragraph before wrapping would put its last words on the first line;
  screens/rtl_lines.py applies this per drawn line.

The levels come from python-bidi's Rust implementation of the Unicode bidi algorithm (with
the bracket-pair rule, which its older pure-Python one lacks). Its `get_display` neither
mirrors brackets nor tells the levels except in its debug text, so `_levels` reads them
there (python-bidi is pinned; tests/ui/test_rtl.py fails if that text changes) and
`visual_line` reverses the runs (rule L2) and mirrors what sits at a right-to-left level.

No Kivy here: the core may use it, and tests call it directly.
"""

from __future__ import annotations

import re
from functools import cache

#: Characters drawn mirrored at a right-to-left level (the ones our texts can hold).
MIRRORED = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")

#: Languages written right to left (each has a catalogue in assets/locale).
RTL_LANGUAGES = frozenset({"ar"})
#: Arabic letters, in their base block or as presentation forms.
_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@cache
def _reshaper():
    # Imported the first time Arabic is shown: its tables cost the kiosk's start otherwise.
    import arabic_reshaper

    # Keep harakat (short vowels) if a translation has them, and the lam-alef ligatures.
    return arabic_reshaper.ArabicReshaper(configuration={
        "delete_harakat": False, "support_ligatures": True})


def is_rtl(lang: str) -> bool:
    return lang in RTL_LANGUAGES


def shape(lang: str, text: str) -> str:
    """`text` with joined Arabic letters when `lang` is right to left; else unchanged."""
    if not is_rtl(lang) or not _RTL_CHARS.search(text):
        return text
    return _reshaper().reshape(text)


def has_rtl(text: str) -> bool:
    return bool(_RTL_CHARS.search(text))


def visual_line(line: str) -> str:
    """One line in display order (left to right on screen) if it holds right-to-left
    letters, read as a right-to-left paragraph; any other line unchanged."""
    if not has_rtl(line):
        return line
    # Spaces around a piece stay where they are: they part it from its neighbours (a
    # markup label draws "words [icon]" as two pieces, the space ending the first).
    core = line.strip(" ")
    lead, trail = line[:len(line) - len(line.lstrip(" "))], line[len(line.rstrip(" ")):]
    return lead + _reordered(core) + trail


def _reordered(line: str) -> str:
    levels = _levels(line)
    order = list(range(len(line)))
    for level in range(max(levels), 0, -1):  # rule L2: reverse each run at >= level
        start = None
        for i in range(len(order) + 1):
            inside = i < len(order) and levels[order[i]] >= level
            if inside and start is None:
                start = i
            elif not inside and start is not None:
                order[start:i] = reversed(order[start:i])
                start = None
    return "".join(MIRRORED.get(line[i], line[i]) if levels[i] % 2 else line[i]
                   for i in order)


def _levels(line: str) -> list[int]:
    """The resolved bidi level of each character of `line`, as a right-to-left paragraph."""
    from bidi import get_display  # only where Arabic is shown

    found = [int(n) for n in _LEVEL.findall(get_display(line, base_dir="R", debug=True)
                                            .split("levels:", 1)[1].split("paragraphs:", 1)[0])]
    by_byte, levels, offset = found, [], 0
    for char in line:
        levels.append(by_byte[offset])
        offset += len(char.encode("utf-8"))
    if offset != len(by_byte):
        raise RuntimeError("python-bidi's debug levels are not one per UTF-8 byte any more")
    return levels
