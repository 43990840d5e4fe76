"""Enrol a synthetic day's population into trusted-program memberships, some no longer in good standing.

The traffic generator says who carries a programme card and which companies are certified
(`SyntheticMember`); this turns them into membership records (`MembershipStatus`) in a directory the booth
looks up, exactly as it would look up memberships a programs service stored. A seeded share is suspended
(pending review of an alert), revoked or expired, so that a simulated day shows what the lanes do with a
card whose membership is no longer good.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from cruce.programs.model import MembershipState, MembershipStatus
from cruce.programs.recognition import Agreement
from cruce.programs.standing import InMemoryDirectory, company_key, document_key
from cruce.synthetic.traffic import SyntheticMember

STATE_SHARES: dict[MembershipState, float] = {
    MembershipState.SUSPENDED: 0.01,
    MembershipState.REVOKED: 0.004,
    MembershipState.EXPIRED: 0.01,
}
"""Share of members in each state other than active (synthetic, not measured)."""

_REASONS = {
    MembershipState.SUSPENDED: "pending review of a new watchlist alert",
    MembershipState.REVOKED: "revoked after a customs violation",
    MembershipState.EXPIRED: "not renewed",
}


def enrol(
    members: Iterable[SyntheticMember], agreement: Agreement, seed: int, at: datetime
) -> tuple[InMemoryDirectory, Counter[MembershipState]]:
    """A directory of the members' memberships as of `at`, and how many are in each state."""
    rng = random.Random(f"cruce-enrol:{seed}:{at.date().isoformat()}")
    directory = InMemoryDirectory()
    states: Counter[MembershipState] = Counter()
    for number, member in enumerate(members, start=1):
        program = agreement.programs.get(member.program)
        country = program.country if program is not None else "USA"
        roll, state = rng.random(), MembershipState.ACTIVE
        for candidate, share in STATE_SHARES.items():
            if roll < share:
                state = candidate
                break
            roll -= share
        enrolled = at - timedelta(days=rng.randint(30, 5 * 365 - 30))
        expires = enrolled + timedelta(days=5 * 365)
        if state is MembershipState.EXPIRED:
            expires = at - timedelta(days=rng.randint(1, 200))
        changed = at - timedelta(days=rng.randint(1, 20)) if state is not MembershipState.ACTIVE else enrolled
        keys = (
            (company_key(member.name),)
            if member.company
            else tuple(document_key(d.kind, d.country, d.number) for d in member.documents)
        )
        status = MembershipStatus(
            membership_id=f"{member.program.lower()}:{country}:{seed}-{number:06d}",
            program_id=member.program,
            tier=member.tier
            if program is None or member.tier in program.tiers
            else next(iter(program.tiers)),
            country=country,
            state=state,
            changed_at=changed,
            reason=_REASONS.get(state, ""),
            expires_at=expires,
            documents=keys,
        )
        directory.put(status)
        states[state] += 1
    return directory, states
