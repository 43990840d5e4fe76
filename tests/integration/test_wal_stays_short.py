"""Issue 14: the embedded store's write-ahead log stays short under writes that never pause.

Before the fix, checkpoints were PASSIVE only. SQLite rewinds the log only when a writer finds every frame
already copied, and under continuous writes some writer always got in first: the `-wal` file and every
process's mapping of its index (`-shm`) grew for as long as the server ran (memory not flat).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from cruce.storage import transactions
from cruce.storage.store import open_store
from cruce.storage.transactions import Checkpointer, begin_write, writer_lock

BODY = 1500
"""Bytes per scratch row: with its page overhead, about one WAL frame per committed row."""


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"sqlite:///{tmp_path / 'cruce.db'}")
    with begin_write(store.engine) as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB)")
    try:
        yield store.engine
    finally:
        store.close()


def _wal(engine: Engine) -> Path:
    return Path(f"{engine.url.database}-wal")


def _write_rows(engine: Engine, count: int) -> None:
    for _ in range(count):
        with begin_write(engine) as conn:
            conn.execute(text("INSERT INTO scratch (body) VALUES (:b)"), {"b": os.urandom(BODY)})


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM scratch").scalar() or 0)


def test_a_short_log_is_left_to_the_passive_checkpoint(engine: Engine) -> None:
    _write_rows(engine, 50)
    Checkpointer(engine, reset_frames=10_000).checkpoint()
    assert _wal(engine).stat().st_size > 50 * BODY  # copied, not emptied: no reason to take the lock
    assert _rows(engine) == 50


def test_a_long_log_is_emptied_and_nothing_is_lost(engine: Engine) -> None:
    _write_rows(engine, 300)
    assert _wal(engine).stat().st_size > 300 * BODY
    Checkpointer(engine, reset_frames=100).checkpoint()
    assert _wal(engine).stat().st_size == 0
    assert _rows(engine) == 300
    _write_rows(engine, 5)  # writes go on in the emptied log
    assert _rows(engine) == 305


def test_a_reset_waits_for_the_writer_lock_and_gives_way(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reset is a writer like any other: while another writer holds the lock it leaves the log alone."""
    monkeypatch.setattr(transactions, "RESET_LOCK_WAIT_S", 0.2)
    _write_rows(engine, 300)
    lock = writer_lock(engine)
    assert lock is not None
    held = threading.Event()
    done = threading.Event()

    def hold() -> None:
        assert lock.acquire(5.0)
        held.set()
        done.wait(10)
        lock.release()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        assert Checkpointer(engine, reset_frames=100).reset() is False
        assert _wal(engine).stat().st_size > 300 * BODY
    finally:
        done.set()
        holder.join()
    assert Checkpointer(engine, reset_frames=100).reset() is True
    assert _wal(engine).stat().st_size == 0


def test_the_log_stays_short_under_writes_that_never_pause(engine: Engine) -> None:
    """Two writers and a reader without a pause, the checkpointer every 20 ms: the log is bounded.

    Without the reset the log only grows: it ends at least as long as everything written (12 MB here).
    """
    rows_each = 4000
    reset_frames = 256  # about 1 MB
    checkpoints = Checkpointer(engine, reset_frames=reset_frames)
    stop = threading.Event()
    longest = 0

    def read() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                conn.execute(text("SELECT body FROM scratch WHERE id = :i"), {"i": 1}).scalar()

    def checkpoint() -> None:
        while not stop.is_set():
            time.sleep(0.02)
            checkpoints.checkpoint()

    def watch() -> None:
        nonlocal longest
        while not stop.is_set():
            longest = max(longest, _wal(engine).stat().st_size)
            time.sleep(0.005)

    writers = [threading.Thread(target=_write_rows, args=(engine, rows_each)) for _ in range(2)]
    helpers = [threading.Thread(target=f) for f in (read, checkpoint, watch)]
    for thread in helpers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in helpers:
        thread.join()
    written = 2 * rows_each * BODY
    assert _rows(engine) == 2 * rows_each
    assert longest < written / 2, f"the log reached {longest} bytes for {written} bytes written"
