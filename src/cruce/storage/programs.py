"""Trusted programs on the store's database: applications, parties, memberships, transitions, vettings.

`ProgramStore(store.engine)` works on the engine `open_store` made (migration 0009 creates the tables).
Every read of an application or membership names the country asking; a row of another country is
`NotFoundError`, worded exactly like a missing one ("missing" and "not yours" look the same).

Every state change is one transaction: a conditional UPDATE (`WHERE state = <from>`), so two officers
deciding the same application at once cannot both win (the second gets a conflict), the transition row,
any alert it raises (a suspension pending review), and its audit record, all committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, update

from cruce.alerts.review import UNDER_REVIEW
from cruce.core.clock import as_utc
from cruce.core.errors import InputError, NotFoundError
from cruce.core.model import Identifier, Schema
from cruce.matching.types import Query
from cruce.programs.lifecycle import Subject, Transition
from cruce.programs.model import (
    ApplicationState,
    MemberParties,
    MembershipState,
    Party,
    PartyRole,
    ProgramKind,
)
from cruce.programs.vetting import (
    HistoryEvent,
    HistoryKind,
    ListHit,
    PartyCheck,
    Recommendation,
    VettingResult,
)
from cruce.sharing.audit import AuditEvent
from cruce.storage.alerts import NewAlert, raise_alerts_on
from cruce.storage.audit import AuditLog
from cruce.storage.codec import date_from_text, date_to_text
from cruce.storage.errors import reading, writing
from cruce.storage.tables import (
    AlertRow,
    Base,
    ListVersionRow,
    ProgramApplicationRow,
    ProgramDocumentRow,
    ProgramMembershipRow,
    ProgramPartyRow,
    ProgramTransitionRow,
    ProgramVettingRow,
    VersionStatus,
)

_APPS, _PARTIES, _DOCS, _MEMBERS, _MOVES, _VETTINGS = (
    Base.metadata.tables[row.__tablename__]
    for row in (
        ProgramApplicationRow,
        ProgramPartyRow,
        ProgramDocumentRow,
        ProgramMembershipRow,
        ProgramTransitionRow,
        ProgramVettingRow,
    )
)
OPEN_APPLICATION_STATES = (ApplicationState.SUBMITTED, ApplicationState.VETTING, ApplicationState.INTERVIEW)
HOLDING_STATES = (MembershipState.ACTIVE, MembershipState.SUSPENDED)
"""A member in these states still holds the membership: an application with their documents is a duplicate."""
PARTY_BATCH = 2000
_ALERTS = Base.metadata.tables[AlertRow.__tablename__]
_VERSIONS = Base.metadata.tables[ListVersionRow.__tablename__]


# The statements of every vetting, built once: building a statement costs more than running it.
_APPLICATION = select(_APPS).where(
    _APPS.c.application_id == bindparam("application_id"), _APPS.c.country == bindparam("country")
)
_PARTIES_OF = (
    select(_PARTIES.c.role, _PARTIES.c.query)
    .where(_PARTIES.c.application_id == bindparam("application_id"))
    .order_by(_PARTIES.c.seq)
)
_ADVERSE = (ApplicationState.DENIED.value, MembershipState.SUSPENDED.value, MembershipState.REVOKED.value)
_HISTORY = (
    select(_MOVES)
    .where(
        _MOVES.c.country == bindparam("country"),
        _MOVES.c.application_id.in_(
            select(_DOCS.c.application_id).where(_DOCS.c.doc_key.in_(bindparam("keys", expanding=True)))
        ),
        _MOVES.c.to_state.in_(_ADVERSE),
    )
    .order_by(_MOVES.c.seq)
)
_INSERT_MOVE = insert(_MOVES)
_INSERT_VETTING = insert(_VETTINGS)
_MOVE_APPLICATION = update(_APPS).where(
    _APPS.c.application_id == bindparam("b_application_id"),
    _APPS.c.country == bindparam("b_country"),
    _APPS.c.state == bindparam("b_from_state"),
)
_LIST_TOKEN = select(func.max(_VERSIONS.c.id), func.count()).where(
    _VERSIONS.c.status == VersionStatus.COMPLETE.value
)


def alert_source(membership_id: str) -> str:
    """The `source` of an alert raised on a membership: how its page finds the alerts."""
    return f"programs:{membership_id}"


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ApplicationRecord:
    application_id: str
    country: str
    program_id: str
    tier: str
    kind: ProgramKind
    state: ApplicationState
    caption: str
    body: dict[str, Any]
    submitted_by: str
    submitted_at: datetime
    updated_at: datetime
    membership_id: str | None


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    membership_id: str
    application_id: str
    country: str
    program_id: str
    tier: str
    kind: ProgramKind
    state: MembershipState
    caption: str
    issued_at: datetime
    expires_at: datetime
    updated_at: datetime
    state_reason: str


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    seq: int
    subject: Subject
    subject_id: str
    from_state: str | None
    to_state: str
    actor: str
    reason: str
    at: datetime
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class VettingRecord:
    vetting_id: str
    application_id: str
    vetted_by: str
    result: VettingResult


@dataclass(frozen=True, slots=True)
class NewApplication:
    application_id: str
    country: str
    program_id: str
    tier: str
    kind: ProgramKind
    caption: str
    body: Mapping[str, Any]
    parties: Sequence[Party]
    doc_keys: Sequence[str]


@dataclass(frozen=True, slots=True)
class MemberAlert:
    """An alert in the queue about a membership, as the member's page lists it."""

    alert_id: str
    state: str
    entity_id: str
    entity_caption: str
    score: float
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Holder:
    """An application or membership holding one of the given documents (for duplicate checks)."""

    application_id: str
    application_state: ApplicationState
    membership_id: str | None
    membership_state: MembershipState | None
    doc_key: str


