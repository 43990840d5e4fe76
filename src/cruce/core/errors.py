"""One error hierarchy: every failure a person can act on carries a code, a message and details."""

from __future__ import annotations

from typing import Any


class CruceError(Exception):
    """Base of every error cruce raises on purpose.

    The CLI and API turn it into a message, never a traceback.
    """

    exit_code = 1

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InputError(CruceError):
    """The user gave something we cannot use (bad file, bad argument); exit code 2."""

    exit_code = 2


class ImportFailedError(InputError):
    """A list file could not be imported; nothing was stored."""


class NotFoundError(CruceError):
    exit_code = 1


class StorageError(CruceError):
    exit_code = 1


class ThrottledError(CruceError):
    """Too many attempts, or too many at once: try again after `retry_after_s` seconds (HTTP 429)."""

    exit_code = 1

    def __init__(
        self, code: str, message: str, retry_after_s: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message, {"retry_after_s": retry_after_s, **(details or {})})
        self.retry_after_s = max(1, int(retry_after_s))
