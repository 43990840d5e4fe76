"""Screening coordinated across partner nodes: membership statuses and hit notices over the TAXII sync.

Each node keeps its own lists and its own members. Under the agreement (`cruce.programs.recognition`):

1. A node releases its members' statuses (`publish_statuses`) to the partners that recognise the program
   and to the partners whose hit notices it subscribes to (they screen its members against their lists),
   under a marking whose REL TO names exactly those partners. A suspension is a new version of the same
   object, so it reaches every partner the status reached, by the same sync.
2. A node screens the partner members it received against its own list (`screen_members`, after a list
   update) and releases a hit notice (`publish_notices`) to each subscribed partner, cut to the details
   each may receive (`cruce.sharing.notices.release_to`).
3. A node reads what the sync brought (`ingest`): statuses only from the node that vetted the membership,
   notices only from the node that sent them (a partner cannot speak for a third), newest status wins.
4. The vetting node acts on a notice about its own member (`act_on_notices`): it suspends the membership
   through the `Suspender` port (`cruce.service.member_ports.ProgramSuspender`: the programs service) and
   publishes the new status.
5. At a booth, `BoothDirectory` answers the lane lookup from this node's memberships and the partners'
   statuses; a hit notice received about a membership counts as an open alert on it (no expedited lane
   while it is reviewed), and the partner's suspension refers the crossing to secondary.

Every release is decided by `cruce.sharing.release.may_write` / `may_write_parts` on the markings written,
and its audit record commits with the objects (`SharingStore.add_objects(also=...)`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from cruce.core.clock import Clock, utc_now
from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.markings import Classification, Marking
from cruce.core.model import Entity, Schema
from cruce.matching.types import Query
from cruce.programs.model import MemberParties, MembershipState, MembershipStatus, PartyRole
from cruce.programs.recognition import Agreement
from cruce.programs.standing import MembershipDirectory, crossing_standing
from cruce.scoring.crossing_rules import CrossingFacts, CrossingRules, routing_case
from cruce.scoring.crossings import Crossing, VehicleHistory
from cruce.scoring.lanes import BudgetedRouter, LaneDecision, RoutingPolicy
from cruce.service.screening import build_matcher
from cruce.service.sharing import ForbiddenError
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.sharing.exchange import ObjectFilter, PagePosition, VersionPick
from cruce.sharing.notices import (
    HIT_NOTICE_EXTENSION,
    MEMBERSHIP_EXTENSION,
    Detail,
    HitNotice,
    NoticeError,
    Subject,
    cut_for,
    extension_definitions,
    notice_objects,
    org_identity,
    read_notice,
    read_status,
    status_objects,
)
from cruce.sharing.release import may_write, may_write_parts
from cruce.storage.accounts import Account
from cruce.storage.audit import AuditLog
from cruce.storage.collections import AddResult, Reader
from cruce.storage.partners import PartnerStore, notice_digest
from cruce.storage.sharing import SharingStore
from cruce.storage.sync import CursorUpdate


class Suspender(Protocol):
    """The programs service's view of this node's own memberships: the current status, and the suspend
    step (the new status, audited with the suspension): `cruce.service.member_ports.ProgramSuspender`."""

    def current(self, membership_id: str) -> MembershipStatus | None: ...

    def suspend(self, membership_id: str, reason: str, actor: str) -> MembershipStatus: ...


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    released: dict[str, tuple[str, ...]]  # object key -> partners it was released to
    denied: dict[str, str]  # object key (+ partner) -> why not
    added: int
    present: int


# ---------------------------------------------------------------------------------------------- statuses


def status_partners(status: MembershipStatus, agreement: Agreement) -> frozenset[str]:
    """Who receives a membership's status: partners recognising its program, and those screening for it."""
    recognising = {
        country
        for country, table in agreement.recognition.items()
        if any(program == status.program_id for program, _tier in table)
    }
    screening = agreement.subscriptions.get(status.country, frozenset())
    return frozenset((recognising | screening) - {status.country})


