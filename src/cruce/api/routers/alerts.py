"""The alert work queue: list, read, history, assign, comment, decide."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import AlertEventView, AlertView, Assignment, Comment, DecisionRequest, Page

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
State = Literal["open", "escalated", "confirmed_match", "false_positive"]


@router.get("", response_model=Page[AlertView], summary="Your country's alerts, oldest first")
def alerts(  # noqa: PLR0917
    user: CurrentUser,
    svc: Svc,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    state: State | None = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
) -> Page[AlertView]:
    return svc.alerts.page(user, cursor, limit, state=state, assignee=assignee)


@router.get("/{alert_id}", response_model=AlertView, summary="One alert")
def alert(alert_id: str, user: CurrentUser, svc: Svc) -> AlertView:
    return svc.alerts.alert(user, alert_id)


@router.get("/{alert_id}/history", response_model=Page[AlertEventView], summary="An alert's history")
def history(
    alert_id: str, user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT
) -> Page[AlertEventView]:
    return svc.alerts.history(user, alert_id, cursor, limit)


@router.post("/{alert_id}/assign", response_model=AlertEventView, summary="Assign (or unassign) an alert")
def assign(alert_id: str, body: Assignment, user: CurrentUser, svc: Svc) -> AlertEventView:
    return svc.alerts.assign(user, alert_id, body.assignee)


@router.post("/{alert_id}/comments", response_model=AlertEventView, status_code=201, summary="Comment")
def comment(alert_id: str, body: Comment, user: CurrentUser, svc: Svc) -> AlertEventView:
    return svc.alerts.comment(user, alert_id, body.text)


@router.post("/{alert_id}/decision", response_model=AlertEventView, summary="Decide an alert")
def decide(alert_id: str, body: DecisionRequest, user: CurrentUser, svc: Svc) -> AlertEventView:
    return svc.alerts.decide(user, alert_id, body.state, body.note)
