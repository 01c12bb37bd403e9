"""The emulated Pi's run, driven from the host (called by deploy/pi/emulate.sh).

Starts the installed release inside the prepared root as the kiosk user, with the unit's
environment (X11 instead of KMS/DRM: there is no display hardware), under the host's Xvfb;
waits for READY=1 on a NOTIFY_SOCKET as systemd would; screenshots the welcome screen; taps
a category with a real X pointer click; syncs it with `kiosk sync` to the coordinator on
127.0.0.1 and checks that the coordinator holds it; then runs the screen tour.
Every wait is a poll with a deadline fit for emulation (the app is 10-20 times slower).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageChops

UNIT = "etc/systemd/system/permanence-kiosk.service"
READY_S = 300.0
DRAWN_S = 180.0
TAP_S = 120.0
TOUR_S = 900.0
#: The screen tour's own per-run deadline (tests/ui/ui_helpers.run_app: 60 s, for a PC).
TOUR_UI_S = 600.0


def say(text: str) -> None:
    print(f"emulate: {text}", flush=True)


def fail(text: str) -> None:
    print(f"emulate: error: {text}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def unit_environment(root: Path) -> dict[str, str]:
    """Environment= of the unit and its drop-ins, as systemd would give the app."""
    env: dict[str, str] = {}
    files = [root / UNIT, *sorted((root / f"{UNIT}.d").glob("*.conf"))]
    for path in files:
        for line in path.read_text().splitlines():
            if line.startswith("Environment="):
                for pair in line.removeprefix("Environment=").split():
                    key, value = pair.split("=", 1)
                    env[key] = value
    return env


def unit_value(root: Path, key: str) -> str:
    for line in (root / UNIT).read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    fail(f"the unit has no {key}=")
    return ""


def root_ids(root: Path, table: str) -> dict[str, str]:
    """name -> numeric id from the root's /etc/passwd or /etc/group (chroot would look the
    names up on the host, which has no kiosk user)."""
    lines = (root / "etc" / table).read_text().splitlines()
    return {f[0]: f[2] for f in (line.split(":") for line in lines) if len(f) > 2}


def as_kiosk(root: Path, user: str, env: dict[str, str], argv: list[str], **kw) -> subprocess.Popen:
    """argv inside the root as the unit's user, with exactly `env` (like systemd)."""
    users, groups = root_ids(root, "passwd"), root_ids(root, "group")
    extra = ",".join(groups[g] for g in unit_value(root, "SupplementaryGroups").split())
    pairs = [f"{k}={v}" for k, v in env.items()]
    return subprocess.Popen(["chroot", f"--userspec={users[user]}:{groups[user]}", f"--groups={extra}",
                             str(root), "/usr/bin/env", "-i", *pairs, *argv], **kw)


def wait_for(what: str, deadline_s: float, check):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    fail(f"{what}: not after {deadline_s:.0f} s")


def xwd_to_png(xwd: Path, png: Path) -> Image.Image:
    """Xvfb -fbdir keeps the screen as an XWD file: 25 big-endian header words, a name, a
    colour map, then the pixels (32 bits a pixel, BGRX on a little-endian host)."""
    data = xwd.read_bytes()
    words = struct.unpack(">25I", data[:100])
    header_size, width, height, bytes_per_line, ncolors = (
        words[0], words[4], words[5], words[12], words[19])
    if words[11] != 32:
        fail(f"{xwd}: {words[11]} bits a pixel, expected 32")
    start = header_size + ncolors * 12
    image = Image.frombuffer("RGB", (width, height), data[start:start + bytes_per_line * height],
                             "raw", "BGRX", bytes_per_line, 1)
    image.save(png)
    return image


