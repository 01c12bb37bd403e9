"""Workshops and exit answers for any report: figures kept apart from individual visits.

A workshop's participants are not visits and an exit answer is not a reason for coming,
so every report shows them in a section of their own, never in the visits' totals. Other
report writers (the annual PDF, the dashboard) read the same figures here::

    >>> with engine.connect() as conn:
    ...     workshops(conn, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    [WorkshopRow(commune='Crolles', theme='securite_numerique', label='Sensibilisation…',
                 sessions=2, participants=13)]
    ...     exit_answers(conn, start, end)
    [ExitRow(commune='Crolles', answers={'oui': 4, 'un_peu': 1, 'non': 0})]

Both take a connection (or an engine) and a period, both days included, and an optional
commune. Rows come per commune then theme in catalogue order; `section(...)` bundles
them with their network totals, and `csv_rows` / `sheet_rows` lay them out for the files
(the CSV section and the spreadsheets' sheet appear only when there is something in them,
so a file without workshops or answers is the visits' table exactly as before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from kiosk.extras import EXIT_ANSWERS
from sync.coordinator.schema import exit_answers as exit_table
from sync.coordinator.schema import kiosks
from sync.coordinator.schema import workshops as workshop_table

from .figures import category_ids, category_label
from .hand import SOURCE_KIOSK

#: The exit question and its answers as the coordinator's reports word them.
EXIT_SHORT = "Avons-nous pu vous aider ?"
EXIT_QUESTION = f"{EXIT_SHORT} (réponses au départ)"
EXIT_LABELS = {"oui": "Oui", "un_peu": "Un peu", "non": "Non"}
WORKSHOPS_TITLE = "Ateliers collectifs (comptés à part des visites individuelles)"
WORKSHOP_HEADER = ("Commune", "Thème", "Ateliers", "Participants")
EXIT_HEADER = ("Commune", *EXIT_LABELS.values(), "Total")
NONE_YET = "Aucun atelier enregistré sur la période."
NO_ANSWER = "Aucune réponse reçue sur la période (question au départ désactivée ou sans réponse)."
SHEET = "Ateliers et avis"
ALL_THEMES = "Tous les thèmes"


@dataclass(frozen=True)
class WorkshopRow:
    commune: str
    theme: str
    label: str
    sessions: int
    participants: int


@dataclass(frozen=True)
class ExitRow:
    commune: str
    answers: dict[str, int]  # every answer id, zeros too

    @property
    def total(self) -> int:
        return sum(self.answers.values())


@dataclass
class Section:
    """A period's workshops and exit answers, per commune, with the network's totals."""

    workshops: list[WorkshopRow] = field(default_factory=list)
    exits: list[ExitRow] = field(default_factory=list)

    @property
    def workshop_totals(self) -> list[WorkshopRow]:
        """Per theme, every commune together (only themes with workshops)."""
        totals: dict[str, list[int]] = {}
        for row in self.workshops:
            slot = totals.setdefault(row.theme, [0, 0])
            slot[0] += row.sessions
            slot[1] += row.participants
        return [WorkshopRow("", t, category_label(t), *totals[t])
                for t in category_ids() if t in totals]

    @property
    def sessions(self) -> int:
        return sum(r.sessions for r in self.workshops)

    @property
    def participants(self) -> int:
        return sum(r.participants for r in self.workshops)

    @property
    def exit_totals(self) -> ExitRow:
        return ExitRow("", {a: sum(r.answers[a] for r in self.exits) for a in EXIT_ANSWERS})


def _run(conn, query):
    if isinstance(conn, Engine):
        with conn.connect() as own:
            return own.execute(query).all()
    return conn.execute(query).all()


def _where(table, start: dt.date, end: dt.date, commune: str | None) -> list:
    where = [table.c.day >= start, table.c.day <= end]
    return where + ([kiosks.c.commune == commune] if commune else [])


def workshops(conn, start: dt.date, end: dt.date, commune: str | None = None
              ) -> list[WorkshopRow]:
    """Sessions and participants per (commune, theme) between start and end, included."""
    t = workshop_table
    query = (select(kiosks.c.commune, t.c.theme, func.sum(t.c.sessions),
                    func.sum(t.c.participants))
             .join(kiosks, kiosks.c.id == t.c.kiosk_id)
             .where(*_where(t, start, end, commune))
             .group_by(kiosks.c.commune, t.c.theme))
    order = {theme: i for i, theme in enumerate(category_ids())}
    rows = [WorkshopRow(c, theme, category_label(theme), int(s or 0), int(p or 0))
            for c, theme, s, p in _run(conn, query) if s]
    return sorted(rows, key=lambda r: (r.commune, order.get(r.theme, len(order))))


def exit_answers(conn, start: dt.date, end: dt.date, commune: str | None = None
                 ) -> list[ExitRow]:
    """The exit answers per commune between start and end, included (communes with some)."""
    t = exit_table
    query = (select(kiosks.c.commune, t.c.answer, func.sum(t.c.count))
             .join(kiosks, kiosks.c.id == t.c.kiosk_id)
             .where(*_where(t, start, end, commune))
             .group_by(kiosks.c.commune, t.c.answer))
    per: dict[str, dict[str, int]] = {}
    for c, answer, n in _run(conn, query):
        if answer in EXIT_ANSWERS and n:
            per.setdefault(c, dict.fromkeys(EXIT_ANSWERS, 0))[answer] = int(n)
    return [ExitRow(c, per[c]) for c in sorted(per)]


def section(engine, start: dt.date, end: dt.date, commune: str | None = None) -> Section:
    """Both, for one report (one connection)."""
    with engine.connect() as conn:
        return Section(workshops(conn, start, end, commune),
                       exit_answers(conn, start, end, commune))


def csv_rows(extras: Section, quarter: str, network_label: str | None) -> list[list]:
    """The section as rows of the quarterly CSV, after the visits' table: seven columns like
    it (the source: the kiosks), each part under a heading row of its own, no blank row
    and no "Total" in the category column (a reader summing the visits' totals never meets them). Network rows
    only when `network_label` is given (not in a commune's own export). Empty when there
    is nothing to show: the file stays the visits' table alone."""
    rows: list[list] = []
    if extras.workshops:
        rows.append(["trimestre", "commune", "atelier collectif : thème", "", "ateliers",
                     "participants", "source"])
        rows += [[quarter, r.commune, r.label, "", r.sessions, r.participants, SOURCE_KIOSK]
                 for r in extras.workshops]
        if network_label:
            rows += [[quarter, network_label, r.label, "", r.sessions, r.participants,
                      SOURCE_KIOSK] for r in extras.workshop_totals]
            rows.append([quarter, network_label, ALL_THEMES, "", extras.sessions,
                         extras.participants, SOURCE_KIOSK])
    if extras.exits:
        rows.append(["trimestre", "commune", f"réponse à « {EXIT_SHORT} »", "", "nombre", "",
                     "source"])
        lines = list(extras.exits) + ([ExitRow(network_label, extras.exit_totals.answers)]
                                      if network_label else [])
        rows += [[quarter, r.commune, EXIT_LABELS[a], "", n, "", SOURCE_KIOSK]
                 for r in lines for a, n in r.answers.items()]
    return rows


def sheet_rows(extras: Section, network_label: str | None) -> list[tuple[list, str]]:
    """The section as spreadsheet rows, each with its style: "title", "head", "total" or ""."""
    rows: list[tuple[list, str]] = [([WORKSHOPS_TITLE], "title"),
                                    (list(WORKSHOP_HEADER), "head")]
    rows += [([r.commune, r.label, r.sessions, r.participants], "") for r in extras.workshops]
    if not extras.workshops:
        rows.append(([NONE_YET], ""))
    elif network_label:
        rows += [([network_label, r.label, r.sessions, r.participants], "total")
                 for r in extras.workshop_totals]
        rows.append(([network_label, ALL_THEMES, extras.sessions, extras.participants],
                     "total"))
    rows += [([], ""), ([EXIT_QUESTION], "title"), (list(EXIT_HEADER), "head")]
    rows += [([r.commune, *r.answers.values(), r.total], "") for r in extras.exits]
    if not extras.exits:
        rows.append(([NO_ANSWER], ""))
    elif network_label:
        total = extras.exit_totals
        rows.append(([network_label, *total.answers.values(), total.total], "total"))
    return rows
