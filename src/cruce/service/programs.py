"""Trusted programs as use cases: apply, vet, decide, list, show, suspend, reinstate, revoke, renew.

`ProgramService(store)` is the one entry point the CLI, the API, re-vetting and the lanes call. Every call
that a person makes names an `Actor` (who, and which country they act for): applications and memberships
belong to that country, and another country's are not found. Vetting recommends; the officer decides with
a reason. Each move is validated by `cruce.programs.lifecycle`, then stored with its transition row and its
audit record in one transaction (`cruce.storage.programs`).

For the node's own processes: `active_member_parties()` (what re-vetting screens in reverse),
`membership_for(...)` (what a booth asks: is this traveler a member, and in what state), and
`suspend_for_alert(...)` (a new alert on a member suspends the membership pending review and puts the alert
in the queue with the member's context).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pycountry

from cruce.alerts.review import person_fingerprint, person_view
from cruce.core.clock import Clock, utc_now
from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import Identifier
from cruce.matching.matcher import Matcher
from cruce.matching.types import Match
from cruce.programs.applications import (
    Application,
    ApplicationError,
    application_to_dict,
    identifier_key,
    parse_application,
    parties,
    validate,
)
from cruce.programs.config import ProgramConfig, Tier, program_catalogue
from cruce.programs.lifecycle import (
    RENEWAL_WINDOW,
    Subject,
    Transition,
    TransitionError,
    add_years,
    effective_state,
    move_application,
    move_membership,
    new_application_id,
    new_membership_id,
    renewed_expiry,
)
from cruce.programs.model import (
    ApplicationState,
    MemberParties,
    MembershipState,
    MembershipStatus,
    Party,
    PartyRole,
)
from cruce.programs.vetting import HistoryEvent, HistoryKind, HistorySource, VettingResult, vet
from cruce.service.alerts import AlertQueue, feature_views
from cruce.service.notice_history import PartnerNoticeHistory
from cruce.service.screening import build_matcher
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.alerts import AlertStore, NewAlert
from cruce.storage.partners import PartnerStore
from cruce.storage.programs import (
    ApplicationRecord,
    MemberAlert,
    MembershipRecord,
    NewApplication,
    ProgramStore,
    TransitionRecord,
    VettingRecord,
    alert_source,
)
from cruce.storage.store import Store

SYSTEM_ACTOR = "system"
RE_VETTING_ACTOR = "re-vetting"
MEMBERSHIP_ALERT_KIND = "membership"
"""The `kind` of an alert raised on a member: the queue shows it with the member's context."""
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, and for which country (ISO alpha-3): the partition their applications live in."""

    name: str
    country: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("missing_actor", "actor: who acts must be named")
        code = self.country.strip().upper()
        if len(code) != 3 or pycountry.countries.get(alpha_3=code) is None:
            raise InputError(
                "bad_country", f"country: {self.country!r} is not an ISO alpha-3 code (USA, MEX)"
            )
        object.__setattr__(self, "country", code)


class Decision:
    """What an officer may decide on an application (`cruce programs decide ... interview|approve|deny`)."""

    INTERVIEW = "interview"
    APPROVE = "approve"
    DENY = "deny"
    ALL = (INTERVIEW, APPROVE, DENY)


_TARGET = {
    Decision.INTERVIEW: ApplicationState.INTERVIEW,
    Decision.APPROVE: ApplicationState.APPROVED,
    Decision.DENY: ApplicationState.DENIED,
}


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ApplicationPage:
    items: list[ApplicationRecord]
    next_after: int | None  # pass as `after` for the next page; None on the last


@dataclass(frozen=True, slots=True)
class MembershipView:
    """A membership as a person or a booth sees it: `state` is what it is now (an active membership past
    its expiry reads `expired` even before housekeeping records it)."""

    record: MembershipRecord
    state: MembershipState
    program: ProgramConfig
    tier: Tier

    @property
    def membership_id(self) -> str:
        return self.record.membership_id

    def status(self, documents: Sequence[str] = ()) -> MembershipStatus:
        """The shared form that travels to partners (under markings) for mutual recognition; `documents`
        are the member's document keys (`ProgramService.status` fills them)."""
        return MembershipStatus(
            membership_id=self.record.membership_id,
            program_id=self.record.program_id,
            tier=self.record.tier,
            country=self.record.country,
            state=self.state,
            changed_at=self.record.updated_at,
            reason=self.record.state_reason,
            expires_at=self.record.expires_at,
            documents=tuple(documents),
        )


