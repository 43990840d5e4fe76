"""Console pages of the joint response: the incident list, an incident's board (timeline, sitreps as the
reader may read them, assistance) with the sitrep form, and the rescue heat map. Every page calls
`cruce.service.respond`, which decides roles, partitions and releases; this module renders."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from cruce.api.errors import http_status
from cruce.core.errors import CruceError
from cruce.service.respond import RespondService, board, heat_map
from cruce.storage.sharing import Account
from cruce.web.routes import Console, Posted, SignedIn, _failed, _page, _redirect

router = APIRouter(include_in_schema=False)
SITREP_ROWS = 3
HEAT_CLASSES = 5


def _service(console: Console) -> tuple[RespondService, Account]:
    return console.svc.respond, console.svc.sharing.account(console.user.user_id)


def _list(console: Console, status: int = 200, error: str = "", **form: str) -> Response:
    from cruce.core.extras import require

    require("assess", "scipy")
    from cruce.assess.emergency import IncidentKind

    service, account = _service(console)
    try:
        rows = service.incidents(account)
    except CruceError as exc:
        return _failed(console, exc, "incidents", "Incidents")
    return _page(
        console,
        "incidents.html",
        "incidents",
        "Incidents",
        status,
        incidents=rows,
        error=error,
        kinds=[k.value for k in IncidentKind],
        form=form,
    )


@router.get("/console/incidents", response_class=HTMLResponse)
def incidents_page(console: SignedIn) -> Response:
    return _list(console)


@router.post("/console/incidents", response_class=HTMLResponse)
def open_incident(
    console: Posted,
    kind: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=300)],
    marking: Annotated[str, Form(max_length=200)] = "U",
) -> Response:
    service, account = _service(console)
    try:
        opened = service.open_incident(account, kind=kind, name=name, marking=marking)
    except CruceError as exc:
        return _list(console, http_status(exc), exc.message, kind=kind, name=name, marking=marking)
    return _redirect(f"/console/incidents/{quote(opened.incident_id, safe='')}")


def _board(  # noqa: PLR0917 - the page and what the failed form held
    console: Console,
    incident_id: str,
    status: int = 200,
    error: str = "",
    rows: list[tuple[str, str]] | None = None,
    title: str = "Situation report",
) -> Response:
    service, account = _service(console)
    try:
        shown = board(service, account, incident_id)
    except CruceError as exc:
        return _failed(console, exc, "incidents", "Incident")
    rows = rows or [("", "")] * SITREP_ROWS
    return _page(
        console,
        "incident.html",
        "incidents",
        shown.incident.name,
        status,
        board=shown,
        error=error,
        rows=rows,
        sitrep_title=title,
        country=account.country,
    )


@router.get("/console/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(incident_id: str, console: SignedIn) -> Response:
    return _board(console, incident_id)


@router.post("/console/incidents/{incident_id}/sitreps", response_class=HTMLResponse)
def write_sitrep(
    incident_id: str,
    console: Posted,
    title: Annotated[str, Form(max_length=300)] = "Situation report",
    marking: Annotated[list[str] | None, Form(max_length=200)] = None,
    text: Annotated[list[str] | None, Form(max_length=5000)] = None,
) -> Response:
    rows = list(zip(marking or [], text or [], strict=False))
    portions = [(m.strip(), t.strip()) for m, t in rows if m.strip() or t.strip()]
    service, account = _service(console)
    try:
        service.write_sitrep(account, incident_id, title, portions)
    except CruceError as exc:
        return _board(console, incident_id, http_status(exc), exc.message, rows, title)
    return _redirect(f"/console/incidents/{quote(incident_id, safe='')}")


@router.get("/console/rescues", response_class=HTMLResponse)
def rescues_page(console: SignedIn) -> Response:
    service, account = _service(console)
    try:
        heat = heat_map(service, account)
    except CruceError as exc:
        return _failed(console, exc, "rescues", "Rescues")
    top = max((v for row in heat.people for v in row), default=0)
    shade = [
        [0 if not v else 1 + min(HEAT_CLASSES - 1, (HEAT_CLASSES * v - 1) // top) for v in row]
        for row in heat.people
    ]
    return _page(
        console, "rescues.html", "rescues", "Rescues", heat=heat, shade=shade, country=account.country
    )
