"""Audit records written straight to a store, and its head: for the backup and restore tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def append_reads(url: str, first: int, n: int) -> str:
    """Append `n` report reads numbered from `first`; the new head's hash."""
    with open_store(url) as store:
        log = AuditLog.of(store)
        for i in range(first, first + n):
            log.append(
                AuditEvent(
                    at=T0 + timedelta(minutes=i), actor="officer.usa", action="read",
                    resource=f"report:2026-{i:04d}", outcome=Outcome.ALLOWED, reason=f"reason {i}",
                )
            )  # fmt: skip
        return log.head().hash


def audit_head(url: str) -> tuple[int, str]:
    with open_store(url) as store:
        head = AuditLog.of(store).head()
        return head.seq, head.hash
