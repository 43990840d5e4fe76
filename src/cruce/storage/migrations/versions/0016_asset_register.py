"""The asset register: each country's infrastructure assets with their markings and reach.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_register",
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("asset_id", sa.String(120), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner_country", sa.String(3), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("capacity_unit", sa.String(40), nullable=False),
        sa.Column("serves", sa.Text(), nullable=False),
        sa.Column("dependencies", sa.Integer(), nullable=False),
        sa.Column("marking", sa.String(200), nullable=False),
        sa.Column("reach", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("noforn", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(255), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("country", "asset_id", name="pk_asset_register"),
    )


def downgrade() -> None:
    op.drop_table("asset_register")
