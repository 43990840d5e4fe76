"""The application and membership state machines: no approval without vetting and an interview, nothing
out of revocation, every move with an actor and a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cruce.programs.lifecycle import (
    TransitionError,
    add_years,
    effective_state,
    move_application,
    move_membership,
    renewed_expiry,
)
from cruce.programs.model import ApplicationState, MembershipState

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VET = "vet"  # the service's vetting: records a result (and moves a submitted application to vetting)


@given(st.lists(st.sampled_from([VET, *ApplicationState]), max_size=12))
def test_no_sequence_of_moves_approves_without_vetting_and_an_interview(moves: list[object]) -> None:
    state, vetted, visited = ApplicationState.SUBMITTED, False, [ApplicationState.SUBMITTED]
    for move in moves:
        if move == VET:
            if state in (ApplicationState.APPROVED, ApplicationState.DENIED):
                continue
            vetted = True
            if state is ApplicationState.SUBMITTED:
                target = ApplicationState.VETTING
            else:
                continue
        else:
            assert isinstance(move, ApplicationState)
            target = move
        try:
            t = move_application(
                "application:x", state, target, actor="ana", reason="r", at=T0, vetted=vetted
            )
        except TransitionError as exc:
            assert exc.exit_code == 2 and "application:x" in exc.message
            continue
        assert (t.from_state, t.to_state, t.actor, t.reason, t.at) == (
            state.value,
            target.value,
            "ana",
            "r",
            T0,
        )
        state = target
        visited.append(state)
    if state is ApplicationState.APPROVED:
        assert vetted
        assert visited[-3:] == [
            ApplicationState.VETTING,
            ApplicationState.INTERVIEW,
            ApplicationState.APPROVED,
        ]
    if ApplicationState.DENIED in visited or ApplicationState.APPROVED in visited:
        assert visited[-1] in (ApplicationState.DENIED, ApplicationState.APPROVED)  # decided is final


@given(st.lists(st.sampled_from(list(MembershipState)), max_size=15))
def test_nothing_leaves_revocation(moves: list[MembershipState]) -> None:
    state = MembershipState.ACTIVE
    revoked = False
    for target in moves:
        try:
            move_membership("usa-sentri-1", state, target, actor="ana", reason="r", at=T0)
        except TransitionError:
            continue
        assert not revoked, f"moved out of revoked to {target}"
        state = target
        revoked = revoked or state is MembershipState.REVOKED
    for target in MembershipState:
        with pytest.raises(TransitionError, match="it is final"):
            move_membership("usa-sentri-1", MembershipState.REVOKED, target, actor="ana", reason="r", at=T0)


def test_an_interview_needs_a_vetting_result_and_moves_need_an_actor_and_a_reason() -> None:
    with pytest.raises(TransitionError, match="no vetting result yet") as caught:
        move_application("a", ApplicationState.VETTING, ApplicationState.INTERVIEW, actor="ana", reason="r",
                         at=T0, vetted=False)  # fmt: skip
    assert caught.value.code == "not_vetted"
    with pytest.raises(TransitionError, match="reason") as no_reason:
        move_membership(
            "m", MembershipState.ACTIVE, MembershipState.SUSPENDED, actor="ana", reason=" \n", at=T0
        )
    assert no_reason.value.details == {"field": "reason"}
    with pytest.raises(TransitionError, match="actor"):
        move_membership("m", MembershipState.ACTIVE, MembershipState.SUSPENDED, actor=" ", reason="r", at=T0)
    with pytest.raises(TransitionError, match="it may go to active, revoked"):
        move_membership("m", MembershipState.SUSPENDED, MembershipState.EXPIRED, actor="a", reason="r", at=T0)


def test_expiry_and_renewal_dates() -> None:
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert add_years(leap, 5) == datetime(2033, 2, 28, 9, 0, tzinfo=UTC)
    assert add_years(T0, 5) == datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
    expires = T0 + timedelta(days=100)
    assert renewed_expiry(expires, T0, 5) == add_years(expires, 5)  # renewing early loses no day
    assert renewed_expiry(T0 - timedelta(days=10), T0, 5) == add_years(T0, 5)  # expired: from now
    assert effective_state(MembershipState.ACTIVE, T0, T0) is MembershipState.EXPIRED
    assert effective_state(MembershipState.ACTIVE, T0 + timedelta(seconds=1), T0) is MembershipState.ACTIVE
    assert effective_state(MembershipState.SUSPENDED, T0 - timedelta(days=1), T0) is MembershipState.SUSPENDED