def status_marking(
    status: MembershipStatus, agreement: Agreement, level: Classification = Classification.CONFIDENTIAL
) -> Marking:
    partners = status_partners(status, agreement)
    if not partners:
        return Marking.of(level, status.country, noforn=True)
    return Marking.of(level, status.country, (status.country, *sorted(partners)))


def publish_statuses(
    sharing: SharingStore,
    audit: AuditLog,
    account: Account,
    collection_id: str,
    items: Sequence[tuple[MembershipStatus, Subject | None]],
    *,
    agreement: Agreement,
    clock: Clock = utc_now,
) -> ReleaseResult:
    """Release the statuses of this node's memberships to the partners the agreement names."""
    user = account.user()
    objects: list[dict[str, Any]] = [*extension_definitions(account.country), org_identity(account.country)]
    events: list[AuditEvent] = []
    public = may_write(user, [], originators=[account.country], what="the extension definitions")
    _refuse_unless(public.allowed, audit, account, clock, "extension-definitions", public.reason)
    released: dict[str, tuple[str, ...]] = {}
    for status, subject in items:
        resource = f"membership:{status.membership_id}"
        if status.country != account.country:
            raise InputError(
                "not_ours", f"{account.country} releases its own memberships only, not {status.country}'s"
            )
        marking = status_marking(status, agreement)
        decision = may_write(
            user, [marking], originators=[status.country], what=f"the status of {status.membership_id}"
        )
        _refuse_unless(decision.allowed, audit, account, clock, resource, decision.reason)
        partners = tuple(sorted(marking.releasable_to - {status.country}))
        events.append(_event(clock, account, "release", resource, decision.reason, {
            "state": status.state.value, "marking": str(marking), "partners": list(partners),
        }))  # fmt: skip
        objects += status_objects(status, subject, marking)
        released[status.membership_id] = partners
    result = _store(sharing, audit, collection_id, objects, events)
    return ReleaseResult(released, {}, len(result.added), len(result.present))


# ---------------------------------------------------------------------------------------------- notices


DEFAULT_DETAIL_LEVEL = Classification.CONFIDENTIAL


@dataclass(frozen=True, slots=True)
class NoticePolicy:
    """How a sender marks its notices: the core, and each detail field (a field absent is never sent)."""

    core: Marking
    details: Mapping[str, Marking] = field(default_factory=dict)


def subject_of(member: MemberParties) -> Subject | None:
    """What partners screen a member under: its applicant (a person) or its company party."""
    party = next((p for p in member.parties if p.role in (PartyRole.APPLICANT, PartyRole.COMPANY)), None)
    if party is None:
        return None
    query = party.query
    return Subject(
        query.name,
        query.birth_date.iso() if query.birth_date is not None else None,
        query.countries,
        party.role is PartyRole.COMPANY,
    )


def screen_members(
    entities: Sequence[Entity],
    members: Sequence[tuple[MembershipStatus, Subject | None]],
    *,
    sender: str,
    policy: NoticePolicy,
    at: datetime,
    threshold: float | None = None,
) -> list[HitNotice]:
    """Screen members (this node's and the partners' it received) against this node's list entities.

    Only members still in good standing or pending review are screened (a revoked one crosses as anyone).
    """
    if not entities or not members:
        return []
    matcher = build_matcher(entities, threshold)
    notices: list[HitNotice] = []
    for status, subject in members:
        if subject is None or status.state not in (MembershipState.ACTIVE, MembershipState.SUSPENDED):
            continue
        query = Query(
            name=subject.name,
            schema=Schema.ORGANIZATION if subject.company else Schema.PERSON,
            birth_date=PartialDate.parse(subject.birth_date) if subject.birth_date else None,
            countries=subject.countries,
            id=status.membership_id,
        )
        matches = [m for m in matcher.screen(query, top=1) if m.alert]
        if not matches:
            continue
        match = matches[0]
        details = tuple(
            Detail(name, value, policy.details[name])
            for name, value in _entity_details(match.entity).items()
            if name in policy.details and value
        )
        notices.append(
            HitNotice(
                sender=sender,
                list_id=match.entity.list_id,
                entity_id=match.entity_id,
                score=match.score,
                matched_at=at,
                marking=policy.core,
                membership_id=status.membership_id,
                membership_country=status.country,
                subject_name=subject.name,
                details=details,
                reasons=(match.reasons(),) if match.features else (),
            )
        )
    return notices


