"""Authentication: OAuth2 password flow for people, API keys for systems, both on the sharing accounts.

`POST /api/v1/token` takes a user name and password (checked against the account's scrypt hash) and hands
out an opaque random bearer token, stored only as its sha256, that expires (`ApiConfig.token_ttl`).
Systems send `X-API-Key: <key>` (keys are the accounts' API tokens, issued by an administrator and also
accepted as a bearer token). `current_user` turns either into a `cruce.sharing.access.User`, or a 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from cruce.api.deps import Ops
from cruce.api.schemas import ErrorEnvelope, TokenResponse
from cruce.sharing.access import User

TOKEN_PATH = "/api/v1/token"

bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_PATH, auto_error=False)
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def current_user(
    ops: Ops,
    token: Annotated[str | None, Depends(bearer)],
    key: Annotated[str | None, Depends(api_key)],
) -> User:
    """The caller; a 401 (audited) without valid credentials."""
    return ops.authenticate(token, key)


CurrentUser = Annotated[User, Depends(current_user)]

router = APIRouter(tags=["auth"])


@router.post(
    TOKEN_PATH,
    response_model=TokenResponse,
    responses={401: {"model": ErrorEnvelope}},
    summary="Sign in: a bearer token for a user name and password (OAuth2 password flow)",
)
def token(
    ops: Ops,
    username: Annotated[str | None, Form(max_length=128)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
) -> dict[str, object]:
    return ops.login(username, password)
