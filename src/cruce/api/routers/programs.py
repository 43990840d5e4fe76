"""Trusted programs: the catalogue, applications (submit, vet, decide) and memberships (member page, suspend,
reinstate, revoke, renew). Roles, the caller's country and the audit are `ProgramDesk`'s; this translates
its typed results into response models. Another country's application or membership is answered 404,
exactly as a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cruce.api.auth import CurrentUser
from cruce.api.deps import Svc
from cruce.programs.config import ProgramConfig
from cruce.programs.model import Party
from cruce.programs.vetting import VettingResult
from cruce.service.programs import (
    MAX_PAGE,
    ApplicationDetail,
    MemberPage,
    MembershipView,
)
from cruce.storage.programs import ApplicationRecord, MemberAlert, TransitionRecord, VettingRecord

router = APIRouter(prefix="/api/v1/programs", tags=["programs"])
ApplicationId = Annotated[str, Path(max_length=80, description="`application:...`")]
MembershipId = Annotated[str, Path(max_length=80, description="The membership id (`USA-SENTRI-...`).")]
Reason = Field(min_length=1, max_length=2000, description="Why: kept in the history and the audit log.")
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
After = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="The `next_after` of the previous page; omit for the first."),
]
ProgramFilter = Annotated[str | None, Query(max_length=32, description="Only this program's.")]
ApplicationStateName = Literal["submitted", "vetting", "interview", "approved", "denied"]
MembershipStateName = Literal["active", "suspended", "revoked", "expired"]


# -- requests ----------------------------------------------------------------------------------------------


class Strict(BaseModel):
    """A part of an application: an unknown field is refused (422, naming it), never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class DocumentIn(Strict):
    kind: str = Field(max_length=32, description="passport, curp, rfc, drivers_license...")
    number: str = Field(max_length=64)
    country: str | None = Field(None, max_length=3)
    expires: str | None = Field(None, max_length=10, description="YYYY-MM-DD")


class PersonIn(Strict):
    name: str = Field(min_length=1, max_length=300)
    birth_date: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    nationality: str | None = Field(None, max_length=3)
    gender: str | None = Field(None, max_length=16)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)


class FacilityIn(Strict):
    name: str = Field(max_length=300)
    address: str = Field("", max_length=500)
    country: str | None = Field(None, max_length=3)


class TruckIn(Strict):
    plate: str = Field(max_length=16)
    plate_region: str | None = Field(None, max_length=16)
    vin: str | None = Field(None, max_length=17)
    owner: str | None = Field(None, max_length=300)
    owner_identifiers: list[DocumentIn] = Field(default_factory=list, max_length=20)


class CompanyIn(Strict):
    name: str = Field(min_length=1, max_length=300)
    country: str | None = Field(None, max_length=3)
    identifiers: list[DocumentIn] = Field(default_factory=list, max_length=20)
    facilities: list[FacilityIn] = Field(default_factory=list, max_length=100)
    officers: list[PersonIn] = Field(default_factory=list, max_length=50)
    drivers: list[PersonIn] = Field(default_factory=list, max_length=500)
    trucks: list[TruckIn] = Field(default_factory=list, max_length=500)


class ApplicationIn(Strict):
    """An application, in the format of the CLI's files (`cruce programs apply FILE`): a person's
    (`applicant`) or a company's (`company`); the program checks the rest and names the field to fix."""

    program: str = Field(max_length=32)
    tier: str | None = Field(None, max_length=32)
    applicant: PersonIn | None = None
    company: CompanyIn | None = None
    notes: str | None = Field(None, max_length=5000)


class DecisionIn(BaseModel):
    decision: Literal["interview", "approve", "deny"]
    reason: str = Reason


class ReasonIn(BaseModel):
    reason: str = Reason


# -- responses ---------------------------------------------------------------------------------------------


class PartyOut(BaseModel):
    role: str
    name: str
    birth_date: str | None
    documents: list[str]

    @classmethod
    def of(cls, party: Party) -> PartyOut:
        q = party.query
        docs = [":".join(x for x in (i.kind, i.country or "", i.value) if x) for i in q.identifiers]
        return cls(
            role=party.role.value,
            name=q.name,
            birth_date=q.birth_date.iso() if q.birth_date is not None else None,
            documents=docs,
        )


class HitOut(BaseModel):
    entity_id: str
    list_id: str
    caption: str
    matched_name: str
    score: float
    alert: bool
    reasons: list[str]


class HistoryOut(BaseModel):
    kind: str
    on: str
    detail: str
    outcome: str
    adverse: bool
    source: str


class PartyCheckOut(BaseModel):
    role: str
    name: str
    hits: list[HitOut]
    history: list[HistoryOut]