def _entity_details(entity: Entity) -> dict[str, str]:
    return {
        "name": entity.caption,
        "birth_date": ", ".join(d.iso() for d in entity.birth_dates),
        "nationality": ", ".join(entity.nationalities),
        "identifiers": ", ".join(f"{i.kind}:{i.value}" for i in entity.identifiers),
        "programs": ", ".join(entity.programs),
        "remarks": entity.remarks or "",
    }


def publish_notices(
    sharing: SharingStore,
    audit: AuditLog,
    account: Account,
    collection_id: str,
    notices: Sequence[HitNotice],
    *,
    agreement: Agreement,
    clock: Clock = utc_now,
) -> ReleaseResult:
    """Release each notice, cut per subscribed partner; a partner the notice may not reach is audited."""
    user = account.user()
    subscribers = sorted(agreement.subscribers_of(account.country))
    objects: list[dict[str, Any]] = [*extension_definitions(account.country), org_identity(account.country)]
    public = may_write(user, [], originators=[account.country], what="the extension definitions")
    _refuse_unless(public.allowed, audit, account, clock, "extension-definitions", public.reason)
    events: list[AuditEvent] = []
    released: dict[str, tuple[str, ...]] = {}
    denied: dict[str, str] = {}
    for notice in notices:
        if notice.sender != account.country:
            raise InputError("not_ours", f"{account.country} sends its own hit notices only")
        resource = f"hit-notice:{notice_digest(notice)[:16]}"
        versions = cut_for(notice, subscribers)
        for partner in subscribers:
            if partner not in versions:
                denied[f"{resource}:{partner}"] = (
                    f"the notice's core ({notice.marking}) is not releasable to {partner}"
                )
                events.append(_event(clock, account, "release", resource, denied[f"{resource}:{partner}"],
                                     {"partner": partner}, Outcome.DENIED))  # fmt: skip
        sent: list[str] = []
        for partner, version in versions.items():
            parts = [[version.marking], *([d.marking] for d in version.details)]
            decision = may_write_parts(user, parts, originators=[notice.sender], what="a hit notice")
            if not decision.allowed:
                denied[f"{resource}:{partner}"] = decision.reason
                events.append(_event(clock, account, "release", resource, decision.reason,
                                     {"partner": partner}, Outcome.DENIED))  # fmt: skip
                continue
            objects += notice_objects(version, partner)
            sent.append(partner)
            events.append(_event(clock, account, "release", resource, decision.reason, {
                "partner": partner, "marking": str(version.banner),
                "details": [d.field for d in version.details],
                "withheld": sorted({d.field for d in notice.details} - {d.field for d in version.details}),
            }))  # fmt: skip
        released[resource] = tuple(sent)
    result = _store(sharing, audit, collection_id, objects, events)
    return ReleaseResult(released, denied, len(result.added), len(result.present))


# ---------------------------------------------------------------------------------------------- receiving


@dataclass(slots=True)
class IngestReport:
    statuses: list[MembershipStatus] = field(default_factory=list)  # newly stored (newer than held)
    notices: list[HitNotice] = field(default_factory=list)  # newly stored
    refused: list[str] = field(default_factory=list)  # object id: why


INGEST_CURSOR = "cruce:partners-ingest"
"""The pseudo-remote under which `ingest` keeps how far it read a collection (in the sync cursor table)."""


