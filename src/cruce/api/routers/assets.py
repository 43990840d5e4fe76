"""The asset register with each asset's assessed risk, as the caller's country may see it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from cruce.api.auth import CurrentUser
from cruce.api.deps import Svc
from cruce.service.assets import AssetRegister, AssetRiskRow
from cruce.storage.accounts import Account

router = APIRouter(prefix="/api/v1/assets", tags=["assessments"])


def _service(svc: Svc) -> AssetRegister:
    return svc.assets


def _account(user: CurrentUser, svc: Svc) -> Account:
    return svc.account_store.account(user.user_id)


Service = Annotated[AssetRegister, Depends(_service)]
Caller = Annotated[Account, Depends(_account)]


@router.get("", response_model=list[AssetRiskRow], summary="Assets you may see, with their assessed risk")
def assets(
    service: Service,
    account: Caller,
    sort: Annotated[str, Query(max_length=20)] = "expected",
    order: Literal["asc", "desc"] = "desc",
) -> list[AssetRiskRow]:
    return service.table(account, sort=sort, descending=order == "desc")