class VettingOut(BaseModel):
    vetting_id: str
    vetted_by: str
    checked_at: datetime
    matcher: str
    lists: list[str]
    entities: int
    history_checked: bool
    recommendation: str
    reasons: list[str]
    alerts: int
    parties: list[PartyCheckOut]

    @classmethod
    def of(cls, vetting_id: str, vetted_by: str, r: VettingResult) -> VettingOut:
        return cls(
            vetting_id=vetting_id, vetted_by=vetted_by, checked_at=r.checked_at, matcher=r.matcher,
            lists=list(r.lists), entities=r.entities, history_checked=r.history_checked,
            recommendation=r.recommendation.value, reasons=list(r.reasons), alerts=r.alerts,
            parties=[
                PartyCheckOut(
                    role=p.role.value, name=p.name,
                    hits=[HitOut(entity_id=h.entity_id, list_id=h.list_id, caption=h.caption,
                                 matched_name=h.matched_name, score=h.score, alert=h.alert,
                                 reasons=list(h.reasons)) for h in p.hits],
                    history=[HistoryOut(kind=e.kind.value, on=e.on.isoformat(), detail=e.detail,
                                        outcome=e.outcome, adverse=e.adverse, source=e.source)
                             for e in p.history],
                )
                for p in r.parties
            ],
        )  # fmt: skip

    @classmethod
    def record(cls, v: VettingRecord) -> VettingOut:
        return cls.of(v.vetting_id, v.vetted_by, v.result)


class TransitionOut(BaseModel):
    subject: str
    subject_id: str
    from_state: str | None
    to_state: str
    actor: str
    reason: str
    at: datetime

    @classmethod
    def of(cls, t: TransitionRecord) -> TransitionOut:
        return cls(
            subject=t.subject.value, subject_id=t.subject_id, from_state=t.from_state, to_state=t.to_state,
            actor=t.actor, reason=t.reason, at=t.at,
        )  # fmt: skip


class ApplicationOut(BaseModel):
    application_id: str
    country: str
    program_id: str
    tier: str
    kind: str
    state: str
    caption: str
    submitted_by: str
    submitted_at: datetime
    updated_at: datetime
    membership_id: str | None

    @classmethod
    def of(cls, r: ApplicationRecord) -> ApplicationOut:
        return cls(
            application_id=r.application_id, country=r.country, program_id=r.program_id, tier=r.tier,
            kind=r.kind.value, state=r.state.value, caption=r.caption, submitted_by=r.submitted_by,
            submitted_at=r.submitted_at, updated_at=r.updated_at, membership_id=r.membership_id,
        )  # fmt: skip


class MembershipOut(BaseModel):
    membership_id: str
    application_id: str
    country: str
    program_id: str
    program: str
    tier: str
    tier_name: str
    kind: str
    state: str
    recorded_state: str
    caption: str
    issued_at: datetime
    expires_at: datetime
    updated_at: datetime
    reason: str

    @classmethod
    def of(cls, v: MembershipView) -> MembershipOut:
        r = v.record
        return cls(
            membership_id=r.membership_id, application_id=r.application_id, country=r.country,
            program_id=r.program_id, program=v.program.name, tier=r.tier, tier_name=v.tier.name,
            kind=r.kind.value, state=v.state.value, recorded_state=r.state.value, caption=r.caption,
            issued_at=r.issued_at, expires_at=r.expires_at, updated_at=r.updated_at, reason=r.state_reason,
        )  # fmt: skip


class AlertOut(BaseModel):
    alert_id: str
    state: str
    entity_id: str
    entity_caption: str
    score: float
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, a: MemberAlert) -> AlertOut:
        return cls(
            alert_id=a.alert_id, state=a.state, entity_id=a.entity_id, entity_caption=a.entity_caption,
            score=a.score, created_by=a.created_by, created_at=a.created_at,
        )  # fmt: skip


class ApplicationPageOut(BaseModel):
    items: list[ApplicationOut]
    next_after: int | None


class MembershipPageOut(BaseModel):
    items: list[MembershipOut]
    next_after: int | None


class ApplicationDetailOut(BaseModel):
    application: ApplicationOut
    program: str
    parties: list[PartyOut]
    transitions: list[TransitionOut]
    vettings: list[VettingOut]
    membership: MembershipOut | None

    @classmethod
    def of(cls, d: ApplicationDetail) -> ApplicationDetailOut:
        return cls(
            application=ApplicationOut.of(d.record), program=d.program.name,
            parties=[PartyOut.of(p) for p in d.parties],
            transitions=[TransitionOut.of(t) for t in d.transitions],
            vettings=[VettingOut.record(v) for v in d.vettings],
            membership=MembershipOut.of(d.membership) if d.membership is not None else None,
        )  # fmt: skip


