"""The mediator's view: a day's tally (today, or any earlier day still on the kiosk) with
+1/-1 corrections, its week and quarter; the sync state and "Envoyer maintenant"; taps
waiting for a date; the export of this quarter or one of the three before to a USB stick.

Every store read or write and every push runs on the app's worker thread; the screen
shows the result. The days and quarters are chosen with big previous/next buttons (one
`Chooser` pattern), never by typing: a mediator on a touchscreen has no keyboard.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.clock import BUILD_DATE
from kiosk.export import write_quarter_csv
from kiosk.i18n import MONTHS, Message
from kiosk.periods import parse_quarter, quarter_of, week_of
from kiosk.tally import day_tally
from screens.widgets import KioskScreen

#: The quarters the mediator can export: the current one and the three before it (a
#: year, so a late report or a stick forgotten last quarter can still be done).
EXPORT_QUARTERS = 4


@dataclass(frozen=True)
class Snapshot:
    """What the mediator view shows, read from the store in one go off the UI thread."""

    today: dt.date
    day: dt.date  # the day shown: today, or an earlier day the mediator chose
    first_day: dt.date  # the earliest day the store holds (today when it holds none)
    counts: dict[str, int]  # of `day`, and below of its week and quarter
    week: dict[str, int]
    quarter: dict[str, int]
    quarter_name: str
    clock_trusted: bool
    clock_reason: str
    pending: int
    days_unsynced: int
    last_success: dt.datetime | None
    last_error: str
    workshops: dict = field(default_factory=dict)  # of `day`: {theme: {participants: n}}
    exits: dict = field(default_factory=dict)  # of `day`: {answer: n}


def read_snapshot(store, day: dt.date | None = None, *,
                  device_today: Callable[[], dt.date] = dt.date.today) -> Snapshot:
    """The view's figures for `day` (default today), kept between the first day the store
    holds and today: a mediator never corrects a day the kiosk has no record of, nor a
    day to come. `device_today` is the first guess while the clock is not trusted."""
    clock = store.clock_state()
    today = clock.today or device_today()
    # Every day still on the kiosk, archive included (a few thousand after ten years).
    held = store.days(dt.date.min, today)
    first_day = held[0].day if held else today
    day = min(max(day or today, first_day), today)
    week_start, week_end = week_of(day)
    quarter = quarter_of(day)
    q_start, q_end = parse_quarter(quarter)
    status = store.sync_status
    return Snapshot(today, day, first_day, day_tally(store, day).counts,
                    store.totals(week_start, week_end), store.totals(q_start, q_end), quarter,
                    clock.trusted, clock.reason, clock.pending, len(store.unsynced()),
                    status.last_success, status.last_error, store.workshops(day),
                    store.exits(day))


def extras_words(tr, workshops: dict, exits: dict, asked: bool) -> str:
    """The day's workshops (and exit answers when the question is on or has answers)."""
    sessions = sum(sum(sizes.values()) for sizes in workshops.values())
    people = sum(n * k for sizes in workshops.values() for n, k in sizes.items())
    lines = [tr("Ateliers collectifs ce jour : {k} ({n} participants), à part des visites.",
                k=sessions, n=people)]
    if asked or exits:
        lines.append(tr("Avons-nous pu vous aider ? Oui {yes}, un peu {some}, non {no}.",
                        yes=exits.get("oui", 0), some=exits.get("un_peu", 0),
                        no=exits.get("non", 0)))
    return "\n".join(lines)


def quarter_back(day: dt.date, back: int) -> str:
    """The quarter `back` quarters before the one holding `day`, as 'YYYY-QN'."""
    index = day.year * 4 + (day.month - 1) // 3 - back
    return f"{index // 4}-Q{index % 4 + 1}"


def export_folder(export_dirs, data_dir: Path) -> tuple[Path, bool]:
    """The first writable mounted USB stick under `export_dirs` (e.g. /media/<user>/<label>),
    else `<data_dir>/exports`; the flag says whether it is a stick."""
    for base in export_dirs:
        base = Path(base)
        candidates = []
        try:
            for child in sorted(base.iterdir()):
                candidates.append(child)
                if child.is_dir() and not os.path.ismount(child):
                    candidates.extend(sorted(child.iterdir()))
        except OSError:
            continue
        for path in candidates:
            if path.is_dir() and os.path.ismount(path) and os.access(path, os.W_OK):
                return path, True
    return Path(data_dir) / "exports", False


