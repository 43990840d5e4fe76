"""Screening one party now, for a signed-in user: ranked candidates with evidence, alerts raised, audited.

The alerts a screening raises and its audit record commit together; a screening that writes no alert is
audited in a batch shared with concurrent requests (`AuditAppender`). `Screener.screen_async` is the same for
the API's event loop: no thread hop on the common path, the alerts and their record join that same batch
(`AuditAppender.append_with_async`), and still no answer before its audit record commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cruce.alerts.review import person_view
from cruce.core.errors import InputError
from cruce.matching.types import Match, Query
from cruce.service.alerts import AlertQueue, MatchOutcome, feature_views
from cruce.service.index import MatcherIndex
from cruce.service.policy import ROLES, Gate, check_text
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
        query, matches = self._match(fields, top)
        return self._screened(user, query, matches)

    async def screen_async(self, user: User, fields: Mapping[str, Any], top: int = 5) -> ScreenResult:
        """`screen` for an event loop, with no thread hop on the common path: the matching runs in place (a
        fraction of a millisecond), the audit record joins the next group commit and is awaited, so the
        result is returned only once its record is committed. A screening whose matches alert reads the
        remembered false positives in a thread and writes its alerts in the same group commit, with its
        record; a refusal (audited) runs in a thread, exactly as `screen`."""
        if not user.roles & ROLES["screen"]:  # refused in a thread: the denial is audited (blocking)
            return await asyncio.to_thread(self.screen, user, fields, top)
        query, matches = self._match(fields, top)
        if not any(m.alert for m in matches):
            result = ScreenResult(query, matches, {})
            await self.gate.append_async(self._event(user, result))
            return result

        def event(outcomes: Mapping[str, MatchOutcome]) -> AuditEvent:
            return self._event(user, ScreenResult(query, matches, outcomes))

        first = event({})  # validated before any alert is written: one that cannot be audited stops here
        outcomes, written = await self.queue.raise_for_matches_async(
            query, matches, country=user.organisation.country, actor=user.user_id, source="screen",
            writer=self.gate.writer, event=event,
        )  # fmt: skip
        if not written:
            await self.gate.append_async(event(outcomes) if outcomes else first)
        return ScreenResult(query, matches, outcomes)

    def _match(self, fields: Mapping[str, Any], top: int) -> tuple[Query, Sequence[Match]]:
        """The query built from validated input, and its ranked matches (no I/O)."""
        if not 1 <= top <= 50:
            raise InputError("bad_top", "top must be 1 to 50")
        check_text(fields)
        query = make_query(
            str(fields.get("name") or ""), schema=fields.get("schema"), birth_date=fields.get("birth_date"),
            country=fields.get("country"), gender=fields.get("gender"), documents=fields.get("documents"),
            query_id=fields.get("id"),
        )  # fmt: skip
        return query, self.index.matcher().screen(query, top)

    def _event(self, user: User, result: ScreenResult) -> AuditEvent:
        alerts, suppressed = result.alerts, result.suppressed
        return self.gate.event(
            user, "screen", f"person:{result.query.name[:200]}",
            reason=f"{len(result.matches)} candidates, {len(alerts)} alerts",
            details={"alerts": alerts, "suppressed": suppressed},
        )  # fmt: skip

    def _screened(self, user: User, query: Query, matches: Sequence[Match]) -> ScreenResult:
        """Alerts raised with their audit record in one transaction, or the screening audited in a shared
        batch; blocks until committed."""

        def event(outcomes: Mapping[str, MatchOutcome]) -> AuditEvent:
            return self._event(user, ScreenResult(query, matches, outcomes))

        first = event({})  # validated before any alert is written: one that cannot be audited stops here
        outcomes = self.queue.raise_for_matches(
            query, matches, country=user.organisation.country, actor=user.user_id, source="screen",
            audit=self.gate.hook(event),
        )  # fmt: skip
        if not any(o.alert_id for o in outcomes.values()):  # nothing written: audited in a shared batch
            self.gate.append(event(outcomes) if outcomes else first)
        return ScreenResult(query, matches, outcomes)
