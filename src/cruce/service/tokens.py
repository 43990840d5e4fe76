"""A short-lived, in-process cache of verified bearer tokens and API keys.

Why: every API request presents a token, and looking it up costs a database round trip (a pooled
connection, a join, a driver step) that dominates a 0.15 ms screening. The answer barely changes: tokens
are revoked or expire, accounts are never edited in place. So a server process remembers, for at most
`ttl`, which account a token belonged to when the database last said so.

What it guarantees (the bound is `CRUCE_TOKEN_CACHE_S`, default 2 s; 0 turns the cache off):

* **Revoked through this process** (sign-out, `POST /api/v1/token/revoke`, sign out everywhere): the entry
  is dropped before the revocation is acknowledged, so the token fails on the very next request.
* **Revoked elsewhere** (another `cruce serve` worker, another node on the same PostgreSQL, the CLI): the
  token keeps working on this process for at most `ttl` after the revocation committed, then the database
  is asked again.
* **Expiry** is exact: an access token's expiry time is cached with it and checked on every hit.
* Only successes are cached, keyed by the token's sha256 (never the token), at most `max_entries` of
  them (least recently used dropped first), so unknown tokens cannot grow it and memory stays flat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from cruce.core.clock import Clock, utc_now
from cruce.sharing.access import User
from cruce.storage.accounts import ACCESS_TOKEN_PREFIX, AccountStore
from cruce.storage.credentials import token_digest

DEFAULT_TTL = timedelta(seconds=2)
DEFAULT_MAX_ENTRIES = 10_000
ACCESS, KEY = "access", "key"
KINDS = (ACCESS, KEY)
"""An access token (bearer only) and an API key (bearer or X-API-Key) are looked up differently."""
MAX_TOKEN_CHARS = 512


@dataclass(frozen=True, slots=True)
class _Entry:
    user: User
    expires_at: datetime | None  # the token's own expiry (access tokens); None for API keys
    fresh_until: datetime  # when the database must be asked again


class TokenCache:
    """Verified tokens by (kind, sha256), each trusted for at most `ttl`. Thread-safe."""

    def __init__(
        self, ttl: timedelta = DEFAULT_TTL, *, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Clock = utc_now
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # moves on every forget: a look-up that began before it is not cached

    @property
    def generation(self) -> int:
        """Take it before asking the database; hand it to `put`."""
        return self._generation

    @property
    def enabled(self) -> bool:
        return self.ttl > timedelta(0)

    def get(self, kind: str, digest: str) -> User | None:
        """The cached user of a token, or None (unknown, stale or expired: ask the database)."""
        if not self.enabled:
            return None
        key = (kind, digest)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now >= entry.fresh_until or (entry.expires_at is not None and now >= entry.expires_at):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.user

    def put(
        self, kind: str, digest: str, user: User, expires_at: datetime | None, *, generation: int
    ) -> None:
        """Remember what the database said about a token, unless a revocation here came in between (the
        database's answer, read before it, may predate it)."""
        if not self.enabled:
            return
        entry = _Entry(user, expires_at, self._clock() + self.ttl)
        with self._lock:
            if generation != self._generation:
                return
            self._entries[(kind, digest)] = entry
            self._entries.move_to_end((kind, digest))
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, digest: str) -> None:
        """Drop a token, whatever kind it was cached as (it was revoked here)."""
        with self._lock:
            self._generation += 1
            for kind in KINDS:
                self._entries.pop((kind, digest), None)

    def forget_user(self, user_id: str) -> None:
        """Drop every token of `user_id` (signed out everywhere)."""
        with self._lock:
            self._generation += 1
            for key in [k for k, e in self._entries.items() if e.user.user_id == user_id]:
                del self._entries[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class TokenVerifier:
    """Which account a bearer token or API key belongs to: the cache first, else the database.

    An access token (`cruce_at_…`) counts only as a bearer token; anything else is looked up as an API key
    (sent as `X-API-Key` or as a bearer token). Failures are never cached and never audited here: the
    caller audits the refusal.
    """

    def __init__(self, api: AccountStore, cache: TokenCache) -> None:
        self.api = api
        self.cache = cache

    @staticmethod
    def _presented(bearer: str | None, api_key: str | None) -> tuple[str, str] | None:
        secret = bearer or api_key
        if not secret or "\x00" in secret or len(secret) >= MAX_TOKEN_CHARS:
            return None
        return (ACCESS if bearer and secret.startswith(ACCESS_TOKEN_PREFIX) else KEY), secret

    def cached(self, bearer: str | None, api_key: str | None) -> User | None:
        """The user if the cache vouches for the token now (no I/O: safe on an event loop)."""
        presented = self._presented(bearer, api_key)
        if presented is None:
            return None
        kind, secret = presented
        return self.cache.get(kind, token_digest(secret))

    def verify(self, bearer: str | None, api_key: str | None) -> User | None:
        """The user of the token, from the cache or the database; None for no valid token."""
        presented = self._presented(bearer, api_key)
        if presented is None:
            return None
        kind, secret = presented
        digest = token_digest(secret)
        user = self.cache.get(kind, digest)
        if user is not None:
            return user
        expires_at: datetime | None = None
        generation = self.cache.generation
        if kind == ACCESS:
            found = self.api.access_token_account(secret)
            if found is None:
                return None
            account, expires_at = found
        else:
            key_account = self.api.check_api_key(secret)
            if key_account is None:
                return None
            account = key_account
        user = account.user()
        self.cache.put(kind, digest, user, expires_at, generation=generation)
        return user

    def forget(self, token: str) -> None:
        """After revoking `token` here (its revocation committed): it fails on the next request."""
        self.cache.forget(token_digest(token))

    def forget_user(self, user_id: str) -> None:
        """After revoking every token of `user_id` here."""
        self.cache.forget_user(user_id)
