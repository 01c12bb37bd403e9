"""Visit every screen (and every page) of the real app, screenshot it and check its text.

    KIOSK_WINDOW_SIZE=720x1280 python tests/ui/screens_tour.py OUT_DIR ar

Writes OUT_DIR/<size>-<lang>-<screen>.png and prints one JSON line: the problems found (text
cut or overflowing its box or the window, a word broken across lines). The language under
test comes first in the config and the others follow, so the picker shows all of them. Run by
tests/ui/test_screenshots.py in a subprocess per window size and language.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_helpers import (  # noqa: E402
    UI_TODAY,
    make_config,
    run_app,
    store_with_days,
    unreachable_coordinator,
    wait_until,
)

from kiosk.i18n import LANGUAGES  # noqa: E402

SLACK = 1.5  # pixels of rounding


def crowding(box, where: str) -> list[str]:
    """A BoxLayout whose fixed-size children, spacing and padding need more room than it has
    (its content then overlaps or spills out)."""
    children = [c for c in box.children if c.opacity > 0]
    if not children:
        return []
    left, top, right, bottom = box.padding if len(box.padding) == 4 else (
        box.padding[0], box.padding[1], box.padding[0], box.padding[1]) if len(box.padding) == 2 \
        else (box.padding[0],) * 4
    vertical = box.orientation == "vertical"
    if vertical:
        fixed = [c.height for c in children if c.size_hint_y is None]
        room = box.height - top - bottom
    else:
        fixed = [c.width for c in children if c.size_hint_x is None]
        room = box.width - left - right
    need = sum(fixed) + box.spacing * (len(children) - 1)
    if need > room + SLACK:
        sample = next((c.text[:30] for c in box.walk() if getattr(c, "text", "")), "")
        return [f"{where}: a {'column' if vertical else 'row'} needs {need:.0f} px, has "
                f"{room:.0f} (near {sample!r})"]
    return []


def text_problems(root, window_size, where: str) -> list[str]:
    """Labels whose texture does not fit their box, or whose box leaves the window."""
    from kivy.core.text import Label as CoreLabel
    from kivy.uix.label import Label

    problems = []
    width, height = window_size
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.scrollview import ScrollView

    stack = [(root, False, root.opacity)]
    while stack:
        widget, scrolled, opacity = stack.pop()
        scrolled = scrolled or isinstance(widget, ScrollView)  # may extend below the window
        stack.extend((child, scrolled, opacity * child.opacity) for child in widget.children)
        if isinstance(widget, BoxLayout) and opacity > 0:
            problems.extend(crowding(widget, where))
        if not isinstance(widget, Label) or not widget.text.strip() or opacity == 0:
            continue
        name = f"{where}: {widget.text[:40]!r}"
        tw, th = widget.texture_size
        if tw > widget.width + SLACK or th > widget.height + SLACK:
            problems.append(f"{name} text {tw:.0f}x{th:.0f} > box {widget.width:.0f}x{widget.height:.0f}")
        x, y = widget.to_window(widget.x, widget.y)
        if not scrolled and (x < -SLACK or y < -SLACK or x + widget.width > width + SLACK or y + widget.height > height + SLACK):
            problems.append(f"{name} box outside the window at ({x:.0f},{y:.0f})")
        parent = widget.parent
        if parent is not None and parent is not root and not isinstance(parent, ScrollView):
            px, py = parent.to_window(parent.x, parent.y)
            if (x < px - SLACK or y < py - SLACK or x + widget.width > px + parent.width + SLACK
                    or y + widget.height > py + parent.height + SLACK):
                problems.append(f"{name} box leaves its container")
        if widget.text_size[0] and not widget.markup and widget.font_name != "MaterialDesignIcons":
            for word in widget.text.split():
                core = CoreLabel(text=word, font_name=widget.font_name,
                                 font_size=widget.font_size, bold=widget.bold)
                core.refresh()
                if core.texture.size[0] > widget.text_size[0] + SLACK:
                    problems.append(f"{name} word {word!r} broken across lines")
    return problems


VISITOR_SCREENS = ("accueil", "langues", "merci", "infos", "donnees", "mandat", "ferme")


def smallest_target(root) -> float:
    """The smallest side (px) of the visible buttons under `root`."""
    from kivy.uix.behaviors import ButtonBehavior

    sides = [min(w.size) for w in root.walk(restrict=True)
             if isinstance(w, ButtonBehavior) and w.opacity > 0 and not w.disabled]
    return min(sides) if sides else float("inf")


def tour(app, out: Path, prefix: str, problems: list[str], targets: dict):
    from kivy.core.window import Window

    def snap(label: str, root=None):
        Window.screenshot(name=str(out / f"{prefix}-{label}.png"))
        current = root or app.root.current_screen
        problems.extend(text_problems(current, Window.size, f"{prefix}-{label}"))
        if current.name in VISITOR_SCREENS if root is None else False:
            targets[label] = smallest_target(current)

    # Screenshot names get a 0001 suffix from Kivy; fine for looking at them.
    # The config has opening hours (for Fermé): show Accueil whatever the time is now.
    app.show("accueil")
    yield 0.3
    snap("01-accueil")
    targets["category-buttons"] = min(
        min(b.size) for b in app.root.get_screen("accueil").category_buttons())
    app.show("langues")
    yield 0.3
    snap("01-langues")
    app.record_visit("imprimante_scan")
    yield 0.3
    snap("02-merci")
    app.open_info()
    yield 0.3
    snap("03-infos")
    for name in ("donnees", "mandat"):
        app.open_pages(name)
        pages = app.root.get_screen(name)
        for index in range(pages.count):
            yield 0.3
            snap(f"04-{name}-{index + 1}")
            pages.next_page()
    app.open_pin()
    pin = app.root.get_screen("pin")
    pin.digits = "1234"
    pin.message = pin.message or app.tr("Ce code est faux.")
    yield 0.3
    snap("05-pin")
    app.open_mediator()
    mediator = app.root.get_screen("mediateur")
    yield from wait_until(lambda: mediator.snapshot is not None, timeout_s=30)
    yield 0.3
    snap("06-mediateur")
    today = mediator.snapshot.today
    mediator.ids.day_chooser.dispatch("on_step", -1)  # yesterday, filled by main()
    yield from wait_until(lambda: mediator.snapshot.day < today, timeout_s=30)
    yield 0.3
    snap("06-mediateur-hier")
    mediator.ask_correction("imprimante_scan", -1)
    yield 0.4
    snap("07-correction", root=mediator._dialog)
    mediator.cancel_correction()
    mediator.ids.quarter_chooser.dispatch("on_step", -1)
    mediator.ids.scroll.scroll_y = 0
    yield 0.4
    snap("06-mediateur-bas")
    app.set_language(app.kiosk_config.kiosk.languages[0])  # the PIN pad spoke French
    app.is_open = False
    app.show("ferme")
    yield 0.3
    snap("08-ferme")


def tour_arguments() -> tuple[Path, str, str]:
    """OUT_DIR (made) and the language from the command line, the window size from
    $KIOSK_WINDOW_SIZE."""
    out, lang = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    return out, lang, os.environ.get("KIOSK_WINDOW_SIZE", "800x480")


def main() -> int:
    out, lang, size = tour_arguments()
    problems: list[str] = []
    targets: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        friday = UI_TODAY + dt.timedelta(days=(4 - UI_TODAY.weekday()) % 7 or 7)  # closed
        config = make_config(
            Path(tmp),
            kiosk={"languages": [lang] + [x for x in LANGUAGES if x != lang]},
            permanence={"phone": "04 76 00 00 00", "by_appointment": True,
                        "booking": "À l'accueil de la mairie ou par téléphone",
                        "hours": {"tuesday": ["09:00-12:00"], "friday": ["14:00-17:30"]},
                        "closed_dates": [friday.isoformat()]},
            privacy={"controller": "Commune de Crolles", "referent": "Le secrétariat de la mairie",
                     "contact": "04 76 00 00 00"},
            mediator={"pin_hash": ""})
        # A coordinator (that never answers) shows "Envoyer maintenant" and the sync lines.
        config = unreachable_coordinator(Path(tmp), config)
        # A few visits yesterday: the mediator's day chooser has a day to go back to.
        today = UI_TODAY
        store = store_with_days(config, {today - dt.timedelta(days=1): [
            "service_public", "service_public", "outil_numerique", "autre"], today: []}, today)
        run_app(config, lambda app: tour(app, out, f"{size}-{lang}", problems, targets),
                store=store)
    print(json.dumps({"size": size, "lang": lang, "problems": problems,
                      "smallest_visitor_target_px": targets}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
