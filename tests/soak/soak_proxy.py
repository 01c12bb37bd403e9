"""The sync tests' `FaultProxy`, plus cuts before the server sees the push.

Script actions added here: "cut_before" (read the request, close without forwarding: the
server never sees it) and "kill_before" (the same, calling `victim()` first: the simulation
SIGKILLs the kiosk process that is pushing). Cuts after the server's commit are
`FaultProxy`'s own "drop" and callables.
"""

from __future__ import annotations

from sync_helpers import FaultProxy, _read_http

BEFORE = ("cut_before", "kill_before")


class CutProxy(FaultProxy):
    victim = None

    def __init__(self, upstream_port: int):
        super().__init__(upstream_port)

    def _serve(self, client) -> None:
        with self._lock:
            action = self.script[0] if self.script else None
            if action in BEFORE:
                self.script.pop(0)
        if action not in BEFORE:
            super()._serve(client)
            return
        with client:
            if _read_http(client) is not None and action == "kill_before" and self.victim:
                self.victim()
