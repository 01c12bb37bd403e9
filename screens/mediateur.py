"""The mediator's view: today's tally (with +1/-1 corrections), this week, this quarter; the
sync state; taps waiting for a date; the quarterly export to a USB stick; back to Accueil.

Every store read or write runs on the app's worker thread; the screen shows the result.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
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
from kiosk.i18n import Message
from kiosk.periods import parse_quarter, quarter_of, week_of
from kiosk.tally import day_tally
from screens.widgets import KioskScreen


@dataclass(frozen=True)
class Snapshot:
    """What the mediator view shows, read from the store in one go off the UI thread."""

    today: dt.date
    counts: dict[str, int]
    week: dict[str, int]
    quarter: dict[str, int]
    quarter_name: str
    clock_trusted: bool
    clock_reason: str
    pending: int
    days_unsynced: int
    last_success: dt.datetime | None
    last_error: str


def read_snapshot(store) -> Snapshot:
    clock = store.clock_state()
    today = clock.today or dt.date.today()
    week_start, week_end = week_of(today)
    quarter = quarter_of(today)
    q_start, q_end = parse_quarter(quarter)
    status = store.sync_status
    return Snapshot(today, day_tally(store, today).counts, store.totals(week_start, week_end),
                    store.totals(q_start, q_end), quarter, clock.trusted, clock.reason,
                    clock.pending, len(store.unsynced()), status.last_success,
                    status.last_error)


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


class MediatorRow(BoxLayout):
    category_id = StringProperty("")
    icon = StringProperty("")
    label = StringProperty("")
    today = NumericProperty(0)
    week = NumericProperty(0)
    quarter = NumericProperty(0)
    fraction = NumericProperty(0)
    screen = ObjectProperty(None)


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

    def on_kv_post(self, _base):
        self._rows = {}
        for category in self.kiosk.categories:
            row = MediatorRow(category_id=category.id, icon=category.pictogram, screen=self)
            self._rows[category.id] = row
            self.ids.rows.add_widget(row)
        self._pending_correction = None
        self.kiosk.bind(lang=self._show, sync_state=self._show)

    def refresh(self) -> None:
        self.kiosk.in_background(lambda: read_snapshot(self.kiosk.store), self._loaded,
                                 self._failed)

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
        top = max([1, *snap.counts.values()])
        for cid, row in self._rows.items():
            row.label = tr(self.kiosk.category(cid).phrase("short"))
            row.today, row.week = snap.counts.get(cid, 0), snap.week.get(cid, 0)
            row.quarter = snap.quarter.get(cid, 0)
            row.fraction = row.today / top
        self.totals_text = tr("Total : aujourd'hui {today}, cette semaine {week}, "
                              "trimestre {quarter} {q}.",
                              today=sum(snap.counts.values()), week=sum(snap.week.values()),
                              quarter=snap.quarter_name, q=sum(snap.quarter.values()))
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
        label = self.kiosk.category(category_id).phrase("short")
        tr = self.kiosk.tr
        question = (tr("Ajouter 1 à « {label} » pour aujourd'hui ?", label=label) if delta > 0
                    else tr("Retirer 1 à « {label} » pour aujourd'hui ?", label=label))
        self._pending_correction = (category_id, delta)
        self._dialog = ConfirmCorrection(question=question, screen=self)
        self._dialog.open()

    def confirm_correction(self) -> None:
        self._dialog.dismiss(animation=False)
        if self._pending_correction is None or self.snapshot is None:
            return
        category_id, delta = self._pending_correction
        self._pending_correction = None
        store, day = self.kiosk.store, self.snapshot.today

        def correct():
            store.correct(day, category_id, delta)
            return read_snapshot(store)

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

        def confirm():
            file_on(day)
            return read_snapshot(store)

        self.busy = True
        self.kiosk.in_background(confirm, self._loaded, self._pending_refused)

    def _pending_refused(self, error: Exception) -> None:
        # e.g. a day after today by a trusted clock: say why, keep the taps waiting.
        self.busy = False
        self.pending_text = self.kiosk.tr("Impossible : {error}", error=error)

    def export_quarter(self) -> None:
        if self.snapshot is None:
            return
        config, store, quarter = self.kiosk.kiosk_config, self.kiosk.store, self.snapshot.quarter_name

        def export():
            folder, on_stick = export_folder(config.kiosk.export_dirs, config.kiosk.data_dir)
            folder.mkdir(parents=True, exist_ok=True)
            path = write_quarter_csv(store, quarter, folder / f"permanence-{quarter}.csv")
            return path, on_stick

        self.busy = True
        self.export_text = self.kiosk.tr("Export en cours…")
        self.kiosk.in_background(export, self._exported, self._failed)

    def _exported(self, result) -> None:
        path, on_stick = result
        self.busy = False
        tr = self.kiosk.tr
        self.export_text = (tr("Fichier écrit sur la clé USB : {path}", path=path) if on_stick
                            else tr("Pas de clé USB : fichier écrit dans {path}", path=path))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
