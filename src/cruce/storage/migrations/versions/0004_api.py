"""The API: expiring access tokens, the alert work queue (alerts, history, remembered false positives), jobs.

Alerts and jobs are read by keyset on `seq`; alerts of one country by (country, seq), hence that index.
A false positive is remembered by (person fingerprint, entity id, entity hash): new data on either side
is a new key, so it alerts again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-02-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["share_accounts.user_id"], name="fk_api_tokens_user_id_share_accounts",
            ondelete="CASCADE",
        ),
    )  # fmt: skip
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "alerts",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("assignee", sa.String(128), nullable=True),
        sa.Column("person_fingerprint", sa.String(64), nullable=False),
        sa.Column("person", sa.JSON(), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_hash", sa.String(64), nullable=False),
        sa.Column("entity_caption", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_alerts"),
        sa.UniqueConstraint("alert_id", name="uq_alerts_alert_id"),
    )
    op.create_index("ix_alerts_country_seq", "alerts", ["country", "seq"])
    op.create_index("ix_alerts_person_fingerprint_entity_id", "alerts", ["person_fingerprint", "entity_id"])
    op.create_table(
        "alert_events",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_alert_events"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.alert_id"], name="fk_alert_events_alert_id_alerts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_alert_events_alert_id_seq", "alert_events", ["alert_id", "seq"])
    op.create_table(
        "alert_dismissals",
        sa.Column("person_fingerprint", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_hash", sa.String(64), nullable=False),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=False),
        sa.Column("decided_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("person_fingerprint", "entity_id", "entity_hash", name="pk_alert_dismissals"),
    )
    op.create_table(
        "jobs",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("finished_at", _AT, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("result_path", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_jobs"),
        sa.UniqueConstraint("job_id", name="uq_jobs_job_id"),
    )


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("alert_dismissals")
    op.drop_index("ix_alert_events_alert_id_seq", table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index("ix_alerts_person_fingerprint_entity_id", table_name="alerts")
    op.drop_index("ix_alerts_country_seq", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
