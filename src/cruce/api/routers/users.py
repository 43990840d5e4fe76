"""Accounts: who am I and sign out everywhere; administrators list and add their country's users, issue API
keys to its system accounts, and sign an account out everywhere."""

from __future__ import annotations

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import ApiKey, NewUser, Page, Revoked, UserView

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("/me", response_model=UserView, summary="The signed-in account")
def me(user: CurrentUser, svc: Svc) -> UserView:
    return svc.accounts.me(user)


@router.post("/me/sign-out", response_model=Revoked, summary="Sign out everywhere: revoke all your tokens")
def sign_out_everywhere(user: CurrentUser, svc: Svc) -> Revoked:
    return svc.accounts.sign_out_everywhere(user)


@router.get("", response_model=Page[UserView], summary="Your country's accounts (administrators)")
def users(user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT) -> Page[UserView]:
    return svc.accounts.users(user, cursor, limit)


@router.post("", response_model=UserView, status_code=201, summary="Add an account (administrators)")
def create(body: NewUser, user: CurrentUser, svc: Svc) -> UserView:
    return svc.accounts.create_user(user, body.model_dump())


@router.post("/{user_id}/api-keys", response_model=ApiKey, status_code=201, summary="Issue an API key")
def api_key(user_id: str, user: CurrentUser, svc: Svc) -> ApiKey:
    return svc.accounts.issue_api_key(user, user_id)


@router.post(
    "/{user_id}/sign-out", response_model=Revoked, summary="Revoke every token of an account (administrators)"
)
def sign_out_account(user_id: str, user: CurrentUser, svc: Svc) -> Revoked:
    return svc.accounts.sign_out_everywhere(user, user_id)
