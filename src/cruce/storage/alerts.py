"""The alerts aggregate: the alert work queue, each alert's events, the false positives a country remembers.

How an alert moves between states is decided by `cruce.alerts.review`; this store persists the decisions.
`AlertStore(store.engine)` works on the engine `open_store` made (migration 0004 creates the tables).

Every write is one transaction, committed before the call returns: an API that answered 2xx has the write
on disk (SQLite in WAL mode survives a killed process at any instant; PostgreSQL commits durably). State
changes are conditional UPDATEs (`WHERE state = <expected>`), so two reviewers deciding the same alert at
once cannot both win: the second gets a conflict, never a silently overwritten decision.

Pages are read by keyset (`seq > after ORDER BY seq LIMIT n + 1`), never OFFSET, so the last page of a
long queue costs what the first does and an item added meanwhile is neither skipped nor repeated.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from cruce.alerts.review import INITIAL, UNDER_REVIEW
from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import InputError, NotFoundError
from cruce.sharing.audit import AuditEvent
from cruce.storage.audit import AuditLog
from cruce.storage.errors import reading, writing
from cruce.storage.tables import AlertDismissalRow, AlertEventRow, AlertRow, Base

T = TypeVar("T")

# The statements of every screening request, built once on the tables: building a statement from the ORM
# attributes costs more than running it.
_ALERTS, _ALERT_EVENTS, _DISMISSALS = (
    Base.metadata.tables[row.__tablename__] for row in (AlertRow, AlertEventRow, AlertDismissalRow)
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


class AlertStore:
    """Alerts, their events and the false positives each country remembers, of one database."""

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
            out = raise_alerts_on(conn, alerts, self._clock())
            if audit is not None:
                audit.log.append_on(conn, [audit.event(out)])
        return out

    def raising(self, alerts: Sequence[NewAlert]) -> Callable[[Connection], list[tuple[str, bool]]]:
        """`raise_alerts` as a write for another transaction (the audit writer's group commit: see
        `AuditAppender.append_with_async`): the same check and insert, on the connection it is given."""
        return lambda conn: raise_alerts_on(conn, alerts, self._clock())

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


def raise_alerts_on(conn: Connection, alerts: Sequence[NewAlert], now: datetime) -> list[tuple[str, bool]]:
    """Raise `alerts` inside the caller's write transaction (another store's state change and its alert
    commit together, e.g. a membership suspended pending review, or a batch chunk): each alert unless one is
    open on the same data; (alert id, new?) each."""
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
