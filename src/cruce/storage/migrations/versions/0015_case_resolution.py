"""Case resolution decisions (accept, reject, split a proposal) and referral snapshots.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid


def upgrade() -> None:
    op.create_table(
        "case_referral_snapshots",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("partner", sa.String(3), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("released_by", sa.String(128), nullable=False),
        sa.Column("released_at", _AT, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "partner", "seq"),
    )
    op.create_table(
        "case_entity_decisions",
        sa.Column("seq", _SEQ, nullable=False, autoincrement=True),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("proposal_id", sa.String(40), nullable=False),
        sa.Column("record_a", sa.String(200), nullable=False),
        sa.Column("record_b", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(
        "ix_case_entity_decisions_country_proposal_id", "case_entity_decisions", ["country", "proposal_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_entity_decisions_country_proposal_id", table_name="case_entity_decisions")
    op.drop_table("case_entity_decisions")
    op.drop_table("case_referral_snapshots")
