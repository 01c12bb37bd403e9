"""The kiosk's configuration: one TOML file, every key validated with a one-line error.

Only `kiosk.data_dir`, `coordinator.url` and `coordinator.token_file` have no default; a
file holding only those three is a valid config. `deploy/config.example.toml` documents
every key. Relative paths are read relative to the config file, `~` is expanded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from kiosk.catalogue import CATEGORY_IDS, LANGUAGES
from kiosk.clock import DEFAULT_SYNCED_FLAG

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SYSTEM_CONFIG = Path("/etc/permanence-kiosk/config.toml")


class ConfigError(ValueError):
    """A config problem; str() is one line naming the file and the key."""


@dataclass(frozen=True)
class Opening:
    """One opening slot on a weekday, local time."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Permanence:
    """The permanence itself (annex 1): its name, place, offer and opening hours."""

    name: str = "Permanence numérique"
    commune: str = ""
    place: str = ""
    address: str = ""
    phone: str = ""
    by_appointment: bool = False
    booking: str = ""
    # Annex 1 "forme de l'aide": collective workshops offered here, in words ("" = none said).
    workshops: str = ""
    # Annex 1 "Autre ; préciser": what the category "Autre" covers at this permanence.
    other_help: str = ""
    # Annex 1 "matériel à disposition du public", one item per entry.
    equipment: tuple[str, ...] = ()
    categories: tuple[str, ...] = CATEGORY_IDS
    # weekday (0 = Monday) -> slots; empty means "always open" (no hours configured).
    hours: dict[int, tuple[Opening, ...]] = field(default_factory=dict)
    closed_dates: tuple[dt.date, ...] = ()

    def is_open(self, moment: dt.datetime) -> bool:
        """True when the permanence is open at `moment` (always, when no hours are set)."""
        if not self.hours:
            return True
        if moment.date() in self.closed_dates:
            return False
        now = moment.time()
        return any(s.start <= now < s.end for s in self.hours.get(moment.weekday(), ()))

    def next_opening(self, moment: dt.datetime) -> dt.datetime | None:
        """The next opening at or after `moment`, or None when no hours are configured."""
        if not self.hours:
            return None
        for offset in range(0, 400):
            day = moment.date() + dt.timedelta(days=offset)
            if day in self.closed_dates:
                continue
            for slot in sorted(self.hours.get(day.weekday(), ()), key=lambda s: s.start):
                start = dt.datetime.combine(day, slot.start, tzinfo=moment.tzinfo)
                if start >= moment:
                    return start
        return None


@dataclass(frozen=True)
class Privacy:
    """Who answers for the visitors' data (the "Vos données" screen)."""

    controller: str = "La commune qui accueille la permanence"
    referent: str = ""
    contact: str = ""
    dpo_contact: str = "dpd@le-gresivaudan.fr"
    notice_url: str = ""
    mandate_url: str = ""


@dataclass(frozen=True)
class Coordinator:
    """Where the kiosk sends its counts; an empty `url` means no coordinator."""

    url: str = ""
    token_file: Path | None = None
    ca_file: Path | None = None
    interval_s: int = 900
    timeout_s: int = 30

    @property
    def enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class KioskSettings:
    """The kiosk's own settings: data, languages, timers, display, voice."""

    data_dir: Path
    languages: tuple[str, ...] = LANGUAGES
    idle_timeout_s: int = 120
    undo_window_s: int = 30
    double_tap_guard_s: float = 2.0
    thanks_s: int = 20
    fullscreen: bool = True
    retention_days: int = 7
    hardware_clock: bool = False
    synced_flag: Path = DEFAULT_SYNCED_FLAG
    export_dirs: tuple[Path, ...] = (Path("/media"), Path("/run/media"))
    # Read aloud (docs/accessibility.md): audio rendered by `kiosk speech-render`.
    speech: bool = True
    speech_dir: Path | None = None  # None: the package's assets/speech
    audio_output: str = ""  # an ALSA device, e.g. "plughw:CARD=vc4hdmi0"; "" = the default
    volume: int = 80
    exit_question: bool = False  # the "Je pars" button and its "did we help you?" screen


@dataclass(frozen=True)
class Mediator:
    """The mediator's way in: the PIN's hash and the hidden corner's press."""

    pin_hash: str = ""
    hidden_press_s: float = 3.0


@dataclass(frozen=True)
class Config:
    """The whole config, as `load` and `parse` return it."""

    path: Path | None
    kiosk: KioskSettings
    coordinator: Coordinator = Coordinator()
    permanence: Permanence = Permanence()
    privacy: Privacy = Privacy()
    mediator: Mediator = Mediator()


# --- reading helpers: each raises ConfigError naming "section.key" ------------------------


