"""Photograph the screens of workshops and of the exit question, and check their text as
screens_tour.py does: Accueil with "Je pars", the exit question, its thank-you, the mediator
view with the day's workshops and answers, the workshop form, and the confirmation.

    KIOSK_WINDOW_SIZE=720x1280 python tests/ui/counted_tour.py OUT_DIR fr

Writes OUT_DIR/<size>-<lang>-counted-<screen>.png and prints one JSON line (problems found,
smallest button per screen). Run by tests/ui/test_counted_screens.py, one process per
window size and language.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screens_tour import smallest_target, text_problems, tour_arguments  # noqa: E402
from ui_helpers import (  # noqa: E402
    UI_TODAY,
    make_config,
    run_app,
    store_with_days,
    wait_until,
)


def tour(app, out: Path, prefix: str, problems: list[str], targets: dict):
    from kivy.core.window import Window

    def snap(label: str, root=None):
        Window.screenshot(name=str(out / f"{prefix}-{label}.png"))
        current = root or app.root.current_screen
        problems.extend(text_problems(current, Window.size, f"{prefix}-{label}"))
        targets[label] = smallest_target(current)

    app.show("accueil")
    yield 0.3
    snap("01-accueil-je-pars")
    app.show("depart")
    yield 0.3
    snap("02-depart")
    depart = app.root.get_screen("depart")
    depart._shown_at = 0
    depart._chosen(depart.answer_buttons()[1])
    yield 0.3
    snap("03-depart-merci")
    app.open_mediator()
    mediator = app.root.get_screen("mediateur")
    yield from wait_until(lambda: mediator.snapshot is not None, timeout_s=30)
    mediator.ids.scroll.scroll_to(mediator.ids.workshops, animate=False)
    yield 0.3
    snap("04-mediateur-ateliers")
    mediator.open_workshops()
    atelier = app.root.get_screen("atelier")
    yield from wait_until(lambda: not atelier.busy, timeout_s=30)
    atelier.choose("securite_numerique")
    atelier.step(5)
    yield 0.3
    snap("05-atelier")
    atelier.ids.scroll.scroll_y = 0
    yield 0.3
    snap("06-atelier-liste")
    atelier.ask_removal("outil_numerique", 8)
    yield 0.4
    snap("07-atelier-retirer", root=atelier._dialog)
    atelier.cancel_correction()
    yield 0.2


def main() -> int:
    out, lang, size = tour_arguments()
    problems: list[str] = []
    targets: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(Path(tmp), kiosk={"languages": [lang] + [
            x for x in ("fr", "en") if x != lang], "exit_question": True},
            mediator={"pin_hash": ""})
        store = store_with_days(config, {UI_TODAY: ["service_public", "autre"]}, UI_TODAY)
        store.record_workshop(UI_TODAY, "outil_numerique", 8)
        store.record_workshop(UI_TODAY, "outil_numerique", 8)
        store.record_workshop(UI_TODAY, "imprimante_scan", 4)
        store.record_exit("oui")
        run_app(config, lambda app: tour(app, out, f"{size}-{lang}-counted", problems,
                                         targets), store=store)
    print(json.dumps({"size": size, "lang": lang, "problems": problems,
                      "smallest_target_px": targets}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
