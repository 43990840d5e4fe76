"""Screening: one party now, or a CSV file as a background job with progress and a results download.

`POST /api/v1/screen` is the busiest route (booths), so `ScreenFastPath` serves its common case without
FastAPI's routing and dependency solving; see there. The route below stays the reference (OpenAPI, and every
request the fast path hands over).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.errors import error_response
from cruce.api.schemas import JobView, Page, ScreenRequest, ScreenResponse
from cruce.core.errors import CruceError
from cruce.service.metrics import SCREENINGS
from cruce.service.services import Services

router = APIRouter(prefix="/api/v1", tags=["screening"])
SCREEN_PATH = "/api/v1/screen"


@router.post("/screen", response_model=ScreenResponse, summary="Screen one person or company")
async def screen(body: ScreenRequest, user: CurrentUser, svc: Svc) -> JSONResponse:
    # The result's JSON has ScreenResponse's shape (`ScreenResult.to_json`); returned as is, it skips
    # FastAPI's validate-and-serialise of the response model on the busiest route (the JSON is the same).
    # A coroutine: the busiest route makes no thread hop unless it is refused or raises alerts
    # (`Screener.screen_async`); the response still waits for its audit record's commit.
    result = await svc.screening.screen_async(user, body.fields(), body.top)
    SCREENINGS.inc()
    return JSONResponse(result.to_json())


@router.post("/screen/batch", response_model=JobView, status_code=202, summary="Screen a CSV file (a job)")
def screen_batch(
    user: CurrentUser,
    svc: Svc,
    file: Annotated[UploadFile, File(description="CSV: id,name,schema,birth_date,country,gender,documents")],
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> JobView:
    return svc.batches.start(user, file.file.read(svc.config.max_upload_bytes + 1), top)


@router.get("/jobs", response_model=Page[JobView], summary="Your jobs")
def jobs(user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT) -> Page[JobView]:
    return svc.jobs.page(user, cursor, limit)


@router.get("/jobs/{job_id}", response_model=JobView, summary="A job's progress")
def job(job_id: str, user: CurrentUser, svc: Svc) -> JobView:
    return svc.jobs.job(user, job_id)


@router.get(
    "/jobs/{job_id}/results",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="A finished batch job's candidates (CSV)",
)
def job_results(job_id: str, user: CurrentUser, svc: Svc) -> FileResponse:
    path = svc.jobs.results(user, job_id)
    return FileResponse(path, media_type="text/csv", filename=f"{job_id.replace(':', '-')}.csv")


class ScreenFastPath:
    """ASGI middleware: `POST /api/v1/screen` with a JSON body and credentials the token cache vouches for
    is answered here, skipping FastAPI's routing over every route, its dependency solving (services, two
    security schemes, the caller) and its request objects, which cost a booth's screening more CPU than
    the matching. It does what the route does (`screen` above): the body validated by `ScreenRequest`, the
    caller from `Accounts.cached_user`, `Screener.screen_async` (authorised, audited, awaited until its
    record commits), the same JSON. Anything else (another route, a body that does not parse or validate,
    credentials not in the cache, missing or refused) is handed to the app unchanged, with the body it has
    read, so its answers (422, 401 audited, ...) are the app's own. Errors the screening raises are answered
    by the app's error envelope (`error_response`). It runs inside `RequestContext` (request id, metrics).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The metrics' route label: the route object the router would have put in the scope.
        self._route = next(r for r in router.routes if getattr(r, "path", None) == SCREEN_PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != SCREEN_PATH:
            await self.app(scope, receive, send)
            return
        if scope.get("root_path") or not _json_content(scope):
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        if more is not None:  # the client went away (or sent something else): the app answers as usual
            await self.app(scope, _replay(body, receive, more), send)
            return
        services: Services = scope["app"].state.services
        user = services.accounts.cached_user(*_credentials(scope))
        request = _screen_request(body) if user is not None else None
        if user is None or request is None:
            await self.app(scope, _replay(body, receive), send)
            return
        scope["route"] = self._route
        try:
            result = await services.screening.screen_async(user, request.fields(), request.top)
        except CruceError as exc:
            await error_response(exc)(scope, receive, send)
            return
        SCREENINGS.inc()
        await JSONResponse(result.to_json())(scope, receive, send)


def _json_content(scope: Scope) -> bool:
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json"


def _credentials(scope: Scope) -> tuple[str | None, str | None]:
    """(bearer token, API key) as `auth.current_user` gets them from its two security schemes."""
    authorization = key = None
    for name, value in scope["headers"]:
        if name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif name == b"x-api-key" and key is None:
            key = value.decode("latin-1")
    token = None
    if authorization:
        scheme, _, param = authorization.partition(" ")
        token = param if scheme.lower() == "bearer" else None
    return token, key or None


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole request body, and None; or what was read so far and the message that stopped it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, receive: Receive, last: Message | None = None) -> Receive:
    """`receive` for the app: the body already read, (the message that stopped the reading,) then the
    client's own messages."""
    queued: list[Message] = [{"type": "http.request", "body": body, "more_body": last is not None}]
    if last is not None:
        queued.append(last)

    async def replayed() -> Message:
        if queued:
            return queued.pop(0)
        return await receive()

    return replayed


def _screen_request(body: bytes) -> ScreenRequest | None:
    """The body as the route would validate it; None when it does not (the app then answers the 422)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return ScreenRequest.model_validate(data)
    except ValidationError:
        return None
