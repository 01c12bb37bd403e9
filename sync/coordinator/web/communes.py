"""The communes page (`/communes`, administrators): the network's communes with their kiosks,
and the three fixes a typo or a test needs: rename, merge, hide."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator import communes
from sync.coordinator.app import EngineDep

from .pages import AdminUser, checked_form, page

router = APIRouter(include_in_schema=False)


def _page(request, engine, error: str | None = None, done: str | None = None):
    rows = communes.overview(engine)
    return page(request, "communes.html", {
        "rows": rows, "error": error, "done": done,
        "in_use": [r for r in rows if r["active_kiosks"] or r["revoked"] or r["days"]],
        "choices": [r["commune"] for r in rows if r["commune"].active],
    }, status=400 if error else 200)


@router.get("/communes", response_class=HTMLResponse)
def commune_list(request: Request, user: AdminUser, engine: EngineDep):
    return _page(request, engine, done=request.session.pop("communes_fait", None))


@router.post("/communes", response_class=HTMLResponse)
async def commune_change(request: Request, user: AdminUser, engine: EngineDep):
    """One of: rename (commune, nouveau_nom), merge (source, cible), hide/show (commune)."""
    form = await checked_form(request)
    action = form.get("action", "")
    try:
        if action == "renommer":
            renamed = communes.rename(engine, form.get("commune", ""), form.get("nouveau_nom", ""))
            done = f"Commune renommée « {renamed.name} »."
        elif action == "fusionner":
            moved, target = communes.merge(engine, form.get("source", ""), form.get("cible", ""))
            done = f"{moved} borne(s) et leurs chiffres rattachées à « {target.name} »."
        elif action in ("masquer", "afficher"):
            commune = communes.set_active(engine, form.get("commune", ""), action == "afficher")
            done = f"Commune « {commune.name} » {'affichée' if commune.active else 'masquée'}."
        else:
            raise communes.CommuneError("Action inconnue.")
    except communes.CommuneError as exc:
        return _page(request, engine, error=str(exc))
    request.session["communes_fait"] = done  # said once, on the page the browser goes to
    return RedirectResponse("/communes", status_code=303)
