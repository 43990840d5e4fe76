"""Screening one party now, for a signed-in user: ranked candidates with evidence, alerts raised, audited.

The alerts a screening raises and its audit record commit together; a screening that writes no alert is
audited in a batch shared with concurrent requests (`AuditAppender`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cruce.alerts.review import person_view
from cruce.core.errors import InputError
from cruce.matching.types import Match, Query
from cruce.service.alerts import AlertQueue, MatchOutcome, feature_views
from cruce.service.index import MatcherIndex
from cruce.service.policy import Gate, check_text
from cruce.service.queries import make_query
from cruce.sharing.access import User
from cruce.sharing.audit import AuditEvent


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """One screening: the query, its ranked matches, and what became of each alerting match."""

    query: Query
    matches: Sequence[Match]
    outcomes: Mapping[str, MatchOutcome]

    @property
    def alerts(self) -> list[str]:
        return sorted({o.alert_id for o in self._shown() if o.alert_id})

    @property
    def suppressed(self) -> list[str]:
        return sorted({o.suppressed_by for o in self._shown() if o.suppressed_by})

    def _shown(self) -> list[MatchOutcome]:
        return [o for m in self.matches if (o := self.outcomes.get(m.entity_id)) is not None]

    def to_json(self) -> dict[str, Any]:
        """The wire form (`ScreenResponse`'s shape), built directly: the busiest route skips re-validation."""
        candidates = []
        for rank, m in enumerate(self.matches, start=1):
            outcome = self.outcomes.get(m.entity_id)
            suppressed = outcome.suppressed_by if outcome is not None else None
            candidates.append(
                {"rank": rank, "entity_id": m.entity_id, "caption": m.entity.caption,
                 "schema": m.entity.schema.value,
                 "list_id": m.entity.list_id, "score": round(m.score, 4),
                 "alert": m.alert and suppressed is None,
                 "matched_name": m.matched_name, "reasons": m.reasons(), "features": feature_views(m),
                 "alert_id": outcome.alert_id if outcome is not None else None, "suppressed_by": suppressed}
            )  # fmt: skip
        return {
            "query": person_view(self.query),
            "candidates": candidates,
            "alerts": sorted({c["alert_id"] for c in candidates if c["alert_id"]}),
            "suppressed": sorted({c["suppressed_by"] for c in candidates if c["suppressed_by"]}),
        }


class Screener:
    """Screen one person or company for a user of a country; its alerts are that country's."""

    def __init__(self, index: MatcherIndex, queue: AlertQueue, gate: Gate) -> None:
        self.index = index
        self.queue = queue
        self.gate = gate

    def screen(self, user: User, fields: Mapping[str, Any], top: int = 5) -> ScreenResult:
        """Ranked candidates with their evidence, and the alerts raised."""
        self.gate.allow(user, "screen", "screen")
        if not 1 <= top <= 50:
            raise InputError("bad_top", "top must be 1 to 50")
        check_text(fields)
        query = make_query(
            str(fields.get("name") or ""), schema=fields.get("schema"), birth_date=fields.get("birth_date"),
            country=fields.get("country"), gender=fields.get("gender"), documents=fields.get("documents"),
            query_id=fields.get("id"),
        )  # fmt: skip
        matches = self.index.matcher().screen(query, top)

        def event(outcomes: Mapping[str, MatchOutcome]) -> AuditEvent:
            result = ScreenResult(query, matches, outcomes)
            alerts, suppressed = result.alerts, result.suppressed
            return self.gate.event(
                user, "screen", f"person:{query.name[:200]}",
                reason=f"{len(matches)} candidates, {len(alerts)} alerts",
                details={"alerts": alerts, "suppressed": suppressed},
            )  # fmt: skip

        first = event({})  # validated before any alert is written: one that cannot be audited stops here
        outcomes = self.queue.raise_for_matches(
            query, matches, country=user.organisation.country, actor=user.user_id, source="screen",
            audit=self.gate.hook(event),
        )  # fmt: skip
        if not any(o.alert_id for o in outcomes.values()):  # nothing written: audited in a shared batch
            self.gate.append(event(outcomes) if outcomes else first)
        return ScreenResult(query, matches, outcomes)
