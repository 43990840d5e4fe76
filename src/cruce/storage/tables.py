"""The relational layout: watchlists, their immutable versions, and the entities of each version.

Each import writes a new `list_versions` row and a full copy of its entities; nothing is updated in place
except a version's `status` (an operator may withdraw a bad import). The active version of a list is its
newest version whose status is `complete`. Entities are stored whole as JSON (see `codec.py`) with the few
columns that queries filter on (`entity_id`, `schema`, `caption`) beside it.

The audit log (`audit_records`, `audit_head`) is append-only and hash-chained (see `cruce.sharing.audit`):
records are only ever inserted, and the one `audit_head` row names the last record's seq and hash. On
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of the records (migration 0002).

Sharing (migration 0003): accounts and hashed API tokens (`cruce.storage.accounts`), TAXII collections with
per-principal permissions and the STIX object versions of each collection, with the columns pages are keyed
by and markings are enforced on (`cruce.storage.collections`), published products kept whole
(`cruce.storage.products`), POST statuses and sync cursors (`cruce.storage.sync`).

Markings (migration 0005): marking-definitions node-wide and immutable (`share_definitions`), and per object
version the country it was received from and its granular redactions.

The API (migration 0004): expiring OAuth2 access tokens (hashed, like API tokens; `cruce.storage.accounts`),
the alert work queue (alerts, their append-only history of events, and the remembered false positives;
`cruce.storage.alerts`), and background jobs with their progress (`cruce.storage.jobs`).

The Alembic migrations in `migrations/versions/` create exactly these tables; a test compares the two.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names fixed by convention so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_SEQ_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid

# JSONB on PostgreSQL (smaller, indexable), plain JSON text elsewhere.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class VersionStatus(StrEnum):
    """`complete`: written in full and eligible to be active; `withdrawn`: kept for audit, never active;
    `pending`: still being written (in several short transactions), invisible until it turns complete."""

    COMPLETE = "complete"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WatchlistRow(Base):
    __tablename__ = "watchlists"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "us-ofac-sdn"
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)


class ListVersionRow(Base):
    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("list_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No separate index on list_id: the (list_id, version) unique constraint serves those lookups.
    list_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... per list
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # [{"name": "sdn.csv", "sha256": "...", "size_bytes": 123}, ...]
    source_files: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    entity_count: Mapped[int] = mapped_column(Integer)
    skipped_count: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)  # [{"file", "line", "reason"}]
    # Values left out of imported entities, and records ignored by design: the rest of the import's audit.
    dropped: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    ignored: Mapped[dict[str, int]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.COMPLETE.value)


class EntityContentRow(Base):
    """One entity exactly as some version imported it, stored once however many versions hold it.

    `content_hash` is the sha256 of the entity's canonical JSON (which includes its id), so an entity that
    did not change between two imports is one row, and a version is its list of memberships.
    """

    __tablename__ = "entity_contents"

    id: Mapped[int] = mapped_column(_SEQ_ID, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entity_id: Mapped[str] = mapped_column(String(255))  # "us-ofac-sdn:306"
    schema: Mapped[str] = mapped_column(String(32))
    caption: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class VersionEntityRow(Base):
    """Entity `content_id` is in version `version_id`: the whole cost of an unchanged entity in a version."""

    __tablename__ = "version_entities"
    # SQLite: the primary key is the table (no rowid b-tree beside it), half the bytes per membership.
    __table_args__ = ({"sqlite_with_rowid": False},)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True
    )
    content_id: Mapped[int] = mapped_column(
        ForeignKey("entity_contents.id", ondelete="RESTRICT"), primary_key=True
    )


class AuditRecordRow(Base):
    """One audit record; its `hash` covers every other column (see `cruce.sharing.audit.record_hash`)."""

    __tablename__ = "audit_records"
    __table_args__ = (Index(None, "actor"), Index(None, "country", "seq"))

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # 1, 2, 3...
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # allowed | denied
    reason: Mapped[str] = mapped_column(Text)
    # Plain JSON, not JSONB, even on PostgreSQL: JSONB rewrites numbers (1e20 comes back as an integer),
    # and the hash needs the details back exactly as written. Nothing queries inside them.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The country whose auditors read the record, fixed when it is written (migration 0006); the hash covers
    # it whenever it is set. NULL (records older than 0006, unattributed events) is read by no country.
    country: Mapped[str | None] = mapped_column(String(3), nullable=True)


class AuditHeadRow(Base):
    """The single row naming the last audit record, kept apart so that a cut-off tail shows."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger)  # 0 while the log is empty
    hash: Mapped[str] = mapped_column(String(64))


