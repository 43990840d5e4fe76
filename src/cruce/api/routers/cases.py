"""Joint cases: list, open, read (whole or as the partner's tear line), add parts, custody, guidelines,
workflow (a referral is a release), STIX export. Decisions are `cruce.service.cases`'s; this translates."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from cruce.api.auth import CurrentUser
from cruce.core.errors import InputError
from cruce.service.case_resolution import DecisionView, ProposalView, decide, history, proposals
from cruce.service.cases import (
    CaseService,
    CaseSummary,
    CaseView,
    CheckView,
    CustodyView,
    NetworkView,
    NewEvent,
    NewSubject,
    ReferralView,
    TaskView,
    VerifyView,
    case_network,
)

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
CaseId = Annotated[str, Path(max_length=80)]
Partner = Annotated[str, Path(min_length=3, max_length=3, description="The partner country's trigraph.")]


async def case_service(request: Request) -> CaseService:
    service: CaseService = request.app.state.cases
    return service


Cases = Annotated[CaseService, Depends(case_service)]
Marked = Field(max_length=200, description="Portion marking, e.g. `S//REL TO USA, MEX`.")


class NewCase(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    marking: str = Marked
    case_id: str = Field("", max_length=64)


class SubjectIn(BaseModel):
    kind: str = Field(
        max_length=32, description="person, organisation, vehicle, phone, address, account, vessel"
    )
    name: str = Field(min_length=1, max_length=500)
    marking: str = Marked
    subject_id: str = Field("", max_length=64)
    identifiers: dict[str, str] = Field(default_factory=dict, max_length=20)
    birth_date: str = Field("", max_length=32)
    nationality: str = Field("", max_length=3)
    prior_offences: int = Field(0, ge=0, le=1000)
    role: str = Field("", max_length=100)


class EventIn(BaseModel):
    kind: str = Field(
        max_length=32, description="apprehension, seizure, crossing, rescue, interview, transfer"
    )
    at: datetime
    place: str = Field("", max_length=500)
    description: str = Field("", max_length=5000)
    marking: str = Marked
    event_id: str = Field("", max_length=64)
    subjects: list[str] = Field(default_factory=list, max_length=200)
    migrants: int = Field(0, ge=0, le=100_000)
    minors: int = Field(0, ge=0, le=100_000)
    deaths: int = Field(0, ge=0, le=100_000)
    endangered: bool = False
    seized_usd: float = Field(0.0, ge=0, le=1e12)


class EvidenceIn(BaseModel):
    description: str = Field(min_length=1, max_length=5000)
    marking: str = Marked
    content_base64: str = Field(max_length=70_000_000, description="The item's content, base64.")
    place: str = Field("", max_length=500)
    evidence_id: str = Field("", max_length=64)
    holder: str = Field("", max_length=200)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)
    marking: str = Marked


class HandoverIn(BaseModel):
    evidence_id: str = Field(max_length=64)
    from_holder: str = Field(max_length=200)
    to_holder: str = Field(max_length=200)
    place: str = Field("", max_length=500)
    purpose: str = Field(max_length=1000)
    at: datetime | None = None


class StatusIn(BaseModel):
    to: Literal["investigation", "referred", "accepted", "declined", "closed"]
    partner: str = Field("", max_length=3, description="For a referral: the partner country.")
    reason: str = Field("", max_length=5000)
    collection: str | None = Field(
        None, max_length=64, description="Referral: also publish to this collection."
    )


class TaskIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    marking: str = Marked
    assignee: str = Field("", max_length=200)


class TaskDoneIn(BaseModel):
    note: str = Field("", max_length=5000)


class DecisionIn(BaseModel):
    state: Literal["accepted", "rejected", "split"]
    reason: str = Field("", max_length=5000, description="Why (required to reject or split).")


class StatusOut(BaseModel):
    case: CaseView
    referral: ReferralView | None = None


@router.get("", response_model=list[CaseSummary], summary="Cases your country owns or was referred")
def cases(user: CurrentUser, service: Cases) -> list[CaseSummary]:
    return service.cases(user)


@router.post("", response_model=CaseView, status_code=201, summary="Open a case")
def open_case(body: NewCase, user: CurrentUser, service: Cases) -> CaseView:
    return service.open(user, body.title, body.marking, case_id=body.case_id)


@router.get("/network", response_model=NetworkView, summary="The network of the cases you may read")
def network(  # noqa: PLR0917
    user: CurrentUser,
    service: Cases,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    hops: Annotated[int, Query(ge=1, le=6)] = 2,
    case: Annotated[list[str] | None, Query(max_length=50)] = None,
    path_from: Annotated[str | None, Query(max_length=200)] = None,
    path_to: Annotated[str | None, Query(max_length=200)] = None,
    partner: Annotated[
        str | None,
        Query(max_length=3, description="Preview: what this partner would receive of your own cases."),
    ] = None,
) -> NetworkView:
    path = (path_from, path_to) if path_from and path_to else None
    return case_network(service, user, case or (), subject, hops, path, partner=partner or None)[0]


@router.get(
    "/resolution",
    response_model=list[ProposalView],
    summary="Resolution proposals among the persons you read",
)
def resolution(
    user: CurrentUser, service: Cases, blocked: Annotated[bool, Query()] = True
) -> list[ProposalView]:
    return proposals(service, user, include_blocked=blocked)


@router.get(
    "/resolution/history", response_model=list[DecisionView], summary="Your country's resolution decisions"
)
def resolution_history(user: CurrentUser, service: Cases) -> list[DecisionView]:
    return history(service, user)


@router.post(
    "/resolution/{proposal_id}/decision",
    response_model=ProposalView,
    status_code=201,
    summary="Accept, reject or split (undo a merge) a resolution proposal",
)
def resolution_decide(
    proposal_id: Annotated[str, Path(max_length=40)], body: DecisionIn, user: CurrentUser, service: Cases
) -> ProposalView:
    return decide(service, user, proposal_id, body.state, body.reason)


@router.get("/{case_id}", response_model=CaseView, summary="A case: whole, or your country's tear line")
def case(case_id: CaseId, user: CurrentUser, service: Cases) -> CaseView:
    return service.show(user, case_id)


@router.post("/{case_id}/subjects", response_model=CaseView, status_code=201, summary="Add a subject")
def add_subject(case_id: CaseId, body: SubjectIn, user: CurrentUser, service: Cases) -> CaseView:
    return service.add_subject(user, case_id, NewSubject(**body.model_dump()))


@router.post("/{case_id}/events", response_model=CaseView, status_code=201, summary="Add an event")
def add_event(case_id: CaseId, body: EventIn, user: CurrentUser, service: Cases) -> CaseView:
    fields: dict[str, Any] = body.model_dump()
    fields["subjects"] = tuple(body.subjects)
    return service.add_event(user, case_id, NewEvent(**fields))


@router.post("/{case_id}/evidence", response_model=CaseView, status_code=201, summary="Take evidence in")
def add_evidence(case_id: CaseId, body: EvidenceIn, user: CurrentUser, service: Cases) -> CaseView:
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("bad_content", "content_base64 is not base64") from None
    return service.add_evidence(
        user, case_id, body.description, body.marking, content, body.place, body.evidence_id, body.holder
    )


@router.post("/{case_id}/notes", response_model=CaseView, status_code=201, summary="Add a marked note")
def add_note(case_id: CaseId, body: NoteIn, user: CurrentUser, service: Cases) -> CaseView:
    return service.add_note(user, case_id, body.text, body.marking)


@router.post("/{case_id}/tasks", response_model=CaseView, status_code=201, summary="Add a task")
def add_task(case_id: CaseId, body: TaskIn, user: CurrentUser, service: Cases) -> CaseView:
    return service.add_task(user, case_id, body.text, body.marking, body.assignee)


@router.post(
    "/{case_id}/tasks/{task_id}/complete", response_model=TaskView, summary="Mark a task done (audited)"
)
def complete_task(
    case_id: CaseId,
    task_id: Annotated[str, Path(max_length=64)],
    body: TaskDoneIn,
    user: CurrentUser,
    service: Cases,
) -> TaskView:
    return service.complete_task(user, case_id, task_id, body.note)


@router.post(
    "/{case_id}/handovers", response_model=CustodyView, status_code=201, summary="Hand evidence over"
)
def handover(case_id: CaseId, body: HandoverIn, user: CurrentUser, service: Cases) -> CustodyView:
    return service.handover(
        user, case_id, body.evidence_id, body.from_holder, body.to_holder, body.place, body.purpose, body.at
    )


@router.get("/{case_id}/custody/verify", response_model=VerifyView, summary="Check the custody log")
def verify(case_id: CaseId, user: CurrentUser, service: Cases) -> VerifyView:
    return service.verify(user, case_id)


@router.get(
    "/{case_id}/guidelines/{partner}", response_model=CheckView, summary="Check a partner's guideline"
)
def check(case_id: CaseId, partner: Partner, user: CurrentUser, service: Cases) -> CheckView:
    return service.check(user, case_id, partner)


@router.get("/{case_id}/preview/{partner}", response_model=CaseView, summary="What a partner would receive")
def preview(case_id: CaseId, partner: Partner, user: CurrentUser, service: Cases) -> CaseView:
    return service.partner_preview(user, case_id, partner)


@router.get("/{case_id}/stix/{partner}", summary="A partner's version as STIX 2.1 objects (a release)")
def stix(case_id: CaseId, partner: Partner, user: CurrentUser, service: Cases) -> dict[str, Any]:
    return {"type": "bundle", "objects": service.export(user, case_id, partner)}


@router.post("/{case_id}/status", response_model=StatusOut, summary="Move a case along its workflow")
def status(case_id: CaseId, body: StatusIn, user: CurrentUser, service: Cases) -> StatusOut:
    if body.to == "referred":
        referral = service.refer(user, case_id, body.partner, collection=body.collection, reason=body.reason)
        return StatusOut(case=service.show(user, case_id, audit=False), referral=referral)
    if body.to in ("accepted", "declined"):
        return StatusOut(case=service.answer(user, case_id, body.to == "accepted", body.reason))
    if body.to == "investigation":
        return StatusOut(case=service.start_investigation(user, case_id, body.reason))
    return StatusOut(case=service.close(user, case_id, body.reason))
