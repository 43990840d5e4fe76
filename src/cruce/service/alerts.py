"""The alert work queue: screening alerts and secondary referrals, reviewed to a decision, with history.

Every alerting match of a screening, and every crossing referred to secondary, becomes an alert owned by
the country of the organisation that raised it, in state `open`. A reviewer of that country assigns it,
comments on it, and decides it: `confirmed_match`, `false_positive`, or `escalated` (then confirmed or
dismissed by a senior reviewer). Each step is an event in the alert's history; nothing is overwritten.

A confirmed false positive is remembered by its country and (person fingerprint, entity id, entity hash),
and quiets that country's screening only: the same person
screened again against the same listed entity does not alert again. The fingerprint covers everything the
match was computed from (name, date of birth, countries, gender, documents, schema) and the entity hash
covers the listed entity's whole stored record, so a new date of birth on the person, or a list update that
changes the entity, is a new key and alerts again: a dismissal never hides evidence it was not given.

Screening the same data again while its alert is still under review points to that alert instead of
opening a second one, so a traveler screened at every booth visit does not flood the queue.

The states, their transitions and the false-positive key are decided in `cruce.alerts.review` (pure); this
module runs them against the store, which persists them.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from cruce.alerts.review import (
    canonical,
    check_under_review,
    comment_text,
    decide,
    person_fingerprint,
    person_view,
    referral_fingerprint,
)
from cruce.core.errors import InputError, NotFoundError
from cruce.core.model import Entity
from cruce.matching.types import Match, Query
from cruce.service.metrics import ALERTS_RAISED
from cruce.service.paging import Page, check_limit, decode_cursor, page_of
from cruce.service.policy import Gate, check_text
from cruce.sharing.access import Role, User
from cruce.sharing.audit import AuditEvent
from cruce.storage.accounts import Account, AccountStore
from cruce.storage.alerts import AlertEvent, AlertRecord, AlertStore, AuditHook, NewAlert
from cruce.storage.audit import AuditAppender
from cruce.storage.codec import entity_to_dict


def feature_views(match: Match) -> list[dict[str, Any]]:
    """The match's evidence, strongest first, as a reviewer reads it."""
    ordered = sorted(match.features, key=lambda f: -abs(f.value))
    views = [{"name": f.name, "value": round(f.value, 4), "detail": f.detail} for f in ordered]
    # Which scorer made the match, and at which threshold it alerts: recorded with the evidence it weighed.
    views.append({"name": "matcher", "value": match.threshold, "detail": match.matcher})
    return views


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """What became of one alerting match: a (new or existing) alert, or a remembered false positive."""

    alert_id: str | None = None
    new: bool = False
    suppressed_by: str | None = None


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """The alerts one screening calls for (`to_raise`, by entity id) and its suppressed matches."""

    outcomes: dict[str, MatchOutcome]
    to_raise: list[tuple[str, NewAlert]]

    @property
    def alerts(self) -> list[NewAlert]:
        return [n for _, n in self.to_raise]

    def outcomes_with(self, raised: Sequence[tuple[str, bool]]) -> dict[str, MatchOutcome]:
        """Every outcome, once the store said which alert each one to raise became (id, new?)."""
        found = dict(self.outcomes)
        for (entity_id, _), (alert_id, new) in zip(self.to_raise, raised, strict=True):
            found[entity_id] = MatchOutcome(alert_id=alert_id, new=new)
        return found