@dataclass(frozen=True, slots=True)
class MembershipPage:
    items: list[MembershipView]
    next_after: int | None


@dataclass(frozen=True, slots=True)
class ApplicationDetail:
    record: ApplicationRecord
    application: Application
    program: ProgramConfig
    parties: tuple[Party, ...]
    transitions: list[TransitionRecord]
    vettings: list[VettingRecord]
    membership: MembershipView | None


@dataclass(frozen=True, slots=True)
class MemberPage:
    """What a member's page shows: the membership, its application, history, vettings and alerts."""

    membership: MembershipView
    application: ApplicationRecord
    parties: tuple[Party, ...]
    transitions: list[TransitionRecord]
    vettings: list[VettingRecord]
    alerts: list[MemberAlert]


@dataclass(frozen=True, slots=True)
class VettingOutcome:
    application: ApplicationRecord
    vetting_id: str
    result: VettingResult


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    application: ApplicationRecord
    membership: MembershipView | None


@dataclass(frozen=True, slots=True)
class SuspensionOutcome:
    membership: MembershipView
    alert_id: str | None
    alert_new: bool
    moved: bool  # False when the membership was already suspended (or final): only the alert was added


@dataclass(frozen=True, slots=True)
class AlertEvidence:
    """What a member's alert shows when no `Match` object is at hand (a re-vetting hit read back from its
    table): the listed entity, the score and the matcher's reasons. `entity_hash` tells one listing of the
    entity from a changed one (a changed listing is a new alert)."""

    entity_id: str
    caption: str
    score: float
    features: tuple[dict[str, Any], ...]
    entity_hash: str


@dataclass(frozen=True, slots=True)
class MemberLookup:
    """A membership a booth's traveler holds, and how it was found (`document` or `name`)."""

    membership: MembershipView
    matched_on: str
    party: Party | None = None


# ---------------------------------------------------------------------------------------------- history


class _NodeHistory:
    """History vetting reads on this node: earlier denials, suspensions and revocations of the same
    documents in this country's programs, the hit notices partners sent this node about the party, plus
    whatever `extra` (crossings, seizures...) provides."""

    def __init__(
        self, store: ProgramStore, country: str, extra: HistorySource | None, notices: HistorySource
    ) -> None:
        self._store, self._country, self._extra, self._notices = store, country, extra, notices

    def events_for(self, party: Party) -> Sequence[HistoryEvent]:
        keys = [identifier_key(i) for i in party.query.identifiers]
        events = [_history_event(t) for t in self._store.history(keys, self._country)]
        events.extend(self._notices.events_for(party))
        if self._extra is not None:
            events.extend(self._extra.events_for(party))
        return events


_HISTORY_KIND = {
    ApplicationState.DENIED.value: HistoryKind.DENIAL,
    MembershipState.SUSPENDED.value: HistoryKind.SUSPENSION,
    MembershipState.REVOKED.value: HistoryKind.REVOCATION,
}


def _history_event(t: TransitionRecord) -> HistoryEvent:
    kind = _HISTORY_KIND[t.to_state]
    return HistoryEvent(
        kind,
        t.at.date(),
        f"{t.subject.value} {t.subject_id} {t.to_state}: {t.reason}",
        outcome=t.to_state,
        adverse=True,
        source=t.subject_id,
    )


# ---------------------------------------------------------------------------------------------- service


