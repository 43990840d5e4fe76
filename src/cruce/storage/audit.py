"""The audit log on the store's database: append records to the hash chain, list them, verify them.

`AuditLog(store.engine)` works on the engine `open_store` made (its migrations create the tables). The
chain itself (hashing, what counts as tampering) is `cruce.sharing.audit`; this module only keeps it.

Appending is one transaction: lock the head, insert the next records, move the head. The lock is what
keeps two processes appending at once from both chaining onto the same record (a fork): on PostgreSQL it is a
row lock (`SELECT ... FOR UPDATE`) on the single head row; on SQLite the transaction's first statement is a
write, which takes the database's one write lock before the head is read. The primary key on `seq` is the
backstop: a second record with the same seq is refused, never stored.

`AuditAppender` is group commit for a server: the events its threads append meanwhile are written together,
in arrival order, in one such transaction (the head moves once per batch), and each caller returns only when
its batch has committed, so an acknowledged event is in the log. The chain is the same as one transaction
per event would make; the head lock still orders batches across processes. Coroutines (the API's screening
route) await `append_async` instead: the event joins the same batches, and the coroutine resumes once the
batch has committed, with no thread of its own blocked meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, Select, String, Text, cast, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from cruce.core.clock import as_utc
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
from cruce.storage.errors import database_reason
from cruce.storage.tables import AuditHeadRow, AuditRecordRow, Base
from cruce.storage.transactions import DatabaseBusyError, WriterLock, begin_write, write_wait_s

if TYPE_CHECKING:
    from cruce.storage.store import Store

    _AnySelect = Select[*tuple[Any, ...]]

log = logging.getLogger(__name__)

T = TypeVar("T")

HEAD_ID = 1
DEFAULT_PAGE_SIZE = 1000
"""Records fetched per round trip while verifying; bounds memory on long logs."""
MAX_BATCH = 500
"""Events an `AuditAppender` writes in one transaction at most."""

_HEAD = Base.metadata.tables[AuditHeadRow.__tablename__]
_RECORDS = Base.metadata.tables[AuditRecordRow.__tablename__]
# Built once: statements on the tables (not the ORM attributes) are cheap to execute again and again.
_TAKE_HEAD_LOCK = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq)
_TAKE_AND_READ_HEAD = _TAKE_HEAD_LOCK.returning(_HEAD.c.seq, _HEAD.c.hash)
_READ_HEAD_FOR_UPDATE = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID).with_for_update()
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID)
_INSERT_RECORD = insert(_RECORDS)


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
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        """Chain `events`, in order, after the current head and store them in one transaction, all or none.

        The records are exactly those `append` would make one by one; the head moves once, to the last.
        """
        if not events:
            return []
        try:
            with begin_write(self.engine, "append to the audit log") as conn:
                records = self.append_on(conn, events)
        except SQLAlchemyError as exc:
            raise _append_error(exc) from exc
        _log_appended(records)
        return records

    def append_on(self, conn: Connection, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        """Chain `events` inside the caller's transaction on `conn`: they commit with the caller's own
        writes (a side effect and its audit record together, or neither). Takes the head lock, so keep the
        transaction short."""
        if not events:
            return []
        # Every statement is a round trip through the driver, which a busy server pays for twice
        # (the thread gives up the GIL and waits to get it back), so a batch makes as few as it can.
        if self._sqlite and conn.dialect.update_returning:  # known once connected
            # A write first: SQLite hands out its single write lock now (waiting up to busy_timeout),
            # so the head it returns cannot be overtaken by another appender.
            row = conn.execute(_TAKE_AND_READ_HEAD).first()
        else:
            if self._sqlite:  # SQLite before 3.35: the same write first, then the read
                conn.execute(_TAKE_HEAD_LOCK)
            row = conn.execute(_READ_HEAD_FOR_UPDATE).first()
        if row is None:
            raise StorageError(
                "audit_head_missing",
                "the audit log has lost its head row, so nothing can be appended; "
                "run `cruce audit verify` and restore the database from a backup",
            )
        head = AuditHead(int(row.seq), str(row.hash))
        records: list[AuditRecord] = []
        for event in events:
            record = chain_record(head, event)
            records.append(record)
            head = AuditHead(record.seq, record.hash)
        # executemany of one statement compiled once (SQLAlchemy caches it): a multi-row VALUES was compiled
        # afresh for every batch size, which cost more than the rows' driver steps (sqlite3's loop is C;
        # psycopg pipelines them).
        conn.execute(_INSERT_RECORD, [_row_values(r) for r in records])
        conn.execute(_MOVE_HEAD.values(seq=head.seq, hash=head.hash))
        return records

    # -- reading ---------------------------------------------------------------------------------------

    def head(self) -> AuditHead:
        """The last record's seq and hash as the head row records them."""
        try:
            with self.engine.connect() as conn:
                return _read_head(conn.execute(_head_query()).first())
        except SQLAlchemyError as exc:
            raise _read_error(exc) from exc

    def records(
        self,
        after_seq: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        country: str | None = None,
    ) -> list[AuditRecord]:
        """Records in seq order, those after `after_seq` only, at most `limit`, of `actor` only, and of
        `country` only (the partition a country's auditor reads)."""
        query = self._records_query().order_by(AuditRecordRow.seq)
        if after_seq is not None:
            query = query.where(AuditRecordRow.seq > after_seq)
        if actor is not None:
            query = query.where(AuditRecordRow.actor == actor)
        if country is not None:
            query = query.where(AuditRecordRow.country == country)
        if limit is not None:
            query = query.limit(limit)
        return self._fetch(query)

    def latest(
        self, limit: int, *, actor: str | None = None, country: str | None = None
    ) -> list[AuditRecord]:
        """The newest `limit` records (of `actor` and of `country` only, if given), oldest first."""
        query = self._records_query().order_by(AuditRecordRow.seq.desc()).limit(limit)
        if actor is not None:
            query = query.where(AuditRecordRow.actor == actor)
        if country is not None:
            query = query.where(AuditRecordRow.country == country)
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
            cast(t.details, Text).label("details"), t.prev_hash, t.hash, t.country,
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
                country=row.country,
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


