"""Case tear lines never leak: properties over generated cases with parts of every marking.

Whatever the markings, a partner's version of a case holds only parts released to it, names no withheld
subject in an event, counts what it withheld exactly, keeps the owner's tasks home, and its STIX objects
each carry a marking that releases them to the partner; and the workflow never reaches a status the
transition table does not allow.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from test_access_properties import PARTNERS, random_marking

from cruce.cases.casefile import (
    TRANSITIONS,
    Case,
    CaseStateError,
    CaseStatus,
    Event,
    EventKind,
    Note,
    StatusChange,
    Subject,
    SubjectKind,
    Task,
    tear_line,
    transition,
)
from cruce.cases.stix import case_objects
from cruce.core.errors import InputError
from cruce.core.markings import Marking
from cruce.sharing.definitions import read_definition

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def random_case(rng: random.Random) -> Case:
    owner = rng.choice(PARTNERS)
    subjects = tuple(
        Subject(f"s{i}", rng.choice(list(SubjectKind)), f"secret-name-{i}", random_marking(rng, owner))
        for i in range(rng.randint(0, 6))
    )
    ids = [s.subject_id for s in subjects]
    events = tuple(
        Event(
            f"e{i}",
            rng.choice(list(EventKind)),
            T0 + timedelta(hours=i),
            "x",
            f"secret-event-{i}",
            random_marking(rng, owner),
            tuple(rng.sample(ids, rng.randint(0, len(ids)))),
        )
        for i in range(rng.randint(0, 4))
    )
    notes = tuple(Note(f"n{i}", f"secret-note-{i}", random_marking(rng, owner), "a", T0) for i in range(2))
    tasks = (Task("t1", "secret-task", random_marking(rng, owner)),)
    return Case(
        "case:x",
        owner,
        "secret-title",
        random_marking(rng, owner),
        CaseStatus.OPEN,
        "a",
        T0,
        subjects=subjects,
        events=events,
        notes=notes,
        tasks=tasks,
        history=(StatusChange(1, None, CaseStatus.OPEN, "a", T0),),
    )


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32), partner=st.sampled_from([*PARTNERS, "GBR"]))
def test_a_partner_version_holds_only_what_is_released_to_it(seed: int, partner: str) -> None:
    case = random_case(random.Random(seed))
    version = tear_line(case, partner)
    view = version.case
    for part in view.parts:
        assert part.marking.releasable(partner)
    assert view.tasks == ()
    kept = {s.subject_id for s in view.subjects}
    for event in view.events:
        assert set(event.subjects) <= kept
    released_title = case.title_marking.releasable(partner)
    assert (view.title == case.title) == released_title
    total = 1 + len(case.parts)
    assert version.withheld == total - len(view.parts) - released_title
    text = json.dumps(case_objects(view, partner, modified=T0), ensure_ascii=False)
    for part in case.parts:
        if not part.marking.releasable(partner):
            secret = getattr(part, "name", None) or getattr(part, "description", None) or part.text
            assert secret not in text
    if not released_title:
        assert "secret-title" not in text
    for obj in json.loads(text):
        if obj["type"] == "marking-definition":
            marking = read_definition(obj).marking
            assert marking is None or isinstance(marking, Marking)
            if isinstance(marking, Marking) and obj["id"] in {
                ref for o in json.loads(text) for ref in o.get("object_marking_refs", [])
            }:
                assert marking.releasable(partner) or marking.owner == partner


@settings(max_examples=200, deadline=None)
@given(moves=st.lists(st.sampled_from(list(CaseStatus)), max_size=8))
def test_the_workflow_only_takes_moves_from_its_table(moves: list[CaseStatus]) -> None:
    case = random_case(random.Random(1))
    at = T0
    for to in moves:
        at += timedelta(minutes=1)
        before = case.status
        try:
            case = transition(
                case, to, "a", at, reason="why", partner="MEX" if to is CaseStatus.REFERRED else ""
            )
        except CaseStateError:
            assert to not in TRANSITIONS[before]
            continue
        except InputError:  # a referral to the owner itself
            assert to is CaseStatus.REFERRED
            continue
        assert to in TRANSITIONS[before] and case.status is to
        assert case.history[-1].from_status is before