# ---------------------------------------------------------------------------------------------- the store


class ProgramStore:
    """Applications and memberships of one database, partitioned by country."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._audit = AuditLog(engine)

    # -- applications --------------------------------------------------------------------------------

    def submit(self, new: NewApplication, transition: Transition, audit: AuditEvent) -> ApplicationRecord:
        """Store a submitted application, its parties and documents, its first transition and audit record."""
        at = transition.at
        with writing(self.engine, f"store application {new.application_id}") as conn:
            conn.execute(
                insert(_APPS).values(
                    application_id=new.application_id, country=new.country, program_id=new.program_id,
                    tier=new.tier, kind=new.kind.value, state=ApplicationState.SUBMITTED.value,
                    caption=new.caption, body=dict(new.body), submitted_by=transition.actor,
                    submitted_at=at, updated_at=at, membership_id=None,
                )
            )  # fmt: skip
            if new.parties:
                conn.execute(
                    insert(_PARTIES),
                    [
                        {"application_id": new.application_id, "role": p.role.value, "name": p.query.name,
                         "query": query_to_dict(p.query)}
                        for p in new.parties
                    ],
                )  # fmt: skip
            keys = sorted(set(new.doc_keys))
            if keys:
                conn.execute(
                    insert(_DOCS), [{"application_id": new.application_id, "doc_key": k} for k in keys]
                )
            _insert_transition(conn, new.country, new.application_id, transition)
            self._audit.append_on(conn, [audit])
        return self.application(new.application_id, new.country)

    def application(self, application_id: str, country: str) -> ApplicationRecord:
        with reading(self.engine, "the applications") as conn:
            return _read_application(conn, application_id, country)

    def applications(
        self,
        country: str,
        *,
        states: Sequence[ApplicationState] = (),
        program_id: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[int, ApplicationRecord]], bool]:
        """A page of `country`'s applications in submission order (seq, record), and whether more follow."""
        query = select(_APPS).where(_APPS.c.country == country)
        if states:
            query = query.where(_APPS.c.state.in_([s.value for s in states]))
        if program_id is not None:
            query = query.where(_APPS.c.program_id == program_id)
        if after is not None:
            query = query.where(_APPS.c.seq > after)
        with reading(self.engine, "the applications") as conn:
            rows = conn.execute(query.order_by(_APPS.c.seq).limit(limit + 1)).all()
        return [(int(r.seq), _application(r)) for r in rows[:limit]], len(rows) > limit

    def parties(self, application_id: str) -> tuple[Party, ...]:
        with reading(self.engine, "the application's parties") as conn:
            rows = conn.execute(_PARTIES_OF, {"application_id": application_id}).all()
        return tuple(Party(PartyRole(r.role), query_from_dict(r.query)) for r in rows)

    def move_application(
        self,
        application_id: str,
        country: str,
        transition: Transition,
        audit: Sequence[AuditEvent],
        *,
        membership: MembershipRecord | None = None,
        membership_transition: Transition | None = None,
        vetting: VettingRecord | None = None,
    ) -> ApplicationRecord:
        """Apply one move of an application (conditional on its current state), with what comes with it:
        the membership an approval grants (and its first transition), or the vetting result a vetting
        records; all with their audit records, in one transaction."""
        with writing(self.engine, f"move application {application_id}") as conn:
            if transition.from_state != transition.to_state:
                values: dict[str, Any] = {"state": transition.to_state, "updated_at": transition.at}
                if membership is not None:
                    values["membership_id"] = membership.membership_id
                _conditional(
                    conn,
                    _MOVE_APPLICATION.values(**values),
                    {"b_application_id": application_id, "b_country": country,
                     "b_from_state": transition.from_state},
                    select(_APPS.c.state).where(
                        _APPS.c.application_id == application_id, _APPS.c.country == country
                    ),
                    subject="application",
                    subject_id=application_id,
                    expected=transition.from_state,
                )  # fmt: skip
            _insert_transition(conn, country, application_id, transition)
            if vetting is not None:
                result = vetting.result
                conn.execute(
                    _INSERT_VETTING,
                    {"vetting_id": vetting.vetting_id, "application_id": application_id, "country": country,
                     "vetted_at": result.checked_at, "vetted_by": vetting.vetted_by,
                     "recommendation": result.recommendation.value, "alerts": result.alerts,
                     "result": vetting_to_dict(result)},
                )  # fmt: skip
            if membership is not None:
                conn.execute(
                    insert(_MEMBERS).values(
                        membership_id=membership.membership_id, application_id=application_id,
                        country=country,
                        program_id=membership.program_id, tier=membership.tier, kind=membership.kind.value,
                        state=membership.state.value, caption=membership.caption,
                        issued_at=membership.issued_at,
                        expires_at=membership.expires_at, updated_at=membership.updated_at,
                        state_reason=membership.state_reason,
                    )
                )  # fmt: skip
                if membership_transition is not None:
                    _insert_transition(conn, country, application_id, membership_transition)
            self._audit.append_on(conn, list(audit))
            return _read_application(conn, application_id, country)

    def vettings(self, application_id: str) -> list[VettingRecord]:
        with reading(self.engine, "the vetting results") as conn:
            rows = conn.execute(
                select(_VETTINGS)
                .where(_VETTINGS.c.application_id == application_id)
                .order_by(_VETTINGS.c.seq)
            ).all()
        return [
            VettingRecord(r.vetting_id, r.application_id, r.vetted_by, vetting_from_dict(r.result))
            for r in rows
        ]

    def transitions(self, application_id: str) -> list[TransitionRecord]:
        """The whole history of an application and its membership, oldest first."""
        with reading(self.engine, "the transitions") as conn:
            rows = conn.execute(
                select(_MOVES).where(_MOVES.c.application_id == application_id).order_by(_MOVES.c.seq)
            ).all()
        return [
            TransitionRecord(
                int(r.seq), Subject(r.subject), r.subject_id, r.from_state, r.to_state, r.actor, r.reason,
                as_utc(r.at), dict(r.details),
            )
            for r in rows
        ]  # fmt: skip

    def holders(self, doc_keys: Sequence[str], country: str) -> list[Holder]:
        """`country`'s open applications and held memberships (active or suspended) with any of `doc_keys`."""
        if not doc_keys:
            return []
        query = (
            select(
                _DOCS.c.doc_key, _APPS.c.application_id, _APPS.c.state, _MEMBERS.c.membership_id,
                _MEMBERS.c.state.label("membership_state"),
            )
            .join(_APPS, _APPS.c.application_id == _DOCS.c.application_id)
            .outerjoin(_MEMBERS, _MEMBERS.c.application_id == _APPS.c.application_id)
            .where(
                _DOCS.c.doc_key.in_(sorted(set(doc_keys))),
                _APPS.c.country == country,
                or_(
                    _APPS.c.state.in_([s.value for s in OPEN_APPLICATION_STATES]),
                    _MEMBERS.c.state.in_([s.value for s in HOLDING_STATES]),
                ),
            )
            .order_by(_APPS.c.seq)
        )  # fmt: skip
        with reading(self.engine, "the program documents") as conn:
            rows = conn.execute(query).all()
        return [
            Holder(
                r.application_id, ApplicationState(r.state), r.membership_id,
                MembershipState(r.membership_state) if r.membership_state else None, r.doc_key,
            )
            for r in rows
        ]  # fmt: skip

    def history(self, doc_keys: Sequence[str], country: str) -> list[TransitionRecord]:
        """Adverse moves (denials, suspensions, revocations) of `country`'s applications with `doc_keys`."""
        if not doc_keys:
            return []
        with reading(self.engine, "the program history") as conn:
            rows = conn.execute(_HISTORY, {"country": country, "keys": sorted(set(doc_keys))}).all()
        return [
            TransitionRecord(
                int(r.seq), Subject(r.subject), r.subject_id, r.from_state, r.to_state, r.actor, r.reason,
                as_utc(r.at), dict(r.details),
            )
            for r in rows
        ]  # fmt: skip

    def doc_keys(self, application_id: str) -> tuple[str, ...]:
        """The look-up keys of the member's documents (`passport:MEX:G12345678`), sorted."""
        query = (
            select(_DOCS.c.doc_key).where(_DOCS.c.application_id == application_id).order_by(_DOCS.c.doc_key)
        )
        with reading(self.engine, "the program documents") as conn:
            return tuple(conn.scalars(query).all())

    def lists_token(self) -> tuple[int, int]:
        """Changes whenever a list version is completed, withdrawn or pruned: when to rebuild the index."""
        with reading(self.engine, "the list versions") as conn:
            row = conn.execute(_LIST_TOKEN).one()
        return int(row[0] or 0), int(row[1] or 0)

    # -- memberships ---------------------------------------------------------------------------------

    def membership(self, membership_id: str, country: str | None) -> MembershipRecord:
        """A membership of `country` (None: of any country, for the node's own processes)."""
        query = select(_MEMBERS).where(_MEMBERS.c.membership_id == membership_id)
        if country is not None:
            query = query.where(_MEMBERS.c.country == country)
        with reading(self.engine, "the memberships") as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError("membership_not_found", f"no membership {membership_id!r}")
        return _membership(row)

    def memberships(
        self,
        country: str,
        *,
        states: Sequence[MembershipState] = (),
        program_id: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[int, MembershipRecord]], bool]:
        query = select(_MEMBERS).where(_MEMBERS.c.country == country)
        if states:
            query = query.where(_MEMBERS.c.state.in_([s.value for s in states]))
        if program_id is not None:
            query = query.where(_MEMBERS.c.program_id == program_id)
        if after is not None:
            query = query.where(_MEMBERS.c.seq > after)
        with reading(self.engine, "the memberships") as conn:
            rows = conn.execute(query.order_by(_MEMBERS.c.seq).limit(limit + 1)).all()
        return [(int(r.seq), _membership(r)) for r in rows[:limit]], len(rows) > limit

    def members_with_documents(self, doc_keys: Sequence[str], country: str | None) -> list[MembershipRecord]:
        """Memberships (any state) whose member presented one of `doc_keys`, newest first."""
        if not doc_keys:
            return []
        holding = select(_DOCS.c.application_id).where(_DOCS.c.doc_key.in_(sorted(set(doc_keys))))
        query = select(_MEMBERS).where(_MEMBERS.c.application_id.in_(holding))
        if country is not None:
            query = query.where(_MEMBERS.c.country == country)
        with reading(self.engine, "the memberships") as conn:
            rows = conn.execute(query.order_by(_MEMBERS.c.seq.desc())).all()
        return [_membership(r) for r in rows]

    def members_named(self, name: str, country: str | None) -> list[tuple[MembershipRecord, Party]]:
        """Memberships whose applicant or company bears `name` (case and spacing ignored), with that party."""
        folded = " ".join(name.split()).lower()
        roles = (PartyRole.APPLICANT.value, PartyRole.COMPANY.value)
        query = (
            select(_MEMBERS, _PARTIES.c.role, _PARTIES.c.query)
            .join(_PARTIES, _PARTIES.c.application_id == _MEMBERS.c.application_id)
            .where(func.lower(_PARTIES.c.name) == folded, _PARTIES.c.role.in_(roles))
        )
        if country is not None:
            query = query.where(_MEMBERS.c.country == country)
        with reading(self.engine, "the memberships") as conn:
            rows = conn.execute(query.order_by(_MEMBERS.c.seq.desc())).all()
        return [(_membership(r), Party(PartyRole(r.role), query_from_dict(r.query))) for r in rows]

    def move_membership(
        self,
        membership_id: str,
        country: str | None,
        transition: Transition | None,
        audit: Sequence[AuditEvent],
        *,
        expires_at: datetime | None = None,
        alerts: Sequence[NewAlert] = (),
        at: datetime | None = None,
        quiet_if_unchanged: bool = False,
    ) -> tuple[MembershipRecord, list[tuple[str, bool]]]:
        """Apply one move of a membership (conditional on its state; None: no move, only the alerts), with
        the alerts it raises and its audit records, in one transaction; the membership after, and
        (alert id, new?) per alert. `quiet_if_unchanged`: a repeated delivery that moved nothing and raised
        no new alert writes no audit record either (nothing happened)."""
        scope = [_MEMBERS.c.membership_id == membership_id]
        if country is not None:
            scope.append(_MEMBERS.c.country == country)
        with writing(self.engine, f"move membership {membership_id}") as conn:
            if transition is not None:
                values: dict[str, Any] = {
                    "state": transition.to_state,
                    "updated_at": transition.at,
                    "state_reason": transition.reason,
                }
                if expires_at is not None:
                    values["expires_at"] = expires_at
                _conditional(
                    conn,
                    update(_MEMBERS).where(*scope, _MEMBERS.c.state == transition.from_state),
                    values,
                    select(_MEMBERS.c.state).where(*scope),
                    subject="membership",
                    subject_id=membership_id,
                    expected=transition.from_state,
                )
            row = conn.execute(select(_MEMBERS).where(*scope)).first()
            if row is None:
                raise NotFoundError("membership_not_found", f"no membership {membership_id!r}")
            if transition is not None:
                _insert_transition(conn, row.country, row.application_id, transition)
            when = at or (transition.at if transition is not None else as_utc(row.updated_at))
            raised = raise_alerts_on(conn, alerts, when) if alerts else []
            if not (quiet_if_unchanged and transition is None and not any(new for _, new in raised)):
                self._audit.append_on(conn, list(audit))
        return _membership(row), raised

    def alerts_of(self, membership_id: str, country: str) -> list[MemberAlert]:
        """The alerts raised on a membership (by re-vetting or a partner's notice), oldest first."""
        source = alert_source(membership_id)
        query = (
            select(_ALERTS)
            .where(_ALERTS.c.source == source, _ALERTS.c.country == country)
            .order_by(_ALERTS.c.seq)
        )
        with reading(self.engine, "the membership's alerts") as conn:
            rows = conn.execute(query).all()
        return [
            MemberAlert(r.alert_id, r.state, r.entity_id, r.entity_caption, float(r.score), r.created_by,
                        as_utc(r.created_at))
            for r in rows
        ]  # fmt: skip

    def open_alerts(self, membership_id: str) -> int:
        """How many alerts raised on the membership are still under review (open or escalated)."""
        query = select(func.count()).where(
            _ALERTS.c.source == alert_source(membership_id),
            _ALERTS.c.state.in_([s.value for s in UNDER_REVIEW]),
        )
        with reading(self.engine, "the membership's alerts") as conn:
            return int(conn.scalar(query) or 0)

    def due_to_expire(self, now: datetime, *, limit: int = 1000) -> list[MembershipRecord]:
        """Active memberships whose expiry has passed (every country: the node's own housekeeping)."""
        query = (
            select(_MEMBERS)
            .where(_MEMBERS.c.state == MembershipState.ACTIVE.value, _MEMBERS.c.expires_at <= now)
            .order_by(_MEMBERS.c.seq)
            .limit(limit)
        )
        with reading(self.engine, "the memberships") as conn:
            return [_membership(r) for r in conn.execute(query).all()]

    def member_parties(
        self, *, country: str | None = None, states: Sequence[MembershipState] = (MembershipState.ACTIVE,)
    ) -> Iterator[MemberParties]:
        """Every membership in `states` with its parties, streamed in membership order (re-vetting)."""
        query = (
            select(
                _MEMBERS.c.seq, _MEMBERS.c.membership_id, _MEMBERS.c.program_id, _MEMBERS.c.country,
                _PARTIES.c.role, _PARTIES.c.query,
            )
            .join(_PARTIES, _PARTIES.c.application_id == _MEMBERS.c.application_id)
            .where(_MEMBERS.c.state.in_([s.value for s in states]))
            .order_by(_MEMBERS.c.seq, _PARTIES.c.seq)
        )  # fmt: skip
        if country is not None:
            query = query.where(_MEMBERS.c.country == country)
        current: tuple[str, str, str] | None = None
        parties: list[Party] = []
        with reading(self.engine, "the members' parties") as conn:
            for row in conn.execution_options(yield_per=PARTY_BATCH).execute(query):
                key = (row.membership_id, row.program_id, row.country)
                if key != current:
                    if current is not None:
                        yield MemberParties(*current, tuple(parties))
                    current, parties = key, []
                parties.append(Party(PartyRole(row.role), query_from_dict(row.query)))
        if current is not None:
            yield MemberParties(*current, tuple(parties))


