"""The façade the service layer uses to keep watchlists: `open_store(url)` then plain objects in and out.

Versions are immutable. `save_import` writes a new version of a list with a full copy of its entities in
one transaction, so a crash or a bad row half-way leaves the database exactly as it was. The active version
of a list is its newest `complete` version; `load_entities()` returns the entities of every active version,
which is what the screening index is built from.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import aliased

from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import CruceError, InputError, NotFoundError, StorageError
from cruce.core.model import Entity, ListInfo
from cruce.lists.base import DroppedValue, ImportResult, SkippedRow
from cruce.lists.diff import ListDiff, diff_versions
from cruce.storage.backup import refuse_damaged
from cruce.storage.codec import content_hash, entity_from_dict, entity_to_dict
from cruce.storage.errors import database_reason, reading
from cruce.storage.revetting import enqueue_version
from cruce.storage.tables import (
    EntityContentRow,
    ListVersionRow,
    VersionEntityRow,
    VersionStatus,
    WatchlistRow,
)
from cruce.storage.transactions import (
    DEFAULT_WRITE_WAIT_S,
    WRITE_OPTION,
    DatabaseBusyError,
    begin_write,
    checkpointer,
    is_busy,
    set_write_wait,
    wait_ms,
    write_wait_s,
)

log = logging.getLogger(__name__)

DEFAULT_SYNCHRONOUS = "NORMAL"
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
MIGRATION_LOCK_KEY = 0x63727563  # "cruc": the PostgreSQL advisory lock migrations are run under
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_BATCH_SIZE = 100
"""New entities per write transaction of an import: short enough that booths' writes queue only briefly."""
MEMBERSHIP_BATCH = 500
"""Version memberships (two integers each) per write transaction: a few ms, like a batch of new entities."""
LOOKUP_BATCH = 500
"""Values per IN (...) list: under every backend's bound-parameter limit."""
WRITER_PAUSE_S = 0.002
ABANDONED_AFTER = timedelta(hours=1)
"""A version still pending this long after its import began belongs to an import that died."""


@dataclasses.dataclass(frozen=True, slots=True)
class SourceFile:
    """A file a version was imported from, with its digest so a re-download can be recognised."""

    name: str
    sha256: str | None
    size_bytes: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class VersionInfo:
    """One stored version of one list. `id` is the database key; `key` (`us-ofac-sdn@3`) is for people."""

    id: int
    list_id: str
    version: int
    imported_at: datetime
    source_files: tuple[SourceFile, ...]
    entity_count: int
    skipped_count: int
    skipped: tuple[SkippedRow, ...]
    dropped: tuple[DroppedValue, ...]
    ignored: Mapping[str, int] = dataclasses.field(hash=False)
    status: VersionStatus
    active: bool

    @property
    def key(self) -> str:
        return f"{self.list_id}@{self.version}"


@dataclasses.dataclass(frozen=True, slots=True)
class PruneResult:
    """What `Store.prune` removed: versions by key, abandoned pending imports, unused entity contents."""

    removed: tuple[str, ...]
    abandoned: int
    contents_removed: int


