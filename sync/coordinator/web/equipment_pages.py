"""`/saisies/materiel`: the equipment handed over to each commune, and its flags (a
permanence not started three weeks after delivery, a warranty ending within three months).
Administrators only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator import equipment
from sync.coordinator.app import EngineDep
from sync.coordinator.kiosks import list_communes
from sync.coordinator.manual import ManualError

from .pages import AdminUser, BadForm, checked_form, page, today
from .removal import add_removal

router = APIRouter(include_in_schema=False)

GONE = "Ce matériel n'existe plus dans la liste (il a peut-être été supprimé)."


def _record(engine, record_id: int) -> equipment.Equipment:
    record = equipment.get(engine, record_id)
    if record is None:
        raise BadForm(GONE, status=404)
    return record


def _form_page(request, engine, record_id: int | None, form: dict, error: str | None = None):
    return page(request, "equipment_form.html", {
        "record_id": record_id, "form": form, "error": error,
        "communes": list_communes(engine),
    }, status=400 if error else 200)


@router.get("/saisies/materiel", response_class=HTMLResponse)
def equipment_list(request: Request, user: AdminUser, engine: EngineDep):
    return page(request, "equipment.html", {
        "records": equipment.list_all(engine), "flags": equipment.flags(engine, today(request)),
        "startup_days": equipment.STARTUP_DAYS, "warranty_months": equipment.WARRANTY_MONTHS,
    })


@router.get("/saisies/materiel/ajouter", response_class=HTMLResponse)
def equipment_new_page(request: Request, user: AdminUser, engine: EngineDep):
    return _form_page(request, engine, None, {})


@router.get("/saisies/materiel/{record_id}/modifier", response_class=HTMLResponse)
def equipment_edit_page(request: Request, record_id: int, user: AdminUser, engine: EngineDep):
    r = _record(engine, record_id)
    form = {"commune": r.commune, "item": r.item, "delivered_on": f"{r.delivered_on:%Y-%m-%d}",
            "warranty_end": f"{r.warranty_end:%Y-%m-%d}" if r.warranty_end else "",
            "invoice_ref": r.invoice_ref}
    return _form_page(request, engine, record_id, form)


async def _save(request: Request, engine, record_id: int | None):
    form = await checked_form(request)
    try:
        draft = equipment.check_draft(form, today(request))
    except ManualError as exc:
        return _form_page(request, engine, record_id, form, str(exc))
    if record_id is None:
        equipment.add(engine, draft)
    elif not equipment.change(engine, record_id, draft):
        raise BadForm(GONE, status=404)
    return RedirectResponse("/saisies/materiel", status_code=303)


@router.post("/saisies/materiel/ajouter")
async def equipment_new(request: Request, user: AdminUser, engine: EngineDep):
    return await _save(request, engine, None)


@router.post("/saisies/materiel/{record_id}/modifier")
async def equipment_edit(request: Request, record_id: int, user: AdminUser, engine: EngineDep):
    return await _save(request, engine, record_id)


add_removal(router, "/saisies/materiel", load=_record, remove=equipment.remove,
            template="equipment_remove.html", name="record", gone=GONE)
