"""The kiosk's sync client: pushes unsynced days to the coordinator from a background thread.

When (docs/sync.md, "When the kiosk pushes"): no push ever follows a tap. The thread pushes
on a schedule, every `interval_s` randomised by +/-50 %, and carries only the days that are
over (`kiosk.hours.day_is_over`), so two pushes can never tell the hour of a visit; a round
with no such day is a heartbeat with no days (the coordinator's last contact). Only a
person's explicit act (`kiosk sync`, the mediator's "Envoyer maintenant") sends today:
`sync_now()`. The permanence's profile rides along on the first push after start and when
it differs from the one the coordinator last acknowledged.

Only `store.unsynced()` days leave (after ten years of history a sync sends only the
changed days); `store.mark_synced` runs only for the (day, revision) pairs a 200 names. Each
request is retried by urllib3 on connection errors and 429/502/503/504 (the push is
idempotent, so POST may be retried), waiting at most `RETRY_AFTER_MAX_S` whatever
Retry-After says; between failed rounds the thread backs off exponentially with full
jitter, and it starts after a random delay because many desks power on together.
The token is read from its 0600 file at each round and never logged.

Nothing here is worded: results, problems and the state carry `kiosk.i18n.Message` codes
and parameters, said in the reader's language by the mediator view and by `kiosk sync`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from kiosk import catalogue
from kiosk.hours import day_is_over
from kiosk.i18n import Message
from sync.protocol import (
    FIRST_DAY,
    MAX_DAYS,
    PATH,
    CountsAnswer,
    DayCounts,
    Profile,
    build_push,
    day_body,
    profile_of,
)

log = logging.getLogger(__name__)

RETRY_AFTER_MAX_S = 60
START_DELAY_MAX_S = 60.0
BACKOFF_BASE_S = 5.0
#: A scheduled round comes every interval_s x uniform(1 - JITTER, 1 + JITTER).
JITTER = 0.5
CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    sent: int  # days the coordinator acknowledged
    message: Message  # what happened: a sync problem, or "nothing_new" / "days_sent"
    waiting: int = 0  # taps not sent because they wait for a date (untrusted clock)

    def messages(self) -> list[Message]:
        """What `kiosk sync` says, in order."""
        return [self.message] + ([Message("taps_waiting", {"n": self.waiting})]
                                 if self.waiting else [])


@dataclass(frozen=True)
class SyncState:
    last_success: dt.datetime | None
    days_pending: int
    last_error: Message | None  # None when the last attempt went through
    clock_trusted: bool
    clock_reason: str = ""  # a kiosk.clock reason code
    taps_waiting_for_date: int = 0

    def messages(self) -> list[Message]:
        """The sync facts, one per line, for the mediator view (its clock line is apart)."""
        lines = [Message("last_success", {"when": self.last_success}) if self.last_success
                 else Message("never_sent"),
                 Message("days_pending", {"n": self.days_pending}) if self.days_pending
                 else Message("all_sent")]
        if self.last_error:
            lines.append(Message("last_problem", {"problem": self.last_error}))
        return lines


#: A field of a push's day, as the coordinator names it in a 422 ("days[2].day").
_DAY_FIELD = re.compile(r"^days\[(\d+)\]")


class SyncError(Exception):
    """One round failed; `message` says why (a kiosk.i18n code and its parameters)."""

    def __init__(self, code: str, sent: int = 0, *,
                 refused_days: dict[int, str] | None = None, **params):
        super().__init__(code)
        self.message = Message(code, params)
        self.sent = sent
        #: index in the push -> why, for the days a 422 names (the others may go on)
        self.refused_days = refused_days or {}


class SyncClient:
    def __init__(self, config, store, *, rng: random.Random | None = None,
                 retry_after_max_s: int = RETRY_AFTER_MAX_S,
                 now: Callable[[], dt.datetime] | None = None):
        self.settings = config.coordinator
        self.permanence = config.permanence
        self.retry_after_max_s = retry_after_max_s
        self.store = store
        self.on_change = None
        self._rng = rng or random.Random()
        #: the local time of day for "is the day over" (the store's clock gives the date).
        self._now = now or (lambda: dt.datetime.now().astimezone())
        self._profile = _profile(config.permanence)
        self._profile_acked: Profile | None = None
        self._stopping = threading.Event()
        self._sync_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._session: requests.Session | None = None
        self._failures = 0

    # --- public API ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread (no-op without a coordinator URL)."""
        if self._thread or not self.settings.enabled:
            return
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None
        if self._session:
            self._session.close()
            self._session = None

    @property
    def state(self) -> SyncState:
        status = self.store.sync_status
        clock = self.store.clock_state()
        return SyncState(
            last_success=_parse_time(_get(status, "last_success")),
            days_pending=len(self.store.unsynced()),
            last_error=Message.loads(_get(status, "last_error") or ""),
            clock_trusted=bool(clock.trusted),
            clock_reason=clock.reason,
            taps_waiting_for_date=int(getattr(clock, "pending", 0) or 0),
        )

    def sync_now(self, *, include_today: bool = True, resend_all: bool = False) -> SyncResult:
        """Push the unsynced days now (blocking); ok only when all were acknowledged.

        `include_today=True` is a person's explicit act and sends every unsynced day; the
        schedule passes False: only the days that are over leave, and the push is sent even
        without any (a heartbeat). `resend_all=True` (`kiosk sync --all`) sends every day
        still on the kiosk, acknowledged or not: after the coordinator was restored from a
        backup it lacks days the kiosk holds as acknowledged; the revision rule makes a
        resend harmless.
        """
        with self._sync_lock:
            try:
                sent = self._push_all(include_today, resend_all)
            except SyncError as exc:
                result = SyncResult(False, exc.sent, exc.message)
                self.store.set_sync_status(last_error=exc.message.dumps())
            else:
                self.store.set_sync_status(last_success=dt.datetime.now(dt.UTC), last_error="")
                message = Message("days_sent", {"n": sent}) if sent else Message("nothing_new")
                # Taps waiting for a date are not acknowledged: they have no day yet.
                waiting = self.store.clock_state().pending
                result = SyncResult(not waiting, sent, message, waiting)
        self._changed()
        return result

    # --- one round ----------------------------------------------------------------------

    def _push_all(self, include_today: bool, resend_all: bool = False) -> int:
        if not self.settings.enabled:
            raise SyncError("no_coordinator")
        self.store.upkeep()  # the writer files re-datable taps before the days are chosen
        pending = self._every_day() if resend_all else self.store.unsynced()
        if not include_today:
            pending = self._days_over(pending)
        profile = self._profile if self._profile != self._profile_acked else None
        if not pending and profile is None and include_today:
            return 0
        # A day the server would refuse (e.g. an absurd count) stays pending and is named,
        # but must not hold back the others.
        sendable, refused = [], []
        for record in pending:
            try:
                DayCounts.model_validate(day_body(record))
            except ValidationError as exc:
                refused.append(f"{record.day.isoformat()} ({_first(exc)})")
            else:
                sendable.append(record)
        # A heartbeat or a profile goes even without a day to carry.
        batches = ([sendable[i:i + MAX_DAYS] for i in range(0, len(sendable), MAX_DAYS)]
                   or ([[]] if profile is not None or not include_today else []))
        token = self._token() if batches else ""
        clock = self.store.clock_state()
        version = catalogue.load().version
        sent = 0
        for batch in batches:
            answer = None
            while answer is None:
                push = build_push(self.store.install_id, clock.trusted, version, batch,
                                  profile=profile)
                try:
                    answer = self._post(
                        push.model_dump_json(exclude_none=True).encode("utf-8"), token, sent)
                except SyncError as exc:
                    # Only the coordinator knows some refusals (a day after its tomorrow):
                    # those days stay pending and are named, the others go on.
                    bad = exc.refused_days
                    if not bad or not set(bad) <= set(range(len(batch))):
                        raise
                    refused += [f"{batch[i].day.isoformat()} ({bad[i]})" for i in sorted(bad)]
                    batch = [d for i, d in enumerate(batch) if i not in bad]
                    if not batch and profile is None:
                        break
            if answer is None:
                continue
            if profile is not None:
                self._profile_acked, profile = profile, None
            sent_pairs = {(d.day, d.revision) for d in batch}
            acked = [(a.day, a.revision) for a in answer.accepted
                     if (a.day, a.revision) in sent_pairs]
            self.store.mark_synced(acked)
            sent += len(acked)
            if len(acked) != len(batch):
                raise SyncError("not_all_acknowledged", sent)
        if refused:
            raise SyncError("days_refused", sent, days="; ".join(refused[:3])
                            + (" …" if len(refused) > 3 else ""))
        return sent

    def _every_day(self) -> list:
        """Every day the store holds (current and archive), never after tomorrow by a
        trusted clock (the coordinator would refuse it), like `store.unsynced()`."""
        clock = self.store.clock_state()
        latest = (clock.today + dt.timedelta(days=1) if clock.trusted and clock.today
                  else dt.date.max)
        return self.store.days(FIRST_DAY, latest)

    def _days_over(self, pending: list) -> list:
        """The pending days whose permanence day is over; none while the clock is unsure."""
        clock = self.store.clock_state()
        if not clock.trusted or clock.today is None:
            return []
        moment = self._now()
        if moment.date() != clock.today:
            # The mediator vouched for the date on a Pi without a battery clock: the store's
            # day wins, the machine's time of day runs on.
            moment = dt.datetime.combine(clock.today, moment.timetz())
        return [record for record in pending
                if day_is_over(self.permanence, record.day, moment)]

    def _post(self, body: bytes, token: str, sent: int) -> CountsAnswer:
        url = self.settings.url.rstrip("/") + PATH
        try:
            response = self._http().post(
                url, data=body, timeout=(CONNECT_TIMEOUT_S, self.settings.timeout_s),
                headers={"Authorization": f"Bearer {token}",
                         "Content-Type": "application/json"})
        except requests.exceptions.SSLError:
            raise SyncError("bad_certificate", sent) from None
        except requests.exceptions.Timeout:
            raise SyncError("timeout", sent) from None
        except requests.exceptions.RequestException:
            raise SyncError("unreachable", sent) from None
        if response.status_code == 200:
            try:
                return CountsAnswer.model_validate_json(response.content)
            except ValidationError:
                raise SyncError("bad_answer", sent) from None
        raise _refusal(response, sent)

    def _token(self) -> str:
        path = Path(self.settings.token_file)
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise SyncError("token_too_open", path=str(path))
            token = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise SyncError("token_missing", path=str(path)) from None
        except (OSError, UnicodeDecodeError):
            raise SyncError("token_unreadable", path=str(path)) from None
        if not token or not token.isprintable() or " " in token:
            raise SyncError("token_invalid", path=str(path))
        return token

    def _http(self) -> requests.Session:
        if self._session is None:
            retry = Retry(
                total=4, connect=3, read=2, status=3, other=0,
                status_forcelist=(429, 502, 503, 504),
                allowed_methods=frozenset({"POST"}),  # idempotent: absolute counts
                backoff_factor=0.5, backoff_max=10, backoff_jitter=0.5,
                respect_retry_after_header=True, retry_after_max=self.retry_after_max_s,
                raise_on_status=False,
            )
            session = requests.Session()
            session.mount("https://", HTTPAdapter(max_retries=retry))
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.verify = str(self.settings.ca_file) if self.settings.ca_file else True
            session.trust_env = False  # no proxy settings from the environment
            self._session = session
        return self._session

    # --- the background thread ----------------------------------------------------------

    def _run(self) -> None:
        start_delay = self._rng.uniform(0, min(START_DELAY_MAX_S, self.settings.interval_s))
        next_at = time.monotonic() + start_delay
        while not self._stopping.is_set():
            remaining = next_at - time.monotonic()
            if remaining > 0:
                self._stopping.wait(remaining)
                continue
            try:
                result = self.sync_now(include_today=False)
            except Exception:  # the thread must survive a store or bug surprise
                log.exception("sync round failed unexpectedly")
                result = SyncResult(False, 0, Message("internal_error"))
            # Taps waiting for a date are no network failure: no backoff for them.
            next_at = time.monotonic() + self._next_delay(result.ok or result.waiting > 0)

    def _next_delay(self, ok: bool) -> float:
        interval = float(self.settings.interval_s)
        if ok:
            self._failures = 0
            # Jitter: desks that start together drift apart, and a round's time says
            # nothing about the permanence's closing time.
            return interval * self._rng.uniform(1 - JITTER, 1 + JITTER)
        self._failures += 1
        # Full jitter (AWS "Exponential Backoff and Jitter"): uniform in [0, cap].
        cap = min(interval, BACKOFF_BASE_S * 2 ** min(self._failures, 16))
        return max(1.0, self._rng.uniform(0, cap))

    def _changed(self) -> None:
        callback = self.on_change
        if callback:
            try:
                callback()
            except Exception:
                log.exception("sync on_change callback failed")


