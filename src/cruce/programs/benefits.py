"""What a membership is worth at a booth: the inspection-rate factor of its tier, and the FAST lane.

Pure: it reads `MembershipStatus` values (this node's members, or a partner's under mutual recognition) and
the program catalogue. Only an active, unexpired membership counts; anything else is worth nothing and says
why, so a lane decision can show the reason (a suspended member is never expedited).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cruce.programs.config import ProgramConfig
from cruce.programs.model import MembershipState, MembershipStatus, ProgramKind

NO_BENEFIT = 1.0


@dataclass(frozen=True, slots=True)
class Standing:
    """Whether a membership counts now, its tier's inspection-rate factor, and why."""

    counts: bool
    inspection_rate_factor: float
    reason: str


def standing(
    status: MembershipStatus | None, programs: Mapping[str, ProgramConfig], now: datetime
) -> Standing:
    """The benefit `status` gives at `now` (no membership, or one not active: factor 1.0, with the reason)."""
    if status is None:
        return Standing(False, NO_BENEFIT, "not a member")
    label = f"{status.program_id} membership {status.membership_id}"
    program = programs.get(status.program_id)
    if program is None:
        return Standing(False, NO_BENEFIT, f"{label}: program {status.program_id!r} is not recognised here")
    if status.state is not MembershipState.ACTIVE:
        why = f": {status.reason}" if status.reason else ""
        return Standing(False, NO_BENEFIT, f"{label} is {status.state.value}{why}")
    if status.expires_at is not None and status.expires_at <= now:
        return Standing(False, NO_BENEFIT, f"{label} expired on {status.expires_at.date()}")
    tier = next((t for t in program.tiers if t.id == status.tier), None)
    if tier is None:
        return Standing(False, NO_BENEFIT, f"{label}: tier {status.tier!r} is not a tier of {program.id}")
    return Standing(True, tier.inspection_rate_factor, f"{label} ({tier.name}) is active")


@dataclass(frozen=True, slots=True)
class FastDecision:
    eligible: bool
    reasons: tuple[str, ...]


def fast_lane(
    driver: MembershipStatus | None,
    carrier: MembershipStatus | None,
    importer: MembershipStatus | None,
    programs: Mapping[str, ProgramConfig],
    now: datetime,
) -> FastDecision:
    """A truck takes the FAST lane only when its driver holds an active FAST-like membership and its carrier
    and importer are active members of a company program that FAST program names."""
    reasons: list[str] = []
    driver_standing = standing(driver, programs, now)
    fast = programs.get(driver.program_id) if driver is not None else None
    if not driver_standing.counts or fast is None or fast.fast is None:
        why = driver_standing.reason if not driver_standing.counts else f"{driver_standing.reason}, not FAST"
        return FastDecision(False, (f"driver: {why}",))
    reasons.append(f"driver: {driver_standing.reason}")
    eligible = True
    for role, status in (("carrier", carrier), ("importer", importer)):
        company = standing(status, programs, now)
        program = programs.get(status.program_id) if status is not None else None
        if not company.counts:
            eligible = False
            reasons.append(f"{role}: {company.reason}")
        elif (
            program is None
            or program.kind is not ProgramKind.COMPANY
            or program.id not in fast.fast.company_programs
        ):
            eligible = False
            reasons.append(
                f"{role}: {company.reason}, but {fast.id} needs one of "
                + ", ".join(fast.fast.company_programs)
            )
        else:
            reasons.append(f"{role}: {company.reason}")
    return FastDecision(eligible, tuple(reasons))
