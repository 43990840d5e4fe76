"""Moving applications and memberships between states: every move has an actor, a reason and a time.

The allowed moves are the tables in `cruce.programs.model`; this module adds what a table cannot say: an
application may leave `vetting` for `interview` only once a vetting result exists, every move needs a
named actor and a reason, and renewal extends the expiry from whichever is later, now or the old expiry.
An impossible move is a `TransitionError` saying where the subject is and where it may go.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cruce.core.errors import InputError
from cruce.programs.model import (
    APPLICATION_TRANSITIONS,
    MEMBERSHIP_TRANSITIONS,
    ApplicationState,
    MembershipState,
)

MAX_REASON_CHARS = 2000


class Subject(StrEnum):
    APPLICATION = "application"
    MEMBERSHIP = "membership"


class TransitionError(InputError):
    """A move the program does not allow (or one without its actor or reason); nothing was changed."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One move of one application or membership, as recorded in its history and the audit log."""

    subject: Subject
    subject_id: str
    from_state: str | None  # None: created
    to_state: str
    actor: str
    reason: str
    at: datetime


def _who_and_why(actor: str, reason: str) -> tuple[str, str]:
    actor, reason = actor.strip(), " ".join(reason.split())
    if not actor:
        raise TransitionError("missing_actor", "actor: every move needs the name of who made it")
    if not reason:
        raise TransitionError("missing_reason", "reason: every move needs a reason", {"field": "reason"})
    if len(reason) > MAX_REASON_CHARS:
        raise TransitionError("reason_too_long", f"reason: at most {MAX_REASON_CHARS} characters")
    return actor, reason


def move_application(
    subject_id: str,
    current: ApplicationState,
    target: ApplicationState,
    *,
    actor: str,
    reason: str,
    at: datetime,
    vetted: bool,
) -> Transition:
    """The move of application `subject_id` from `current` to `target`, or a TransitionError.

    `vetted`: whether a vetting result is recorded for it (an interview needs one).
    """
    actor, reason = _who_and_why(actor, reason)
    allowed = APPLICATION_TRANSITIONS[current]
    if target not in allowed:
        where = ", ".join(sorted(allowed)) or "nowhere (it is decided)"
        raise TransitionError(
            "bad_transition",
            f"application {subject_id} is {current}: it cannot become {target}; it may go to {where}",
            {"state": current.value, "target": target.value},
        )
    if target is ApplicationState.INTERVIEW and not vetted:
        raise TransitionError(
            "not_vetted",
            f"application {subject_id} has no vetting result yet: run the vetting before the interview",
            {"state": current.value, "target": target.value},
        )
    return Transition(Subject.APPLICATION, subject_id, current.value, target.value, actor, reason, at)


def move_membership(
    subject_id: str,
    current: MembershipState,
    target: MembershipState,
    *,
    actor: str,
    reason: str,
    at: datetime,
) -> Transition:
    """The move of membership `subject_id` from `current` to `target` (ACTIVE -> ACTIVE is a renewal)."""
    actor, reason = _who_and_why(actor, reason)
    allowed = MEMBERSHIP_TRANSITIONS[current]
    if target not in allowed:
        where = ", ".join(sorted(allowed)) or "nowhere (it is final)"
        raise TransitionError(
            "bad_transition",
            f"membership {subject_id} is {current}: it cannot become {target}; it may go to {where}",
            {"state": current.value, "target": target.value},
        )
    return Transition(Subject.MEMBERSHIP, subject_id, current.value, target.value, actor, reason, at)


def new_membership_id(program_id: str, country: str) -> str:
    """`mex-sentri-3f9a0c71d2`: the issuing country, the program and 40 random bits (never a counter)."""
    return f"{country.lower()}-{program_id}-{secrets.token_hex(5)}"


def new_application_id() -> str:
    return f"application:{secrets.token_hex(12)}"


def add_years(moment: datetime, years: int) -> datetime:
    """`moment` plus whole calendar years; 29 February becomes 28 February in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def renewed_expiry(expires_at: datetime, now: datetime, years: int) -> datetime:
    """A renewal runs `years` from the old expiry if it is still ahead, else from now (no lost days)."""
    return add_years(max(expires_at, now), years)


def effective_state(state: MembershipState, expires_at: datetime, now: datetime) -> MembershipState:
    """What a booth must treat the membership as now: an active membership past its expiry is expired."""
    if state is MembershipState.ACTIVE and expires_at <= now:
        return MembershipState.EXPIRED
    return state


RENEWAL_WINDOW = timedelta(days=365)
"""How long before expiry a renewal may be made (expired memberships may always be renewed)."""
