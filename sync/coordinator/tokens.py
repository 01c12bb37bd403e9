"""The old name of `sync.coordinator.kiosks`, kept for the benchmarks and tools that import it."""

from sync.coordinator.kiosks import (  # noqa: F401
    Kiosk,
    KioskError,
    add_kiosk,
    hash_token,
    kiosk_for_token,
    new_token,
    revoke_kiosk,
)