class _Section:
    """The keys of one TOML table, consumed one by one so that unknown keys can be named."""

    def __init__(self, data: dict, name: str, where: str):
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a table")
        self.values = dict(value)
        self.name = name
        self.where = where

    def key(self, key: str) -> str:
        return f"{self.where}: {self.name}.{key}"

    def take(self, key: str, kind, default, *, required: bool = False):
        if key not in self.values:
            if required:
                raise ConfigError(f"{self.key(key)} is required")
            return default
        value = self.values.pop(key)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{self.key(key)} must be {_KIND_NAMES[kind]}, not {value!r}")
        return value

    def number(self, key: str, default, low, high, kind=int):
        value = self.take(key, kind, default)
        if not low <= value <= high:
            raise ConfigError(f"{self.key(key)} must be between {low} and {high}, not {value}")
        return value

    def finish(self) -> None:
        if self.values:
            unknown = sorted(self.values)[0]
            raise ConfigError(f"{self.key(unknown)} is not a known key")


_KIND_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def _path(section: _Section, key: str, base: Path, default, *, required=False):
    raw = section.take(key, str, None, required=required)
    if raw is None:
        return default
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(section: _Section, key: str, *, required=False, secret=False) -> str:
    """An http(s) URL; with `secret` (a token is sent to it) https unless on loopback."""
    value = section.take(key, str, "", required=required).strip()
    if value:
        parsed = urlparse(value)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"{section.key(key)} must be an http(s) URL, not {value!r}")
        if secret and parsed.scheme.lower() == "http" and not _is_loopback(parsed.hostname):
            raise ConfigError(f"{section.key(key)} must start with https:// (http:// only for "
                              f"127.0.0.1 or localhost): the kiosk token would travel in "
                              f"clear, not {value!r}")
    return value


def _categories(section: _Section) -> tuple[str, ...]:
    ids = section.take("categories", list, list(Permanence.categories))
    for cid in ids:
        if cid not in CATEGORY_IDS:
            raise ConfigError(f"{section.key('categories')}: unknown category {cid!r} "
                              f"(known: {', '.join(CATEGORY_IDS)})")
    if not ids:
        raise ConfigError(f"{section.key('categories')} must offer at least one category")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{section.key('categories')} lists a category twice")
    return tuple(c for c in CATEGORY_IDS if c in ids)


_SLOT = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _hours(data: dict, where: str) -> dict[int, tuple[Opening, ...]]:
    section = _Section(data, "hours", where)
    section.name = "permanence.hours"
    hours: dict[int, tuple[Opening, ...]] = {}
    for index, day in enumerate(WEEKDAYS):
        slots = section.take(day, list, [])
        parsed = []
        for slot in slots:
            match = _SLOT.match(slot) if isinstance(slot, str) else None
            if not match:
                raise ConfigError(f"{section.key(day)}: {slot!r} is not like \"09:00-12:00\"")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                start, end = dt.time(h1, m1), dt.time(h2, m2)
            except ValueError:
                raise ConfigError(f"{section.key(day)}: {slot!r} is not a valid time") from None
            if end <= start:
                raise ConfigError(f"{section.key(day)}: {slot!r} ends before it starts")
            parsed.append(Opening(start, end))
        if parsed:
            hours[index] = tuple(sorted(parsed, key=lambda s: s.start))
    section.finish()
    return hours


def _texts(section: _Section, key: str) -> tuple[str, ...]:
    values = section.take(key, list, [])
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{section.key(key)}: {value!r} is not a non-empty text")
    return tuple(v.strip() for v in values)