def _profile(permanence) -> Profile | None:
    try:
        return profile_of(permanence)
    except ValidationError as exc:
        # The counts matter more than the directory: they go without the profile.
        log.warning("the permanence's profile is not sent: %s", _first(exc))
        return None


def _refusal(response: requests.Response, sent: int) -> SyncError:
    """The problem an answer other than 200 names (its status, and the server's detail)."""
    code = response.status_code
    try:
        detail = str(response.json().get("detail", ""))[:100]
    except (ValueError, AttributeError):
        detail = ""
    if code == 401:
        return SyncError("unknown_kiosk", sent)
    if code == 429:
        return SyncError("too_often", sent)
    if code == 409:  # a 4th install id under this token: the coordinator must reset it
        return SyncError("too_many_installs", sent)
    if code in (400, 413, 422):
        if detail:
            return SyncError("data_refused", sent, status=code, detail=detail,
                             refused_days=_refused_days(response) if code == 422 else None)
        return SyncError("data_refused_no_detail", sent, status=code)
    if code >= 500:
        return SyncError("server_error", sent, status=code)
    return SyncError("unexpected_status", sent, status=code)


def _refused_days(response: requests.Response) -> dict[int, str]:
    """The days a 422 names (`days[2].day`, `days[0].counts`): index -> the server's words."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return {}
    named = {}
    for error in errors if isinstance(errors, list) else []:
        match = _DAY_FIELD.match(str(error.get("field", ""))) if isinstance(error, dict) else None
        if match:
            named.setdefault(int(match.group(1)), str(error.get("message", ""))[:100])
    return named


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def _get(status, key):
    if status is None:
        return None
    if isinstance(status, dict):
        return status.get(key)
    return getattr(status, key, None)


def _parse_time(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None

