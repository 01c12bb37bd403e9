"""The coordinator URL must be https (the kiosk token travels in its Authorization header),
except on the loopback interface, where the tests and a local proxy run."""

import subprocess
import sys

import pytest

from kiosk import config
from kiosk.config import ConfigError


def parse_url(url: str) -> config.Config:
    return config.parse({"kiosk": {"data_dir": "/tmp/k"},
                         "coordinator": {"url": url, "token_file": "/tmp/k/token"}})


@pytest.mark.parametrize("url", ["http://stats.example.org", "HTTP://stats.example.org/api",
                                 "http://192.168.1.10:8080", "http://[2001:db8::1]/",
                                 "http://localhost.example.org", "http://127.0.0.1.nip.io"])
def test_plain_http_to_another_host_is_refused(url):
    with pytest.raises(ConfigError) as caught:
        parse_url(url)
    message = str(caught.value)
    assert "coordinator.url" in message and "https://" in message
    assert "\n" not in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.3.4.5", "http://[::1]:9000/",
                                 "http://localhost:8080", "http://LOCALHOST",
                                 "https://stats.example.org", "https://192.168.1.10:8443"])
def test_https_anywhere_and_http_on_loopback_are_accepted(url):
    assert parse_url(url).coordinator.url == url


def test_the_cli_says_it_in_one_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[kiosk]\ndata_dir = "{tmp_path}/data"\n[coordinator]\n'
                    'url = "http://stats.example.org"\ntoken_file = "token"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kiosk", "tally", "--config", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "coordinator.url" in lines[0] and "https" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
