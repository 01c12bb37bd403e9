"""Photograph every page of "La permanence" (a full and an empty config), the mandate and the
data pages, and check their text as screens_tour.py does.

    KIOSK_WINDOW_SIZE=720x1280 python tests/ui/permanence_tour.py OUT_DIR fr

Writes OUT_DIR/<size>-<lang>-<config>-<page>.png and prints one JSON line (problems found,
smallest button per screen). Run by tests/ui/test_convention_screens.py, one process per
window size and language.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screens_tour import smallest_target, text_problems, tour_arguments  # noqa: E402
from ui_helpers import make_config, run_app  # noqa: E402

#: A Thursday morning: the timetable marks Thursday's line.
THURSDAY = dt.datetime(2026, 11, 26, 10, 0).astimezone()

FULL = {
    "place": "Mairie de Crolles, salle du conseil",
    "address": "1 place de la Mairie, 38920 Crolles",
    "phone": "04 76 00 00 00",
    "by_appointment": True,
    "booking": "À l'accueil de la mairie ou par téléphone",
    "workshops": "Le jeudi à 14 h : bien utiliser son smartphone",
    "other_help": "Ici, « Autre chose » veut dire : remplir un formulaire papier.",
    "equipment": ["Un ordinateur", "Une imprimante et un scanner", "Une tablette"],
    "hours": {"tuesday": ["09:00-12:00"], "thursday": ["09:00-12:00", "14:00-17:30"],
              "saturday": ["09:30-11:30"]},
}


SCREENS = ("permanence", "mandat", "donnees")


def tour(app, out: Path, prefix: str, problems: list[str], targets: dict):
    from kivy.core.window import Window

    app.now = lambda: THURSDAY
    app.go_home()
    for name in SCREENS:
        app.open_pages(name)
        pages = app.root.get_screen(name)
        for index in range(pages.count):
            yield 0.3
            label = f"{prefix}-{name}-{index + 1:02d}-"
            Window.screenshot(name=str(out / f"{label}.png"))
            problems.extend(text_problems(pages, Window.size, label))
            targets[label] = smallest_target(pages)
            pages.next_page()


def main() -> int:
    out, lang, size = tour_arguments()
    problems: list[str] = []
    targets: dict[str, float] = {}
    languages = [lang] + [x for x in ("fr", "en") if x != lang]
    for kind, permanence, privacy in (
            ("full", FULL, {"controller": "La commune de Crolles",
                            "referent": "Le secrétariat de la mairie",
                            "contact": "04 76 00 00 00"}),
            ("empty", {}, {"notice_url": "", "mandate_url": ""})):
        prefix = f"{size}-{lang}-{kind}"
        with tempfile.TemporaryDirectory() as tmp:
            config = make_config(Path(tmp), kiosk={"languages": languages},
                                 permanence=permanence, privacy=privacy)
            run_app(config, functools.partial(tour, out=out, prefix=prefix,
                                              problems=problems, targets=targets))
    print(json.dumps({"size": size, "lang": lang, "problems": problems,
                      "smallest_target_px": targets}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