class Store:
    """Watchlist storage on one SQLAlchemy engine (SQLite file or PostgreSQL); create it with `open_store`."""

    def __init__(
        self, engine: Engine, *, clock: Clock = utc_now, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.engine = engine
        self._clock = clock
        self._batch_size = batch_size

    # -- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        if self.engine.dialect.name == "sqlite":
            checkpointer(self.engine).checkpoint()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for reads; a failure mid-read is a StorageError, never a raw driver error."""
        with reading(self.engine) as conn:
            yield conn

    def save_import(self, result: ImportResult) -> VersionInfo:
        """Store `result` as the next version of its list, all or nothing, and return that version.

        The version is written `pending` (invisible) in several short transactions, each waiting its turn
        like any writer, so booths keep writing their alerts and audit records between them; one last
        transaction publishes it. A crash at any moment leaves the old version active and whole; a failure
        removes what this import wrote. Entities already stored (by content hash) are not written again.
        """
        info = result.list_info
        entity_rows = _entity_rows(info.id, result.entities)
        source_files = [_source_file_json(p) for p in result.source_files]
        skipped = [_skipped_json(row) for row in result.skipped]
        dropped = [_dropped_json(value) for value in result.dropped]
        ignored = {str(reason): int(count) for reason, count in result.ignored.items()}
        imported_at = as_utc(self._clock())
        what = f"store the import of {info.id}"
        version_id: int | None = None
        created: list[int] = []
        try:
            with _gc_frozen(), begin_write(self.engine, what, bulk=True) as conn:
                _upsert_watchlist(conn, info)
                number = (
                    conn.scalar(
                        select(func.max(ListVersionRow.version)).where(ListVersionRow.list_id == info.id)
                    )
                    or 0
                ) + 1
                version_id = conn.scalar(
                    insert(ListVersionRow)
                    .values(
                        list_id=info.id,
                        version=number,
                        imported_at=imported_at,
                        source_files=source_files,
                        entity_count=len(entity_rows),
                        skipped_count=len(skipped),
                        skipped=skipped,
                        dropped=dropped,
                        ignored=ignored,
                        status=VersionStatus.PENDING.value,
                    )
                    .returning(ListVersionRow.id)
                )
                if version_id is None:  # pragma: no cover - RETURNING always yields the key
                    raise StorageError("save_failed", "the database returned no id for the new version")
            with _gc_frozen():
                content_ids = self._store_contents(entity_rows, created, what)
                for start in range(0, len(content_ids), MEMBERSHIP_BATCH):
                    _let_others_write()
                    rows = [
                        {"version_id": version_id, "content_id": c}
                        for c in content_ids[start : start + MEMBERSHIP_BATCH]
                    ]
                    with begin_write(self.engine, what, bulk=True) as conn:
                        conn.execute(insert(VersionEntityRow), rows)
            _let_others_write()
            with begin_write(self.engine, what, bulk=True) as conn:  # the moment the new version shows
                conn.execute(
                    update(ListVersionRow)
                    .where(ListVersionRow.id == version_id)
                    .values(status=VersionStatus.COMPLETE.value)
                )
                # Its re-vetting goes in the outbox in this same transaction: every version that shows
                # is re-vetted, and a failed import (which never gets here) queues nothing.
                previous = conn.scalar(
                    select(func.max(ListVersionRow.version)).where(
                        ListVersionRow.list_id == info.id,
                        ListVersionRow.version < number,
                        ListVersionRow.status == VersionStatus.COMPLETE.value,
                    )
                )
                enqueue_version(
                    conn,
                    info.id,
                    version_id=version_id,
                    version=number,
                    from_version=previous,
                    now=imported_at,
                )
        except BaseException as exc:
            self._discard(info.id, version_id, created)
            if isinstance(exc, IntegrityError):
                raise StorageError(
                    "save_conflict",
                    f"could not store a new version of {info.id}: the database refused it as a conflicting "
                    f"write (most likely another import of {info.id} at the same time); retry: "
                    f"{database_reason(exc)}",
                    {"list_id": info.id},
                ) from exc
            if isinstance(exc, SQLAlchemyError):
                raise StorageError(
                    "save_failed",
                    f"could not store the import of {info.id}; nothing was written: {database_reason(exc)}",
                    {"list_id": info.id},
                ) from exc
            raise
        log.info(
            "list_version_saved list_id=%s version=%d entities=%d new_entities=%d skipped=%d",
            info.id,
            number,
            len(entity_rows),
            len(created),
            len(skipped),
        )
        return self.get_version(version_id)

    def _store_contents(self, rows: list[dict[str, Any]], created: list[int], what: str) -> list[int]:
        """The content id of every row, in order, inserting those not stored yet (ids go into `created`)."""
        ids: dict[str, int] = {}
        hashes = [row["content_hash"] for row in rows]
        with self._reading() as conn:  # what is stored already costs no write at all
            for start in range(0, len(hashes), LOOKUP_BATCH):
                ids.update(_content_ids(conn, hashes[start : start + LOOKUP_BATCH]))
        missing = [row for row in rows if row["content_hash"] not in ids]
        for start in range(0, len(missing), self._batch_size):
            _let_others_write()
            batch = missing[start : start + self._batch_size]
            with begin_write(self.engine, what, bulk=True) as conn:
                conn.execute(_insert_ignoring_duplicates(conn), batch)
                found = _content_ids(conn, [row["content_hash"] for row in batch])
            created.extend(found.values())  # (one another import stored meanwhile is counted here too)
            ids.update(found)
        return [ids[h] for h in hashes]

    def _discard(self, list_id: str, version_id: int | None, created: list[int]) -> None:
        """Best effort after a failed import: remove its pending version and the contents only it wrote."""
        try:
            with begin_write(self.engine, f"clean up the failed import of {list_id}") as conn:
                if version_id is not None:
                    conn.execute(delete(ListVersionRow).where(ListVersionRow.id == version_id))
                for start in range(0, len(created), LOOKUP_BATCH):
                    batch = created[start : start + LOOKUP_BATCH]
                    referenced = select(VersionEntityRow.content_id).where(
                        VersionEntityRow.content_id == EntityContentRow.id
                    )
                    conn.execute(
                        delete(EntityContentRow).where(EntityContentRow.id.in_(batch), ~referenced.exists())
                    )
                has_versions = select(ListVersionRow.id).where(ListVersionRow.list_id == list_id).exists()
                conn.execute(delete(WatchlistRow).where(WatchlistRow.id == list_id, ~has_versions))
        except (CruceError, SQLAlchemyError) as exc:  # what is left is invisible, and `prune` removes it
            log.warning("import_cleanup_failed list_id=%s reason=%s", list_id, exc)

    def withdraw_version(self, version_id: int) -> VersionInfo:
        """Take a bad import out of service; the list's previous complete version becomes active again."""
        with begin_write(self.engine, "withdraw the version") as conn:
            done = conn.execute(
                update(ListVersionRow)
                .where(ListVersionRow.id == version_id)
                .values(status=VersionStatus.WITHDRAWN.value)
            )
            if done.rowcount == 0:
                raise NotFoundError("version_not_found", f"no list version with id {version_id}")
        return self.get_version(version_id)

    def prune(
        self,
        keep: int,
        list_id: str | None = None,
        *,
        record: Callable[[Connection, PruneResult], object] | None = None,
        abandoned_after: timedelta = ABANDONED_AFTER,
    ) -> PruneResult:
        """Delete all but the newest `keep` versions of each list (never an active one), the pending
        versions of imports that died more than `abandoned_after` ago, then the entity contents no version
        holds any more. `record(conn, result)` runs in the deleting transaction: the audit record.
        """
        if keep < 1:
            raise InputError("bad_keep", f"keep must be at least 1 version, got {keep}")
        cutoff = as_utc(self._clock()) - abandoned_after
        with begin_write(self.engine, "prune old list versions") as conn:
            query = select(ListVersionRow.id, ListVersionRow.list_id, ListVersionRow.version,
                           ListVersionRow.status, ListVersionRow.imported_at)  # fmt: skip
            if list_id is not None:
                query = query.where(ListVersionRow.list_id == list_id)
            rows = conn.execute(query.order_by(ListVersionRow.list_id, ListVersionRow.version.desc())).all()
            active = _active_ids(conn)
            kept: Counter[str] = Counter()
            removed: list[tuple[int, str]] = []
            abandoned: list[int] = []
            for row in rows:
                if row.status == VersionStatus.PENDING.value:
                    if as_utc(row.imported_at) < cutoff:
                        abandoned.append(row.id)
                    continue
                if row.id in active or kept[row.list_id] < keep:
                    kept[row.list_id] += 1
                else:
                    removed.append((row.id, f"{row.list_id}@{row.version}"))
            doomed = [i for i, _ in removed] + abandoned
            for start in range(0, len(doomed), LOOKUP_BATCH):
                conn.execute(
                    delete(ListVersionRow).where(ListVersionRow.id.in_(doomed[start : start + LOOKUP_BATCH]))
                )
            in_flight = any(r.status == VersionStatus.PENDING.value for r in rows if r.id not in abandoned)
            result = PruneResult(tuple(sorted(k for _, k in removed)), len(abandoned), 0)
            if record is not None and doomed:
                record(conn, result)
        if in_flight:  # an import still writing has contents no version holds yet: leave them
            return result
        return dataclasses.replace(result, contents_removed=self._remove_unheld_contents())

    def _remove_unheld_contents(self) -> int:
        """Entity contents no version holds (left by pruned versions or killed imports), in short writes."""
        held = select(VersionEntityRow.content_id).where(VersionEntityRow.content_id == EntityContentRow.id)
        pending = select(ListVersionRow.id).where(ListVersionRow.status == VersionStatus.PENDING.value)
        total = 0
        while True:
            _let_others_write()
            with begin_write(self.engine, "remove unused entity contents") as conn:
                if conn.scalar(pending.exists().select()):
                    return total  # an import began meanwhile
                ids = list(
                    conn.scalars(select(EntityContentRow.id).where(~held.exists()).limit(LOOKUP_BATCH))
                )
                if ids:
                    conn.execute(delete(EntityContentRow).where(EntityContentRow.id.in_(ids)))
            total += len(ids)
            if len(ids) < LOOKUP_BATCH:
                return total

    def storage_counts(self) -> dict[str, int]:
        """Rows behind the stored versions: how much sharing by content hash saves (benchmarks, status)."""
        with self._reading() as conn:
            return {
                "versions": int(conn.scalar(select(func.count()).select_from(ListVersionRow)) or 0),
                "entity_contents": int(conn.scalar(select(func.count()).select_from(EntityContentRow)) or 0),
                "memberships": int(conn.scalar(select(func.count()).select_from(VersionEntityRow)) or 0),
            }

    # -- reading ---------------------------------------------------------------------------------------

    def watchlists(self) -> list[ListInfo]:
        """Every list that has ever been imported, by id."""
        with self._reading() as conn:
            rows = conn.execute(select(WatchlistRow).order_by(WatchlistRow.id)).all()
        return [
            ListInfo(id=r.id, title=r.title, publisher=r.publisher, format=r.format, url=r.url) for r in rows
        ]

    def list_versions(self, list_id: str | None = None) -> list[VersionInfo]:
        """Versions, oldest first within each list; all lists unless `list_id` is given."""
        query = (
            select(ListVersionRow)
            .where(ListVersionRow.status != VersionStatus.PENDING.value)
            .order_by(ListVersionRow.list_id, ListVersionRow.version)
        )
        if list_id is not None:
            query = query.where(ListVersionRow.list_id == list_id)
        with self._reading() as conn:
            active = _active_ids(conn)
            rows = conn.execute(query).all()
        return [_version_info(r, active) for r in rows]

    def latest_versions(self) -> list[VersionInfo]:
        """The active version of every list (what screening runs against), by list id."""
        with self._reading() as conn:
            active = _active_ids(conn)
            if not active:
                return []
            rows = conn.execute(
                select(ListVersionRow).where(ListVersionRow.id.in_(active)).order_by(ListVersionRow.list_id)
            ).all()
        return [_version_info(r, active) for r in rows]

    def get_version(self, version_id: int) -> VersionInfo:
        with self._reading() as conn:
            row = conn.execute(
                select(ListVersionRow).where(
                    ListVersionRow.id == version_id, ListVersionRow.status != VersionStatus.PENDING.value
                )
            ).first()
            if row is None:
                raise NotFoundError("version_not_found", f"no list version with id {version_id}")
            return _version_info(row, _active_ids(conn))

    def find_version(self, list_id: str, version: int) -> VersionInfo:
        """Version `version` (1, 2, ...) of `list_id`; NotFoundError names the versions that do exist."""
        with self._reading() as conn:
            row = conn.execute(
                select(ListVersionRow).where(
                    ListVersionRow.list_id == list_id,
                    ListVersionRow.version == version,
                    ListVersionRow.status != VersionStatus.PENDING.value,
                )
            ).first()
            if row is None:
                existing = conn.scalars(
                    select(ListVersionRow.version)
                    .where(
                        ListVersionRow.list_id == list_id,
                        ListVersionRow.status != VersionStatus.PENDING.value,
                    )
                    .order_by(ListVersionRow.version)
                ).all()
                hint = (
                    f"it has versions {', '.join(map(str, existing))}"
                    if existing
                    else "it was never imported"
                )
                raise NotFoundError(
                    "version_not_found",
                    f"list {list_id} has no version {version}; {hint}",
                    {"list_id": list_id, "version": version},
                )
            return _version_info(row, _active_ids(conn))

    def load_entities(self, version_ids: Sequence[int] | None = None) -> list[Entity]:
        """Entities of the given versions; by default of the active version of every list."""
        with self._reading() as conn:
            ids = sorted(_active_ids(conn)) if version_ids is None else list(version_ids)
            if not ids:
                return []
            rows = conn.execute(
                select(EntityContentRow.data)
                .join(VersionEntityRow, VersionEntityRow.content_id == EntityContentRow.id)
                .where(VersionEntityRow.version_id.in_(ids))
                .order_by(VersionEntityRow.version_id, EntityContentRow.entity_id)
            ).scalars()
            # Decoding makes hundreds of thousands of long-lived containers and no garbage: a collector
            # walking them again and again cost a third of the load.
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                return [entity_from_dict(data) for data in rows]
            finally:
                if gc_was_enabled:
                    gc.enable()

    def load_version_entities(self, version_id: int) -> list[Entity]:
        """Entities of one version, by entity id; NotFoundError when the version does not exist."""
        self.get_version(version_id)
        return self.load_entities([version_id])

    def diff(self, list_id: str, from_version: int, to_version: int) -> ListDiff:
        """What changed in `list_id` between two of its versions (numbers, not ids)."""
        old = self.find_version(list_id, from_version)
        new = self.find_version(list_id, to_version)
        # Entities whose stored content is the same in both versions are unchanged: only the others are
        # loaded and compared, so a diff costs what changed, not what the list holds.
        with self._reading() as conn:
            old_ids, new_ids = _memberships(conn, old.id), _memberships(conn, new.id)
        same = old_ids & new_ids
        changed = self._load_contents(sorted(old_ids - same)), self._load_contents(sorted(new_ids - same))
        diff = diff_versions(*changed)
        return dataclasses.replace(diff, unchanged=diff.unchanged + len(same))

    def new_contents(self, list_id: str, from_version: int | None, to_version: int) -> list[Entity]:
        """Entities of `to_version` whose stored content is not in `from_version` (added or changed), by
        entity id; every entity of `to_version` when `from_version` is None. What re-vetting screens."""
        new = self.find_version(list_id, to_version)
        with self._reading() as conn:
            new_ids = _memberships(conn, new.id)
            if from_version is not None:
                new_ids -= _memberships(conn, self.find_version(list_id, from_version).id)
        return self._load_contents(sorted(new_ids))

    def _load_contents(self, content_ids: Sequence[int]) -> list[Entity]:
        """Entities by content id, ordered by entity id."""
        rows: list[tuple[str, Any]] = []
        with self._reading() as conn:
            for start in range(0, len(content_ids), LOOKUP_BATCH):
                batch = content_ids[start : start + LOOKUP_BATCH]
                rows += conn.execute(
                    select(EntityContentRow.entity_id, EntityContentRow.data).where(
                        EntityContentRow.id.in_(batch)
                    )
                ).all()
        rows.sort(key=lambda r: r[0])
        return [entity_from_dict(data) for _, data in rows]


# -- opening ---------------------------------------------------------------------------------------------


def open_store(
    url: str,
    *,
    clock: Clock = utc_now,
    batch_size: int = DEFAULT_BATCH_SIZE,
    write_wait_s: float = DEFAULT_WRITE_WAIT_S,
    synchronous: str = DEFAULT_SYNCHRONOUS,
) -> Store:
    """Connect to `url`, bring its schema up to date (Alembic `upgrade head`) and return a `Store`.

    For SQLite the file's directory is created, and WAL and foreign keys are switched on for every
    connection. Writers wait their turn up to `write_wait_s`. Raises StorageError when the database cannot
    be reached or migrated.
    """
    engine = create_database_engine(url, write_wait_s=write_wait_s, synchronous=synchronous)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, clock=clock, batch_size=batch_size)


