"""The alert review's transitions and the false-positive memory's key, as properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.alerts.review import (
    INITIAL,
    MAX_COMMENT_CHARS,
    STATES,
    TRANSITIONS,
    AlertState,
    check_under_review,
    comment_text,
    decide,
    is_final,
    person_fingerprint,
)
from cruce.core.errors import InputError
from cruce.service.queries import make_query

WANTED = st.one_of(st.sampled_from(STATES), st.text(max_size=20))


@settings(max_examples=400, deadline=None)
@given(st.lists(WANTED, max_size=8))
def test_any_sequence_of_decisions_follows_the_table_and_ends_in_a_final_state(wanted: list[str]) -> None:
    state = INITIAL.value
    path = [state]
    for target in wanted:
        try:
            step = decide("alert:1", state, target)
        except InputError as exc:
            # Refused: an unknown name says so; a known one names where the alert can go from here.
            assert exc.code == ("bad_state" if target not in STATES else "bad_transition")
            assert target not in TRANSITIONS.get(AlertState(state), frozenset())
            continue
        assert step.source.value == state
        assert step.target in TRANSITIONS[AlertState(state)]
        assert step.remembers_false_positive == (step.target is AlertState.FALSE_POSITIVE)
        state = step.target.value
        path.append(state)
    # Open -> (escalated ->) decided at most: no way back, and nothing after a final state.
    assert len(path) <= 3
    assert all(not is_final(s) for s in path[:-1])
    assert AlertState.OPEN.value not in path[1:]
    if is_final(state):
        for target in STATES:
            with pytest.raises(InputError):
                decide("alert:1", state, target)
            with pytest.raises(InputError):
                check_under_review("alert:1", state)


def test_escalated_alerts_are_confirmed_or_dismissed_never_escalated_again() -> None:
    with pytest.raises(InputError, match="confirmed_match, false_positive"):
        decide("alert:2", "escalated", "escalated")
    assert decide("alert:2", "escalated", "false_positive").remembers_false_positive


@given(st.text(max_size=MAX_COMMENT_CHARS + 50))
def test_a_comment_is_kept_stripped_or_refused(text: str) -> None:
    try:
        kept = comment_text(text)
    except InputError as exc:
        assert exc.code == ("empty_comment" if not text.strip() else "comment_too_long")
        return
    assert kept == text.strip()
    assert 0 < len(kept) <= MAX_COMMENT_CHARS


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=4), st.sampled_from(["1980-01-01", "1980", None]))
def test_spacing_case_and_document_order_do_not_make_a_new_person(words: list[str], dob: str | None) -> None:
    documents = ["passport:G123", "curp:RAPF700505HSLMRR09"]
    one = make_query(" ".join(words), birth_date=dob, documents=documents)
    other = make_query(
        "  " + "   ".join(w.upper() for w in words) + " ", birth_date=dob, documents=documents[::-1]
    )
    assert person_fingerprint(one) == person_fingerprint(other)


@settings(max_examples=200, deadline=None)
@given(
    NAMES, st.sampled_from(["1980-01-01", "1981-01-01", "1980", None]), st.sampled_from(["MX", "US", None])
)
def test_new_evidence_is_a_new_person(name: str, dob: str | None, country: str | None) -> None:
    base = make_query(name, birth_date="1979-12-31", country="CA")
    changed = make_query(name, birth_date=dob, country=country)
    assert person_fingerprint(base) != person_fingerprint(changed)