def _dates(section: _Section, key: str) -> tuple[dt.date, ...]:
    dates = []
    for value in section.take(key, list, []):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            dates.append(value)
            continue
        try:
            dates.append(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ConfigError(f"{section.key(key)}: {value!r} is not a date like 2026-12-25") from None
    return tuple(dates)


def parse(data: dict, path: Path | None = None) -> Config:
    """Build a Config from parsed TOML; `path` names the file in errors and anchors paths."""
    where = str(path) if path else "config"
    base = path.parent if path else Path.cwd()
    for section in data:
        if section not in ("kiosk", "coordinator", "permanence", "privacy", "mediator"):
            raise ConfigError(f"{where}: [{section}] is not a known section")

    # Every default below is the dataclass field's: one source (deploy/config.example.toml
    # shows the same values, a test checks it).
    K, C, P, V, M = KioskSettings, Coordinator, Permanence, Privacy, Mediator
    k = _Section(data, "kiosk", where)
    languages = tuple(k.take("languages", list, list(K.languages)))
    for lang in languages:
        if lang not in LANGUAGES:
            raise ConfigError(f"{k.key('languages')}: {lang!r} has no translation "
                              f"(available: {', '.join(LANGUAGES)})")
    if not languages:
        raise ConfigError(f"{k.key('languages')} must name at least one language")
    if len(set(languages)) != len(languages):
        raise ConfigError(f"{k.key('languages')} names a language twice")
    kiosk = KioskSettings(
        data_dir=_path(k, "data_dir", base, None, required=True),
        languages=languages,
        idle_timeout_s=k.number("idle_timeout_s", K.idle_timeout_s, 30, 3600),
        undo_window_s=k.number("undo_window_s", K.undo_window_s, 5, 600),
        double_tap_guard_s=k.number("double_tap_guard_s", K.double_tap_guard_s, 0.0, 30.0,
                                    float),
        thanks_s=k.number("thanks_s", K.thanks_s, 5, 600),
        fullscreen=k.take("fullscreen", bool, K.fullscreen),
        retention_days=k.number("retention_days", K.retention_days, 1, 31),
        hardware_clock=k.take("hardware_clock", bool, K.hardware_clock),
        synced_flag=_path(k, "synced_flag", base, K.synced_flag) or Path("/nonexistent"),
        export_dirs=tuple(Path(p).expanduser() for p in
                          k.take("export_dirs", list, [str(d) for d in K.export_dirs])),
        speech=k.take("speech", bool, K.speech),
        speech_dir=_path(k, "speech_dir", base, K.speech_dir),
        audio_output=k.take("audio_output", str, K.audio_output).strip(),
        volume=k.number("volume", K.volume, 0, 100),
        exit_question=k.take("exit_question", bool, K.exit_question),
    )
    k.finish()

    c = _Section(data, "coordinator", where)
    coordinator = Coordinator(
        url=_url(c, "url", required=True, secret=True),
        token_file=_path(c, "token_file", base, None, required=True),
        ca_file=_path(c, "ca_file", base, C.ca_file),
        interval_s=c.number("interval_s", C.interval_s, 10, 86400),
        timeout_s=c.number("timeout_s", C.timeout_s, 1, 300),
    )
    c.finish()
    if coordinator.url and coordinator.token_file is None:
        raise ConfigError(f"{c.key('token_file')} is required when coordinator.url is set")

    p = _Section(data, "permanence", where)
    hours = _hours(p.values, where)
    p.values.pop("hours", None)
    permanence = Permanence(
        name=p.take("name", str, P.name),
        commune=p.take("commune", str, P.commune),
        place=p.take("place", str, P.place),
        address=p.take("address", str, P.address),
        phone=p.take("phone", str, P.phone),
        by_appointment=p.take("by_appointment", bool, P.by_appointment),
        booking=p.take("booking", str, P.booking),
        workshops=p.take("workshops", str, P.workshops).strip(),
        other_help=p.take("other_help", str, P.other_help).strip(),
        equipment=_texts(p, "equipment"),
        categories=_categories(p),
        hours=hours,
        closed_dates=_dates(p, "closed_dates"),
    )
    p.finish()

    v = _Section(data, "privacy", where)
    privacy = Privacy(
        controller=v.take("controller", str, V.controller),
        referent=v.take("referent", str, V.referent),
        contact=v.take("contact", str, V.contact),
        dpo_contact=v.take("dpo_contact", str, V.dpo_contact),
        notice_url=_url(v, "notice_url"),
        mandate_url=_url(v, "mandate_url"),
    )
    v.finish()

    m = _Section(data, "mediator", where)
    pin_hash = m.take("pin_hash", str, M.pin_hash)
    if pin_hash and not pin_hash.startswith(("scrypt$", "pbkdf2_sha256$")):
        raise ConfigError(f"{m.key('pin_hash')} is not a hash made by `kiosk set-pin`")
    mediator = Mediator(pin_hash=pin_hash,
                        hidden_press_s=m.number("hidden_press_s", M.hidden_press_s, 1.0, 10.0, float))
    m.finish()

    return Config(path=path, kiosk=kiosk, coordinator=coordinator, permanence=permanence,
                  privacy=privacy, mediator=mediator)


def default_path() -> Path:
    """$KIOSK_CONFIG, else the user's config dir if it has a file, else /etc."""
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env).expanduser()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    user = xdg / "permanence-kiosk" / "config.toml"
    return user if user.exists() else SYSTEM_CONFIG


def load(path: str | os.PathLike | None = None) -> Config:
    """Read and validate a config file (see `default_path` when `path` is None)."""
    path = Path(path).expanduser() if path else default_path()
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (give --config or set KIOSK_CONFIG)") from None
    except PermissionError:
        raise ConfigError(f"{path}: config file not readable by this user") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse(data, path.resolve())
