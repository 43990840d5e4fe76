"""Case storage: cases and their marked parts, the workflow, evidence contents, the custody chain, releases.

`CaseStore(engine)` works on the engine `open_store` made (migration 0012 creates the tables, declared in
`cruce.storage.case_tables`). Every write is one `begin_write` transaction that first touches the case's
row (a row lock on PostgreSQL, the write lock on SQLite), so two writers of one case queue, the custody
chain never forks, and the audit records the caller passes commit with the change they describe
(`AuditLog.append_on`): a side effect and its audit record, or neither. Methods ending in `_on` run inside
a transaction the caller holds (a referral published to a TAXII collection commits with its objects).

Access decisions are not made here (see `cruce.service.cases`); the queries take the country they list for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from cruce.cases.casefile import (
    Case,
    CaseStatus,
    Event,
    EventKind,
    Evidence,
    Note,
    Part,
    StatusChange,
    Subject,
    SubjectKind,
    Task,
    part_id,
    part_kind,
)
from cruce.cases.custody import INTAKE, CustodyEntry, CustodyRecord, chain, next_handover
from cruce.core.errors import CruceError, InputError, NotFoundError, StorageError
from cruce.core.markings import Marking
from cruce.sharing.audit import GENESIS, AuditEvent
from cruce.storage.audit import AuditLog
from cruce.storage.case_tables import (
    CaseCustodyHeadRow,
    CaseCustodyRow,
    CaseEvidenceContentRow,
    CasePartRow,
    CaseReferralSnapshotRow,
    CaseReleaseRow,
    CaseRow,
    CaseStatusRow,
    EntityDecisionRow,
)
from cruce.storage.errors import database_reason, reading
from cruce.storage.transactions import begin_write

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class EntityDecision:
    seq: int
    proposal_id: str
    record_a: str
    record_b: str
    state: str
    actor: str
    at: datetime
    reason: str
    explanation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseListing:
    case_id: str
    owner: str
    title: str
    title_marking: str
    status: str
    partner: str
    opened_at: datetime


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _missing(case_id: str) -> NotFoundError:
    return NotFoundError("case_not_found", f"no case {case_id!r}")


class CaseStore:
    def __init__(self, engine: Engine, audit: AuditLog | None = None) -> None:
        self.engine = engine
        self.audit = audit or AuditLog(engine)

    @contextmanager
    def _write(self, what: str, case_id: str | None = None) -> Iterator[Connection]:
        """One write transaction; with `case_id`, the case's row is locked first (and must exist)."""
        try:
            with begin_write(self.engine, what) as conn:
                if case_id is not None:
                    lock_case(conn, case_id)
                yield conn
        except CruceError:
            raise
        except IntegrityError as exc:
            raise InputError("conflict", f"could not {what}: {database_reason(exc)}") from exc
        except SQLAlchemyError as exc:
            raise StorageError("database_error", f"could not {what}: {database_reason(exc)}") from exc

    # -- writing -----------------------------------------------------------------------------------------

    def create(self, case: Case, events: Sequence[AuditEvent]) -> None:
        with self._write(f"open case {case.case_id}") as conn:
            if conn.scalar(select(CaseRow.case_id).where(CaseRow.case_id == case.case_id)) is not None:
                raise InputError("conflict", f"case {case.case_id} exists already")
            conn.execute(
                insert(CaseRow).values(
                    case_id=case.case_id,
                    owner=case.owner,
                    title=case.title,
                    title_marking=str(case.title_marking),
                    status=case.status.value,
                    partner=case.partner,
                    opened_by=case.opened_by,
                    opened_at=case.opened_at,
                    updated_at=case.opened_at,
                )
            )
            for change in case.history:
                _insert_change(conn, case.case_id, change)
            conn.execute(insert(CaseCustodyHeadRow).values(case_id=case.case_id, seq=0, hash=GENESIS))
            self.audit.append_on(conn, events)

    def add_part(  # noqa: PLR0917 - one part's storage
        self,
        case_id: str,
        part: Part,
        by: str,
        at: datetime,
        events: Sequence[AuditEvent],
        content: bytes | None = None,
        intake: CustodyEntry | None = None,
    ) -> None:
        """Store a part; an evidence item with its content and its intake in the custody log, together."""
        if content is not None and len(content) > MAX_EVIDENCE_BYTES:
            raise InputError(
                "evidence_too_large", f"evidence content is limited to {MAX_EVIDENCE_BYTES // 2**20} MiB"
            )
        ident = part_id(part)
        with self._write(f"add {part_kind(part)} {ident} to case {case_id}", case_id) as conn:
            taken = conn.scalar(
                select(CasePartRow.part_id).where(
                    CasePartRow.case_id == case_id, CasePartRow.part_id == ident
                )
            )
            if taken is not None:
                raise InputError(
                    "conflict", f"case {case_id} already has a part {ident!r}; choose another id"
                )
            seq = len(conn.execute(select(CasePartRow.part_id).where(CasePartRow.case_id == case_id)).all())
            conn.execute(
                insert(CasePartRow).values(
                    case_id=case_id,
                    part_id=ident,
                    kind=part_kind(part),
                    seq=seq + 1,
                    marking=str(part.marking),
                    data=part_data(part),
                    created_by=by,
                    created_at=at,
                )
            )
            if content is not None:
                conn.execute(
                    insert(CaseEvidenceContentRow).values(case_id=case_id, evidence_id=ident, content=content)
                )
            if intake is not None:
                _append_custody(conn, case_id, intake)
            _touch(conn, case_id, at)
            self.audit.append_on(conn, events)

    def update_part(self, case_id: str, part: Part, at: datetime, events: Sequence[AuditEvent]) -> None:
        """Replace a part's data (a task done, an evidence item's holder after a hand-over)."""
        with self._write(f"update {part_id(part)} of case {case_id}", case_id) as conn:
            update_part_on(conn, case_id, part)
            _touch(conn, case_id, at)
            self.audit.append_on(conn, events)

    def handover(
        self, case_id: str, entry: CustodyEntry, holder_update: Evidence, events: Sequence[AuditEvent]
    ) -> CustodyRecord:
        """Append a hand-over after checking it follows the item's custody (under the case's lock)."""
        with self._write(f"record a hand-over in case {case_id}", case_id) as conn:
            records, _head = custody_on(conn, case_id)
            next_handover(records, entry)
            record = _append_custody(conn, case_id, entry)
            update_part_on(conn, case_id, holder_update)
            _touch(conn, case_id, entry.at)
            self.audit.append_on(conn, events)
        return record

    def change_status(
        self,
        case_id: str,
        case: Case,
        events: Sequence[AuditEvent],
        *,
        release_to: str = "",
        by: str = "",
        snapshot: Case | None = None,
    ) -> None:
        with self._write(f"change the status of case {case_id}", case_id) as conn:
            change_status_on(conn, case, release_to=release_to, by=by, snapshot=snapshot)
            self.audit.append_on(conn, events)

    def snapshot(self, case_id: str, partner: str) -> Case | None:
        """The version of the case last released to `partner` (None when none was kept)."""
        r = CaseReferralSnapshotRow
        with reading(self.engine, "the case tables") as conn:
            row = conn.execute(
                select(r).where(r.case_id == case_id, r.partner == partner).order_by(r.seq.desc()).limit(1)
            ).first()
        return None if row is None else case_from_data(dict(row.data))

    # -- resolution decisions ----------------------------------------------------------------------------

    def add_decision(  # noqa: PLR0917 - one decision's fields
        self,
        country: str,
        proposal: str,
        records: tuple[str, str],
        state: str,
        actor: str,
        at: datetime,
        reason: str,
        explanation: dict[str, Any],
        events: Sequence[AuditEvent],
    ) -> int:
        with self._write(f"record a resolution decision on {proposal}") as conn:
            done = conn.execute(
                insert(EntityDecisionRow).values(
                    country=country,
                    proposal_id=proposal,
                    record_a=records[0],
                    record_b=records[1],
                    state=state,
                    actor=actor,
                    at=at,
                    reason=reason,
                    explanation=explanation,
                )
            )
            self.audit.append_on(conn, events)
            key = done.inserted_primary_key
        return int(key[0]) if key else 0

    def decisions(self, country: str) -> list[EntityDecision]:
        """Every decision of `country`'s partition, oldest first."""
        r = EntityDecisionRow
        with reading(self.engine, "the resolution decisions") as conn:
            rows = conn.execute(select(r).where(r.country == country).order_by(r.seq)).all()
        return [
            EntityDecision(
                int(x.seq), x.proposal_id, x.record_a, x.record_b, x.state, x.actor, _utc(x.at), x.reason,
                dict(x.explanation),
            )
            for x in rows
        ]  # fmt: skip

    # -- reading -----------------------------------------------------------------------------------------

    def load(self, case_id: str) -> Case:
        with reading(self.engine, "the case tables") as conn:
            return load_on(conn, case_id)

    def releases(self, case_id: str) -> frozenset[str]:
        """Partners a case was released to (and not withdrawn from)."""
        with reading(self.engine, "the case tables") as conn:
            rows = conn.execute(
                select(CaseReleaseRow.partner).where(CaseReleaseRow.case_id == case_id, CaseReleaseRow.active)
            ).all()
        return frozenset(r.partner for r in rows)

    def listing(self, country: str, *, limit: int = 500) -> list[CaseListing]:
        """Cases `country` owns or was released, newest first."""
        released = select(CaseReleaseRow.case_id).where(
            CaseReleaseRow.partner == country, CaseReleaseRow.active
        )
        query = (
            select(CaseRow)
            .where(or_(CaseRow.owner == country, CaseRow.case_id.in_(released)))
            .order_by(CaseRow.opened_at.desc(), CaseRow.case_id)
            .limit(limit)
        )
        with reading(self.engine, "the case tables") as conn:
            rows = conn.execute(query).all()
        return [
            CaseListing(r.case_id, r.owner, r.title, r.title_marking, r.status, r.partner, _utc(r.opened_at))
            for r in rows
        ]

    def custody(self, case_id: str) -> tuple[list[CustodyRecord], tuple[int, str]]:
        with reading(self.engine, "the custody log") as conn:
            return custody_on(conn, case_id)

    def contents(self, case_id: str) -> dict[str, bytes]:
        with reading(self.engine, "the evidence contents") as conn:
            rows = conn.execute(
                select(CaseEvidenceContentRow).where(CaseEvidenceContentRow.case_id == case_id)
            ).all()
        return {r.evidence_id: bytes(r.content) for r in rows}


