"""The audit log, for auditors: records page by page, and a check of the hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Ops
from cruce.api.schemas import AuditRecordView, AuditVerificationView, Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/records", response_model=Page[AuditRecordView], summary="Audit records, oldest first")
def records(
    user: CurrentUser,
    ops: Ops,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    actor: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    return ops.audit_records(user, cursor, limit, actor)


@router.get("/verify", response_model=AuditVerificationView, summary="Verify the hash chain")
def verify(user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.audit_verify(user)
