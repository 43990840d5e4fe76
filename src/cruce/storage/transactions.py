"""Write transactions that wait their turn: the one way every store begins a write.

SQLite has one writer at a time. pysqlite's (and cruce's former) `BEGIN` is DEFERRED: the transaction
reads under a shared lock and asks for the write lock only at its first write. If another connection
committed in between, SQLite answers that upgrade with SQLITE_BUSY ("database is locked") at once, without
calling the busy handler, whatever the busy timeout: waiting could never help, as the reader's snapshot is
stale. That was issue 21 (imports failing while `cruce serve` wrote alerts and audit records).

So every write here begins with `BEGIN IMMEDIATE`: the write lock is taken first, waiting at most
`write_wait_s` (SQLite's busy timeout, set on every connection), and whatever the transaction reads after
that is current. Reads keep plain deferred transactions and, under WAL, never wait for a writer.

Inside one process, and among the processes serving one database file, writers also queue on a
`WriterLock` (a thread lock and an `flock` beside the database), because SQLite's busy handler sleeps up to
100 ms between tries: queued writers start as soon as the lock is free, which is what keeps a booth's
screening latency flat while an import writes in short transactions. Long writes take it as *bulk*
writers: before each of their short transactions they let every writer already waiting go first (see
`WriterLock`), so a booth waits for at most one import chunk, never for a run of them.

On PostgreSQL writers wait on row locks; `lock_timeout` (set per connection to the same bound) turns a wait
past it into the same clear, retryable `database_busy` error.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from cruce.core.errors import StorageError

log = logging.getLogger(__name__)

DEFAULT_WRITE_WAIT_S = 30.0
"""How long a writer waits for its turn before it gives up with a retryable `database_busy` error."""

WRITE_OPTION = "cruce_write"
"""Execution option marking a connection whose transactions begin with BEGIN IMMEDIATE (SQLite)."""

# flock is polled (a blocking flock could not honour the bound): finely at first, since the holder is most
# often a group commit of a fraction of a millisecond, and every poll missed left a serving process idle (a
# 2 ms poll halved a two-process server's throughput); coarser once the wait is long (an import's chunk).
_POLL_STEPS = ((0.002, 0.00005), (0.02, 0.0002), (0.2, 0.001))
"""(waited so far under, sleep between polls) in order; past the last, `_POLL_LONG_S`."""
_POLL_LONG_S = 0.002


def _poll_sleep(waited_s: float) -> float:
    """How long to sleep before the next poll of the file lock, having waited `waited_s` already."""
    for below, sleep_s in _POLL_STEPS:
        if waited_s < below:
            return sleep_s
    return _POLL_LONG_S


TURN_DEFER_S = 0.005
"""Longest a writer taking its turn again lets writers waiting in other processes go first (`WriterLock`)."""
BULK_DEFER_S = 0.25
"""Longest a bulk writer lets waiting writers go first before it takes its turn anyway (no starvation)."""


class DatabaseBusyError(StorageError):
    """Another writer held the database longer than the stated bound; nothing was written; retry."""

    def __init__(self, what: str, wait_s: float) -> None:
        super().__init__(
            "database_busy",
            f"could not {what}: another writer held the database for more than {wait_s:g} s "
            "(CRUCE_WRITE_WAIT_S); nothing was written, retry",
            {"retryable": True, "wait_s": wait_s},
        )


class WriterLock:
    """One writer at a time per database file: a re-entrant thread lock, then an exclusive `flock` on
    `<database>-writer.lock` (shared by every cruce process on that file). Waits are bounded.

    Only a queue in front of SQLite's own lock, which is what keeps writes apart: a writer that does not
    take it still waits in SQLite's busy handler. Where there is no file to lock (in-memory database, no
    `fcntl`, read-only directory) it is the thread lock alone.

    Priority: a writer that finds the lock taken holds a shared `flock` on `<database>-writer.wait` (and
    counts itself in this process) while it waits. A *bulk* writer (an import chunk) first waits, up to
    `BULK_DEFER_S`, until nobody is waiting: without it the importer, polling less often than it releases,
    took the lock again ahead of a booth over and over, and the booth's screening waited for several chunks.
    """

    def __init__(self, path: str | None) -> None:
        self._thread_lock = threading.RLock()
        self._path = path
        self._fd: int | None = None
        self._depth = 0  # re-entries by the owning thread; the flock is taken on the first only
        self._locked = False
        self._wait_fd: int | None = None
        self._waiting = 0  # threads of this process waiting for a normal (non-bulk) turn
        self._waiting_guard = threading.Lock()

    def acquire(self, timeout: float, *, bulk: bool = False, turn: bool = False) -> bool:
        """Take the lock within `timeout` seconds; False (nothing held) when the wait ran out.

        `bulk`: let writers already waiting (in any process) go first, for at most `BULK_DEFER_S`.
        `turn`: the same courtesy for at most `TURN_DEFER_S`, for a writer that takes the lock again and
        again (a server's audit writer): without it, the process that had just released the lock took it
        again while the other one was between polls, and that one's booths waited for many commits.
        """
        deadline = time.monotonic() + timeout
        if turn and self._depth == 0:
            self._defer_to_waiters(min(deadline, time.monotonic() + TURN_DEFER_S))
        if bulk:
            self._defer_to_waiters(min(deadline, time.monotonic() + BULK_DEFER_S))
            got = self._thread_lock.acquire(timeout=max(deadline - time.monotonic(), 0.0))
        else:
            got = self._thread_lock.acquire(blocking=False)
            if not got:
                with self._waiting_guard:
                    self._waiting += 1
                try:
                    got = self._thread_lock.acquire(timeout=max(timeout, 0.0))
                finally:
                    with self._waiting_guard:
                        self._waiting -= 1
        if not got:
            return False
        if self._depth == 0:
            try:
                self._locked = self._lock_file(deadline, announce=not bulk)
            except BaseException:
                self._thread_lock.release()
                raise
            if self._path is not None and not self._locked:
                self._thread_lock.release()
                return False
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._locked and self._fd is not None:
                import fcntl

                self._locked = False
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def __enter__(self) -> None:
        if not self.acquire(DEFAULT_WRITE_WAIT_S):
            raise DatabaseBusyError("take the writer lock", DEFAULT_WRITE_WAIT_S)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def _lock_file(self, deadline: float, *, announce: bool) -> bool:
        """The flock, polled until `deadline`; False if it stayed taken (or the file lock is unusable).

        `announce`: while waiting, hold the shared lock on the wait file, so bulk writers let us go first.
        """
        if self._path is None:
            return False
        try:
            import fcntl

            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            started = time.monotonic()
            announced = False
            try:
                while True:
                    try:
                        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        return True
                    except BlockingIOError:
                        now = time.monotonic()
                        if now >= deadline:
                            return False
                        if announce and not announced:
                            announced = self._announce(fcntl.LOCK_SH | fcntl.LOCK_NB)
                        # A bulk writer (`announce` off) polls coarsely: polling as finely as the booths'
                        # writers, an import won the lock back from them between its chunks.
                        time.sleep(_poll_sleep(now - started) if announce else _POLL_LONG_S)
            finally:
                if announced and self._wait_fd is not None:
                    fcntl.flock(self._wait_fd, fcntl.LOCK_UN)
        except (ImportError, OSError) as exc:
            log.warning("writer_lock_unavailable path=%s reason=%s", self._path, exc)
            self._path = None  # the thread lock alone from now on
            return False

    def _announce(self, operation: int) -> bool:
        """`flock(operation)` on the wait file; False when it is taken (or unusable: no priority then)."""
        import fcntl

        if self._path is None:
            return False
        try:
            if self._wait_fd is None:
                self._wait_fd = os.open(f"{self._path[: -len('.lock')]}.wait", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._wait_fd, operation)
            return True
        except OSError:
            return False

    def _defer_to_waiters(self, until: float) -> None:
        """A bulk writer's courtesy: return once no writer waits (in any process), or at `until`."""
        started = time.monotonic()
        while (now := time.monotonic()) < until:
            if self._waiting == 0:
                if self._path is None:
                    return
                try:
                    import fcntl
                except ImportError:
                    return
                if self._announce(fcntl.LOCK_EX | fcntl.LOCK_NB):  # nobody holds it shared: nobody waits
                    if self._wait_fd is not None:
                        fcntl.flock(self._wait_fd, fcntl.LOCK_UN)
                    return
            time.sleep(_poll_sleep(now - started))


_LOCKS: dict[str, WriterLock] = {}
_LOCKS_GUARD = threading.Lock()


_ENGINE_LOCKS: weakref.WeakKeyDictionary[Engine, WriterLock] = weakref.WeakKeyDictionary()
"""`writer_lock`'s answer per engine: the file's real path (a system call per directory) is worked out once,
not in every write transaction (the audit writer begins hundreds a second)."""


def writer_lock(engine: Engine) -> WriterLock | None:
    """The process-wide writer lock of `engine`'s SQLite database (one per file); None on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    found = _ENGINE_LOCKS.get(engine)
    if found is None:
        found = _ENGINE_LOCKS[engine] = _file_lock(engine)
    return found


def _file_lock(engine: Engine) -> WriterLock:
    database = engine.url.database or ""
    memory = database in ("", ":memory:") or database.startswith("file:") or engine.url.query.get("mode")
    key = f"engine:{id(engine)}" if memory else os.path.realpath(database)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = WriterLock(None if memory else f"{database}-writer.lock")
        return lock


_WAITS: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def set_write_wait(engine: Engine, wait_s: float) -> None:
    """Record the bound writers on `engine` wait (its connections are configured with it too)."""
    _WAITS[engine] = wait_s


def wait_ms(wait_s: float) -> int:
    """A wait bound as SQLite's busy_timeout and PostgreSQL's lock_timeout take it (ms, at least 1)."""
    return max(1, int(wait_s * 1000))


def write_wait_s(engine: Engine) -> float:
    """The bound a writer on `engine` waits for its turn (set by `create_database_engine`)."""
    return _WAITS.get(engine, DEFAULT_WRITE_WAIT_S)


@contextmanager
def begin_write(
    engine: Engine, what: str = "write to the database", *, bulk: bool = False
) -> Iterator[Connection]:
    """A write transaction that holds the database's write lock from its first statement.

    Waits its turn up to the engine's bound, then raises `DatabaseBusyError` (retryable; nothing written).
    Other database errors pass through as SQLAlchemy exceptions, for the caller to word. `bulk` marks one
    chunk of a long write (an import): writers already waiting go first (see `WriterLock`).

    The connection is taken before the lock: opening one (pragmas, reading the schema) is slow the first
    time in a process, and nobody should wait for that.
    """
    wait_s = write_wait_s(engine)
    lock = writer_lock(engine)
    try:
        conn = engine.connect().execution_options(**{WRITE_OPTION: True})
    except OperationalError as exc:
        if is_busy(exc):
            raise DatabaseBusyError(what, wait_s) from exc
        raise
    with conn:
        if lock is not None and not lock.acquire(wait_s, bulk=bulk):
            raise DatabaseBusyError(what, wait_s)
        try:
            try:
                trans = conn.begin()
            except OperationalError as exc:
                if is_busy(exc):
                    raise DatabaseBusyError(what, wait_s) from exc
                raise
            with trans:
                yield conn
        finally:
            if lock is not None:
                lock.release()
    if lock is not None:
        checkpointer(engine).poke()  # after the lock is released: see Checkpointer


RESET_WAL_FRAMES = 16_384
"""WAL length (in pages, 64 MiB at SQLite's default 4 KiB) past which a checkpoint also resets the log."""
RESET_LOCK_WAIT_S = 2.0
"""How long a reset waits for the writer lock before it leaves the log for the next checkpoint."""
RESET_READERS_WAIT_MS = 200
"""How long a reset waits for readers still on the log's older frames (they take a millisecond or so)."""


class Checkpointer:
    """Moves the write-ahead log into the database file off the writers' path, and keeps the log short.

    SQLite's auto-checkpoint runs inside the commit of whichever writer crosses 1,000 WAL pages, with its
    fsyncs, while that writer still holds the writer lock: after an import, one booth's commit paid for
    copying the import's pages and every other booth queued behind it. Connections here have auto-checkpoint
    off (`wal_autocheckpoint=0`); instead a daemon thread runs a PASSIVE checkpoint (which blocks neither
    readers nor writers) at most every `interval_s` after writes, and `Store.close` runs one on the way out.

    A PASSIVE checkpoint never resets the log: SQLite starts writing at the log's beginning again only when
    a writer finds every frame already copied, and under writes that never pause (a busy server's audit
    writer commits hundreds of times a second) some writer always gets in first. The log then grew without
    end, on disk and in every process's mapping of its index (`-shm`): the API's memory was not flat. So
    once the log is `reset_frames` long, the checkpointer takes the writer lock like any short writer (as a
    bulk writer it could starve: the audit writer takes the lock again and again) and runs a TRUNCATE
    checkpoint, which copies the few frames the passive one left, waits briefly for readers and empties the
    log (3-14 ms in a test rig; every 10-15 s at 3,000 audited screenings a second).
    """

    def __init__(
        self, engine: Engine, interval_s: float = 0.5, *, reset_frames: int = RESET_WAL_FRAMES
    ) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._reset_frames = reset_frames
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def poke(self) -> None:
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cruce-checkpoint", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self._interval_s)  # writes meanwhile share this checkpoint
            self._wake.clear()
            self.checkpoint()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint now, and a reset if the log is long; a failure is only logged (the next
        checkpoint, or SQLite, will retry)."""
        try:
            with self._engine.connect() as conn:
                row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except SQLAlchemyError as exc:
            log.warning("wal_checkpoint_failed reason=%s", exc)
            return
        frames = int(row[1]) if row is not None and row[1] is not None else 0
        if frames >= self._reset_frames:
            self.reset()

    def reset(self) -> bool:
        """Copy the whole log and empty it, holding the writer lock; False when it could not (busy)."""
        lock = writer_lock(self._engine)
        if lock is None:
            return False
        if not lock.acquire(RESET_LOCK_WAIT_S):
            log.info("wal_reset_deferred reason=writer_lock_busy")
            return False
        started = time.monotonic()
        usual_ms = wait_ms(write_wait_s(self._engine))
        try:
            with self._engine.connect() as conn:
                try:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={RESET_READERS_WAIT_MS}")
                    row = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={usual_ms}")
                except SQLAlchemyError:
                    conn.invalidate()  # it may keep the short busy timeout: not back to the pool
                    raise
        except SQLAlchemyError as exc:
            log.warning("wal_reset_failed reason=%s", exc)
            return False
        finally:
            lock.release()
        done = row is not None and not row[0]
        held_ms = (time.monotonic() - started) * 1000
        if done:
            log.debug("wal_reset held_ms=%.1f", held_ms)
        else:  # a reader stayed on the old frames: the next checkpoint tries again
            log.info("wal_reset_incomplete reason=readers held_ms=%.1f", held_ms)
        return done


_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def checkpointer(engine: Engine) -> Checkpointer:
    with _LOCKS_GUARD:
        found = _CHECKPOINTERS.get(engine)
        if found is None:
            found = _CHECKPOINTERS[engine] = Checkpointer(engine)
        return found


def is_busy(exc: SQLAlchemyError) -> bool:
    """Whether `exc` is the database saying another writer holds the lock (SQLite) or a lock wait ran out."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "lock timeout" in text or "database table is locked" in text
