"""A TCP proxy for the soak simulation: forwards one HTTP request per connection, or cuts it.

`plan` lists what to do with the next requests, in order; once it is used up every request
is forwarded. Actions: "forward"; "cut_before" (close without forwarding: the server never
sees the push); "cut_after" (forward, let the server commit and answer, close without
passing the answer on); "kill_before" / "kill_after" (the same, calling `victim()` first:
the simulation SIGKILLs the kiosk process that is pushing).
"""

from __future__ import annotations

import socket
import threading

from sync_helpers import _read_http


class CutProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.plan: list[str] = []
        self.victim = None
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            request = _read_http(client)
            if request is None:
                return
            with self._lock:
                action = self.plan.pop(0) if self.plan else "forward"
                self.seen.append(action)
            if action.endswith("_before"):
                if action == "kill_before" and self.victim:
                    self.victim()
                return
            try:
                with socket.create_connection(("127.0.0.1", self.upstream_port), 30) as up:
                    up.sendall(request)
                    answer = _read_http(up)
            except OSError:
                return  # the coordinator is down: the kiosk sees the connection close
            if action == "kill_after" and self.victim:
                self.victim()
            if action == "forward" and answer is not None:
                head, body = answer.split(b"\r\n\r\n", 1)
                lines = [h for h in head.split(b"\r\n")
                         if not h.lower().startswith(b"connection:")]
                client.sendall(b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body)