def drawn(xwd: Path, png: Path) -> Image.Image | None:
    """The screen as a picture once it shows more than a blank background."""
    image = xwd_to_png(xwd, png)
    colours = image.resize((80, 48)).getcolors(maxcolors=80 * 48)
    return image if colours is None or len(colours) >= 20 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--display", required=True, help="the Xvfb display, e.g. :42")
    parser.add_argument("--fbdir", type=Path, required=True, help="Xvfb's -fbdir")
    parser.add_argument("--db", type=Path, required=True, help="the coordinator's SQLite file")
    parser.add_argument("--tour", type=Path, required=True, help="tests/ui inside the root")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--user", default="kiosk")
    args = parser.parse_args()
    root, out = args.root, args.out
    out.mkdir(parents=True, exist_ok=True)

    env = unit_environment(root)
    # X11 instead of KMS/DRM. Without a window manager the fullscreen window lands ~60 px
    # low on Xvfb (an X11 artefact: placing it with KCFG_GRAPHICS_TOP made it worse).
    env.update(SDL_VIDEODRIVER="x11", DISPLAY=args.display, NOTIFY_SOCKET="/run/emulate/notify",
               HOME="/var/lib/permanence-kiosk", LANG="C.UTF-8")
    # What systemd makes for the unit (RuntimeDirectory=) and timesyncd once synchronised.
    subprocess.run(["chroot", str(root), "install", "-d", "-m", "0700", "-o", args.user,
                    "-g", args.user, "/run/permanence-kiosk"], check=True)
    (root / "run/systemd/timesync").mkdir(parents=True, exist_ok=True)
    (root / "run/systemd/timesync/synchronized").touch()
    (root / "run/emulate").mkdir(mode=0o755, exist_ok=True)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(root / "run/emulate/notify"))
    os.chmod(root / "run/emulate/notify", 0o777)
    notify.setblocking(False)

    argv = unit_value(root, "ExecStart").split()
    log = (out / "app.log").open("w")
    started = time.monotonic()
    app = as_kiosk(root, args.user, env, argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        def ready():
            if app.poll() is not None:
                fail(f"the app stopped with code {app.returncode} before READY=1 (see {out}/app.log)")
            try:
                return b"READY=1" in notify.recv(4096)
            except BlockingIOError:
                return False
        wait_for("READY=1 from the app", READY_S, ready)
        say(f"READY=1 after {time.monotonic() - started:.0f} s")
        # Under emulation the first frame reaches the X server some seconds after READY=1.
        welcome = wait_for("the welcome screen drawn on the display", DRAWN_S,
                           lambda: drawn(args.fbdir / "Xvfb_screen0", out / "01-accueil.png"))
        say(f"welcome screen after {time.monotonic() - started:.0f} s: {out}/01-accueil.png")

        tap(root, args, env, welcome)
        sync(root, args, env)
    finally:
        app.terminate()
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
        log.close()
    tour(root, args, env)
    return 0


def tally(root: Path, args, env) -> int:
    result = as_kiosk(root, args.user, env, ["/opt/permanence-kiosk/current/bin/kiosk", "tally",
                      "--json", "--config", "/etc/permanence-kiosk/config.toml"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, _ = result.communicate(timeout=120)
    if result.returncode != 0:
        return -1
    return json.loads(stdout)["total"]


def tap(root: Path, args, env, welcome: Image.Image) -> None:
    """A pointer click (SDL turns it into a touch) on the first category tile, then the
    screen that answers it, then the count read back with `kiosk tally`."""
    before = tally(root, args, env)
    x, y = welcome.size[0] * 18 // 100, welcome.size[1] * 45 // 100
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True,
                   env={**os.environ, "DISPLAY": args.display})
    small = welcome.resize((80, 48))

    def answered():
        shot = xwd_to_png(args.fbdir / "Xvfb_screen0", args.out / "02-apres-un-appui.png")
        diff = ImageChops.difference(shot.resize((80, 48)), small).convert("L")
        changed = diff.point(lambda v: 255 if v > 16 else 0).histogram()[255]
        return changed > 80 * 48 // 10
    wait_for("the screen answering the tap", TAP_S, answered)
    say(f"tap at ({x}, {y}) answered on screen: {args.out}/02-apres-un-appui.png")
    wait_for("the tap counted by `kiosk tally`", TAP_S, lambda: tally(root, args, env) == before + 1)
    say("the tap is counted on the kiosk")


def sync(root: Path, args, env) -> None:
    result = as_kiosk(root, args.user, env, ["/opt/permanence-kiosk/current/bin/kiosk", "sync",
                      "--config", "/etc/permanence-kiosk/config.toml"],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = result.communicate(timeout=300)
    if result.returncode != 0:
        fail(f"kiosk sync failed: {output.strip()}")

    def received():
        with sqlite3.connect(args.db) as db:
            return db.execute("SELECT COALESCE(SUM(count), 0) FROM counts").fetchone()[0] == 1
    wait_for("the tap at the coordinator", 60, received)
    say("the tap reached the coordinator on 127.0.0.1")


def tour(root: Path, args, env) -> None:
    """tests/ui/screens_tour.py with the release's Python, its UI deadline raised for
    emulation (set on ui_helpers before the tour imports it)."""
    inside = "/var/tmp/emulate-tour"
    shutil.rmtree(root / inside.lstrip("/"), ignore_errors=True)
    shutil.copytree(args.tour, root / inside.lstrip("/") / "tests/ui",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["chroot", str(root), "chown", "-R", args.user, inside], check=True)
    code = (f"import runpy, sys; sys.path.insert(0, '{inside}/tests/ui'); import ui_helpers; "
            f"ui_helpers.run_app.__kwdefaults__['timeout_s'] = {TOUR_UI_S}; "
            f"sys.argv = ['screens_tour.py', '{inside}/out', 'fr']; "
            f"runpy.run_path('{inside}/tests/ui/screens_tour.py', run_name='__main__')")
    tour_env = {k: v for k, v in env.items() if k != "NOTIFY_SOCKET"}
    tour_env.update(HOME=inside, KIOSK_WINDOW_SIZE="800x480")
    started = time.monotonic()
    proc = as_kiosk(root, args.user, tour_env, ["/opt/permanence-kiosk/current/bin/python", "-c", code],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
    try:
        stdout, stderr = proc.communicate(timeout=TOUR_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail(f"the screen tour took more than {TOUR_S:.0f} s")
    (args.out / "tour.log").write_text(stderr)
    if proc.returncode != 0:
        fail(f"the screen tour failed (code {proc.returncode}); see {args.out}/tour.log")
    shots = sorted((root / inside.lstrip("/") / "out").glob("*.png"))
    (args.out / "tour").mkdir(exist_ok=True)
    for shot in shots:
        shutil.copy(shot, args.out / "tour" / shot.name)
    report = json.loads(stdout.strip().splitlines()[-1])
    say(f"screen tour: {len(shots)} screenshots in {time.monotonic() - started:.0f} s, "
        f"{len(report['problems'])} layout problem(s) {report['problems'][:3]}")
    if not shots:
        fail("the screen tour wrote no screenshot")


if __name__ == "__main__":
    raise SystemExit(main())