def ingest(
    sharing: SharingStore, partners: PartnerStore, collection_id: str, node_country: str
) -> IngestReport:
    """Read the statuses and notices partners released into `collection_id` (by sync) into `partners`.

    Incremental: it starts after the last object the previous run read, and moves that cursor only once
    everything read is stored. A run killed half-way reads again what it had not finished, which stores
    nothing twice (the newest status wins; a notice is kept once, its fullest cut).
    """
    report = IngestReport()
    reader = Reader(frozenset({node_country}))
    received: list[tuple[str, dict[str, Any]]] = []
    names: dict[str, str] = {}
    mark = sharing.cursor(INGEST_CURSOR, collection_id, "ingest")
    after = PagePosition.decode(mark) if mark else None
    while True:
        page = sharing.page(
            collection_id, ObjectFilter(picks=frozenset({VersionPick.ALL}), after=after), reader
        )
        for stored in page.objects:
            if not stored.origin:
                continue  # written here: nothing to learn
            data = json.loads(stored.for_reader(reader))
            if data.get("type") == "identity" and isinstance(data.get("name"), str):
                names[str(data["id"])] = data["name"]
            received.append((stored.origin, data))
        after = page.last or after
        if not page.more:
            break
    for origin, data in received:
        extensions = data.get("extensions") or {}
        try:
            if data.get("type") == "identity" and MEMBERSHIP_EXTENSION in extensions:
                status, subject = read_status(data)
                if status.country != origin:
                    raise NoticeError(f"a {status.country} membership status relayed by {origin}", data["id"])
                if status.country == node_country:
                    continue  # our own, come back by a partner: ours is authoritative
                if partners.put_status(status, subject, origin):
                    report.statuses.append(status)
            elif data.get("type") == "sighting" and HIT_NOTICE_EXTENSION in extensions:
                notice = read_notice(data, names.get(str(data.get("sighting_of_ref"))))
                if notice.sender != origin:
                    raise NoticeError(f"a {notice.sender} notice relayed by {origin}", data["id"])
                if partners.put_notice(notice):  # a fuller cut of a notice replaces the one held
                    report.notices = [n for n in report.notices if n.key != notice.key] + [notice]
        except InputError as exc:
            report.refused.append(exc.message)
    if after is not None:
        sharing.set_cursor(
            CursorUpdate(INGEST_CURSOR, collection_id, "ingest", collection_id, after.encode())
        )
    return report


def act_on_notices(
    notices: Sequence[HitNotice], suspender: Suspender, node_country: str, actor: str
) -> list[MembershipStatus]:
    """Suspend this node's active memberships a partner's notice names; returns the new statuses."""
    suspended: list[MembershipStatus] = []
    for notice in notices:
        if notice.membership_country != node_country or not notice.membership_id:
            continue
        held = suspender.current(notice.membership_id)
        if held is None or held.state is not MembershipState.ACTIVE:
            continue
        listed = notice.detail("name") or notice.entity_id
        reason = (
            f"{notice.sender} hit notice: matched '{listed}' on {notice.sender}'s list {notice.list_id} "
            f"(score {notice.score:.2f})"
        )
        suspended.append(suspender.suspend(notice.membership_id, reason, actor))
    return suspended


# ---------------------------------------------------------------------------------------------- the booth


@dataclass(slots=True)
class BoothDirectory:
    """The lane lookup at a booth: this node's memberships (`own`, the programs service) first, then the
    partners' statuses; open alerts are the own ones plus the hit notices received about the membership
    that its vetting node has not acted on since (`open_alerts`)."""

    partners: PartnerStore
    own: MembershipDirectory | None = None

    def find(self, keys: Sequence[str]) -> MembershipStatus | None:
        found = self.own.find(keys) if self.own is not None else None
        return found if found is not None else self.partners.find(keys)

    def open_alerts(self, membership_id: str) -> int:
        """Own open alerts, plus the partner notices the vetting node has not acted on since: a notice
        older than the membership's last change (a suspension, a reinstatement after review) is closed."""
        own = self.own.open_alerts(membership_id) if self.own is not None else 0
        pending = 0
        for notice in self.partners.notices(membership_id=membership_id):
            held = self.partners.status(notice.membership_country or "", membership_id)
            if held is None or notice.matched_at > held.status.changed_at:
                pending += 1
        return own + pending


