"""The relational layout: watchlists, their immutable versions, and the entities of each version.

Each import writes a new `list_versions` row and a full copy of its entities; nothing is updated in place
except a version's `status` (an operator may withdraw a bad import). The active version of a list is its
newest version whose status is `complete`. Entities are stored whole as JSON (see `codec.py`) with the few
columns that queries filter on (`entity_id`, `schema`, `caption`) beside it.

The audit log (`audit_records`, `audit_head`) is append-only and hash-chained (see `cruce.sharing.audit`):
records are only ever inserted, and the one `audit_head` row names the last record's seq and hash. On
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of the records (migration 0002).

The Alembic migrations in `migrations/versions/` create exactly these tables; a test compares the two.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names fixed by convention so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (smaller, indexable), plain JSON text elsewhere.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class VersionStatus(StrEnum):
    """`complete`: written in full and eligible to be active; `withdrawn`: kept for audit, never active."""

    COMPLETE = "complete"
    WITHDRAWN = "withdrawn"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WatchlistRow(Base):
    __tablename__ = "watchlists"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "us-ofac-sdn"
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)


class ListVersionRow(Base):
    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("list_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No separate index on list_id: the (list_id, version) unique constraint serves those lookups.
    list_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... per list
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # [{"name": "sdn.csv", "sha256": "...", "size_bytes": 123}, ...]
    source_files: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    entity_count: Mapped[int] = mapped_column(Integer)
    skipped_count: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)  # [{"file", "line", "reason"}]
    # Values left out of imported entities, and records ignored by design: the rest of the import's audit.
    dropped: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    ignored: Mapped[dict[str, int]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.COMPLETE.value)


class EntityRow(Base):
    __tablename__ = "entities"
    __table_args__ = (Index(None, "entity_id"),)

    # The composite primary key is the (version_id, entity_id) index every load goes through.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)  # "us-ofac-sdn:306"
    schema: Mapped[str] = mapped_column(String(32))
    caption: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class AuditRecordRow(Base):
    """One audit record; its `hash` covers every other column (see `cruce.sharing.audit.record_hash`)."""

    __tablename__ = "audit_records"
    __table_args__ = (Index(None, "actor"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # 1, 2, 3...
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # allowed | denied
    reason: Mapped[str] = mapped_column(Text)
    # Plain JSON, not JSONB, even on PostgreSQL: JSONB rewrites numbers (1e20 comes back as an integer),
    # and the hash needs the details back exactly as written. Nothing queries inside them.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The single row naming the last audit record, kept apart so that a cut-off tail shows."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger)  # 0 while the log is empty
    hash: Mapped[str] = mapped_column(String(64))
