"""Screening in reverse finds exactly what forward screening of each member finds, with the same scores."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.matching.names import query_name_tokens
from cruce.programs.model import MemberParties
from cruce.programs.reverse import MemberIndex
from cruce.synthetic.members import generate_members
from cruce.synthetic.watchlist import generate_watchlist


@cache
def _world() -> tuple[list[Entity], Matcher, list[MemberParties], MemberIndex]:
    listed = generate_watchlist(11, 800)
    persons = [e for e in listed if e.schema is Schema.PERSON]
    members = list(generate_members(1500, 11, planted_from=persons[:200], pool_people=600))
    matcher = Matcher(listed)
    return listed, matcher, members, MemberIndex(members)


def _forward(
    matcher: Matcher, members: list[MemberParties], diff: list[Entity]
) -> dict[tuple[str, str], float]:
    ids = {e.id for e in diff}
    found = {}
    for member in members:
        for party in member.parties:
            for match in matcher.screen(party.query, top=len(matcher)):
                if match.alert and match.entity.id in ids:
                    found[member.membership_id, match.entity.id] = match.score
    return found


def _reverse(
    index: MemberIndex, matcher: Matcher, diff: list[Entity]
) -> dict[tuple[str, str], tuple[float, str]]:
    bound = index.bind(matcher)
    found = {}
    for entity, hits in bound.screen(diff):
        for hit in hits:
            found[index.members[hit.member_no].membership_id, entity.id] = (
                hit.match.score,
                hit.match.reasons(),
            )
    return found


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_reverse_hits_are_forward_screening_hits(seed: int) -> None:
    listed, matcher, members, index = _world()
    diff = random.Random(seed).sample(listed, 120)
    forward = _forward(matcher, members, diff)
    reverse = _reverse(index, matcher, diff)
    assert set(reverse) == set(forward)
    assert {k: v[0] for k, v in reverse.items()} == forward
    assert forward, "the sample should name some planted members"


def test_reverse_reasons_are_the_forward_reasons() -> None:
    listed, matcher, members, index = _world()
    planted = [e for e in listed if e.schema is Schema.PERSON][:60]
    reverse = _reverse(index, matcher, planted)
    assert len(reverse) >= 30
    by_id = {m.membership_id: m for m in members}
    for (member_id, entity_id), (score, reasons) in reverse.items():
        query = by_id[member_id].parties[0].query
        forward = next(m for m in matcher.screen(query, top=20) if m.entity.id == entity_id)
        assert (forward.score, forward.reasons()) == (score, reasons)


def test_the_index_finds_every_hit_a_brute_force_scan_finds() -> None:
    """Brute force: every member scored against every entity by the matcher, no index, no bound."""
    listed, matcher, members, index = _world()
    diff = random.Random(5).sample(listed, 60) + [e for e in listed if e.schema is Schema.PERSON][:40]
    brute = set()
    for member in members:
        for party in member.parties:
            for entity in diff:
                match = matcher.score_entity(party.query, entity)
                if match is not None and match.alert:
                    brute.add((member.membership_id, entity.id))
    bound = index.bind(matcher)
    reverse = {
        (index.members[h.member_no].membership_id, e.id) for e, hits in bound.screen(diff) for h in hits
    }
    assert brute and reverse == brute
    # ...while scoring a small share of the pairs brute force scores.
    assert bound.pairs_scored < len(members) * len(diff) / 20


def test_index_tokens_are_the_forward_tokens() -> None:
    _, _, members, _index = _world()
    folded: dict[str, str] = {}
    for member in members:
        query = member.parties[0].query
        fast = MemberIndex._tokens_of(query, folded)
        slow = query_name_tokens(query.name, query.schema)
        assert (fast.tokens, fast.roles) == (slow.tokens, slow.roles), query.name


def test_a_common_surname_alone_is_not_a_candidate() -> None:
    _, matcher, members, index = _world()
    bound = index.bind(matcher)
    tokens = Counter(
        t for m in members for t in query_name_tokens(m.parties[0].query.name, Schema.PERSON).tokens
    )
    surname, sharing = next((t, n) for t, n in tokens.most_common() if len(t) > 4)
    listed = Entity("x:1", Schema.PERSON, (Name(f"{surname.upper()}, Zacarias Eleuterio"),), "x", "1")
    assert sharing > 10
    assert len(bound.candidates(listed)) < sharing / 5


@pytest.mark.parametrize("threshold", [0.7, 0.9])
def test_other_thresholds_keep_reverse_equal_to_forward(threshold: float) -> None:
    listed, _, members, _index = _world()
    matcher = Matcher(listed, threshold)
    diff = [e for e in listed if e.schema is Schema.PERSON][:80]
    forward = _forward(matcher, members[:600], diff)
    small = MemberIndex(members[:600])
    assert set(_reverse(small, matcher, diff)) == set(forward)
