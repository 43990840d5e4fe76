"""Markings by content: node-wide immutable marking-definitions; each object version's origin and redactions.

`share_definitions` holds one content per marking-definition id for the whole node (the primary key refuses a
second content); existing definitions are copied in, the first stored version of an id winning, as it did.
`share_objects.origin` is '' for objects written on this node, else the country they were received from
(the TLP onward-sharing rule needs it); `share_objects.redactions` lists the granular-marked properties
some readers of the object may not see.

Revision ID: 0005
Revises: 0004
Create Date: 2026-02-12
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "share_definitions",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_share_definitions"),
    )
    op.add_column("share_objects", sa.Column("origin", sa.String(3), server_default="", nullable=False))
    op.add_column("share_objects", sa.Column("redactions", sa.Text(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT object_id, data FROM share_objects WHERE object_type = 'marking-definition' ORDER BY seq"
        )
    ).all()
    seen: set[str] = set()
    for object_id, data in rows:
        if object_id in seen:
            continue
        seen.add(object_id)
        canonical = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        conn.execute(
            sa.text("INSERT INTO share_definitions (id, digest, data) VALUES (:id, :digest, :data)"),
            {"id": object_id, "digest": hashlib.sha256(canonical.encode("utf-8")).hexdigest(), "data": data},
        )


def downgrade() -> None:
    with op.batch_alter_table("share_objects") as batch:
        batch.drop_column("redactions")
        batch.drop_column("origin")
    op.drop_table("share_definitions")