# ---------------------------------------------------------------------------------------------- helpers


def _conditional(
    conn: Connection,
    statement: Any,
    params: Mapping[str, Any],
    current: Any,
    *,
    subject: str,
    subject_id: str,
    expected: str | None,
) -> None:
    """Run a conditional UPDATE; when it changed nothing, say whether the row is gone or moved on."""
    if conn.execute(statement, dict(params)).rowcount == 1:
        return
    state = conn.scalar(current)
    if state is None:
        raise NotFoundError(f"{subject}_not_found", f"no {subject} {subject_id!r}")
    what = f"{subject} {subject_id}"
    raise InputError(
        "conflict",
        f"{what} is {state} now, not {expected}: someone moved it meanwhile; reload it",
        {"state": state},
    )


def _insert_transition(conn: Connection, country: str, application_id: str, t: Transition) -> None:
    conn.execute(
        _INSERT_MOVE,
        {"country": country, "application_id": application_id, "subject": t.subject.value,
         "subject_id": t.subject_id, "from_state": t.from_state, "to_state": t.to_state, "actor": t.actor,
         "reason": t.reason, "at": t.at, "details": {}},
    )  # fmt: skip


def _read_application(conn: Connection, application_id: str, country: str) -> ApplicationRecord:
    row = conn.execute(_APPLICATION, {"application_id": application_id, "country": country}).first()
    if row is None:
        raise NotFoundError("application_not_found", f"no application {application_id!r}")
    return _application(row)


