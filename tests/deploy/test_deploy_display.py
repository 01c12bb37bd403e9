"""The display settings written by install-pi.sh reach the real app: on a 720x1280 portrait
panel (Touch Display 2, emulated by an Xvfb screen of that size) the app, started with the
kiosk unit's environment plus the installer's display drop-in, draws full screen in
landscape; on the 800x480 display it keeps the panel's orientation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_helpers import DEPLOY, REPO, start_xvfb, unit_environment

PROBE = Path(__file__).with_name("window_probe.py")

pytestmark = [pytest.mark.ui,
              pytest.mark.skipif(os.geteuid() != 0, reason="the installer chowns files: run as root")]


def installed_environment(tmp_path: Path, *install_args: str) -> dict[str, str]:
    tree = tmp_path / "pi"
    tree.mkdir()
    subprocess.run(["bash", str(DEPLOY / "install-pi.sh"), "--root", str(tree), "--files-only", "--user", "nobody",
                    *install_args], check=True, capture_output=True, timeout=120)
    unit = tree / "etc/systemd/system/permanence-kiosk.service"
    dropin = tree / "etc/systemd/system/permanence-kiosk.service.d/display.conf"
    return {**unit_environment(unit.read_text()), **unit_environment(dropin.read_text())}


def probe(tmp_path: Path, screen: str, env_from_unit: dict[str, str]) -> dict:
    config = tmp_path / "config.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\nfullscreen = true\n'
                      '[coordinator]\nurl = ""\ntoken_file = ""\n')
    server, display = start_xvfb(screen)
    try:
        env = {**os.environ, **env_from_unit, "DISPLAY": display, "KIVY_HOME": str(tmp_path / "kivy")}
        env.pop("SDL_VIDEODRIVER")  # KMSDRM needs the Pi's DRM device: X stands in for it
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "KIOSK_WINDOW_SIZE"):
            env.pop(name, None)
        result = subprocess.run([sys.executable, str(PROBE), str(config)], env=env, cwd=REPO,
                                capture_output=True, text=True, timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_touch_display_2_is_turned_to_landscape(tmp_path):
    env = installed_environment(tmp_path, "--display", "720x1280")
    window = probe(tmp_path, "720x1280x24", env)
    assert window["rotation"] == 90
    assert window["system_size"] == [720, 1280]  # the panel
    assert window["size"] == [1280, 720]  # what the screens lay out on
    assert window["home"] == "accueil"


def test_seven_inch_display_keeps_its_orientation(tmp_path):
    env = installed_environment(tmp_path, "--display", "800x480")
    window = probe(tmp_path, "800x480x24", env)
    assert window["rotation"] == 0
    assert window["size"] == window["system_size"] == [800, 480]
