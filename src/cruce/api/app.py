"""The REST API: `create_app(settings)` builds it, `app_from_settings` is uvicorn's factory (`cruce serve`).

Settings in, routers included, errors mapped to HTTP in one place (`_handlers`): every error is the
envelope `{"error": {"code", "message", "details"}}`, by type:

    UnauthenticatedError 401 (with WWW-Authenticate)   ForbiddenError (AccessDeniedError) 403
    NotFoundError 404    ConflictError 409    InputError 400    request validation 422
    StorageError 503     any other CruceError or bug 500 (logged, no traceback to the client)

The database is opened (and migrated) when the app is built; the screening index is loaded from the
store's active list versions when the server starts. The web console (`cruce.web`) is served beside the
API: sign-in at `/`, pages under `/console`. The TAXII 2.1 server is mounted under `/taxii2`
(discovery at `/taxii2/`, also `/taxii2/taxii2/`; API root `/taxii2/cruce/`) on the same database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cruce.api import auth
from cruce.api.routers import alerts, audit, crossings, lists, products, screening, users
from cruce.api.schemas import ErrorEnvelope, Health
from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError
from cruce.core.settings import Settings
from cruce.service.operations import ApiConfig, Operations, http_status
from cruce.storage.sharing import SCRYPT_N
from cruce.storage.store import open_store
from cruce.web import routes as console

log = logging.getLogger(__name__)

CHALLENGE = 'Bearer realm="cruce"'
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in (
        (400, "Bad input"), (401, "No valid credentials"), (403, "Not allowed"), (404, "Not found"),
        (409, "Conflict with the resource's state"), (422, "Request does not match the schema"),
    )
}  # fmt: skip


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    token_ttl: timedelta = timedelta(hours=1),
    scrypt_n: int = SCRYPT_N,
    mount_taxii: bool = True,
) -> FastAPI:
    """The API on the database `settings` name (SQLite in the data directory unless CRUCE_DATABASE_URL)."""
    settings.ensure_data_dir()
    url = settings.resolved_database_url()
    store = open_store(
        url, clock=clock, write_wait_s=settings.write_wait_s, synchronous=settings.sqlite_synchronous
    )
    config = ApiConfig(
        data_dir=settings.data_dir, alert_threshold=settings.alert_threshold, token_ttl=token_ttl,
        scrypt_n=scrypt_n,
    )  # fmt: skip
    ops = Operations(store, config, clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ops.start()
        try:
            yield
        finally:
            ops.close()
            store.close()

    app = FastAPI(
        title="cruce API",
        version="1",
        description="Screening, alert review, lists, crossings, marked products and audit for a border.",
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.operations = ops
    _handlers(app)
    app.include_router(auth.router)
    for router in (screening, lists, alerts, crossings, products, audit, users):
        app.include_router(router.router, responses=ERRORS)

    @app.get("/api/v1/health", response_model=Health, tags=["health"], summary="Liveness (no sign-in)")
    def health() -> dict[str, Any]:
        return {"status": "ok", "entities": ops.index_size()}

    app.include_router(console.router)  # the web console: sign-in at /, pages under /console
    app.mount(console.STATIC_PATH, console.static_files(), name="static")

    if mount_taxii:
        from cruce.api.taxii import create_taxii_app

        app.mount("/taxii2", create_taxii_app(url, clock=clock, node_country=settings.node_country))
    return app


def app_from_settings() -> FastAPI:
    """The API on the settings of the environment: uvicorn's factory for `cruce serve`."""
    return create_app(Settings())


def _envelope(status: int, code: str, message: str, details: Any = None, headers: Any = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details if details is not None else {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(CruceError)
    def _cruce(_r: Request, exc: CruceError) -> JSONResponse:
        status = http_status(exc)
        if status >= 500:
            log.error("api_error code=%s message=%s", exc.code, exc.message)
        headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
        return _envelope(status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type")),
            }
            for e in exc.errors()[:20]
        ]
        first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"])
        return _envelope(422, "invalid_request", f"{where}: {first['msg']}", {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _envelope(exc.status_code, f"http_{exc.status_code}", str(exc.detail), None, exc.headers)

    @app.exception_handler(Exception)
    def _bug(_r: Request, exc: Exception) -> JSONResponse:
        log.exception("api_unhandled_error")
        return _envelope(500, "internal_error", "the server failed on this request; it has been logged")
