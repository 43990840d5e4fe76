"""Cross-source resolution, task completion and referral snapshots through the case service (SQLite and
PostgreSQL): partitions, reversible merges with their history, what a partner keeps receiving."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from test_cases_service import ANA, FGR, RO, Clock, _ring, _user

from cruce.core.errors import InputError, NotFoundError
from cruce.service.case_resolution import decide, history, proposals
from cruce.service.cases import CaseAccessError, CaseService, NewEvent, NewSubject, case_network
from cruce.sharing.access import Role, User
from cruce.storage.audit import AuditLog
from cruce.storage.store import Store, open_store

MEX_RO = _user("mex.ro", "MEX", Role.RELEASING_OFFICER)
OFFICER = _user("officer", "USA", Role.OFFICER)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        yield opened


@pytest.fixture
def cases(store: Store) -> CaseService:
    return CaseService(store.engine, clock=Clock())


def _person(  # noqa: PLR0917 - a subject's fields
    cases: CaseService, user: User, case: str, sid: str, name: str, marking: str, **kw: str
) -> None:
    cases.add_subject(user, case, NewSubject("person", name, marking, sid, **kw))


def _two_sides(cases: CaseService) -> tuple[str, str]:
    usa = cases.open(ANA, "Tucson recruiters", "S//NOFORN", case_id="case-usa-r").case_id
    _person(cases, ANA, usa, "s-lupe", "Ma. Guadalupe Hernández López", "S//NOFORN", birth_date="1980-03-02")
    _person(cases, ANA, usa, "s-lupe2", "María Guadalupe Hernandez", "S//NOFORN")
    _person(cases, ANA, usa, "s-juan-a", "Juan Hernández", "S//NOFORN", birth_date="1970-01-01")
    _person(cases, ANA, usa, "s-juan-b", "Juan Hernández", "S//NOFORN", birth_date="1985-05-05")
    mex = cases.open(FGR, "Reclutadores Nogales", "S//NOFORN", case_id="case-mex-r").case_id
    _person(cases, FGR, mex, "s-guadalupe", "María Guadalupe Hernández", "S//NOFORN", birth_date="1980-03-02")
    _person(cases, FGR, mex, "s-rosa", "Rosa Elena Díaz", "S//NOFORN")
    _person(cases, FGR, mex, "s-rosa2", "Rosa Elena Diaz", "S//NOFORN")
    return usa, mex


def test_proposals_are_explained_and_never_cross_the_partition(cases: CaseService, store: Store) -> None:
    usa, mex = _two_sides(cases)
    mine = proposals(cases, FGR)
    refs = {r for p in mine for r in (p.a, p.b)}
    assert refs == {f"{mex}/s-rosa", f"{mex}/s-rosa2"}  # the USA Guadalupe, though alike, is not MEX's
    assert "Ma. Guadalupe" not in json.dumps([p.explanation + p.label_a + p.label_b for p in mine])
    theirs = {(p.a, p.b): p for p in proposals(cases, ANA)}
    lupe = theirs[f"{usa}/s-lupe", f"{usa}/s-lupe2"]
    assert lupe.verdict == "review" and not lupe.joined
    assert any("ma~maria" in a for a in lupe.agreed)
    juan = theirs[f"{usa}/s-juan-a", f"{usa}/s-juan-b"]
    assert juan.verdict == "blocked" and juan.disagreed == ["birth date 1970-01-01 vs 1985-05-05"]
    with pytest.raises(NotFoundError):
        decide(cases, FGR, lupe.proposal_id, "accepted")  # MEX cannot even name a USA proposal
    with pytest.raises(InputError, match="cannot be merged"):
        decide(cases, ANA, juan.proposal_id, "accepted")
    with pytest.raises(CaseAccessError):
        decide(cases, OFFICER, lupe.proposal_id, "accepted")  # a reading role does not decide


def test_accept_then_split_is_kept_as_history_and_the_network_follows(
    cases: CaseService, store: Store
) -> None:
    usa, _ = _two_sides(cases)
    a, b = f"{usa}/s-lupe", f"{usa}/s-lupe2"
    pid = next(p.proposal_id for p in proposals(cases, ANA) if (p.a, p.b) == (a, b))

    def entity_of(ref: str) -> str:
        view, _ = case_network(cases, ANA, [usa])
        return next(e.entity_id for e in view.entities if ref in e.members)

    assert entity_of(a) != entity_of(b)
    assert decide(cases, ANA, pid, "accepted", "same photo").joined
    assert entity_of(a) == entity_of(b)
    with pytest.raises(InputError, match="already one entity"):
        decide(cases, RO, pid, "accepted")
    with pytest.raises(InputError, match="say why"):
        decide(cases, RO, pid, "split")
    assert not decide(cases, RO, pid, "split", "different mothers' names").joined
    assert entity_of(a) != entity_of(b)
    trail = history(cases, ANA)
    assert [(d.state, d.actor, d.reason) for d in trail] == [
        ("accepted", "ana", "same photo"),
        ("split", "ro", "different mothers' names"),
    ]
    assert history(cases, FGR) == []  # MEX's partition has no USA decisions
    log = AuditLog(store.engine)
    assert log.verify().ok
    resolved = [(r.event.actor, r.event.reason) for r in log.records() if r.event.action == "resolve"]
    assert resolved == [("ana", "accepted: same photo"), ("ro", "split: different mothers' names")]


def test_a_partner_keeps_what_it_was_given_at_referral(cases: CaseService) -> None:
    case = _ring(cases)
    cases.start_investigation(ANA, case)
    cases.refer(RO, case, "MEX")
    given = cases.show(FGR, case)
    # later edits by the owner, releasable to MEX, do not reach the partner's referral
    _person(cases, ANA, case, "s-later", "Pedro Later", "S//REL TO USA, MEX")
    cases.add_note(ANA, case, "added after the referral", "S//REL TO USA, MEX")
    cases.add_event(
        ANA, case, NewEvent("seizure", given.events[0].at, "Nogales", "cash", "S//REL TO USA, MEX", "e-later")
    )
    after = cases.show(FGR, case)
    assert [s.subject_id for s in after.subjects] == [s.subject_id for s in given.subjects]
    assert after.notes == given.notes and after.events == given.events
    assert "Pedro Later" in json.dumps([s.name for s in cases.show(ANA, case).subjects])
    # the workflow stays live: the partner's answer is seen and recorded
    assert cases.answer(FGR, case, accept=False, reason="needs statements").status == "declined"
    # a new referral releases the case as it is then
    cases.start_investigation(ANA, case)
    cases.refer(RO, case, "MEX")
    again = cases.show(FGR, case)
    assert "s-later" in [s.subject_id for s in again.subjects]
    assert [n.text for n in again.notes] == ["added after the referral"]


def test_completing_a_task_records_who_and_when_and_is_audited(cases: CaseService, store: Store) -> None:
    case = _ring(cases)
    task = cases.show(ANA, case).tasks[0]
    assert not task.done
    with pytest.raises(NotFoundError):
        cases.complete_task(FGR, case, task.task_id)  # not MEX's case
    with pytest.raises(CaseAccessError):
        cases.complete_task(OFFICER, case, task.task_id)
    with pytest.raises(InputError, match="no task"):
        cases.complete_task(ANA, case, "t-none")
    done = cases.complete_task(RO, case, task.task_id, "phones received")
    assert done.done and done.done_by == "ro" and done.done_at is not None
    shown = cases.show(ANA, case).tasks[0]
    assert (shown.done, shown.done_by, shown.done_at) == (True, "ro", done.done_at)
    with pytest.raises(InputError, match="completed by ro"):
        cases.complete_task(ANA, case, task.task_id)
    reasons = [r.event.reason for r in AuditLog(store.engine).records() if r.event.actor == "ro"]
    assert f"completed task {task.task_id}: phones received" in reasons
