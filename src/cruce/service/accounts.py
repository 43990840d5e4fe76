"""Accounts and sessions: sign-in, tokens and API keys, and the administration of a country's accounts.

Sign-in is throttled per account and per client address (`cruce.service.signin`), the same guard for the
API's token endpoint, the console (which calls `Accounts.login`) and the TAXII server's Basic
authentication. An administrator works on its own country's accounts only, within its own limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel

from cruce.core.errors import CruceError, InputError, NotFoundError
from cruce.core.markings import Marking
from cruce.core.text import has_control_character
from cruce.service.paging import Page, check_limit, key_page, page_of
from cruce.service.policy import Gate, check_text
from cruce.service.sharing import UnauthenticatedError
from cruce.service.signin import SignInGuard
from cruce.sharing.access import Role, User, role_conflict
from cruce.sharing.audit import Outcome
from cruce.storage.alerts import ACCESS_TOKEN_PREFIX, ApiStore
from cruce.storage.sharing import SYSTEM, Account, SharingStore


class TokenResponse(BaseModel):
    """An OAuth2 password grant's answer."""

    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    expires_at: str


class Revoked(BaseModel):
    revoked: int


class UserView(BaseModel):
    user_id: str
    organisation: str
    country: str
    nationality: str
    clearance: str
    roles: list[str]
    kind: Literal["person", "system"] = "person"

    @classmethod
    def of(cls, a: Account) -> UserView:
        return cls(
            user_id=a.user_id, organisation=a.organisation, country=a.country, nationality=a.nationality,
            clearance=a.clearance.abbreviation, roles=sorted(r.value for r in a.roles),
            kind="system" if a.kind == SYSTEM else "person",
        )  # fmt: skip


class ApiKey(BaseModel):
    user_id: str
    api_key: str


