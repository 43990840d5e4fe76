"""Joint cases on SQLite and PostgreSQL: the workflow, country partitions, custody, guidelines, referral."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Classification
from cruce.service.cases import CaseAccessError, CaseService, NewEvent, NewSubject
from cruce.sharing.access import Organisation, Role, User
from cruce.sharing.exchange import ObjectFilter, VersionPick
from cruce.storage.audit import AuditLog
from cruce.storage.case_tables import CaseEvidenceContentRow
from cruce.storage.sharing import Reader, SharingStore
from cruce.storage.store import Store, open_store


def _user(uid: str, country: str, *roles: Role, clearance: Classification = Classification.SECRET) -> User:
    return User(uid, Organisation(f"{country.lower()}-agency", country), clearance, country, frozenset(roles))


ANA = _user("ana", "USA", Role.ANALYST)
RO = _user("ro", "USA", Role.RELEASING_OFFICER)
LOW = _user("low", "USA", Role.ANALYST, clearance=Classification.CONFIDENTIAL)
FGR = _user("fgr", "MEX", Role.ANALYST)
RCMP = _user("rcmp", "CAN", Role.ANALYST)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        yield opened


@pytest.fixture
def cases(store: Store) -> CaseService:
    return CaseService(store.engine, clock=Clock())


def _ring(cases: CaseService) -> str:
    """A U.S. case with a releasable driver, a NOFORN informant, a rescue of nine migrants and a phone."""
    case = cases.open(ANA, "Nogales driver ring", "S//REL TO USA, MEX", case_id="case-nog-1").case_id
    cases.add_subject(
        ANA,
        case,
        NewSubject(
            "person",
            "Juan Pérez López",
            "S//REL TO USA, MEX",
            "s-driver",
            {"passport": "G1234567"},
            role="driver",
        ),
    )
    cases.add_subject(ANA, case, NewSubject("person", "Source BRAVO", "S//NOFORN", "s-source"))
    cases.add_subject(ANA, case, NewSubject("phone", "+52 631 555 0101", "S//REL TO USA, MEX", "s-phone"))
    cases.add_event(
        ANA,
        case,
        NewEvent(
            "rescue",
            T0,
            "Sasabe",
            "nine migrants abandoned",
            "S//REL TO USA, MEX",
            "e-rescue",
            ("s-driver", "s-source"),
            migrants=9,
            minors=2,
            endangered=True,
        ),
    )
    cases.add_evidence(
        ANA,
        case,
        "driver's phone image",
        "S//REL TO USA, MEX",
        b"phone-bytes",
        "Tucson",
        "ev-phone",
        holder="agent-a",
    )
    cases.add_note(ANA, case, "informant says the stash house moved", "S//NOFORN")
    cases.add_task(ANA, case, "ask MEX for the recruiters' phones", "S//REL TO USA, MEX", "ana")
    return case


def test_full_case_flow_with_partner_view(cases: CaseService, store: Store) -> None:
    case = _ring(cases)
    full = cases.show(ANA, case)
    assert [s.subject_id for s in full.subjects] == ["s-driver", "s-source", "s-phone"]
    assert full.custody[0].kind == "intake" and full.custody[0].to_holder == "agent-a"
    # MEX sees nothing before the referral: exactly as if the case did not exist
    with pytest.raises(NotFoundError) as hidden:
        cases.show(FGR, case)
    with pytest.raises(NotFoundError) as missing:
        cases.show(FGR, "case-none")
    assert hidden.value.to_dict() == {**missing.value.to_dict(), "message": "no case 'case-nog-1'"}
    assert cases.cases(FGR) == []
    # the guideline is checked on what MEX would receive
    assert cases.check(ANA, case, "MEX").met
    with pytest.raises(InputError, match="investigation"):
        cases.refer(RO, case, "MEX")  # still open: the workflow says investigation first
    cases.start_investigation(ANA, case)
    with pytest.raises(CaseAccessError, match="releasing_officer"):
        cases.refer(ANA, case, "MEX")  # a referral is a release
    referral = cases.refer(RO, case, "MEX")
    assert referral.partner == "MEX" and referral.withheld == 3  # the informant, the note, the task
    mex = cases.show(FGR, case)
    assert mex.view == "MEX" and mex.banner == "SECRET//REL TO USA, MEX"
    assert [s.subject_id for s in mex.subjects] == ["s-driver", "s-phone"]
    assert mex.events[0].subjects == ["s-driver"]
    assert mex.notes == [] and mex.custody == []
    assert mex.tasks == [] and len(cases.show(ANA, case).tasks) == 1  # the owner's work list stays home
    assert "Source BRAVO" not in json.dumps([s.name for s in mex.subjects])
    with pytest.raises(NotFoundError):
        cases.show(RCMP, case)  # released to MEX, not CAN
    with pytest.raises(NotFoundError):
        cases.answer(RCMP, case, accept=True)
    with pytest.raises(CaseAccessError, match="only the partner"):
        cases.answer(ANA, case, accept=True)  # the owner cannot accept on the partner's behalf
    with pytest.raises(InputError, match="reason"):
        cases.answer(FGR, case, accept=False)
    declined = cases.answer(FGR, case, accept=False, reason="needs victim statements")
    assert declined.status == "declined"
    owner = cases.show(ANA, case)
    assert [(h.to_status, h.actor, h.reason) for h in owner.history][-1] == (
        "declined",
        "fgr",
        "needs victim statements",
    )
    # every step was audited, and the chain still verifies
    log = AuditLog(store.engine)
    assert log.verify().ok
    actions = [(r.event.actor, r.event.action, r.event.outcome.value) for r in log.records()]
    assert ("ro", "release", "allowed") in actions and ("ana", "release", "denied") in actions
    assert ("fgr", "read", "denied") in actions


def test_custody_handover_verify_and_tampering(cases: CaseService, store: Store) -> None:
    case = _ring(cases)
    cases.handover(ANA, case, "ev-phone", "agent-a", "lab-tucson", "Tucson", "forensic extraction")
    with pytest.raises(InputError, match="held by lab-tucson, not agent-a"):
        cases.handover(ANA, case, "ev-phone", "agent-a", "court", "Tucson", "trial")
    with pytest.raises(InputError, match="before its last one"):
        cases.handover(
            ANA, case, "ev-phone", "lab-tucson", "court", "Tucson", "trial", at=T0 - timedelta(days=1)
        )
    assert cases.show(ANA, case).evidence[0].holder == "lab-tucson"
    good = cases.verify(ANA, case)
    assert good.ok and good.entries == 2
    with store.engine.begin() as conn:  # someone replaces the stored image
        conn.execute(
            update(CaseEvidenceContentRow)
            .where(CaseEvidenceContentRow.evidence_id == "ev-phone")
            .values(content=b"edited")
        )
    bad = cases.verify(ANA, case)
    assert not bad.ok
    assert bad.problems == [
        "evidence ev-phone changed: its content no longer matches the sha256 taken at intake"
    ]
    # nothing was lost: the item and its custody are all still there
    assert len(cases.show(ANA, case).custody) == 2


def test_custody_log_is_append_only_on_postgresql(cases: CaseService, store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on verify")
    case = _ring(cases)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE case_custody SET to_holder = 'x' WHERE case_id = :c"), {"c": case})


def test_bad_input_is_refused_clearly_and_nothing_is_stored(cases: CaseService) -> None:
    case = _ring(cases)
    with pytest.raises(InputError, match="unknown subject kind 'spaceship'"):
        cases.add_subject(ANA, case, NewSubject("spaceship", "X", "S//NOFORN"))
    with pytest.raises(InputError, match="above your clearance"):
        cases.add_note(LOW, case, "secret note", "S//NOFORN")
    with pytest.raises(InputError, match="no subject s-ghost"):
        cases.add_event(
            ANA, case, NewEvent("seizure", T0, "Nogales", "cash", "S//NOFORN", subjects=("s-ghost",))
        )
    with pytest.raises(InputError, match="no evidence item"):
        cases.handover(ANA, case, "ev-none", "agent-a", "lab", "x", "analysis")
    with pytest.raises(InputError, match="already has a part 's-driver'"):
        cases.add_subject(ANA, case, NewSubject("person", "Again", "S//NOFORN", "s-driver"))
    assert len(cases.show(ANA, case).subjects) == 3


def test_referral_refused_when_the_guideline_is_not_met(cases: CaseService) -> None:
    case = cases.open(ANA, "thin case", "S//REL TO USA, MEX").case_id
    cases.add_subject(ANA, case, NewSubject("person", "Somebody", "S//REL TO USA, MEX"))
    cases.start_investigation(ANA, case)
    with pytest.raises(InputError, match="missing: at least one evidence item") as refused:
        cases.refer(RO, case, "MEX")
    assert "one of: six or more migrants" in refused.value.message
    assert cases.show(ANA, case).status == "investigation"
    with pytest.raises(NotFoundError):
        cases.show(FGR, case)


def test_referral_published_over_taxii_reaches_only_mex(cases: CaseService, store: Store) -> None:
    sharing = SharingStore(store.engine)
    sharing.add_collection("cases", "Joint cases")
    sharing.grant("cases", "org:usa-agency", read=True, write=True)
    case = _ring(cases)
    cases.start_investigation(ANA, case)
    result = cases.refer(RO, case, "MEX", collection="cases")
    assert result.objects_added > 0
    flt = ObjectFilter(picks=frozenset({VersionPick.ALL}), limit=500)
    for_mex = [json.loads(o.data) for o in sharing.page("cases", flt, Reader(frozenset({"MEX"}))).objects]
    types = {o["type"] for o in for_mex}
    assert {"grouping", "identity", "x-cruce-event", "x-cruce-evidence", "relationship"} <= types
    text_sent = json.dumps(for_mex)
    assert "Source BRAVO" not in text_sent and "stash house moved" not in text_sent
    for_can = sharing.page("cases", flt, Reader(frozenset({"CAN"}))).objects
    assert [o.object_type for o in for_can if o.object_type != "marking-definition"] == []
    assert cases.show(FGR, case).status == "referred"


def test_the_demo_ring_is_joined_the_broker_found_and_mex_sees_its_tear_line(store: Store) -> None:
    from cruce.service.demo import run_cases_demo
    from cruce.synthetic.ring import smuggling_ring

    ring = smuggling_ring(17)
    demo = run_cases_demo(store, seed=17)
    assert demo.broker[0] == ring.broker
    joined = {label: members for label, members, _ in demo.resolved}
    assert sorted(joined[ring.broker]) == [
        "case:MEX-ring-nogales/s-coordinator",
        "case:USA-ring-tucson/s-phone-coordinator",
    ]
    assert demo.custody_ok and demo.check.met
    seen = demo.mexico_sees
    assert seen.view == "MEX" and seen.status == "referred"
    assert "Source DELTA" not in [s.name for s in seen.subjects]
    assert [e.kind for e in seen.events].count("interview") == 0  # the NOFORN interview stays home
    assert demo.referral.withheld == 3
    assert AuditLog(store.engine).verify().ok


def test_migration_0012_goes_down_to_0008_and_back(store: Store) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from cruce.storage.store import _alembic_config

    with store.engine.connect() as conn, conn.begin():
        command.downgrade(_alembic_config(conn), "0008")
    assert not {"cases", "case_custody"} & set(inspect(store.engine).get_table_names())
    with store.engine.connect() as conn, conn.begin():
        command.upgrade(_alembic_config(conn), "head")
    assert {"cases", "case_custody", "case_releases"} <= set(inspect(store.engine).get_table_names())


def test_a_partner_never_learns_of_a_later_referral_to_another(cases: CaseService) -> None:
    from cruce.cases.guidelines import parse_guideline

    case = _ring(cases)
    cases.start_investigation(ANA, case)
    cases.refer(RO, case, "MEX")
    cases.answer(FGR, case, accept=False, reason="outside our jurisdiction")
    cases.start_investigation(ANA, case)
    cases.add_subject(ANA, case, NewSubject("person", "Canadian buyer", "S//REL TO USA, CAN", "s-can"))
    lenient = parse_guideline("partner: CAN\nrequire:\n  - {fact: persons, at_least: 1}\n")
    cases.refer(RO, case, "CAN", guideline=lenient)
    seen = cases.show(FGR, case)
    assert seen.partner == "MEX" and "CAN" not in {h.partner for h in seen.history}
    assert "Canadian buyer" not in [s.name for s in seen.subjects]
    assert [c.partner for c in cases.cases(FGR)] == ["MEX"]