def create_database_engine(
    url: str, *, write_wait_s: float = DEFAULT_WRITE_WAIT_S, synchronous: str = DEFAULT_SYNCHRONOUS
) -> Engine:
    """An engine for `url` with cruce's SQLite settings applied; no connection is made yet.

    `write_wait_s` bounds how long a writer waits for its turn (SQLite busy timeout, PostgreSQL
    lock_timeout). On PostgreSQL connections are checked before use (pool pre-ping), so after a database
    restart the pool reconnects by itself instead of handing out dead connections.
    """
    if write_wait_s <= 0:
        raise InputError("bad_setting", f"the write wait must be above 0 seconds, got {write_wait_s}")
    if synchronous.upper() not in SYNCHRONOUS_MODES:
        raise InputError(
            "bad_setting",
            f"CRUCE_SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}, got {synchronous!r}",
        )
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(
            "bad_database_url",
            f"cannot read the database URL {_redact(url)!r}; expected e.g. sqlite:///path/cruce.db "
            "or postgresql+psycopg://user@host/db",
        ) from exc
    is_sqlite = parsed.get_backend_name() == "sqlite"
    database = parsed.database or ""
    if is_sqlite and database not in ("", ":memory:") and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # No look at the file's bytes from here: closing any descriptor of a SQLite file drops the POSIX
        # locks every connection of this process holds on it. SQLite itself reports a damaged file.
    try:
        engine = create_engine(parsed, future=True, pool_pre_ping=not is_sqlite)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise InputError(
            "bad_database_url",
            f"no database driver for {parsed.drivername!r} ({exc}); use sqlite:///<file> or, with "
            "cruce[postgres] installed, postgresql+psycopg://user@host/db",
        ) from exc
    set_write_wait(engine, write_wait_s)
    if is_sqlite:
        _tune_sqlite(engine, write_wait_s, synchronous.upper())
    elif parsed.get_backend_name() == "postgresql":
        _tune_postgresql(engine, write_wait_s)
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the packaged Alembic migrations up to `revision` on `engine`, in one transaction."""
    where = engine.url.render_as_string(hide_password=True)
    if _at_revision(engine, revision):
        return  # nothing to do: no write lock taken, so opening a store never waits for a writer
    try:
        conn = engine.connect().execution_options(**{WRITE_OPTION: True})
    except DBAPIError as exc:
        _refuse_if_damaged(engine, exc)
        raise StorageError(
            "database_unreachable",
            f"cannot connect to the database at {where}: {database_reason(exc)}; check CRUCE_DATABASE_URL",
            {"url": where},
        ) from exc
    try:
        with conn, conn.begin():
            if conn.dialect.name == "postgresql":
                # Two processes starting on a new database must not both create the tables: the second
                # waits here, then finds the schema at head and does nothing. (SQLite: BEGIN IMMEDIATE.)
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            command.upgrade(_alembic_config(conn), revision)
    except DatabaseBusyError:
        raise
    except OperationalError as exc:
        if is_busy(exc):
            raise DatabaseBusyError(f"update the database schema at {where}", write_wait_s(engine)) from exc
        raise StorageError(
            "migration_failed",
            f"could not update the database schema at {where}; nothing was changed: {database_reason(exc)}",
            {"url": where},
        ) from exc
    except CommandError as exc:
        # Typically a database migrated by a newer cruce than this one.
        raise StorageError(
            "migration_failed",
            f"the database at {where} has a schema this version of cruce does not know ({exc}); "
            "upgrade cruce or use another database",
            {"url": where},
        ) from exc
    except SQLAlchemyError as exc:
        _refuse_if_damaged(engine, exc)
        raise StorageError(
            "migration_failed",
            f"could not update the database schema at {where}; nothing was changed: {database_reason(exc)}",
            {"url": where},
        ) from exc


def _refuse_if_damaged(engine: Engine, exc: SQLAlchemyError) -> None:
    """SQLite saying its file is damaged: the error names the file and how to restore it."""
    reason = database_reason(exc)
    damaged = ("file is not a database", "malformed", "disk image")
    if engine.dialect.name == "sqlite" and engine.url.database and any(d in reason for d in damaged):
        refuse_damaged(Path(engine.url.database), reason)


def _refuse_if_truncated(engine: Engine, conn: Connection) -> None:
    """A SQLite file shorter than its own page count (cut off by a copy, a full disk, a bad restore).

    Only when there is no write-ahead log: pages in a WAL may lie beyond the file's end legitimately.
    """
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return
    try:
        size = os.stat(database).st_size  # stat, not open: see create_database_engine
        wal = os.stat(f"{database}-wal").st_size if os.path.exists(f"{database}-wal") else 0
    except OSError:
        return
    if wal:
        return
    pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)
    if size < pages * page_size:
        refuse_damaged(Path(database), f"it is truncated ({size} bytes; its header says {pages * page_size})")


def _at_revision(engine: Engine, revision: str) -> bool:
    """Whether the database is already at `revision` (`head`): read, without taking the write lock."""
    if revision != "head":
        return False
    try:
        with engine.connect() as conn:
            _refuse_if_truncated(engine, conn)
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        _refuse_if_damaged(engine, exc)
        return False  # let the upgrade report it
    return current == set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def _alembic_config(conn: Connection) -> Config:
    config = Config()
    # ConfigParser treats % as interpolation; escape it in case the install path holds one.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = conn
    return config


def _tune_sqlite(engine: Engine, write_wait_s: float, synchronous: str) -> None:
    """WAL so readers never block a writer, enforced foreign keys, and real BEGIN/COMMIT.

    pysqlite opens transactions lazily and on its own terms; taking that over (isolation_level=None and
    an explicit BEGIN) is what makes writes and the migrations truly atomic on SQLite. A connection marked
    as a writer (`transactions.begin_write`) begins IMMEDIATE, taking the write lock before it reads; the
    busy timeout is the bound it waits for it.

    `synchronous`: NORMAL (the default) in WAL mode loses nothing when a process is killed, and never
    corrupts the file, but a power cut or kernel crash may drop the last transactions committed before
    it (those since the last WAL sync). FULL syncs the WAL on every commit: nothing acknowledged is lost
    even to a power cut, at the price of one fsync per commit.
    """
    busy_ms = wait_ms(write_wait_s)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")  # first: the pragmas below may wait too
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # transactions.Checkpointer does it off the lock
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


def _tune_postgresql(engine: Engine, write_wait_s: float) -> None:
    """A lock wait past the bound fails (as `database_busy`) instead of queueing forever."""
    lock_ms = wait_ms(write_wait_s)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {lock_ms}")
        finally:
            dbapi_connection.autocommit = autocommit


# -- row mapping -----------------------------------------------------------------------------------------


def _entity_rows(list_id: str, entities: Iterable[Entity]) -> list[dict[str, Any]]:
    """Rows for the entities table; duplicate ids are refused before anything is written."""
    seen: Counter[str] = Counter()
    rows = []
    for entity in entities:
        seen[entity.id] += 1
        data = entity_to_dict(entity)
        rows.append(
            {
                "content_hash": content_hash(data),
                "entity_id": entity.id,
                "schema": entity.schema.value,
                "caption": entity.caption,
                "data": data,
            }
        )
    duplicates = sorted(eid for eid, n in seen.items() if n > 1)
    if duplicates:
        shown = ", ".join(duplicates[:5]) + (" ..." if len(duplicates) > 5 else "")
        raise StorageError(
            "duplicate_entities",
            f"the import of {list_id} holds {len(duplicates)} entity id(s) more than once ({shown}); "
            "nothing was written",
            {"list_id": list_id, "duplicates": duplicates[:50]},
        )
    return rows


def _content_ids(conn: Connection, hashes: Sequence[str]) -> dict[str, int]:
    """content hash -> id of those of `hashes` that are stored."""
    if not hashes:
        return {}
    rows = conn.execute(
        select(EntityContentRow.content_hash, EntityContentRow.id).where(
            EntityContentRow.content_hash.in_(hashes)
        )
    ).all()
    return {digest: ident for digest, ident in rows}


def _insert_ignoring_duplicates(conn: Connection) -> Any:
    """INSERT of entity contents that skips one another import stored meanwhile (same hash, same data)."""
    if conn.dialect.name == "postgresql":
        return postgresql_insert(EntityContentRow).on_conflict_do_nothing(index_elements=["content_hash"])
    if conn.dialect.name == "sqlite":
        return sqlite_insert(EntityContentRow).on_conflict_do_nothing(index_elements=["content_hash"])
    return insert(EntityContentRow)  # pragma: no cover - cruce supports SQLite and PostgreSQL


def _memberships(conn: Connection, version_id: int) -> set[int]:
    return set(
        conn.scalars(select(VersionEntityRow.content_id).where(VersionEntityRow.version_id == version_id))
    )


@contextmanager
def _gc_frozen() -> Iterator[None]:
    """The collector leaves the objects alive now (the parsed list) alone while an import writes.

    A full collection over a parsed SDN takes 100-300 ms; one triggered inside a write transaction held
    the database that long, and every booth's audit append with it (issue 21's p99 during an import).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _let_others_write() -> None:
    """Between the short transactions of a long write: a moment for queued writers (booths) to go first."""
    time.sleep(WRITER_PAUSE_S)


