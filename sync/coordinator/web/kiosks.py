"""The kiosks pages (`/bornes`): list with warnings and install ids, add, revoke, reset."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator import kiosks, texts
from sync.coordinator.app import EngineDep

from .charts import qr_svg
from .pages import AdminUser, BadForm, checked_form, local, page

router = APIRouter(include_in_schema=False)

STALE_AFTER_DAYS = 14
SKEW_WARNING_S = 600


def _kiosk_rows(engine, now: dt.datetime) -> list[dict]:
    rows = []
    for k in kiosks.list_kiosks(engine):
        last = local(k.last_contact_at)
        days_since = (now - last).days if last else None
        warnings = []
        if k.revoked_at is None:
            if last is None:
                warnings.append(texts.NEVER_CONTACTED)
            elif days_since > STALE_AFTER_DAYS:
                warnings.append(texts.STALE.format(days=STALE_AFTER_DAYS))
            if k.clock_trusted is False:
                warnings.append(texts.CLOCK_UNTRUSTED)
            elif k.clock_skew_s is not None and abs(k.clock_skew_s) > SKEW_WARNING_S:
                warnings.append(texts.CLOCK_OFF)
            if len(k.installs) >= kiosks.MAX_INSTALLS:
                warnings.append(texts.INSTALLS_FULL.format(n=kiosks.MAX_INSTALLS))
        rows.append({"kiosk": k, "last": last, "days_since": days_since,
                     "revoked": local(k.revoked_at), "warnings": warnings})
    return rows


def _kiosk_by_id(engine, kiosk_id: int) -> kiosks.Kiosk:
    kiosk = kiosks.get_kiosk(engine, kiosk_id)
    if kiosk is None:
        raise BadForm(texts.UNKNOWN_KIOSK, status=404)
    return kiosk


@router.get("/bornes", response_class=HTMLResponse)
def kiosk_list(request: Request, user: AdminUser, engine: EngineDep):
    rows = _kiosk_rows(engine, request.app.state.now())
    return page(request, "kiosks.html", {
        "active": [r for r in rows if r["revoked"] is None],
        "revoked": [r for r in rows if r["revoked"] is not None],
        "stale_days": STALE_AFTER_DAYS,
        "max_installs": kiosks.MAX_INSTALLS,
    })


@router.get("/bornes/ajouter", response_class=HTMLResponse)
def kiosk_new_page(request: Request, user: AdminUser, engine: EngineDep):
    return page(request, "kiosk_new.html",
                {"communes": kiosks.list_communes(engine), "error": None, "form": {}})


@router.post("/bornes/ajouter", response_class=HTMLResponse)
async def kiosk_new(request: Request, user: AdminUser, engine: EngineDep):
    form = await checked_form(request)
    name, commune = form.get("nom", "").strip(), form.get("commune", "").strip()
    try:
        token = kiosks.add_kiosk(engine, name, commune)
    except kiosks.KioskError as exc:
        return page(request, "kiosk_new.html",
                    {"communes": kiosks.list_communes(engine),
                     "error": texts.KIOSK_REFUSED.format(reason=exc), "form": form}, status=400)
    url = str(request.base_url).rstrip("/")
    payload = json.dumps({"url": url, "token": token}, separators=(",", ":"))
    return page(request, "kiosk_created.html", {
        "name": name, "commune": commune, "token": token, "url": url, "qr": qr_svg(payload),
    })


@router.get("/bornes/{kiosk_id}/revoquer", response_class=HTMLResponse)
def kiosk_revoke_page(request: Request, kiosk_id: int, user: AdminUser, engine: EngineDep):
    return page(request, "kiosk_revoke.html", {"kiosk": _kiosk_by_id(engine, kiosk_id)})


@router.post("/bornes/{kiosk_id}/revoquer")
async def kiosk_revoke(request: Request, kiosk_id: int, user: AdminUser, engine: EngineDep):
    await checked_form(request)
    kiosks.revoke_kiosk(engine, _kiosk_by_id(engine, kiosk_id).name)
    return RedirectResponse("/bornes", status_code=303)


@router.post("/bornes/{kiosk_id}/reinitialiser")
async def kiosk_reset_installs(request: Request, kiosk_id: int, user: AdminUser,
                               engine: EngineDep):
    """Forget the kiosk's install ids (logged with the account that asked)."""
    await checked_form(request)
    kiosks.reset_installs(engine, _kiosk_by_id(engine, kiosk_id).name, by=user.login)
    return RedirectResponse("/bornes", status_code=303)
