"""Kiosk app benchmark: start-up, memory, tap-to-Merci latency, memory over many visits.

    xvfb-run -a -s "-screen 0 1280x1280x24" .venv/bin/python bench/app_start.py [--visits N]

Every figure is measured in this run against a bare Kivy "hello" app started the same way
(fresh process each time, same window size), and printed; nothing is asserted. Goals:
start <= 1.25x the bare app, peak RSS <= bare + 40 MiB, Merci on screen <= 2 frames after
the touch is lifted, RSS growth <= 5 MiB over 20,000 visits.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mib() -> float:
    """Resident memory of this process now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s() -> float:
    """CPU time of this process so far (user + system): unlike wall time, it hardly moves
    when other programs load the machine."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the two child programs ---------------------------------------------------------------


def child_bare() -> None:
    """A bare Kivy app: one Label; reports when its first frame is drawn."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", "800")
    Config.set("graphics", "height", "480")
    from kivy.app import App
    from kivy.uix.label import Label

    class HelloApp(App):
        def build(self):
            return Label(text="hello")

        def on_start(self):
            from kivy.core.window import Window

            Window.bind(on_flip=self.first_frame)

        def first_frame(self, window):
            window.unbind(on_flip=self.first_frame)
            report({"first_frame": time.time(), "cpu_at_first_frame": cpu_s()})
            self.stop()

    HelloApp().run()
    report({"peak_rss_mib": peak_rss_mib()})


def child_kiosk(visits: int) -> None:
    """The kiosk app: first frame, then tap-to-Merci in frames, then `visits` visits."""
    sys.path.insert(0, str(ROOT))
    from kiosk.config import parse

    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        flag = Path(tmp) / "synced"
        flag.touch()
        token = Path(tmp) / "token"
        token.write_text("bench-token-" + "0" * 32)
        token.chmod(0o600)
        # A deployed kiosk has a coordinator: its client (and requests) is part of the start.
        # Nothing listens on port 9 of loopback; its pushes just fail, off the UI thread.
        config = parse({"kiosk": {"data_dir": f"{tmp}/data", "fullscreen": False,
                                  "synced_flag": str(flag), "double_tap_guard_s": 0.0},
                        "coordinator": {"url": "http://127.0.0.1:9",
                                        "token_file": str(token)}})
        from kiosk.app import KioskApp

        app = KioskApp(config)
        import datetime as dt

        from kivy.clock import Clock
        from kivy.core.window import Window

        state = {"frames": None}

        def first_frame(window):
            window.unbind(on_flip=first_frame)
            report({"first_frame": time.time(), "cpu_at_first_frame": cpu_s(),
                    "peak_rss_at_start_mib": peak_rss_mib()})
            Clock.schedule_once(tap_once, 0.5)

        def touch(button):
            # Imported after the first frame: kivy.tests imports pytest, which is not the
            # kiosk's own start-up.
            from kivy.tests.common import UnitTestTouch

            x, y = button.to_window(*button.center)
            t = UnitTestTouch(x, y)
            t.touch_down()
            t.touch_up()

        def tap_once(_dt):
            button = app.root.get_screen("accueil").category_buttons()[0]
            state["frames"] = 0
            Window.bind(on_flip=count_frame)
            touch(button)

        def count_frame(window):
            # on_flip comes after a frame is drawn: the first frame showing Merci ends it.
            state["frames"] += 1
            if app.root.current == "merci":
                window.unbind(on_flip=count_frame)
                report({"merci_frames": state["frames"]})
                app.go_home()
                soak()

        def many_visits(_dt, batch: int = 25):
            # Simulated visits through the app's own path (double-tap guard, store, Merci
            # screen and its timers, back home), a batch per frame so that screens, labels
            # and textures are redrawn as they change.
            done = state.setdefault("done", 0)
            if done >= 1000 and "rss_after_warmup" not in state:
                state["rss_after_warmup"] = rss_mib()
            if done >= visits:
                soak.cancel()
                report({"visits": done, "rss_after_warmup_mib": state.get("rss_after_warmup"),
                        "rss_after_visits_mib": rss_mib(),
                        "counted": sum(app.store.counts(dt.date.today()).values())})
                app.stop()
                return
            ids = [c.id for c in app.categories]
            for i in range(min(batch, visits - done)):
                app.record_visit(ids[(done + i) % len(ids)])
                app.go_home()
            state["done"] = done + min(batch, visits - done)

        soak = Clock.schedule_interval(many_visits, 0)
        soak.cancel()

        Window.bind(on_flip=first_frame)
        app.run()
    report({"peak_rss_mib": peak_rss_mib()})


