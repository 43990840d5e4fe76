"""Cross-source resolution: must-merge and must-not-merge pairs, explanations, decisions replayed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cruce.cases.casefile import Case, CaseStatus, Event, EventKind, Subject, SubjectKind
from cruce.cases.casenet import build
from cruce.cases.entities import PUBLIC, Proposal, SourceRecord, case_records, joined, proposal_id, propose
from cruce.core.markings import Marking

MEX = frozenset({"MEX"})


def rec(
    ref: str, name: str, born: str = "", ids: tuple[tuple[str, str], ...] = (), src: str = "case"
) -> SourceRecord:
    return SourceRecord(ref, src, name, MEX, born, ids)


def pair(found: list[Proposal], a: str, b: str) -> Proposal | None:
    return next((p for p in found if {p.a, p.b} == {a, b}), None)


def test_the_matcher_joins_a_short_form_and_a_dropped_surname_for_review() -> None:
    found = propose(
        [
            rec("c1/a", "Ma. Guadalupe Hernández López", "1980-03-02"),
            rec("c2/b", "María Guadalupe Hernandez"),
        ],
        "MEX",
    )
    p = pair(found, "c1/a", "c2/b")
    assert p is not None
    assert p.verdict == "review"  # a name alone, however alike, waits for a human
    assert p.name_score >= 0.7
    assert any(a.startswith("name") and "ma~maria" in a for a in p.agreed)
    assert not joined(found, [])  # nothing automatic


def test_same_name_and_birth_date_merge_and_the_explanation_says_why() -> None:
    found = propose(
        [
            rec("c1/a", "Ma. Guadalupe Hernández López", "1980-03-02"),
            rec("c2/b", "María Guadalupe Hernandez", "1980-03-02"),
        ],
        "MEX",
    )
    p = pair(found, "c1/a", "c2/b")
    assert p is not None and p.verdict == "merge"
    assert "birth date 1980-03-02" in p.agreed
    assert joined(found, []) == [(p.a, p.b)]


def test_same_name_conflicting_birth_dates_is_blocked() -> None:
    found = propose(
        [rec("c1/j", "Juan Hernández", "1970-01-01"), rec("c2/j", "Juan Hernández", "1985-05-05")], "MEX"
    )
    p = pair(found, "c1/j", "c2/j")
    assert p is not None and p.verdict == "blocked"
    assert p.disagreed == ("birth date 1970-01-01 vs 1985-05-05",)
    assert joined(found, [(p.proposal_id, "accepted")]) == []  # not even a human's accept joins it


def test_relatives_sharing_a_surname_and_a_phone_are_not_merged() -> None:
    phone = (("telefono", "+52 55 1234 5678"),)
    found = propose(
        [
            rec("c1/p", "Pedro Hernández López", ids=phone),
            rec("c2/q", "Juan Hernández López", ids=(("phone", "5512345678"),)),
        ],
        "MEX",
    )
    p = pair(found, "c1/p", "c2/q")
    assert p is not None and p.verdict == "review"
    assert "phone 5512345678" in p.agreed
    assert any(d.startswith("name") for d in p.disagreed)
    assert joined(found, []) == []


def test_a_shared_passport_merges_whatever_the_spelling_and_a_different_one_blocks() -> None:
    found = propose(
        [
            rec("c1/x", "José Luis Soto", ids=(("passport", "G123 456"),)),
            rec("c2/y", "Jose Luis Soto Ramirez", ids=(("pasaporte", "G-123456"),)),
            rec("c3/z", "José Luis Soto", "1975-02-02", ids=(("passport", "K999999"),)),
        ],
        "MEX",
    )
    assert pair(found, "c1/x", "c2/y").verdict == "merge"  # type: ignore[union-attr]
    blocked = pair(found, "c1/x", "c3/z")
    assert blocked is not None and blocked.verdict == "blocked"
    assert "passport G123456 vs K999999" in blocked.disagreed


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Juan Hernández", "1970-01-01"), ("Juan Hernández", "1971-01-01")),  # same name, another man
        (("María Hernández López", ""), ("Juan Hernández López", "")),  # siblings
        (("Pedro Soto", "1990-05-05"), ("Pablo Soto", "1990-05-05")),  # twins
    ],
)
def test_must_not_merge(a: tuple[str, str], b: tuple[str, str]) -> None:
    found = propose([rec("c1/a", *a), rec("c2/b", *b)], "MEX")
    assert joined(found, []) == []
    p = pair(found, "c1/a", "c2/b")
    assert p is None or p.verdict != "merge"


def test_decisions_replay_accept_split_reject() -> None:
    found = propose([rec("c1/a", "Rosa Elena Díaz"), rec("c2/b", "Rosa Elena Diaz")], "MEX")
    p = pair(found, "c1/a", "c2/b")
    assert p is not None and p.verdict == "review"
    pid = p.proposal_id
    assert pid == proposal_id("c2/b", "c1/a")
    assert joined(found, [(pid, "accepted")]) == [(p.a, p.b)]
    assert joined(found, [(pid, "accepted"), (pid, "split")]) == []
    assert joined(found, [(pid, "accepted"), (pid, "split"), (pid, "accepted")]) == [(p.a, p.b)]
    automatic = propose(
        [rec("c1/a", "Rosa Elena Díaz", "1990-01-01"), rec("c2/b", "Rosa Elena Diaz", "1990-01-01")], "MEX"
    )
    assert joined(automatic, [(pid, "rejected")]) == []


def test_records_outside_the_viewers_partition_are_never_read() -> None:
    usa = SourceRecord("u/1", "case", "Rosa Elena Díaz", frozenset({"USA"}), "1990-01-01")
    listed = SourceRecord("list:x", "list", "Rosa Elena Diaz", frozenset({PUBLIC}), "1990-01-01")
    found = propose([rec("c1/a", "Rosa Elena Díaz", "1990-01-01"), usa, listed], "MEX")
    refs = {r for p in found for r in (p.a, p.b)}
    assert refs == {"c1/a", "list:x"}


def test_crossing_travelers_come_from_case_events_and_the_network_uses_joins() -> None:
    u = Marking.parse("U", "MEX")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    one = Case(
        "c1", "MEX", "x", u, CaseStatus.OPEN, "a", t0,
        subjects=(Subject("d", SubjectKind.PERSON, "Ma. Guadalupe Hernández López", u),
                  Subject("v", SubjectKind.VEHICLE, "ABC-1234", u)),
        events=(Event("e", EventKind.CROSSING, t0, "Nogales", "", u, ("d", "v")),),
    )  # fmt: skip
    two = Case(
        "c2", "MEX", "y", u, CaseStatus.OPEN, "a", t0,
        subjects=(Subject("g", SubjectKind.PERSON, "María Guadalupe Hernandez", u, role="recruiter"),
                  Subject("w", SubjectKind.VEHICLE, "ABC 1234", u)),
        events=(Event("f", EventKind.SEIZURE, t0, "Nogales", "", u, ("g", "w")),),
    )  # fmt: skip
    records = case_records([one, two])
    assert {r.ref: r.source for r in records} == {"c1/d": "crossing", "c2/g": "case"}
    found = propose(records, "MEX")
    p = pair(found, "c1/d", "c2/g")
    assert p is not None and p.verdict == "merge"  # a matching name corroborated by the same plate
    assert "plate ABC1234" in p.agreed
    before = build([one, two])
    assert before.entity_of["c1/d"] != before.entity_of["c2/g"]
    after = build([one, two], joins=[(a, b, "resolved") for a, b in joined(found, [])])
    assert after.entity_of["c1/d"] == after.entity_of["c2/g"]
