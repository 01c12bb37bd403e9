"""The reverse-proxy examples are valid for the real tools: `caddy validate` and `nginx -t`
(with a throw-away certificate in place of Let's Encrypt's), and both forward to the
coordinator on the loopback interface only."""

from __future__ import annotations

import json
import subprocess

from deploy_helpers import DEPLOY, require_tool

CADDYFILE = DEPLOY / "coordinator/Caddyfile"
NGINX_CONF = DEPLOY / "coordinator/nginx.conf"


def caddy(*args: str) -> subprocess.CompletedProcess:
    tool = require_tool("caddy", "caddy")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)


def test_caddyfile_is_valid():
    result = caddy("validate", "--adapter", "caddyfile", "--config", str(CADDYFILE))
    assert result.returncode == 0, result.stderr


def test_caddy_forwards_to_the_loopback_coordinator():
    result = caddy("adapt", "--adapter", "caddyfile", "--config", str(CADDYFILE))
    assert result.returncode == 0, result.stderr
    text = json.dumps(json.loads(result.stdout))
    assert '"dial": "127.0.0.1:8080"' in text
    assert '"max_size": 2000000' in text
    assert "stats.example.org" in text


def test_caddy_validate_catches_a_broken_file(tmp_path):
    broken = tmp_path / "Caddyfile"
    broken.write_text(CADDYFILE.read_text().replace("reverse_proxy 127.0.0.1:8080", "reverse_proxy {"))
    assert caddy("validate", "--adapter", "caddyfile", "--config", str(broken)).returncode != 0


def nginx_test(tmp_path, conf_text: str) -> subprocess.CompletedProcess:
    nginx = require_tool("nginx", "nginx-light")
    openssl = require_tool("openssl", "openssl")
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=stats.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    site = tmp_path / "site.conf"
    site.write_text(conf_text
                    .replace("/etc/letsencrypt/live/stats.example.org/fullchain.pem", str(cert))
                    .replace("/etc/letsencrypt/live/stats.example.org/privkey.pem", str(key)))
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
                    f"http {{\n  access_log off;\n  include {site};\n}}\n")
    return subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main)],
                          capture_output=True, text=True, timeout=60)


def test_nginx_site_is_valid(tmp_path):
    result = nginx_test(tmp_path, NGINX_CONF.read_text())
    assert result.returncode == 0, result.stderr
    assert "proxy_pass http://127.0.0.1:8080;" in NGINX_CONF.read_text()


def test_nginx_test_catches_a_broken_site(tmp_path):
    broken = NGINX_CONF.read_text().replace("proxy_pass http://127.0.0.1:8080;", "proxy_pass;")
    assert nginx_test(tmp_path, broken).returncode != 0
