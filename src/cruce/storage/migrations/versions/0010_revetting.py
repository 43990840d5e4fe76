"""Continuous re-vetting: the outbox of runs (one per new list version) and the hits each run stored.

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "revetting_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("enqueued_at", _AT, nullable=False),
        sa.Column("started_at", _AT, nullable=True),
        sa.Column("finished_at", _AT, nullable=True),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("lease_until", _AT, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_revetting_runs"),
    )
    op.create_index("ix_revetting_runs_state", "revetting_runs", ["state"])
    op.create_table(
        "revetting_hits",
        sa.Column("hit_key", sa.String(700), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.String(128), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("hit", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("delivered_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("hit_key", name="pk_revetting_hits"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["revetting_runs.id"],
            name="fk_revetting_hits_run_id_revetting_runs",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_revetting_hits_run_id_delivered_at", "revetting_hits", ["run_id", "delivered_at"])


def downgrade() -> None:
    op.drop_index("ix_revetting_hits_run_id_delivered_at", table_name="revetting_hits")
    op.drop_table("revetting_hits")
    op.drop_index("ix_revetting_runs_state", table_name="revetting_runs")
    op.drop_table("revetting_runs")
