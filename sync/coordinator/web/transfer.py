"""The phone page of an offline transfer: `GET /t/<payload>` shows it, `POST` files it.

A mediator scans a QR code on the kiosk; the phone opens this page with no login: the
signed payload is its own credential. GET never files anything (phones and chat apps
fetch links ahead), the "Envoyer" button POSTs to the same URL. A program's POST (no
`text/html` in Accept) gets JSON. An altered payload is refused (4xx) and files nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from sync.coordinator import ingest, transfers
from sync.transfer import URL_SEGMENT, TransferError

from .pages import page

router = APIRouter(include_in_schema=False)

REFUSED = ("Ce code n'est pas valable. Il a peut-être été mal lu, ou il ne vient pas "
           "d'une borne de ce réseau.")
INVALID = "Ce code contient un jour refusé (par exemple une date dans le futur)."


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _opened(request: Request, payload: str) -> tuple[transfers.Transfer, object]:
    """The verified transfer and its push; HTTPException 403 (altered) or 422 (bad day)."""
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            transfer = transfers.open_transfer(conn, payload)
    except TransferError as exc:
        raise HTTPException(403, f"transfer refused: {exc}") from None
    now = request.app.state.now()
    try:
        push = transfer.push(now)
        ingest.refuse_future_days(push, now)
    except (TransferError, ingest.Refused) as exc:
        raise HTTPException(422, str(exc)) from None
    return transfer, push


def _context(transfer: transfers.Transfer) -> dict:
    payload = transfer.payload
    return {"kiosk": transfer.kiosk_name, "commune": transfer.commune, "days": payload.days,
            "visits": transfer.visits, "part": payload.part, "parts": payload.parts}


def _refusal(request: Request, exc: HTTPException):
    message = INVALID if exc.status_code == 422 else REFUSED
    return page(request, "transfer.html", {"error": message}, status=exc.status_code)


@router.get(f"/{URL_SEGMENT}/{{payload}}")
def show(request: Request, payload: str):
    try:
        transfer, _push = _opened(request, payload)
    except HTTPException as exc:
        return _refusal(request, exc)
    held = transfers.already_held(request.app.state.engine, transfer)
    return page(request, "transfer.html", {**_context(transfer), "held": held})


@router.post(f"/{URL_SEGMENT}/{{payload}}")
def file_transfer(request: Request, payload: str):
    html = _wants_html(request)
    try:
        transfer, push = _opened(request, payload)
    except HTTPException as exc:
        if html:
            return _refusal(request, exc)
        raise
    filed = transfers.file_one(request.app.state.engine, transfer, push,
                               request.app.state.now())
    if html:
        return page(request, "transfer.html", {**_context(transfer), "filed": True})
    return JSONResponse({
        "kiosk": transfer.kiosk_name, "commune": transfer.commune,
        "part": transfer.payload.part, "parts": transfer.payload.parts,
        "days": filed.days, "visits": filed.visits, "updated": filed.updated})
