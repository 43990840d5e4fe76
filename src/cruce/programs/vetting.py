"""Vetting an application: every party against every active list, and the parties' own history.

Pure: it takes the parties, a `Matcher` built over the active lists' entities, and a `HistorySource` (a port
the service fills from what the node stores), and returns a `VettingResult` saying what was checked and what
was found, each hit with the matcher's reasons. It recommends (`clear` or `refer`) and never decides: the
officer decides, with a reason, through the service.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from cruce.matching.matcher import Matcher
from cruce.matching.scorer import CruceScorer
from cruce.matching.types import Match
from cruce.programs.model import Party, PartyRole

NEAR_MARGIN = 0.1
"""Matches this close under the alert threshold are near misses. Enrolment grants trust, so vetting is more
cautious than a booth: a near miss is reported with its reasons and makes the recommendation `refer` too."""
TOP_MATCHES = 3


class HistoryKind(StrEnum):
    CROSSING = "crossing"
    INSPECTION = "inspection"
    SEIZURE = "seizure"
    VIOLATION = "violation"
    DENIAL = "denial"  # an earlier application denied
    REVOCATION = "revocation"  # an earlier membership revoked
    SUSPENSION = "suspension"
    PARTNER_NOTICE = "partner_notice"  # a partner's hit notice received by this node


ADVERSE_KINDS = frozenset(
    {
        HistoryKind.SEIZURE,
        HistoryKind.VIOLATION,
        HistoryKind.REVOCATION,
        HistoryKind.SUSPENSION,
        HistoryKind.PARTNER_NOTICE,
    }
)


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One thing the node knows a party did or had done to it; `adverse` ones make vetting refer."""

    kind: HistoryKind
    on: date
    detail: str
    outcome: str = ""
    adverse: bool = False
    source: str = ""  # where it is recorded: `crossing:...`, `application:...`


class HistorySource(Protocol):
    """The port vetting reads history through; the service fills it from what the node stores."""

    def events_for(self, party: Party) -> Sequence[HistoryEvent]: ...


class NoHistory:
    """A node that records no history: vetting says so instead of pretending it checked."""

    def events_for(self, party: Party) -> Sequence[HistoryEvent]:
        return ()


class Recommendation(StrEnum):
    CLEAR = "clear"  # nothing found: the officer may proceed to the interview
    REFER = "refer"  # a list hit, a near miss or adverse history: the officer must look before deciding


@dataclass(frozen=True, slots=True)
class ListHit:
    entity_id: str
    list_id: str
    caption: str
    matched_name: str
    score: float
    alert: bool  # False: a near miss (under the alert threshold, within NEAR_MARGIN of it)
    reasons: tuple[str, ...]  # the matcher's features, strongest first

    @classmethod
    def of(cls, match: Match) -> ListHit:
        ordered = sorted(match.features, key=lambda f: -abs(f.value))
        return cls(
            match.entity_id,
            match.entity.list_id,
            match.entity.caption,
            match.matched_name,
            round(match.score, 4),
            match.alert,
            tuple(f"{f.name}: {f.detail}" for f in ordered),
        )


@dataclass(frozen=True, slots=True)
class PartyCheck:
    """What was checked for one party and what was found."""

    role: PartyRole
    name: str
    hits: tuple[ListHit, ...]
    history: tuple[HistoryEvent, ...]

    @property
    def alerts(self) -> tuple[ListHit, ...]:
        return tuple(h for h in self.hits if h.alert)

    @property
    def adverse(self) -> tuple[HistoryEvent, ...]:
        return tuple(e for e in self.history if e.adverse)


@dataclass(frozen=True, slots=True)
class VettingResult:
    checked_at: datetime
    matcher: str  # scorer, version and threshold
    lists: tuple[str, ...]  # list versions screened against (`us-ofac-sdn@3`)
    entities: int  # listed entities in the index
    history_checked: bool
    parties: tuple[PartyCheck, ...]
    recommendation: Recommendation
    reasons: tuple[str, ...]
    elapsed_ms: float

    @property
    def alerts(self) -> int:
        return sum(len(p.alerts) for p in self.parties)


def vet(
    parties: Sequence[Party],
    matcher: Matcher,
    history: HistorySource,
    *,
    lists: Sequence[str],
    at: datetime,
    history_checked: bool = True,
) -> VettingResult:
    """Screen every party and read its history; recommend `refer` on any hit (alert or near miss) or adverse
    event, `clear` otherwise."""
    started = time.perf_counter()
    checks = []
    reasons: list[str] = []
    near = matcher.threshold - NEAR_MARGIN
    for party in parties:
        matches = matcher.screen(party.query, top=TOP_MATCHES)
        hits = tuple(ListHit.of(m) for m in matches if m.alert or m.score >= near)
        events = tuple(history.events_for(party))
        check = PartyCheck(party.role, party.query.name, hits, events)
        checks.append(check)
        for hit in check.hits:
            how = "matches" if hit.alert else "nearly matches"
            reasons.append(
                f"{party.role.value} {party.query.name!r} {how} {hit.caption!r} ({hit.entity_id}) at "
                f"{hit.score:.2f}"
            )
        for event in check.adverse:
            reasons.append(
                f"{party.role.value} {party.query.name!r}: {event.kind.value} on {event.on}: {event.detail}"
            )
    recommendation = Recommendation.REFER if reasons else Recommendation.CLEAR
    if not reasons:
        noun = "party" if len(checks) == 1 else "parties"
        reasons.append(f"no list hit and no adverse history for {len(checks)} {noun}")
    return VettingResult(
        checked_at=at,
        matcher=CruceScorer.label(matcher.threshold),
        lists=tuple(lists),
        entities=len(matcher),
        history_checked=history_checked,
        parties=tuple(checks),
        recommendation=recommendation,
        reasons=tuple(reasons),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
    )