# -- in a caller's transaction ---------------------------------------------------------------------------


def lock_case(conn: Connection, case_id: str) -> None:
    done = conn.execute(update(CaseRow).where(CaseRow.case_id == case_id).values(status=CaseRow.status))
    if done.rowcount == 0:
        raise _missing(case_id)


def _touch(conn: Connection, case_id: str, at: datetime) -> None:
    conn.execute(update(CaseRow).where(CaseRow.case_id == case_id).values(updated_at=at))


def _insert_change(conn: Connection, case_id: str, change: StatusChange) -> None:
    conn.execute(
        insert(CaseStatusRow).values(
            case_id=case_id,
            seq=change.seq,
            from_status=change.from_status.value if change.from_status else None,
            to_status=change.to_status.value,
            actor=change.actor,
            at=change.at,
            reason=change.reason,
            partner=change.partner,
        )
    )


def change_status_on(
    conn: Connection, case: Case, *, release_to: str = "", by: str = "", snapshot: Case | None = None
) -> None:
    """Record `case`'s last status change (and a release to a partner, with the version released as
    `snapshot`) in the caller's transaction."""
    lock_case(conn, case.case_id)
    change = case.history[-1]
    stored = conn.scalar(select(CaseRow.status).where(CaseRow.case_id == case.case_id))
    if stored != (change.from_status.value if change.from_status else None):
        raise InputError("conflict", f"case {case.case_id} changed meanwhile; read it again")
    _insert_change(conn, case.case_id, change)
    conn.execute(
        update(CaseRow)
        .where(CaseRow.case_id == case.case_id)
        .values(status=case.status.value, partner=case.partner, updated_at=change.at)
    )
    if release_to:
        r = CaseReleaseRow
        done = conn.execute(
            update(r)
            .where(r.case_id == case.case_id, r.partner == release_to)
            .values(active=True, released_by=by, released_at=change.at)
        )
        if done.rowcount == 0:
            conn.execute(
                insert(r).values(
                    case_id=case.case_id,
                    partner=release_to,
                    released_by=by,
                    released_at=change.at,
                    active=True,
                )
            )
        if snapshot is not None:
            s = CaseReferralSnapshotRow
            last = conn.scalar(
                select(s.seq).where(s.case_id == case.case_id, s.partner == release_to).order_by(s.seq.desc())
            )
            conn.execute(
                insert(s).values(
                    case_id=case.case_id,
                    partner=release_to,
                    seq=(last or 0) + 1,
                    released_by=by,
                    released_at=change.at,
                    data=case_data(snapshot),
                )
            )


