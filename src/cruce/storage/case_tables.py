"""The tables of joint cases (migration 0012): cases, their marked parts, workflow, evidence and custody.

Declared on the one `Base.metadata` (imported by `cruce.storage.tables`), so the migration test compares
them with the migrations like every other table. `case_custody` is append-only and hash-chained per case
(see `cruce.cases.custody`), with its head kept apart in `case_custody_head` so that a cut-off tail shows.
`case_releases` records each partner a case was referred to: the only way another country's users see it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cruce.storage.tables import Base

_CASE_FK = "cases.case_id"


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (Index(None, "owner", "opened_at"),)

    case_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner: Mapped[str] = mapped_column(String(3))  # the country whose users work it
    title: Mapped[str] = mapped_column(Text)
    title_marking: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    partner: Mapped[str] = mapped_column(String(3))  # '' until referred
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CasePartRow(Base):
    """A subject, event, evidence item, note or task, with its own portion marking."""

    __tablename__ = "case_parts"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    part_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)  # order of addition within the case
    marking: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseStatusRow(Base):
    """One step of a case's workflow; only ever inserted."""

    __tablename__ = "case_status_changes"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    partner: Mapped[str] = mapped_column(String(3))


class CaseEvidenceContentRow(Base):
    """An evidence item's content as taken in (its sha256 is on the item and in the custody log)."""

    __tablename__ = "case_evidence_contents"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    evidence_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class CaseCustodyRow(Base):
    """One intake or hand-over; its `hash` chains it to the entry before it in the same case."""

    __tablename__ = "case_custody"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    evidence_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_holder: Mapped[str] = mapped_column(String(200))
    to_holder: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CaseCustodyHeadRow(Base):
    __tablename__ = "case_custody_head"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class CaseReleaseRow(Base):
    """A referral of a case to a partner country (a release): its users may then read its tear line."""

    __tablename__ = "case_releases"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    partner: Mapped[str] = mapped_column(String(3), primary_key=True)
    released_by: Mapped[str] = mapped_column(String(128))
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean)


class CaseReferralSnapshotRow(Base):
    """What a partner received when a case was referred to it: the tear-line version, frozen (migration
    `case_resolution`). Later edits of the case do not change it; a new referral adds a new snapshot."""

    __tablename__ = "case_referral_snapshots"

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE_FK, ondelete="CASCADE"), primary_key=True)
    partner: Mapped[str] = mapped_column(String(3), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    released_by: Mapped[str] = mapped_column(String(128))
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class EntityDecisionRow(Base):
    """A reviewer's decision on a resolution proposal (accept, reject, split), in its country's partition;
    only ever inserted: the current state of a proposal is its last decision (migration `case_resolution`)."""

    __tablename__ = "case_entity_decisions"
    __table_args__ = (Index(None, "country", "proposal_id"),)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    country: Mapped[str] = mapped_column(String(3))
    proposal_id: Mapped[str] = mapped_column(String(40))
    record_a: Mapped[str] = mapped_column(String(200))
    record_b: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # accepted | rejected | split
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the reviewer saw when deciding
