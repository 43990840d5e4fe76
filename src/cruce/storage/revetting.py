"""Re-vetting runs and their hits: a durable outbox, so each new list version is re-vetted exactly once.

`enqueue_version` is called by `Store.save_import` inside the transaction that publishes the version, so a
version that shows always has its run and a failed import has none. A worker claims a run with a lease
(`claim`), screens its entities in chunks and commits each chunk's hits with the run's progress in one
transaction (`commit_chunk`); the hits' primary key is their stable key, so a chunk redone after a crash
cannot store a hit twice. Each stored hit is then delivered (the member suspended, the alert queued) and
marked delivered; delivery after a crash repeats at most the hit that was in flight, and its receiver is
idempotent on the hit key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import NotFoundError, StorageError
from cruce.matching.types import Feature
from cruce.programs.model import PartyRole
from cruce.programs.revetting import RevetHit
from cruce.storage.errors import reading
from cruce.storage.tables import Base
from cruce.storage.transactions import begin_write


class RunKind(StrEnum):
    DIFF = "diff"  # a new list version: its added and changed entities
    FULL = "full"  # every member against every active list (`cruce programs revet --full`)


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RevettingRunRow(Base):
    """One re-vetting run: the outbox row a new list version writes, then the worker's progress on it."""

    __tablename__ = "revetting_runs"
    __table_args__ = (Index("ix_revetting_runs_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    list_id: Mapped[str | None] = mapped_column(String(64))
    version_id: Mapped[int | None] = mapped_column(Integer)  # list_versions.id (no key: versions are pruned)
    version: Mapped[int | None] = mapped_column(Integer)
    from_version: Mapped[int | None] = mapped_column(Integer)  # the version it replaced; None: the first
    state: Mapped[str] = mapped_column(String(16))
    total: Mapped[int | None] = mapped_column(Integer)  # entities to screen, known once started
    done: Mapped[int] = mapped_column(Integer)  # entities screened and committed
    hits: Mapped[int] = mapped_column(Integer)
    members: Mapped[int | None] = mapped_column(Integer)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class RevettingHitRow(Base):
    """A hit of a run, stored once (keyed by the hit's stable key) and delivered once."""

    __tablename__ = "revetting_hits"
    __table_args__ = (Index("ix_revetting_hits_run_id_delivered_at", "run_id", "delivered_at"),)

    hit_key: Mapped[str] = mapped_column(String(700), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("revetting_runs.id", ondelete="CASCADE"))
    membership_id: Mapped[str] = mapped_column(String(128))
    entity_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    hit: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


_RUNS = Base.metadata.tables[RevettingRunRow.__tablename__]
_HITS = Base.metadata.tables[RevettingHitRow.__tablename__]


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    kind: RunKind
    list_id: str | None
    version_id: int | None
    version: int | None
    from_version: int | None
    state: RunState
    total: int | None
    done: int
    hits: int
    members: int | None
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None
    lease_until: datetime | None
    error: str | None

    @property
    def label(self) -> str:
        if self.kind is RunKind.FULL:
            return f"run {self.id}: full re-vetting"
        since = f"after @{self.from_version}" if self.from_version else "first version"
        return f"run {self.id}: {self.list_id}@{self.version} ({since})"


class LeaseLostError(StorageError):
    """Another worker took the run over (this one's lease ran out): stop working it."""

    def __init__(self, run_id: int) -> None:
        super().__init__("lease_lost", f"re-vetting run {run_id} was taken over by another worker")


def enqueue_version(
    conn: Connection,
    list_id: str,
    *,
    version_id: int,
    version: int,
    from_version: int | None,
    now: datetime,
) -> int:
    """Put the re-vetting of a new list version in the outbox, in the caller's (publishing) transaction."""
    run_id = conn.scalar(
        insert(_RUNS)
        .values(
            kind=RunKind.DIFF.value,
            list_id=list_id,
            version_id=version_id,
            version=version,
            from_version=from_version,
            state=RunState.PENDING.value,
            done=0,
            hits=0,
            enqueued_at=now,
        )
        .returning(_RUNS.c.id)
    )
    if run_id is None:  # pragma: no cover - RETURNING always yields the key
        raise StorageError("save_failed", "the database returned no id for the re-vetting run")
    return int(run_id)


class RevettingStore:
    """The outbox of re-vetting runs and their hits, on the store's engine."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with reading(self.engine) as conn:
            yield conn

    def enqueue_full(self) -> RunRecord:
        now = self._clock()
        with begin_write(self.engine, "queue a full re-vetting") as conn:
            run_id = conn.scalar(
                insert(_RUNS)
                .values(
                    kind=RunKind.FULL.value, state=RunState.PENDING.value, done=0, hits=0, enqueued_at=now
                )
                .returning(_RUNS.c.id)
            )
        return self.run(int(run_id or 0))

    def run(self, run_id: int) -> RunRecord:
        with self._read() as conn:
            row = conn.execute(select(_RUNS).where(_RUNS.c.id == run_id)).first()
        if row is None:
            raise NotFoundError("run_not_found", f"no re-vetting run {run_id}")
        return _record(row)

    def runs(self, limit: int = 50) -> list[RunRecord]:
        with self._read() as conn:
            rows = conn.execute(select(_RUNS).order_by(_RUNS.c.id.desc()).limit(limit)).all()
        return [_record(r) for r in rows]

    def claimable(self) -> list[RunRecord]:
        """Runs waiting for a worker, and running ones whose worker's lease ran out, oldest first."""
        now = self._clock()
        with self._read() as conn:
            rows = conn.execute(
                select(_RUNS)
                .where(
                    or_(
                        _RUNS.c.state == RunState.PENDING.value,
                        and_(
                            _RUNS.c.state == RunState.RUNNING.value,
                            or_(_RUNS.c.lease_until.is_(None), _RUNS.c.lease_until < now),
                        ),
                    )
                )
                .order_by(_RUNS.c.id)
            ).all()
        return [_record(r) for r in rows]

    def claim(self, run_id: int, worker: str, lease: timedelta) -> RunRecord | None:
        """Take a waiting run, or one whose lease ran out; None when another worker was first."""
        now = self._clock()
        with begin_write(self.engine, "claim a re-vetting run") as conn:
            claimed = conn.execute(
                update(_RUNS)
                .where(
                    _RUNS.c.id == run_id,
                    or_(
                        _RUNS.c.state == RunState.PENDING.value,
                        and_(
                            _RUNS.c.state == RunState.RUNNING.value,
                            or_(_RUNS.c.lease_until.is_(None), _RUNS.c.lease_until < now),
                        ),
                    ),
                )
                .values(state=RunState.RUNNING.value, worker=worker, lease_until=now + lease)
            ).rowcount
            if claimed:
                conn.execute(
                    update(_RUNS)
                    .where(_RUNS.c.id == run_id, _RUNS.c.started_at.is_(None))
                    .values(started_at=now)
                )
        return self.run(run_id) if claimed else None

    def start(self, run_id: int, worker: str, lease: timedelta, total: int, members: int) -> None:
        with begin_write(self.engine, "start a re-vetting run") as conn:
            self._held(
                conn,
                run_id,
                worker,
                {"total": total, "members": members, "lease_until": self._clock() + lease},
            )

    def commit_chunk(
        self, run_id: int, worker: str, lease: timedelta, done: int, hits: Sequence[RevetHit]
    ) -> int:
        """Store a chunk's hits and the run's progress in one transaction; the number of new hits."""
        now = self._clock()
        with begin_write(self.engine, "record re-vetting hits") as conn:
            new = 0
            if hits:
                rows = [
                    {
                        "hit_key": h.key,
                        "run_id": run_id,
                        "membership_id": h.membership_id,
                        "entity_id": h.entity_id,
                        "score": h.score,
                        "hit": hit_to_json(h),
                        "created_at": now,
                        "delivered_at": None,
                    }
                    for h in hits
                ]
                new = conn.execute(_insert_new_hits(conn), rows).rowcount or 0
            count = conn.scalar(select(_RUNS.c.hits).where(_RUNS.c.id == run_id))
            self._held(
                conn,
                run_id,
                worker,
                {"done": done, "hits": int(count or 0) + new, "lease_until": now + lease},
            )
        return new

    def undelivered(self, run_id: int) -> list[RevetHit]:
        with self._read() as conn:
            rows = conn.execute(
                select(_HITS.c.hit)
                .where(_HITS.c.run_id == run_id, _HITS.c.delivered_at.is_(None))
                .order_by(_HITS.c.hit_key)
            ).all()
        return [hit_from_json(r[0]) for r in rows]

    def mark_delivered(self, hit_key: str) -> None:
        with begin_write(self.engine, "mark a re-vetting hit delivered") as conn:
            conn.execute(update(_HITS).where(_HITS.c.hit_key == hit_key).values(delivered_at=self._clock()))

    def hits_of(self, run_id: int) -> list[RevetHit]:
        with self._read() as conn:
            rows = conn.execute(
                select(_HITS.c.hit).where(_HITS.c.run_id == run_id).order_by(_HITS.c.hit_key)
            ).all()
        return [hit_from_json(r[0]) for r in rows]

    def finish(self, run_id: int, worker: str, *, error: str | None = None) -> None:
        state = RunState.FAILED if error else RunState.DONE
        with begin_write(self.engine, "finish a re-vetting run") as conn:
            self._held(
                conn,
                run_id,
                worker,
                {
                    "state": state.value,
                    "error": error,
                    "finished_at": self._clock(),
                    "worker": None,
                    "lease_until": None,
                },
            )

    def _held(self, conn: Connection, run_id: int, worker: str, values: dict[str, Any]) -> None:
        changed = conn.execute(
            update(_RUNS)
            .where(_RUNS.c.id == run_id, _RUNS.c.worker == worker, _RUNS.c.state == RunState.RUNNING.value)
            .values(**values)
        ).rowcount
        if not changed:
            raise LeaseLostError(run_id)


def _insert_new_hits(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql_insert(_HITS).on_conflict_do_nothing(index_elements=["hit_key"])
    return sqlite_insert(_HITS).on_conflict_do_nothing(index_elements=["hit_key"])


def hit_to_json(hit: RevetHit) -> dict[str, Any]:
    return {
        "key": hit.key,
        "run_id": hit.run_id,
        "membership_id": hit.membership_id,
        "program_id": hit.program_id,
        "country": hit.country,
        "party_role": hit.party_role.value,
        "party_name": hit.party_name,
        "list_id": hit.list_id,
        "entity_id": hit.entity_id,
        "entity_caption": hit.entity_caption,
        "score": hit.score,
        "matched_name": hit.matched_name,
        "matcher": hit.matcher,
        "features": [[f.name, f.value, f.detail] for f in hit.features],
    }


def hit_from_json(data: dict[str, Any] | str) -> RevetHit:
    d = json.loads(data) if isinstance(data, str) else data
    return RevetHit(
        key=d["key"],
        run_id=int(d["run_id"]),
        membership_id=d["membership_id"],
        program_id=d["program_id"],
        country=d["country"],
        party_role=PartyRole(d["party_role"]),
        party_name=d["party_name"],
        list_id=d["list_id"],
        entity_id=d["entity_id"],
        entity_caption=d["entity_caption"],
        score=float(d["score"]),
        matched_name=d["matched_name"],
        matcher=d["matcher"],
        features=tuple(Feature(n, float(v), detail) for n, v, detail in d["features"]),
    )


def _record(row: Any) -> RunRecord:
    return RunRecord(
        id=int(row.id),
        kind=RunKind(row.kind),
        list_id=row.list_id,
        version_id=row.version_id,
        version=row.version,
        from_version=row.from_version,
        state=RunState(row.state),
        total=row.total,
        done=int(row.done),
        hits=int(row.hits),
        members=row.members,
        enqueued_at=_utc(row.enqueued_at),
        started_at=_utc(row.started_at) if row.started_at else None,
        finished_at=_utc(row.finished_at) if row.finished_at else None,
        worker=row.worker,
        lease_until=_utc(row.lease_until) if row.lease_until else None,
        error=row.error,
    )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
