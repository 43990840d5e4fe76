"""Sign-in throttling: one guard for every door that takes a password (API token, TAXII Basic, console).

Failures are counted per account name (known or not: an unknown name locks the same way, so lockouts do not
tell which accounts exist) and per client address. After `account_failures` failures of an account, or
`address_failures` from an address, that key is locked for `lockout_s`, doubling with each further failure
after the lock ends, up to `max_lockout_s`; failures older than `window_s` are forgotten. While a key is
locked, attempts are refused with `ThrottledError` (HTTP 429 with Retry-After) *before* any password is
hashed, so a guesser costs the server one indexed read per attempt. A successful sign-in clears the
account's count (not the address's: one good account must not reset a guesser's count against others).

Counts live in the database (`cruce.storage.signin`), so every server process enforces the same lockouts.
The clock is injectable for tests. Every lockout, and every attempt refused by one, is audited.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import ThrottledError
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.signin import FailureCount, SignInStore


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    account_failures: int = 5
    address_failures: int = 20
    lockout_s: float = 30.0
    max_lockout_s: float = 3600.0
    window_s: float = 3600.0


Recorder = Callable[[AuditEvent], object]
"""Where the guard's audit events go (the door's audit log)."""


def _keys(user: str | None, address: str | None) -> list[str]:
    keys = []
    if user:
        keys.append(f"user:{user[:128]}")
    if address:
        keys.append(f"addr:{address[:128]}")
    return keys


class SignInGuard:
    """Refuses sign-ins of locked accounts and addresses, and counts failures; thread- and process-safe."""

    def __init__(
        self,
        store: SignInStore,
        record: Recorder,
        *,
        policy: ThrottlePolicy | None = None,
        clock: Clock = utc_now,
        door: str = "api",
    ) -> None:
        self.store = store
        self.record = record
        self.policy = policy or ThrottlePolicy()
        self.clock = clock
        self.door = door

    def check(self, user: str | None, address: str | None, country: str | None = None) -> bool:
        """Raise ThrottledError (audited) if the account or the address is locked now; otherwise whether
        the account has failures counted (so that a success has something to clear)."""
        now = self.clock()
        counts = self.store.counts(_keys(user, address))
        locked = [c for c in counts.values() if c.locked_until is not None and c.locked_until > now]
        if not locked:
            return any(key.startswith("user:") for key in counts)
        until = max(c.locked_until for c in locked if c.locked_until is not None)
        wait = max(1, math.ceil((until - now).total_seconds()))
        self.record(
            AuditEvent(
                now, _actor(user), "authenticate", self.door, Outcome.DENIED,
                f"refused without checking the password: {', '.join(sorted(c.key for c in locked))} "
                f"locked until {until.isoformat(timespec='seconds')}",
                {"address": address or ""}, country=country,
            )
        )  # fmt: skip
        raise ThrottledError(
            "too_many_attempts", f"too many failed sign-ins; try again in {wait} seconds", wait
        )

    def failed(self, user: str | None, address: str | None, country: str | None = None) -> None:
        """Count a failed sign-in of `user` from `address`; audit any lockout it starts."""
        now = self.clock()
        p = self.policy
        for key in _keys(user, address):
            free = p.account_failures if key.startswith("user:") else p.address_failures
            counted = self.store.fail(key, partial(self._next, key, now=now, free=free))
            if counted.locked_until is not None and counted.failures >= free:
                self.record(
                    AuditEvent(
                        now, _actor(user), "lockout", self.door, Outcome.DENIED,
                        f"{key} locked until {counted.locked_until.isoformat(timespec='seconds')} after "
                        f"{counted.failures} failed sign-ins",
                        {"address": address or "", "failures": counted.failures}, country=country,
                    )
                )  # fmt: skip

    def succeeded(self, user: str) -> None:
        self.store.reset(f"user:{user[:128]}")

    def _next(self, key: str, before: FailureCount | None, *, now: datetime, free: int) -> FailureCount:
        p = self.policy
        stale = (
            before is not None
            and before.last_failure < now - timedelta(seconds=p.window_s)
            and (before.locked_until is None or before.locked_until < now)
        )
        failures = 1 if before is None or stale else before.failures + 1
        until = None
        if failures >= free:
            seconds = min(p.lockout_s * 2 ** min(failures - free, 30), p.max_lockout_s)
            until = now + timedelta(seconds=seconds)
        return FailureCount(key, failures, now, until)


def _actor(user: str | None) -> str:
    return (user or "").replace("\x00", "")[:128] or "anonymous"
