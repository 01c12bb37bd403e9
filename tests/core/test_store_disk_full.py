"""A full disk: the tap is refused with a clear error, nothing half-written, nothing lost."""

import contextlib

import pytest
from core_helpers import DAY, small_tmpfs

from kiosk.store import Store, StoreError


@pytest.fixture
def small_disk(tmp_path):
    with small_tmpfs(tmp_path / "small", "256k") as mnt:
        if mnt is None:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        yield mnt


def fill(path):
    with contextlib.suppress(OSError), open(path, "wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)


def test_full_disk_refuses_the_tap_and_loses_nothing(small_disk, fake_time):
    data_dir = small_disk / "data"
    store = Store(data_dir, clock=fake_time.clock())
    store.record("autre")
    store.record("autre")
    fill(small_disk / "filler")
    with pytest.raises(StoreError, match="could not write the store"):
        store.record("autre")
    assert store.counts(DAY)["autre"] == 2  # memory was rolled back with the disk
    assert not list(data_dir.glob(".*.tmp"))
    with Store(data_dir, readonly=True, clock=fake_time.clock()) as reader:
        assert reader.counts(DAY)["autre"] == 2
    (small_disk / "filler").unlink()
    store.record("autre")
    store.close()
    with Store(data_dir, clock=fake_time.clock()) as again:
        assert again.counts(DAY)["autre"] == 3
        assert again.days(DAY, DAY)[0].revision == 3
