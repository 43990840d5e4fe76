"""Accounts: who am I and sign out everywhere; administrators list and add their country's users, issue API
keys to its system accounts, and sign an account out everywhere."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Ops
from cruce.api.schemas import ApiKey, NewUser, Page, Revoked, UserView

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("/me", response_model=UserView, summary="The signed-in account")
def me(user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.me(user)


@router.post("/me/sign-out", response_model=Revoked, summary="Sign out everywhere: revoke all your tokens")
def sign_out_everywhere(user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.sign_out_everywhere(user)


@router.get("", response_model=Page[UserView], summary="Your country's accounts (administrators)")
def users(user: CurrentUser, ops: Ops, cursor: Cursor = None, limit: Limit = DEFAULT) -> dict[str, Any]:
    return ops.users(user, cursor, limit)


@router.post("", response_model=UserView, status_code=201, summary="Add an account (administrators)")
def create(body: NewUser, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.create_user(user, body.model_dump())


@router.post("/{user_id}/api-keys", response_model=ApiKey, status_code=201, summary="Issue an API key")
def api_key(user_id: str, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.issue_api_key(user, user_id)


@router.post(
    "/{user_id}/sign-out", response_model=Revoked, summary="Revoke every token of an account (administrators)"
)
def sign_out_account(user_id: str, user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.sign_out_everywhere(user, user_id)
