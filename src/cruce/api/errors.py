"""Errors to HTTP statuses, in one place: the JSON API's envelope and the console's pages answer alike."""

from __future__ import annotations

from cruce.core.errors import CruceError, InputError, NotFoundError, StorageError, ThrottledError
from cruce.service.policy import ConflictError
from cruce.service.sharing import ForbiddenError, UnauthenticatedError


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
