"""Trusted programs: applications, their parties and documents, memberships, transitions, vetting results.

Every table carries (or reaches through its application) the country that owns the row; states change by
conditional UPDATE and every move is a row in `program_transitions` (see `cruce.storage.programs`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid
_APPS = "program_applications"


def _application_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["application_id"],
        [f"{_APPS}.application_id"],
        name=f"fk_{table}_application_id_{_APPS}",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        _APPS,
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("program_id", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(128), nullable=False),
        sa.Column("submitted_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("membership_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=f"pk_{_APPS}"),
        sa.UniqueConstraint("application_id", name=f"uq_{_APPS}_application_id"),
    )
    op.create_index(f"ix_{_APPS}_country_seq", _APPS, ["country", "seq"])
    op.create_index(f"ix_{_APPS}_country_state", _APPS, ["country", "state"])
    op.create_table(
        "program_parties",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_program_parties"),
        _application_fk("program_parties"),
    )
    op.create_index("ix_program_parties_application_id_seq", "program_parties", ["application_id", "seq"])
    op.create_table(
        "program_documents",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("doc_key", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("application_id", "doc_key", name="pk_program_documents"),
        _application_fk("program_documents"),
    )
    op.create_index("ix_program_documents_doc_key", "program_documents", ["doc_key"])
    op.create_table(
        "program_memberships",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("membership_id", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("program_id", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("issued_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_program_memberships"),
        sa.UniqueConstraint("membership_id", name="uq_program_memberships_membership_id"),
        sa.UniqueConstraint("application_id", name="uq_program_memberships_application_id"),
        _application_fk("program_memberships"),
    )
    op.create_index("ix_program_memberships_country_seq", "program_memberships", ["country", "seq"])
    op.create_index("ix_program_memberships_state_seq", "program_memberships", ["state", "seq"])
    op.create_table(
        "program_transitions",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_program_transitions"),
        _application_fk("program_transitions"),
    )
    op.create_index(
        "ix_program_transitions_application_id_seq", "program_transitions", ["application_id", "seq"]
    )
    op.create_table(
        "program_vettings",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("vetting_id", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("vetted_at", _AT, nullable=False),
        sa.Column("vetted_by", sa.String(128), nullable=False),
        sa.Column("recommendation", sa.String(16), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_program_vettings"),
        sa.UniqueConstraint("vetting_id", name="uq_program_vettings_vetting_id"),
        _application_fk("program_vettings"),
    )
    op.create_index("ix_program_vettings_application_id_seq", "program_vettings", ["application_id", "seq"])


def downgrade() -> None:
    for table in ("program_vettings", "program_transitions", "program_memberships", "program_documents",
                  "program_parties", _APPS):  # fmt: skip
        op.drop_table(table)
