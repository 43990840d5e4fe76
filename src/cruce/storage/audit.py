"""The audit log on the store's database: append records to the hash chain, list them, verify them.

`AuditLog(store.engine)` works on the engine `open_store` made (its migrations create the tables). The
chain itself (hashing, what counts as tampering) is `cruce.sharing.audit`; this module only keeps it.

Appending is one transaction: lock the head, insert the next record, move the head. The lock is what keeps
two processes appending at once from both chaining onto the same record (a fork): on PostgreSQL it is a row
lock (`SELECT ... FOR UPDATE`) on the single head row; on SQLite the transaction's first statement is a
write, which takes the database's one write lock before the head is read. The primary key on `seq` is the
backstop: a second record with the same seq is refused, never stored.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Select, String, Text, cast, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from cruce.core.errors import CruceError, InputError, StorageError
from cruce.sharing.audit import (
    AuditEvent,
    AuditHead,
    AuditRecord,
    AuditVerification,
    Outcome,
    chain_record,
    verify_chain,
)
from cruce.storage.tables import AuditHeadRow, AuditRecordRow

if TYPE_CHECKING:
    from cruce.storage.store import Store

    _AnySelect = Select[*tuple[Any, ...]]

log = logging.getLogger(__name__)

HEAD_ID = 1
DEFAULT_PAGE_SIZE = 1000
"""Records fetched per round trip while verifying; bounds memory on long logs."""


class AuditLog:
    """The append-only, hash-chained audit log of one database."""

    def __init__(self, engine: Engine, *, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self.engine = engine
        self._page_size = page_size
        self._sqlite = engine.dialect.name == "sqlite"

    @classmethod
    def of(cls, store: Store) -> AuditLog:
        """The audit log kept in `store`'s database."""
        return cls(store.engine)

    # -- writing ---------------------------------------------------------------------------------------

    def append(self, event: AuditEvent) -> AuditRecord:
        """Chain `event` after the current head and store it, all or nothing; returns the new record."""
        try:
            with self.engine.begin() as conn:
                if self._sqlite:
                    # A write first: SQLite hands out its single write lock now (waiting up to busy_timeout),
                    # so the head read below cannot be overtaken by another appender.
                    conn.execute(
                        update(AuditHeadRow).where(AuditHeadRow.id == HEAD_ID).values(seq=AuditHeadRow.seq)
                    )
                row = conn.execute(
                    select(AuditHeadRow.seq, AuditHeadRow.hash)
                    .where(AuditHeadRow.id == HEAD_ID)
                    .with_for_update()
                ).first()
                if row is None:
                    raise StorageError(
                        "audit_head_missing",
                        "the audit log has lost its head row, so nothing can be appended; "
                        "run `cruce audit verify` and restore the database from a backup",
                    )
                record = chain_record(AuditHead(int(row.seq), str(row.hash)), event)
                conn.execute(insert(AuditRecordRow).values(**_row_values(record)))
                conn.execute(
                    update(AuditHeadRow)
                    .where(AuditHeadRow.id == HEAD_ID)
                    .values(seq=record.seq, hash=record.hash)
                )
        except IntegrityError as exc:
            raise StorageError(
                "audit_append_conflict",
                "could not append to the audit log: a record with the next number already exists, so the "
                f"head is behind the records; run `cruce audit verify`: {_reason(exc)}",
            ) from exc
        except SQLAlchemyError as exc:
            raise StorageError(
                "audit_append_failed", f"could not append to the audit log: {_reason(exc)}"
            ) from exc
        log.info(
            "audit_appended seq=%d actor=%s action=%s outcome=%s",
            record.seq,
            event.actor,
            event.action,
            event.outcome.value,
        )
        return record

    # -- reading ---------------------------------------------------------------------------------------

    def head(self) -> AuditHead:
        """The last record's seq and hash as the head row records them."""
        try:
            with self.engine.connect() as conn:
                return _read_head(conn.execute(_head_query()).first())
        except SQLAlchemyError as exc:
            raise _read_error(exc) from exc

    def records(
        self, after_seq: int | None = None, limit: int | None = None, *, actor: str | None = None
    ) -> list[AuditRecord]:
        """Records in seq order, those after `after_seq` only, at most `limit`, of `actor` only."""
        query = self._records_query().order_by(AuditRecordRow.seq)
        if after_seq is not None:
            query = query.where(AuditRecordRow.seq > after_seq)
        if actor is not None:
            query = query.where(AuditRecordRow.actor == actor)
        if limit is not None:
            query = query.limit(limit)
        return self._fetch(query)

    def latest(self, limit: int, *, actor: str | None = None) -> list[AuditRecord]:
        """The newest `limit` records (of `actor` only, if given), oldest first."""
        query = self._records_query().order_by(AuditRecordRow.seq.desc()).limit(limit)
        if actor is not None:
            query = query.where(AuditRecordRow.actor == actor)
        return self._fetch(query)[::-1]

    def verify(self) -> AuditVerification:
        """Check every record and the head, read in one snapshot so appends meanwhile cause no alarm."""
        try:
            with self.engine.connect() as connection:
                conn = (
                    connection
                    if self._sqlite
                    else connection.execution_options(isolation_level="REPEATABLE READ")
                )
                with conn.begin():
                    # SQLite: the first read of this transaction fixes its WAL snapshot for the second one.
                    head = _read_head(conn.execute(_head_query()).first())
                    rows = conn.execution_options(yield_per=self._page_size).execute(
                        self._records_query().order_by(AuditRecordRow.seq)
                    )
                    return verify_chain((self._record(row) for row in rows), head)
        except SQLAlchemyError as exc:
            raise _read_error(exc) from exc

    def _fetch(self, query: _AnySelect) -> list[AuditRecord]:
        try:
            with self.engine.connect() as conn:
                return [self._record(row) for row in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise _read_error(exc) from exc

    def _records_query(self) -> _AnySelect:
        """Every column, with `details` (and on SQLite `at`) as stored text, parsed here, not by the driver.

        A tampered row must become a verification problem, not a crash inside the driver's conversion.
        """
        t = AuditRecordRow
        at = type_coerce(t.at, String).label("at") if self._sqlite else t.at
        return select(
            t.seq, at, t.actor, t.action, t.resource, t.outcome, t.reason,
            cast(t.details, Text).label("details"), t.prev_hash, t.hash,
        )  # fmt: skip

    def _record(self, row: Any) -> AuditRecord:
        try:
            event = AuditEvent(
                at=_as_utc(row.at),
                actor=row.actor,
                action=row.action,
                resource=row.resource,
                outcome=Outcome(row.outcome),
                reason=row.reason,
                details=json.loads(row.details),
            )
        except (CruceError, ValueError, TypeError) as exc:
            # Kept in the chain, so later records still link to it; its hash cannot match, so verify says so.
            message = exc.message if isinstance(exc, CruceError) else str(exc)
            event = AuditEvent(
                at=datetime(1970, 1, 1, tzinfo=UTC),
                actor="?",
                action="unreadable",
                resource="",
                outcome=Outcome.DENIED,
                reason=f"the stored record cannot be read: {message}",
            )
        return AuditRecord(int(row.seq), event, str(row.prev_hash), str(row.hash))


def _head_query() -> _AnySelect:
    return select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == HEAD_ID)


def _read_head(row: Any) -> AuditHead:
    if row is None:
        # Reported by verify as a truncated tail of every record: seq 0 says the log should be empty.
        return AuditHead(0, "")
    return AuditHead(int(row.seq), str(row.hash))


def _row_values(record: AuditRecord) -> dict[str, Any]:
    event = record.event
    return {
        "seq": record.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "resource": event.resource,
        "outcome": event.outcome.value,
        "reason": event.reason,
        "details": dict(event.details),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def _as_utc(value: Any) -> datetime:
    """SQLite gives back the text it stored (naive, UTC); PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise InputError("bad_audit_time", f"not a time: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _read_error(exc: SQLAlchemyError) -> StorageError:
    return StorageError("database_error", f"the audit log could not be read: {_reason(exc)}")


def _reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