class AlertQueue:
    """The work queue on an `AlertStore`; callers have already checked that the user may do the action."""

    def __init__(self, store: AlertStore) -> None:
        self.store = store
        self._hashes: dict[str, tuple[Entity, str]] = {}
        self._lock = threading.Lock()

    def entity_hash(self, entity: Entity) -> str:
        """sha256 of the entity's stored form; cached per entity object (entities never change in place)."""
        with self._lock:
            cached = self._hashes.get(entity.id)
        if cached is not None and cached[0] is entity:
            return cached[1]
        digest = hashlib.sha256(canonical(entity_to_dict(entity)).encode("utf-8")).hexdigest()
        with self._lock:
            if len(self._hashes) > 200_000:
                self._hashes.clear()
            self._hashes[entity.id] = (entity, digest)
        return digest

    def plan_for_matches(
        self, query: Query, matches: Sequence[Match], *, country: str, actor: str, source: str
    ) -> AlertPlan:
        """What one screening's alerting matches call for: the alerts to raise, and the remembered false
        positives (read now); `AlertStore.raise_alerts` or a batch job's chunk commit then writes them."""
        alerting = [m for m in matches if m.alert]
        if not alerting:
            return AlertPlan({}, [])
        fingerprint = person_fingerprint(query)
        keys = {m.entity_id: (m.entity_id, self.entity_hash(m.entity)) for m in alerting}
        dismissed = self.store.dismissals(country, fingerprint, list(keys.values()))
        outcomes: dict[str, MatchOutcome] = {}
        to_raise: list[tuple[str, NewAlert]] = []
        person: dict[str, Any] | None = None
        for match in alerting:
            key = keys[match.entity_id]
            if key in dismissed:
                outcomes[match.entity_id] = MatchOutcome(suppressed_by=dismissed[key])
                continue
            person = person or person_view(query)
            to_raise.append(
                (
                    match.entity_id,
                    NewAlert(
                        kind="screening", country=country, person_fingerprint=fingerprint, person=person,
                        entity_id=match.entity_id, entity_hash=key[1], entity_caption=match.entity.caption,
                        score=match.score, features=feature_views(match), source=source, created_by=actor,
                    ),
                )
            )  # fmt: skip
        return AlertPlan(outcomes, to_raise)

    def raise_for_matches(
        self,
        query: Query,
        matches: Sequence[Match],
        *,
        country: str,
        actor: str,
        source: str,
        audit: AuditHook[dict[str, MatchOutcome]] | None = None,
    ) -> dict[str, MatchOutcome]:
        """Alerts for the alerting matches of one screening, by entity id; remembered false positives not.

        Only `country`'s alerts and dismissals count: another country's never suppresses or names one.
        With `audit`, its record of the outcomes commits with the alerts (when any is written).
        """
        plan = self.plan_for_matches(query, matches, country=country, actor=actor, source=source)
        if not plan.outcomes and not plan.to_raise:
            return {}
        hook = None
        if audit is not None:
            made = audit.event

            def event(raised: list[tuple[str, bool]]) -> AuditEvent:
                return made(plan.outcomes_with(raised))

            hook = AuditHook(audit.log, event)
        raised = self.store.raise_alerts(plan.alerts, audit=hook)
        ALERTS_RAISED.inc(sum(new for _, new in raised))
        return plan.outcomes_with(raised)

    async def raise_for_matches_async(
        self,
        query: Query,
        matches: Sequence[Match],
        *,
        country: str,
        actor: str,
        source: str,
        writer: AuditAppender,
        event: Callable[[dict[str, MatchOutcome]], AuditEvent],
    ) -> tuple[dict[str, MatchOutcome], bool]:
        """`raise_for_matches` for a coroutine: the false positives are read in a thread, and the alerts with
        their audit record `event(outcomes)` join the audit writer's next group commit (one transaction a
        batch), instead of a write transaction each. The outcomes, and whether they were written with their
        record; when not (every alerting match a remembered false positive), the caller audits the
        screening as any other."""
        plan = await asyncio.to_thread(
            self.plan_for_matches, query, matches, country=country, actor=actor, source=source
        )
        if not plan.to_raise:
            return plan.outcomes, False
        raised, _record = await writer.append_with_async(
            self.store.raising(plan.alerts), lambda raised: event(plan.outcomes_with(raised))
        )
        ALERTS_RAISED.inc(sum(new for _, new in raised))
        return plan.outcomes_with(raised), True

    def raise_referral(
        self,
        *,
        country: str,
        actor: str,
        crossing: Mapping[str, Any],
        reasons: Sequence[str],
        score: float,
        source: str,
        audit: AuditHook[list[tuple[str, bool]]] | None = None,
    ) -> tuple[str, bool]:
        """An alert for a crossing referred to secondary: the crossing is both the person and the subject."""
        crossing_id = str(crossing["crossing_id"])
        digest = referral_fingerprint(crossing)
        new = NewAlert(
            kind="secondary_referral", country=country, person_fingerprint=digest, person=dict(crossing),
            entity_id=f"crossing:{crossing_id}", entity_hash=digest, entity_caption=f"crossing {crossing_id}",
            score=score, features=[{"name": "rule", "value": 0.0, "detail": r} for r in reasons],
            source=source, created_by=actor,
        )  # fmt: skip
        alert_id, raised = self.store.raise_alerts([new], audit=audit)[0]
        if raised:
            ALERTS_RAISED.inc()
        return alert_id, raised

    # -- review ------------------------------------------------------------------------------------------

    def assign(
        self, alert: AlertRecord, actor: str, assignee: str | None, audit: AuditHook[AlertEvent] | None = None
    ) -> AlertEvent:
        check_under_review(alert.alert_id, alert.state)
        return self.store.record_event(
            alert.alert_id,
            actor=actor,
            kind="assigned",
            expected_state=alert.state,
            assignee=assignee,
            audit=audit,
        )

    def comment(
        self, alert: AlertRecord, actor: str, text: str, audit: AuditHook[AlertEvent] | None = None
    ) -> AlertEvent:
        body = comment_text(text)
        return self.store.record_event(
            alert.alert_id, actor=actor, kind="commented", expected_state=alert.state, text=body, audit=audit
        )

    def decide(
        self,
        alert: AlertRecord,
        actor: str,
        state: str,
        note: str | None,
        audit: AuditHook[AlertEvent] | None = None,
    ) -> AlertEvent:
        """Move the alert to `state` (`cruce.alerts.review.decide`); a false positive is remembered for
        exactly this data."""
        step = decide(alert.alert_id, alert.state, state)
        return self.store.record_event(
            alert.alert_id, actor=actor, kind="decided", expected_state=step.source.value,
            new_state=step.target.value, text=(note or "").strip() or None,
            remember_false_positive=step.remembers_false_positive, audit=audit,
        )  # fmt: skip


