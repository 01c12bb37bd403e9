"""Does a burst of failed dashboard logins stall the coordinator? /healthz latency during them.

    .venv/bin/python bench/login_healthz.py [--logins 20]

Starts `kiosk-coordinator serve` on a temporary SQLite file, measures /healthz alone
(the baseline, same run), then again while N failed logins (wrong passwords, each from its
own X-Forwarded-For address and login name so the login throttle lets every one reach the
argon2 check) run in parallel. Prints p50 and max of both; nothing is asserted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from servers import free_port, start

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def healthz_times(url: str, stop: threading.Event, out: list[float]) -> None:
    with requests.Session() as http:
        while not stop.is_set():
            began = time.perf_counter()
            http.get(url + "/healthz", timeout=60).raise_for_status()
            out.append(time.perf_counter() - began)
            time.sleep(0.02)


def failed_login(url: str, n: int, go: threading.Barrier) -> int:
    with requests.Session() as http:
        headers = {"X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"}
        page = http.get(url + "/connexion", headers=headers, timeout=60)
        csrf = CSRF.search(page.text).group(1)
        go.wait()
        answer = http.post(url + "/connexion", headers=headers, timeout=120,
                           data={"csrf": csrf, "login": f"nobody{n}", "password": "wrong " * 3},
                           allow_redirects=False)
        return answer.status_code


def measure(url: str, logins: int) -> tuple[list[float], list[float], list[int]]:
    stop, alone = threading.Event(), []
    poller = threading.Thread(target=healthz_times, args=(url, stop, alone))
    poller.start()
    time.sleep(1.0)
    stop.set()
    poller.join()
    stop, during, codes = threading.Event(), [], []
    go = threading.Barrier(logins + 1)
    workers = [threading.Thread(target=lambda n=n: codes.append(failed_login(url, n, go)))
               for n in range(logins)]
    for worker in workers:
        worker.start()
    go.wait()
    poller = threading.Thread(target=healthz_times, args=(url, stop, during))
    poller.start()
    for worker in workers:
        worker.join()
    stop.set()
    poller.join()
    return alone, during, codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start([sys.executable, "-m", "sync.coordinator.cli", "serve", "--db",
                        f"sqlite:///{tmp}/coordinator.db", "--port", str(port)], port,
                       Path(tmp) / "serve.log")
        try:
            alone, during, codes = measure(f"http://127.0.0.1:{port}", args.logins)
        finally:
            server.terminate()
            server.wait(10)
    ms = 1000
    print(f"/healthz alone: p50 {statistics.median(alone) * ms:.1f} ms, "
          f"max {max(alone) * ms:.1f} ms ({len(alone)} requests)")
    print(f"/healthz during {args.logins} parallel failed logins: "
          f"p50 {statistics.median(during) * ms:.1f} ms, max {max(during) * ms:.1f} ms "
          f"({len(during)} requests)")
    print(f"login answers: {sorted(codes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
