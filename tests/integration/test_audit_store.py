"""The audit log on real SQLite and real PostgreSQL: append and verify, tampering through SQL, concurrency."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from cruce.core.errors import StorageError
from cruce.sharing.audit import GENESIS, AuditEvent, AuditRecord, Outcome
from cruce.storage.audit import AuditAppender, AuditLog
from cruce.storage.store import Store, create_database_engine, open_store
from cruce.storage.tables import Base

T0 = datetime(2026, 1, 20, 9, 30, 0, 123456, tzinfo=UTC)


def event(i: int, actor: str = "analyst.usa") -> AuditEvent:
    return AuditEvent(
        at=T0 + timedelta(minutes=i),
        actor=actor,
        action="release" if i % 3 == 0 else "read",
        resource=f"report:2026-{i:04d}",
        outcome=Outcome.DENIED if i % 4 == 0 else Outcome.ALLOWED,
        reason=f"reason {i}: clearance CONFIDENTIAL is below the product's SECRET",
        # Values a careless JSON column would change on the way back: big floats, accents, nesting, None.
        details={"partner": "MEX", "score": 1e20, "ratio": 0.1, "note": "Culiacán ☃", "n": [i, None]},
    )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        yield opened


def filled(store: Store, n: int = 6) -> AuditLog:
    log = AuditLog.of(store)
    for i in range(1, n + 1):
        log.append(event(i, actor="officer.mex" if i == 2 else "analyst.usa"))
    return log


def tamper(engine: Engine, *statements: str) -> None:
    """Run raw SQL as an intruder with database access would, switching PostgreSQL's guard off first."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(text(statement))
        if postgres:
            conn.execute(text("ALTER TABLE audit_records ENABLE TRIGGER USER"))


def test_migration_creates_the_audit_tables_as_declared(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) >= "0002"
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diffs == []
    log = AuditLog.of(store)
    assert (log.head().seq, log.head().hash) == (0, GENESIS)
    assert log.verify().ok and log.verify().checked == 0


def test_appended_records_come_back_exactly_and_verify(store: Store) -> None:
    log = filled(store)
    records = log.records()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r.event for r in records] == [
        event(i, actor="officer.mex" if i == 2 else "analyst.usa") for i in range(1, 7)
    ]
    assert records[0].event.at == T0 + timedelta(minutes=1)  # microseconds and UTC survive the round trip
    assert [r.seq for r in log.records(after_seq=4)] == [5, 6]
    assert [r.seq for r in log.records(limit=2)] == [1, 2]
    assert [r.seq for r in log.latest(2)] == [5, 6]
    assert [r.seq for r in log.latest(20, actor="officer.mex")] == [2]
    result = log.verify()
    assert result.ok and result.checked == 6 and result.problems == ()
    assert result.head == log.head() and log.head().hash == records[-1].hash


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (["UPDATE audit_records SET reason = 'nothing to see' WHERE seq = 3"], [(3, "altered")]),
        (["UPDATE audit_records SET outcome = 'allowed' WHERE seq = 4"], [(4, "altered")]),
        (["UPDATE audit_records SET actor = 'someone' WHERE seq = 1"], [(1, "altered")]),
        (["UPDATE audit_records SET details = '[1]' WHERE seq = 5"], [(5, "altered")]),
        (["DELETE FROM audit_records WHERE seq = 3"], [(3, "record 3 is missing")]),
        (
            # Reorder: records 3 and 4 swap places by swapping their numbers.
            [
                "UPDATE audit_records SET seq = -3 WHERE seq = 3",
                "UPDATE audit_records SET seq = 3 WHERE seq = 4",
                "UPDATE audit_records SET seq = 4 WHERE seq = -3",
            ],
            [
                (3, "record 3 was altered"),
                (3, "record 3 does not follow record 2"),
                (4, "record 4 was altered"),
                (4, "record 4 does not follow record 3"),
                (5, "record 5 does not follow record 4"),
            ],
        ),
        (["DELETE FROM audit_records WHERE seq >= 5"], [(5, "records 5 to 6 are missing from the end")]),
        (["UPDATE audit_head SET seq = 4"], [(5, "records 5 to 6 are beyond the head")]),
    ],
    ids=["reason", "outcome", "actor", "details", "delete", "reorder", "truncate", "head"],
)
def test_tampering_through_sql_is_reported(
    store: Store, statements: list[str], expected: list[tuple[int, str]]
) -> None:
    log = filled(store)
    tamper(store.engine, *statements)
    result = log.verify()
    assert not result.ok
    found = [(p.seq, p.problem) for p in result.problems]
    assert [seq for seq, _ in found] == [seq for seq, _ in expected], found
    for (_, problem), (_, fragment) in zip(found, expected, strict=True):
        assert fragment in problem


