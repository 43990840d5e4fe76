"""A membership's worth at a booth: the tier's inspection factor, only while active; FAST needs all three."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from cruce.programs.benefits import NO_BENEFIT, fast_lane, standing
from cruce.programs.config import program_catalogue
from cruce.programs.model import MembershipState, MembershipStatus

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PROGRAMS = program_catalogue()


def status(
    program: str, tier: str, state: MembershipState = MembershipState.ACTIVE, **extra: object
) -> MembershipStatus:
    values: dict[str, object] = {"membership_id": f"m-{program}", "program_id": program, "tier": tier,
                                 "country": PROGRAMS[program].country, "state": state, "changed_at": NOW,
                                 "expires_at": NOW + timedelta(days=900), **extra}  # fmt: skip
    return MembershipStatus(**values)  # type: ignore[arg-type]


def test_only_an_active_unexpired_membership_gives_its_tiers_factor() -> None:
    assert standing(status("ctpat", "tier3"), PROGRAMS, NOW).inspection_rate_factor == 0.2
    assert standing(status("ctpat", "tier1"), PROGRAMS, NOW).inspection_rate_factor == 0.6
    suspended = standing(status("sentri", "standard", MembershipState.SUSPENDED, reason="named on a list"),
                         PROGRAMS, NOW)  # fmt: skip
    assert not suspended.counts and suspended.inspection_rate_factor == NO_BENEFIT
    assert suspended.reason == "sentri membership m-sentri is suspended: named on a list"
    expired = standing(status("sentri", "standard", expires_at=NOW), PROGRAMS, NOW)
    assert not expired.counts and "expired on 2026-03-01" in expired.reason
    assert standing(None, PROGRAMS, NOW).reason == "not a member"
    unknown = dataclasses.replace(status("sentri", "standard"), program_id="kiosko")
    assert "not recognised here" in standing(unknown, PROGRAMS, NOW).reason


def test_fast_needs_a_fast_driver_and_member_carrier_and_importer() -> None:
    driver, carrier, importer = status("fast", "driver"), status("oea", "oea-aaa"), status("ctpat", "tier2")
    decision = fast_lane(driver, carrier, importer, PROGRAMS, NOW)
    assert decision.eligible and len(decision.reasons) == 3
    suspended = dataclasses.replace(carrier, state=MembershipState.SUSPENDED)
    refused = fast_lane(driver, suspended, importer, PROGRAMS, NOW)
    assert not refused.eligible and refused.reasons[1] == "carrier: oea membership m-oea is suspended"
    assert not fast_lane(status("sentri", "standard"), carrier, importer, PROGRAMS, NOW).eligible
    assert not fast_lane(driver, None, importer, PROGRAMS, NOW).eligible
    person_as_carrier = fast_lane(driver, status("nexus", "standard"), importer, PROGRAMS, NOW)
    assert not person_as_carrier.eligible and "needs one of ctpat, oea, pip" in person_as_carrier.reasons[1]
