"""The coordinator's dashboard: login, kiosk management, statistics pages and exports.

`mount(app)` attaches the routes, templates and static files to the coordinator's FastAPI
app; the engine is read from `app.state.engine`.
"""

from __future__ import annotations


def mount(app, *, secret_key: str | None = None) -> None:
    """Attach the dashboard to `app` (called once by create_app, before the app starts)."""
    from .routes import install

    install(app, secret_key=secret_key)
    from .transfer import router as transfer_router

    app.include_router(transfer_router)
