"""The audit trail as a hash chain: what is recorded, how a record is hashed, and how a chain is checked.

Every read, write, release, export, sync and denial becomes an `AuditEvent`. Record `seq` (1, 2, 3...)
stores the event with `prev_hash`, the hash of record `seq - 1` (`GENESIS` for the first), and
`hash = record_hash(prev_hash, seq, event)`: sha256 of a canonical serialisation (sorted-key JSON, UTF-8,
no insignificant whitespace), so the same event hashes the same on every machine and database.
A separately stored *head* remembers the last record's seq and hash.

`verify_chain` then finds, each with the seq it concerns: a changed field (the record no longer matches its
hash), a removed record (a gap in seq, or a record whose prev_hash is not its predecessor's hash), records
out of order, and a truncated tail (the last record is not the head). What a chain cannot show on its own
is a wholesale rewrite of every record from some point on *and* of the head; publishing or copying the
head's hash elsewhere from time to time (it is printed by `cruce audit verify`) closes that gap.

Storage lives in `cruce.storage.audit`; this module does no I/O.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cruce.core.errors import InputError
from cruce.sharing.access import Decision, User

GENESIS = "0" * 64
"""The prev_hash of record 1: there is nothing before it."""


class Outcome(enum.StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 text kept as is, no NaN or infinity."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Something a person or a process did, or was refused. `at` must be timezone-aware; it is kept in UTC.

    `details` is normalised to what JSON gives back (tuples become lists, keys strings), so the event that
    is hashed is exactly the event a database returns. `country` is the country whose auditors read the
    event (the acting account's, fixed now, never later): the hash covers it when set, and an event without
    one is read by no country's auditor.
    """

    at: datetime
    actor: str
    action: str
    resource: str
    outcome: Outcome
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict, hash=False)
    country: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InputError("naive_time", "an audit event's time must be timezone-aware (UTC)")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        for name in ("actor", "action", "resource", "reason"):
            if "\x00" in getattr(self, name):
                raise InputError("bad_audit_event", f"an audit event's {name} cannot hold a NUL character")
        if not self.actor or not self.action:
            raise InputError("bad_audit_event", "an audit event needs an actor and an action")
        if self.country is not None and not (len(self.country) == 3 and self.country.isalpha()):
            raise InputError("bad_audit_event", "an audit event's country is an ISO 3166 trigraph")
        try:
            details = json.loads(canonical_json(dict(self.details)))
        except (TypeError, ValueError) as exc:
            raise InputError("bad_audit_event", f"audit details must be plain JSON values: {exc}") from exc
        object.__setattr__(self, "details", details)

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON values; the part of a record its hash covers, besides seq and prev_hash.

        `country` only when set, so records written before events had one keep their hashes.
        """
        out = {
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "resource": self.resource,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "details": dict(self.details),
        }
        if self.country is not None:
            out["country"] = self.country
        return out


def canonical_bytes(prev_hash: str, seq: int, event: AuditEvent) -> bytes:
    """What a record's hash is computed over: its seq, its predecessor's hash and its event."""
    return canonical_json({"seq": seq, "prev_hash": prev_hash, "event": event.to_dict()}).encode("utf-8")


def record_hash(prev_hash: str, seq: int, event: AuditEvent) -> str:
    """Hex sha256 chaining `event`, stored as record `seq`, to the record before it."""
    return hashlib.sha256(canonical_bytes(prev_hash, seq, event)).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The last record's seq and hash, stored apart from the records (seq 0 and GENESIS when empty)."""

    seq: int = 0
    hash: str = GENESIS


def chain_record(head: AuditHead, event: AuditEvent) -> AuditRecord:
    """The record that appends `event` after `head`."""
    seq = head.seq + 1
    return AuditRecord(seq, event, head.hash, record_hash(head.hash, seq, event))


def event_for(
    decision: Decision,
    user: User,
    resource: str,
    at: datetime,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """The audit event of an access decision, allowed or denied, with the decision's reason."""
    return AuditEvent(
        at=at,
        actor=user.user_id,
        action=decision.action.value,
        resource=resource,
        outcome=Outcome.ALLOWED if decision.allowed else Outcome.DENIED,
        reason=decision.reason,
        details={"organisation": user.organisation.org_id, **(details or {})},
        country=user.organisation.country,
    )


class AuditProblem(NamedTuple):
    seq: int
    problem: str


@dataclass(frozen=True, slots=True)
class AuditVerification:
    ok: bool
    checked: int
    problems: tuple[AuditProblem, ...]
    head: AuditHead


def _span(low: int, high: int) -> str:
    return f"record {low} is" if low == high else f"records {low} to {high} are"


def verify_chain(records: Iterable[AuditRecord], head: AuditHead) -> AuditVerification:
    """Check `records`, in the order stored, against their hashes, each other and `head`.

    Streams: memory grows with the number of problems, not of records.
    """
    problems: list[AuditProblem] = []
    gaps: list[list[int]] = []  # [low, high] seq ranges not seen (yet); a later record may fill one
    top: AuditRecord | None = None  # the highest-seq record so far
    checked = 0
    for record in records:
        checked += 1
        seq = record.seq
        if record_hash(record.prev_hash, seq, record.event) != record.hash:
            problems.append(
                AuditProblem(seq, f"record {seq} was altered: its content no longer matches its hash")
            )
        top_seq = top.seq if top is not None else 0
        if seq == top_seq + 1:
            expected = top.hash if top is not None else GENESIS
            if record.prev_hash != expected:
                before = f"record {top_seq}" if top is not None else "the start of the log"
                problems.append(
                    AuditProblem(
                        seq,
                        f"record {seq} does not follow {before}: its previous-record hash does not match "
                        "(a record was removed, replaced or rewritten)",
                    )
                )
        elif seq > top_seq + 1:
            gaps.append([top_seq + 1, seq - 1])
        else:
            gap = next((g for g in gaps if g[0] <= seq <= g[1]), None)
            if gap is None:
                problems.append(AuditProblem(seq, f"record {seq} appears again after record {top_seq}"))
            else:
                problems.append(
                    AuditProblem(seq, f"record {seq} is out of order: it is stored after record {top_seq}")
                )
                gaps.remove(gap)
                gaps.extend(g for g in ([gap[0], seq - 1], [seq + 1, gap[1]]) if g[0] <= g[1])
            continue
        top = record
    for low, high in gaps:
        after = f"record {low - 1}" if low > 1 else "the start of the log"
        problems.append(
            AuditProblem(
                low, f"{_span(low, high)} missing: the chain jumps from {after} to record {high + 1}"
            )
        )
    last_seq = top.seq if top is not None else 0
    if last_seq < head.seq:
        problems.append(
            AuditProblem(
                last_seq + 1,
                f"{_span(last_seq + 1, head.seq)} missing from the end: the head says the log reaches "
                f"record {head.seq}",
            )
        )
    elif last_seq > head.seq:
        problems.append(
            AuditProblem(
                head.seq + 1,
                f"{_span(head.seq + 1, last_seq)} beyond the head (record {head.seq}): written "
                "outside the audit log",
            )
        )
    elif top is not None and top.hash != head.hash:
        problems.append(
            AuditProblem(
                last_seq, f"record {last_seq} is not the record the head names: the tail was rewritten"
            )
        )
    elif top is None and head.hash != GENESIS:
        problems.append(AuditProblem(0, "the head of an empty log is not the genesis hash"))
    problems.sort(key=lambda p: p.seq)
    return AuditVerification(not problems, checked, tuple(problems), head)
