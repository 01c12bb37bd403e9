"""The directory of permanences (`/permanences`, issue 12 point 3): what each active kiosk
last said of its permanence (annex 1 of the convention), from the places table.

Institutional facts only (place, address, hours, appointment rule, help offered), shown to
every account: a commune reader sees no other commune's figures here, only where and when
its neighbours' permanences open.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kiosk.config import WEEKDAYS
from sync.coordinator import places, reports, texts
from sync.coordinator.app import EngineDep

from .pages import CurrentUser, local, page

router = APIRouter(include_in_schema=False)


def _moment(text: str | None) -> dt.datetime | None:
    return local(dt.datetime.fromisoformat(text)) if text else None


def week(hours: dict[str, list[str]]) -> list[tuple[str, str]]:
    """("lundi", "09:00–12:00, 14:00–17:00") for each day with a slot, Monday first."""
    return [(texts.WEEKDAYS[i], ", ".join(slot.replace("-", "–") for slot in hours[name]))
            for i, name in enumerate(WEEKDAYS) if hours.get(name)]


def _entry(entry: dict) -> dict:
    return {
        **entry,
        "week": week(entry["hours"]),
        "help": [reports.category_heading(c) for c in entry["categories"]],
        "changed": _moment(entry["changed_at"]),
        "contact": _moment(entry["last_contact"]),
    }


@router.get("/permanences", response_class=HTMLResponse)
def directory(request: Request, user: CurrentUser, engine: EngineDep):
    return page(request, "directory.html",
                {"entries": [_entry(e) for e in places.list_places(engine)]})