def update_part_on(conn: Connection, case_id: str, part: Part) -> None:
    done = conn.execute(
        update(CasePartRow)
        .where(CasePartRow.case_id == case_id, CasePartRow.part_id == part_id(part))
        .values(data=part_data(part), marking=str(part.marking))
    )
    if done.rowcount == 0:
        raise NotFoundError("part_not_found", f"case {case_id} has no part {part_id(part)!r}")


def custody_on(conn: Connection, case_id: str) -> tuple[list[CustodyRecord], tuple[int, str]]:
    rows = conn.execute(
        select(CaseCustodyRow).where(CaseCustodyRow.case_id == case_id).order_by(CaseCustodyRow.seq)
    ).all()
    head = conn.execute(select(CaseCustodyHeadRow).where(CaseCustodyHeadRow.case_id == case_id)).first()
    records = [
        CustodyRecord(
            int(r.seq),
            CustodyEntry(
                r.evidence_id, r.kind, _utc(r.at), r.from_holder, r.to_holder, r.place, r.purpose, r.sha256
            ),
            r.prev_hash,
            r.hash,
        )
        for r in rows
    ]
    return records, ((int(head.seq), str(head.hash)) if head is not None else (0, GENESIS))


def _append_custody(conn: Connection, case_id: str, entry: CustodyEntry) -> CustodyRecord:
    head = conn.execute(select(CaseCustodyHeadRow).where(CaseCustodyHeadRow.case_id == case_id)).first()
    seq, last_hash = (int(head.seq), str(head.hash)) if head is not None else (0, GENESIS)
    previous = CustodyRecord(seq, entry, "", last_hash) if seq else None
    record = chain(previous, entry)
    e = record.entry
    conn.execute(
        insert(CaseCustodyRow).values(
            case_id=case_id,
            seq=record.seq,
            evidence_id=e.evidence_id,
            kind=e.kind,
            at=e.at,
            from_holder=e.from_holder,
            to_holder=e.to_holder,
            place=e.place,
            purpose=e.purpose,
            sha256=e.sha256,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )
    )
    conn.execute(
        update(CaseCustodyHeadRow)
        .where(CaseCustodyHeadRow.case_id == case_id)
        .values(seq=record.seq, hash=record.hash)
    )
    return record


