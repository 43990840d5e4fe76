"""The audit log on real SQLite and real PostgreSQL: append and verify, tampering through SQL, concurrency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from cruce.sharing.audit import GENESIS, AuditEvent, Outcome
from cruce.storage.audit import AuditLog
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
