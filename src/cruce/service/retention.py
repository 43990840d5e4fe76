"""Automatic retention of migrants' personal data: records past every purpose's retention are deleted.

`enforce_retention` is the one pass: inside one write transaction (the same writer lock and transaction
every other write takes) it reads the records collected before the shortest retention ended and under no
legal hold, lets `due_for_deletion` decide, deletes those due and appends, in the same transaction, one
audit record per country and batch of deletions: how many and which record ids, never the deleted data.
Two processes running it at once (two server workers, a CLI beside a server) cannot both delete or both
audit a record: the second reads, under the lock, what the first left.

`RetentionKeeper` runs the pass when a server starts and then every `interval` on a daemon thread; the
CLI runs the pass whenever a command opens humanitarian data (`cruce incidents …`).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import CruceError, InputError
from cruce.respond.humanitarian import DEFAULT_RETENTION, Purpose, due_for_deletion
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog

log = logging.getLogger(__name__)

ACTOR = "cruce:retention"
ACTION = "delete personal data"
IDS_PER_RECORD = 500  # record ids per audit record: a large purge is several records, none unbounded


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one pass deleted, by country (record ids), and the audit records it wrote."""

    deleted: Mapping[str, tuple[str, ...]]
    audit_records: int

    @property
    def count(self) -> int:
        return sum(len(refs) for refs in self.deleted.values())


def retention_periods(
    rescue: timedelta | None = None,
    repatriation: timedelta | None = None,
    case: timedelta | None = None,
) -> dict[Purpose, timedelta]:
    """Retention per purpose (the defaults where not given); each must be positive."""
    periods = dict(DEFAULT_RETENTION)
    for purpose, value in ((Purpose.RESCUE, rescue), (Purpose.REPATRIATION, repatriation),
                           (Purpose.CASE, case)):  # fmt: skip
        if value is None:
            continue
        if value <= timedelta(0):
            raise InputError("bad_retention", f"retention for {purpose} must be positive, got {value}")
        periods[purpose] = value
    return periods


def enforce_retention(
    store: RespondStore,
    audit: AuditLog,
    *,
    retention: Mapping[Purpose, timedelta] | None = None,
    clock: Clock = utc_now,
) -> RetentionRun:
    """Delete every country's personal records past retention; each deletion audited with it."""
    periods = dict(retention or DEFAULT_RETENTION)
    now = as_utc(clock())
    shortest = min(periods.values())
    deleted: dict[str, list[str]] = defaultdict(list)
    if not store.any_expired_people(now - shortest):
        return RetentionRun({}, 0)  # the usual pass: nothing to delete, no write transaction taken
    with store.write("delete personal records past retention") as conn:
        candidates = store.expired_people_on(conn, now - shortest)
        if not candidates:
            return RetentionRun({}, 0)
        from cruce.service.respond import _person  # the row → record conversion of the respond service

        countries = {r["person_ref"]: r["country"] for r in candidates}
        decision = due_for_deletion([_person(r) for r in candidates], now, periods)
        for ref in decision.delete:
            deleted[countries[ref]].append(ref)
        events = []
        for country, refs in sorted(deleted.items()):
            for start in range(0, len(refs), IDS_PER_RECORD):
                batch = refs[start : start + IDS_PER_RECORD]
                events.append(
                    AuditEvent(
                        now, ACTOR, ACTION, "person_records", Outcome.ALLOWED,
                        f"{len(batch)} record(s) past retention deleted automatically",
                        {"count": len(batch), "person_refs": batch,
                         "retention_days": {str(p): round(v.total_seconds() / 86400, 6)
                                            for p, v in sorted(periods.items())}},
                        country,
                    )
                )  # fmt: skip
        store.delete_people_on(conn, decision.delete)
        if events:
            audit.append_on(conn, events)
    run = RetentionRun({c: tuple(refs) for c, refs in deleted.items()}, len(events))
    if run.count:
        log.info("retention_purged records=%d audit_records=%d", run.count, run.audit_records)
    return run


class RetentionKeeper:
    """A server's retention: one pass at start, then one every `interval` until closed."""

    def __init__(
        self,
        store: RespondStore,
        audit: AuditLog,
        *,
        retention: Mapping[Purpose, timedelta] | None = None,
        interval: timedelta = timedelta(hours=1),
        clock: Clock = utc_now,
    ) -> None:
        if interval <= timedelta(0):
            raise InputError("bad_retention", f"the purge interval must be positive, got {interval}")
        self.store = store
        self.audit = audit
        self.retention = dict(retention or DEFAULT_RETENTION)
        self.interval = interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> RetentionRun | None:
        """One pass; a failure is logged (the next pass tries again), never raised into the server."""
        try:
            return enforce_retention(self.store, self.audit, retention=self.retention, clock=self.clock)
        except CruceError as exc:
            log.warning("retention_failed code=%s message=%s", exc.code, exc.message)
        except Exception:  # the keeper must outlive a bug in one pass
            log.exception("retention_failed")
        return None

    def start(self) -> None:
        """The first pass now (before the server takes requests), the next ones on a daemon thread."""
        self.run_once()
        self._thread = threading.Thread(target=self._keep, name="cruce-retention", daemon=True)
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.wait(self.interval.total_seconds()):
            self.run_once()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
