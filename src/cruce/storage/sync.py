"""The sync aggregate: where each sync with a remote collection has got to (its cursor), how its runs went,
and the statuses of TAXII POSTs.

A cursor can be written in the same transaction as the objects it covers (`put_cursor_on`, which
`CollectionStore.add_objects(cursor=...)` calls), so a process killed at any instant leaves objects and
cursor consistent: resuming re-reads at most the page that was in flight, and its objects are no-ops.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update

from cruce.core.clock import Clock, as_utc, utc_now
from cruce.storage.errors import reading, writing
from cruce.storage.tables import ShareCursorRow, ShareStatusRow, ShareSyncStatusRow


@dataclass(frozen=True, slots=True)
class CursorUpdate:
    remote: str
    remote_collection: str
    direction: str
    local_collection: str
    position: str


@dataclass(frozen=True, slots=True)
class SyncRun:
    """How syncs with one remote collection in one direction went: last success, last error, tries, cursor."""

    remote: str
    collection: str
    direction: str
    local_collection: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    tries: int
    cursor: str | None


class SyncStore:
    """Sync cursors, sync run outcomes and POST statuses of one database."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with reading(self.engine, "the sync tables") as conn:
            yield conn

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        with writing(self.engine, what) as conn:
            yield conn

    def save_status(self, status_id: str, collection_id: str, user_id: str, body: Mapping[str, Any]) -> None:
        with self._write("store the status") as conn:
            conn.execute(
                insert(ShareStatusRow).values(
                    id=status_id,
                    collection_id=collection_id,
                    user_id=user_id,
                    request_timestamp=self._clock(),
                    body=dict(body),
                )
            )

    def status(self, status_id: str) -> tuple[str, dict[str, Any]] | None:
        """(user id, status body) of a stored status, or None."""
        with self._read() as conn:
            row = conn.execute(select(ShareStatusRow).where(ShareStatusRow.id == status_id)).first()
        return (row.user_id, dict(row.body)) if row is not None else None

    def cursor(self, remote: str, remote_collection: str, direction: str) -> str | None:
        with self._read() as conn:
            return conn.scalar(
                select(ShareCursorRow.position).where(
                    ShareCursorRow.remote == remote,
                    ShareCursorRow.remote_collection == remote_collection,
                    ShareCursorRow.direction == direction,
                )
            )

    def record_sync(self, run: CursorUpdate, error: str | None, tries: int) -> None:
        """A sync run's outcome with one remote collection and direction (its position is not used)."""
        st = ShareSyncStatusRow
        now = self._clock()
        key = (st.remote == run.remote, st.remote_collection == run.remote_collection,
               st.direction == run.direction)  # fmt: skip
        values: dict[str, Any] = {"local_collection": run.local_collection, "attempts": tries}
        if error is None:
            values["last_success_at"] = now
        else:
            values.update(last_error_at=now, last_error=error[:2000])
        with self._write("store the sync status") as conn:
            if conn.execute(update(st).where(*key).values(**values)).rowcount == 0:
                conn.execute(
                    insert(st).values(
                        remote=run.remote, remote_collection=run.remote_collection, direction=run.direction,
                        **{"last_success_at": None, "last_error_at": None, "last_error": None, **values},
                    )
                )  # fmt: skip

    def sync_status(self) -> list[SyncRun]:
        """Per remote collection and direction: last success, last error (time, message), tries, cursor."""
        st, cu = ShareSyncStatusRow, ShareCursorRow
        with self._read() as conn:
            rows = conn.execute(
                select(st, cu.position)
                .outerjoin(
                    cu,
                    and_(
                        cu.remote == st.remote,
                        cu.remote_collection == st.remote_collection,
                        cu.direction == st.direction,
                    ),
                )
                .order_by(st.remote, st.remote_collection, st.direction)
            ).all()
        return [
            SyncRun(
                r.remote, r.remote_collection, r.direction, r.local_collection,
                as_utc(r.last_success_at) if r.last_success_at else None,
                as_utc(r.last_error_at) if r.last_error_at else None,
                r.last_error, int(r.attempts), r.position,
            )
            for r in rows
        ]  # fmt: skip

    def set_cursor(self, cursor: CursorUpdate) -> None:
        with self._write("store the sync cursor") as conn:
            put_cursor_on(conn, cursor, self._clock())


def put_cursor_on(conn: Connection, cursor: CursorUpdate, now: datetime) -> None:
    """Store `cursor` in the caller's write transaction (with the objects it covers)."""
    key = and_(
        ShareCursorRow.remote == cursor.remote,
        ShareCursorRow.remote_collection == cursor.remote_collection,
        ShareCursorRow.direction == cursor.direction,
    )
    done = conn.execute(
        update(ShareCursorRow)
        .where(key)
        .values(position=cursor.position, local_collection=cursor.local_collection, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(
            insert(ShareCursorRow).values(
                remote=cursor.remote,
                remote_collection=cursor.remote_collection,
                direction=cursor.direction,
                local_collection=cursor.local_collection,
                position=cursor.position,
                updated_at=now,
            )
        )