@pytest.mark.postgres
def test_postgres_refuses_to_change_or_remove_audit_records(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        filled(store, 3)
        for statement in (
            "UPDATE audit_records SET reason = 'x' WHERE seq = 2",
            "DELETE FROM audit_records WHERE seq = 2",
            "TRUNCATE audit_records",
            "DELETE FROM audit_head",
        ):
            with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
                conn.execute(text(statement))
        assert AuditLog.of(store).verify().ok


def test_concurrent_appenders_never_fork_the_chain(database_url: str) -> None:
    """Four workers, each with its own engine as separate processes would have, append 50 records each."""
    workers, each = 4, 50
    open_store(database_url).close()  # migrate once

    def work(worker: int) -> None:
        engine = create_database_engine(database_url)
        try:
            log = AuditLog(engine)
            for i in range(each):
                log.append(event(i, actor=f"worker-{worker}"))
        finally:
            engine.dispose()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(workers)))
    with open_store(database_url) as store:
        log = AuditLog.of(store)
        result = log.verify()
        records = log.records()
    assert result.ok, result.problems
    assert result.checked == workers * each
    assert [r.seq for r in records] == list(range(1, workers * each + 1))
    assert Counter(r.event.actor for r in records) == {f"worker-{w}": each for w in range(workers)}


class CountingLog(AuditLog):
    """An AuditLog that remembers the size of each batch it wrote, and refuses events of actor `refused`."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.batches: list[int] = []
        self.attempts: list[int] = []
        self.gate = threading.Event()
        self.gate.set()

    def append_many(self, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        self.gate.wait(10)
        self.attempts.append(len(events))
        if any(e.actor == "refused" for e in events):
            raise StorageError("audit_append_failed", "refused for the test")
        if any(e.actor == "locked" for e in events):
            locked = OperationalError("INSERT", {}, Exception("database is locked"))
            raise StorageError("audit_append_failed", "the database is locked") from locked
        records = super().append_many(events)
        self.batches.append(len(records))
        return records


def test_append_many_chains_exactly_as_appending_one_by_one(
    store: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    events = [event(i) for i in range(1, 8)]
    batched = AuditLog.of(store)
    assert batched.append_many([]) == []
    records = batched.append_many(events[:3]) + batched.append_many(events[3:])
    with open_store(f"sqlite:///{tmp_path_factory.mktemp('one') / 'cruce.db'}") as other:
        one_by_one = [AuditLog.of(other).append(e) for e in events]
    assert records == one_by_one  # same seq, prev_hash and hash: the chain format does not change
    assert batched.records() == records
    assert batched.verify().ok and batched.head().seq == 7


def test_concurrent_appends_are_batched_into_one_gap_free_chain(database_url: str) -> None:
    """Threads of one server append at once: they share transactions, and each gets back its own record."""
    threads, each = 16, 25
    with open_store(database_url) as store:
        log = CountingLog(store.engine)
        appender = AuditAppender(log, max_batch=64)
        acknowledged: list[AuditRecord] = []
        lock = threading.Lock()
        start = threading.Barrier(threads)

        def work(worker: int) -> None:
            start.wait()
            for i in range(each):
                record = appender.append(event(i, actor=f"worker-{worker}"))
                assert record.event == event(i, actor=f"worker-{worker}")
                with lock:
                    acknowledged.append(record)

        log.gate.clear()  # hold the first batch so that the others pile up behind it
        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(work, w) for w in range(threads)]
            threading.Timer(0.3, log.gate.set).start()
            for future in futures:
                future.result()
        appender.close()
        stored = log.records()
        result = log.verify()
    assert result.ok, result.problems
    assert [r.seq for r in stored] == list(range(1, threads * each + 1))  # no gap, no fork
    assert sorted(acknowledged, key=lambda r: r.seq) == stored  # every acknowledged record, as stored
    assert Counter(r.event.actor for r in stored) == {f"worker-{w}": each for w in range(threads)}
    for w in range(threads):  # each thread's events in the order it appended them
        mine = [r.event for r in stored if r.event.actor == f"worker-{w}"]
        assert mine == [event(i, actor=f"worker-{w}") for i in range(each)]
    assert sum(log.batches) == threads * each
    assert max(log.batches) > 1 and len(log.batches) < threads * each  # appends really were grouped


def test_batches_of_several_appenders_never_fork_the_chain(database_url: str) -> None:
    """Two appenders on their own engines, as two server workers are: the head lock orders their batches."""
    open_store(database_url).close()
    engines = [create_database_engine(database_url) for _ in range(2)]
    appenders = [AuditAppender(AuditLog(engine)) for engine in engines]
    try:
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(lambda n: [appenders[n % 2].append(event(i, f"w{n}")) for i in range(30)], range(8))
            )
    finally:
        for appender in appenders:
            appender.close()
        for engine in engines:
            engine.dispose()
    with open_store(database_url) as store:
        log = AuditLog.of(store)
        result = log.verify()
        assert result.ok, result.problems
        assert [r.seq for r in log.records()] == list(range(1, 8 * 30 + 1))


def run_held_batches(appender: AuditAppender, log: CountingLog, actors: Sequence[str]) -> dict[str, str]:
    """The first actor's event alone in a batch held at the gate, the others queued behind it as one."""
    outcomes: dict[str, str] = {}

    def work(actor: str) -> None:
        try:
            outcomes[actor] = f"seq {appender.append(event(1, actor=actor)).seq}"
        except StorageError as exc:
            outcomes[actor] = exc.code

    log.gate.clear()
    first = threading.Thread(target=work, args=(actors[0],))
    first.start()
    time.sleep(0.2)
    rest = [threading.Thread(target=work, args=(actor,)) for actor in actors[1:]]
    for worker in rest:
        worker.start()
    time.sleep(0.2)
    log.gate.set()
    for worker in (first, *rest):
        worker.join(30)
    return outcomes


