"""Authentication: OAuth2 password flow for people, API keys for systems, both on the sharing accounts.

`POST /api/v1/token` takes a user name and password (checked against the account's argon2id hash, throttled
per account and client address: 429 with Retry-After while locked) and hands out an opaque random bearer
token, stored only as its sha256, that expires (`ServiceConfig.token_ttl`). System accounts send
`X-API-Key: <key>` (keys are the accounts' API tokens, issued by an administrator to system accounts only,
and also accepted as a bearer token). `current_user` turns either into a `cruce.sharing.access.User`, or a
401. `POST /api/v1/token/revoke` revokes one token or key (RFC 7009: the same answer for any token).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from cruce.api.deps import Svc
from cruce.api.schemas import ErrorEnvelope, Revoked, TokenResponse
from cruce.sharing.access import User

TOKEN_PATH = "/api/v1/token"

bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_PATH, auto_error=False)
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def current_user(
    svc: Svc,
    token: Annotated[str | None, Depends(bearer)],
    key: Annotated[str | None, Depends(api_key)],
) -> User:
    """The caller; a 401 (audited) without valid credentials."""
    return svc.accounts.authenticate(token, key)


CurrentUser = Annotated[User, Depends(current_user)]

router = APIRouter(tags=["auth"])


@router.post(
    TOKEN_PATH,
    response_model=TokenResponse,
    responses={401: {"model": ErrorEnvelope}, 429: {"model": ErrorEnvelope}},
    summary="Sign in: a bearer token for a user name and password (OAuth2 password flow)",
)
def token(
    request: Request,
    svc: Svc,
    username: Annotated[str | None, Form(max_length=128)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
) -> TokenResponse:
    return svc.accounts.login(username, password, request.client.host if request.client else None)


@router.post(
    TOKEN_PATH + "/revoke",
    response_model=Revoked,
    responses={401: {"model": ErrorEnvelope}},
    summary="Revoke a token or API key: your own, or (administrators) a system account's of your country",
)
def revoke(
    user: CurrentUser, svc: Svc, token: Annotated[str, Form(min_length=1, max_length=512)]
) -> Revoked:
    return svc.accounts.revoke_token(user, token)
