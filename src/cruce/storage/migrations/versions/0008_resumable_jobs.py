"""Batch jobs resume after a crash; sync keeps a per-remote status.

`jobs` gains the lease of the server process working a job (`worker`, `lease_until`); `job_chunks` holds
each committed chunk of a batch job's results (with the chunk's counts). `share_sync_status` holds, per
remote collection and direction, the last success and the last error of a sync.

Revision ID: 0008
Revises: 0007
Create Date: 2026-03-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("worker", sa.String(128), nullable=True))
        batch.add_column(sa.Column("lease_until", _AT, nullable=True))
    op.create_table(
        "job_chunks",
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "start", name="pk_job_chunks"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.job_id"], name="fk_job_chunks_job_id_jobs", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "share_sync_status",
        sa.Column("remote", sa.String(500), nullable=False),
        sa.Column("remote_collection", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("local_collection", sa.String(64), nullable=False),
        sa.Column("last_success_at", _AT, nullable=True),
        sa.Column("last_error_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("remote", "remote_collection", "direction", name="pk_share_sync_status"),
    )


def downgrade() -> None:
    op.drop_table("share_sync_status")
    op.drop_table("job_chunks")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("worker")
