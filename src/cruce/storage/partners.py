"""Membership statuses and hit notices exchanged with partner nodes (migration 0011).

`PartnerStore(engine)` keeps each membership's newest status (a status older than the one held is ignored,
so a sync that re-reads a page, or receives versions out of order, never rolls a suspension back), the keys
the booth finds it by, and the hit notices received. It is a `cruce.programs.standing.MembershipDirectory`
(open alerts are the programs service's business: a partner's membership has none here). This node's own
memberships are `cruce.service.programs.ProgramService`'s (`cruce.service.member_ports` adapts it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from cruce.core.clock import Clock, utc_now
from cruce.core.markings import Marking
from cruce.programs.model import MembershipState, MembershipStatus
from cruce.sharing.notices import Detail, HitNotice, Subject
from cruce.storage.errors import reading, writing
from cruce.storage.tables import HitNoticeRow, PartnerMembershipKeyRow, PartnerMembershipRow


@dataclass(frozen=True, slots=True)
class HeldStatus:
    status: MembershipStatus
    subject: Subject | None
    origin: str  # '' this node's own, else the partner it came from


class PartnerStore:
    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    # ------------------------------------------------------------------------------------------ statuses

    def put_status(self, status: MembershipStatus, subject: Subject | None, origin: str) -> bool:
        """Keep `status` unless an equal or newer one is held; True when it was stored."""
        with writing(self.engine, f"store the status of membership {status.membership_id}") as conn:
            return put_status_on(conn, status, subject, origin, self._clock())

    def status(self, country: str, membership_id: str) -> HeldStatus | None:
        with reading(self.engine, "partner memberships") as conn:
            row = conn.execute(
                select(PartnerMembershipRow).where(
                    PartnerMembershipRow.country == country,
                    PartnerMembershipRow.membership_id == membership_id,
                )
            ).first()
        return _held(row) if row is not None else None

    def statuses(
        self, *, country: str | None = None, state: MembershipState | None = None
    ) -> list[HeldStatus]:
        query = select(PartnerMembershipRow).order_by(
            PartnerMembershipRow.country, PartnerMembershipRow.membership_id
        )
        if country is not None:
            query = query.where(PartnerMembershipRow.country == country)
        if state is not None:
            query = query.where(PartnerMembershipRow.state == state.value)
        with reading(self.engine, "partner memberships") as conn:
            return [_held(row) for row in conn.execute(query)]

    # MembershipDirectory
    def find(self, keys: Sequence[str]) -> MembershipStatus | None:
        """The newest status among the memberships any of `keys` names (documents first, as given)."""
        if not keys:
            return None
        with reading(self.engine, "partner memberships") as conn:
            rows = conn.execute(
                select(PartnerMembershipRow)
                .join(
                    PartnerMembershipKeyRow,
                    (PartnerMembershipKeyRow.country == PartnerMembershipRow.country)
                    & (PartnerMembershipKeyRow.membership_id == PartnerMembershipRow.membership_id),
                )
                .where(PartnerMembershipKeyRow.key.in_(list(keys)))
                .order_by(PartnerMembershipRow.changed_at.desc())
            ).all()
        return _held(rows[0]).status if rows else None

    def open_alerts(self, membership_id: str) -> int:
        del membership_id
        return 0

    # ------------------------------------------------------------------------------------------- notices

    def put_notice(self, notice: HitNotice) -> bool:
        """Keep a received notice; of two versions of one notice (cut for different partners, both
        releasable here) the one with more details is kept. True when something was stored or replaced."""
        key = notice_digest(notice)
        values = {
            "notice_key": key,
            "sender": notice.sender,
            "list_id": notice.list_id,
            "entity_id": notice.entity_id,
            "membership_id": notice.membership_id,
            "membership_country": notice.membership_country,
            "subject_name": notice.subject_name,
            "score": notice.score,
            "matched_at": notice.matched_at,
            "marking": str(notice.banner),
            "details": [
                {"field": d.field, "value": d.value, "marking": str(d.marking)} for d in notice.details
            ],
            "reasons": list(notice.reasons),
            "received_at": self._clock(),
        }
        with writing(self.engine, f"store a hit notice from {notice.sender}") as conn:
            held = conn.scalar(select(HitNoticeRow.details).where(HitNoticeRow.notice_key == key))
            if held is None:
                conn.execute(insert(HitNoticeRow).values(**values))
                return True
            if len(held) >= len(notice.details):
                return False
            conn.execute(update(HitNoticeRow).where(HitNoticeRow.notice_key == key).values(**values))
            return True

    def notices(self, *, membership_id: str | None = None) -> list[HitNotice]:
        query = select(HitNoticeRow).order_by(HitNoticeRow.matched_at, HitNoticeRow.notice_key)
        if membership_id is not None:
            query = query.where(HitNoticeRow.membership_id == membership_id)
        with reading(self.engine, "hit notices") as conn:
            return [_notice(row) for row in conn.execute(query)]


def put_status_on(
    conn: Connection,
    status: MembershipStatus,
    subject: Subject | None,
    origin: str,
    now: datetime,
    *,
    force: bool = False,
) -> bool:
    """In the caller's transaction: keep `status` unless an equal or newer one is held (`force`: replace)."""
    where = (PartnerMembershipRow.country == status.country) & (
        PartnerMembershipRow.membership_id == status.membership_id
    )
    held = conn.scalar(select(PartnerMembershipRow.changed_at).where(where))
    if held is not None and not force and _utc(held) >= status.changed_at:
        return False
    values = {
        "country": status.country,
        "membership_id": status.membership_id,
        "origin": origin,
        "program_id": status.program_id,
        "tier": status.tier,
        "state": status.state.value,
        "changed_at": status.changed_at,
        "reason": status.reason,
        "expires_at": status.expires_at,
        "documents": list(status.documents),
        "subject": _subject_json(subject),
        "received_at": now,
    }
    if held is None:
        conn.execute(insert(PartnerMembershipRow).values(**values))
    else:
        conn.execute(update(PartnerMembershipRow).where(where).values(**values))
        conn.execute(
            delete(PartnerMembershipKeyRow).where(
                (PartnerMembershipKeyRow.country == status.country)
                & (PartnerMembershipKeyRow.membership_id == status.membership_id)
            )
        )
    keys = sorted(set(status.documents))
    if keys:
        conn.execute(
            insert(PartnerMembershipKeyRow),
            [{"key": k, "country": status.country, "membership_id": status.membership_id} for k in keys],
        )
    return True


