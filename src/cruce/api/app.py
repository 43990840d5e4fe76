"""The REST API: `create_app(settings)` builds it, `app_from_settings` is uvicorn's factory (`cruce serve`).

Settings in, routers included, errors mapped to HTTP in one place (`_handlers`): every error is the
envelope `{"error": {"code", "message", "details"}}`, by type:

    UnauthenticatedError 401 (with WWW-Authenticate)   ForbiddenError (AccessDeniedError) 403
    NotFoundError 404    ConflictError 409    InputError 400    request validation 422
    ThrottledError 429 (with Retry-After)
    StorageError 503     any other CruceError or bug 500 (logged, no traceback to the client)

The database is opened (and migrated) when the app is built; the screening index is loaded from the
store's active list versions when the server starts. The web console (`cruce.web`) is served beside the
API: sign-in at `/`, pages under `/console`. The TAXII 2.1 server is mounted under `/taxii2`
(discovery at `/taxii2/`, also `/taxii2/taxii2/`; API root `/taxii2/cruce/`) on the same database.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cruce.api import auth, observability
from cruce.api.errors import envelope, error_response
from cruce.api.routers import (
    alerts,
    assessments,
    assets,
    audit,
    cases,
    crossings,
    incidents,
    lists,
    matcher,
    products,
    programs,
    screening,
    users,
)
from cruce.api.schemas import ErrorEnvelope, Health
from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError
from cruce.core.extras import require_database_driver
from cruce.core.settings import Settings
from cruce.respond.humanitarian import Purpose
from cruce.service.retention import retention_periods
from cruce.service.services import ServiceConfig, Services
from cruce.service.signin import ThrottlePolicy
from cruce.storage.credentials import PasswordHasher, PasswordPolicy
from cruce.storage.store import open_store
from cruce.web import cases as console_cases
from cruce.web import incidents as incident_pages
from cruce.web import programs as console_programs
from cruce.web import routes as console

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.0005
"""A server process's GIL switch interval (Python's default is 5 ms): see `app_from_settings`."""
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in (
        (400, "Bad input"), (401, "No valid credentials"), (403, "Not allowed"), (404, "Not found"),
        (409, "Conflict with the resource's state"), (422, "Request does not match the schema"),
        (429, "Too many attempts; wait Retry-After seconds"),
    )
}  # fmt: skip


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    token_ttl: timedelta = timedelta(hours=1),
    passwords: PasswordPolicy | None = None,
    throttle: ThrottlePolicy | None = None,
    mount_taxii: bool = True,
) -> FastAPI:
    """The API on the database `settings` name (SQLite in the data directory unless CRUCE_DATABASE_URL).

    `passwords` and `throttle` default to the settings' (tests pass cheap hashing and a fake clock).
    """
    settings.ensure_data_dir()
    url = settings.resolved_database_url()
    require_database_driver(url)
    store = open_store(
        url, clock=clock, write_wait_s=settings.write_wait_s, synchronous=settings.sqlite_synchronous
    )
    config = ServiceConfig(
        data_dir=settings.data_dir, alert_threshold=settings.alert_threshold, token_ttl=token_ttl,
        passwords=passwords or password_policy(settings), throttle=throttle or throttle_policy(settings),
        job_lease=timedelta(seconds=settings.job_lease_s),
        token_cache=timedelta(seconds=settings.token_cache_s),
        retention=retention_of(settings), purge_interval=timedelta(seconds=settings.purge_interval_s),
    )  # fmt: skip
    hasher = PasswordHasher(config.passwords)  # one per process: the API and TAXII share its cap
    services = Services(store, config, clock=clock, hasher=hasher)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        services.start()
        log.info("server_started")
        try:
            yield
        finally:
            # uvicorn has stopped taking requests and waited for those in flight; the audit writer now
            # commits what they queued before the store closes (graceful shutdown loses no audit record).
            services.close()
            store.close()
            log.info("server_stopped")

    app = FastAPI(
        title="cruce API",
        version="1",
        description="Screening, alert review, lists, crossings, marked products and audit for a border.",
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.services = services
    _handlers(app)
    app.add_middleware(screening.ScreenFastPath)  # inside RequestContext (added next): ids and metrics
    observability.install(app, store.engine, settings.metrics_token)
    app.include_router(auth.router)
    app.state.cases = services.cases
    routers = (
        screening, matcher, lists, alerts, crossings, products, audit, users, cases, incidents, assessments,
        assets, programs,
    )  # fmt: skip
    for router in routers:
        app.include_router(router.router, responses=ERRORS)

    @app.get("/api/v1/health", response_model=Health, tags=["health"], summary="Liveness (no sign-in)")
    def health() -> dict[str, Any]:
        return {"status": "ok", "entities": services.index.size()}

    app.include_router(console.router)  # the web console: sign-in at /, pages under /console
    app.include_router(console_cases.router)
    app.include_router(incident_pages.router)  # incidents, their boards and the rescue heat map
    app.include_router(console_programs.router)
    app.mount(console.STATIC_PATH, console.static_files(), name="static")

    if mount_taxii:
        from cruce.api.taxii import create_taxii_app

        app.mount(
            "/taxii2",
            create_taxii_app(
                url, clock=clock, hasher=hasher, throttle=config.throttle, node_country=settings.node_country
            ),
        )
    return app


def retention_of(settings: Settings) -> dict[Purpose, timedelta]:
    return retention_periods(
        settings.retention_rescue, settings.retention_repatriation, settings.retention_case
    )


def password_policy(settings: Settings) -> PasswordPolicy:
    return PasswordPolicy(
        memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost,
        max_concurrent=settings.password_hash_concurrency,
    )  # fmt: skip


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        account_failures=settings.signin_account_failures, address_failures=settings.signin_address_failures,
        lockout_s=settings.signin_lockout_s,
    )  # fmt: skip


def app_from_settings() -> FastAPI:
    """The API on the settings of the environment: uvicorn's factory for `cruce serve`."""
    settings = Settings()
    observability.configure_logging(settings.log_format)
    # The audit writer thread holds the database's writer lock (shared by every worker) while it commits, and
    # needs the GIL back after each driver step; with the default 5 ms switch interval a busy event loop kept
    # it waiting for most of that, so the other workers' commits (and their booths) queued behind it.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return create_app(settings)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(CruceError)
    def _cruce(_r: Request, exc: CruceError) -> JSONResponse:
        return error_response(exc)

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
        return envelope(422, "invalid_request", f"{where}: {first['msg']}", {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        return envelope(exc.status_code, f"http_{exc.status_code}", str(exc.detail), None, exc.headers)

    @app.exception_handler(Exception)
    def _bug(_r: Request, exc: Exception) -> JSONResponse:
        log.exception("api_unhandled_error")
        return envelope(500, "internal_error", "the server failed on this request; it has been logged")
