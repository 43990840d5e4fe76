"""Joint cases: cases, their marked parts, workflow steps, evidence contents, custody chain, releases.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.case_id"], name=f"fk_{table}_case_id_cases", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("owner", sa.String(3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_marking", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("partner", sa.String(3), nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("opened_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases"),
    )
    op.create_index("ix_cases_owner_opened_at", "cases", ["owner", "opened_at"])
    op.create_table(
        "case_parts",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("part_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("marking", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "part_id", name="pk_case_parts"),
        _case_fk("case_parts"),
    )
    op.create_table(
        "case_status_changes",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("partner", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_case_status_changes"),
        _case_fk("case_status_changes"),
    )
    op.create_table(
        "case_evidence_contents",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("evidence_id", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "evidence_id", name="pk_case_evidence_contents"),
        _case_fk("case_evidence_contents"),
    )
    op.create_table(
        "case_custody",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("evidence_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("from_holder", sa.String(200), nullable=False),
        sa.Column("to_holder", sa.String(200), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_case_custody"),
        _case_fk("case_custody"),
    )
    op.create_table(
        "case_custody_head",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_custody_head"),
        _case_fk("case_custody_head"),
    )
    op.create_table(
        "case_releases",
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("partner", sa.String(3), nullable=False),
        sa.Column("released_by", sa.String(128), nullable=False),
        sa.Column("released_at", _AT, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "partner", name="pk_case_releases"),
        _case_fk("case_releases"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The custody log is append-only: the database itself refuses to change or remove an entry.
        op.execute(
            """
            CREATE FUNCTION cruce_case_custody_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'case_custody is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER case_custody_append_only BEFORE UPDATE OR DELETE ON case_custody "
            "FOR EACH ROW EXECUTE FUNCTION cruce_case_custody_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_custody_append_only ON case_custody")
        op.execute("DROP FUNCTION IF EXISTS cruce_case_custody_append_only()")
    for table in (
        "case_releases",
        "case_custody_head",
        "case_custody",
        "case_evidence_contents",
        "case_status_changes",
        "case_parts",
    ):
        op.drop_table(table)
    op.drop_index("ix_cases_owner_opened_at", table_name="cases")
    op.drop_table("cases")
