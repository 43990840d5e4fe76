"""The synthetic ring's two case files resolve into one network whose broker is the coordinator."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from cruce.cases.casefile import Case, CaseStatus, Event, EventKind, Subject, SubjectKind
from cruce.cases.casenet import build
from cruce.core.markings import Marking
from cruce.synthetic.ring import smuggling_ring

U = Marking.parse("U", "USA")


def test_the_ring_is_joined_across_both_sides_and_the_broker_found() -> None:
    ring = smuggling_ring(seed=17)
    built = build([ring.us.case, ring.mx.case])
    driver = built.entity_of["case:USA-ring-tucson/s-driver-1"]
    assert built.entity_of["case:MEX-ring-nogales/s-driver-stopped"] == driver  # same passport
    coordinator = built.entity_of["case:MEX-ring-nogales/s-coordinator"]
    assert built.entity_of["case:USA-ring-tucson/s-phone-coordinator"] == coordinator  # same number
    assert built.entities[coordinator].label == ring.broker
    assert any("same phone" in why for why in built.entities[coordinator].why)
    top, _score = built.network.brokers(top=1)[0]
    assert top == coordinator
    cells = built.network.communities(resolution=0.1)
    recruiters = {built.entity_of[f"case:MEX-ring-nogales/s-recruiter-{k}"] for k in (1, 2, 3)}
    assert any(recruiters <= cell and driver not in cell for cell in cells)
    pairs = {(a, b) for a, b, _ in built.co_travel}
    d1, d2 = (built.entity_of[f"case:USA-ring-tucson/s-driver-{k}"] for k in (1, 2))
    assert (min(d1, d2), max(d1, d2)) in pairs


def test_a_shared_name_alone_never_merges_two_people() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)

    def case(cid: str, born: str) -> Case:
        person = Subject("p", SubjectKind.PERSON, "Juan Hernández López", U, birth_date=born)
        return Case(cid, "USA", "x", U, CaseStatus.OPEN, "a", t0, subjects=(person,))

    apart = build([case("c1", "1970-01-01"), case("c2", "1981-05-05")])
    assert len(apart.entities) == 2
    joined = build([case("c1", "1970-01-01"), case("c2", "1970-01-01")])
    assert len(joined.entities) == 1


def test_travelers_crossing_together_once_are_not_a_pair() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    a = Subject("a", SubjectKind.PERSON, "A", U, {"passport": "X1111"})
    b = Subject("b", SubjectKind.PERSON, "B", U, {"passport": "X2222"})
    cross = Event("e1", EventKind.CROSSING, t0, "Nogales", "", U, ("a",))
    other = dataclasses.replace(cross, event_id="e2", at=t0 + timedelta(minutes=3), subjects=("b",))
    once = Case("c", "USA", "x", U, CaseStatus.OPEN, "u", t0, subjects=(a, b), events=(cross, other))
    assert build([once]).co_travel == []
    again = dataclasses.replace(
        once,
        events=(
            cross,
            other,
            dataclasses.replace(cross, event_id="e3", at=t0 + timedelta(days=3)),
            dataclasses.replace(other, event_id="e4", at=t0 + timedelta(days=3, minutes=2)),
        ),
    )
    assert [(x[2]) for x in build([again]).co_travel] == [2]
