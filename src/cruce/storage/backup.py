"""Backups of the embedded (SQLite) database, and the check that refuses a damaged file at start.

`backup` copies a live database page by page with SQLite's online backup API (readers and writers go on;
the copy is one consistent snapshot). `restore` checks the backup, then copies it over the database the
same way. PostgreSQL has its own tools (pg_dump, pg_basebackup): these refuse it.

A restore under a running server would leave it serving (and writing) the replaced file, so `cruce serve`
holds a shared `flock` on `<database>-serving.lock` for as long as it runs, and `restore` takes it
exclusively (with the writer lock, so no import writes meanwhile) or refuses, saying why.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cruce.core.errors import InputError, StorageError

_MAGIC = b"SQLite format 3\x00"
RESTORE_HINT = (
    "restore a backup with `cruce restore BACKUP_FILE` (backups are made with `cruce backup FILE`), "
    "or move the file away to start with an empty database"
)


def damage(path: Path) -> str | None:
    """Why `path` is not a usable SQLite database (bad header, shorter than its header says), or None.

    Reads the file's bytes: never call it on a database this process holds connections to (closing the
    descriptor would drop their POSIX locks)."""
    try:
        if not path.exists():
            return None  # a new database
        size = path.stat().st_size
        if size == 0:
            return None  # a new, empty database
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if len(header) < 100 or not header.startswith(_MAGIC):
        return "it is not a SQLite database (its header is wrong)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size_valid = header[24:28] == header[92:96]  # the header's page count is current only then
    if size_valid and pages and size < pages * page_size:
        return f"it is truncated ({size} bytes; its header says {pages * page_size})"
    return None


def refuse_damaged(path: Path, reason: str | None = None) -> None:
    """StorageError naming the file and the way back, if `path` is damaged (or `reason` says so)."""
    reason = reason or damage(path)
    if reason is not None:
        raise StorageError(
            "database_damaged",
            f"the database file {path} cannot be used: {reason}; {RESTORE_HINT}",
            {"path": str(path)},
        )


def backup(database: Path, target: Path) -> int:
    """Copy the live database at `database` to `target` (a new file); returns its size in bytes."""
    if target.exists():
        raise InputError("backup_exists", f"{target} exists already; choose a new file for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise StorageError("backup_failed", f"could not back up {database} to {target}: {exc}") from exc
    finally:
        source.close()
    return target.stat().st_size


def mark_serving(database: Path) -> int | None:
    """Mark `database` as served by this process (a shared lock, kept until the process ends).

    Returns the descriptor to keep open; None where file locks are unavailable. Refuses while a restore
    runs on the file.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock on this platform: no guard
        return None
    try:
        fd = os.open(f"{database}-serving.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(
            "database_in_use", f"{database} is being restored (`cruce restore`); start the server after it"
        ) from None
    return fd


def _take_exclusive(path: str, refusal: str) -> int | None:
    """An exclusive `flock` on `path` now, or the `database_in_use` refusal; None if locks are unusable."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError("database_in_use", refusal) from None
    return fd


def restore(backup_file: Path, database: Path) -> None:
    """Replace the database at `database` by `backup_file`, after checking the backup is whole.

    Refused while `cruce serve` runs on it (it would go on serving, and writing, the file being replaced)
    or while another cruce process writes to it.
    """
    held: list[int] = []
    try:
        for suffix, refusal in (
            ("-serving.lock", "a running `cruce serve` is using it; stop the server first, then restore"),
            ("-writer.lock", "another cruce process (an import, an update) is writing to it; retry after"),
        ):
            fd = _take_exclusive(
                f"{database}{suffix}", f"cannot restore {database}: {refusal}; nothing was changed"
            )
            if fd is not None:
                held.append(fd)
        _restore(backup_file, database)
    finally:
        for fd in held:
            os.close(fd)  # drops the lock


def _restore(backup_file: Path, database: Path) -> None:
    if not backup_file.is_file():
        raise InputError("backup_not_found", f"no backup file {backup_file}")
    problem = damage(backup_file)
    if problem is None:
        try:
            with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as check:
                result = check.execute("PRAGMA integrity_check(1)").fetchone()[0]
            problem = None if result == "ok" else f"its integrity check says {result!r}"
        except sqlite3.Error as exc:
            problem = str(exc)
    if problem is not None:
        message = f"{backup_file} is not a usable backup: {problem}; nothing was changed"
        raise InputError("bad_backup", message)
    database.parent.mkdir(parents=True, exist_ok=True)
    if damage(database) is not None:  # a damaged file cannot be written through: start from nothing
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(backup_file)
    try:
        target = sqlite3.connect(database)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise StorageError("restore_failed", f"could not restore {backup_file} to {database}: {exc}") from exc
    finally:
        source.close()
