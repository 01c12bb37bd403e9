"""The quick parts of the emulated Pi (the full run is deploy/pi/emulate.sh, in .ci/run):
the host's package access settings carried into a root for one command only, never a local
file:// index nor anything hard-coded; bad arguments get one line."""

from __future__ import annotations

import os
import subprocess

from deploy_helpers import DEPLOY

LIB = DEPLOY / "pi/chroot-lib.sh"


def bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source {LIB}; {script}"],
                          capture_output=True, text=True, timeout=60, env=env)


def test_proxy_and_index_settings_are_carried_but_not_local_indexes():
    env = {"PATH": os.environ["PATH"], "https_proxy": "http://proxy.internal:3128",
           "PIP_INDEX_URL": "https://mirror.internal/simple",
           "PIP_EXTRA_INDEX_URL": "file:///opt/pypi/simple", "PIP_FIND_LINKS": "/opt/wheels"}
    result = bash("chroot_host_env", env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "https_proxy=http://proxy.internal:3128" in lines
    assert "PIP_INDEX_URL=https://mirror.internal/simple" in lines
    assert not [line for line in lines if "file://" in line or "FIND_LINKS" in line]


def test_nothing_is_carried_from_a_host_without_settings():
    result = bash("chroot_host_env", {"PATH": os.environ["PATH"]})
    assert result.returncode == 0 and result.stdout == ""


def test_the_hosts_ca_bundle_goes_to_the_roots_run_only(tmp_path):
    bundle = tmp_path / "host-ca.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nproxy authority\n-----END CERTIFICATE-----\n")
    root = tmp_path / "root"
    (root / "run").mkdir(parents=True)
    result = bash(f"chroot_host_access {root}", {"PATH": os.environ["PATH"], "SSL_CERT_FILE": str(bundle)})
    assert result.returncode == 0, result.stderr
    assert (root / "run/host-access/ca.crt").read_text() == bundle.read_text()
    lines = result.stdout.splitlines()
    for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        assert f"{name}=/run/host-access/ca.crt" in lines
    assert "APT_CONFIG=/run/host-access/apt.conf" in lines
    # Only /run (a tmpfs while the root is entered) was written: nothing lands in the image.
    assert sorted(p.relative_to(root).parts[0] for p in root.rglob("*")) == ["run"] * len(list(root.rglob("*")))


def test_emulate_bad_arguments_get_one_line():
    result = subprocess.run(["bash", str(DEPLOY / "pi/emulate.sh"), "--bogus"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.startswith("emulate: error: ") and result.stderr.count("\n") == 1
