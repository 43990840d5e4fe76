"""Console pages for joint cases: the list, a case file (timeline, subjects, evidence and custody, history),
a custody check, the partner preview, and the network view.

Like every console page, each one calls the `CaseService` method the JSON API calls, so access and audit
are the service's; a partner's user sees the tear-line version the service gives, nothing more. The network
view is an interactive drawing (Cytoscape.js, vendored under static/vendor, driven by static/case_network.js)
fed by `/console/cases/network/graph`, a JSON answer made by `network_graph` from the same `case_network`
call as the page, so it holds exactly what the page may show; the page also keeps a plain SVG drawing laid
out here with a seeded spring layout, for a browser without script. `?partner=MEX` shows what MEX would
receive of the caller's own cases (each case's tear line). GraphML and JSON exports are the CLI's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cruce.core.errors import CruceError, InputError
from cruce.service.cases import CaseService, NetworkView, case_network, network_graph
from cruce.web.routes import PARTNERS, SECURITY_HEADERS, SignedIn, _failed, _page, _status

router = APIRouter(include_in_schema=False)
WIDTH, HEIGHT, MARGIN, LABEL_ROOM = 900, 560, 40, 180  # room on the right for the last labels
COLOURS = {
    "person": "#1f5fa8", "organisation": "#6a3d9a", "phone": "#b15928", "vehicle": "#33a02c",
    "address": "#e31a1c", "account": "#a6761d", "vessel": "#1b9e77",
}  # fmt: skip


def _cases(request: Request) -> CaseService:
    service: CaseService = request.app.state.cases
    return service


@dataclass(frozen=True, slots=True)
class Dot:
    entity_id: str
    label: str
    kind: str
    x: float
    y: float
    colour: str
    broker: bool
    ring: bool


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str


def _drawing(view: NetworkView) -> tuple[list[Dot], list[Line]]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(e.entity_id for e in view.entities)
    graph.add_edges_from((x.source, x.target) for x in view.links)
    if not graph:
        return [], []
    where = nx.spring_layout(graph, seed=7)
    xs = [p[0] for p in where.values()]
    ys = [p[1] for p in where.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    def at(node: str) -> tuple[float, float]:
        px, py = where[node]
        return (
            round(MARGIN + (px - min(xs)) / span_x * (WIDTH - MARGIN - LABEL_ROOM), 1),
            round(MARGIN + (py - min(ys)) / span_y * (HEIGHT - 2 * MARGIN), 1),
        )

    brokers = {node for node, _ in view.brokers[:1]}
    ring = set(view.ring)
    dots = [
        Dot(e.entity_id, e.label, e.kind, *at(e.entity_id), COLOURS.get(e.kind, "#555"),
            e.entity_id in brokers, e.entity_id in ring)
        for e in view.entities
    ]  # fmt: skip
    lines = [Line(*at(x.source), *at(x.target), x.kind) for x in view.links]
    return dots, lines


@router.get("/console/cases", response_class=HTMLResponse)
def cases_page(request: Request, console: SignedIn) -> Response:
    try:
        found = _cases(request).cases(console.user)
    except CruceError as exc:
        return _failed(console, exc, "cases", "Cases")
    return _page(console, "cases.html", "cases", "Cases", cases=found)


Subject = Annotated[str | None, Query(max_length=200)]
Hops = Annotated[int, Query(ge=1, le=6)]
AsPartner = Annotated[str | None, Query(max_length=3, description="Preview as this partner receives it.")]


def _query(subject: str | None, hops: int, partner: str | None) -> str:
    """The page's choices as a query string, for the graph and export links."""
    from urllib.parse import urlencode

    pairs = [("hops", str(hops))] + [(k, v) for k, v in (("subject", subject), ("partner", partner)) if v]
    return urlencode(pairs)


@router.get("/console/cases/network", response_class=HTMLResponse)
def network_page(
    request: Request, console: SignedIn, subject: Subject = None, hops: Hops = 2, partner: AsPartner = None
) -> Response:
    try:
        view, _net = case_network(
            _cases(request), console.user, (), subject or None, hops, partner=partner or None
        )
    except CruceError as exc:
        return _failed(console, exc, "cases", "Case network")
    dots, lines = _drawing(view)
    labels = {e.entity_id: e.label for e in view.entities}
    partners = [p for p in PARTNERS if p != console.user.organisation.country]
    return _page(
        console, "case_network.html", "cases", "Case network", view=view, dots=dots, lines=lines,
        labels=labels, width=WIDTH, height=HEIGHT, subject=subject or "", hops=hops, colours=COLOURS,
        partner=view.partner, partners=partners, query=_query(subject, hops, view.partner),
    )  # fmt: skip


def _json_failure(exc: CruceError) -> JSONResponse:
    return JSONResponse({"error": exc.to_dict()}, status_code=_status(exc), headers=SECURITY_HEADERS)


@router.get("/console/cases/network/graph")
def network_data(
    request: Request, console: SignedIn, subject: Subject = None, hops: Hops = 2, partner: AsPartner = None
) -> Response:
    """The network page's graph as JSON for its drawing: the same service call (access, tear line, audit)
    as the page, so never more than the signed-in user's country may read."""
    try:
        view, _net = case_network(
            _cases(request), console.user, (), subject or None, hops, partner=partner or None
        )
    except CruceError as exc:
        return _json_failure(exc)
    return JSONResponse(network_graph(view), headers=SECURITY_HEADERS)


@router.get("/console/cases/network/export.{fmt}")
def network_export(request: Request, console: SignedIn, fmt: str, partner: AsPartner = None) -> Response:
    """The network as a file, GraphML or JSON, the same files as `cruce cases network --output`."""
    if fmt not in {"graphml", "json"}:
        return _json_failure(InputError("bad_format", "export as .graphml or .json"))
    try:
        view, net = case_network(_cases(request), console.user, (), partner=partner or None)
    except CruceError as exc:
        return _json_failure(exc)
    name = "case-network" + (f"-as-{view.partner}" if view.partner else "") + f".{fmt}"
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "graphml":
        return Response(net.to_graphml(), media_type="application/graphml+xml", headers=headers)
    return JSONResponse(net.to_json(), headers=headers)


@router.get("/console/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: str, console: SignedIn, verify: Annotated[bool, Query()] = False
) -> Response:
    service = _cases(request)
    try:
        view = service.show(console.user, case_id)
        checked = service.verify(console.user, case_id) if verify and view.view == "full" else None
    except CruceError as exc:
        return _failed(console, exc, "cases", "Case")
    partners = [p for p in PARTNERS if p != view.owner] if view.view == "full" else []
    return _page(
        console, "case.html", "cases", f"Case {case_id}", case=view, checked=checked, partners=partners
    )


@router.get("/console/cases/{case_id}/preview/{partner}", response_class=HTMLResponse)
def preview_page(request: Request, case_id: str, partner: str, console: SignedIn) -> Response:
    service = _cases(request)
    try:
        view = service.partner_preview(console.user, case_id, partner)
        check = service.check(console.user, case_id, partner)
    except CruceError as exc:
        return _failed(console, exc, "cases", "Partner preview")
    return _page(
        console, "case_preview.html", "cases", f"{partner} preview of {case_id}", case=view, check=check
    )
