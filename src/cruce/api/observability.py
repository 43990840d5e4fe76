"""Operations: request ids, structured logs, Prometheus metrics, liveness and readiness.

- **Request id.** Every request gets one: the client's `X-Request-ID` when it is a short token (letters,
  digits, `-_.:`, at most 64), otherwise a new random one; it is returned in `X-Request-ID` and bound to
  every log line written while the request runs (structlog contextvars, stdlib `logging` lines included).
- **Logs.** `configure_logging("json")` (CRUCE_LOG_FORMAT=json) writes one JSON object a line; the default
  writes `key=value` lines. Both carry `timestamp`, `level`, `logger`, `event` and `request_id`.
- **Metrics** (`cruce.service.metrics`): requests and latencies by route *template*, screenings, alerts
  raised, jobs queued or running, sign-in failures. `/metrics` needs `Authorization: Bearer
  $CRUCE_METRICS_TOKEN`; without that setting it answers 404 (off). No label names a country or a user.
- **`/healthz`**: the process answers (no sign-in, no details). **`/readyz`**: the database answers and its
  schema is at the newest migration, else 503 with `{"status": "not_ready", "reason": "database"}` or
  `"migrations"` (no sign-in; no URL, error text or revision in the answer; the cause is logged).

The middleware is plain ASGI (no BaseHTTPMiddleware task per request) and costs a few microseconds.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import random
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

import structlog
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cruce.service.metrics import ALERTS_RAISED, LATENCY, REQUESTS, SCREENINGS, SIGNIN_FAILURES
from cruce.storage.store import MIGRATIONS_DIR
from cruce.storage.tables import JobRow

log = structlog.get_logger("cruce.api")

REQUEST_ID_HEADER = b"x-request-id"
_GOOD_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_NO_ROUTE = "unmatched"  # a 404 is counted under one label, never under the path a client made up


def configure_logging(fmt: str = "console", level: int = logging.WARNING) -> None:
    """Structured logs on stderr for structlog and stdlib loggers alike, each line with its request id.

    Warnings and errors by default (a line per request or per audit record would cost the busiest route);
    the server's own start and stop at info.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "logger", "event"])
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.processors.format_exc_info],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_cruce", False)]:
        root.removeHandler(old)
    handler._cruce = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own lines go through the same formatter
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("cruce.api").setLevel(min(level, logging.INFO))


class RequestContext:
    """ASGI middleware: request id in and out, bound to the logs; request count and latency by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == REQUEST_ID_HEADER), b"")
        request_id = given if _GOOD_ID.fullmatch(given) else _new_request_id()
        structlog.contextvars.bind_contextvars(request_id=request_id.decode())
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = _route_template(scope)
            method = scope["method"]
            _latency(method, route).observe(time.perf_counter() - started)
            _requests(method, route, status).inc()
            if status >= 500:
                log.warning("request_failed", method=method, route=route, status=status)
            structlog.contextvars.unbind_contextvars("request_id")


_IDS = random.Random(os.urandom(16))
"""Request ids need to be unique, not secret: a generator seeded per process from the system's random
source, not a system call per request (costly on a busy sandboxed host, and a GIL release each)."""
os.register_at_fork(after_in_child=lambda: _IDS.seed(os.urandom(16)))  # forked workers never repeat ids


def _new_request_id() -> bytes:
    return b"%016x" % _IDS.getrandbits(64)


@functools.lru_cache(maxsize=4096)
def _latency(method: str, route: str) -> Any:
    """The latency histogram of one (method, route template): label look-ups cost more than the
    observation. Bounded: route templates and methods are finite (unmatched paths share one label)."""
    return LATENCY.labels(method, route)


@functools.lru_cache(maxsize=4096)
def _requests(method: str, route: str, status: int) -> Any:
    return REQUESTS.labels(method, route, str(status))


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return _NO_ROUTE
    root = scope.get("root_path", "")
    return f"{root}{path}" if root and not path.startswith(root) else path


class JobQueueCollector(Collector):
    """`cruce_jobs{state}`: batch jobs and simulations queued or running, read from the store at scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "cruce_jobs", "Jobs queued or running (all countries together).", labels=["state"]
        )
        counts = {"queued": 0, "running": 0}
        try:
            with self.engine.connect() as conn:
                query = select(JobRow.state, func.count()).where(JobRow.state.in_(tuple(counts)))
                rows = conn.execute(query.group_by(JobRow.state))
                counts.update({str(state): int(n) for state, n in rows})
        except Exception:  # a scrape never fails on the database; /readyz says why
            log.warning("metrics_jobs_unavailable", exc_info=True)
            return
        for state, n in counts.items():
            gauge.add_metric([state], n)
        yield gauge


def metrics_registry(engine: Engine) -> CollectorRegistry:
    """The registry `/metrics` serves: this process's (or every worker's) counters and the job gauge."""
    registry = CollectorRegistry()
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        for collector in (REQUESTS, LATENCY, SCREENINGS, ALERTS_RAISED, SIGNIN_FAILURES):
            registry.register(collector)
    registry.register(JobQueueCollector(engine))
    return registry


def install(app: FastAPI, engine: Engine, metrics_token: str | None) -> None:
    """Add the middleware and the /healthz, /readyz and /metrics routes to `app`."""
    app.add_middleware(RequestContext)
    registry = metrics_registry(engine)
    heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
    token = metrics_token.encode() if metrics_token else None

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        reason = _not_ready(engine, heads)
        if reason is None:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not_ready", "reason": reason}, status_code=503)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "")
        scheme, _, presented = given.partition(" ")
        if token is None:
            return JSONResponse(_error(404, "metrics are off: set CRUCE_METRICS_TOKEN"), status_code=404)
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), token):
            log.warning("metrics_refused", client=request.client.host if request.client else None)
            return JSONResponse(
                _error(401, "metrics need Authorization: Bearer <CRUCE_METRICS_TOKEN>"), status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="cruce-metrics"'},
            )  # fmt: skip
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": f"http_{status}", "message": message, "details": {}}}


def _not_ready(engine: Engine, heads: set[str]) -> str | None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception:
        log.warning("readyz_database_unavailable", exc_info=True)
        return "database"
    if current != heads:
        log.warning("readyz_migrations_behind", current=sorted(current), head=sorted(heads))
        return "migrations"
    return None
