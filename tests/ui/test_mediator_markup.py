"""A server's error detail reaches the mediator view as plain text, never as Kivy markup
(issue 13, item 11): a hostile or broken coordinator on 127.0.0.1 answers 422 with a
detail full of markup tags, and the sync line shows those tags character for character.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ui_helpers import (
    make_config,
    open_mediator_view,
    run_app,
    store_with_days,
    tap_in_view,
    wait_until,
)

pytestmark = pytest.mark.ui
TODAY = dt.date(2026, 11, 10)  # a fixed past Tuesday, whatever the machine's date
DETAIL = "[color=ff0000][size=200]x"


class Refuses(BaseHTTPRequestHandler):
    """Refuses every push with a detail made of markup tags."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"detail": DETAIL}).encode()
        self.send_response(422)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # the test's output stays quiet
        pass


@pytest.fixture
def hostile_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def rendered_words(label) -> list:
    """The words the label's markup renderer laid out (text and options of each)."""
    label.texture_update()
    return [word for line in label._label._cached_lines for word in line.words]


def test_server_detail_is_shown_verbatim(tmp_path, hostile_server):
    token = tmp_path / "token"
    token.write_text("k" * 43 + "\n")
    token.chmod(0o600)
    config = make_config(tmp_path)
    config = dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url=hostile_server, token_file=token, timeout_s=5))
    store = store_with_days(config, {TODAY: ["autre"]}, TODAY)

    def script(app):
        mediator = yield from open_mediator_view(app)
        yield from tap_in_view(mediator, mediator.ids.send_now)
        yield from wait_until(lambda: DETAIL in mediator.sync_text, timeout_s=30)
        yield 0.2
        labels = [w for w in mediator.walk()
                  if getattr(w, "markup", False) and "Dernier problème" in w.text]
        assert len(labels) == 1, "the sync line is the one markup label naming the problem"
        words = rendered_words(labels[0])
        shown = "".join(word.text for word in words)
        assert DETAIL in shown  # the tags are drawn as text
        assert all(word.options.get("color") != [1, 0, 0, 1] for word in words)
        assert max(word.options["font_size"] for word in words) < 200

    run_app(config, script, store=store)

