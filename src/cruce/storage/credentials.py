"""Password hashing: argon2id for new hashes, scrypt still verified, and a cap on hashes running at once.

Why argon2id: the memory-hard function OWASP recommends first, with its cost in the stored text
(`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), so the cost can be raised later: a hash made with other
parameters than the current policy's `needs_rehash` and is replaced at the next successful sign-in (as are
the scrypt hashes (`scrypt$n$r$p$salt$key`) cruce wrote before, which still verify).

Why a cap: each check holds its memory cost (19 MiB by default for argon2id, 128 MiB for an old scrypt hash)
and a core for a fraction of a second, so a burst of sign-ins could exhaust the server's memory. A
`PasswordHasher` lets at most `max_concurrent` hashes run at once; the others wait up to `wait_s`, then get a
`ThrottledError` (HTTP 429) instead of piling up. One hasher serves a whole server process (the API and the
TAXII server share it).

Unknown users cost the same as known ones: `verify_unknown` checks the password against a hash of the
current policy made once, so response time does not tell whether an account exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from cruce.core.errors import InputError, ThrottledError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """argon2id cost (OWASP's minimum: m=19 MiB, t=2, p=1) and how many hashes may run at once."""

    memory_kib: int = 19 * 1024
    time_cost: int = 2
    parallelism: int = 1
    max_concurrent: int = 2
    wait_s: float = 10.0


FAST_POLICY = PasswordPolicy(memory_kib=64, time_cost=1, parallelism=1, max_concurrent=4)
"""Cheap parameters for tests: the same code paths, a thousandth of the cost."""


class PasswordHasher:
    """Hash and verify passwords under one policy, never more than `max_concurrent` at a time."""

    def __init__(self, policy: PasswordPolicy | None = None) -> None:
        self.policy = policy or PasswordPolicy()
        p = self.policy
        self._argon = Argon2(
            time_cost=p.time_cost, memory_cost=p.memory_kib, parallelism=p.parallelism, hash_len=32,
            salt_len=16, type=Type.ID,
        )  # fmt: skip
        self._gate = threading.BoundedSemaphore(max(1, p.max_concurrent))
        self._dummy: str | None = None

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._gate.acquire(timeout=self.policy.wait_s):
            raise ThrottledError(
                "busy", "the server is checking too many passwords at once; try again shortly", 1
            )
        try:
            yield
        finally:
            self._gate.release()

    def hash(self, password: str) -> str:
        """A salted argon2id hash of `password` with its parameters."""
        if not password:
            raise InputError("bad_password", "the password is empty")
        with self._slot():
            return self._argon.hash(password)

    def verify(self, password: str, stored: str) -> bool:
        """Constant-time check of `password` against an argon2id or scrypt hash; False if malformed."""
        with self._slot():
            if stored.startswith("$argon2"):
                try:
                    return bool(self._argon.verify(stored, password))
                except (VerificationError, InvalidHashError):
                    return False
            return verify_scrypt(password, stored)

    def verify_unknown(self, password: str) -> None:
        """As costly as a real check, for a user who does not exist (or has no password)."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_urlsafe(16))
        self.verify(password, self._dummy)

    def needs_rehash(self, stored: str) -> bool:
        """Not an argon2id hash of the current policy: replace it at the next successful sign-in."""
        if not stored.startswith("$argon2id$"):
            return True
        try:
            return bool(self._argon.check_needs_rehash(stored))
        except InvalidHashError:
            return True


def hash_scrypt(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A salted scrypt hash (`scrypt$n$r$p$salt$key`): what cruce stored before argon2id; tests use it to
    make old-style hashes."""
    if not password:
        raise InputError("bad_password", "the password is empty")
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, n, r, p)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(key).decode()}"


def verify_scrypt(password: str, stored: str) -> bool:
    """Constant-time check against a `hash_scrypt` text; False for anything malformed."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt" or int(n) > 2**20 or int(r) > 16 or int(p) > 4:
            return False
        expected = base64.b64decode(key)
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * r * (n + p + 2) + 2**20, dklen=32
    )


def token_digest(token: str) -> str:
    """How a bearer token or API key is stored: its sha256 (256 random bits need no slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