def notice_digest(notice: HitNotice) -> str:
    return hashlib.sha256(notice.key.encode("utf-8")).hexdigest()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _subject_json(subject: Subject | None) -> dict[str, object] | None:
    if subject is None:
        return None
    return {
        "name": subject.name,
        "birth_date": subject.birth_date,
        "countries": list(subject.countries),
        "company": subject.company,
    }


def _held(row: object) -> HeldStatus:
    r: PartnerMembershipRow = row  # type: ignore[assignment]
    raw = r.subject
    subject = (
        Subject(
            str(raw["name"]), raw.get("birth_date"), tuple(raw.get("countries", [])), bool(raw.get("company"))
        )
        if raw
        else None
    )
    status = MembershipStatus(
        membership_id=r.membership_id,
        program_id=r.program_id,
        tier=r.tier,
        country=r.country,
        state=MembershipState(r.state),
        changed_at=_utc(r.changed_at),
        reason=r.reason,
        expires_at=_utc(r.expires_at) if r.expires_at is not None else None,
        documents=tuple(r.documents),
    )
    return HeldStatus(status, subject, r.origin)


def _notice(row: object) -> HitNotice:
    r: HitNoticeRow = row  # type: ignore[assignment]
    sender = r.sender
    details = tuple(
        Detail(d["field"], d["value"], Marking.parse(d["marking"], owner=sender)) for d in r.details
    )
    return HitNotice(
        sender=sender,
        list_id=r.list_id,
        entity_id=r.entity_id,
        score=r.score,
        matched_at=_utc(r.matched_at),
        marking=Marking.parse(r.marking, owner=sender),
        membership_id=r.membership_id,
        membership_country=r.membership_country,
        subject_name=r.subject_name,
        details=details,
        reasons=tuple(r.reasons),
    )
