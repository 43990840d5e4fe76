"""Failed sign-ins per account and per client address, kept in the database (`signin_failures`).

In the database, not in a process's memory, because `cruce serve --workers 2` (or more) runs several
processes behind one port: a lockout set by one must hold in all, and a guesser must not get a fresh count by
landing on another worker. Each failure is one short write transaction (the row is locked while it is
counted, so concurrent failures are all counted); a check is one primary-key read.

The policy (how many failures lock, for how long) is `cruce.service.signin`'s; this module only counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cruce.core.clock import as_utc
from cruce.storage.errors import reading, writing
from cruce.storage.tables import SignInFailureRow


@dataclass(frozen=True, slots=True)
class FailureCount:
    key: str
    failures: int
    last_failure: datetime
    locked_until: datetime | None


class SignInStore:
    """The failure counters of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def counts(self, keys: Sequence[str]) -> dict[str, FailureCount]:
        """The counters of `keys` that exist."""
        if not keys:
            return {}
        with reading(self.engine, "the sign-in failures") as conn:
            rows = conn.execute(select(SignInFailureRow).where(SignInFailureRow.key.in_(list(keys)))).all()
        return {r.key: _count(r) for r in rows}

    def fail(self, key: str, count: Callable[[FailureCount | None], FailureCount]) -> FailureCount:
        """Count one more failure of `key`: `count` makes the new counter from the stored one (None for the
        first), deciding the lockout. The read, the decision and the write are one transaction."""
        for attempt in (1, 2):
            try:
                return self._fail(key, count)
            except IntegrityError:  # another process inserted the first failure of this key meanwhile
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _fail(self, key: str, count: Callable[[FailureCount | None], FailureCount]) -> FailureCount:
        t = SignInFailureRow
        with writing(self.engine, "count a failed sign-in") as conn:
            row = conn.execute(select(t).where(t.key == key).with_for_update()).first()
            counted = count(_count(row) if row is not None else None)
            values = {
                "failures": counted.failures, "last_failure": counted.last_failure,
                "locked_until": counted.locked_until,
            }  # fmt: skip
            if row is None:
                conn.execute(insert(t).values(key=key, **values))
            else:
                conn.execute(update(t).where(t.key == key).values(**values))
        return counted

    def reset(self, key: str) -> None:
        """Forget `key`'s failures (a successful sign-in of that account)."""
        with writing(self.engine, "clear the failed sign-ins") as conn:
            conn.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))

    def forget_older_than(self, when: datetime) -> int:
        """Drop counters whose last failure is before `when` and that are not locked past it."""
        t = SignInFailureRow
        with writing(self.engine, "forget old sign-in failures") as conn:
            done = conn.execute(
                delete(t).where(t.last_failure < when, (t.locked_until.is_(None)) | (t.locked_until < when))
            )
        return int(done.rowcount or 0)


def _count(row: Any) -> FailureCount:
    locked = row.locked_until
    return FailureCount(
        str(row.key), int(row.failures), as_utc(row.last_failure),
        as_utc(locked) if locked is not None else None,
    )  # fmt: skip
