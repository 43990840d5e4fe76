"""The API's own tables: expiring access tokens, the alert work queue and background jobs.

`ApiStore(store.engine)` works on the engine `open_store` made (migration 0004 creates the tables).

Every write is one transaction, committed before the call returns: an API that answered 2xx has the write
on disk (SQLite in WAL mode survives a killed process at any instant; PostgreSQL commits durably). State
changes are conditional UPDATEs (`WHERE state = <expected>`), so two reviewers deciding the same alert at
once cannot both win: the second gets a conflict, never a silently overwritten decision.

Pages are read by keyset (`seq > after ORDER BY seq LIMIT n + 1`), never OFFSET, so the last page of a
long queue costs what the first does and an item added meanwhile is neither skipped nor repeated.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, bindparam, delete, insert, or_, select, update

from cruce.alerts.review import INITIAL, UNDER_REVIEW
from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import InputError, NotFoundError, StorageError
from cruce.sharing.audit import AuditEvent
from cruce.storage.audit import AuditLog
from cruce.storage.credentials import token_digest
from cruce.storage.errors import reading, writing
from cruce.storage.sharing import Account, account_from_row
from cruce.storage.tables import (
    AlertDismissalRow,
    AlertEventRow,
    AlertRow,
    ApiTokenRow,
    Base,
    JobChunkRow,
    JobRow,
    ShareAccountRow,
    ShareTokenRow,
)
from cruce.storage.transactions import WriterLock, writer_lock

log = logging.getLogger(__name__)
T = TypeVar("T")

ACCESS_TOKEN_PREFIX = "cruce_at_"

# The statements of every screening request, built once on the tables: building a statement from the ORM
# attributes costs more than running it.
_ACCOUNTS, _API_TOKENS, _KEYS, _ALERTS, _ALERT_EVENTS, _DISMISSALS = (
    Base.metadata.tables[row.__tablename__]
    for row in (ShareAccountRow, ApiTokenRow, ShareTokenRow, AlertRow, AlertEventRow, AlertDismissalRow)
)
_ACCOUNT_OF_ACCESS_TOKEN = (
    select(_ACCOUNTS)
    .join(_API_TOKENS, _API_TOKENS.c.user_id == _ACCOUNTS.c.user_id)
    .where(_API_TOKENS.c.token_sha256 == bindparam("digest"), _API_TOKENS.c.expires_at > bindparam("now"))
)
_ACCOUNT_OF_API_KEY = (
    select(_ACCOUNTS)
    .join(_KEYS, _KEYS.c.user_id == _ACCOUNTS.c.user_id)
    .where(_KEYS.c.token_sha256 == bindparam("digest"))
)
_DISMISSED = select(_DISMISSALS.c.entity_id, _DISMISSALS.c.entity_hash, _DISMISSALS.c.alert_id).where(
    _DISMISSALS.c.country == bindparam("country"),
    _DISMISSALS.c.person_fingerprint == bindparam("fingerprint"),
    _DISMISSALS.c.entity_id.in_(bindparam("entity_ids", expanding=True)),
)
_OPEN_ALERT = (
    select(_ALERTS.c.alert_id)
    .where(
        _ALERTS.c.person_fingerprint == bindparam("fingerprint"),
        _ALERTS.c.entity_id == bindparam("entity_id"),
        _ALERTS.c.entity_hash == bindparam("entity_hash"),
        _ALERTS.c.country == bindparam("country"),
        _ALERTS.c.kind == bindparam("kind"),
        _ALERTS.c.state.in_(sorted(s.value for s in UNDER_REVIEW)),
    )
    .limit(1)
)
_INSERT_ALERT = insert(_ALERTS)
_INSERT_ALERT_EVENT = insert(_ALERT_EVENTS)


@dataclass(frozen=True, slots=True)
class AuditHook(Generic[T]):
    """The audit record of a write, made from the write's result and appended in the write's transaction."""

    log: AuditLog
    event: Callable[[T], AuditEvent]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    seq: int
    alert_id: str
    kind: str
    country: str
    state: str
    assignee: str | None
    person_fingerprint: str
    person: dict[str, Any]
    entity_id: str
    entity_hash: str
    entity_caption: str
    score: float
    features: list[dict[str, Any]]
    source: str
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewAlert:
    """What screening found that deserves a reviewer's look."""

    kind: str
    country: str
    person_fingerprint: str
    person: Mapping[str, Any]
    entity_id: str
    entity_hash: str
    entity_caption: str
    score: float
    features: Sequence[Mapping[str, Any]]
    source: str
    created_by: str


