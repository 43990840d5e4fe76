"""Continuous re-vetting: what it needs from the membership side, and what a hit on a member is.

Re-vetting runs when a list changes (one run per new list version, see `storage/revetting.py`) and screens
the list's new and changed entities against every active member through `reverse.MemberIndex`. It needs two
things from whoever keeps memberships, named by `MemberDirectory`; `service/programs.py` provides them, and
`InMemoryDirectory` here serves tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from cruce.matching.types import Feature, Match
from cruce.programs.model import MemberParties, MembershipState, PartyRole


@dataclass(frozen=True, slots=True)
class RevetHit:
    """A new alert on a member: which party matched which listed entity, how strongly, and why.

    `key` is stable across retries of the same run (`run:<id>:<membership>:<party>:<entity>`): a suspension
    delivered twice after a crash must be recognised as one.
    """

    key: str
    run_id: int
    membership_id: str
    program_id: str
    country: str
    party_role: PartyRole
    party_name: str
    list_id: str
    entity_id: str
    entity_caption: str
    score: float
    matched_name: str
    matcher: str  # `cruce-names 2.0 @0.80`
    features: tuple[Feature, ...] = field(default=())

    def reasons(self) -> str:
        ordered = sorted(self.features, key=lambda f: -abs(f.value))
        return "; ".join(f"{f.name}: {f.detail}" for f in ordered)

    @classmethod
    def from_match(
        cls, run_id: int, member: MemberParties, role: PartyRole, party_name: str, match: Match
    ) -> RevetHit:
        entity = match.entity
        return cls(
            key=f"run:{run_id}:{member.membership_id}:{role.value}:{party_name}:{entity.id}",
            run_id=run_id,
            membership_id=member.membership_id,
            program_id=member.program_id,
            country=member.country,
            party_role=role,
            party_name=party_name,
            list_id=entity.list_id,
            entity_id=entity.id,
            entity_caption=entity.caption,
            score=match.score,
            matched_name=match.matched_name,
            matcher=match.matcher,
            features=match.features,
        )


class MemberDirectory(Protocol):
    """What re-vetting needs from the membership side (implemented by `service/programs.py`)."""

    def active_member_parties(self) -> Iterable[MemberParties]:
        """Every active membership's parties (suspended, revoked and expired members are not re-vetted)."""
        ...

    def suspend_for_alert(self, membership_id: str, hit: RevetHit, actor: str) -> None:
        """Suspend the membership pending review and queue the alert with the member's context.

        Must be idempotent on `hit.key`: after a crash a hit whose suspension committed may be delivered
        again, and it must not suspend twice or queue a second alert.
        """
        ...


class InMemoryDirectory:
    """A `MemberDirectory` over a list of members, for tests and benchmarks."""

    def __init__(self, members: Iterable[MemberParties]) -> None:
        self.members = {m.membership_id: m for m in members}
        self.states = dict.fromkeys(self.members, MembershipState.ACTIVE)
        self.alerts: dict[str, RevetHit] = {}  # by hit key: the queue, one alert per hit
        self.deliveries = 0

    def active_member_parties(self) -> Iterable[MemberParties]:
        return [m for k, m in self.members.items() if self.states[k] is MembershipState.ACTIVE]

    def suspend_for_alert(self, membership_id: str, hit: RevetHit, actor: str) -> None:
        self.deliveries += 1
        if hit.key in self.alerts:
            return
        self.alerts[hit.key] = hit
        if self.states.get(membership_id) is MembershipState.ACTIVE:
            self.states[membership_id] = MembershipState.SUSPENDED
