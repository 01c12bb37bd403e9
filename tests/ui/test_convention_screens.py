"""The mandate, data and "La permanence" pages (full and empty config) at 800x480 and
720x1280, in each of the seven languages: photographed in shots/ (git-ignored), no text
cut, overflowing or broken mid-word, every button at least 12 mm."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_screenshots import OUT, TWELVE_MM_PX, run_tour

from kiosk.i18n import LANGUAGES

pytestmark = pytest.mark.ui

TOUR = Path(__file__).with_name("permanence_tour.py")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("size", ["800x480", "720x1280"])
def test_convention_pages_fit_and_are_photographed(size, lang):
    for old in OUT.glob(f"{size}-{lang}-full-*.png"):
        old.unlink()
    for old in OUT.glob(f"{size}-{lang}-empty-*.png"):
        old.unlink()
    report = run_tour(TOUR, size, lang)
    assert report["problems"] == []
    small = {page: px for page, px in report["smallest_target_px"].items()
             if px < TWELVE_MM_PX[size]}
    assert small == {}, f"buttons under 12 mm on {size}"
    shots = {shot.name for shot in OUT.glob(f"{size}-{lang}-*-*.png")}
    # Full config: place, timetable, appointment, help, workshops, Autre, equipment.
    assert {f"{size}-{lang}-full-permanence-{n:02d}-0001.png" for n in range(1, 8)} <= shots
    # Empty config: timetable, appointment, help, Autre (the other facts drop their page).
    assert {f"{size}-{lang}-empty-permanence-{n:02d}-0001.png" for n in range(1, 5)} <= shots
    assert f"{size}-{lang}-empty-permanence-05-0001.png" not in shots
    assert f"{size}-{lang}-full-mandat-13-0001.png" in shots
    assert f"{size}-{lang}-full-donnees-10-0001.png" in shots
