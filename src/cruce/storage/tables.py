"""The relational layout: watchlists, their immutable versions, and the entities of each version.

Each import writes a new `list_versions` row and a full copy of its entities; nothing is updated in place
except a version's `status` (an operator may withdraw a bad import). The active version of a list is its
newest version whose status is `complete`. Entities are stored whole as JSON (see `codec.py`) with the few
columns that queries filter on (`entity_id`, `schema`, `caption`) beside it.

The Alembic migrations in `migrations/versions/` create exactly these tables; a test compares the two.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
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
