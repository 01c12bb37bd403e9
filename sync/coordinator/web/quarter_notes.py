"""`/saisies/notes`: the quarterly notes of each commune (issue 12 point 5). Administrators
write any commune's, a commune account its own; readers read them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator import manual, notes, reports, texts, users
from sync.coordinator.app import EngineDep
from sync.coordinator.kiosks import list_communes

from .pages import BadForm, CurrentUser, checked_form, page, today

router = APIRouter(include_in_schema=False)

BAD_QUARTER = "Le trimestre doit s'écrire comme 2026-Q3."
NOT_YOURS = "Votre compte peut écrire les notes de la commune « {commune} » seulement."


def _quarter(request: Request, raw: str | None) -> str:
    try:
        return reports.normalise_quarter(raw or reports.quarter_of(today(request)))
    except reports.ReportError:
        raise BadForm(BAD_QUARTER) from None


def may_edit(user: users.User, commune: str) -> bool:
    return user.is_admin or (user.role == "commune" and commune == user.commune)


def _editable(user: users.User, commune: str) -> str:
    if user.role == "commune" and commune != user.commune:
        raise BadForm(NOT_YOURS.format(commune=user.commune), status=403)
    if not may_edit(user, commune):
        raise BadForm(NOT_YOURS.format(commune="—"), status=403)
    return commune


@router.get("/saisies/notes", response_class=HTMLResponse)
def notes_list(request: Request, user: CurrentUser, engine: EngineDep):
    quarter = _quarter(request, request.query_params.get("trimestre"))
    held = notes.notes_for_quarter(engine, quarter)
    if user.role == "commune":
        communes = [user.commune]
    else:
        communes = sorted(set(list_communes(engine)) | set(held))
    return page(request, "notes.html", {
        "quarter": quarter, "rows": [(c, held.get(c), may_edit(user, c)) for c in communes],
        "can_add": user.is_admin,
    })


def _form_page(request, commune: str, quarter: str, form: dict, error: str | None = None):
    return page(request, "note_form.html", {
        "commune": commune, "quarter": quarter, "form": form, "error": error,
        "fields": notes.FIELDS, "max_chars": notes.MAX_CHARS,
        "communes_free": request.state.user.is_admin,
    }, status=400 if error else 200)


@router.get("/saisies/notes/modifier", response_class=HTMLResponse)
def note_edit_page(request: Request, user: CurrentUser, engine: EngineDep):
    params = request.query_params
    quarter = _quarter(request, params.get("trimestre"))
    commune = params.get("commune") or (user.commune if user.role == "commune" else "")
    if commune:
        _editable(user, commune)
    elif not user.is_admin:
        raise BadForm(texts.ADMIN_ONLY, status=403)
    held = notes.get_note(engine, commune, quarter) if commune else None
    form = {name: getattr(held, name) for name in notes.FIELDS} if held else {}
    return _form_page(request, commune, quarter, form)


@router.post("/saisies/notes/modifier")
async def note_save(request: Request, user: CurrentUser, engine: EngineDep):
    form = await checked_form(request)
    quarter = _quarter(request, form.get("trimestre"))
    commune = " ".join(form.get("commune", "").split())
    try:
        commune = manual.check_commune(commune)
        _editable(user, commune)
        fields = notes.checked_fields(form)
    except (manual.ManualError, notes.NoteError) as exc:
        return _form_page(request, commune, quarter, form, str(exc))
    notes.save_note(engine, commune, quarter, fields, f"{user.role}:{user.login}",
                    request.app.state.now())
    return RedirectResponse(f"/saisies/notes?trimestre={quarter}", status_code=303)