# -- sharing: accounts, TAXII collections and their objects (migration 0003) -------------------------------


class ShareAccountRow(Base):
    """Who may call the TAXII server: attributes for decisions, and a salted scrypt hash, never a password."""

    __tablename__ = "share_accounts"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(128))
    country: Mapped[str] = mapped_column(String(3))  # the organisation's country (ISO 3166 alpha-3)
    nationality: Mapped[str] = mapped_column(String(3))
    clearance: Mapped[str] = mapped_column(String(16))  # U, C, S or TS
    roles: Mapped[list[str]] = mapped_column(JSON)
    # "scrypt$<n>$<r>$<p>$<salt b64>$<key b64>", or None for a token-only account.
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # "person" (signs in with a password) or "system" (a sync or integration; the only kind given API keys).
    kind: Mapped[str] = mapped_column(String(16), server_default="person")


class ShareTokenRow(Base):
    """An API token, kept only as the sha256 of its text: a stolen database yields no usable token."""

    __tablename__ = "share_tokens"
    __table_args__ = (Index(None, "user_id"),)

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("share_accounts.user_id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShareCollectionRow(Base):
    """A TAXII collection. `last_added` is the newest date_added given out: the next one must be later."""

    __tablename__ = "share_collections"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_added: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SharePermissionRow(Base):
    """Read/write rights on a collection for one principal: `user:<id>` or `org:<organisation>`."""

    __tablename__ = "share_permissions"

    collection_id: Mapped[str] = mapped_column(
        ForeignKey("share_collections.id", ondelete="CASCADE"), primary_key=True
    )
    principal: Mapped[str] = mapped_column(String(160), primary_key=True)
    can_read: Mapped[bool] = mapped_column(Boolean)
    can_write: Mapped[bool] = mapped_column(Boolean)


class ShareObjectRow(Base):
    """One version of one STIX object in one collection, stored as the exact JSON text it was received as.

    `seq` is a server-side sequence and `date_added` strictly increases with it inside a collection, so
    (collection_id, date_added, seq) is the keyset every page is read by. `releasable_to` is the set of
    countries its markings release it to, written ` MEX USA ` (or `*` for everyone) so that enforcement is a
    SQL condition; `classification` is its highest marking level (0 U .. 3 TS).
    """

    __tablename__ = "share_objects"
    __table_args__ = (
        UniqueConstraint("collection_id", "object_id", "version"),
        Index(None, "collection_id", "date_added", "seq"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    collection_id: Mapped[str] = mapped_column(ForeignKey("share_collections.id", ondelete="CASCADE"))
    object_id: Mapped[str] = mapped_column(String(255))
    object_type: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))  # `modified` (or `created`), as fixed-width UTC text
    spec_version: Mapped[str] = mapped_column(String(8))
    date_added: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    releasable_to: Mapped[str] = mapped_column(Text)
    classification: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    # migration 0005: '' when written on this node, else the country it was received from ('?' unknown);
    # the granular redactions (JSON) when some property reaches fewer readers than the object
    origin: Mapped[str] = mapped_column(String(3), server_default="")
    redactions: Mapped[str | None] = mapped_column(Text, nullable=True)


class ShareDefinitionRow(Base):
    """A marking-definition known on this node (any collection): immutable, one content per id.

    The primary key is what makes "first definition wins, and no other content may take its id" hold across
    collections and concurrent writers.
    """

    __tablename__ = "share_definitions"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)


class ShareProductRow(Base):
    """A published product kept whole, as the STIX bundle of the full product, with its owner."""

    __tablename__ = "share_products"

    product_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str] = mapped_column(String(3))
    bundle: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(128))


class ShareStatusRow(Base):
    """The TAXII status resource of one POST of objects (processed at once, so always complete)."""

    __tablename__ = "share_statuses"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    request_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class ShareCursorRow(Base):
    """How far a sync with a remote collection got, written in the same transaction as what it covers."""

    __tablename__ = "share_cursors"

    remote: Mapped[str] = mapped_column(String(500), primary_key=True)  # the remote API root URL
    remote_collection: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), primary_key=True)  # pull | push
    local_collection: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(Text)  # pull: remote date_added; push: local "date_added|seq"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShareSyncStatusRow(Base):
    """The last success and the last error of a sync with a remote collection (migration 0008), for
    `cruce share status`; written after each run, beside (not instead of) the audit records."""

    __tablename__ = "share_sync_status"

    remote: Mapped[str] = mapped_column(String(500), primary_key=True)
    remote_collection: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), primary_key=True)  # pull | push
    local_collection: Mapped[str] = mapped_column(String(64))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)  # tries the last run took


