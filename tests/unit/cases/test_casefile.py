"""Case files: the workflow table, tear lines, the custody chain and prosecution guidelines."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from cruce.cases import guidelines
from cruce.cases.casefile import (
    Case,
    CaseStateError,
    CaseStatus,
    Event,
    EventKind,
    Evidence,
    StatusChange,
    Subject,
    SubjectKind,
    subject_kind,
    tear_line,
    transition,
)
from cruce.cases.custody import (
    HANDOVER,
    INTAKE,
    CustodyEntry,
    CustodyError,
    chain,
    content_sha256,
    next_handover,
    verify,
)
from cruce.core.errors import InputError
from cruce.core.markings import Marking

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
REL = Marking.parse("S//REL TO USA, MEX")
NF = Marking.parse("S//NOFORN")


def _case(**kw: object) -> Case:
    base = Case(
        "case:1", "USA", "Ring at Nogales", Marking.parse("U"), CaseStatus.OPEN, "ana", T0,
        history=(StatusChange(1, None, CaseStatus.OPEN, "ana", T0),),
    )  # fmt: skip
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_workflow_follows_the_table_and_refuses_impossible_moves() -> None:
    case = _case()
    with pytest.raises(CaseStateError) as refused:
        transition(case, "referred", "ana", T0, partner="MEX")
    assert "possible next steps: closed, investigation" in refused.value.message
    case = transition(case, CaseStatus.INVESTIGATION, "ana", T0 + timedelta(hours=1))
    with pytest.raises(InputError, match="partner country"):
        transition(case, CaseStatus.REFERRED, "ana", T0 + timedelta(hours=2))
    case = transition(case, CaseStatus.REFERRED, "ro", T0 + timedelta(hours=2), partner="mex")
    assert case.partner == "MEX" and case.history[-1].partner == "MEX"
    with pytest.raises(InputError, match="reason"):
        transition(case, CaseStatus.DECLINED, "fgr", T0 + timedelta(hours=3))
    case = transition(
        case, CaseStatus.DECLINED, "fgr", T0 + timedelta(hours=3), reason="no victim statements"
    )
    case = transition(case, CaseStatus.INVESTIGATION, "ana", T0 + timedelta(hours=4))
    assert [h.to_status for h in case.history] == [
        CaseStatus.OPEN, CaseStatus.INVESTIGATION, CaseStatus.REFERRED, CaseStatus.DECLINED,
        CaseStatus.INVESTIGATION,
    ]  # fmt: skip
    closed = transition(case, CaseStatus.CLOSED, "ana", T0 + timedelta(hours=5))
    with pytest.raises(CaseStateError, match="the case is closed"):
        transition(closed, CaseStatus.INVESTIGATION, "ana", T0 + timedelta(hours=6))


def test_unknown_subject_kind_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="unknown subject kind 'spaceship'; use one of: person"):
        subject_kind("spaceship")
    assert subject_kind(" Vessel ") is SubjectKind.VESSEL


def test_tear_line_keeps_only_released_parts_and_recomputes_the_banner() -> None:
    driver = Subject("s1", SubjectKind.PERSON, "Juan Pérez", REL)
    informant = Subject("s2", SubjectKind.PERSON, "Confidential source", NF)
    event = Event("e1", EventKind.APPREHENSION, T0, "Nogales", "stop", REL, subjects=("s1", "s2"), migrants=9)
    case = _case(subjects=(driver, informant), events=(event,), title_marking=NF)
    mex = tear_line(case, "MEX")
    assert [s.subject_id for s in mex.case.subjects] == ["s1"]
    assert mex.case.events[0].subjects == ("s1",)  # the withheld subject is not even named
    assert mex.case.title == "(title not releasable)"
    assert "NOFORN" not in str(mex.case.title_marking)
    assert str(mex.banner) == "SECRET//REL TO USA, MEX"
    assert mex.withheld == 2  # the title and the informant
    assert tear_line(case, "CAN").case.parts == ()


def _intake(item: str, content: bytes, at: datetime = T0, holder: str = "agent-a") -> CustodyEntry:
    return CustodyEntry(item, INTAKE, at, "", holder, "Tucson", "intake", content_sha256(content))


def test_custody_chain_verifies_and_flags_changes() -> None:
    phone = b"phone image"
    r1 = chain(None, _intake("ev1", phone))
    r2 = chain(
        r1, CustodyEntry("ev1", HANDOVER, T0 + timedelta(hours=1), "agent-a", "lab", "Tucson", "analysis")
    )
    records = [r1, r2]
    ok = verify(records, (2, r2.hash), {"ev1": phone}, {"ev1": content_sha256(phone)})
    assert ok.ok and ok.checked == 2
    changed = verify(records, (2, r2.hash), {"ev1": b"other"}, {"ev1": content_sha256(phone)})
    assert [p.problem for p in changed.problems] == [
        "evidence ev1 changed: its content no longer matches the sha256 taken at intake"
    ]
    altered = dataclasses.replace(r2, entry=dataclasses.replace(r2.entry, to_holder="someone"))
    bad = verify([r1, altered], (2, r2.hash), {"ev1": phone}, {"ev1": content_sha256(phone)})
    assert any("entry 2 was altered" in p.problem for p in bad.problems)
    cut = verify([r1], (2, r2.hash), {"ev1": phone}, {"ev1": content_sha256(phone)})
    assert any("cut off" in p.problem for p in cut.problems)


def test_handover_out_of_order_is_refused_and_flagged() -> None:
    r1 = chain(None, _intake("ev1", b"x"))
    with pytest.raises(CustodyError, match="held by agent-a, not lab"):
        next_handover([r1], CustodyEntry("ev1", HANDOVER, T0 + timedelta(1), "lab", "court", "x", "trial"))
    with pytest.raises(CustodyError, match="before its last one"):
        next_handover(
            [r1], CustodyEntry("ev1", HANDOVER, T0 - timedelta(1), "agent-a", "lab", "x", "analysis")
        )
    # written anyway (by a tool that skipped the check): the verification flags it
    bad = chain(r1, CustodyEntry("ev1", HANDOVER, T0 - timedelta(1), "lab", "court", "x", "trial"))
    found = verify([r1, bad], (2, bad.hash), {"ev1": b"x"}, {"ev1": content_sha256(b"x")})
    problems = " | ".join(p.problem for p in found.problems)
    assert "has lab give ev1, held by agent-a" in problems and "dated before the previous one" in problems


def _ring_case(migrants: int, evidence: bool = True, marking: Marking = REL) -> Case:
    person = Subject("s1", SubjectKind.PERSON, "Driver", marking)
    event = Event("e1", EventKind.RESCUE, T0, "desert", "abandoned", marking, migrants=migrants)
    items = (Evidence("ev1", "phone", marking, "0" * 64, 3, T0, "a", "a"),) if evidence else ()
    return _case(subjects=(person,), events=(event,), evidence=items)


def test_guidelines_state_what_is_missing() -> None:
    mex = guidelines.preset("mex")
    assert guidelines.check(_ring_case(7), mex).met
    missing = guidelines.check(_ring_case(3, evidence=False), mex)
    assert not missing.met
    assert any("evidence item" in m for m in missing.missing)
    assert any(m.startswith("one of: six or more migrants") for m in missing.missing)
    usa = guidelines.preset("USA")
    assert not guidelines.check(_ring_case(7), usa).met  # the U.S. threshold is ten
    with pytest.raises(InputError, match="presets exist for CAN, MEX, USA"):
        guidelines.preset("FRA")


def test_a_guideline_file_with_an_unknown_fact_is_refused() -> None:
    with pytest.raises(InputError, match="unknown fact 'weather'"):
        guidelines.parse_guideline("partner: MEX\nrequire:\n  - {fact: weather, at_least: 1}\n")
