"""Watchlists, their immutable versions, and the entities of each version.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported from cruce.storage.tables: a migration must keep describing the
# schema as it was when written, whatever the models become later.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("publisher", sa.String(300), nullable=False),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watchlists"),
    )
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_files", _JSON, nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("skipped", _JSON, nullable=False),
        sa.Column("dropped", _JSON, nullable=False),
        sa.Column("ignored", _JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_list_versions"),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["watchlists.id"],
            name="fk_list_versions_list_id_watchlists",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("list_id", "version", name="uq_list_versions_list_id_version"),
    )
    op.create_table(
        "entities",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(32), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "entity_id", name="pk_entities"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["list_versions.id"],
            name="fk_entities_version_id_list_versions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_entities_entity_id", "entities", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_entities_entity_id", table_name="entities")
    op.drop_table("entities")
    op.drop_table("list_versions")
    op.drop_table("watchlists")