def written_where(tr, path: Path, on_stick: bool) -> str:
    """Where a file went, for the mediator: the stick, or the data dir when none was found."""
    return (tr("Fichier écrit sur la clé USB : {path}", path=path) if on_stick
            else tr("Pas de clé USB : fichier écrit dans {path}", path=path))


class MediatorRow(BoxLayout):
    category_id = StringProperty("")
    icon = StringProperty("")
    label = StringProperty("")
    today = NumericProperty(0)  # the count of the day shown (today unless one is chosen)
    week = NumericProperty(0)
    quarter = NumericProperty(0)
    fraction = NumericProperty(0)
    screen = ObjectProperty(None)


class Chooser(BoxLayout):
    """A title and two big buttons that step it back or forth (the day shown, the quarter
    to export): one pattern for every "which one?" on this screen. Dispatches
    `on_step(-1 | +1)`; the screen says what the title becomes."""

    title = StringProperty("")
    earlier_text = StringProperty("")
    later_text = StringProperty("")
    can_earlier = BooleanProperty(False)
    can_later = BooleanProperty(False)
    __events__ = ("on_step",)

    def on_step(self, step: int) -> None:
        pass


class ConfirmCorrection(ModalView):
    question = StringProperty("")
    screen = ObjectProperty(None)


class MediateurScreen(KioskScreen):
    snapshot = ObjectProperty(None, allownone=True)
    sync_text = StringProperty("")
    clock_text = StringProperty("")
    pending_text = StringProperty("")
    has_pending = BooleanProperty(False)
    #: "today" (the clock is not trusted: which day is it?), "pending" (taps of an earlier
    #: boot wait for their day) or "" (nothing to ask).
    date_question = StringProperty("")
    #: the day the mediator chooses with -1/+1 day, for either question.
    pending_day = ObjectProperty(None, allownone=True)
    pending_day_text = StringProperty("")
    export_text = StringProperty("")
    totals_text = StringProperty("")
    busy = BooleanProperty(False)
    day_title = StringProperty("")
    can_earlier_day = BooleanProperty(False)
    can_later_day = BooleanProperty(False)
    #: the quarter to export: 0 the current one, up to EXPORT_QUARTERS - 1 quarters before.
    quarter_back = NumericProperty(0)
    quarter_title = StringProperty("")
    can_earlier_quarter = BooleanProperty(True)
    can_later_quarter = BooleanProperty(False)
    #: "Envoyer maintenant": what the last push said.
    send_text = StringProperty("")
    #: the day's workshops and exit answers, counted apart from the visits.
    extras_text = StringProperty("")

    def on_kv_post(self, _base):
        self._rows = {}
        for category in self.kiosk.categories:
            row = MediatorRow(category_id=category.id, icon=category.pictogram, screen=self)
            self._rows[category.id] = row
            self.ids.rows.add_widget(row)
        self._pending_correction = None
        if not self.kiosk.kiosk_config.coordinator.enabled:
            # Nothing to send to: no button that could only fail.
            for name in ("send_now", "send_text"):
                self.ids[name].parent.remove_widget(self.ids[name])
        self.kiosk.bind(lang=self._show, sync_state=self._show)

    def refresh(self) -> None:
        """Opening the view: today, the current quarter, no old answers."""
        self.quarter_back = 0
        self.send_text = self.export_text = ""
        self.kiosk.in_background(
            lambda: read_snapshot(self.kiosk.store, device_today=self._device_today),
            self._loaded, self._failed)

    def _device_today(self) -> dt.date:
        return self.kiosk.now().date()

    def shift_day(self, step: int) -> None:
        """The day before or after the one shown (kept within the store's days)."""
        if self.snapshot is None or self.busy:
            return
        store, day = self.kiosk.store, self.snapshot.day + dt.timedelta(days=step)
        self.busy = True
        self.kiosk.in_background(
            lambda: read_snapshot(store, day, device_today=self._device_today),
            self._loaded, self._failed)

    def open_workshops(self) -> None:
        """The workshops of the day shown ("Ateliers collectifs")."""
        if self.snapshot is None or self.busy:
            return
        self.kiosk.show("atelier")
        self.manager.get_screen("atelier").open_for(self.snapshot.day, self.snapshot.today)

    def reload(self) -> None:
        """Back from the workshops: the same day again, with its new figures."""
        self.shift_day(0)

    def shift_quarter(self, step: int) -> None:
        self.quarter_back = min(max(self.quarter_back - step, 0), EXPORT_QUARTERS - 1)
        self._show_quarter()

    def _loaded(self, snapshot: Snapshot) -> None:
        self.busy = False
        self.snapshot = snapshot
        self._show()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.export_text = self.kiosk.tr("Erreur : {error}", error=error)

    def _show(self, *_args) -> None:
        snap = self.snapshot
        if snap is None:
            return
        tr = self.kiosk.tr
        self._show_day(snap)
        self._show_quarter()
        top = max([1, *snap.counts.values()])
        for cid, row in self._rows.items():
            row.label = tr(self.kiosk.category(cid).phrase("short"))
            row.today, row.week = snap.counts.get(cid, 0), snap.week.get(cid, 0)
            row.quarter = snap.quarter.get(cid, 0)
            row.fraction = row.today / top
        totals = {"week": sum(snap.week.values()), "quarter": snap.quarter_name,
                  "q": sum(snap.quarter.values())}
        if snap.day == snap.today:
            self.totals_text = tr("Total : aujourd'hui {today}, cette semaine {week}, "
                                  "trimestre {quarter} {q}.",
                                  today=sum(snap.counts.values()), **totals)
        else:
            self.totals_text = tr("Total : ce jour-là {n}, sa semaine {week}, "
                                  "trimestre {quarter} {q}.",
                                  n=sum(snap.counts.values()), **totals)
        self.extras_text = extras_words(tr, snap.workshops, snap.exits,
                                        self.kiosk.kiosk_config.kiosk.exit_question)
        self.sync_text = self._sync_words(snap)
        self.clock_text = tr(Message(snap.clock_reason))
        question = "today" if not snap.clock_trusted else "pending" if snap.pending else ""
        if question != self.date_question:
            # The device's date is only a first guess: never before this software existed.
            self.pending_day = max(snap.today, BUILD_DATE) if question else None
        self.date_question = question
        self.has_pending = bool(question)
        if question == "today":
            self.pending_text = tr("Visites qui attendent une date : {n} (l'heure n'est pas "
                                   "sûre). Quel jour sommes-nous ?", n=snap.pending)
        elif question == "pending":
            self.pending_text = tr("Visites qui attendent une date : {n} (l'heure n'était "
                                   "pas sûre). Choisissez le jour où elles ont été faites.",
                                   n=snap.pending)
        else:
            self.pending_text = ""
        self._show_pending_day()

    def _show_day(self, snap: Snapshot) -> None:
        tr, day = self.kiosk.tr, snap.day
        self.day_title = (tr("Aujourd'hui, {day} {year}", day=day, year=day.year)
                          if day == snap.today
                          else tr("Jour choisi : {day} {year}", day=day, year=day.year))
        self.can_earlier_day = day > snap.first_day
        self.can_later_day = day < snap.today

    def _show_quarter(self) -> None:
        if self.snapshot is None:
            return
        quarter = quarter_back(self.snapshot.today, self.quarter_back)
        self.can_earlier_quarter = self.quarter_back < EXPORT_QUARTERS - 1
        self.can_later_quarter = self.quarter_back > 0
        first_month = 3 * int(quarter[-1]) - 3
        tr = self.kiosk.tr
        self.quarter_title = tr("Trimestre à exporter : {first} à {last} {year}",
                                first=tr(MONTHS[first_month]), last=tr(MONTHS[first_month + 2]),
                                year=quarter[:4])

    def _show_pending_day(self) -> None:
        day = self.pending_day
        if day is None:
            self.pending_day_text = ""
        elif self.date_question == "today":
            self.pending_day_text = self.kiosk.tr("Nous sommes le {day} {year}", day=day,
                                                  year=day.year)
        else:
            self.pending_day_text = self.kiosk.tr("Elles sont du {day} {year}", day=day,
                                                  year=day.year)

    def shift_pending_day(self, days: int) -> None:
        """-1 / +1 day on the day offered for the waiting taps."""
        if self.pending_day is not None:
            self.pending_day = max(BUILD_DATE, self.pending_day + dt.timedelta(days=days))
            self._show_pending_day()

    def _sync_words(self, snap: Snapshot) -> str:
        if not self.kiosk.kiosk_config.coordinator.enabled:
            return self.kiosk.tr("Pas d'envoi : aucun coordinateur n'est réglé. "
                                 "Les nombres restent ici.")
        from sync.client import SyncState

        # Until the sync client's first state arrives, the store's own record says it.
        state = self.kiosk.sync_state or SyncState(
            snap.last_success, snap.days_unsynced, Message.loads(snap.last_error),
            snap.clock_trusted, snap.clock_reason, snap.pending)
        return "\n".join(self.kiosk.tr(message) for message in state.messages())

    # --- corrections ---------------------------------------------------------------------

    def ask_correction(self, category_id: str, delta: int) -> None:
        """Ask before changing a count of the day shown; the question names that day."""
        if self.snapshot is None:
            return
        label = self.kiosk.category(category_id).phrase("short")
        tr, day = self.kiosk.tr, self.snapshot.day
        if day == self.snapshot.today:
            question = (tr("Ajouter 1 à « {label} » pour aujourd'hui ?", label=label)
                        if delta > 0 else
                        tr("Retirer 1 à « {label} » pour aujourd'hui ?", label=label))
        else:
            question = (tr("Ajouter 1 à « {label} » pour le {day} {year} ?", label=label,
                           day=day, year=day.year)
                        if delta > 0 else
                        tr("Retirer 1 à « {label} » pour le {day} {year} ?", label=label,
                           day=day, year=day.year))
        self._pending_correction = (day, category_id, delta)
        self._dialog = ConfirmCorrection(question=question, screen=self)
        self._dialog.open()

    def confirm_correction(self) -> None:
        self._dialog.dismiss(animation=False)
        if self._pending_correction is None:
            return
        day, category_id, delta = self._pending_correction
        self._pending_correction = None
        store = self.kiosk.store

        def correct():
            store.correct(day, category_id, delta)
            return read_snapshot(store, day, device_today=self._device_today)

        self.busy = True
        self.kiosk.in_background(correct, self._loaded, self._failed)

    def cancel_correction(self) -> None:
        self._pending_correction = None
        self._dialog.dismiss(animation=False)

    # --- pending taps, export ------------------------------------------------------------

    def confirm_pending(self) -> None:
        """Answer the date question with the day the mediator chose: today's date (which
        also dates this boot's waiting taps), or the day of earlier waiting taps."""
        store = self.kiosk.store
        day = self.pending_day
        if day is None:
            return
        file_on = store.confirm_today if self.date_question == "today" else store.confirm_pending
        shown = self.snapshot.day if self.snapshot else None

        def confirm():
            file_on(day)
            return read_snapshot(store, shown, device_today=self._device_today)

        self.busy = True
        self.kiosk.in_background(confirm, self._loaded, self._pending_refused)

    def _pending_refused(self, error: Exception) -> None:
        # e.g. a day after today by a trusted clock: say why, keep the taps waiting.
        self.busy = False
        self.pending_text = self.kiosk.tr("Impossible : {error}", error=error)

    def export_quarter(self) -> None:
        """Write the chosen quarter's table onto the USB stick (else the data dir)."""
        if self.snapshot is None:
            return
        config, store = self.kiosk.kiosk_config, self.kiosk.store
        quarter = quarter_back(self.snapshot.today, self.quarter_back)

        def export():
            folder, on_stick = export_folder(config.kiosk.export_dirs, config.kiosk.data_dir)
            folder.mkdir(parents=True, exist_ok=True)
            path = write_quarter_csv(store, quarter, folder / f"permanence-{quarter}.csv")
            return path, on_stick

        self.busy = True
        self.export_text = self.kiosk.tr("Export en cours…")
        self.kiosk.in_background(export, self._exported, self._failed)

    def _exported(self, result) -> None:
        self.busy = False
        self.export_text = written_where(self.kiosk.tr, *result)

    # --- Envoyer maintenant --------------------------------------------------------------

    def send_now(self) -> None:
        """A person's explicit push: every unsent day, today's too (the schedule sends only
        the days that are over). The sync lines above say the state it leaves."""
        client = self.kiosk.sync_client
        if client is None or self.busy:
            return
        store, day = self.kiosk.store, self.snapshot.day if self.snapshot else None

        def push():
            return client.sync_now(), read_snapshot(store, day, device_today=self._device_today)

        self.busy = True
        self.send_text = self.kiosk.tr("Envoi en cours…")
        self.kiosk.in_background(push, self._sent, self._send_failed)

    def _sent(self, outcome) -> None:
        result, snapshot = outcome
        self._loaded(snapshot)
        self.send_text = "\n".join(self.kiosk.tr(m) for m in result.messages())

    def _send_failed(self, error: Exception) -> None:
        self.busy = False
        self.send_text = self.kiosk.tr("Erreur : {error}", error=error)


Builder.load_file(str(Path(__file__).with_name("voice.kv")))  # its VolumeRow (screens/voice.py)
Builder.load_file(str(Path(__file__).with_suffix(".kv")))
