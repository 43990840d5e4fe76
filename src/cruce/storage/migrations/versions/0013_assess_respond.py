"""Assessments, incidents (timeline, sitreps, assistance), rescues, migrants' records, repatriations.

Each table names the country whose users wrote a row and, where partners may read it, the row's reach
(",USA,MEX,") with its level and NOFORN flag, computed from the markings at write time.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def _reach() -> list[sa.Column[object]]:
    return [
        sa.Column("reach", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("noforn", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("assessment_id", sa.String(80), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        *_reach(),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", name="pk_assessments"),
    )
    op.create_index("ix_assessments_country", "assessments", ["country"])
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(80), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(255), nullable=False),
        sa.Column("opened_at", _AT, nullable=False),
        sa.Column("marking", sa.String(200), nullable=False),
        *_reach(),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_country", "incidents", ["country"])
    op.create_table(
        "incident_entries",
        sa.Column("entry_id", sa.String(80), nullable=False),
        sa.Column("incident_id", sa.String(80), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        *_reach(),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_incident_entries"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.incident_id"],
            name="fk_incident_entries_incident_id_incidents",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_incident_entries_incident_id", "incident_entries", ["incident_id"])
    op.create_table(
        "assistance",
        sa.Column("request_id", sa.String(80), nullable=False),
        sa.Column("incident_id", sa.String(80), nullable=False),
        sa.Column("from_country", sa.String(3), nullable=False),
        sa.Column("to_country", sa.String(3), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_assistance"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.incident_id"],
            name="fk_assistance_incident_id_incidents",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "rescues",
        sa.Column("rescue_id", sa.String(80), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("occurred_at", _AT, nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("sector", sa.String(80), nullable=False),
        sa.Column("cause", sa.String(24), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(80), nullable=True),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("rescue_id", name="pk_rescues"),
    )
    op.create_index("ix_rescues_country", "rescues", ["country"])
    op.create_table(
        "person_records",
        sa.Column("person_ref", sa.String(80), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("collected_at", _AT, nullable=False),
        sa.Column("given_name", sa.String(200), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("nationality", sa.String(3), nullable=True),
        sa.Column("sex", sa.String(1), nullable=True),
        sa.Column("case_id", sa.String(80), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("rescue_id", sa.String(80), nullable=True),
        sa.Column("transfer_id", sa.String(80), nullable=True),
        sa.PrimaryKeyConstraint("person_ref", name="pk_person_records"),
    )
    op.create_index("ix_person_records_country", "person_records", ["country"])
    op.create_table(
        "repatriations",
        sa.Column("transfer_id", sa.String(80), nullable=False),
        sa.Column("from_country", sa.String(3), nullable=False),
        sa.Column("to_country", sa.String(3), nullable=False),
        sa.Column("port", sa.String(200), nullable=False),
        sa.Column("handover_at", _AT, nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("screening", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("transfer_id", name="pk_repatriations"),
    )
    op.create_index("ix_repatriations_from_country", "repatriations", ["from_country"])
    op.create_index("ix_repatriations_to_country", "repatriations", ["to_country"])


def downgrade() -> None:
    for table in ("repatriations", "person_records", "rescues", "assistance", "incident_entries", "incidents",
                  "assessments"):  # fmt: skip
        op.drop_table(table)
