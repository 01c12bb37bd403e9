"""The two counts kept beside the visits: workshops and the exit question's answers.

Both are anonymous per-day aggregates, like the category counts, and shared by the store,
the sync protocol and the coordinator, so their ids and bounds live here (core, no I/O):

- a **workshop** (atelier collectif) is recorded by the mediator with its theme (a
  category id) and its number of participants (1 to `MAX_PARTICIPANTS`);
- an **exit answer** is a visitor's reply to "Avons-nous pu vous aider ?" on leaving.
"""

from __future__ import annotations

from kiosk.catalogue import CATEGORY_IDS

#: The answers to the exit question, in the order the buttons show them.
EXIT_ANSWERS: tuple[str, ...] = ("oui", "un_peu", "non")
#: Participants of one workshop (the stepper's bounds).
MAX_PARTICIPANTS = 99
#: Workshops of one theme on one day: more cannot come from one desk.
MAX_WORKSHOPS = 20
#: Exit answers of one kind on one day (the visits' own bound).
MAX_EXITS = 5000


def check_theme(theme) -> None:
    """Refuse a workshop theme that is not a category id."""
    if theme not in CATEGORY_IDS:
        raise ValueError(f"unknown workshop theme {theme!r} (known: {', '.join(CATEGORY_IDS)})")


def check_participants(participants) -> None:
    """Refuse anything but a whole number of participants from 1 to MAX_PARTICIPANTS."""
    if (isinstance(participants, bool) or not isinstance(participants, int)
            or not 1 <= participants <= MAX_PARTICIPANTS):
        raise ValueError(f"participants must be a whole number from 1 to {MAX_PARTICIPANTS}, "
                         f"not {participants!r}")


def check_answer(answer) -> None:
    """Refuse an exit answer that is not one of EXIT_ANSWERS."""
    if answer not in EXIT_ANSWERS:
        raise ValueError(f"unknown exit answer {answer!r} (known: {', '.join(EXIT_ANSWERS)})")


def workshop_totals(sizes: dict) -> dict[str, dict[str, int]]:
    """{theme: {size: sessions}} (as stored) -> {theme: {"sessions": s, "participants": p}}."""
    totals = {}
    for theme, by_size in sizes.items():
        sessions = sum(by_size.values())
        if sessions:
            totals[theme] = {"sessions": sessions,
                             "participants": sum(int(n) * k for n, k in by_size.items())}
    return totals