def report(values: dict) -> None:
    print("BENCH " + json.dumps(values), flush=True)


# --- the parent ---------------------------------------------------------------------------


def run_child(kind: str, visits: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_NO_CONSOLELOG": "1",
           "KIOSK_WINDOW_SIZE": "800x480"}
    started = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--visits", str(visits)],
                         env=env, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{out.stderr[-2000:]}")
    values: dict = {}
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            values.update(json.loads(line[6:]))
    values["start_s"] = values["first_frame"] - started
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["bare", "kiosk"])
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare()
        return 0
    if args.child == "kiosk":
        child_kiosk(args.visits)
        return 0

    # As deployed: pip byte-compiles the release at install and the service then runs with
    # PYTHONDONTWRITEBYTECODE=1. Run from a source tree with that variable set, every start
    # would compile the kiosk's own modules again while Kivy's come compiled from its wheel.
    import compileall

    for package in ("kiosk", "screens", "sync"):
        compileall.compile_dir(ROOT / package, quiet=1)
    bare_runs, kiosk_runs = [], []
    for round_ in range(args.rounds):
        bare_runs.append(run_child("bare", 0))
        # Only the last kiosk run does the long visit soak.
        kiosk_runs.append(run_child("kiosk", args.visits if round_ == args.rounds - 1 else 0))
    bare_start = statistics.median(r["start_s"] for r in bare_runs)
    kiosk_start = statistics.median(r["start_s"] for r in kiosk_runs)
    bare_cpu = statistics.median(r["cpu_at_first_frame"] for r in bare_runs)
    kiosk_cpu = statistics.median(r["cpu_at_first_frame"] for r in kiosk_runs)
    bare_peak = statistics.median(r["peak_rss_mib"] for r in bare_runs)
    kiosk_peak = statistics.median(r["peak_rss_at_start_mib"] for r in kiosk_runs)
    soak = kiosk_runs[-1]
    print(f"cold start to first frame (median of {args.rounds}): kiosk {kiosk_start:.2f} s, "
          f"bare Kivy {bare_start:.2f} s, ratio {kiosk_start / bare_start:.2f} (goal <= 1.25)")
    print(f"CPU time to first frame (median of {args.rounds}; steady on a busy machine): "
          f"kiosk {kiosk_cpu:.2f} s, bare Kivy {bare_cpu:.2f} s, ratio {kiosk_cpu / bare_cpu:.2f}")
    print(f"peak RSS at start: kiosk {kiosk_peak:.1f} MiB, bare Kivy {bare_peak:.1f} MiB, "
          f"+{kiosk_peak - bare_peak:.1f} MiB (goal <= +40)")
    print("touch-up to the first frame showing Merci: "
          f"{statistics.median(r['merci_frames'] for r in kiosk_runs):.0f} frame(s) (goal <= 2)")
    if soak.get("rss_after_warmup_mib") is not None:
        growth = soak["rss_after_visits_mib"] - soak["rss_after_warmup_mib"]
        print(f"RSS over {soak['visits']} visits (app path, counted {soak['counted']}): "
              f"{soak['rss_after_warmup_mib']:.1f} MiB after 1,000 -> "
              f"{soak['rss_after_visits_mib']:.1f} MiB, growth {growth:+.1f} MiB (goal <= 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