class _Pending:
    """One caller's event waiting for its batch to commit: a thread blocked on `done`, or a coroutine
    awaiting `future` on `loop`. With `write`, the event is `make(write(conn))`, made inside the batch's
    transaction after the caller's own writes (`AuditAppender.append_with`), and `value` is what `write`
    returned."""

    __slots__ = ("done", "error", "event", "future", "loop", "make", "record", "value", "write")

    def __init__(
        self,
        event: AuditEvent | None,
        future: asyncio.Future[None] | None = None,
        write: Callable[[Connection], Any] | None = None,
        make: Callable[[Any], AuditEvent] | None = None,
    ) -> None:
        self.event = event
        self.future = future
        self.loop = future.get_loop() if future is not None else None
        self.done = threading.Event() if future is None else None
        self.write = write
        self.make = make
        self.value: Any = None
        self.record: AuditRecord | None = None
        self.error: BaseException | None = None

    def settle(self, record: AuditRecord | None = None, error: BaseException | None = None) -> None:
        """Record the outcome; a blocked thread wakes now, a coroutine when `_wake_loops` says so."""
        self.record, self.error = record, error
        if self.done is not None:
            self.done.set()


def _wake_loops(batch: list[_Pending]) -> None:
    """Resolve the futures of a settled batch: one wake-up per event loop, not one per event."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for pending in batch:
        if pending.loop is not None and pending.future is not None:
            by_loop.setdefault(pending.loop, []).append(pending.future)
    for loop, futures in by_loop.items():
        with suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_resolve, futures)


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():  # a cancelled waiter (client gone) is skipped; its record is written
            future.set_result(None)


class AuditAppender:
    """Group commit onto an `AuditLog`: concurrent `append` calls share one transaction per batch.

    One writer thread (started on the first append) takes every event queued since its last commit, up to
    `max_batch`, in arrival order, and appends them with `AuditLog.append_many`; `append` returns once its
    event's batch has committed (or raises the batch's error), so what it acknowledges is in the log. A
    batch that fails is retried event by event, so one unstorable event fails alone. `lock` is held around
    each transaction (the in-process writer lock that SQLite needs). Thread-safe; `append_async` is the same
    for a coroutine. After `close`, appends are written directly by their callers.
    """

    def __init__(
        self,
        audit: AuditLog,
        *,
        lock: AbstractContextManager[Any] | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.audit = audit
        self._lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()
        self._max_batch = max_batch
        self._queue: deque[_Pending] = deque()
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False

    def append(self, event: AuditEvent) -> AuditRecord:
        """Append `event` in the next batch; returns its record once the batch has committed."""
        pending = _Pending(event)
        if not self._enqueue(pending):
            self._write([pending])
        assert pending.done is not None
        pending.done.wait()
        return _outcome(pending)

    async def append_with_async(
        self, write: Callable[[Connection], T], make: Callable[[T], AuditEvent]
    ) -> tuple[T, AuditRecord]:
        """A write and its audit record in the next batch: `write(conn)` runs in the batch's transaction (in
        a savepoint of its own, so a write that fails is undone and fails alone), then `make(value)` gives
        its record. Returns `write`'s value and the record once the batch has committed: the write and its
        record commit together or not at all, and a caller that writes (a screening raising alerts) waits
        for no writer lock of its own."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending = _Pending(None, future, write, make)
        if not self._enqueue(pending):
            await asyncio.to_thread(self._write, [pending])
        await asyncio.shield(future)
        return pending.value, _outcome(pending)

    async def append_async(self, event: AuditEvent) -> AuditRecord:
        """`append` for a coroutine: the event loop goes on serving while the batch commits, and this
        returns (or raises) only once it has, so a response sent after it is never ahead of its record."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending = _Pending(event, future)
        if not self._enqueue(pending):
            await asyncio.to_thread(self._write, [pending])
        # Shielded: a cancelled request (client gone) leaves its event queued, and it is written anyway.
        await asyncio.shield(future)
        return _outcome(pending)

    def _enqueue(self, pending: _Pending) -> bool:
        """Queue for the writer thread (started on first use); False once closed (the caller writes)."""
        with self._wake:
            if self._closed:
                return False
            self._queue.append(pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cruce-audit", daemon=True)
                self._thread.start()
            self._wake.notify()
        return True

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, stop the writer thread; later appends are written by their callers."""
        with self._wake:
            self._closed = True
            thread = self._thread
            self._wake.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if not self._queue:
                    return  # closed, and everything queued is written
            # The batch is taken once the writer lock is held: what arrived while another process's writer
            # held it joins this transaction instead of waiting for the lock again in the next one (two
            # server processes had each committed small batches, taking turns at the lock).
            locked = self._take_lock()
            try:
                with self._wake:
                    batch = [self._queue.popleft() for _ in range(min(len(self._queue), self._max_batch))]
                self._write(batch, holding=locked)
            finally:
                if locked:
                    self._lock.__exit__(None, None, None)

    def _take_lock(self) -> bool:
        """The writer lock, if it can be had; False leaves `_commit` to take it and report why it cannot.

        A `WriterLock` is taken in turn: writers already waiting in other processes (another server
        worker's audit writer) go first, briefly, so that two processes' writers alternate."""
        if isinstance(self._lock, WriterLock):
            return self._lock.acquire(write_wait_s(self.audit.engine), turn=True)
        try:
            self._lock.__enter__()
        except CruceError:
            return False
        return True

    def _write(self, batch: list[_Pending], *, holding: bool = False) -> None:
        """Commit `batch` and wake its coroutines; `holding`: this thread holds the writer lock already (a
        lock need not be re-entrant)."""
        try:
            self._commit(batch, holding=holding)
        finally:
            _wake_loops(batch)

    def _commit(self, batch: list[_Pending], *, holding: bool = False) -> None:
        try:
            with nullcontext() if holding else self._lock:
                if any(p.write is not None for p in batch):
                    batch, records = self._commit_with_writes(batch)
                else:
                    records = self.audit.append_many([p.event for p in batch if p.event is not None])
        except CruceError as exc:
            busy = isinstance(exc, DatabaseBusyError) or isinstance(exc.__cause__, OperationalError)
            if len(batch) > 1 and not busy:
                # The database refused a value: one event it cannot store must not fail the others. (Not
                # when it is locked or gone: then every event would wait out the same failure in turn.)
                for pending in batch:
                    self._commit([pending], holding=holding)
                return
            for pending in batch:  # each waiter raises an error of its own, caused by the batch's
                error = exc if len(batch) == 1 else StorageError(exc.code, exc.message, exc.details)
                if error is not exc:
                    error.__cause__ = exc
                pending.settle(error=error)
            return
        except BaseException as exc:  # a bug: every waiter hears of it, and the writer goes on
            log.exception("audit_batch_failed events=%d", len(batch))
            for pending in batch:
                pending.settle(
                    error=StorageError("audit_append_failed", f"could not append to the audit log: {exc!r}")
                )
            return
        for pending, record in zip(batch, records, strict=True):
            pending.settle(record)

    def _commit_with_writes(self, batch: list[_Pending]) -> tuple[list[_Pending], list[AuditRecord]]:
        """One transaction: each pending write in a savepoint, then every event chained; the pendings whose
        write failed are settled with their error (nothing of theirs is kept) and left out of the answer."""
        kept: list[_Pending] = []
        try:
            with begin_write(self.audit.engine, "append to the audit log") as conn:
                for pending in batch:
                    if pending.write is not None and pending.make is not None:
                        try:
                            with conn.begin_nested():
                                pending.value = pending.write(conn)
                                pending.event = pending.make(pending.value)
                        except (CruceError, SQLAlchemyError) as exc:
                            pending.settle(error=exc if isinstance(exc, CruceError) else _write_error(exc))
                            continue
                    kept.append(pending)
                records = self.audit.append_on(conn, [p.event for p in kept if p.event is not None])
        except SQLAlchemyError as exc:
            raise _append_error(exc) from exc
        _log_appended(records)
        return kept, records


