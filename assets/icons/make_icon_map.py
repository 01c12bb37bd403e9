"""Rebuild icons.json: the Material Design Icons names the kiosk uses -> codepoints.

Usage (after `npm pack @mdi/font && tar xzf mdi-font-*.tgz`):
    python assets/icons/make_icon_map.py package/scss/_variables.scss
Add a name to NAMES (or a pictogram to assets/catalogue.json), run again, commit the JSON.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Icons used by the screens; the catalogue's pictograms are added from catalogue.json.
NAMES = (
    "information-variant", "translate", "check-circle", "undo-variant", "home", "chevron-left",
    "chevron-right", "hand-heart", "gift-outline", "clock-outline", "phone", "calendar-clock",
    "map-marker", "incognito", "account-tie", "scale-balance", "email-fast-outline",
    "file-sign", "format-list-checks", "lock-outline", "door-closed", "human-male-child",
    "qrcode", "counter", "plus", "minus", "usb-flash-drive", "sync", "sync-alert",
    "clock-alert-outline", "backspace-outline", "check", "close", "file-export-outline",
    "arrow-left", "shield-key-outline", "calendar-check", "database-off-outline",
    "account-voice", "timer-sand", "chart-bar", "calendar-today", "calendar-week",
    "calendar-range",
    # the mandate, data and "La permanence" pages
    "town-hall", "gavel", "account-group", "monitor", "bell-ring-outline",
    "hand-back-right-outline", "archive-outline", "shield-account", "information-outline",
    # read aloud
    "volume-high",
    # "Je pars" and its exit question
    "exit-run", "emoticon-happy-outline", "emoticon-neutral-outline", "emoticon-sad-outline",
    "hand-wave",
)


def main(scss: str) -> None:
    table = dict(re.findall(r'^\s*"([a-z0-9-]+)": ([0-9A-F]+),', Path(scss).read_text(), re.M))
    catalogue = json.loads((HERE.parent / "catalogue.json").read_text(encoding="utf-8"))
    wanted = sorted(set(NAMES) | {c["pictogram"] for c in catalogue["categories"]})
    missing = [n for n in wanted if n not in table]
    if missing:
        sys.exit(f"not in Material Design Icons: {', '.join(missing)}")
    icons = {name: f"U+{table[name]}" for name in wanted}
    (HERE / "icons.json").write_text(json.dumps(icons, indent=1) + "\n", encoding="utf-8")
    print(f"{len(icons)} icons written to {HERE / 'icons.json'}")


if __name__ == "__main__":
    main(sys.argv[1])
