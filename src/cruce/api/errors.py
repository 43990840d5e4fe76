"""Errors to HTTP statuses, in one place: the JSON API's envelope and the console's pages answer alike."""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from cruce.core.errors import CruceError, InputError, NotFoundError, StorageError, ThrottledError
from cruce.core.extras import MissingExtraError
from cruce.service.policy import ConflictError
from cruce.service.sharing import ForbiddenError, UnauthenticatedError

log = logging.getLogger("cruce.api.app")

CHALLENGE = 'Bearer realm="cruce"'


def http_status(exc: CruceError) -> int:
    """The HTTP status of an error, the same for the JSON API and the console's pages."""
    if isinstance(exc, ThrottledError):
        return 429
    if isinstance(exc, UnauthenticatedError):
        return 401
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError) or (isinstance(exc, InputError) and exc.code == "conflict"):
        return 409
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, StorageError):
        return 503
    return 500


def envelope(status: int, code: str, message: str, details: Any = None, headers: Any = None) -> JSONResponse:
    """The API's error answer: `{"error": {"code", "message", "details"}}`."""
    body = {"error": {"code": code, "message": message, "details": details if details is not None else {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(exc: CruceError) -> JSONResponse:
    """The envelope of a CruceError, with its status (and WWW-Authenticate or Retry-After when due)."""
    status = 501 if isinstance(exc, MissingExtraError) else http_status(exc)
    if status >= 500:
        log.error("api_error code=%s message=%s", exc.code, exc.message)
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
    if isinstance(exc, ThrottledError):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return envelope(status, exc.code, exc.message, exc.details, headers)
