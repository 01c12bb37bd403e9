"""The accounts page (`/comptes`, administrators): list, add, new password, role, disable.

A password made here is shown once, on the page that answers the form, and never again
(only its argon2 hash is kept). The last active administrator can be neither disabled,
removed nor given another role (users.py refuses), so the network cannot lock itself out.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync.coordinator import communes, texts, users
from sync.coordinator.app import EngineDep

from .pages import AdminUser, checked_form, page

router = APIRouter(include_in_schema=False)

#: Words of a made-up password: 4 groups of 5 letters and digits, about 100 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

_REASONS = {  # users.py's English refusals, said in French on the page
    "already exists": "Ce nom de compte existe déjà.",
    "login must be": "Le nom du compte doit faire de 2 à 80 caractères : lettres, chiffres, "
                     "« . », « _ », « - » ou « @ ».",
    "password must have at least": f"Le mot de passe doit faire au moins "
                                   f"{users.MIN_PASSWORD_LENGTH} caractères.",
    "last administrator": "C'est le dernier compte administrateur actif : créez-en un autre "
                          "d'abord.",
    "commune role needs": "Choisissez la commune de ce compte.",
}


def made_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))


def _french(exc: Exception) -> str:
    text = str(exc)
    return next((fr for key, fr in _REASONS.items() if key in text), text)


def _page(request, engine, *, error=None, shown=None, form=None):
    with engine.connect() as conn:
        choices = [c.name for c in communes.all_communes(conn) if c.active]
    return page(request, "accounts.html", {
        "accounts": users.list_users(engine), "communes": choices, "error": error,
        "shown": shown, "form": form or {}, "roles": texts.ROLE_LABELS,
    }, status=400 if error else 200)


@router.get("/comptes", response_class=HTMLResponse)
def account_list(request: Request, user: AdminUser, engine: EngineDep):
    return _page(request, engine)


def _role_and_commune(engine, form: dict) -> tuple[str, str | None]:
    role = form.get("role", "")
    if role != "commune":
        return role, None
    with engine.connect() as conn:
        commune = communes.find(conn, form.get("commune", ""))
    if commune is None:
        raise users.UserError("the commune role needs a commune of the list")
    return role, commune.name


@router.post("/comptes", response_class=HTMLResponse)
async def account_change(request: Request, user: AdminUser, engine: EngineDep):
    """One of: ajouter, mot_de_passe, role, desactiver, reactiver (a `login` each)."""
    form = await checked_form(request)
    action, login = form.get("action", ""), form.get("login", "").strip()
    shown = None
    try:
        if action == "ajouter":
            role, commune = _role_and_commune(engine, form)
            password = form.get("mot_de_passe", "") or made_password()
            users.create_user(engine, login, password, role, commune)
            shown = {"login": login, "password": password} if not form.get("mot_de_passe") \
                else None
            done = f"Compte « {login} » créé."
        elif action == "mot_de_passe":
            password = made_password()
            users.set_password(engine, login, password)
            shown, done = {"login": login, "password": password}, None
        elif action == "role":
            users.set_role(engine, login, *_role_and_commune(engine, form), keep_an_admin=True)
            done = f"Rôle du compte « {login} » changé."
        elif action in ("desactiver", "reactiver"):
            users.set_active(engine, login, action == "reactiver")
            done = f"Compte « {login} » {'réactivé' if action == 'reactiver' else 'désactivé'}."
        else:
            raise users.UserError("Action inconnue.")
    except users.UserError as exc:
        return _page(request, engine, error=_french(exc), form=form)
    return _page(request, engine, shown=shown, form={"done": done})
