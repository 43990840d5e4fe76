"""Coordination between partner nodes: membership statuses received from partners, and hit notices.

`partner_memberships` holds each membership's newest status as this node knows it (from the partner that
vetted it, or this node's own when no programs service keeps them), `partner_membership_keys` the document
and company keys the booth looks a membership up by, `hit_notices` the notices received from (or sent to)
partners, as released.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partner_memberships",
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("membership_id", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("program_id", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", _AT, nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=True),
        sa.Column("received_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("country", "membership_id", name="pk_partner_memberships"),
    )
    op.create_table(
        "partner_membership_keys",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("membership_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("key", "country", "membership_id", name="pk_partner_membership_keys"),
        sa.ForeignKeyConstraint(
            ["country", "membership_id"],
            ["partner_memberships.country", "partner_memberships.membership_id"],
            name="fk_partner_membership_keys_country_partner_memberships",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_partner_membership_keys_country_membership_id",
        "partner_membership_keys",
        ["country", "membership_id"],
    )
    op.create_table(
        "hit_notices",
        sa.Column("notice_key", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(3), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("membership_id", sa.String(128), nullable=True),
        sa.Column("membership_country", sa.String(3), nullable=True),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_at", _AT, nullable=False),
        sa.Column("marking", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("notice_key", name="pk_hit_notices"),
    )
    op.create_index("ix_hit_notices_membership_id", "hit_notices", ["membership_id"])


def downgrade() -> None:
    op.drop_index("ix_hit_notices_membership_id", table_name="hit_notices")
    op.drop_table("hit_notices")
    op.drop_index("ix_partner_membership_keys_country_membership_id", table_name="partner_membership_keys")
    op.drop_table("partner_membership_keys")
    op.drop_table("partner_memberships")
