"""The console's network graph never leaks: properties over generated cases with subjects of every marking.

Whoever reads (the owner country's user at any clearance, a partner's, a dual national), the graph elements
`case_network` + `network_graph` give them hold exactly the subjects a rule written here independently
allows (the owner: its clearance; anyone else: released to every country they belong to, within their
clearance), and not one withheld subject's name or id anywhere in the JSON; the partner preview of the
owner's network holds exactly what `partner` would be released, within the owner's clearance.
"""

from __future__ import annotations

import json
import random
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from test_access_properties import COUNTRIES, ORGANISATIONS
from test_case_properties import T0, random_case

from cruce.cases.casefile import Case, Subject
from cruce.core.markings import Classification
from cruce.service.cases import CaseService, CaseSummary, case_network, network_graph
from cruce.sharing.access import Role, User
from cruce.sharing.audit import AuditEvent


class _Audit:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def append(self, event: AuditEvent) -> None:
        self.events.append(event)


class _Releases:
    """The store's answers the resolution step asks for: the case's release (its partner) and no decisions."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def releases(self, case_id: str) -> set[str]:
        return {self.case.partner} if self.case.partner else set()

    def decisions(self, country: str) -> list[object]:
        return []


class OneCase(CaseService):
    """The service's reading path (`_reader_view`, `case_network`) over one case held in memory, already
    referred to the reader's country (the store's part, `_load`'s release check, has its own tests)."""

    def __init__(self, case: Case) -> None:  # no engine: nothing here touches a store
        self.case = case
        self.audit = _Audit()  # type: ignore[assignment]
        self.store = _Releases(case)  # type: ignore[assignment]
        self.people = None

        def clock() -> datetime:
            return T0

        self.clock = clock

    def cases(self, user: User, limit: int = 200) -> list[CaseSummary]:
        c = self.case
        return [CaseSummary(c.case_id, c.owner, c.title, c.status.value, c.partner, "")]

    def _load(self, user: User, case_id: str, action: str) -> tuple[Case, str]:
        seen_as = "full" if self._owner_user(user, self.case.owner) else user.organisation.country
        return self.case, seen_as


def _reader(rng: random.Random, owner: str) -> User:
    country = rng.choice(COUNTRIES)
    others = frozenset(rng.sample([c for c in COUNTRIES if c != country], rng.randint(0, 1)))
    if rng.random() < 0.6:
        others = frozenset()
    return User(
        "reader",
        ORGANISATIONS[country],
        rng.choice(list(Classification)),
        country,
        frozenset({Role.ANALYST}),
        other_nationalities=others,
    )


def _allowed(user: User, case: Case, s: Subject) -> bool:
    if s.marking.classification > user.clearance:
        return False
    if user.countries == {case.owner}:
        return True
    return all(s.marking.releasable(c) for c in user.countries)


def _labels(graph: dict[str, object]) -> set[str]:
    nodes = graph["elements"]["nodes"]  # type: ignore[index]
    return {n["data"]["label"] for n in nodes}


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_reader_gets_exactly_the_subjects_released_to_them(seed: int) -> None:
    rng = random.Random(seed)
    case = random_case(rng)
    user = _reader(rng, case.owner)
    view, _ = case_network(OneCase(case), user)
    graph = network_graph(view)
    text = json.dumps(graph, ensure_ascii=False)
    kept = {s.name for s in case.subjects if _allowed(user, case, s)}
    assert _labels(graph) == kept
    for s in case.subjects:
        if s.name not in kept:
            assert s.name not in text
            assert f'/{s.subject_id}"' not in text and f"/{s.subject_id}'" not in text


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), partner=st.sampled_from(COUNTRIES))
def test_the_partner_preview_holds_what_the_partner_would_be_released(seed: int, partner: str) -> None:
    rng = random.Random(seed)
    case = random_case(rng)
    if partner == case.owner:
        return
    owner = User(
        "owner", ORGANISATIONS[case.owner], rng.choice(list(Classification)), case.owner,
        frozenset({Role.ANALYST}),
    )  # fmt: skip
    service = OneCase(case)
    view, _ = case_network(service, owner, partner=partner)
    graph = network_graph(view)
    text = json.dumps(graph, ensure_ascii=False)
    kept = {
        s.name
        for s in case.subjects
        if s.marking.releasable(partner) and s.marking.classification <= owner.clearance
    }
    assert _labels(graph) == kept and graph["partner"] == partner
    for s in case.subjects:
        if s.name not in kept:
            assert s.name not in text
    assert service.audit.events[-1].details["partner"] == partner  # type: ignore[attr-defined]
