"""Console sessions: a signed cookie around a server-side access token, and per-session CSRF tokens.

Signing in goes through `Accounts.login`, the same path as `POST /api/v1/token`: the server keeps only
the sha256 of the access token, and the token expires like any bearer token. The browser keeps the token
in an HttpOnly, SameSite=Strict cookie, HMAC-signed with a key kept in the data directory, so a cookie
that was not issued here is refused before any database lookup and script on a page can never read it.

A form's CSRF token is an HMAC of the session token under the same key: it is per session, needs no
storage, and a page of another site can neither read it nor compute it. The sign-in form, before any
session, is tied the same way to a random nonce in a short-lived cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

SESSION_COOKIE = "cruce_session"
SIGNIN_COOKIE = "cruce_signin"
KEY_FILE = "console.key"
KEY_BYTES = 32

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def console_key(data_dir: Path) -> bytes:
    """The data directory's signing key, made on first use; every server process on it shares the key."""
    path = data_dir / KEY_FILE
    with _lock:
        cached = _keys.get(path)
        if cached is not None:
            return cached
        if not path.exists():
            # Write a private temporary file, then link it into place: link fails if another process
            # won, and then that process's key (complete, since linked only when written) is used.
            tmp = data_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_bytes(KEY_BYTES))
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        key = path.read_bytes()
        if len(key) < KEY_BYTES:
            raise RuntimeError(f"{path} is not a console key; remove it and restart the server")
        _keys[path] = key
        return key


def _mac(key: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, token: str) -> str:
    """The cookie value for a session token."""
    return f"{token}.{_mac(key, 'session', token)}"


def unsign(key: bytes, cookie: str | None) -> str | None:
    """The session token of a cookie this server signed; None for anything else."""
    if not cookie or len(cookie) > 600 or "." not in cookie:
        return None
    token, _, mac = cookie.rpartition(".")
    return token if token and hmac.compare_digest(mac, _mac(key, "session", token)) else None


def csrf_token(key: bytes, token: str) -> str:
    """The hidden field every form of this session carries."""
    return _mac(key, "csrf", token)


def csrf_ok(key: bytes, token: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(str(given), csrf_token(key, token))


def new_signin_nonce() -> str:
    return secrets.token_urlsafe(24)


def signin_token(key: bytes, nonce: str) -> str:
    """The sign-in form's CSRF field, bound to the nonce in its cookie."""
    return _mac(key, "signin", nonce)


def signin_ok(key: bytes, nonce: str | None, given: str | None) -> bool:
    return bool(nonce) and bool(given) and hmac.compare_digest(str(given), signin_token(key, str(nonce)))
