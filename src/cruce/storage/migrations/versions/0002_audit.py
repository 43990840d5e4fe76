"""The append-only, hash-chained audit log: its records and its head.

On PostgreSQL a trigger refuses UPDATE and DELETE of audit records and TRUNCATE of either table, and
DELETE of the head row, so even a bug or a careless administrator cannot rewrite history through SQL.
The table owner or a superuser can still disable or drop the trigger; that is why `cruce audit verify`
checks the hash chain and does not trust the trigger. SQLite has no users to keep apart (whoever can
write the file can rewrite it), so there the chain alone shows tampering.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64  # as in cruce.sharing.audit, spelled out so this migration never changes

_REFUSE = """
CREATE FUNCTION cruce_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit records can only be appended; use cruce audit verify to check the log';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_records"),
    )
    op.create_index("ix_audit_records_actor", "audit_records", ["actor"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    if op.get_context().dialect.name == "postgresql":
        op.execute(_REFUSE)
        op.execute(
            "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
            "FOR EACH ROW EXECUTE FUNCTION cruce_audit_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
            "FOR EACH STATEMENT EXECUTE FUNCTION cruce_audit_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_head_keep BEFORE DELETE ON audit_head "
            "FOR EACH ROW EXECUTE FUNCTION cruce_audit_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION cruce_audit_refuse_change()"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for trigger, table in (
            ("audit_head_no_truncate", "audit_head"),
            ("audit_head_keep", "audit_head"),
            ("audit_records_no_truncate", "audit_records"),
            ("audit_records_append_only", "audit_records"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cruce_audit_refuse_change()")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_records_actor", table_name="audit_records")
    op.drop_table("audit_records")
