"""The jobs aggregate: background jobs (batch screenings, crossing imports), leases, committed chunks.

`JobStore(store.engine)` works on the engine `open_store` made (migration 0004 creates the tables). Every
write is one transaction, committed before the call returns; pages are read by keyset, never OFFSET.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import NotFoundError, StorageError
from cruce.sharing.audit import AuditEvent
from cruce.storage.alerts import NewAlert, raise_alerts_on
from cruce.storage.audit import AuditLog
from cruce.storage.errors import reading, writing
from cruce.storage.tables import JobChunkRow, JobRow


@dataclass(frozen=True, slots=True)
class JobRecord:
    seq: int
    job_id: str
    kind: str
    owner: str
    country: str
    state: str
    total: int | None
    done: int
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    summary: dict[str, Any]
    result_path: str | None
    worker: str | None = None
    lease_until: datetime | None = None


_UNFINISHED = ("queued", "running")


def new_job_id() -> str:
    return f"job:{secrets.token_hex(12)}"


class LostJobError(StorageError):
    """Another server process holds the job now (this one's lease ran out): stop working it."""

    def __init__(self, job_id: str) -> None:
        super().__init__("job_lost", f"job {job_id} is held by another server process now")


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """One input row of a batch chunk: the alerts it raises, then (from their (id, new?)) its audit
    record, if any, and its result lines."""

    alerts: Sequence[NewAlert]
    finish: Callable[[list[tuple[str, bool]]], tuple[AuditEvent | None, str]]


class JobStore:
    """Background jobs of one database."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with reading(self.engine) as conn:
            yield conn

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        with writing(self.engine, what) as conn:
            yield conn

    # -- jobs --------------------------------------------------------------------------------------------
    #
    # A job is worked by one server process at a time: `worker` names it and `lease_until` says until when
    # (renewed while it works: `renew_leases`, and every chunk commit). A job whose lease ran out was left by
    # a process that died; `claim_job` hands it to exactly one other process (a conditional UPDATE: of two
    # processes claiming at once, one changes the row and the other finds the lease already renewed).
    # Every later write of the job is conditional on `worker` still being the caller (`LostJobError`).

    def create_job(
        self,
        kind: str,
        owner: str,
        country: str,
        summary: Mapping[str, Any],
        *,
        job_id: str | None = None,
        worker: str | None = None,
        lease: timedelta | None = None,
    ) -> JobRecord:
        job_id = job_id or new_job_id()
        now = self._clock()
        with self._write("create the job") as conn:
            conn.execute(
                insert(JobRow).values(
                    job_id=job_id, kind=kind, owner=owner, country=country, state="queued", total=None,
                    done=0, created_at=now, finished_at=None, error=None, summary=dict(summary),
                    result_path=None, worker=worker,
                    lease_until=now + lease if worker is not None and lease is not None else None,
                )
            )  # fmt: skip
        return self.job(job_id)

    def job(self, job_id: str) -> JobRecord:
        with self._read() as conn:
            row = conn.execute(select(JobRow).where(JobRow.job_id == job_id)).first()
        if row is None:
            raise NotFoundError("job_not_found", f"no job {job_id!r}")
        return _job(row)

    def jobs_page(self, owner: str, *, after: int | None, limit: int) -> tuple[list[JobRecord], bool]:
        query = select(JobRow).where(JobRow.owner == owner)
        if after is not None:
            query = query.where(JobRow.seq > after)
        with self._read() as conn:
            rows = conn.execute(query.order_by(JobRow.seq).limit(limit + 1)).all()
        return [_job(r) for r in rows[:limit]], len(rows) > limit

    def update_job(self, job_id: str, *, worker: str | None = None, **values: Any) -> None:
        """Progress, or the end (state, finished_at, summary, result_path, error); with `worker`, only while
        that process holds the job (else `LostJobError`)."""
        if values.get("state") in ("done", "failed"):
            values.setdefault("finished_at", self._clock())
        with self._write(f"update job {job_id}") as conn:
            self._update_held(conn, job_id, worker, values)

    def _update_held(
        self, conn: Connection, job_id: str, worker: str | None, values: Mapping[str, Any], **where: Any
    ) -> None:
        query = update(JobRow).where(JobRow.job_id == job_id)
        if worker is not None:
            query = query.where(JobRow.worker == worker, JobRow.state.in_(_UNFINISHED))
        for column, value in where.items():
            query = query.where(getattr(JobRow, column) == value)
        if conn.execute(query.values(**values)).rowcount == 0 and (worker is not None or where):
            raise LostJobError(job_id)

    def expired_jobs(self) -> list[JobRecord]:
        """Unfinished jobs whose lease ran out (or that never had one): their process is gone."""
        j = JobRow
        with self._read() as conn:
            rows = conn.execute(
                select(j)
                .where(j.state.in_(_UNFINISHED), or_(j.lease_until.is_(None), j.lease_until < self._clock()))
                .order_by(j.seq)
            ).all()
        return [_job(r) for r in rows]

    def claim_job(
        self, job_id: str, worker: str, lease: timedelta, *, audit: AuditEvent | None = None
    ) -> JobRecord | None:
        """Take over an unfinished job whose lease ran out; None if another process was first (or it
        finished). With `audit`, the record commits with the claim."""
        j = JobRow
        now = self._clock()
        with self._write(f"claim job {job_id}") as conn:
            claimed = conn.execute(
                update(j)
                .where(
                    j.job_id == job_id,
                    j.state.in_(_UNFINISHED),
                    or_(j.lease_until.is_(None), j.lease_until < now),
                )
                .values(worker=worker, lease_until=now + lease)
            ).rowcount
            if claimed != 1:
                return None
            if audit is not None:
                AuditLog(self.engine).append_on(conn, [audit])
            row = conn.execute(select(j).where(j.job_id == job_id)).one()
        return _job(row)

    def renew_leases(self, worker: str, lease: timedelta) -> int:
        """Extend the lease of every unfinished job `worker` holds (its heartbeat)."""
        j = JobRow
        with self._write("renew job leases") as conn:
            done = conn.execute(
                update(j)
                .where(j.worker == worker, j.state.in_(_UNFINISHED))
                .values(lease_until=self._clock() + lease)
            )
        return int(done.rowcount or 0)

    def release_jobs(self, worker: str) -> int:
        """A stopping process lets go of its unfinished jobs: the next server takes them at once."""
        j = JobRow
        with self._write("release jobs") as conn:
            done = conn.execute(
                update(j)
                .where(j.worker == worker, j.state.in_(_UNFINISHED))
                .values(worker=None, lease_until=None)
            )
        return int(done.rowcount or 0)

    def commit_chunk(  # noqa: PLR0917 - one chunk's parts, committed together
        self,
        job_id: str,
        worker: str,
        lease: timedelta,
        start: int,
        size: int,
        rows: Sequence[ChunkRow],
        counts: Mapping[str, Any],
        audit: AuditLog,
    ) -> int:
        """Commit one chunk of a batch job in one transaction: its alerts, the audit record of each row that
        raised any, its result lines, and the job's progress (`done` from `start` to `start + size`).

        Only if `worker` still holds the job and it stopped at `start` (else `LostJobError`, nothing
        written): a chunk is committed once, whoever runs it. Returns the alerts the chunk pointed to.
        """
        now = self._clock()
        alerts = 0
        with self._write(f"commit a chunk of job {job_id}") as conn:
            self._update_held(
                conn, job_id, worker, {"done": start + size, "lease_until": now + lease}, done=start
            )
            events: list[AuditEvent] = []
            lines: list[str] = []
            for row in rows:
                raised = raise_alerts_on(conn, row.alerts, now) if row.alerts else []
                alerts += len(raised)
                event, text = row.finish(raised)
                if event is not None:
                    events.append(event)
                lines.append(text)
            if events:
                audit.append_on(conn, events)
            conn.execute(
                insert(JobChunkRow).values(
                    job_id=job_id, start=start, rows=size, results="".join(lines),
                    counts={**counts, "alerts": alerts},
                )
            )  # fmt: skip
        return alerts

    def job_chunks(self, job_id: str) -> list[tuple[int, int, str, dict[str, Any]]]:
        """A batch job's committed chunks in input order: (start, rows, result lines, counts)."""
        c = JobChunkRow
        with self._read() as conn:
            found = conn.execute(
                select(c.start, c.rows, c.results, c.counts).where(c.job_id == job_id).order_by(c.start)
            ).all()
        return [(int(r.start), int(r.rows), r.results, dict(r.counts)) for r in found]

    def finish_job(
        self,
        job_id: str,
        worker: str,
        summary: Mapping[str, Any],
        result_path: str,
        audit: AuditEvent,
    ) -> None:
        """Mark a batch job done (while `worker` holds it), with its audit record, in one transaction; its
        chunks go (the results file holds them now)."""
        with self._write(f"finish job {job_id}") as conn:
            self._update_held(
                conn, job_id, worker,
                {"state": "done", "summary": dict(summary), "result_path": result_path,
                 "finished_at": self._clock(), "worker": None, "lease_until": None},
            )  # fmt: skip
            AuditLog(self.engine).append_on(conn, [audit])
            conn.execute(delete(JobChunkRow).where(JobChunkRow.job_id == job_id))


def _job(row: Any) -> JobRecord:
    return JobRecord(
        int(row.seq), row.job_id, row.kind, row.owner, row.country, row.state, row.total, int(row.done),
        as_utc(row.created_at), as_utc(row.finished_at) if row.finished_at else None, row.error,
        dict(row.summary), row.result_path, row.worker,
        as_utc(row.lease_until) if row.lease_until else None,
    )  # fmt: skip
