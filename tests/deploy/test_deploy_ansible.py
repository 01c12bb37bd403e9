"""The fleet playbook: `ansible-playbook --syntax-check`, and the per-kiosk config template
rendered by Ansible itself (connection local) for every host of the example inventory gives
a config that the kiosk's own loader accepts, with that host's values."""

from __future__ import annotations

import os
import subprocess

import pytest
from deploy_helpers import DEPLOY, REPO, require_tool

from kiosk.config import load

PLAYBOOK = DEPLOY / "ansible/playbook.yml"
INVENTORY = DEPLOY / "ansible/inventory.example.yml"
ENV = {**os.environ, "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_NOCOLOR": "1",
       "ANSIBLE_HOST_KEY_CHECKING": "0"}


def test_playbook_syntax():
    tool = require_tool("ansible-playbook", "ansible-core")
    result = subprocess.run([tool, "--syntax-check", "-i", str(INVENTORY), str(PLAYBOOK)],
                            capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_syntax_check_catches_a_broken_playbook(tmp_path):
    tool = require_tool("ansible-playbook", "ansible-core")
    broken = tmp_path / "broken.yml"
    broken.write_text(PLAYBOOK.read_text().replace("ansible.builtin.command:", "ansible.builtin.comand:", 1))
    result = subprocess.run([tool, "--syntax-check", "-i", str(INVENTORY), str(broken)],
                            capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode != 0


def test_playbook_copies_only_what_the_installer_needs():
    text = PLAYBOOK.read_text()
    assert "installer_files: [install-pi.sh, config.example.toml, README.md, systemd, pi]" in text
    for name in ("install-pi.sh", "config.example.toml", "README.md", "systemd", "pi"):
        assert (DEPLOY / name).exists(), name


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tool = require_tool("ansible", "ansible-core")
    out = tmp_path_factory.mktemp("configs")
    result = subprocess.run(
        [tool, "all", "-i", str(INVENTORY), "-c", "local", "-m", "ansible.builtin.template",
         "-a", f"src={DEPLOY}/ansible/templates/config.toml.j2 dest={out}/{{{{ inventory_hostname }}}}.toml"],
        capture_output=True, text=True, env=ENV, cwd=REPO, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_every_host_gets_a_valid_config_with_its_own_values(rendered):
    crolles = load(rendered / "crolles-mairie.toml")
    assert crolles.permanence.name == "Permanence numérique de Crolles"
    assert crolles.permanence.booking == "À l'accueil de la mairie ou par téléphone"
    assert crolles.permanence.by_appointment is True
    assert "viatrajectoire" not in crolles.permanence.categories
    assert set(crolles.permanence.hours) == {1, 3}  # tuesday, thursday
    assert crolles.coordinator.url == "https://stats.example.org"
    assert str(crolles.coordinator.token_file) == "/etc/permanence-kiosk/token"
    pontcharra = load(rendered / "pontcharra-mediatheque.toml")
    assert pontcharra.permanence.commune == "Pontcharra"
    assert pontcharra.kiosk.idle_timeout_s == 90
    assert len(pontcharra.permanence.hours[2]) == 2  # wednesday: two slots
    # The token never lands in the config file.
    assert "REPLACE-with-the-token" not in (rendered / "crolles-mairie.toml").read_text()
