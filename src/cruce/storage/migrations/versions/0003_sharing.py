"""Sharing: accounts and API tokens, TAXII collections and permissions, STIX objects, products, sync cursors.

Objects are read a page at a time by the keyset (collection_id, date_added, seq), hence that index; the
unique (collection_id, object_id, version) is what makes a re-sent object a no-op.

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid


def upgrade() -> None:
    op.create_table(
        "share_accounts",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("organisation", sa.String(128), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("clearance", sa.String(16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_share_accounts"),
    )
    op.create_table(
        "share_tokens",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_share_tokens"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["share_accounts.user_id"],
            name="fk_share_tokens_user_id_share_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_share_tokens_user_id", "share_tokens", ["user_id"])
    op.create_table(
        "share_collections",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_added", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_share_collections"),
    )
    op.create_table(
        "share_permissions",
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(160), nullable=False),
        sa.Column("can_read", sa.Boolean(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "principal", name="pk_share_permissions"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["share_collections.id"],
            name="fk_share_permissions_collection_id_share_collections",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "share_objects",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("spec_version", sa.String(8), nullable=False),
        sa.Column("date_added", sa.DateTime(timezone=True), nullable=False),
        sa.Column("releasable_to", sa.Text(), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_share_objects"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["share_collections.id"],
            name="fk_share_objects_collection_id_share_collections",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "collection_id", "object_id", "version", name="uq_share_objects_collection_id_object_id_version"
        ),
    )
    op.create_index(
        "ix_share_objects_collection_id_date_added_seq",
        "share_objects",
        ["collection_id", "date_added", "seq"],
    )
    op.create_table(
        "share_products",
        sa.Column("product_id", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(3), nullable=False),
        sa.Column("bundle", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name="pk_share_products"),
    )
    op.create_table(
        "share_statuses",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("request_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_share_statuses"),
    )
    op.create_table(
        "share_cursors",
        sa.Column("remote", sa.String(500), nullable=False),
        sa.Column("remote_collection", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("local_collection", sa.String(64), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("remote", "remote_collection", "direction", name="pk_share_cursors"),
    )


def downgrade() -> None:
    op.drop_table("share_cursors")
    op.drop_table("share_statuses")
    op.drop_table("share_products")
    op.drop_index("ix_share_objects_collection_id_date_added_seq", table_name="share_objects")
    op.drop_table("share_objects")
    op.drop_table("share_permissions")
    op.drop_table("share_collections")
    op.drop_index("ix_share_tokens_user_id", table_name="share_tokens")
    op.drop_table("share_tokens")
    op.drop_table("share_accounts")
