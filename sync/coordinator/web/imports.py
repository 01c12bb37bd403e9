"""`/saisies/importer`: file a kiosk's transfer file (`kiosk transfer --out`) from the dashboard.

The same code as `kiosk-coordinator import` (transfers.import_file): every payload is
verified before any is filed, and all are filed in one transaction, so a wrong, altered or
foreign file, or a day refused in its last line, files nothing; the push's revision rule
makes a second upload change nothing. Administrators only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync.coordinator import transfers
from sync.coordinator.app import EngineDep
from sync.coordinator.ingest import FutureDay, OverCeiling
from sync.coordinator.kiosks import Revoked, TooManyInstalls
from sync.transfer import TransferError

from .pages import AdminUser, checked_form, page

router = APIRouter(include_in_schema=False)

#: A quarter of busy days is about 6 000 characters a line; a year fits many times over.
MAX_UPLOAD_BYTES = 1_000_000

REFUSED = ("Ce fichier ne peut pas être importé : ce n'est pas un fichier de borne, il a été "
           "modifié ou abîmé, ou il vient d'une borne d'un autre réseau (ou d'une borne "
           "révoquée). Rien n'a été enregistré.")
TOO_BIG = ("Ce fichier est trop gros pour un fichier de borne (plus de {mb} Mo). "
           "Rien n'a été enregistré.")
NO_FILE = "Choisissez d'abord le fichier de la borne (bouton « Parcourir »)."
INSTALLS = ("Cette borne a déjà envoyé depuis trop d'installations : réinitialisez-la dans "
            "« Bornes », puis importez le fichier à nouveau. Rien n'a été enregistré.")
CEILING = ("Ce fichier contient un jour avec trop de visites pour une seule borne. "
           "Rien n'a été enregistré.")
FUTURE = ("Ce fichier contient un jour qui n'est pas encore arrivé : l'horloge de la borne "
          "était fausse. Mettez la borne à l'heure, puis refaites le fichier. Rien n'a été "
          "enregistré.")


def _form_page(request: Request, **context) -> HTMLResponse:
    status = 400 if context.get("error") else 200
    return page(request, "import.html", {"max_mb": MAX_UPLOAD_BYTES // 1_000_000, **context},
                status=status)


@router.get("/saisies/importer", response_class=HTMLResponse)
def import_page(request: Request, user: AdminUser):
    return _form_page(request)


async def _upload_bytes(request: Request) -> bytes | None:
    """The uploaded file's bytes (None when none was chosen); ValueError when too big."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 10_000:
        raise ValueError("too big")
    await checked_form(request)
    upload = (await request.form()).get("fichier")  # starlette keeps the parsed form
    if upload is None or isinstance(upload, str) or not upload.filename:
        return None
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError("too big")
    return data


@router.post("/saisies/importer", response_class=HTMLResponse)
async def import_upload(request: Request, user: AdminUser, engine: EngineDep):
    try:
        data = await _upload_bytes(request)
    except ValueError:
        return _form_page(request, error=TOO_BIG.format(mb=MAX_UPLOAD_BYTES // 1_000_000))
    if data is None:
        return _form_page(request, error=NO_FILE)
    try:
        filed = transfers.import_file(engine, data, request.app.state.now())
    except TransferError as exc:
        return _form_page(request, error=REFUSED, detail=str(exc))
    except TooManyInstalls:
        return _form_page(request, error=INSTALLS)
    except Revoked:  # revoked between the check of the file and its filing
        return _form_page(request, error=REFUSED)
    except OverCeiling as exc:
        return _form_page(request, error=CEILING, detail=str(exc))
    except FutureDay as exc:
        return _form_page(request, error=FUTURE, detail=str(exc))
    return _form_page(request, filed=filed,
                      unchanged=all(item.updated == 0 for item in filed))