@dataclass(frozen=True, slots=True)
class AlertEvent:
    seq: int
    alert_id: str
    at: datetime
    actor: str
    kind: str
    state: str
    text: str | None
    details: dict[str, Any]


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


class ApiStore:
    """Access tokens, alerts and jobs of one database."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; the threads of this process and the other server workers queue
        # on this lock (every write transaction takes it: `transactions.begin_write`).
        self.write_lock: WriterLock | nullcontext[None] = writer_lock(engine) or nullcontext()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with reading(self.engine) as conn:
            yield conn

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        with writing(self.engine, what) as conn:  # BEGIN IMMEDIATE: the write lock before any read
            yield conn

    # -- access tokens -----------------------------------------------------------------------------------

    def issue_access_token(self, user_id: str, ttl: timedelta) -> tuple[str, datetime]:
        """A new random bearer token for `user_id`, returned once and stored only as its sha256."""
        token = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        expires = now + ttl
        with self._write("store the access token") as conn:
            conn.execute(delete(ApiTokenRow).where(ApiTokenRow.expires_at < now))  # keep the table small
            conn.execute(
                insert(ApiTokenRow).values(
                    token_sha256=token_digest(token), user_id=user_id, created_at=now, expires_at=expires
                )
            )
        return token, expires

    def revoke_access_token(self, token: str) -> None:
        """Forget an access token (sign-out): it stops working at once, not when it would have expired."""
        with self._write("revoke the access token") as conn:
            conn.execute(delete(ApiTokenRow).where(ApiTokenRow.token_sha256 == token_digest(token)))

    def revoke_access_tokens(self, user_id: str) -> int:
        """Forget every access token of `user_id` (sign out everywhere); how many there were."""
        with self._write(f"revoke the access tokens of {user_id}") as conn:
            done = conn.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == user_id))
        return int(done.rowcount or 0)

    def access_token_owner(self, token: str) -> str | None:
        """The user id an access token (expired or not) was issued to; None for an unknown one."""
        with self._read() as conn:
            owner = conn.scalar(
                select(ApiTokenRow.user_id).where(ApiTokenRow.token_sha256 == token_digest(token))
            )
        return str(owner) if owner is not None else None

    def check_access_token(self, token: str) -> Account | None:
        """The account of an unexpired access token; None for an unknown or expired one."""
        with self._read() as conn:
            row = conn.execute(
                _ACCOUNT_OF_ACCESS_TOKEN, {"digest": token_digest(token), "now": self._clock()}
            ).first()
        return account_from_row(row) if row is not None else None

    def check_api_key(self, key: str) -> Account | None:
        """The account of an API key (a sharing account's token); None for an unknown one.

        The same lookup as `SharingStore.check_token`, on a statement built once: it runs on every request.
        """
        with self._read() as conn:
            row = conn.execute(_ACCOUNT_OF_API_KEY, {"digest": token_digest(key)}).first()
        return account_from_row(row) if row is not None else None

    # -- alerts ------------------------------------------------------------------------------------------

    def dismissals(
        self, country: str, fingerprint: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """Of `keys` ((entity id, entity hash)), those `country` remembers as false positives for this
        person. Another country's decision never counts: each country screens on its own judgement."""
        if not keys:
            return {}
        with self._read() as conn:
            rows = conn.execute(
                _DISMISSED,
                {"country": country, "fingerprint": fingerprint, "entity_ids": sorted({k[0] for k in keys})},
            ).all()
        wanted = set(keys)
        return {
            (r.entity_id, r.entity_hash): r.alert_id for r in rows if (r.entity_id, r.entity_hash) in wanted
        }

    def raise_alerts(
        self, alerts: Sequence[NewAlert], *, audit: AuditHook[list[tuple[str, bool]]] | None = None
    ) -> list[tuple[str, bool]]:
        """Store each alert unless one is already under review for the same data; (alert id, new?) each.

        One transaction for all: the open-alert check and the insert cannot be split by a crash. With
        `audit`, the audit record it makes of the outcome is appended in that same transaction: the alerts
        and their record commit together or not at all.
        """
        out: list[tuple[str, bool]] = []
        if not alerts:
            return out
        with self._write("raise the alerts") as conn:
            out = _raise_on(conn, alerts, self._clock())
            if audit is not None:
                audit.log.append_on(conn, [audit.event(out)])
        return out

    def alert(self, alert_id: str) -> AlertRecord:
        with self._read() as conn:
            row = conn.execute(select(AlertRow).where(AlertRow.alert_id == alert_id)).first()
        if row is None:
            raise NotFoundError("alert_not_found", f"no alert {alert_id!r}")
        return _alert(row)

    def alerts_page(
        self,
        country: str,
        *,
        after: int | None,
        limit: int,
        state: str | None = None,
        assignee: str | None = None,
    ) -> tuple[list[AlertRecord], bool]:
        """A page of `country`'s alerts in creation order, and whether more follow."""
        a = AlertRow
        query = select(a).where(a.country == country)
        if after is not None:
            query = query.where(a.seq > after)
        if state is not None:
            query = query.where(a.state == state)
        if assignee is not None:
            query = query.where(a.assignee == assignee)
        with self._read() as conn:
            rows = conn.execute(query.order_by(a.seq).limit(limit + 1)).all()
        return [_alert(r) for r in rows[:limit]], len(rows) > limit

    def events(
        self, alert_id: str, *, after: int | None = None, limit: int | None = None
    ) -> list[AlertEvent]:
        e = AlertEventRow
        query = select(e).where(e.alert_id == alert_id)
        if after is not None:
            query = query.where(e.seq > after)
        query = query.order_by(e.seq)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            AlertEvent(
                int(r.seq), r.alert_id, as_utc(r.at), r.actor, r.kind, r.state, r.text, dict(r.details)
            )
            for r in rows
        ]

    def record_event(
        self,
        alert_id: str,
        *,
        actor: str,
        kind: str,
        expected_state: str,
        new_state: str | None = None,
        assignee: str | None = None,
        text: str | None = None,
        remember_false_positive: bool = False,
        audit: AuditHook[AlertEvent] | None = None,
    ) -> AlertEvent:
        """Append one event and apply it to the alert, only if the alert is still in `expected_state`.

        With `audit`, its record of the event commits in the same transaction as the event.
        """
        a = AlertRow
        now = self._clock()
        state = new_state or expected_state
        values: dict[str, Any] = {"updated_at": now, "state": state}
        if kind == "assigned":
            values["assignee"] = assignee
        details = {"assignee": assignee} if kind == "assigned" else {}
        if new_state is not None:
            details["from"] = expected_state
        with self._write(f"record a {kind} event on {alert_id}") as conn:
            done = conn.execute(
                update(a).where(a.alert_id == alert_id, a.state == expected_state).values(**values)
            )
            if done.rowcount == 0:
                current = conn.scalar(select(a.state).where(a.alert_id == alert_id))
                if current is None:
                    raise NotFoundError("alert_not_found", f"no alert {alert_id!r}")
                raise InputError(
                    "conflict",
                    f"alert {alert_id} is {current} now, not {expected_state}: someone decided it "
                    "meanwhile; reload it",
                    {"state": current},
                )
            seq = conn.scalar(
                insert(AlertEventRow)
                .values(alert_id=alert_id, at=now, actor=actor, kind=kind, state=state, text=text,
                        details=details)
                .returning(AlertEventRow.seq)
            )  # fmt: skip
            if remember_false_positive:
                row = conn.execute(
                    select(a.country, a.person_fingerprint, a.entity_id, a.entity_hash).where(
                        a.alert_id == alert_id
                    )
                ).one()
                key = (
                    AlertDismissalRow.country == row.country,
                    AlertDismissalRow.person_fingerprint == row.person_fingerprint,
                    AlertDismissalRow.entity_id == row.entity_id,
                    AlertDismissalRow.entity_hash == row.entity_hash,
                )
                conn.execute(delete(AlertDismissalRow).where(*key))
                conn.execute(
                    insert(AlertDismissalRow).values(
                        country=row.country, person_fingerprint=row.person_fingerprint,
                        entity_id=row.entity_id, entity_hash=row.entity_hash, alert_id=alert_id,
                        decided_by=actor, decided_at=now,
                    )
                )  # fmt: skip
            event = AlertEvent(int(seq or 0), alert_id, now, actor, kind, state, text, details)
            if audit is not None:
                audit.log.append_on(conn, [audit.event(event)])
        return event

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
                raised = _raise_on(conn, row.alerts, now) if row.alerts else []
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


