"""`GET /mandat.pdf?commune=<name>`: the printable mandate, public (issue 12).

No login: it is a blank form that a visitor opens from the kiosk's QR code. The commune's
name only fills the blank: it is checked (letters, spaces, - ' ’ . ; at most 60), printed
only when a kiosk of the network is registered there (so nobody can make an official-looking
form for a commune outside it), and never stored or logged by this route.
"""

from __future__ import annotations

import unicodedata

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sync.coordinator.app import EngineDep
from sync.coordinator.kiosks import list_communes
from sync.coordinator.reports.mandate_pdf import CommuneError, clean_commune, mandate_pdf

from .pages import BadForm

router = APIRouter(include_in_schema=False)


def _known(engine, commune: str) -> str:
    """The network's spelling of `commune` (case and accents aside), or "" when unknown."""
    def key(text: str) -> str:
        bare = unicodedata.normalize("NFKD", text.replace("’", "'"))
        return "".join(c for c in bare if not unicodedata.combining(c)).casefold()

    wanted = key(commune)
    return next((c for c in list_communes(engine) if key(c) == wanted), "") if commune else ""


@router.get("/mandat.pdf")
def mandate(request: Request, engine: EngineDep) -> Response:
    try:
        commune = clean_commune(request.query_params.get("commune"))
    except CommuneError as exc:
        raise BadForm(str(exc)) from None
    commune = _known(engine, commune)
    name = "mandat.pdf" if not commune else "mandat-" + "".join(
        c if c.isascii() and c.isalnum() else "-" for c in commune).strip("-").lower() + ".pdf"
    return Response(mandate_pdf(commune), media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "public, max-age=3600",
    })