# -- the review, for a signed-in user --------------------------------------------------------------------


class AlertView(BaseModel):
    alert_id: str
    kind: str
    country: str
    state: str
    assignee: str | None
    person: dict[str, Any]
    entity_id: str
    entity_caption: str
    score: float
    features: list[dict[str, Any]]
    source: str
    created_by: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, a: AlertRecord) -> AlertView:
        return cls(
            alert_id=a.alert_id, kind=a.kind, country=a.country, state=a.state, assignee=a.assignee,
            person=a.person, entity_id=a.entity_id, entity_caption=a.entity_caption, score=round(a.score, 4),
            features=a.features, source=a.source, created_by=a.created_by,
            created_at=a.created_at.isoformat(), updated_at=a.updated_at.isoformat(),
        )  # fmt: skip


class AlertEventView(BaseModel):
    seq: int
    alert_id: str
    at: str
    actor: str
    kind: str
    state: str
    text: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AlertEvent) -> AlertEventView:
        return cls(
            seq=e.seq, alert_id=e.alert_id, at=e.at.isoformat(), actor=e.actor, kind=e.kind, state=e.state,
            text=e.text, details=e.details,
        )  # fmt: skip


class Alerts:
    """A country's alerts, read and worked by its own officers and analysts; another country's are missing."""

    def __init__(self, store: AlertStore, queue: AlertQueue, accounts: AccountStore, gate: Gate) -> None:
        self.store = store
        self.queue = queue
        self.accounts = accounts
        self.gate = gate

    def page(
        self, user: User, cursor: str | None, limit: int, *, state: str | None, assignee: str | None
    ) -> Page[AlertView]:
        self.gate.allow(user, "alerts_read", "alerts")
        found, more = self.store.alerts_page(
            user.organisation.country, after=decode_cursor(cursor, int), limit=check_limit(limit),
            state=state, assignee=assignee,
        )  # fmt: skip
        self.gate.record(user, "read", "alerts", details={"count": len(found)})
        return page_of([AlertView.of(a) for a in found], more, found[-1].seq if found else None)

    def _alert(self, user: User, alert_id: str, operation: str) -> AlertRecord:
        self.gate.allow(user, operation, alert_id)
        alert = self.store.alert(alert_id)
        if alert.country != user.organisation.country:
            self.gate.hidden(
                user, operation, alert_id, f"the alert is {alert.country}'s; alerts are their country's",
                NotFoundError("alert_not_found", f"no alert {alert_id!r}"),
            )  # fmt: skip
        return alert

    def alert(self, user: User, alert_id: str) -> AlertView:
        alert = self._alert(user, alert_id, "alerts_read")
        self.gate.record(user, "read", alert_id)
        return AlertView.of(alert)

    def history(self, user: User, alert_id: str, cursor: str | None, limit: int) -> Page[AlertEventView]:
        self._alert(user, alert_id, "alerts_read")
        events = self.store.events(alert_id, after=decode_cursor(cursor, int), limit=check_limit(limit) + 1)
        page = events[:limit]
        self.gate.record(user, "read", f"{alert_id}/history")
        last = page[-1].seq if page else None
        return page_of([AlertEventView.of(e) for e in page], len(events) > limit, last)

    def assign(self, user: User, alert_id: str, assignee: str | None) -> AlertEventView:
        alert = self._alert(user, alert_id, "alerts_work")
        if assignee is not None:
            check_text({"assignee": assignee})
            try:
                account: Account | None = self.accounts.account(assignee)
            except NotFoundError:
                account = None
            if account is None or account.country != alert.country or Role.ANALYST not in account.roles:
                # The same answer for an unknown account and another country's: neither is named.
                raise InputError("bad_assignee", f"no {alert.country} analyst {assignee!r} to assign to")
        event = self.queue.assign(
            alert, user.user_id, assignee,
            audit=self.gate.hook(
                lambda _e: self.gate.event(user, "assign", alert_id, details={"assignee": assignee})
            ),
        )  # fmt: skip
        return AlertEventView.of(event)

    def comment(self, user: User, alert_id: str, text: str) -> AlertEventView:
        alert = self._alert(user, alert_id, "alerts_work")
        check_text({"text": text})
        event = self.queue.comment(
            alert, user.user_id, text,
            audit=self.gate.hook(
                lambda e: self.gate.event(user, "comment", alert_id, details={"event": e.seq})
            ),
        )  # fmt: skip
        return AlertEventView.of(event)

    def decide(self, user: User, alert_id: str, state: str, note: str | None) -> AlertEventView:
        alert = self._alert(user, alert_id, "alerts_work")
        check_text({"state": state, "note": note})
        event = self.queue.decide(
            alert, user.user_id, state, note,
            audit=self.gate.hook(
                lambda _e: self.gate.event(user, "decide", alert_id, reason=f"{alert.state} -> {state}")
            ),
        )  # fmt: skip
        return AlertEventView.of(event)