def raise_alerts_on(conn: Connection, alerts: Sequence[NewAlert], now: datetime) -> list[tuple[str, bool]]:
    """Raise `alerts` inside the caller's write transaction (another store's state change and its alert
    commit together, e.g. a membership suspended pending review); (alert id, new?) each."""
    return _raise_on(conn, alerts, now)


def _raise_on(conn: Connection, alerts: Sequence[NewAlert], now: datetime) -> list[tuple[str, bool]]:
    """In the caller's write transaction: each alert unless one is open on the same data; (id, new?)."""
    out: list[tuple[str, bool]] = []
    for new in alerts:
        existing = conn.scalar(
            _OPEN_ALERT,
            {"fingerprint": new.person_fingerprint, "entity_id": new.entity_id,
             "entity_hash": new.entity_hash, "country": new.country, "kind": new.kind},
        )  # fmt: skip
        if existing is not None:
            out.append((str(existing), False))
            continue
        alert_id = f"alert:{secrets.token_hex(12)}"
        conn.execute(
            _INSERT_ALERT,
            {"alert_id": alert_id, "kind": new.kind, "country": new.country, "state": INITIAL.value,
             "assignee": None, "person_fingerprint": new.person_fingerprint,
             "person": dict(new.person), "entity_id": new.entity_id, "entity_hash": new.entity_hash,
             "entity_caption": new.entity_caption, "score": float(new.score),
             "features": [dict(f) for f in new.features], "source": new.source,
             "created_by": new.created_by, "created_at": now, "updated_at": now},
        )  # fmt: skip
        conn.execute(
            _INSERT_ALERT_EVENT,
            {"alert_id": alert_id, "at": now, "actor": new.created_by, "kind": "created",
             "state": INITIAL.value, "text": None,
             "details": {"source": new.source, "score": round(float(new.score), 4)}},
        )  # fmt: skip
        out.append((alert_id, True))
    return out


def _alert(row: Any) -> AlertRecord:
    return AlertRecord(
        int(row.seq), row.alert_id, row.kind, row.country, row.state, row.assignee, row.person_fingerprint,
        dict(row.person), row.entity_id, row.entity_hash, row.entity_caption, float(row.score),
        list(row.features), row.source, row.created_by, as_utc(row.created_at), as_utc(row.updated_at),
    )  # fmt: skip


def _job(row: Any) -> JobRecord:
    return JobRecord(
        int(row.seq), row.job_id, row.kind, row.owner, row.country, row.state, row.total, int(row.done),
        as_utc(row.created_at), as_utc(row.finished_at) if row.finished_at else None, row.error,
        dict(row.summary), row.result_path, row.worker,
        as_utc(row.lease_until) if row.lease_until else None,
    )  # fmt: skip