class MemberPageOut(BaseModel):
    membership: MembershipOut
    application: ApplicationOut
    parties: list[PartyOut]
    transitions: list[TransitionOut]
    vettings: list[VettingOut]
    alerts: list[AlertOut]

    @classmethod
    def of(cls, m: MemberPage) -> MemberPageOut:
        return cls(
            membership=MembershipOut.of(m.membership), application=ApplicationOut.of(m.application),
            parties=[PartyOut.of(p) for p in m.parties],
            transitions=[TransitionOut.of(t) for t in m.transitions],
            vettings=[VettingOut.record(v) for v in m.vettings],
            alerts=[AlertOut.of(a) for a in m.alerts],
        )  # fmt: skip


class VettedOut(BaseModel):
    application: ApplicationOut
    vetting: VettingOut


class DecidedOut(BaseModel):
    application: ApplicationOut
    membership: MembershipOut | None


# -- routes ------------------------------------------------------------------------------------------------


@router.get("", response_model=list[ProgramConfig], summary="The programs this node runs and recognises")
def catalogue(user: CurrentUser, svc: Svc) -> list[ProgramConfig]:
    return svc.programs.catalogue(user)


@router.get("/applications", response_model=ApplicationPageOut, summary="Your country's applications")
def applications(  # noqa: PLR0917 - query parameters
    user: CurrentUser,
    svc: Svc,
    state: Annotated[list[ApplicationStateName] | None, Query(max_length=5)] = None,
    program: ProgramFilter = None,
    after: After = None,
    limit: Page = 100,
) -> ApplicationPageOut:
    page = svc.programs.applications(user, states=state or (), program_id=program, after=after, limit=limit)
    return ApplicationPageOut(items=[ApplicationOut.of(r) for r in page.items], next_after=page.next_after)


@router.post("/applications", response_model=ApplicationOut, status_code=201, summary="Submit an application")
def apply(body: ApplicationIn, user: CurrentUser, svc: Svc) -> ApplicationOut:
    fields: dict[str, Any] = body.model_dump(exclude_none=True)
    return ApplicationOut.of(svc.programs.apply(user, fields))


@router.get(
    "/applications/{application_id}", response_model=ApplicationDetailOut, summary="An application's file"
)
def application(application_id: ApplicationId, user: CurrentUser, svc: Svc) -> ApplicationDetailOut:
    return ApplicationDetailOut.of(svc.programs.application(user, application_id))


@router.post(
    "/applications/{application_id}/vet", response_model=VettedOut, summary="Vet every party of it now"
)
def vet(application_id: ApplicationId, user: CurrentUser, svc: Svc) -> VettedOut:
    done = svc.programs.vet(user, application_id)
    return VettedOut(
        application=ApplicationOut.of(done.application),
        vetting=VettingOut.of(done.vetting_id, user.user_id, done.result),
    )


@router.post(
    "/applications/{application_id}/decision",
    response_model=DecidedOut,
    summary="Interview, approve (grants the membership) or deny, with a reason",
)
def decide(application_id: ApplicationId, body: DecisionIn, user: CurrentUser, svc: Svc) -> DecidedOut:
    done = svc.programs.decide(user, application_id, body.decision, body.reason)
    member = MembershipOut.of(done.membership) if done.membership is not None else None
    return DecidedOut(application=ApplicationOut.of(done.application), membership=member)


@router.get("/memberships", response_model=MembershipPageOut, summary="Your country's memberships")
def memberships(  # noqa: PLR0917 - query parameters
    user: CurrentUser,
    svc: Svc,
    state: Annotated[list[MembershipStateName] | None, Query(max_length=4)] = None,
    program: ProgramFilter = None,
    after: After = None,
    limit: Page = 100,
) -> MembershipPageOut:
    page = svc.programs.memberships(user, states=state or (), program_id=program, after=after, limit=limit)
    return MembershipPageOut(items=[MembershipOut.of(v) for v in page.items], next_after=page.next_after)


@router.get(
    "/memberships/{membership_id}",
    response_model=MemberPageOut,
    summary="A member's page: membership, history, vettings, alerts",
)
def member(membership_id: MembershipId, user: CurrentUser, svc: Svc) -> MemberPageOut:
    return MemberPageOut.of(svc.programs.member(user, membership_id))


@router.post(
    "/memberships/{membership_id}/{action}",
    response_model=MembershipOut,
    summary="Suspend, reinstate, revoke or renew a membership, with a reason",
)
def act(
    membership_id: MembershipId,
    action: Literal["suspend", "reinstate", "revoke", "renew"],
    body: ReasonIn,
    user: CurrentUser,
    svc: Svc,
) -> MembershipOut:
    return MembershipOut.of(svc.programs.act_on_membership(user, membership_id, action, body.reason))
