"""Group commit for coroutines (`AuditAppender.append_async`, what `POST /api/v1/screen` awaits): events of
coroutines and threads share batches in one gap-free chain, in each caller's order, and a coroutine resumes
only once its record is committed (so a response never goes out ahead of its audit record)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection

from cruce.core.errors import InputError, StorageError
from cruce.sharing.audit import AuditEvent, AuditRecord, Outcome
from cruce.storage.alerts import AlertStore, NewAlert
from cruce.storage.audit import AuditAppender, AuditLog
from cruce.storage.store import Store, open_store

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def event(i: int, actor: str) -> AuditEvent:
    return AuditEvent(T0 + timedelta(seconds=i), actor, "screen", f"person:{actor} {i}", Outcome.ALLOWED)


class HeldLog(AuditLog):
    """Batches wait at `gate`; records which actors shared each committed batch; refuses actor 'refused'."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.gate = threading.Event()
        self.gate.set()
        self.batches: list[list[str]] = []

    def append_many(self, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        self.gate.wait(10)
        if any(e.actor == "refused" for e in events):
            raise StorageError("audit_append_failed", "refused for the test")
        records = super().append_many(events)
        self.batches.append([e.actor for e in events])
        return records


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        yield opened


def test_coroutines_and_threads_share_batches_in_one_gap_free_chain(store: Store) -> None:
    log = HeldLog(store.engine)
    appender = AuditAppender(log, max_batch=64)
    reader = AuditLog.of(store)
    coroutines, threads, each = 24, 4, 8
    seen: dict[str, list[int]] = {}

    async def booth(n: int) -> None:
        actor = f"coroutine-{n}"
        for i in range(each):
            record = await appender.append_async(event(i, actor))
            assert record.event == event(i, actor)
            # Acknowledged means committed: another connection reads it back now.
            assert reader.records(after_seq=record.seq - 1, limit=1) == [record]
            seen.setdefault(actor, []).append(record.seq)

    def clerk(n: int) -> None:
        actor = f"thread-{n}"
        for i in range(each):
            seen.setdefault(actor, []).append(appender.append(event(i, actor)).seq)

    async def main() -> None:
        log.gate.clear()  # the first batch is held: the others pile up behind it
        workers = [threading.Thread(target=clerk, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        asyncio.get_running_loop().call_later(0.3, log.gate.set)
        await asyncio.gather(*(booth(n) for n in range(coroutines)))
        for worker in workers:
            worker.join(30)

    asyncio.run(main())
    appender.close()
    stored = log.records()
    total = (coroutines + threads) * each
    assert log.verify().ok
    assert [r.seq for r in stored] == list(range(1, total + 1))  # no gap, no fork
    assert Counter(r.event.actor for r in stored) == {a: each for a in seen}
    for actor, seqs in seen.items():  # each caller's events in its own order, each stored once
        assert seqs == sorted(seqs)
        assert [r.event for r in stored if r.event.actor == actor] == [event(i, actor) for i in range(each)]
    assert len(log.batches) < total  # grouped...
    assert any(  # ...coroutines and threads in the same transactions
        {a.split("-")[0] for a in batch} == {"coroutine", "thread"} for batch in log.batches
    )


def test_a_coroutine_resumes_only_after_its_batch_has_committed(store: Store) -> None:
    log = HeldLog(store.engine)
    appender = AuditAppender(log)

    async def main() -> None:
        log.gate.clear()
        task = asyncio.create_task(appender.append_async(event(1, "booth")))
        await asyncio.sleep(0.3)
        assert not task.done()  # held: not acknowledged
        assert AuditLog.of(store).head().seq == 0
        log.gate.set()
        record = await asyncio.wait_for(task, 10)
        assert AuditLog.of(store).head().seq == record.seq == 1

    asyncio.run(main())
    appender.close()


def test_a_refused_event_fails_its_own_coroutine_alone(store: Store) -> None:
    log = HeldLog(store.engine)
    appender = AuditAppender(log)

    async def main() -> list[object]:
        log.gate.clear()
        tasks = [asyncio.create_task(appender.append_async(event(1, a))) for a in ("a", "refused", "b")]
        await asyncio.sleep(0.2)
        log.gate.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    a, refused, b = asyncio.run(main())
    assert isinstance(refused, StorageError) and refused.code == "audit_append_failed"
    assert isinstance(a, AuditRecord) and isinstance(b, AuditRecord)
    assert log.verify().ok and sorted(r.event.actor for r in log.records()) == ["a", "b"]
    appender.close()


def test_a_request_cancelled_while_waiting_still_gets_its_record_written(store: Store) -> None:
    """A client that hangs up does not take the audit record of what it was answered with it."""
    log = HeldLog(store.engine)
    appender = AuditAppender(log)

    async def main() -> None:
        log.gate.clear()
        task = asyncio.create_task(appender.append_async(event(1, "gone")))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        log.gate.set()

    asyncio.run(main())
    appender.close()  # writes what is queued
    assert [r.event.actor for r in log.records()] == ["gone"]


def test_after_close_a_coroutine_writes_its_own_event(store: Store) -> None:
    log = HeldLog(store.engine)
    appender = AuditAppender(log)
    appender.close()
    record = asyncio.run(appender.append_async(event(1, "late")))
    assert record.seq == 1 and log.verify().ok


def _alert(entity: str) -> NewAlert:
    return NewAlert(
        kind="screening", country="USA", person_fingerprint="fp-1", person={"name": "Probe"},
        entity_id=entity, entity_hash="h", entity_caption=entity, score=0.9, features=[], source="test",
        created_by="booth",
    )  # fmt: skip


def test_writes_join_the_batch_and_each_commits_with_its_record_or_fails_alone(store: Store) -> None:
    """`append_with_async` (a screening that raises alerts, on the API's loop): the alert and its record
    commit in the shared batch; a write that fails is undone and fails alone, the batch commits."""
    alerts = AlertStore(store.engine)
    held = threading.Lock()
    appender = AuditAppender(AuditLog(store.engine), lock=held)

    def broken(conn: Connection) -> list[tuple[str, bool]]:
        alerts.raising([_alert("entity:broken")])(conn)  # written, then undone with its savepoint
        raise InputError("bad_event", "refused for the test")

    def record_of(actor: str) -> Callable[[list[tuple[str, bool]]], AuditEvent]:
        return lambda raised: AuditEvent(T0, actor, "screen", "person:Probe", Outcome.ALLOWED, "",
                                         {"alerts": [a for a, _ in raised]})  # fmt: skip

    async def main() -> list[object]:
        first = asyncio.create_task(appender.append_async(event(0, "first")))
        await asyncio.sleep(0.2)  # the writer has taken the first alone
        held.acquire()  # the next batch waits here while the others queue behind it
        try:
            await first
            tasks = [
                asyncio.create_task(appender.append_with_async(alerts.raising([_alert("entity:a")]),
                                                               record_of("a"))),
                asyncio.create_task(appender.append_with_async(broken, record_of("broken"))),
                asyncio.create_task(appender.append_async(event(1, "plain"))),
            ]  # fmt: skip
            await asyncio.sleep(0.2)
            assert not any(task.done() for task in tasks)  # nothing acknowledged before its commit
        finally:
            held.release()
        return await asyncio.gather(*tasks, return_exceptions=True)

    with_alert, refused, plain = asyncio.run(main())
    appender.close()
    assert isinstance(refused, InputError) and refused.code == "bad_event"
    assert isinstance(plain, AuditRecord)
    assert isinstance(with_alert, tuple)
    (alert_id, new), record = with_alert[0][0], with_alert[1]
    assert new and record.event.details["alerts"] == [alert_id]
    assert alerts.alert(alert_id).entity_id == "entity:a"
    log = AuditLog.of(store)
    assert log.verify().ok
    assert [r.event.actor for r in log.records()] == ["first", "a", "plain"]  # nothing of `broken`
    assert record.seq + 1 == plain.seq
    listed = alerts.alerts_page("USA", after=None, limit=10)[0]
    assert [a.entity_id for a in listed] == ["entity:a"]  # the broken write left nothing


def test_an_alert_already_open_is_found_again_in_the_batch(store: Store) -> None:
    alerts = AlertStore(store.engine)
    appender = AuditAppender(AuditLog(store.engine))

    def record(raised: list[tuple[str, bool]]) -> AuditEvent:
        return AuditEvent(T0, "booth", "screen", "person:Probe", Outcome.ALLOWED, "", {"raised": raised})

    async def twice() -> list[tuple[list[tuple[str, bool]], AuditRecord]]:
        return [await appender.append_with_async(alerts.raising([_alert("entity:x")]), record) for _ in "ab"]

    (one, _), (two, _) = asyncio.run(twice())
    appender.close()
    assert one[0][1] is True and two == [(one[0][0], False)]
