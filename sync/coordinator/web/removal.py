"""The two routes that remove a hand-made record (a paper tally, an equipment line): a
confirmation page on GET, the removal on POST (CSRF checked), administrators only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator.app import EngineDep

from .pages import AdminUser, BadForm, checked_form, page


def add_removal(router: APIRouter, base: str, *, load: Callable, remove: Callable,
                template: str, name: str, gone: str) -> None:
    """`{base}/{id}/supprimer`: `load(engine, id)` (BadForm 404 when gone) shows `template`
    with the record as `name`; the POST calls `remove(engine, id)` and goes back to `base`."""

    @router.get(base + "/{record_id}/supprimer", response_class=HTMLResponse)
    def confirm(request: Request, record_id: int, user: AdminUser, engine: EngineDep):
        return page(request, template, {name: load(engine, record_id)})

    @router.post(base + "/{record_id}/supprimer")
    async def removed(request: Request, record_id: int, user: AdminUser, engine: EngineDep):
        await checked_form(request)
        if not remove(engine, record_id):
            raise BadForm(gone, status=404)
        return RedirectResponse(base, status_code=303)