def _application(row: Any) -> ApplicationRecord:
    return ApplicationRecord(
        row.application_id, row.country, row.program_id, row.tier, ProgramKind(row.kind),
        ApplicationState(row.state), row.caption, dict(row.body), row.submitted_by, as_utc(row.submitted_at),
        as_utc(row.updated_at), row.membership_id,
    )  # fmt: skip


def _membership(row: Any) -> MembershipRecord:
    return MembershipRecord(
        row.membership_id, row.application_id, row.country, row.program_id, row.tier, ProgramKind(row.kind),
        MembershipState(row.state), row.caption, as_utc(row.issued_at), as_utc(row.expires_at),
        as_utc(row.updated_at), row.state_reason,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- JSON forms


def query_to_dict(query: Query) -> dict[str, Any]:
    return {
        "name": query.name,
        "schema": query.schema.value,
        "birth_date": date_to_text(query.birth_date) if query.birth_date is not None else None,
        "countries": list(query.countries),
        "gender": query.gender,
        "identifiers": [{"kind": i.kind, "value": i.value, "country": i.country} for i in query.identifiers],
    }


def query_from_dict(data: Mapping[str, Any]) -> Query:
    birth = data.get("birth_date")
    return Query(
        name=str(data["name"]),
        schema=Schema(data.get("schema", Schema.UNKNOWN.value)),
        birth_date=date_from_text(birth) if birth else None,
        countries=tuple(data.get("countries") or ()),
        gender=data.get("gender"),
        identifiers=tuple(
            Identifier(i["kind"], i["value"], i.get("country")) for i in data.get("identifiers") or ()
        ),
    )


def vetting_to_dict(result: VettingResult) -> dict[str, Any]:
    return {
        "checked_at": result.checked_at.isoformat(),
        "matcher": result.matcher,
        "lists": list(result.lists),
        "entities": result.entities,
        "history_checked": result.history_checked,
        "recommendation": result.recommendation.value,
        "reasons": list(result.reasons),
        "elapsed_ms": result.elapsed_ms,
        "parties": [
            {
                "role": p.role.value,
                "name": p.name,
                "hits": [
                    {"entity_id": h.entity_id, "list_id": h.list_id, "caption": h.caption,
                     "matched_name": h.matched_name, "score": h.score, "alert": h.alert,
                     "reasons": list(h.reasons)}
                    for h in p.hits
                ],
                "history": [
                    {"kind": e.kind.value, "on": e.on.isoformat(), "detail": e.detail, "outcome": e.outcome,
                     "adverse": e.adverse, "source": e.source}
                    for e in p.history
                ],
            }
            for p in result.parties
        ],
    }  # fmt: skip


def vetting_from_dict(data: Mapping[str, Any]) -> VettingResult:
    return VettingResult(
        checked_at=as_utc(datetime.fromisoformat(data["checked_at"])),
        matcher=data["matcher"],
        lists=tuple(data["lists"]),
        entities=int(data["entities"]),
        history_checked=bool(data["history_checked"]),
        parties=tuple(
            PartyCheck(
                PartyRole(p["role"]),
                p["name"],
                tuple(
                    ListHit(h["entity_id"], h["list_id"], h["caption"], h["matched_name"], float(h["score"]),
                            bool(h["alert"]), tuple(h["reasons"]))
                    for h in p["hits"]
                ),
                tuple(
                    HistoryEvent(HistoryKind(e["kind"]), date.fromisoformat(e["on"]), e["detail"],
                                 e["outcome"], bool(e["adverse"]), e["source"])
                    for e in p["history"]
                ),
            )
            for p in data["parties"]
        ),
        recommendation=Recommendation(data["recommendation"]),
        reasons=tuple(data["reasons"]),
        elapsed_ms=float(data["elapsed_ms"]),
    )  # fmt: skip