def load_on(conn: Connection, case_id: str) -> Case:
    row = conn.execute(select(CaseRow).where(CaseRow.case_id == case_id)).first()
    if row is None:
        raise _missing(case_id)
    owner = row.owner
    parts = conn.execute(
        select(CasePartRow).where(CasePartRow.case_id == case_id).order_by(CasePartRow.seq)
    ).all()
    changes = conn.execute(
        select(CaseStatusRow).where(CaseStatusRow.case_id == case_id).order_by(CaseStatusRow.seq)
    ).all()
    built: dict[str, list[Any]] = {k: [] for k in ("subject", "event", "evidence", "note", "task")}
    for p in parts:
        built[p.kind].append(part_from(p.kind, p.part_id, Marking.parse(p.marking, owner), dict(p.data)))
    history = tuple(
        StatusChange(
            int(c.seq),
            CaseStatus(c.from_status) if c.from_status else None,
            CaseStatus(c.to_status),
            c.actor,
            _utc(c.at),
            c.reason,
            c.partner,
        )
        for c in changes
    )
    return Case(
        case_id=row.case_id,
        owner=owner,
        title=row.title,
        title_marking=Marking.parse(row.title_marking, owner),
        status=CaseStatus(row.status),
        opened_by=row.opened_by,
        opened_at=_utc(row.opened_at),
        partner=row.partner,
        subjects=tuple(built["subject"]),
        events=tuple(built["event"]),
        evidence=tuple(built["evidence"]),
        notes=tuple(built["note"]),
        tasks=tuple(built["task"]),
        history=history,
    )


# -- parts as JSON ---------------------------------------------------------------------------------------