def _log_appended(records: Sequence[AuditRecord]) -> None:
    if log.isEnabledFor(logging.INFO):
        for record in records:
            event = record.event
            log.info(
                "audit_appended seq=%d actor=%s action=%s outcome=%s",
                record.seq,
                event.actor,
                event.action,
                event.outcome.value,
            )


def _append_error(exc: SQLAlchemyError) -> StorageError:
    """What an append that the database refused tells its callers."""
    if isinstance(exc, IntegrityError):
        return StorageError(
            "audit_append_conflict",
            "could not append to the audit log: a record with the next number already exists, so the "
            f"head is behind the records; run `cruce audit verify`: {database_reason(exc)}",
        )
    return StorageError("audit_append_failed", f"could not append to the audit log: {database_reason(exc)}")


def _write_error(exc: SQLAlchemyError) -> StorageError:
    error = StorageError("database_error", f"could not write: {database_reason(exc)}")
    error.__cause__ = exc
    return error


def _outcome(pending: _Pending) -> AuditRecord:
    if pending.error is not None:
        raise pending.error
    assert pending.record is not None  # settled with a record or an error
    return pending.record


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
        "country": event.country,
    }


def _as_utc(value: Any) -> datetime:
    """SQLite gives back the text it stored (naive, UTC); PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise InputError("bad_audit_time", f"not a time: {value!r}")
    return as_utc(value)


def _read_error(exc: SQLAlchemyError) -> StorageError:
    return StorageError("database_error", f"the audit log could not be read: {database_reason(exc)}")