# -- the API: access tokens, the alert work queue, background jobs (migration 0004) ----------------------

_SEQ = BigInteger().with_variant(Integer, "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid


class ApiTokenRow(Base):
    """An OAuth2 bearer token of the API, kept only as its sha256, valid until `expires_at`."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index(None, "user_id"),)

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("share_accounts.user_id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertRow(Base):
    """A screening alert or secondary referral awaiting review. `seq` is the keyset pages are read by.

    `country` is the country of the organisation that raised it: only that country's users work it.
    `person_fingerprint` and `entity_hash` identify the data the alert was raised on, so that a false
    positive is remembered for exactly that data (see `AlertDismissalRow`).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "country", "seq"),
        Index(None, "person_fingerprint", "entity_id"),
    )

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(String(64), unique=True)  # "alert:<uuid>"
    kind: Mapped[str] = mapped_column(String(32))  # screening | secondary_referral
    country: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(32))  # open | escalated | confirmed_match | false_positive
    assignee: Mapped[str | None] = mapped_column(String(128))
    person_fingerprint: Mapped[str] = mapped_column(String(64))
    person: Mapped[dict[str, Any]] = mapped_column(JSON)
    entity_id: Mapped[str] = mapped_column(String(255))
    entity_hash: Mapped[str] = mapped_column(String(64))
    entity_caption: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertEventRow(Base):
    """One step in an alert's history (created, assigned, commented, state changed); only ever inserted."""

    __tablename__ = "alert_events"
    __table_args__ = (Index(None, "alert_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.alert_id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))  # the alert's state after this event
    text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertDismissalRow(Base):
    """A confirmed false positive: this person's data against this entity's data does not alert again."""

    __tablename__ = "alert_dismissals"

    # A country's dismissal quiets that country's screening only (migration 0006 added it to the key).
    country: Mapped[str] = mapped_column(String(3), primary_key=True)
    person_fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    entity_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRow(Base):
    """A background job (batch screening, a simulated day): who started it, how far it got, where it ended."""

    __tablename__ = "jobs"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(64), unique=True)  # "job:<uuid>"
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(128))
    country: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    result_path: Mapped[str | None] = mapped_column(Text)
    # Migration 0008: the server process working the job, until when (renewed while it works). A job whose
    # lease ran out (its server was killed) is claimed by one other process with a conditional UPDATE.
    worker: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobChunkRow(Base):
    """The results of one chunk of a batch job's input rows, committed with the chunk's alerts, audit
    records and the job's progress (migration 0008): a resumed job starts after the last chunk here, and
    the results file is assembled from the chunks, so each input row has its results exactly once."""

    __tablename__ = "job_chunks"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[int] = mapped_column(Integer, primary_key=True)  # index of the chunk's first data row
    rows: Mapped[int] = mapped_column(Integer)  # input rows the chunk covers
    results: Mapped[str] = mapped_column(Text)  # the chunk's CSV result lines
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # queries, rejected, alerts, errors


class SignInFailureRow(Base):
    """Recent failed sign-ins of one account or one client address (`cruce.service.signin`), in the database
    so that every server process sees the same counts and lockouts."""

    __tablename__ = "signin_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "user:<id>" or "addr:<address>"
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# -- trusted programs (migration 0009, used by `cruce.storage.programs`) ------------------------------------
#
# Applications and memberships belong to the country of the node (and of the users) that took them: every
# query of `cruce.storage.programs` filters on `country`. States change only by conditional UPDATE, each
# move leaving a row in `program_transitions` and an audit record in the same transaction.


class ProgramApplicationRow(Base):
    """An application to a trusted program, whole (`body`, the application file's fields) and its state."""

    __tablename__ = "program_applications"
    __table_args__ = (Index(None, "country", "seq"), Index(None, "country", "state"))

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), unique=True)  # "application:<hex>"
    country: Mapped[str] = mapped_column(String(3))
    program_id: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # person | company
    state: Mapped[str] = mapped_column(String(16))  # submitted | vetting | interview | approved | denied
    caption: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_by: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    membership_id: Mapped[str | None] = mapped_column(String(64))


