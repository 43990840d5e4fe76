"""Trust between partners (issue 13, API half): partition by country, account kinds, sign-in throttling.

* `audit_records.country`: the country whose auditors may read a record, fixed at write time and covered by
  the record's hash when set. Records written before this migration keep NULL and are read by no country
  (the operator's `cruce audit` commands still read everything).
* `share_accounts.kind`: "person" or "system"; only system accounts (syncs, integrations) get API keys.
* `alert_dismissals.country`, in the key: one country's false-positive decision never quiets another's
  screening. Existing dismissals take the country of the alert they dismissed.
* `signin_failures`: failed sign-ins per account and per client address, shared by every server process.

Revision ID: 0006
Revises: 0005
Create Date: 2026-03-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def _dismissals(country_in_key: bool) -> None:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("person_fingerprint", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("entity_hash", sa.String(64), nullable=False),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=False),
        sa.Column("decided_at", _AT, nullable=False),
    ]
    key = ["person_fingerprint", "entity_id", "entity_hash"]
    if country_in_key:
        columns.insert(0, sa.Column("country", sa.String(3), nullable=False))
        key.insert(0, "country")
    op.create_table("alert_dismissals", *columns, sa.PrimaryKeyConstraint(*key, name="pk_alert_dismissals"))


def upgrade() -> None:
    op.add_column("audit_records", sa.Column("country", sa.String(3), nullable=True))
    op.create_index("ix_audit_records_country_seq", "audit_records", ["country", "seq"])
    op.add_column("share_accounts", sa.Column("kind", sa.String(16), server_default="person", nullable=False))
    bind = op.get_bind()
    old = bind.execute(
        sa.text(
            "SELECT a.country, d.person_fingerprint, d.entity_id, d.entity_hash, d.alert_id, d.decided_by, "
            "d.decided_at FROM alert_dismissals d JOIN alerts a ON a.alert_id = d.alert_id"
        )
    ).all()
    op.drop_table("alert_dismissals")
    _dismissals(country_in_key=True)
    if old:
        bind.execute(
            sa.text(
                "INSERT INTO alert_dismissals (country, person_fingerprint, entity_id, entity_hash, "
                "alert_id, decided_by, decided_at) VALUES (:country, :person_fingerprint, :entity_id, "
                ":entity_hash, :alert_id, :decided_by, :decided_at)"
            ),
            [dict(row._mapping) for row in old],
        )
    op.create_table(
        "signin_failures",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", _AT, nullable=False),
        sa.Column("locked_until", _AT, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_signin_failures"),
    )


def downgrade() -> None:
    op.drop_table("signin_failures")
    op.drop_table("alert_dismissals")
    _dismissals(country_in_key=False)  # dismissals are forgotten: they would now quiet every country
    with op.batch_alter_table("share_accounts") as batch:
        batch.drop_column("kind")
    op.drop_index("ix_audit_records_country_seq", table_name="audit_records")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("country")