class ProgramService:
    """Trusted program enrolment and membership on one store."""

    def __init__(
        self,
        store: Store,
        *,
        programs: Mapping[str, ProgramConfig] | None = None,
        clock: Clock = utc_now,
        matcher: Matcher | Callable[[], Matcher] | None = None,
        history: HistorySource | None = None,
        threshold: float | None = None,
        screening: Callable[[], tuple[Matcher, tuple[str, ...]]] | None = None,
    ) -> None:
        self.store = store
        self.programs = dict(programs) if programs is not None else program_catalogue()
        self.db = ProgramStore(store.engine)
        self._clock = clock
        self._matcher_given = matcher
        self._history = history
        self._threshold = threshold
        self._screening = screening
        self._cached: tuple[tuple[int, int], tuple[str, ...], Matcher] | None = None
        self._lock = threading.Lock()
        self._queue: AlertQueue | None = None
        self._partner_notices = PartnerNoticeHistory(PartnerStore(store.engine))

    # -- helpers ---------------------------------------------------------------------------------------

    def program(self, program_id: str) -> ProgramConfig:
        found = self.programs.get(program_id)
        if found is None:
            raise ApplicationError(
                "program",
                f"no program {program_id!r}; known: {', '.join(sorted(self.programs))}",
                "unknown_program",
            )
        return found

    def _matcher(self) -> tuple[Matcher, tuple[str, ...]]:
        """The matcher over every active list and their version keys, rebuilt only when a version changed
        (a cheap check per vetting: the newest complete version's id and their count). A server passes
        `screening`, its loaded matcher with the versions it holds: vetting screens what the server
        screens, and records exactly those versions."""
        if self._screening is not None:
            return self._screening()
        token = self.db.lists_token()
        with self._lock:
            if self._cached is not None and self._cached[0] == token:
                return self._cached[2], self._cached[1]
        lists = tuple(v.key for v in self.store.latest_versions())
        given = self._matcher_given
        if isinstance(given, Matcher):
            matcher = given
        elif given is not None:
            matcher = given()
        else:
            matcher = build_matcher(self.store.load_entities(), self._threshold)
        with self._lock:
            self._cached = (token, lists, matcher)
        return matcher, lists

    def _view(self, record: MembershipRecord) -> MembershipView:
        program = self.programs.get(record.program_id)
        if program is None:  # a program dropped from the configuration: its members are still shown
            raise InputError(
                "unknown_program",
                f"membership {record.membership_id} names unknown program {record.program_id!r}",
            )
        return MembershipView(
            record,
            effective_state(record.state, record.expires_at, self._clock()),
            program,
            program.tier(record.tier),
        )

    def _event(
        self, actor: str, country: str, action: str, resource: str, reason: str, **details: Any
    ) -> AuditEvent:
        return AuditEvent(
            at=self._clock(),
            actor=actor,
            action=f"programs.{action}",
            resource=resource,
            outcome=Outcome.ALLOWED,
            reason=reason,
            details=details,
            country=country,
        )

    # -- applications ----------------------------------------------------------------------------------

    def apply(
        self, actor: Actor, application: Application | Mapping[str, Any], reason: str = "application received"
    ) -> ApplicationRecord:
        """Validate and store an application for `actor`'s country; errors name the field to fix."""
        app = application if isinstance(application, Application) else parse_application(application)
        program = self.program(app.program_id)
        if program.country != actor.country:
            raise ApplicationError(
                "program",
                f"{program.id} is run by {program.country}; "
                f"a {actor.country} officer cannot take its applications",
                "wrong_country",
            )
        now = self._clock()
        validate(app, program, now.date())
        tier = program.tier(app.tier)
        self._refuse_duplicates(app, actor.country)
        application_id = new_application_id()
        members = parties(app)
        keys = [d.key for d in app.documents()]
        transition = Transition(
            Subject.APPLICATION,
            application_id,
            None,
            ApplicationState.SUBMITTED.value,
            actor.name,
            reason,
            now,
        )
        new = NewApplication(
            application_id,
            actor.country,
            program.id,
            tier.id,
            program.kind,
            app.caption,
            application_to_dict(app),
            members,
            keys,
        )
        audit = self._event(
            actor.name, actor.country, "apply", application_id, reason, program=program.id, tier=tier.id
        )
        return self.db.submit(new, transition, audit)

    def _refuse_duplicates(self, app: Application, country: str) -> None:
        docs = app.documents()
        holders = self.db.holders([d.key for d in docs], country)
        if not holders:
            return
        order = {d.key: i for i, d in reversed(list(enumerate(docs)))}
        holder = min(holders, key=lambda h: order.get(h.doc_key, len(docs)))
        index = order[holder.doc_key]
        path = "company.identifiers" if app.company is not None else "applicant.documents"
        if holder.membership_id is not None and holder.membership_state is not None:
            what = f"{holder.membership_state} membership {holder.membership_id}"
        else:
            what = f"open application {holder.application_id} ({holder.application_state})"
        raise ApplicationError(f"{path}[{index}].number", f"already held by {what}", "duplicate_member")

    def vet(self, actor: Actor, application_id: str) -> VettingOutcome:
        """Screen every party of the application against every active list and read its history.

        A submitted application moves to `vetting`; one in vetting or interview is vetted again (lists
        change). The result is stored with the application; it recommends, the officer decides."""
        record = self.db.application(application_id, actor.country)
        if record.state not in (
            ApplicationState.SUBMITTED,
            ApplicationState.VETTING,
            ApplicationState.INTERVIEW,
        ):
            raise TransitionError(
                "bad_transition",
                f"application {application_id} is {record.state}: it is decided, there is nothing to vet",
            )
        matcher, lists = self._matcher()
        now = self._clock()
        history = _NodeHistory(self.db, actor.country, self._history, self._partner_notices)
        result = vet(self.db.parties(application_id), matcher, history, lists=lists, at=now)
        vetting = VettingRecord(f"vetting:{secrets.token_hex(12)}", application_id, actor.name, result)
        reason = f"vetting: {result.recommendation.value} ({result.alerts} list alert(s))"
        if record.state is ApplicationState.SUBMITTED:
            transition = move_application(
                application_id,
                record.state,
                ApplicationState.VETTING,
                actor=actor.name,
                reason=reason,
                at=now,
                vetted=False,
            )
        else:  # a re-vetting: no move
            transition = Transition(
                Subject.APPLICATION,
                application_id,
                record.state.value,
                record.state.value,
                actor.name,
                reason,
                now,
            )
        audit = self._event(
            actor.name,
            actor.country,
            "vet",
            application_id,
            reason,
            vetting_id=vetting.vetting_id,
            recommendation=result.recommendation.value,
            alerts=result.alerts,
            lists=list(lists),
        )
        updated = self.db.move_application(
            application_id, actor.country, transition, [audit], vetting=vetting
        )
        return VettingOutcome(updated, vetting.vetting_id, result)

    def decide(self, actor: Actor, application_id: str, decision: str, reason: str) -> DecisionOutcome:
        """`interview` (after vetting), `approve` (after the interview: grants the membership) or `deny`."""
        if decision not in _TARGET:
            raise InputError(
                "bad_decision", f"decision: use one of {', '.join(Decision.ALL)}, not {decision!r}"
            )
        record = self.db.application(application_id, actor.country)
        now = self._clock()
        vetted = bool(self.db.vettings(application_id)) if decision == Decision.INTERVIEW else True
        transition = move_application(
            application_id,
            record.state,
            _TARGET[decision],
            actor=actor.name,
            reason=reason,
            at=now,
            vetted=vetted,
        )
        audit = [self._event(actor.name, actor.country, decision, application_id, transition.reason)]
        membership = membership_move = None
        if decision == Decision.APPROVE:
            program = self.program(record.program_id)
            membership_id = new_membership_id(program.id, actor.country)
            membership = MembershipRecord(
                membership_id,
                application_id,
                actor.country,
                program.id,
                record.tier,
                record.kind,
                MembershipState.ACTIVE,
                record.caption,
                now,
                add_years(now, program.validity_years),
                now,
                transition.reason,
            )
            membership_move = Transition(
                Subject.MEMBERSHIP,
                membership_id,
                None,
                MembershipState.ACTIVE.value,
                actor.name,
                transition.reason,
                now,
            )
            audit.append(
                self._event(
                    actor.name,
                    actor.country,
                    "grant",
                    membership_id,
                    transition.reason,
                    application_id=application_id,
                    expires_at=membership.expires_at.isoformat(),
                )
            )
        updated = self.db.move_application(
            application_id,
            actor.country,
            transition,
            audit,
            membership=membership,
            membership_transition=membership_move,
        )
        return DecisionOutcome(updated, self._view(membership) if membership is not None else None)

    def applications(
        self,
        actor: Actor,
        *,
        states: Sequence[ApplicationState] = (),
        program_id: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> ApplicationPage:
        """A page of `actor`'s country's applications (the review queue: states submitted..interview)."""
        limit = _limit(limit)
        rows, more = self.db.applications(
            actor.country, states=states, program_id=program_id, after=after, limit=limit
        )
        return ApplicationPage([r for _, r in rows], rows[-1][0] if more and rows else None)

    def show(self, actor: Actor, application_id: str) -> ApplicationDetail:
        record = self.db.application(application_id, actor.country)
        membership = None
        if record.membership_id is not None:
            membership = self._view(self.db.membership(record.membership_id, actor.country))
        return ApplicationDetail(
            record,
            parse_application(record.body),
            self.program(record.program_id),
            self.db.parties(application_id),
            self.db.transitions(application_id),
            self.db.vettings(application_id),
            membership,
        )

    # -- memberships -----------------------------------------------------------------------------------

    def memberships(
        self,
        actor: Actor,
        *,
        states: Sequence[MembershipState] = (),
        program_id: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> MembershipPage:
        limit = _limit(limit)
        rows, more = self.db.memberships(
            actor.country, states=states, program_id=program_id, after=after, limit=limit
        )
        return MembershipPage([self._view(r) for _, r in rows], rows[-1][0] if more and rows else None)

    def member(self, actor: Actor, membership_id: str) -> MemberPage:
        """The member's page: membership, application, history of transitions, vettings and alerts."""
        record = self.db.membership(membership_id, actor.country)
        application = self.db.application(record.application_id, actor.country)
        return MemberPage(
            self._view(record),
            application,
            self.db.parties(record.application_id),
            self.db.transitions(record.application_id),
            self.db.vettings(record.application_id),
            self.db.alerts_of(membership_id, actor.country),
        )

    def status(self, membership_id: str, country: str | None = None) -> MembershipStatus:
        """A membership's status with its document keys, as it travels to partners for mutual recognition
        (`country` None: the node's own process, e.g. partner exchange, reading any of its memberships)."""
        record = self.db.membership(membership_id, country)
        return self._view(record).status(self.db.doc_keys(record.application_id))

    def open_alerts(self, membership_id: str) -> int:
        """Alerts on the membership still under review (a booth expedites none while one is)."""
        return self.db.open_alerts(membership_id)

    def suspend(self, actor: Actor, membership_id: str, reason: str) -> MembershipView:
        return self._move(actor, membership_id, MembershipState.SUSPENDED, reason, "suspend")

    def reinstate(self, actor: Actor, membership_id: str, reason: str) -> MembershipView:
        record = self.db.membership(membership_id, actor.country)
        if record.state is not MembershipState.SUSPENDED:
            raise TransitionError(
                "bad_transition",
                f"membership {membership_id} is {record.state}: only a suspended membership is reinstated",
            )
        return self._move(actor, membership_id, MembershipState.ACTIVE, reason, "reinstate")

    def revoke(self, actor: Actor, membership_id: str, reason: str) -> MembershipView:
        return self._move(actor, membership_id, MembershipState.REVOKED, reason, "revoke")

    def renew(self, actor: Actor, membership_id: str, reason: str) -> MembershipView:
        """Extend an active (within a year of expiry) or expired membership by the program's validity."""
        record = self.db.membership(membership_id, actor.country)
        now = self._clock()
        if record.state not in (MembershipState.ACTIVE, MembershipState.EXPIRED):
            raise TransitionError(
                "bad_transition",
                f"membership {membership_id} is {record.state}: "
                "only an active or expired membership is renewed",
            )
        if record.expires_at - now > RENEWAL_WINDOW:
            raise TransitionError(
                "too_early",
                f"membership {membership_id} expires on {record.expires_at.date()}: renewal opens "
                f"{RENEWAL_WINDOW.days} days before expiry",
            )
        program = self.program(record.program_id)
        expires = renewed_expiry(record.expires_at, now, program.validity_years)
        return self._move(actor, membership_id, MembershipState.ACTIVE, reason, "renew", expires_at=expires)

    def _move(
        self,
        actor: Actor,
        membership_id: str,
        target: MembershipState,
        reason: str,
        action: str,
        *,
        expires_at: datetime | None = None,
    ) -> MembershipView:
        record = self.db.membership(membership_id, actor.country)
        now = self._clock()
        transition = move_membership(
            membership_id, record.state, target, actor=actor.name, reason=reason, at=now
        )
        details: dict[str, Any] = {"from": record.state.value, "to": target.value}
        if expires_at is not None:
            details["expires_at"] = expires_at.isoformat()
        audit = self._event(actor.name, actor.country, action, membership_id, transition.reason, **details)
        updated, _ = self.db.move_membership(
            membership_id, actor.country, transition, [audit], expires_at=expires_at
        )
        return self._view(updated)

    def expire_due(self) -> list[MembershipView]:
        """Record as expired every active membership past its expiry (housekeeping; audited)."""
        now = self._clock()
        done = []
        for record in self.db.due_to_expire(now):
            transition = move_membership(
                record.membership_id,
                record.state,
                MembershipState.EXPIRED,
                actor=SYSTEM_ACTOR,
                reason=f"expired on {record.expires_at.date()}",
                at=now,
            )
            audit = self._event(
                SYSTEM_ACTOR, record.country, "expire", record.membership_id, transition.reason
            )
            try:
                updated, _ = self.db.move_membership(
                    record.membership_id, record.country, transition, [audit]
                )
            except InputError as exc:
                if exc.code == "conflict":  # renewed or suspended meanwhile
                    continue
                raise
            done.append(self._view(updated))
        return done

    # -- for re-vetting and lanes -------------------------------------------------------------------------

    def active_member_parties(self, country: str | None = None) -> Iterator[MemberParties]:
        """Every active membership's parties (of `country`, or of the whole node), streamed."""
        return self.db.member_parties(country=country)

    def membership_for(
        self,
        *,
        documents: Sequence[Identifier | str] = (),
        name: str | None = None,
        birth_date: PartialDate | None = None,
        country: str | None = None,
    ) -> list[MemberLookup]:
        """The memberships a traveler or company at a booth holds, by document (`passport:MEX:G123...`, or
        an `Identifier`) first, else by exact name (and birth date when given). Newest first; every state,
        so a suspended member is found and routed accordingly (`MembershipView.state`)."""
        keys = [d if isinstance(d, str) else identifier_key(d) for d in documents]
        found = [
            MemberLookup(self._view(r), "document") for r in self.db.members_with_documents(keys, country)
        ]
        if found or not name:
            return found
        out = []
        for record, party in self.db.members_named(name, country):
            if birth_date is not None and party.query.birth_date not in (None, birth_date):
                continue
            out.append(MemberLookup(self._view(record), "name", party))
        return out

    def suspend_for_alert(
        self,
        membership_id: str,
        *,
        reason: str,
        match: Match | None = None,
        party: Party | None = None,
        actor: str = RE_VETTING_ACTOR,
        source: str | None = None,
        evidence: AlertEvidence | None = None,
        once: bool = False,
    ) -> SuspensionOutcome:
        """A new alert on a member: suspend the membership pending review and queue the alert with the
        member's context (membership, program, tier, the party that matched), in one transaction.

        An already suspended (or final) membership is not moved; its alert is still queued. A node process
        calls this (re-vetting, a partner's notice): the membership's own country owns the alert.

        `once`: the caller may deliver the same alert again after a crash (re-vetting's hits): a delivery
        that neither moves the membership nor raises a new alert then leaves no trace at all.
        """
        record = self.db.membership(membership_id, None)
        now = self._clock()
        alert = self._member_alert(
            record, reason, match=match, party=party, actor=actor, source=source, evidence=evidence
        )
        transition = None
        if record.state is MembershipState.ACTIVE:
            transition = move_membership(
                membership_id,
                record.state,
                MembershipState.SUSPENDED,
                actor=actor,
                reason=f"suspended pending review: {reason}",
                at=now,
            )
        details: dict[str, Any] = {"moved": transition is not None}
        if match is not None:
            details.update(entity_id=match.entity_id, score=round(match.score, 4))
        elif evidence is not None:
            details.update(entity_id=evidence.entity_id, score=round(evidence.score, 4))
        audit = self._event(actor, record.country, "suspend_for_alert", membership_id, reason, **details)
        updated, raised = self.db.move_membership(
            membership_id, None, transition, [audit], alerts=[alert], at=now, quiet_if_unchanged=once
        )
        alert_id, new = raised[0]
        return SuspensionOutcome(self._view(updated), alert_id, new, transition is not None)

    def _member_alert(
        self,
        record: MembershipRecord,
        reason: str,
        *,
        match: Match | None,
        party: Party | None,
        actor: str,
        source: str | None,
        evidence: AlertEvidence | None = None,
    ) -> NewAlert:
        chosen = party or next(iter(self.db.parties(record.application_id)), None)
        person: dict[str, Any] = person_view(chosen.query) if chosen is not None else {"name": record.caption}
        person.update(
            {
                "membership_id": record.membership_id,
                "program_id": record.program_id,
                "tier": record.tier,
                "role": chosen.role.value if chosen is not None else PartyRole.APPLICANT.value,
                "membership_state": record.state.value,
                "reason": reason,
            }
        )
        fingerprint = person_fingerprint(chosen.query) if chosen is not None else record.membership_id
        if match is not None:
            if self._queue is None:
                self._queue = AlertQueue(AlertStore(self.store.engine))
            entity_id, entity_hash = match.entity_id, self._queue.entity_hash(match.entity)
            caption, score, features = match.entity.caption, match.score, feature_views(match)
        elif evidence is not None:
            entity_id, entity_hash = evidence.entity_id, evidence.entity_hash
            caption, score, features = evidence.caption, evidence.score, [dict(f) for f in evidence.features]
        else:
            entity_id, entity_hash = f"membership:{record.membership_id}", record.membership_id
            caption, score, features = (
                record.caption,
                1.0,
                [{"name": "reason", "value": 1.0, "detail": reason}],
            )
        return NewAlert(
            kind=MEMBERSHIP_ALERT_KIND,
            country=record.country,
            person_fingerprint=fingerprint,
            person=person,
            entity_id=entity_id,
            entity_hash=entity_hash,
            entity_caption=caption,
            score=score,
            features=features,
            source=source or alert_source(record.membership_id),
            created_by=actor,
        )


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InputError("bad_limit", f"limit: between 1 and {MAX_PAGE}, not {limit}")
    return limit