def test_a_refused_event_fails_alone_and_the_others_are_stored(store: Store) -> None:
    log = CountingLog(store.engine)
    appender = AuditAppender(log)
    outcomes = run_held_batches(appender, log, ["a", "b", "refused", "c", "d"])
    assert log.attempts[:2] == [1, 4]  # the batch with the refused event was tried whole first
    assert outcomes["refused"] == "audit_append_failed"
    assert sorted(v for k, v in outcomes.items() if k != "refused") == ["seq 1", "seq 2", "seq 3", "seq 4"]
    assert log.verify().ok and sorted(r.event.actor for r in log.records()) == ["a", "b", "c", "d"]
    appender.close()
    assert appender.append(event(9, actor="late")).seq == 5  # after close: written by the caller


def test_a_locked_database_fails_the_batch_once_not_event_by_event(store: Store) -> None:
    log = CountingLog(store.engine)
    appender = AuditAppender(log)
    outcomes = run_held_batches(appender, log, ["a", "b", "locked", "c"])
    assert log.attempts == [1, 3]  # no retry of each event: each would wait out the same lock
    assert outcomes == {"a": "seq 1", "b": "audit_append_failed", "locked": "audit_append_failed",
                        "c": "audit_append_failed"}  # fmt: skip
    assert log.verify().ok and [r.event.actor for r in log.records()] == ["a"]
    appender.close()


def test_appends_wait_for_their_commit(store: Store) -> None:
    """`append` returns only after the transaction holding its event has committed."""
    log = CountingLog(store.engine)
    appender = AuditAppender(log)
    log.gate.clear()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (appender.append(event(1)), done.set()))
    worker.start()
    assert not done.wait(0.3)  # the batch is held: not acknowledged
    assert AuditLog.of(store).head().seq == 0
    log.gate.set()
    assert done.wait(10)
    assert AuditLog.of(store).head().seq == 1
    worker.join()
    appender.close()
