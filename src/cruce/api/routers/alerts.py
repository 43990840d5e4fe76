"""The alert work queue: list, read, history, assign, comment, decide."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Ops
from cruce.api.schemas import AlertEventView, AlertView, Assignment, Comment, DecisionRequest, Page

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
State = Literal["open", "escalated", "confirmed_match", "false_positive"]


@router.get("", response_model=Page[AlertView], summary="Your country's alerts, oldest first")
def alerts(  # noqa: PLR0917
    user: CurrentUser,
    ops: Ops,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    state: State | None = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
) -> dict[str, Any]:
    return ops.alerts(user, cursor, limit, state=state, assignee=assignee)


@router.get("/{alert_id}", response_model=AlertView, summary="One alert")
def alert(alert_id: str, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.alert(user, alert_id)


@router.get("/{alert_id}/history", response_model=Page[AlertEventView], summary="An alert's history")
def history(
    alert_id: str, user: CurrentUser, ops: Ops, cursor: Cursor = None, limit: Limit = DEFAULT
) -> dict[str, Any]:
    return ops.alert_history(user, alert_id, cursor, limit)


@router.post("/{alert_id}/assign", response_model=AlertEventView, summary="Assign (or unassign) an alert")
def assign(alert_id: str, body: Assignment, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.assign(user, alert_id, body.assignee)


@router.post("/{alert_id}/comments", response_model=AlertEventView, status_code=201, summary="Comment")
def comment(alert_id: str, body: Comment, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.comment(user, alert_id, body.text)


@router.post("/{alert_id}/decision", response_model=AlertEventView, summary="Decide an alert")
def decide(alert_id: str, body: DecisionRequest, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.decide(user, alert_id, body.state, body.note)
