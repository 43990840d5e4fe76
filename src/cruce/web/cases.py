"""Console pages for joint cases: the list, a case file (timeline, subjects, evidence and custody, history),
a custody check, the partner preview, and the network view (an SVG drawing laid out on the server).

Like every console page, each one calls the `CaseService` method the JSON API calls, so access and audit
are the service's; a partner's user sees the tear-line version the service gives, nothing more. The network
drawing is plain SVG (no script): the layout is computed here with a seeded spring layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cruce.core.errors import CruceError
from cruce.service.cases import CaseService, NetworkView, case_network
from cruce.web.routes import PARTNERS, SignedIn, _failed, _page

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


@router.get("/console/cases/network", response_class=HTMLResponse)
def network_page(
    request: Request,
    console: SignedIn,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    hops: Annotated[int, Query(ge=1, le=6)] = 2,
) -> Response:
    try:
        view, _net = case_network(_cases(request), console.user, (), subject or None, hops)
    except CruceError as exc:
        return _failed(console, exc, "cases", "Case network")
    dots, lines = _drawing(view)
    labels = {e.entity_id: e.label for e in view.entities}
    return _page(
        console, "case_network.html", "cases", "Case network", view=view, dots=dots, lines=lines,
        labels=labels, width=WIDTH, height=HEIGHT, subject=subject or "", hops=hops, colours=COLOURS,
    )  # fmt: skip


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
