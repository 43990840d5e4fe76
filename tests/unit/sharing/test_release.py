"""The one release decision: who may write marked content where partners can read it."""

from __future__ import annotations

import pytest

from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.access import Organisation, Role, User
from cruce.sharing.release import may_write, reach_of

USA = Organisation("cbp", "USA")
MEX = Organisation("sat", "MEX")


def _user(org: Organisation, roles: set[str], clearance: str = "S", nationality: str | None = None) -> User:
    return User(
        "u1", org, Classification[{"U": "UNCLASSIFIED", "S": "SECRET", "TS": "TOP_SECRET"}[clearance]],
        nationality or org.country, roles=frozenset(Role(r) for r in roles),
    )  # fmt: skip


def test_reach_is_the_intersection_and_noforn_keeps_it_home() -> None:
    rel = Marking.parse("S//REL TO USA, MEX, CAN")
    nf = Marking.parse("C//NOFORN")
    assert reach_of([rel]).countries == {"USA", "MEX", "CAN"}
    both = reach_of([rel, nf, None])
    assert both.countries == {"USA"} and both.noforn and both.level is Classification.SECRET
    assert reach_of([]).countries == {ALL}
    assert not reach_of([Marking.parse("S//OC//REL TO USA, MEX")]).admits("MEX")


def test_analyst_may_not_release_beyond_own_country() -> None:
    decision = may_write(_user(USA, {"analyst"}), [Marking.parse("S//REL TO USA, MEX")])
    assert not decision.allowed and "releasing_officer" in decision.reason
    assert may_write(_user(USA, {"analyst"}), [Marking.parse("S//NF")]).allowed
    assert may_write(_user(USA, {"releasing_officer"}), [Marking.parse("S//REL TO USA, MEX")]).allowed


def test_unmarked_content_is_a_release_to_everyone() -> None:
    assert not may_write(_user(USA, {"analyst"}), [None]).allowed


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"originators": ["USA"]}, "originator USA"),
        ({"author": "someone-else"}, "another author"),
    ],
)
def test_a_partner_cannot_pass_as_another(kwargs: dict[str, object], fragment: str) -> None:
    mexican = _user(MEX, {"releasing_officer"})
    decision = may_write(mexican, [Marking.parse("S//REL TO MEX, USA", owner="MEX")], **kwargs)  # type: ignore[arg-type]
    assert not decision.allowed and fragment in decision.reason


def test_a_partner_cannot_write_usa_markings() -> None:
    decision = may_write(_user(MEX, {"releasing_officer"}), [Marking.parse("U")])
    assert not decision.allowed and "owned by USA" in decision.reason


def test_clearance_must_cover_what_is_written() -> None:
    decision = may_write(_user(USA, {"releasing_officer"}, "S"), [Marking.parse("TS//REL TO USA, MEX")])
    assert not decision.allowed and "clearance" in decision.reason


def test_dual_national_may_not_write_for_the_country() -> None:
    decision = may_write(_user(USA, {"analyst"}, nationality="MEX"), [Marking.parse("S//NF")])
    assert not decision.allowed
