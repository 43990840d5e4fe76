"""A listed document number presented at screening is strong evidence, whether or not its check digit holds
(lists and documents carry mistyped numbers verbatim, so the same number on both sides still points at the
listed person); a number that fails its own check (python-stdnum) is flagged in the reason for the officer."""

from __future__ import annotations

from cruce.core.model import Entity, Identifier, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.matching.types import Query

VALID = "RAPF700505HSLMRR06"
BAD_CHECK_DIGIT = "RAPF700505HSLMRR09"


def _listed(curp: str) -> Matcher:
    name = Name("RAMIREZ PEREZ, Francisco Javier", family="RAMIREZ PEREZ", given="Francisco Javier")
    return Matcher([Entity("t:1", Schema.PERSON, (name,), "t", "1", identifiers=(Identifier("curp", curp),))])


def _identifier_feature(matcher: Matcher, curp: str) -> tuple[bool, float, str]:
    match = matcher.screen(Query("F. Ramirez", identifiers=(Identifier("curp", curp),)))[0]
    (feature,) = [f for f in match.features if f.name == "identifier"]
    return match.alert, feature.value, feature.detail


def test_a_valid_curp_on_the_list_is_strong_evidence() -> None:
    alert, value, detail = _identifier_feature(_listed(VALID), VALID)
    assert alert and value == 0.8
    assert detail == f"curp {VALID} is on the list"


def test_a_curp_with_a_wrong_check_digit_still_matches_and_is_flagged() -> None:
    alert, value, detail = _identifier_feature(_listed(BAD_CHECK_DIGIT), BAD_CHECK_DIGIT)
    assert alert and value == 0.8
    assert detail.startswith(f"curp {BAD_CHECK_DIGIT} is on the list") and "check digit" in detail
