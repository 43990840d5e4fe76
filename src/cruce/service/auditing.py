"""The audit log for its auditors: a country's records only, newest first or paged, and the chain's check."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cruce.service.paging import Page, check_limit, decode_cursor, page_of
from cruce.service.policy import Gate
from cruce.sharing.access import User, may_audit
from cruce.sharing.audit import AuditRecord
from cruce.storage.audit import AuditLog

AUDIT_ONLY = "role auditor (and no administration) is needed to read the audit log"


class AuditRecordView(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    resource: str
    outcome: str
    reason: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    country: str | None = None

    @classmethod
    def of(cls, r: AuditRecord) -> AuditRecordView:
        return cls.model_validate(
            {"seq": r.seq, **r.event.to_dict(), "prev_hash": r.prev_hash, "hash": r.hash}
        )


class ChainHead(BaseModel):
    seq: int
    hash: str


class ChainProblem(BaseModel):
    seq: int
    problem: str


class AuditVerificationView(BaseModel):
    ok: bool
    checked: int
    head: ChainHead
    problems: list[ChainProblem]


class AuditTrail:
    """What an auditor reads; reading it is itself audited."""

    def __init__(self, log: AuditLog, gate: Gate) -> None:
        self.log = log
        self.gate = gate

    def records(self, user: User, cursor: str | None, limit: int, actor: str | None) -> Page[AuditRecordView]:
        self.gate.decided(user, may_audit(user), "audit", public=AUDIT_ONLY)
        records = self.log.records(
            decode_cursor(cursor, int), check_limit(limit) + 1, actor=actor, country=user.organisation.country
        )
        page = records[:limit]
        last = page[-1].seq if page else None
        return page_of([AuditRecordView.of(r) for r in page], len(records) > limit, last)

    def latest(self, user: User, limit: int, actor: str | None) -> list[AuditRecordView]:
        """The newest records, newest first: what an auditor looks at first in the console."""
        self.gate.decided(user, may_audit(user), "audit", public=AUDIT_ONLY)
        latest = self.log.latest(check_limit(limit), actor=actor, country=user.organisation.country)
        return [AuditRecordView.of(r) for r in reversed(latest)]

    def verify(self, user: User) -> AuditVerificationView:
        self.gate.decided(user, may_audit(user), "audit/verify", public=AUDIT_ONLY)
        result = self.log.verify()
        return AuditVerificationView(
            ok=result.ok,
            checked=result.checked,
            head=ChainHead(seq=result.head.seq, hash=result.head.hash),
            problems=[ChainProblem(seq=p.seq, problem=p.problem) for p in result.problems],
        )
