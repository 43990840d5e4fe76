"""Console pages for trusted programs: the application review queue, an application's file (parties, vetting
results with the matcher's reasons, transitions; vet and decide forms) and a member's page (membership,
history, vettings, alerts; suspend, reinstate, revoke, renew).

Each page calls the `ProgramDesk` method the JSON API calls, so roles, the country partition and the audit
are the desk's: another country's application or member is the not-found page, like a missing one.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from cruce.core.errors import CruceError
from cruce.service.program_desk import MEMBERSHIP_ACTIONS, may
from cruce.service.programs import Decision
from cruce.web.routes import Console, Posted, SignedIn, _failed, _page, _redirect, _status

router = APIRouter(include_in_schema=False)
QUEUE = ("submitted", "vetting", "interview")
OFFERED = {
    "active": ("suspend", "revoke", "renew"), "suspended": ("reinstate", "revoke"), "expired": ("renew",),
}  # fmt: skip
"""The membership actions a state offers on the member page (the lifecycle decides; this only shows)."""
"""The states an application waits in for an officer: the review queue."""
ACTIVE = "programs"


@router.get("/console/programs", response_class=HTMLResponse)
def queue_page(console: SignedIn) -> Response:
    desk = console.svc.programs
    try:
        queue = desk.applications(console.user, states=QUEUE, limit=200)
        members = desk.memberships(console.user, limit=200)
    except CruceError as exc:
        return _failed(console, exc, ACTIVE, "Trusted programs")
    return _page(
        console, "programs.html", ACTIVE, "Trusted programs", queue=queue.items, members=members.items,
        can_work=may(console.user, "vet"),
    )  # fmt: skip


def _application_page(console: Console, application_id: str, status: int = 200, error: str | None = None) -> (
    Response
):  # fmt: skip
    try:
        detail = console.svc.programs.application(console.user, application_id)
    except CruceError as exc:
        return _failed(console, exc, ACTIVE, "Application")
    return _page(
        console, "program_application.html", ACTIVE, f"Application {application_id}", status,
        app=detail, error=error, can_work=may(console.user, "decide"), decisions=Decision.ALL,
        open=detail.record.state.value in QUEUE,
    )  # fmt: skip


@router.get("/console/programs/applications/{application_id}", response_class=HTMLResponse)
def application_page(application_id: str, console: SignedIn) -> Response:
    return _application_page(console, application_id)


@router.post("/console/programs/applications/{application_id}/vet")
def vet(application_id: str, console: Posted) -> Response:
    try:
        console.svc.programs.vet(console.user, application_id)
    except CruceError as exc:
        return _application_page(console, application_id, _status(exc), exc.message)
    return _redirect(f"/console/programs/applications/{quote(application_id, safe='')}#vettings")


@router.post("/console/programs/applications/{application_id}/decision")
def decide(
    application_id: str,
    console: Posted,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        done = console.svc.programs.decide(console.user, application_id, decision, reason)
    except CruceError as exc:
        return _application_page(console, application_id, _status(exc), exc.message)
    if done.membership is not None:
        return _redirect(f"/console/programs/members/{quote(done.membership.membership_id, safe='')}")
    return _redirect(f"/console/programs/applications/{quote(application_id, safe='')}#history")


def _member_page(
    console: Console, membership_id: str, status: int = 200, error: str | None = None
) -> Response:
    try:
        page = console.svc.programs.member(console.user, membership_id)
    except CruceError as exc:
        return _failed(console, exc, ACTIVE, "Member")
    return _page(
        console, "program_member.html", ACTIVE, f"Member {membership_id}", status, member=page,
        error=error, can_work=may(console.user, "suspend"),
        actions=[a for a in MEMBERSHIP_ACTIONS if a in OFFERED.get(page.membership.state.value, ())],
    )  # fmt: skip


@router.get("/console/programs/members/{membership_id}", response_class=HTMLResponse)
def member_page(membership_id: str, console: SignedIn) -> Response:
    return _member_page(console, membership_id)


@router.post("/console/programs/members/{membership_id}/action")
def act(
    membership_id: str,
    console: Posted,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        console.svc.programs.act_on_membership(console.user, membership_id, action, reason)
    except CruceError as exc:
        return _member_page(console, membership_id, _status(exc), exc.message)
    return _redirect(f"/console/programs/members/{quote(membership_id, safe='')}#history")
