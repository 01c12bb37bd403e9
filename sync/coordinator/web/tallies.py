"""`/saisies/papier`: a commune's counts from a paper tally, entered, corrected and removed
by an administrator (sync/coordinator/manual.py holds the rule: never added to a kiosk's)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator import manual
from sync.coordinator.app import EngineDep
from sync.coordinator.kiosks import list_communes
from sync.coordinator.reports import category_label

from .pages import AdminUser, BadForm, checked_form, page, today
from .removal import add_removal
from .statistics import parse_period

router = APIRouter(include_in_schema=False)

PERIOD_HELP = ("La période n'est pas valable : choisissez un mois (2026-07), un trimestre "
               "(2026-Q3), une année, ou deux dates dans l'ordre.")
GONE = "Cette saisie n'existe plus (elle a peut-être été supprimée)."


def _entry(engine, entry_id: int) -> manual.ManualEntry:
    entry = manual.get_entry(engine, entry_id)
    if entry is None:
        raise BadForm(GONE, status=404)
    return entry


def _draft(form: dict[str, str], day: dt.date) -> manual.Draft:
    """The checked entry of a posted form (`day`: today); ManualError, one French sentence."""
    try:
        period, _values = parse_period(form, day)
    except BadForm:
        raise manual.ManualError(PERIOD_HELP) from None
    counts = {cat: manual.parse_count(form.get(f"n_{cat}", ""), label)
              for cat, label in _categories()}
    return manual.check_draft(form.get("commune", ""), period, counts, form.get("note", ""),
                              day)


def _categories() -> list[tuple[str, str]]:
    return [(cat, category_label(cat)) for cat in manual.category_ids()]


def _form_values(entry: manual.ManualEntry | None) -> dict[str, str]:
    if entry is None:
        return {"periode": "mois"}
    values = {"commune": entry.commune, "periode": "plage", "du": f"{entry.start:%Y-%m-%d}",
              "au": f"{entry.end:%Y-%m-%d}", "note": entry.note}
    values.update({f"n_{cat}": str(n) for cat, n in entry.counts.items()})
    return values


def _form_page(request, engine, *, entry_id: int | None, form: dict, error: str | None = None):
    return page(request, "tally_form.html", {
        "entry_id": entry_id, "form": form, "error": error, "categories": _categories(),
        "communes": list_communes(engine), "rule": manual.RULE,
        "max_count": manual.MAX_COUNT, "max_note": manual.MAX_NOTE,
    }, status=400 if error else 200)


@router.get("/saisies/papier", response_class=HTMLResponse)
def tally_list(request: Request, user: AdminUser, engine: EngineDep):
    return page(request, "tallies.html", {"entries": manual.list_entries(engine),
                                          "rule": manual.RULE, "categories": _categories()})


@router.get("/saisies/papier/ajouter", response_class=HTMLResponse)
def tally_new_page(request: Request, user: AdminUser, engine: EngineDep):
    return _form_page(request, engine, entry_id=None, form=_form_values(None))


@router.get("/saisies/papier/{entry_id}/modifier", response_class=HTMLResponse)
def tally_edit_page(request: Request, entry_id: int, user: AdminUser, engine: EngineDep):
    return _form_page(request, engine, entry_id=entry_id,
                      form=_form_values(_entry(engine, entry_id)))


async def _save(request: Request, user, engine, entry_id: int | None):
    form = await checked_form(request)
    try:
        draft = _draft(form, today(request))
    except manual.ManualError as exc:
        return _form_page(request, engine, entry_id=entry_id, form=form, error=str(exc))
    by, now = f"{user.role}:{user.login}", request.app.state.now()
    if entry_id is None:
        manual.add_entry(engine, draft, by, now)
    elif not manual.update_entry(engine, entry_id, draft, by, now):
        raise BadForm(GONE, status=404)
    return RedirectResponse("/saisies/papier", status_code=303)


@router.post("/saisies/papier/ajouter")
async def tally_new(request: Request, user: AdminUser, engine: EngineDep):
    return await _save(request, user, engine, None)


@router.post("/saisies/papier/{entry_id}/modifier")
async def tally_edit(request: Request, entry_id: int, user: AdminUser, engine: EngineDep):
    _entry(engine, entry_id)
    return await _save(request, user, engine, entry_id)


add_removal(router, "/saisies/papier", load=_entry, remove=manual.remove_entry,
            template="tally_remove.html", name="entry", gone=GONE)
