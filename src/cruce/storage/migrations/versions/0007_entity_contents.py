"""List versions share what did not change: entities stored once by content hash, versions as memberships.

`entities` held a full copy of every entity per version (ten daily SDN versions took 9.8x the space of
one). Now `entity_contents` holds each distinct entity once, keyed by the sha256 of its canonical JSON,
and `version_entities` says which contents make up a version. Existing data is moved, exactly as stored.

Revision ID: 0007
Revises: 0006
Create Date: 2026-03-02
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported: a migration keeps describing the schema of its own day.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 2000


def _content_hash(data: Any) -> str:
    """The same digest `cruce.storage.codec.content_hash` computes (canonical JSON, sha256)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.create_table(
        "entity_contents",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(32), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entity_contents"),
        sa.UniqueConstraint("content_hash", name="uq_entity_contents_content_hash"),
    )
    op.create_table(
        "version_entities",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("content_id", _SEQ, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "content_id", name="pk_version_entities"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name="fk_version_entities_version_id_list_versions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"], ["entity_contents.id"], name="fk_version_entities_content_id_entity_contents",
            ondelete="RESTRICT",
        ),
        sqlite_with_rowid=False,
    )  # fmt: skip
    _move_entities()
    op.drop_index("ix_entities_entity_id", table_name="entities")
    op.drop_table("entities")


def _move_entities() -> None:
    """Every (version, entity) row becomes a membership of its content, stored once."""
    bind = op.get_bind()
    meta = sa.MetaData()
    old = sa.Table("entities", meta, autoload_with=bind)
    contents = sa.Table("entity_contents", meta, autoload_with=bind)
    members = sa.Table("version_entities", meta, autoload_with=bind)
    ids: dict[str, int] = {}
    last: tuple[int, str] = (-1, "")
    while True:
        rows = bind.execute(
            sa.select(old.c.version_id, old.c.entity_id, old.c.schema, old.c.caption, old.c.data)
            .where(sa.tuple_(old.c.version_id, old.c.entity_id) > sa.tuple_(*last))
            .order_by(old.c.version_id, old.c.entity_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        new: dict[str, dict[str, Any]] = {}
        hashes = []
        for row in rows:
            digest = _content_hash(row.data)
            hashes.append(digest)
            if digest not in ids and digest not in new:
                new[digest] = {
                    "content_hash": digest, "entity_id": row.entity_id, "schema": row.schema,
                    "caption": row.caption, "data": row.data,
                }  # fmt: skip
        if new:
            bind.execute(sa.insert(contents), list(new.values()))
            found = bind.execute(
                sa.select(contents.c.content_hash, contents.c.id).where(
                    contents.c.content_hash.in_(list(new))
                )
            ).all()
            ids.update({h: i for h, i in found})
        bind.execute(
            sa.insert(members),
            [
                {"version_id": row.version_id, "content_id": ids[h]}
                for row, h in zip(rows, hashes, strict=True)
            ],
        )
        last = (rows[-1].version_id, rows[-1].entity_id)


def downgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(32), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "entity_id", name="pk_entities"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name="fk_entities_version_id_list_versions",
            ondelete="CASCADE",
        ),
    )  # fmt: skip
    op.create_index("ix_entities_entity_id", "entities", ["entity_id"])
    op.execute(
        "INSERT INTO entities (version_id, entity_id, schema, caption, data) "
        "SELECT m.version_id, c.entity_id, c.schema, c.caption, c.data "
        "FROM version_entities m JOIN entity_contents c ON c.id = m.content_id"
    )
    op.drop_table("version_entities")
    op.drop_table("entity_contents")
