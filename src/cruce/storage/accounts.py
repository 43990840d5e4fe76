"""The accounts aggregate: accounts, their API keys (system accounts) and access tokens (expiring).

`AccountStore(store.engine)` works on the engine `open_store` made (migrations 0003, 0004 make its tables).

Passwords are kept as salted argon2id hashes (`cruce.storage.credentials`: its policy sets the cost, and at
most a few hashes run at once); the scrypt hashes of earlier versions still verify and are replaced by
argon2id at the next successful sign-in. A successful check is remembered in memory for a few minutes, keyed
by a digest of the user, the password and the stored hash (a changed password misses the cache): a sync
pulling a hundred pages pays once.

API keys are random 256-bit strings given to their owner once and stored only as their sha256, which is
enough for a secret with that much entropy and keeps a check to one indexed lookup. Only *system* accounts
(syncs, integrations) hold API keys; people sign in and get an access token, stored the same way, that
expires (`issue_access_token`) and is forgotten at sign-out.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Classification, Marking
from cruce.sharing.access import Organisation, Role, User
from cruce.storage.credentials import PasswordHasher, hash_scrypt, token_digest
from cruce.storage.errors import reading, writing
from cruce.storage.tables import ApiTokenRow, Base, ShareAccountRow, ShareTokenRow

log = logging.getLogger(__name__)

VERIFIED_TTL_S = 300.0
TOKEN_PREFIX = "cruce_"
ACCESS_TOKEN_PREFIX = "cruce_at_"
PERSON, SYSTEM = "person", "system"
ACCOUNT_KINDS = (PERSON, SYSTEM)

# The look-ups of every API request, built once on the tables: building a statement from the ORM attributes
# costs more than running it.
_ACCOUNTS, _ACCESS_TOKENS, _KEYS = (
    Base.metadata.tables[row.__tablename__] for row in (ShareAccountRow, ApiTokenRow, ShareTokenRow)
)
_ACCOUNT_OF_ACCESS_TOKEN = (
    select(_ACCOUNTS, _ACCESS_TOKENS.c.expires_at.label("token_expires_at"))
    .join(_ACCESS_TOKENS, _ACCESS_TOKENS.c.user_id == _ACCOUNTS.c.user_id)
    .where(
        _ACCESS_TOKENS.c.token_sha256 == bindparam("digest"), _ACCESS_TOKENS.c.expires_at > bindparam("now")
    )
)
_ACCOUNT_OF_API_KEY = (
    select(_ACCOUNTS)
    .join(_KEYS, _KEYS.c.user_id == _ACCOUNTS.c.user_id)
    .where(_KEYS.c.token_sha256 == bindparam("digest"))
)


@dataclass(frozen=True, slots=True)
class Account:
    """A TAXII user: the attributes access decisions and marking enforcement are made from."""

    user_id: str
    organisation: str
    country: str
    nationality: str
    clearance: Classification
    roles: frozenset[Role]
    kind: str = PERSON  # "person" signs in with a password; "system" (sync, integration) uses API keys

    @property
    def countries(self) -> frozenset[str]:
        """Judged by every country it belongs to: it receives only what is releasable to all of them."""
        return frozenset({self.country, self.nationality})

    @property
    def principals(self) -> tuple[str, str]:
        return (f"user:{self.user_id}", f"org:{self.organisation}")

    def user(self) -> User:
        return User(
            self.user_id,
            Organisation(self.organisation, self.country),
            self.clearance,
            self.nationality,
            roles=self.roles,
        )


class AccountStore:
    """Accounts, API keys and access tokens of one database."""

    def __init__(
        self, engine: Engine, *, clock: Clock = utc_now, hasher: PasswordHasher | None = None
    ) -> None:
        self.engine = engine
        self._clock = clock
        self.hasher = hasher or PasswordHasher()
        self._verified: dict[str, float] = {}
        self._verified_lock = threading.Lock()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with reading(self.engine, "the accounts") as conn:
            yield conn

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        with writing(self.engine, what) as conn:
            yield conn

    def add_account(
        self,
        user_id: str,
        *,
        organisation: str,
        country: str,
        clearance: Classification | str,
        roles: Sequence[Role | str],
        nationality: str | None = None,
        password: str | None = None,
        scrypt_n: int | None = None,
        kind: str = PERSON,
    ) -> Account:
        """Create an account; the password (if any) is stored only as its argon2id hash (an scrypt hash
        of cost `scrypt_n` when given: the old format, which tests use to make cheap old-style hashes)."""
        if kind not in ACCOUNT_KINDS:
            raise InputError("bad_kind", f"an account is a {' or a '.join(ACCOUNT_KINDS)}, not {kind!r}")
        level = (
            clearance if isinstance(clearance, Classification) else Marking.parse(clearance).classification
        )
        user = User(
            user_id,
            Organisation(organisation, country),
            level,
            nationality or country,
            roles=_roles(roles),
        )
        account = Account(
            user.user_id,
            organisation,
            user.organisation.country,
            user.nationality,
            level,
            frozenset(user.roles),
            kind,
        )
        if password is None:
            stored = None
        elif scrypt_n is not None:
            stored = hash_scrypt(password, n=scrypt_n)
        else:
            stored = self.hasher.hash(password)
        with self._write(f"add account {user_id} (does it exist already?)") as conn:
            # An organisation belongs to one country: collections grant rights to `org:<organisation>`, so
            # an account of another country in an existing organisation would take that organisation's
            # rights (a MEX administrator creating a MEX account "in CBP" would read USA's collections).
            taken = conn.scalar(
                select(ShareAccountRow.country)
                .where(
                    func.lower(ShareAccountRow.organisation) == organisation.strip().lower(),
                    ShareAccountRow.country != account.country,
                )
                .limit(1)
            )
            if conn.scalar(select(ShareAccountRow.user_id).where(ShareAccountRow.user_id == user_id)):
                # user ids are global, so a clash is unavoidable; say only that, never the database's text
                raise InputError("conflict", f"the user id {user_id!r} is taken; choose another")
            if taken is not None:
                raise InputError(
                    "bad_organisation",
                    f"organisation {organisation!r} is another country's; an organisation belongs to one "
                    "country (collections grant rights by organisation)",
                )
            conn.execute(
                insert(ShareAccountRow).values(
                    user_id=account.user_id,
                    organisation=account.organisation,
                    country=account.country,
                    nationality=account.nationality,
                    clearance=level.abbreviation,
                    roles=sorted(r.value for r in account.roles),
                    password_hash=stored,
                    created_at=self._clock(),
                    kind=kind,
                )
            )
        return account

    def issue_token(self, user_id: str) -> str:
        """A new API token for `user_id`: returned once, stored only as its sha256.

        Storage does not refuse a person here (operators' tools and tests may); the doors people reach
        (`Operations.issue_api_key`, `cruce share accounts token`) give keys to system accounts only.
        """
        self.account(user_id)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write("store the token") as conn:
            conn.execute(
                insert(ShareTokenRow).values(
                    token_sha256=token_digest(token), user_id=user_id, created_at=self._clock()
                )
            )
        return token

    def account(self, user_id: str) -> Account:
        with self._read() as conn:
            row = conn.execute(select(ShareAccountRow).where(ShareAccountRow.user_id == user_id)).first()
        if row is None:
            raise NotFoundError("account_not_found", f"no sharing account {user_id!r}")
        return account_from_row(row)

    def account_country(self, user_id: str) -> str | None:
        """The country of `user_id`'s organisation; None for an unknown account (audit records' owner)."""
        with self._read() as conn:
            country = conn.scalar(select(ShareAccountRow.country).where(ShareAccountRow.user_id == user_id))
        return str(country) if country is not None else None

    def token_owner(self, token: str) -> str | None:
        """The user id an API token belongs to; None for an unknown token."""
        with self._read() as conn:
            owner = conn.scalar(
                select(ShareTokenRow.user_id).where(ShareTokenRow.token_sha256 == token_digest(token))
            )
        return str(owner) if owner is not None else None

    def accounts(self) -> list[Account]:
        with self._read() as conn:
            rows = conn.execute(select(ShareAccountRow).order_by(ShareAccountRow.user_id)).all()
        return [account_from_row(row) for row in rows]

    def check_password(self, user_id: str, password: str) -> Account | None:
        """The account if `password` is its password; None otherwise (unknown users cost the same).

        A hash of an older format or cost is replaced by one of the current policy once it has verified.
        """
        with self._read() as conn:
            row = conn.execute(select(ShareAccountRow).where(ShareAccountRow.user_id == user_id)).first()
        stored = row.password_hash if row is not None and row.password_hash else None
        key = hashlib.sha256(f"{user_id}\x00{password}\x00{stored}".encode()).hexdigest()
        now = time.monotonic()
        with self._verified_lock:
            fresh = self._verified.get(key, 0.0) > now
        if not fresh:
            if stored is None:
                self.hasher.verify_unknown(password)  # same cost for an unknown user or a token-only one
                return None
            if not self.hasher.verify(password, stored):
                return None
            if self.hasher.needs_rehash(stored):
                self._rehash(user_id, stored, password)
            else:
                with self._verified_lock:
                    if len(self._verified) > 10_000:
                        self._verified.clear()
                    self._verified[key] = now + VERIFIED_TTL_S
        return account_from_row(row) if row is not None and stored is not None else None

    def _rehash(self, user_id: str, old: str, password: str) -> None:
        """Store a current-policy hash in place of `old` (unless the password changed meanwhile)."""
        new = self.hasher.hash(password)
        a = ShareAccountRow
        with self._write(f"upgrade the password hash of {user_id}") as conn:
            conn.execute(
                update(a).where(a.user_id == user_id, a.password_hash == old).values(password_hash=new)
            )
        log.info("password_rehashed user=%s", user_id)

    def revoke_tokens(self, user_id: str) -> int:
        """Forget every API token of `user_id` (sign out everywhere); how many there were."""
        with self._write(f"revoke the tokens of {user_id}") as conn:
            done = conn.execute(delete(ShareTokenRow).where(ShareTokenRow.user_id == user_id))
        return int(done.rowcount or 0)

    def revoke_token(self, token: str) -> str | None:
        """Forget one API token; the user id it belonged to, or None if it was unknown."""
        digest = token_digest(token)
        with self._write("revoke the token") as conn:
            owner = conn.scalar(select(ShareTokenRow.user_id).where(ShareTokenRow.token_sha256 == digest))
            conn.execute(delete(ShareTokenRow).where(ShareTokenRow.token_sha256 == digest))
        return str(owner) if owner is not None else None

    def check_token(self, token: str) -> Account | None:
        with self._read() as conn:
            row = conn.execute(
                select(ShareAccountRow)
                .join(ShareTokenRow, ShareTokenRow.user_id == ShareAccountRow.user_id)
                .where(ShareTokenRow.token_sha256 == token_digest(token))
            ).first()
        return account_from_row(row) if row is not None else None

    # -- access tokens -----------------------------------------------------------------------------------

    def issue_access_token(self, user_id: str, ttl: timedelta) -> tuple[str, datetime]:
        """A new random bearer token for `user_id`, returned once and stored only as its sha256."""
        token = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        expires = now + ttl
        with self._write("store the access token") as conn:
            conn.execute(delete(ApiTokenRow).where(ApiTokenRow.expires_at < now))  # keep the table small
            conn.execute(
                insert(ApiTokenRow).values(
                    token_sha256=token_digest(token), user_id=user_id, created_at=now, expires_at=expires
                )
            )
        return token, expires

    def revoke_access_token(self, token: str) -> None:
        """Forget an access token (sign-out): it stops working at once, not when it would have expired."""
        with self._write("revoke the access token") as conn:
            conn.execute(delete(ApiTokenRow).where(ApiTokenRow.token_sha256 == token_digest(token)))

    def revoke_access_tokens(self, user_id: str) -> int:
        """Forget every access token of `user_id` (sign out everywhere); how many there were."""
        with self._write(f"revoke the access tokens of {user_id}") as conn:
            done = conn.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == user_id))
        return int(done.rowcount or 0)

    def access_token_owner(self, token: str) -> str | None:
        """The user id an access token (expired or not) was issued to; None for an unknown one."""
        with self._read() as conn:
            owner = conn.scalar(
                select(ApiTokenRow.user_id).where(ApiTokenRow.token_sha256 == token_digest(token))
            )
        return str(owner) if owner is not None else None

    def check_access_token(self, token: str) -> Account | None:
        """The account of an unexpired access token; None for an unknown or expired one."""
        found = self.access_token_account(token)
        return found[0] if found is not None else None

    def access_token_account(self, token: str) -> tuple[Account, datetime] | None:
        """The account of an unexpired access token and when the token expires (what a cache of verified
        tokens needs to stop trusting it on time); None for an unknown or expired one."""
        with self._read() as conn:
            row = conn.execute(
                _ACCOUNT_OF_ACCESS_TOKEN, {"digest": token_digest(token), "now": self._clock()}
            ).first()
        if row is None:
            return None
        return account_from_row(row), as_utc(row.token_expires_at)

    def check_api_key(self, key: str) -> Account | None:
        """The account of an API key (a sharing account's token); None for an unknown one.

        The same lookup as `check_token`, on a statement built once: it runs on every request.
        """
        with self._read() as conn:
            row = conn.execute(_ACCOUNT_OF_API_KEY, {"digest": token_digest(key)}).first()
        return account_from_row(row) if row is not None else None


def _roles(roles: Sequence[Role | str]) -> frozenset[Role]:
    try:
        return frozenset(Role(role) for role in roles)
    except ValueError as exc:
        raise InputError("bad_role", f"{exc}; roles are {', '.join(r.value for r in Role)}") from exc


def account_from_row(row: Any) -> Account:
    """An account from a row of the accounts table (the API's token look-ups read the same rows)."""
    return Account(
        row.user_id,
        row.organisation,
        row.country,
        row.nationality,
        Marking.parse(row.clearance).classification,
        frozenset(Role(r) for r in row.roles),
        str(getattr(row, "kind", None) or PERSON),
    )
