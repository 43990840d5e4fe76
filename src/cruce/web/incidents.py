"""Console pages of the joint response: the incident list, an incident's board (timeline, sitreps as the
reader may read them, assistance) with the sitrep form, the rescue heat map, and the asset register with
each asset's assessed risk (a table sorted by any column, and a plain SVG scatter of the assets). Every page
calls `cruce.service.respond` or `cruce.service.assets`, which decide roles, partitions and releases; this
module renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from cruce.api.errors import http_status
from cruce.core.errors import CruceError, InputError
from cruce.service.assets import AssetRiskRow
from cruce.service.respond import RespondService, board, heat_map
from cruce.storage.accounts import Account
from cruce.web.routes import Console, Posted, SignedIn, _failed, _page, _redirect

router = APIRouter(include_in_schema=False)
SITREP_ROWS = 3
HEAT_CLASSES = 5


def _service(console: Console) -> tuple[RespondService, Account]:
    return console.svc.respond, console.svc.account_store.account(console.user.user_id)


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


# -- the asset register with its risk --------------------------------------------------------------------

MAP_W, MAP_H, MAP_PAD = 640.0, 320.0, 16.0


@dataclass(frozen=True, slots=True)
class MapPoint:
    x: float
    y: float
    r: float
    label: str
    kind: str


def _map_points(rows: list[AssetRiskRow]) -> list[MapPoint]:
    """The assets as an SVG scatter (longitude → x, latitude → y, equirectangular); radius by risk."""
    if not rows:
        return []
    lons, lats = [r.longitude for r in rows], [r.latitude for r in rows]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    span = max(east - west, (north - south) * MAP_W / MAP_H, 1e-6)
    scale = (MAP_W - 2 * MAP_PAD) / span
    top = max((r.expected or 0.0 for r in rows), default=0.0)
    points = []
    for r in rows:
        size = 3.0 + (7.0 * (r.expected or 0.0) / top if top > 0 else 0.0)
        points.append(
            MapPoint(
                round(MAP_PAD + (r.longitude - west) * scale, 1),
                round(MAP_H - MAP_PAD - (r.latitude - south) * scale, 1),
                round(size, 1),
                f"{r.name} ({r.kind}, {r.owner_country})",
                r.kind,
            )
        )
    return points


@router.get("/console/assets", response_class=HTMLResponse)
def assets_page(console: SignedIn, sort: str = "expected", order: str = "desc") -> Response:
    account = console.svc.account_store.account(console.user.user_id)
    try:
        if order not in ("asc", "desc"):
            raise InputError("bad_order", f"order is asc or desc, not {order!r}")
        rows = console.svc.assets.table(account, sort=sort, descending=order == "desc")
    except CruceError as exc:
        return _failed(console, exc, "assets", "Assets")
    return _page(
        console,
        "assets.html",
        "assets",
        "Assets",
        assets=rows,
        points=_map_points(rows),
        map_size=(MAP_W, MAP_H),
        sort=sort,
        order=order,
        columns=SORTABLE,
        country=account.country,
    )


SORTABLE = (
    ("name", "Asset"), ("kind", "Type"), ("owner", "Owner"), ("capacity", "Capacity"),
    ("dependencies", "Depends on"), ("expected", "Expected loss/yr"), ("high", "90% interval"),
)  # fmt: skip
