"""Workshops and the exit question at 800x480 and 720x1280, in FR and EN: photographed in
screenshots/ (git-ignored) by tests/ui/counted_tour.py, no text cut, overflowing or broken
mid-word, and every button of the new screens at least 12 mm."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_screenshots import OUT, TWELVE_MM_PX, run_tour

pytestmark = pytest.mark.ui

TOUR = Path(__file__).with_name("counted_tour.py")
#: The screens this feature adds or changes (the mediator view's own buttons are older).
NEW = ("01-accueil-je-pars", "02-depart", "05-atelier", "06-atelier-liste",
       "07-atelier-retirer")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", ["800x480", "720x1280"])
def test_workshop_and_exit_screens_fit_and_are_photographed(size, lang):
    for old in OUT.glob(f"{size}-{lang}-counted-*.png"):
        old.unlink()
    report = run_tour(TOUR, size, lang)
    assert report["problems"] == []
    targets = report["smallest_target_px"]
    assert set(NEW) <= set(targets)
    small = {name: targets[name] for name in NEW if targets[name] < TWELVE_MM_PX[size]}
    assert small == {}, f"buttons under 12 mm on {size}"
    shots = {shot.name for shot in OUT.glob(f"{size}-{lang}-counted-*.png")}
    assert {f"{size}-{lang}-counted-{name}0001.png" for name in
            (*NEW, "03-depart-merci", "04-mediateur-ateliers")} == shots
