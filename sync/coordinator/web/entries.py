"""`/saisies`: what the coordinator enters by hand (a kiosk's file, paper tallies,
quarterly notes, equipment), one hub page linking each form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .pages import CurrentUser, page

router = APIRouter(include_in_schema=False)


@router.get("/saisies", response_class=HTMLResponse)
def hub(request: Request, user: CurrentUser):
    return page(request, "entries.html", {})
