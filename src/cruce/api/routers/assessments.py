"""Stored infrastructure assessments, each read at the caller's tear line (portions and asset rows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from cruce.api.auth import CurrentUser
from cruce.api.deps import Svc
from cruce.service.assess import AssessmentView, AssessService
from cruce.storage.sharing import Account

router = APIRouter(prefix="/api/v1/assessments", tags=["assessments"])


def _service(svc: Svc) -> AssessService:
    return svc.assessments


def _account(user: CurrentUser, svc: Svc) -> Account:
    return svc.sharing.account(user.user_id)


Service = Annotated[AssessService, Depends(_service)]
Caller = Annotated[Account, Depends(_account)]


@router.get("", response_model=list[AssessmentView], summary="Assessments you may read (your tear line)")
def assessments(service: Service, account: Caller) -> list[AssessmentView]:
    return service.assessments(account)


@router.get("/{assessment_id}", response_model=AssessmentView, summary="One assessment, with its asset table")
def assessment(assessment_id: str, service: Service, account: Caller) -> AssessmentView:
    return service.assessment(account, assessment_id)
