"""The audit log, for auditors: records page by page, and a check of the hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import AuditRecordView, AuditVerificationView, Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/records", response_model=Page[AuditRecordView], summary="Audit records, oldest first")
def records(
    user: CurrentUser,
    svc: Svc,
    cursor: Cursor = None,
    limit: Limit = DEFAULT,
    actor: Annotated[str | None, Query(max_length=255)] = None,
) -> Page[AuditRecordView]:
    return svc.audit_trail.records(user, cursor, limit, actor)


@router.get("/verify", response_model=AuditVerificationView, summary="Verify the hash chain")
def verify(user: CurrentUser, svc: Svc) -> AuditVerificationView:
    return svc.audit_trail.verify(user)
