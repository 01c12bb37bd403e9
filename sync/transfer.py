"""Offline transfer: the unsent days as a compact, authenticated payload (QR code or file).

A kiosk that never reaches the network hands its days to the coordinator through a phone
(QR codes whose text is `{url}/t/<payload>`) or a file (`kiosk-coordinator import`). The
payload carries only what a push carries (install id, catalogue version, clock flag, and
each day's date, revision, counts, workshops and exit answers), so the coordinator files it with the push's
revision rule: a transfer, its replay and a later online push count once.

Authentication: `transfer_key = HMAC-SHA256(token, CONTEXT)`, known to this kiosk and to
the coordinator (which derives it when it sees the token). The payload names the key by a
public id (first 8 bytes of sha256(key)) and ends with HMAC-SHA256(key, body) cut to 16
bytes. The token itself never leaves the kiosk; the key opens nothing but transfers.

Binary layout (integers are unsigned LEB128 varints unless sized):
    version u8 | key_id 8 | install_id 16 | flags u8 (bit 0: clock trusted)
    | part u8 | parts u8 | catalogue_version: len u8 + ASCII | n_days varint
    | per day: (days since previous day, the first since FIRST_DAY) varint,
               revision varint, category bitmask u8 (CATEGORY_IDS order), one varint per bit
               [version 2 only: extras u8 (bit 0 workshops, bit 1 exit answers), then
                if bit 0: theme bitmask u8 (CATEGORY_IDS order), per bit sessions varint
                          and participants varint;
                if bit 1: answer bitmask u8 (EXIT_ANSWERS order), one varint per bit]
    | mac 16
Then base64url without padding, so it sits in a URL path and in a byte-mode QR code.

A payload is written as version 1 (byte for byte as before) when none of its days has
workshops or exit answers, else as version 2, which costs one byte per day more and about
three per theme or answer present. Both versions are read, so a kiosk not yet updated
(version 1 only) still transfers to an updated coordinator.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from kiosk.catalogue import CATEGORY_IDS
from kiosk.extras import EXIT_ANSWERS
from sync.protocol import FIRST_DAY, MAX_DAYS, CountsPush, DayCounts, day_body

FORMAT_VERSION = 1
#: The version of a payload holding workshops or exit answers; readers accept both.
EXTRAS_VERSION = 2
VERSIONS = (FORMAT_VERSION, EXTRAS_VERSION)
CONTEXT = b"permanence-kiosk transfer v1"
KEY_ID_BYTES = 8
MAC_BYTES = 16  # 128 bits: HMAC truncation to half the hash length (RFC 2104 section 5)
URL_SEGMENT = "t"
#: A file starts with this line; the payloads follow, one per line.
#: QR codes: version 15 (77x77 modules) at error correction M. On the 7" 800x480 screen
#: a module is 3.5 px, 0.7 mm: phone cameras read that from 10-15 cm. Level M
#: (15 % restorable) is enough for a lit screen that cannot be torn or stained, and leaves
#: room for about 30 days a code; L would pack 20 % more but forgive less glare, Q and H
#: would double the number of codes for a quarter.
QR_VERSION_MAX = 15
QR_CAPACITY = 412  # bytes in byte mode at version 15, level M (ISO/IEC 18004 table 7)
FILE_HEADER = "# permanence-kiosk transfer v1 (kiosk-coordinator import FILE)"
_MAX_PAYLOAD_CHARS = 20000  # a file line of MAX_DAYS days is about 6 000 characters

assert len(CATEGORY_IDS) <= 8, "the category bitmask is one byte"


class TransferError(ValueError):
    """A payload that cannot be read or whose signature does not match; str() is one line."""


@dataclass(frozen=True)
class Day:
    """One day as signed; `Payload.to_push` validates it as a push's day."""

    day: dt.date
    revision: int
    counts: dict[str, int]
    workshops: dict[str, dict[str, int]] = field(default_factory=dict)
    exits: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Payload:
    """One authenticated code or file line, as read back (the signature already checked
    when it came from `open_payload`)."""

    key_id: str
    install_id: str
    clock_trusted: bool
    part: int
    parts: int
    catalogue_version: str
    days: tuple[Day, ...]

    def to_push(self, sent_at: dt.datetime | None = None) -> CountsPush:
        """The push this payload stands for, validated as a push is (future days refused)."""
        sent_at = sent_at or dt.datetime.now(dt.UTC)
        return CountsPush.model_validate({
            "install_id": self.install_id, "sent_at": sent_at.isoformat(),
            "clock_trusted": self.clock_trusted, "catalogue_version": self.catalogue_version,
            "days": [day_body(d) for d in self.days]})


