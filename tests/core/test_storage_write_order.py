"""The order of system calls that makes a write atomic and durable. A power cut cannot be
made here, so the real calls are observed (and still made) in the order they happen."""

import os
import stat

from core_helpers import DAY

from kiosk import storage


def test_a_tap_is_temp_write_fsync_rename_fsync_dir(store, monkeypatch):
    store.record("autre")  # the first write of the day is done; now watch one tap
    calls = []
    real = {name: getattr(os, name) for name in ("open", "write", "fsync", "replace")}

    def spy(name):
        def call(*args, **kwargs):
            result = real[name](*args, **kwargs)
            if name == "open":
                calls.append(("open", os.path.basename(args[0]), result))
            elif name == "fsync":
                kind = "dir" if stat.S_ISDIR(os.fstat(args[0]).st_mode) else "file"
                calls.append(("fsync", kind, args[0]))
            elif name == "replace":
                calls.append(("replace", os.path.basename(args[0]),
                              os.path.basename(args[1])))
            else:
                calls.append(("write", args[0]))
            return result
        return call

    for name in real:
        monkeypatch.setattr(storage.os, name, spy(name))
    store.record("autre")
    monkeypatch.undo()
    kinds = [c[0] for c in calls]
    assert kinds == ["open", "write", "fsync", "replace", "replace", "open", "fsync"], calls
    tmp_name, tmp_fd = calls[0][1], calls[0][2]
    assert tmp_name.startswith(".current.json.") and tmp_name.endswith(".tmp")
    assert calls[1] == ("write", tmp_fd) and calls[2] == ("fsync", "file", tmp_fd)
    assert calls[3][1:] == ("current.json", "current.json.prev")
    assert calls[4][1:] == (tmp_name, "current.json")
    assert calls[6][1] == "dir"
    assert store.counts(DAY)["autre"] == 2
