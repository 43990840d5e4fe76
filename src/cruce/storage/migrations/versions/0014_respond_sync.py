"""Assistance requests keep their marked portions (what is asked, and further context each with its own
marking), so that each partner's node receives only the portions released to it.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("assistance", sa.Column("body", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assistance") as batch:
        batch.drop_column("body")
