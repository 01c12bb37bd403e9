"""A TinyDB storage that survives SIGKILL and power cuts: atomic, fsync'd, checksummed.

TinyDB's own `JSONStorage` rewrites the file in place (seek, write, fsync, truncate), so a
killed or powered-off writer can leave a torn file that still parses. This storage writes
every generation to a temp file in the same folder, fsyncs it, keeps the previous
generation as `<name>.prev`, renames the new one into place and fsyncs the folder.

On disk a file is one JSON object::

    {"format": 1, "checksum": "sha256:<hex of the data below>", "data": {<tinydb tables>}}

Reading falls back from `<name>` to `<name>.prev`; a writer moves an unreadable file aside
as `<name>.bad-<n>` (never deleted) and logs it. Stale temp files are removed at open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from tinydb.storages import Storage

# The interpreter's own SHA-256, the same digest as hashlib's: importing hashlib loads
# OpenSSL, 2.5 ms of the kiosk's cold start, for the one digest the store needs.
try:
    from _sha256 import sha256  # Python 3.11 (Debian 12, the kiosk's Raspberry Pi OS)
except ImportError:
    try:
        from _sha2 import sha256  # Python >= 3.12
    except ImportError:
        from hashlib import sha256

log = logging.getLogger(__name__)

FORMAT = 1
TEMP_SUFFIX = ".tmp"


class CorruptFile(ValueError):
    """A store file that cannot be trusted; str() says why in a few words."""


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def encode(data: dict) -> bytes:
    """The bytes of one generation: format, checksum of the canonical data, the data."""
    payload = _canonical(data)
    digest = sha256(payload.encode("utf-8")).hexdigest()
    return (f'{{"format":{FORMAT},"checksum":"sha256:{digest}","data":{payload}}}\n'
            .encode())


def decode(raw: bytes, validate: Callable[[dict], None] | None = None) -> dict:
    """Parse and check one generation; raise CorruptFile saying what is wrong."""
    if not raw.strip():
        raise CorruptFile("empty file")
    try:
        whole = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CorruptFile(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(whole, dict) or set(whole) != {"format", "checksum", "data"}:
        raise CorruptFile("not a store file (wrong shape)")
    if whole["format"] != FORMAT:
        raise CorruptFile(f"unknown format {whole['format']!r}")
    data = whole["data"]
    if not isinstance(data, dict) or not all(
        isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
        for table in data.values()
    ):
        raise CorruptFile("tables have the wrong shape")
    digest = sha256(_canonical(data).encode("utf-8")).hexdigest()
    if whole["checksum"] != f"sha256:{digest}":
        raise CorruptFile("checksum mismatch")
    if validate is not None:
        try:
            validate(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CorruptFile(f"invalid content ({exc})") from None
    return data


def _copy(data: dict) -> dict:
    """A copy of tables -> documents -> fields, deep enough for TinyDB's updates (fields
    hold numbers, strings, None or one flat object such as `counts`)."""
    return {name: {doc_id: {key: dict(value) if isinstance(value, dict) else value
                            for key, value in doc.items()}
                   for doc_id, doc in table.items()}
            for name, table in data.items()}


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicJSONStorage(Storage):
    """TinyDB storage: one checksummed JSON file, replaced atomically on every write.

    The writer keeps the data in memory (it holds the store's lock, so the disk never
    changes under it); `read()` hands TinyDB a deep copy. `batch()` groups several TinyDB
    operations into one durable write. With `readonly=True` every read goes to the disk
    and nothing is ever written, renamed or removed.
    """

    def __init__(self, path, *, readonly: bool = False,
                 validate: Callable[[dict], None] | None = None):
        self.path = Path(path)
        self.prev = self.path.with_name(self.path.name + ".prev")
        self.readonly = readonly
        self.validate = validate
        self.recovered: str | None = None  # why the last good copy was used, if it was
        self._data: dict | None = None
        self._batch_depth = 0
        self._dirty = False
        if not readonly:
            self._remove_stale_temps()
            self._data = self._load()

    # --- TinyDB's Storage interface ------------------------------------------------------

    def read(self) -> dict | None:
        if self.readonly:
            data = self._load()
            return data if data else None
        return _copy(self._data) if self._data else None

    def write(self, data: dict) -> None:
        if self.readonly:
            raise PermissionError(f"{self.path} is open read-only")
        # TinyDB hands over the tables it got from read() (a copy) and keeps no reference.
        self._data = data
        if self._batch_depth:
            self._dirty = True
        else:
            self._flush()

    def close(self) -> None:
        self._data = None

    # --- batches -------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self):
        """Group writes: one durable write at the end; on an exception nothing changes."""
        if self.readonly:
            yield
            return
        before = self._data
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._data = before
            self._dirty = False
            raise
        finally:
            self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self._dirty = False
            try:
                self._flush()
            except BaseException:
                self._data = before
                raise

    @property
    def data(self) -> dict:
        """The writer's current tables (do not mutate)."""
        return self._data or {}

    # --- disk ----------------------------------------------------------------------------

    def _flush(self) -> None:
        directory = self.path.parent
        tmp = write_temp(self.path, encode(self._data or {}), 0o644)
        # Keep the previous generation: if the new file is ever found bad, it is used.
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.path, self.prev)
        os.replace(tmp, self.path)
        fsync_dir(directory)

    def _read_file(self, path: Path) -> dict | None:
        """The data of one file; None when it does not exist; CorruptFile when bad."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise CorruptFile("is a directory") from None
        return decode(raw, self.validate)

    def _load(self) -> dict:
        """The newest good generation ({} when there is none)."""
        self.recovered = None
        for path in (self.path, self.prev):
            try:
                data = self._read_file(path)
            except CorruptFile as exc:
                self._set_aside(path, str(exc))
                continue
            except OSError as exc:
                self._set_aside(path, exc.strerror or str(exc))
                continue
            if data is None:
                if path == self.path and self.prev.exists():
                    # Killed between the two renames: the previous generation is current.
                    self.recovered = "file missing, previous generation used"
                continue
            if path == self.prev and self.recovered is None:
                self.recovered = "previous generation used"
            return data
        return {}

    def _set_aside(self, path: Path, why: str) -> None:
        self.recovered = f"{path.name}: {why}"
        if self.readonly:
            log.warning("store file %s is unreadable (%s); using the previous copy", path, why)
            return
        for n in range(1, 10_000):
            target = path.with_name(f"{path.name}.bad-{n}")
            if not target.exists():
                break
        os.replace(path, target)
        fsync_dir(path.parent)
        log.error("store file %s was unreadable (%s); moved aside to %s", path, why, target.name)

    def _remove_stale_temps(self) -> None:
        prefix = f".{self.path.name}."
        for entry in self.path.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                    log.info("removed stale temp file %s", entry.name)


#: Created afresh, never through a link: a crafted USB stick cannot plant a symlink at the
#: temp name (unpredictable anyway) and have the write land on another file.
_TEMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
               | getattr(os, "O_CLOEXEC", 0))


def _open_temp(path: Path, mode: int) -> tuple[Path, int]:
    """A new file beside `path` with a random name (like mkstemp), opened for writing."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.urandom(8).hex()}{TEMP_SUFFIX}")
        try:
            return tmp, os.open(tmp, _TEMP_FLAGS, mode)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp file name beside {path}")


def write_temp(path: Path, raw: bytes, mode: int) -> Path:
    """Write `raw` to a new temp file beside `path` and fsync it; the caller renames it."""
    tmp, fd = _open_temp(path, mode)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()  # e.g. disk full: leave no half-written temp behind
        raise
    os.close(fd)
    return tmp


def write_atomic(path, raw: bytes, mode: int = 0o644) -> Path:
    """Replace `path` with `raw` all at once (temp file, fsync, rename, fsync of the folder).

    A symlink at `path` is replaced, never followed: rename acts on the link itself."""
    path = Path(path)
    os.replace(write_temp(path, raw, mode), path)
    fsync_dir(path.parent)
    return path
