"""The password check runs off the event loop, a few at a time: /healthz answers during it.

A real uvicorn server in this process (so the check can be held on an event, not timed):
while one login's check is held, /healthz must still answer; with many held, only
`ARGON2_CONCURRENCY` run at once and the rest wait without holding a thread.
"""

from __future__ import annotations

import threading

import pytest
import requests
import uvicorn
from dashboard_helpers import CSRF
from polling import poll_until

from sync.coordinator import users
from sync.coordinator.web import login as login_router


class HeldCheck:
    """Stands in for users.verify_user: counts checks running and holds them until released."""

    def __init__(self):
        self.release = threading.Event()
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, engine, login, password):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            assert self.release.wait(60), "the test never released the check"
            return None
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def server(app):
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            proxy_headers=True)
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    poll_until(lambda: served.started, what="the server to start", interval_s=0.01)
    port = served.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(30)


@pytest.fixture
def held(monkeypatch):
    check = HeldCheck()
    monkeypatch.setattr(users, "verify_user", check)
    yield check
    check.release.set()


def failed_login(url: str, n: int, codes: list[int]) -> None:
    with requests.Session() as http:
        headers = {"X-Forwarded-For": f"10.1.0.{n + 1}"}  # its own address: not throttled
        csrf = CSRF.search(http.get(url + "/connexion", headers=headers, timeout=30).text)[1]
        codes.append(http.post(url + "/connexion", headers=headers, timeout=90,
                               data={"csrf": csrf, "login": f"nobody{n}", "password": "x" * 12},
                               allow_redirects=False).status_code)


def test_healthz_answers_while_a_password_is_being_checked(server, held):
    codes: list[int] = []
    attempt = threading.Thread(target=failed_login, args=(server, 0, codes))
    attempt.start()
    poll_until(lambda: held.running == 1, what="the password check to start", interval_s=0.01)
    assert requests.get(server + "/healthz", timeout=10).status_code == 200
    assert held.running == 1  # still checking: /healthz did not wait for it
    held.release.set()
    attempt.join(60)
    assert codes == [401]


def test_only_a_few_checks_run_at_once_and_the_others_wait(app, server, held):
    codes: list[int] = []
    attempts = [threading.Thread(target=failed_login, args=(server, n, codes))
                for n in range(8)]
    for attempt in attempts:
        attempt.start()
    cap = login_router.ARGON2_CONCURRENCY
    limiter = login_router.check_limiter(app)
    poll_until(lambda: held.running == cap and limiter.statistics().tasks_waiting == 8 - cap,
               what="the checks to queue behind the cap", interval_s=0.01)
    assert requests.get(server + "/healthz", timeout=10).status_code == 200
    held.release.set()
    for attempt in attempts:
        attempt.join(60)
    assert held.most == cap
    assert codes == [401] * 8