def booth_lane(
    crossing: Crossing,
    directory: MembershipDirectory,
    agreement: Agreement,
    country: str,
    *,
    router: BudgetedRouter | None = None,
    history: VehicleHistory | None = None,
) -> LaneDecision:
    """One crossing at a booth: the rules' score, the membership standing, and the lane."""
    assessment = CrossingRules().assess(CrossingFacts(crossing, (), history))
    standing = crossing_standing(crossing, directory, agreement, country, crossing.arrived_at)
    router = router or BudgetedRouter(RoutingPolicy(budget_per_hour=10, audit_share=0.0), random.Random(0))
    return router.route(routing_case(crossing, assessment, standing))


# ---------------------------------------------------------------------------------------------- helpers


def _event(  # noqa: PLR0917 - one audit event's fields
    clock: Clock,
    account: Account,
    action: str,
    resource: str,
    reason: str,
    details: Mapping[str, Any],
    outcome: Outcome = Outcome.ALLOWED,
) -> AuditEvent:
    return AuditEvent(
        clock(), account.user_id, action, resource, outcome, reason,
        {"organisation": account.organisation, **details}, account.country,
    )  # fmt: skip


def _refuse_unless(  # noqa: PLR0917 - one refusal's fields
    allowed: bool, audit: AuditLog, account: Account, clock: Clock, resource: str, reason: str
) -> None:
    if allowed:
        return
    audit.append(_event(clock, account, "release", resource, reason, {}, Outcome.DENIED))
    raise ForbiddenError("release_denied", f"{account.user_id} may not release {resource}: {reason}")


def _store(
    sharing: SharingStore,
    audit: AuditLog,
    collection_id: str,
    objects: list[dict[str, Any]],
    events: list[AuditEvent],
) -> AddResult:
    def keep(conn: Connection, stored: AddResult) -> None:
        if stored.failures:
            raise InputError("release_failed", f"{stored.failures[0][0]}: {stored.failures[0][1]}")
        audit.append_on(conn, events)

    return sharing.add_objects(collection_id, objects, also=keep)


# ------------------------------------------------------------------------------------------ node use cases


def default_notice_policy(country: str, agreement: Agreement) -> NoticePolicy:
    """How a node marks its notices unless told otherwise: the core and the entity's name, birth date,
    nationality and listing programmes CONFIDENTIAL for every subscriber; identifiers SECRET for them;
    the list's remarks (often source-derived) never leave the node."""
    subscribers = sorted(agreement.subscribers_of(country))
    if not subscribers:
        raise InputError(
            "no_subscribers", f"no partner subscribes to {country}'s hit notices in {agreement.name}"
        )
    rel = (country, *subscribers)
    confidential = Marking.of(Classification.CONFIDENTIAL, country, rel)
    return NoticePolicy(
        core=confidential,
        details={
            "name": confidential,
            "birth_date": confidential,
            "nationality": confidential,
            "programs": confidential,
            "identifiers": Marking.of(Classification.SECRET, country, rel),
            "remarks": Marking.of(Classification.SECRET, country, noforn=True),
        },
    )


def screen_list_for_partners(  # noqa: PLR0917 - the node, the list, and who sends
    entities: Sequence[Entity],
    partners: PartnerStore,
    sharing: SharingStore,
    audit: AuditLog,
    account: Account,
    collection_id: str,
    *,
    agreement: Agreement,
    at: datetime,
) -> tuple[list[HitNotice], ReleaseResult]:
    """Screen every member this node holds (its own and the partners') against `entities` (a list of its
    own) and release a hit notice per hit to the subscribed partners."""
    held = [(h.status, h.subject) for h in partners.statuses()]
    notices = screen_members(
        entities,
        held,
        sender=account.country,
        policy=default_notice_policy(account.country, agreement),
        at=at,
    )
    if not notices:
        return [], ReleaseResult({}, {}, 0, 0)
    return notices, publish_notices(sharing, audit, account, collection_id, notices, agreement=agreement)
