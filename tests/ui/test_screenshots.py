"""Every screen at 800x480 (7" display) and 720x1280 (Touch Display 2), in each of the seven
languages: screenshots in shots/ (git-ignored; docs/review/<lang>.md points at them) and no
text cut, overflowing or broken mid-word, no button under 12 mm.

Each size runs in its own process (tests/ui/screens_tour.py): a window keeps the size it was
made with for the whole process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.i18n import LANGUAGES

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
TOUR = Path(__file__).with_name("screens_tour.py")
OUT = ROOT / "shots"


#: 12 mm in pixels: the 7" 800x480 panel has ~133 dpi, the 7" 720x1280 Touch Display 2 ~210.
TWELVE_MM_PX = {"800x480": 63, "720x1280": 99}


def run_tour(tour: Path, size: str, lang: str) -> dict:
    """Run a tour script in its own process at `size` in `lang`; its JSON report."""
    env = {**os.environ, "KIOSK_WINDOW_SIZE": size, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(tour), str(OUT), lang], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("size", ["800x480", "720x1280"])
def test_every_screen_fits_and_is_photographed(size, lang):
    for old in OUT.glob(f"{size}-{lang}-*.png"):
        old.unlink()
    report = run_tour(TOUR, size, lang)
    assert report["problems"] == []
    targets = report["smallest_visitor_target_px"]
    assert len(targets) >= 6
    small = {screen: px for screen, px in targets.items() if px < TWELVE_MM_PX[size]}
    assert small == {}, f"buttons under 12 mm on {size}"
    shots = sorted(OUT.glob(f"{size}-{lang}-*.png"))
    names = {shot.name.split("-")[3] for shot in shots}
    assert {"accueil0001.png", "langues0001.png", "merci0001.png", "infos0001.png", "donnees", "mandat",
            "pin0001.png", "mediateur0001.png", "correction0001.png",
            "ferme0001.png"} <= names
    # The mediator view on yesterday and at its bottom (Envoyer maintenant, quarter chooser).
    assert {f"{size}-{lang}-06-mediateur-{part}0001.png" for part in ("hier", "bas")} <= {
        shot.name for shot in shots}