@dataclass(frozen=True)
class Source:
    """Who signs a transfer and what its header says."""

    key: bytes
    install_id: str
    clock_trusted: bool
    catalogue_version: str


# --- keys --------------------------------------------------------------------------------


def derive_key(token: str) -> bytes:
    """The transfer key of the kiosk holding `token` (same on both ends)."""
    return hmac.new(token.encode("utf-8"), CONTEXT, hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """The public name of a transfer key: 16 hex digits, safe to print and to store."""
    return hashlib.sha256(key).hexdigest()[: 2 * KEY_ID_BYTES]


# --- varints -----------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("a varint cannot be negative")
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise TransferError("the transfer is cut short")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 35:
                raise TransferError("the transfer holds a number too large")


# --- packing -----------------------------------------------------------------------------


def _header(source: Source, part: int, parts: int, version: int = FORMAT_VERSION) -> bytes:
    version_bytes = source.catalogue_version.encode("ascii")
    if not 1 <= len(version_bytes) <= 20:
        raise ValueError("the catalogue version must be 1 to 20 ASCII characters")
    return (bytes([version]) + bytes.fromhex(key_id(source.key))
            + uuid.UUID(source.install_id).bytes
            + bytes([1 if source.clock_trusted else 0, part, parts])
            + bytes([len(version_bytes)]) + version_bytes)


def _has_extras(day) -> bool:
    return bool(getattr(day, "workshops", None) or getattr(day, "exits", None))


def _extras_bytes(day) -> bytes:
    """Version 2's tail of a day: its workshops and exit answers (module docstring)."""
    workshops = getattr(day, "workshops", None) or {}
    exits = {a: n for a, n in (getattr(day, "exits", None) or {}).items() if n}
    out = bytes([(1 if workshops else 0) | (2 if exits else 0)])
    if workshops:
        mask, numbers = 0, b""
        for bit, theme in enumerate(CATEGORY_IDS):
            if theme in workshops:
                mask |= 1 << bit
                numbers += (_varint(workshops[theme]["sessions"])
                            + _varint(workshops[theme]["participants"]))
        out += bytes([mask]) + numbers
    if exits:
        mask, numbers = 0, b""
        for bit, answer in enumerate(EXIT_ANSWERS):
            if answer in exits:
                mask |= 1 << bit
                numbers += _varint(exits[answer])
        out += bytes([mask]) + numbers
    return out


def _day_bytes(previous: dt.date, day, version: int = FORMAT_VERSION) -> bytes:
    """One day (an object with .day, .revision, .counts, maybe .workshops and .exits)
    after `previous`."""
    gap = (day.day - previous).days - 1
    if gap < 0:
        raise ValueError("days must be distinct and not before FIRST_DAY")
    mask, numbers = 0, b""
    for bit, category in enumerate(CATEGORY_IDS):
        count = day.counts.get(category, 0)
        if count:
            mask |= 1 << bit
            numbers += _varint(count)
    return (_varint(gap) + _varint(day.revision) + bytes([mask]) + numbers
            + (_extras_bytes(day) if version == EXTRAS_VERSION else b""))


def _sign(key: bytes, body: bytes) -> str:
    mac = hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode("ascii")


def seal(source: Source, days, part: int = 1, parts: int = 1) -> str:
    """The base64url payload for `days` (objects with .day, .revision, .counts), signed."""
    version = EXTRAS_VERSION if any(_has_extras(d) for d in days) else FORMAT_VERSION
    body = bytearray(_header(source, part, parts, version))
    body += _varint(len(days))
    previous = FIRST_DAY - dt.timedelta(days=1)
    for day in sorted(days, key=lambda d: d.day):
        body += _day_bytes(previous, day, version)
        previous = day.day
    return _sign(source.key, bytes(body))


def split(source: Source, days, max_chars: int) -> list[str]:
    """Payloads of at most `max_chars` characters covering `days`, each self-contained.

    Greedy: each part takes as many days (in date order) as fit; the part numbers tell the
    person "code 2 of 4" and are signed with the rest.
    """
    days = sorted(days, key=lambda d: d.day)
    if not days:
        return []
    groups: list[list] = [[]]
    for day in days:
        trial = groups[-1] + [day]
        if groups[-1] and len(seal(source, trial, 255, 255)) > max_chars:
            groups.append([day])
        else:
            groups[-1] = trial
        if len(seal(source, groups[-1], 255, 255)) > max_chars:
            raise ValueError(f"one day does not fit in {max_chars} characters")
    if len(groups) > 255:
        raise ValueError("too many codes (more than 255)")
    return [seal(source, group, n, len(groups)) for n, group in enumerate(groups, start=1)]


# --- reading -----------------------------------------------------------------------------


def _decode(text: str) -> bytes:
    if not text or len(text) > _MAX_PAYLOAD_CHARS:
        raise TransferError("this is not a transfer (empty or too long)")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TransferError("this is not a transfer (not base64url)") from None
    # Refuse a non-canonical spelling (other unused bits in the last character): an altered
    # URL must never be accepted, even one that decodes to the same bytes.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
        raise TransferError("this is not a transfer (altered characters)")
    return raw


def peek_key_id(text: str) -> str:
    """The key id a payload names (unverified: only to find the key to verify it with)."""
    raw = _decode(text)
    if len(raw) < 1 + KEY_ID_BYTES + MAC_BYTES:
        raise TransferError("this transfer is too short")
    if raw[0] not in VERSIONS:
        raise TransferError(f"unknown transfer format version {raw[0]}")
    return raw[1:1 + KEY_ID_BYTES].hex()


def open_payload(text: str, key: bytes) -> Payload:
    """The payload, only if its signature matches `key`; else TransferError (one line)."""
    raw = _decode(text)
    if len(raw) < 1 + KEY_ID_BYTES + MAC_BYTES:
        raise TransferError("this transfer is too short")
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    expected = hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise TransferError("the signature does not match: the transfer was altered "
                            "or comes from another kiosk")
    return _parse(body)


def _parse(body: bytes) -> Payload:
    reader = _Reader(body)
    layout = reader.byte()
    if layout not in VERSIONS:
        raise TransferError("unknown transfer format version")
    key_hex = reader.take(KEY_ID_BYTES).hex()
    install_id = str(uuid.UUID(bytes=reader.take(16)))
    flags, part, parts = reader.byte(), reader.byte(), reader.byte()
    try:
        version = reader.take(reader.byte()).decode("ascii")
    except UnicodeDecodeError:
        raise TransferError("the catalogue version is not ASCII") from None
    n_days = reader.varint()
    if n_days > MAX_DAYS:
        raise TransferError(f"a transfer holds at most {MAX_DAYS} days")
    days, previous = [], FIRST_DAY - dt.timedelta(days=1)
    try:
        for _ in range(n_days):
            previous = previous + dt.timedelta(days=reader.varint() + 1)
            revision, mask = reader.varint(), reader.byte()
            counts = {category: reader.varint() for bit, category in enumerate(CATEGORY_IDS)
                      if mask >> bit & 1}
            extras = _read_extras(reader) if layout == EXTRAS_VERSION else {}
            days.append(Day(previous, revision, counts, **extras))
    except OverflowError:
        raise TransferError("a day of the transfer is out of range") from None
    if reader.at != len(body):
        raise TransferError("the transfer has bytes after its last day")
    return Payload(key_hex, install_id, bool(flags & 1), part, parts, version, tuple(days))


def _read_extras(reader: _Reader) -> dict:
    flags, extras = reader.byte(), {}
    if flags & ~3:
        raise TransferError("a day of the transfer has unknown parts")
    if flags & 1:
        mask = reader.byte()
        extras["workshops"] = {
            theme: {"sessions": reader.varint(), "participants": reader.varint()}
            for bit, theme in enumerate(CATEGORY_IDS) if mask >> bit & 1}
    if flags & 2:
        mask = reader.byte()
        if mask >> len(EXIT_ANSWERS):
            raise TransferError("a day of the transfer has an unknown answer")
        extras["exits"] = {answer: reader.varint() for bit, answer in enumerate(EXIT_ANSWERS)
                           if mask >> bit & 1}
    return extras


# --- files and URLs ----------------------------------------------------------------------


def file_text(payloads: list[str]) -> str:
    return FILE_HEADER + "\n" + "".join(p + "\n" for p in payloads)


def file_payloads(text: str) -> list[str]:
    """The payload lines of a transfer file; TransferError when it is not one."""
    lines = [line.strip() for line in text.splitlines()]
    if not lines or lines[0] != FILE_HEADER:
        raise TransferError("this is not a kiosk transfer file (its first line is wrong)")
    payloads = [line for line in lines[1:] if line]
    if not payloads:
        raise TransferError("this transfer file holds no days")
    return payloads


def url_prefix(coordinator_url: str) -> str:
    """`{url}/t/`: what a QR code's text starts with."""
    return coordinator_url.rstrip("/") + f"/{URL_SEGMENT}/"


def qr_texts(source: Source, days, coordinator_url: str) -> list[str]:
    """The text of each QR code: `{url}/t/<payload>`, each fitting QR_CAPACITY bytes."""
    prefix = url_prefix(coordinator_url)
    room = QR_CAPACITY - len(prefix.encode("utf-8"))
    if room < 120:
        raise ValueError(f"the coordinator url is too long for a QR code ({len(prefix)} characters)")
    return [prefix + p for p in split(source, days, room)]


def file_payloads_for(source: Source, days) -> list[str]:
    """The payload lines of a transfer file: MAX_DAYS days a line."""
    days = sorted(days, key=lambda d: d.day)
    chunks = [days[i:i + MAX_DAYS] for i in range(0, len(days), MAX_DAYS)]
    return [seal(source, chunk, n, len(chunks)) for n, chunk in enumerate(chunks, start=1)]


def qr_image(text: str, box_size: int = 6):
    """A PIL image of `text` at level M, version at most QR_VERSION_MAX, 4-module margin."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(text.encode("utf-8"), optimize=0)
    code.make(fit=True)
    if code.version > QR_VERSION_MAX:
        raise ValueError(f"a QR code needs version {code.version} > {QR_VERSION_MAX}")
    return code.make_image().get_image()


def write_qr_pngs(texts: list[str], folder: Path) -> list[Path]:
    """`folder/transfer-1.png`, ... one per text; older transfer-N.png there are removed
    first, so the folder never mixes two transfers."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("transfer-*.png"):
        old.unlink()
    paths = []
    for n, text in enumerate(texts, start=1):
        path = folder / f"transfer-{n}.png"
        qr_image(text).save(path, format="PNG")
        paths.append(path)
    return paths


def sendable(days) -> tuple[list, list[str]]:
    """The days a coordinator would accept, and a short reason for each other day."""
    good, refused = [], []
    for record in days:
        try:
            DayCounts.model_validate(day_body(record))
        except ValidationError as exc:
            problem = exc.errors()[0]
            refused.append(f"{record.day.isoformat()} ({'.'.join(map(str, problem['loc']))}: "
                           f"{problem['msg']})")
        else:
            good.append(record)
    return good, refused


def kiosk_token(config) -> str:
    """The kiosk's token, read by the sync client's own reader (same 0600 check, same plain
    French errors: SyncError); it only ever feeds `derive_key`."""
    from sync.client import SyncClient

    return SyncClient(config, None)._token()


def from_store(store, token: str, catalogue_version: str) -> tuple[Source, list, list[str]]:
    """What to transfer from `store`: the signer, the unsent days, the days kept back."""
    days, refused = sendable(store.unsynced())
    source = Source(derive_key(token), store.install_id, store.clock_state().trusted,
                    catalogue_version)
    return source, days, refused