class Accounts:
    """Sign-in, tokens, and account administration; every step audited."""

    def __init__(
        self, sharing: SharingStore, tokens: ApiStore, guard: SignInGuard, gate: Gate, token_ttl: timedelta
    ) -> None:
        self.sharing = sharing
        self.tokens = tokens
        self.guard = guard
        self.gate = gate
        self.token_ttl = token_ttl

    # -- sessions ----------------------------------------------------------------------------------------

    def login(self, username: str | None, password: str | None, address: str | None = None) -> TokenResponse:
        """OAuth2 password grant: an opaque bearer token (stored hashed) that expires.

        Throttled per account and per client `address` (refused while locked, before any hashing).
        """
        name = (username or "")[:128]
        usable = bool(name and password) and not has_control_character(name)
        country = self.sharing.account_country(name) if usable else None
        counted = self.guard.check(name, address, country) if usable else False
        account = self.sharing.check_password(name, str(password)) if usable else None
        if account is None:
            if usable:
                self.guard.failed(name, address, country)
            who = "".join(c for c in name if c.isprintable()) or "anonymous"
            self.gate.record(None, "authenticate", "api:token", Outcome.DENIED, "wrong user name or password",
                             {"address": address or ""}, actor=who, country=country)  # fmt: skip
            raise UnauthenticatedError("unauthenticated", "wrong user name or password")
        if counted:
            self.guard.succeeded(name)
        token, expires = self.tokens.issue_access_token(account.user_id, self.token_ttl)
        self.gate.record(account.user(), "authenticate", "api:token", reason="access token issued")
        return TokenResponse(
            access_token=token, token_type="bearer", expires_in=int(self.token_ttl.total_seconds()),
            expires_at=expires.isoformat(),
        )  # fmt: skip

    def authenticate(self, bearer: str | None, api_key: str | None) -> User:
        """The user of a bearer token (access token or API key) or an `X-API-Key`; UnauthenticatedError
        otherwise."""
        account: Account | None = None
        secret = bearer or api_key
        if secret and "\x00" not in secret and len(secret) < 512:
            if bearer and secret.startswith(ACCESS_TOKEN_PREFIX):
                account = self.tokens.check_access_token(secret)
            else:
                account = self.tokens.check_api_key(secret)
        if account is None:
            what = "an expired or unknown token" if secret else "no credentials"
            self.gate.record(None, "authenticate", "api", Outcome.DENIED, what)
            raise UnauthenticatedError(
                "unauthenticated",
                "valid credentials are needed: Authorization: Bearer <token> (POST /api/v1/token) "
                "or X-API-Key: <key>",
            )
        return account.user()

    def sign_out(self, user: User, token: str) -> None:
        """The console's sign-out, audited: the session's token is revoked on the server at once."""
        self.tokens.revoke_access_token(token)
        self.gate.record(user, "sign_out", "console")

    def revoke_token(self, user: User, token: str) -> Revoked:
        """Revoke one access token or API key: the caller's own, or (an administrator) one of a system
        account of its country. Anything else, unknown tokens included, revokes nothing and says the same
        (RFC 7009), so this cannot be used to test tokens."""
        if not token or len(token) > 512 or has_control_character(token):
            raise InputError("bad_token", "give the token to revoke (at most 512 characters)")
        access = token.startswith(ACCESS_TOKEN_PREFIX)
        owner = self.tokens.access_token_owner(token) if access else self.sharing.token_owner(token)
        mine = owner == user.user_id
        if owner is not None and not mine and Role.ADMIN in user.roles:
            account = self.sharing.account(owner)
            mine = account.country == user.organisation.country and account.kind == SYSTEM
        revoked = 0
        if owner is not None and mine:
            if access:
                self.tokens.revoke_access_token(token)
            else:
                self.sharing.revoke_token(token)
            revoked = 1
        self.gate.record(
            user, "revoke_token", f"user:{owner}" if revoked else "token",
            Outcome.ALLOWED if revoked else Outcome.DENIED,
            "token revoked" if revoked else "not a token of this account or of a system account it keys",
            {"on_behalf_of": owner} if revoked and owner != user.user_id else None,
        )  # fmt: skip
        return Revoked(revoked=revoked)

    def sign_out_everywhere(self, user: User, user_id: str | None = None) -> Revoked:
        """Revoke every access token and API key of the caller, or (an administrator) of an account of
        its country: every session of that account ends at once."""
        target = user_id or user.user_id
        resource = f"user:{target}"
        if target != user.user_id:
            self.gate.allow(user, "users_admin", resource)
            self._own_account(user, target, "sign_out_everywhere")
        revoked = self.tokens.revoke_access_tokens(target) + self.sharing.revoke_tokens(target)
        self.gate.record(
            user, "sign_out_everywhere", resource, reason=f"{revoked} tokens and keys revoked",
            details={"on_behalf_of": target} if target != user.user_id else None,
        )  # fmt: skip
        return Revoked(revoked=revoked)

    # -- administration ----------------------------------------------------------------------------------

    def me(self, user: User) -> UserView:
        return UserView.of(self.sharing.account(user.user_id))

    def users(self, user: User, cursor: str | None, limit: int) -> Page[UserView]:
        self.gate.allow(user, "users_admin", "users")
        mine = [a for a in self.sharing.accounts() if a.country == user.organisation.country]
        page, more, last = key_page(mine, lambda a: str(a.user_id), cursor, check_limit(limit))
        self.gate.record(user, "read", "users", details={"count": len(page)})
        return page_of([UserView.of(a) for a in page], more, last)

    def create_user(self, user: User, fields: Mapping[str, Any]) -> UserView:
        """An administrator adds an account of their own country, within the administrator's limits.

        Limits: the administrator's own country only; a clearance no higher than its own (an
        administrator cannot mint access it does not hold); no conflicting duties on one account
        (`cruce.sharing.access.role_conflict`: administration with audit or release, audit with release);
        and system accounts (the only kind that gets API keys) never administer or audit. Audited with the
        administrator as actor and the new account as on-behalf-of.
        """
        self.gate.allow(user, "users_admin", "users")
        check_text(fields)
        user_id = str(fields["user_id"])
        resource = f"user:{user_id}"
        country = str(fields["country"]).strip().upper()
        own = user.organisation.country
        if country != own:
            self.gate.deny(user, "users_admin", resource, f"{own} administrators create {own} users")
        password = fields.get("password")
        if password is not None and len(str(password)) < 12:
            raise InputError("weak_password", "a password is at least 12 characters")
        if not user_id or "/" in user_id or user_id != user_id.strip() or len(user_id) > 128:
            raise InputError("bad_user_id", "a user id is 1 to 128 characters, without '/' or spaces around")
        kind = str(fields.get("kind") or "person")
        try:
            roles = frozenset(Role(r) for r in fields.get("roles") or ())
            clearance = Marking.parse(str(fields["clearance"])).classification
        except (ValueError, CruceError) as exc:
            raise InputError("bad_account", f"roles or clearance not understood: {exc}") from exc
        conflict = role_conflict(roles)
        if conflict is None and kind == SYSTEM and roles & {Role.ADMIN, Role.AUDITOR}:
            conflict = "a system account never administers or audits"
        if conflict is not None:
            self.gate.deny(user, "users_admin", resource, conflict)
        if clearance > user.clearance:
            self.gate.deny(
                user, "users_admin", resource,
                f"clearance {clearance.banner} is above the administrator's {user.clearance.banner}",
                public="an administrator grants at most its own clearance",
            )  # fmt: skip
        created = self.gate.event(
            user, "create", resource, reason=f"{kind} account created",
            details={"on_behalf_of": user_id, "roles": sorted(r.value for r in roles),
                     "clearance": clearance.abbreviation, "kind": kind},
        )  # fmt: skip
        account = self.sharing.add_account(
            user_id, organisation=str(fields["organisation"]), country=country,
            clearance=clearance, roles=sorted(roles), nationality=fields.get("nationality"),
            password=password, kind=kind,
        )  # fmt: skip
        self.gate.append(created)
        return UserView.of(account)

    def _own_account(self, user: User, user_id: str, action: str) -> Account:
        """An account of the administrator's country; any other (or none) is missing, alike."""
        missing = NotFoundError("account_not_found", f"no account {user_id!r}")
        try:
            account = self.sharing.account(user_id)
        except NotFoundError:
            self.gate.hidden(user, action, f"user:{user_id}", "no such account", missing)
        if account.country != user.organisation.country:
            self.gate.hidden(user, action, f"user:{user_id}", f"the account is {account.country}'s", missing)
        return account

    def issue_api_key(self, user: User, user_id: str) -> ApiKey:
        """An API key for a system account of the administrator's country, shown once (kept as its sha256).

        People never get API keys (they sign in, throttled, and their sessions expire); nor does a system
        account cleared above the administrator, or one that administers or audits.
        """
        self.gate.allow(user, "users_admin", f"user:{user_id}")
        resource = f"user:{user_id}"
        account = self._own_account(user, user_id, "issue_key")
        if account.kind != SYSTEM:
            self.gate.deny(
                user, "issue_key", resource, "API keys are for system accounts; people sign in instead"
            )
        if account.clearance > user.clearance:
            self.gate.deny(
                user, "issue_key", resource,
                f"the account is cleared {account.clearance.banner}, above the administrator's "
                f"{user.clearance.banner}",
                public="an administrator keys no account cleared above itself",
            )  # fmt: skip
        if account.roles & {Role.ADMIN, Role.AUDITOR}:
            self.gate.deny(user, "issue_key", resource, "accounts that administer or audit get no API keys")
        issued = self.gate.event(user, "issue_key", resource, details={"on_behalf_of": user_id})
        key = self.sharing.issue_token(user_id)
        self.gate.append(issued)
        return ApiKey(user_id=user_id, api_key=key)
