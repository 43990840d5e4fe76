"""The audit hash chain: an intact chain verifies, and every kind of tampering is named with its record."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from cruce.core.errors import InputError
from cruce.core.markings import Classification, Marking
from cruce.sharing.access import Organisation, Role, User, may_read
from cruce.sharing.audit import (
    GENESIS,
    AuditEvent,
    AuditHead,
    AuditRecord,
    Outcome,
    canonical_bytes,
    chain_record,
    event_for,
    record_hash,
    verify_chain,
)
from cruce.sharing.products import Portion, Product, ProductKind

T0 = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)


def event(i: int, actor: str = "analyst.usa", outcome: Outcome = Outcome.ALLOWED) -> AuditEvent:
    return AuditEvent(
        at=T0 + timedelta(seconds=i),
        actor=actor,
        action="read",
        resource=f"report:2026-{i:04d}",
        outcome=outcome,
        reason="USA user cleared SECRET reads the whole product",
        details={"portions": i, "partner": None},
    )


def chain(n: int) -> tuple[list[AuditRecord], AuditHead]:
    """A correct chain of n records and its head, as `AuditLog.append` would leave them."""
    head = AuditHead()
    records = []
    for i in range(1, n + 1):
        record = chain_record(head, event(i))
        records.append(record)
        head = AuditHead(record.seq, record.hash)
    return records, head


def problems(records: list[AuditRecord], head: AuditHead) -> list[tuple[int, str]]:
    return [(p.seq, p.problem) for p in verify_chain(records, head).problems]


def test_an_intact_chain_verifies() -> None:
    records, head = chain(6)
    result = verify_chain(records, head)
    assert result.ok and result.checked == 6 and result.problems == ()
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(records))
    assert verify_chain([], AuditHead()).ok


def test_an_altered_field_is_reported_at_its_record() -> None:
    records, head = chain(6)
    tampered = dataclasses.replace(records[2].event, reason="nothing happened here")
    records[2] = dataclasses.replace(records[2], event=tampered)
    assert problems(records, head) == [(3, "record 3 was altered: its content no longer matches its hash")]


@pytest.mark.parametrize("field", ["actor", "action", "resource", "outcome", "at", "details"])
def test_every_field_is_covered_by_the_hash(field: str) -> None:
    records, head = chain(4)
    changes: dict[str, Any] = {
        "actor": "someone.else",
        "action": "release",
        "resource": "report:other",
        "outcome": Outcome.DENIED,
        "at": T0 + timedelta(days=1),
        "details": {"portions": 99, "partner": None},
    }
    records[1] = dataclasses.replace(
        records[1], event=dataclasses.replace(records[1].event, **{field: changes[field]})
    )
    assert [seq for seq, _ in problems(records, head)] == [2]


def test_a_rehashed_alteration_breaks_the_link_to_the_next_record() -> None:
    records, head = chain(5)
    forged = dataclasses.replace(records[2].event, outcome=Outcome.DENIED)
    records[2] = AuditRecord(3, forged, records[2].prev_hash, record_hash(records[2].prev_hash, 3, forged))
    assert problems(records, head) == [
        (
            4,
            "record 4 does not follow record 3: its previous-record hash does not match "
            "(a record was removed, replaced or rewritten)",
        )
    ]


def test_a_removed_middle_record_is_reported_as_missing() -> None:
    records, head = chain(6)
    del records[2]
    assert problems(records, head) == [(3, "record 3 is missing: the chain jumps from record 2 to record 4")]


def test_removed_first_records_are_reported() -> None:
    records, head = chain(5)
    assert problems(records[2:], head) == [
        (1, "records 1 to 2 are missing: the chain jumps from the start of the log to record 3")
    ]


def test_swapped_records_are_reported_as_out_of_order() -> None:
    records, head = chain(6)
    records[2], records[3] = records[3], records[2]
    assert problems(records, head) == [(3, "record 3 is out of order: it is stored after record 4")]


def test_a_truncated_tail_is_caught_by_the_head() -> None:
    records, head = chain(6)
    assert problems(records[:4], head) == [
        (5, "records 5 to 6 are missing from the end: the head says the log reaches record 6")
    ]
    assert problems([], head) == [
        (1, "records 1 to 6 are missing from the end: the head says the log reaches record 6")
    ]


def test_a_rewritten_tail_is_caught_by_the_head() -> None:
    records, head = chain(4)
    records[3] = chain_record(AuditHead(3, records[2].hash), event(99, actor="intruder"))
    assert problems(records, head) == [
        (4, "record 4 is not the record the head names: the tail was rewritten")
    ]


def test_records_beyond_the_head_and_duplicates_are_reported() -> None:
    records, head = chain(4)
    assert problems(records, AuditHead(3, records[2].hash)) == [
        (4, "record 4 is beyond the head (record 3): written outside the audit log")
    ]
    assert problems([*records[:3], records[2], records[3]], head) == [
        (3, "record 3 appears again after record 3")
    ]


def test_the_hash_format_is_stable() -> None:
    # Logs written today must verify with every later version: this pins the canonical serialisation.
    one = event(1)
    assert canonical_bytes(GENESIS, 1, one) == (
        b'{"event":{"action":"read","actor":"analyst.usa","at":"2026-01-20T09:30:01.000000+00:00",'
        b'"details":{"partner":null,"portions":1},"outcome":"allowed",'
        b'"reason":"USA user cleared SECRET reads the whole product","resource":"report:2026-0001"},'
        b'"prev_hash":"' + GENESIS.encode() + b'","seq":1}'
    )
    assert record_hash(GENESIS, 1, one) == record_hash(GENESIS, 1, event(1))
    assert record_hash(GENESIS, 1, one) != record_hash(GENESIS, 2, one)
    reordered = dataclasses.replace(one, details={"portions": 1, "partner": None})
    assert record_hash(GENESIS, 1, reordered) == record_hash(GENESIS, 1, one)


def test_events_are_utc_and_plain_json() -> None:
    mexico = timezone(timedelta(hours=-6))
    local = AuditEvent(datetime(2026, 1, 20, 3, 30, tzinfo=mexico), "a", "sync", "feed:1", Outcome.ALLOWED)
    assert local.at == T0 and local.at.tzinfo is UTC
    assert AuditEvent(T0, "a", "read", "r", "denied", details={"ids": (1, 2)}).details == {"ids": [1, 2]}  # type: ignore[arg-type]
    with pytest.raises(InputError, match="timezone-aware"):
        AuditEvent(datetime(2026, 1, 20), "a", "read", "r", Outcome.ALLOWED)
    with pytest.raises(InputError, match="plain JSON"):
        AuditEvent(T0, "a", "read", "r", Outcome.ALLOWED, details={"when": T0})
    with pytest.raises(InputError, match="plain JSON"):
        AuditEvent(T0, "a", "read", "r", Outcome.ALLOWED, details={"score": float("nan")})


def test_an_access_decision_becomes_an_event_with_its_reason() -> None:
    mex = User(
        "analyst.mex", Organisation("mx-anam", "MEX"), Classification.SECRET, "MEX", frozenset({Role.ANALYST})
    )
    product = Product(
        "alert:1",
        ProductKind.ALERT,
        "USA",
        Portion("Subject", Marking.parse("S//NOFORN")),
        (Portion("Details", Marking.parse("S//NOFORN")),),
    )
    recorded = event_for(may_read(mex, product), mex, "alert:1", T0)
    assert recorded.outcome is Outcome.DENIED and recorded.action == "read"
    assert recorded.actor == "analyst.mex" and recorded.details == {"organisation": "mx-anam"}
    assert "nothing in this product is" in recorded.reason
