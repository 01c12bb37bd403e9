"""The kiosks pages (`/bornes`): list with warnings and install ids, add, rename or move,
revoke, reset, and the list as a CSV file.

The new kiosk's token is shown once, in groups that never break mid-group on a phone, with a
copy button and a `token.txt` to download. No QR code: the kiosk has no camera to read one,
and a secret drawn on screen only adds a way to leak it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from sync.coordinator import communes, kiosks, texts
from sync.coordinator.app import EngineDep
from sync.coordinator.cells import cell_text
from sync.coordinator.schema import kiosks as kiosks_table

from .pages import AdminUser, BadForm, checked_form, download, local, page

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


def commune_choices(engine) -> list[communes.Commune]:
    """Every commune a kiosk may be put in: the official list and the network's own."""
    with engine.connect() as conn:
        return [c for c in communes.all_communes(conn) if c.active]


def chosen_commune(form: dict) -> tuple[str, bool]:
    """(name or INSEE code, added on purpose): the list's choice, or the typed other one."""
    other = form.get("autre_commune", "").strip()
    return (other, True) if other else (form.get("commune", "").strip(), False)


def _new_page(request, engine, form: dict, error: str | None = None):
    return page(request, "kiosk_new.html", {"communes": commune_choices(engine),
                                            "error": error, "form": form},
                status=400 if error else 200)


@router.get("/bornes/ajouter", response_class=HTMLResponse)
def kiosk_new_page(request: Request, user: AdminUser, engine: EngineDep):
    return _new_page(request, engine, {})


def _french(exc: Exception) -> str:
    """The refusal in French: KioskError's `fr`; a CommuneError is French already."""
    return getattr(exc, "fr", str(exc)).rstrip(".")


@router.post("/bornes/ajouter", response_class=HTMLResponse)
async def kiosk_new(request: Request, user: AdminUser, engine: EngineDep):
    form = await checked_form(request)
    name = form.get("nom", "").strip()
    commune, new = chosen_commune(form)
    try:
        token = kiosks.add_kiosk(engine, name, commune, new_commune=new)
    except (kiosks.KioskError, communes.CommuneError) as exc:
        return _new_page(request, engine, form, texts.KIOSK_REFUSED.format(
            reason=_french(exc)))
    with engine.connect() as conn:
        row = conn.execute(select(kiosks_table.c.id, kiosks_table.c.commune)
                           .where(kiosks_table.c.name == name)).one()
    response = page(request, "kiosk_created.html", {
        "kiosk_id": row.id, "name": name, "commune": row.commune, "token": token,
        "groups": [token[i:i + 4] for i in range(0, len(token), 4)],
        "url": str(request.base_url).rstrip("/"),
    })
    # This page alone runs a script: the copy button (static, same origin).
    response.headers["Content-Security-Policy"] = response.headers[
        "Content-Security-Policy"].replace("script-src 'none'", "script-src 'self'")
    return response


@router.post("/bornes/{kiosk_id}/token.txt")
async def kiosk_token_file(request: Request, kiosk_id: int, user: AdminUser,
                           engine: EngineDep):
    """The token the creation page holds, as the kiosk's token file. The server keeps only
    its hash, so it can hand back only the token the page sends, once it matches."""
    token = (await checked_form(request)).get("jeton", "")
    with engine.connect() as conn:
        stored = conn.execute(select(kiosks_table.c.token_hash)
                              .where(kiosks_table.c.id == kiosk_id)).scalar()
    if stored is None or not hmac.compare_digest(stored, kiosks.hash_token(token)):
        raise BadForm(texts.UNKNOWN_KIOSK, status=404)
    return download(f"{token}\n".encode(), "token.txt", "text/plain; charset=utf-8")


@router.get("/bornes/{kiosk_id}/modifier", response_class=HTMLResponse)
def kiosk_edit_page(request: Request, kiosk_id: int, user: AdminUser, engine: EngineDep):
    kiosk = _kiosk_by_id(engine, kiosk_id)
    return page(request, "kiosk_edit.html", {
        "kiosk": kiosk, "communes": commune_choices(engine), "error": None,
        "form": {"nom": kiosk.name, "commune": kiosk.commune}})


@router.post("/bornes/{kiosk_id}/modifier", response_class=HTMLResponse)
async def kiosk_edit(request: Request, kiosk_id: int, user: AdminUser, engine: EngineDep):
    """Rename a kiosk and/or move it to another commune: its counts go with it."""
    form = await checked_form(request)
    kiosk = _kiosk_by_id(engine, kiosk_id)
    commune, new = chosen_commune(form)
    try:
        if form.get("nom", "").strip() != kiosk.name:
            kiosks.rename_kiosk(engine, kiosk.id, form.get("nom", ""))
        if commune != kiosk.commune:
            kiosks.move_kiosk(engine, kiosk.id, commune, new_commune=new)
    except (kiosks.KioskError, communes.CommuneError) as exc:
        return page(request, "kiosk_edit.html", {
            "kiosk": kiosk, "communes": commune_choices(engine), "form": form,
            "error": texts.KIOSK_REFUSED.format(reason=_french(exc))}, status=400)
    return RedirectResponse("/bornes", status_code=303)


EXPORT_HEADER = ("borne", "commune", "code INSEE", "état", "créée le", "dernier contact",
                 "installations")


@router.get("/bornes/export.csv")
def kiosk_export(user: AdminUser, engine: EngineDep):
    """Every kiosk, for a spreadsheet (`;`, UTF-8 BOM, no cell starts a formula)."""
    with engine.connect() as conn:
        insee = {c.id: c.insee for c in communes.all_communes(conn)}
        commune_id = dict(conn.execute(select(kiosks_table.c.id, kiosks_table.c.commune_id))
                          .all())
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for k in kiosks.list_kiosks(engine):
        last = local(k.last_contact_at)
        writer.writerow([cell_text(v) for v in (
            k.name, k.commune, insee.get(commune_id.get(k.id)) or "",
            "révoquée" if k.revoked_at else "en service", f"{local(k.created_at):%d/%m/%Y}",
            f"{last:%d/%m/%Y %H} h" if last else texts.NEVER, len(k.installs))])
    return download(("\ufeff" + out.getvalue()).encode("utf-8"), "bornes.csv",
                    "text/csv; charset=utf-8")


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
