"""Issue 21: writers wait their turn, on every store; only a wait past the stated bound fails, clearly.

Before the fix, the embedded store answered a second writer "database is locked" at once: every write
transaction began DEFERRED, read, then asked for the write lock, which SQLite refuses without waiting when
another connection committed in between.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_fixtures import prepare
from cli_fixtures import write_ofac
from fault_fixtures import Load, cli, cruce_serve

from cruce.lists.base import load_list
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store
from cruce.storage.transactions import DatabaseBusyError

IMPORTS = 3


def _event(actor: str) -> AuditEvent:
    return AuditEvent(datetime.now(UTC), actor, "test", "r", Outcome.ALLOWED, "why")


def _import_args(files: list[Path]) -> list[str | Path]:
    return ["lists", "import", *files, "--list", "us-ofac-sdn"]


def test_concurrent_imports_all_land(tmp_path: Path, database_url: str) -> None:
    """Three `cruce lists import` of one list started together: three versions, no error."""
    files = write_ofac(tmp_path / "files", 2)
    env = {"CRUCE_DATABASE_URL": database_url}
    with ThreadPoolExecutor(IMPORTS) as pool:
        runs = list(pool.map(lambda _: cli(tmp_path / "data", *_import_args(files), env=env), range(IMPORTS)))
    for run in runs:
        assert run.returncode == 0, run.stderr + run.stdout
    with open_store(database_url) as store:
        versions = store.list_versions("us-ofac-sdn")
    assert sorted(v.version for v in versions) == [1, 2, 3]
    assert all(v.entity_count == versions[0].entity_count for v in versions)


def test_imports_land_while_serving_screenings(tmp_path: Path) -> None:
    """`cruce serve --workers 2` under screening load, imports alongside: all land, no screening fails."""
    node = prepare(tmp_path / "data")
    files = write_ofac(tmp_path / "files", 2)
    with (
        cruce_serve(node.settings.data_dir, workers=2) as (base, _),
        Load(base, node.headers("usa.officer")) as load,
    ):
        load.wait_for(20)
        with ThreadPoolExecutor(IMPORTS) as pool:
            runs = list(pool.map(lambda _: cli(node.settings.data_dir, *_import_args(files)), range(IMPORTS)))
        seen = len(load.statuses)
        load.wait_for(seen + 20)
    for run in runs:
        assert run.returncode == 0, run.stderr + run.stdout
        assert "database is locked" not in run.stderr + run.stdout
    assert not load.errors, load.errors[:3]
    with open_store(node.settings.resolved_database_url()) as store:
        assert len(store.list_versions("us-ofac-sdn")) == 1 + IMPORTS
        assert AuditLog.of(store).verify().ok


def test_a_wait_past_the_bound_is_a_clear_retryable_error(tmp_path: Path) -> None:
    """Another writer holds the lock longer than CRUCE_WRITE_WAIT_S: `database_busy`, nothing written."""
    url = f"sqlite:///{tmp_path / 'cruce.db'}"
    result = load_list("us-ofac-sdn", write_ofac(tmp_path / "files", 1))
    with open_store(url, write_wait_s=0.3) as store:
        holder = sqlite3.connect(tmp_path / "cruce.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # someone else's long write
        try:
            with pytest.raises(DatabaseBusyError) as caught:
                store.save_import(result)
            with pytest.raises(DatabaseBusyError):
                AuditLog.of(store).append(_event("t"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert caught.value.code == "database_busy"
        assert caught.value.details["retryable"] is True
        assert "database is locked" not in caught.value.message
        assert store.list_versions() == []
        store.save_import(result)  # its turn now
        assert len(store.list_versions()) == 1


def test_writers_in_threads_wait_for_each_other(tmp_path: Path, database_url: str) -> None:
    """Many threads appending and importing on one store at once: every write lands, the chain holds."""
    result = load_list("us-ofac-sdn", write_ofac(tmp_path / "files", 1))
    errors: list[BaseException] = []

    with open_store(database_url) as store, open_store(database_url) as other:

        def work(n: int) -> None:
            try:
                target = store if n % 2 else other  # two engines: two pools, as two processes would have
                if n % 3 == 0:
                    target.save_import(result)
                else:
                    AuditLog.of(target).append(_event(f"u{n}"))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[:3]
        assert len(store.list_versions()) == 4
        assert AuditLog.of(store).verify().ok
        assert AuditLog.of(store).head().seq == 8


BULK_CHUNKS = (
    "import sys, time; from cruce.storage.transactions import WriterLock\n"
    "lock = WriterLock(sys.argv[1])\n"
    "print('ready', flush=True)\n"
    "end = time.monotonic() + float(sys.argv[2])\n"
    "while time.monotonic() < end:\n"
    "    assert lock.acquire(30, bulk=True)\n"
    "    time.sleep(0.02)\n"  # one import chunk holding the lock
    "    lock.release()\n"  # and straight on to the next one: no pause at all
)


def test_a_waiting_writer_goes_before_the_next_import_chunk(tmp_path: Path) -> None:
    """A booth's write waits for at most the import chunk under way, never for a run of them."""
    import subprocess
    import sys
    import time

    from cruce.storage.transactions import WriterLock

    path = str(tmp_path / "cruce.db-writer.lock")
    importer = subprocess.Popen(
        [sys.executable, "-c", BULK_CHUNKS, path, "4"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert importer.stdout is not None and importer.stdout.readline().strip() == "ready"
        booth = WriterLock(path)
        waits = []
        time.sleep(0.2)
        for _ in range(25):
            started = time.monotonic()
            assert booth.acquire(30)
            waits.append(time.monotonic() - started)
            booth.release()
            time.sleep(0.03)
    finally:
        importer.wait(timeout=30)
    assert importer.returncode == 0
    # one 20 ms chunk plus polling and a busy machine's scheduling; a run of chunks would be 40 ms and up
    assert max(waits) < 0.045, f"waits in ms: {sorted(round(w * 1000) for w in waits)[-5:]}"
