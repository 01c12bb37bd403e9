"""The administrator's walk-through of deploy/README.md, end to end on 127.0.0.1:

the coordinator started with the command line and environment of its systemd unit, the
first dashboard account and the first kiosk made with the README's commands, the printed
token given to install-pi.sh (into a --root tree), then a tap on that kiosk pushed with
`kiosk sync` and found in the coordinator's quarterly report.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from deploy_helpers import DEPLOY, REPO
from polling import poll_until

from kiosk.config import load
from kiosk.periods import quarter_of
from kiosk.store import Store

VENV_BIN = REPO / ".venv/bin"
UNIT = DEPLOY / "systemd/kiosk-coordinator.service"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the installer chowns files: run as root")


def unit_command_and_env(db_url: str, port: int, data: Path) -> tuple[list[str], dict[str, str]]:
    """ExecStart= of the unit with its Environment=, pointed at this test's venv, db and port."""
    env, command = {}, None
    for line in UNIT.read_text().splitlines():
        if line.startswith("Environment="):
            key, value = line.removeprefix("Environment=").split("=", 1)
            env[key] = value
        elif line.startswith("ExecStart="):
            command = line.removeprefix("ExecStart=")
    env.update(KIOSK_COORDINATOR_DB=db_url, KIOSK_COORDINATOR_DATA=str(data))
    for key, value in env.items():
        command = command.replace("${" + key + "}", value)
    argv = shlex.split(command)
    assert argv[0] == "/opt/kiosk-coordinator/venv/bin/kiosk-coordinator"
    argv[0] = str(VENV_BIN / "kiosk-coordinator")
    assert argv[argv.index("--port") + 1] == "8080"
    argv[argv.index("--port") + 1] = str(port)
    return argv, env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen) -> None:
    def healthy() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"the coordinator exited: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    poll_until(healthy, what="the coordinator to answer /healthz", interval_s=0.2)


@pytest.fixture
def coordinator(tmp_path):
    data = tmp_path / "coordinator"
    data.mkdir()
    port = free_port()
    argv, env = unit_command_and_env(f"sqlite:///{data}/coordinator.db", port, data)
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc)
    yield url, env
    proc.terminate()
    proc.wait(timeout=30)


def coordinator_cli(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The README's $CO: the CLI with the service's KIOSK_COORDINATOR_DATA, no --db."""
    cli_env = {**os.environ, "KIOSK_COORDINATOR_DATA": env["KIOSK_COORDINATOR_DATA"]}
    result = subprocess.run([str(VENV_BIN / "kiosk-coordinator"), *args], input=stdin,
                            capture_output=True, text=True, env=cli_env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def test_first_user_first_kiosk_install_and_a_counted_visit(coordinator, tmp_path):
    url, env = coordinator
    assert "created" in coordinator_cli(env, "add-user", "marie.dupont", stdin="correct horse battery\n").stdout
    added = coordinator_cli(env, "add-kiosk", "--name", "crolles-mairie", "--commune", "Crolles")
    token = added.stdout.strip().splitlines()[-1]
    (tmp_path / "token.txt").write_text(token + "\n")

    tree = tmp_path / "pi"
    tree.mkdir()
    flag = tmp_path / "synchronized"  # what systemd-timesyncd creates once synchronised
    flag.touch()
    config = tmp_path / "crolles.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{tree}/var/lib/permanence-kiosk"\nsynced_flag = "{flag}"\n'
        f'[coordinator]\nurl = "{url}"\ntoken_file = "{tree}/etc/permanence-kiosk/token"\n'
        '[permanence]\nname = "Permanence numérique de Crolles"\ncommune = "Crolles"\n')
    install = subprocess.run(
        ["bash", str(DEPLOY / "install-pi.sh"), "--root", str(tree), "--files-only", "--user", "nobody",
         "--token", str(tmp_path / "token.txt"), "--config", str(config)],
        capture_output=True, text=True, timeout=120)
    assert install.returncode == 0, install.stderr
    installed = tree / "etc/permanence-kiosk/config.toml"
    assert (tree / "etc/permanence-kiosk/token").read_text().strip() == token

    with Store.for_config(load(installed)) as store:
        tapped = store.record("imprimante_scan").day  # the quarter to ask for, at any hour
        store.record("imprimante_scan")
        store.record("service_public")
    sync = subprocess.run([str(VENV_BIN / "kiosk"), "sync", "--config", str(installed)],
                          capture_output=True, text=True, timeout=120)
    assert sync.returncode == 0, sync.stdout + sync.stderr

    quarter = quarter_of(tapped)
    report = json.loads(coordinator_cli(env, "report", "--quarter", quarter, "--format", "json").stdout)
    counted = {(r["commune"], r["category"]): r["count"] for r in report["rows"] if r["count"]}
    assert counted == {("Crolles", "imprimante_scan"): 2, ("Crolles", "service_public"): 1}
    assert report["total"] == 3


def test_the_unit_serves_on_loopback_only(coordinator):
    url, _env = coordinator
    port = int(url.rsplit(":", 1)[1])
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    outside = [a for a in addresses if "." in a and not a.startswith("127.")]
    if not outside:
        pytest.skip("this machine has no address but loopback: nothing to connect from outside")
    for address in outside:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(3)
            s.connect((address, port))