def _upsert_watchlist(conn: Connection, info: ListInfo) -> None:
    """Create or update the list's row, first queueing behind any other writer of this list.

    SQLite's BEGIN IMMEDIATE already made this transaction the only writer. On PostgreSQL two imports of
    a list would both see no row (or the same newest version) and one would fail on the key; a
    transaction-scoped advisory lock on the list id makes the second wait for the first to commit.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:id))"), {"id": f"cruce-list:{info.id}"})
    values = {"title": info.title, "publisher": info.publisher, "format": info.format, "url": info.url}
    exists = conn.scalar(select(WatchlistRow.id).where(WatchlistRow.id == info.id))
    if exists is None:
        conn.execute(insert(WatchlistRow).values(id=info.id, **values))
    else:
        conn.execute(update(WatchlistRow).where(WatchlistRow.id == info.id).values(**values))


def _active_ids(conn: Connection) -> set[int]:
    """Ids of the newest complete version of each list."""
    newer = aliased(ListVersionRow)
    complete = VersionStatus.COMPLETE.value
    later_exists = (
        select(newer.id)
        .where(
            and_(
                newer.list_id == ListVersionRow.list_id,
                newer.status == complete,
                newer.version > ListVersionRow.version,
            )
        )
        .exists()
    )
    query = select(ListVersionRow.id).where(ListVersionRow.status == complete, ~later_exists)
    return set(conn.scalars(query).all())


def _version_info(row: Any, active: set[int]) -> VersionInfo:
    return VersionInfo(
        id=row.id,
        list_id=row.list_id,
        version=row.version,
        imported_at=as_utc(row.imported_at),
        source_files=tuple(
            SourceFile(name=f["name"], sha256=f.get("sha256"), size_bytes=f.get("size_bytes"))
            for f in row.source_files
        ),
        entity_count=row.entity_count,
        skipped_count=row.skipped_count,
        skipped=tuple(SkippedRow(file=r["file"], line=r["line"], reason=r["reason"]) for r in row.skipped),
        dropped=tuple(
            DroppedValue(
                file=d["file"],
                line=d["line"],
                entity_id=d["entity_id"],
                field=d["field"],
                value=d["value"],
                reason=d["reason"],
            )
            for d in row.dropped
        ),
        ignored=dict(row.ignored),
        status=VersionStatus(row.status),
        active=row.id in active,
    )


def _source_file_json(source: str | Path) -> dict[str, Any]:
    """Name, digest and size of a file the import read; digest unknown if the file is gone already."""
    path = Path(source)
    try:
        return {"name": path.name, "sha256": file_sha256(path), "size_bytes": path.stat().st_size}
    except OSError:
        return {"name": path.name, "sha256": None, "size_bytes": None}


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks: how a downloaded file is recognised as one already stored."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _skipped_json(row: SkippedRow) -> dict[str, Any]:
    return {"file": row.file, "line": row.line, "reason": row.reason}


def _dropped_json(value: DroppedValue) -> dict[str, Any]:
    return {
        "file": value.file,
        "line": value.line,
        "entity_id": value.entity_id,
        "field": value.field,
        "value": value.value,
        "reason": value.reason,
    }


def _redact(url: str) -> str:
    """A URL that did not parse, with anything that looks like a password hidden."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