class ProgramPartyRow(Base):
    """One party of an application as the matcher sees it (`query`): what vetting and re-vetting screen."""

    __tablename__ = "program_parties"
    __table_args__ = (Index(None, "application_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("program_applications.application_id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)


class ProgramDocumentRow(Base):
    """A document of an application's member (`passport:MEX:G123...`): duplicate checks and lane look-ups."""

    __tablename__ = "program_documents"
    __table_args__ = (Index(None, "doc_key"),)

    application_id: Mapped[str] = mapped_column(
        ForeignKey("program_applications.application_id", ondelete="CASCADE"), primary_key=True
    )
    doc_key: Mapped[str] = mapped_column(String(300), primary_key=True)


class ProgramMembershipRow(Base):
    """A membership granted on an approved application; `expires_at` is 5 years on by default."""

    __tablename__ = "program_memberships"
    __table_args__ = (Index(None, "country", "seq"), Index(None, "state", "seq"))

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    membership_id: Mapped[str] = mapped_column(String(64), unique=True)  # "mex-sentri-<hex>"
    application_id: Mapped[str] = mapped_column(
        ForeignKey("program_applications.application_id", ondelete="CASCADE"), unique=True
    )
    country: Mapped[str] = mapped_column(String(3))
    program_id: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))  # active | suspended | revoked | expired
    caption: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state_reason: Mapped[str] = mapped_column(Text)


class ProgramTransitionRow(Base):
    """One move of an application or membership: who, why, when. Only ever inserted."""

    __tablename__ = "program_transitions"
    __table_args__ = (Index(None, "application_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(3))
    application_id: Mapped[str] = mapped_column(
        ForeignKey("program_applications.application_id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(16))  # application | membership
    subject_id: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class ProgramVettingRow(Base):
    """A vetting result of an application, whole (`result`): what was checked and what was found."""

    __tablename__ = "program_vettings"
    __table_args__ = (Index(None, "application_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    vetting_id: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("program_applications.application_id", ondelete="CASCADE")
    )
    country: Mapped[str] = mapped_column(String(3))
    vetted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    vetted_by: Mapped[str] = mapped_column(String(128))
    recommendation: Mapped[str] = mapped_column(String(16))
    alerts: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


# ---------------------------------------------------------------------- coordination between partner nodes


class PartnerMembershipRow(Base):
    """A trusted-program membership's newest status as this node knows it: received from the partner that
    vetted it (`origin` = that country), or this node's own when no programs service keeps them (`origin`
    ''). Read at the booth for mutual recognition, and screened against this node's lists for hit notices."""

    __tablename__ = "partner_memberships"

    country: Mapped[str] = mapped_column(String(3), primary_key=True)  # the node that vetted the member
    membership_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    origin: Mapped[str] = mapped_column(String(3))
    program_id: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    documents: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PartnerMembershipKeyRow(Base):
    """A document or company key (`passport:MEX:G123`, `company:acme`) a membership is looked up by."""

    __tablename__ = "partner_membership_keys"
    __table_args__ = (
        ForeignKeyConstraint(
            ["country", "membership_id"],
            ["partner_memberships.country", "partner_memberships.membership_id"],
            ondelete="CASCADE",
        ),
        Index(None, "country", "membership_id"),
    )

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    country: Mapped[str] = mapped_column(String(3), primary_key=True)
    membership_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class HitNoticeRow(Base):
    """A hit notice received from a partner (as released to this node), or sent by it (`sender` = own)."""

    __tablename__ = "hit_notices"
    __table_args__ = (Index(None, "membership_id"),)

    notice_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the notice's key
    sender: Mapped[str] = mapped_column(String(3))
    list_id: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(255))
    membership_id: Mapped[str | None] = mapped_column(String(128))
    membership_country: Mapped[str | None] = mapped_column(String(3))
    subject_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    marking: Mapped[str] = mapped_column(String(200))  # the banner of what this node received
    details: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Joint cases (migration 0012) live in their own module on this metadata; imported here so that every user
# of `Base.metadata` (the migration test, `upgrade`) sees them.
# Tables of assessments, incidents and humanitarian operations live beside their queries (migration 0013);
# importing them here puts them on this metadata wherever the tables are compared with the migrations.
from cruce.storage import assess as _assess  # noqa: E402, F401
from cruce.storage import asset_register as _asset_register  # noqa: E402, F401
from cruce.storage import case_tables as _case_tables  # noqa: E402, F401