def case_data(case: Case) -> dict[str, Any]:
    """A whole case as JSON (a referral's snapshot): its title and every part with its marking."""
    return {
        "case_id": case.case_id,
        "owner": case.owner,
        "title": case.title,
        "title_marking": str(case.title_marking),
        "status": case.status.value,
        "partner": case.partner,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at.isoformat(),
        "parts": [
            {"kind": part_kind(p), "part_id": part_id(p), "marking": str(p.marking), "data": part_data(p)}
            for p in case.parts
        ],
    }


def case_from_data(d: dict[str, Any]) -> Case:
    owner = str(d["owner"])
    built: dict[str, list[Any]] = {k: [] for k in ("subject", "event", "evidence", "note", "task")}
    for p in d.get("parts") or []:
        built[p["kind"]].append(
            part_from(p["kind"], p["part_id"], Marking.parse(p["marking"], owner), p["data"])
        )
    return Case(
        case_id=d["case_id"],
        owner=owner,
        title=d["title"],
        title_marking=Marking.parse(d["title_marking"], owner),
        status=CaseStatus(d["status"]),
        opened_by=d["opened_by"],
        opened_at=datetime.fromisoformat(d["opened_at"]),
        partner=d.get("partner", ""),
        subjects=tuple(built["subject"]),
        events=tuple(built["event"]),
        evidence=tuple(built["evidence"]),
        notes=tuple(built["note"]),
        tasks=tuple(built["task"]),
    )


def part_data(part: Part) -> dict[str, Any]:
    if isinstance(part, Subject):
        return {
            "kind": part.kind.value,
            "name": part.name,
            "identifiers": dict(part.identifiers),
            "birth_date": part.birth_date,
            "nationality": part.nationality,
            "prior_offences": part.prior_offences,
            "role": part.role,
        }
    if isinstance(part, Event):
        return {
            "kind": part.kind.value,
            "at": part.at.isoformat(),
            "place": part.place,
            "description": part.description,
            "subjects": list(part.subjects),
            "migrants": part.migrants,
            "minors": part.minors,
            "deaths": part.deaths,
            "endangered": part.endangered,
            "seized_usd": part.seized_usd,
        }
    if isinstance(part, Evidence):
        return {
            "description": part.description,
            "sha256": part.sha256,
            "size_bytes": part.size_bytes,
            "received_at": part.received_at.isoformat(),
            "received_by": part.received_by,
            "holder": part.holder,
            "media_type": part.media_type,
        }
    if isinstance(part, Note):
        return {"text": part.text, "author": part.author, "at": part.at.isoformat()}
    return {
        "text": part.text,
        "assignee": part.assignee,
        "done": part.done,
        "done_by": part.done_by,
        "done_at": part.done_at.isoformat() if part.done_at else None,
    }


def part_from(kind: str, ident: str, marking: Marking, d: dict[str, Any]) -> Part:
    if kind == "subject":
        return Subject(
            ident,
            SubjectKind(d["kind"]),
            d["name"],
            marking,
            dict(d.get("identifiers") or {}),
            d.get("birth_date", ""),
            d.get("nationality", ""),
            int(d.get("prior_offences", 0)),
            d.get("role", ""),
        )
    if kind == "event":
        return Event(
            ident,
            EventKind(d["kind"]),
            datetime.fromisoformat(d["at"]),
            d.get("place", ""),
            d.get("description", ""),
            marking,
            tuple(d.get("subjects") or ()),
            int(d.get("migrants", 0)),
            int(d.get("minors", 0)),
            int(d.get("deaths", 0)),
            bool(d.get("endangered")),
            float(d.get("seized_usd", 0.0)),
        )
    if kind == "evidence":
        return Evidence(
            ident,
            d["description"],
            marking,
            d["sha256"],
            int(d["size_bytes"]),
            datetime.fromisoformat(d["received_at"]),
            d["received_by"],
            d["holder"],
            d.get("media_type", "application/octet-stream"),
        )
    if kind == "note":
        return Note(ident, d["text"], marking, d.get("author", ""), datetime.fromisoformat(d["at"]))
    done_at = d.get("done_at")
    return Task(
        ident,
        d["text"],
        marking,
        d.get("assignee", ""),
        bool(d.get("done")),
        d.get("done_by", ""),
        datetime.fromisoformat(done_at) if done_at else None,
    )


__all__ = ["INTAKE", "CaseListing", "CaseStore", "EntityDecision"]
