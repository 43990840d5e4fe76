"""What the REST API does, for an authenticated user, authorised and audited: one façade, `Operations`.

Routers call one method each and never decide access themselves. Decisions come from two places:

* products and the audit log: `cruce.sharing.access` (owner country, tear lines, clearance, roles), the
  same rules the CLI and the TAXII server apply;
* everything else: `ROLES` below (which roles may do an operation) plus one attribute rule, the country:
  alerts, dismissals, jobs, accounts and audit records belong to a country (the organisation's), and only
  that country's users see or work them. A USA analyst never reads a MEX alert, a MEX false-positive
  decision never quiets a USA screening, a MEX auditor reads MEX's audit records only, and a MEX
  administrator never creates or keys USA accounts.

Partitions look like absence: something of another country, or a product the caller may not read, is
answered exactly as a missing one (404, same message), and no denial a caller sees names a level, a
classification or another country's account; the audit log keeps the full reason.

Every call is audited: allowed reads and writes, and every denial with its reason. Failed sign-ins too
(throttled by `cruce.service.signin`). A write and its audit record commit together where the write is
the request's side effect (alerts and their review), and every input is validated before anything is done.

Lists are paginated by keyset with an opaque cursor (`next`): a page is `limit` items after the cursor's
key, in a stable order, so following `next` returns every item exactly once even while items are added.
A page is built from what the caller may see, and its cursor holds the key of the last item it returned,
never of an item the caller could not see.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import io
import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from cruce.core import csvsafe
from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError, InputError, NotFoundError, StorageError, ThrottledError
from cruce.core.extras import require
from cruce.core.markings import Marking, is_country_trigraph
from cruce.core.text import control_character_at, has_control_character
from cruce.matching.matcher import Matcher
from cruce.matching.types import Match, Query
from cruce.service.alerts import AlertPlan, AlertQueue, MatchOutcome, feature_views, person_view
from cruce.service.screening import BATCH_OUTPUT_COLUMNS, build_matcher, make_query, screen_queries
from cruce.service.sharing import ForbiddenError, UnauthenticatedError
from cruce.service.signin import SignInGuard, ThrottlePolicy
from cruce.service.tokens import DEFAULT_TTL as DEFAULT_TOKEN_CACHE
from cruce.service.tokens import TokenCache, TokenVerifier
from cruce.sharing.access import (
    READING_ROLES,
    Action,
    Decision,
    Role,
    User,
    may_audit,
    may_create,
    may_read,
    role_conflict,
)
from cruce.sharing.audit import AuditEvent, AuditRecord, Outcome, event_for
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion, tear_line
from cruce.sharing.release import may_write_parts
from cruce.sharing.stix import export_product, import_bundle
from cruce.storage.alerts import (
    ACCESS_TOKEN_PREFIX,
    AlertEvent,
    AlertRecord,
    ApiStore,
    AuditHook,
    ChunkRow,
    JobRecord,
    LostJobError,
    new_job_id,
)
from cruce.storage.audit import AuditAppender, AuditLog
from cruce.storage.credentials import PasswordHasher, PasswordPolicy
from cruce.storage.sharing import SYSTEM, Account, SharingStore
from cruce.storage.signin import SignInStore
from cruce.storage.store import Store, VersionInfo

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
BATCH_CHUNK = 250
RECENT_REFERRALS = 10
"""A simulation job's summary keeps its last few referral alerts, for the console's lane board."""

ROLES: dict[str, frozenset[Role]] = {
    "screen": frozenset({Role.OFFICER, Role.ANALYST}),
    "screen_batch": frozenset({Role.ANALYST}),
    "jobs": frozenset({Role.OFFICER, Role.ANALYST}),
    "lists_read": frozenset({Role.OFFICER, Role.ANALYST, Role.RELEASING_OFFICER, Role.ADMIN}),
    "lists_reload": frozenset({Role.ADMIN}),
    "alerts_read": frozenset({Role.OFFICER, Role.ANALYST}),
    "alerts_work": frozenset({Role.ANALYST}),
    "ports": frozenset({Role.OFFICER, Role.ANALYST, Role.RELEASING_OFFICER}),
    "simulate": frozenset({Role.ANALYST}),
    "products_list": READING_ROLES,
    "products_draft": frozenset({Role.ANALYST}),
    "users_admin": frozenset({Role.ADMIN}),
}
"""Who may do each operation by role; the country rule and `cruce.sharing.access` come on top."""


class AccessDeniedError(ForbiddenError):
    """Authenticated, but the policy says no (HTTP 403); the reason is the policy's sentence."""


class ConflictError(InputError):
    """The request is fine but the resource is not in a state that allows it (HTTP 409)."""


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


# -- pagination ------------------------------------------------------------------------------------------


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: type) -> Any:
    """The key a cursor holds; InputError for anything this API did not hand out."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InputError("bad_cursor", "the cursor is not one this API gave out; start without it") from exc
    if not isinstance(key, kind) or isinstance(key, bool) or not _key_in_range(key):
        raise InputError("bad_cursor", "the cursor is not one this API gave out; start without it")
    return key


MAX_KEY = 2**63 - 1
"""Keys are database BIGINTs: a cursor past them is not one this API gave out (and must not reach SQL)."""


def _key_in_range(key: Any) -> bool:
    if isinstance(key, int):
        return 0 <= key <= MAX_KEY
    if isinstance(key, str):
        return len(key) <= 300 and not has_control_character(key)
    return False


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError("bad_limit", f"limit must be 1 to {MAX_LIMIT}")
    return limit


def check_text(fields: Any) -> None:
    """Refuse input holding a control character (NUL, escape...) before anything is done with it."""
    where = control_character_at(fields)
    if where is not None:
        raise InputError(
            "bad_character", f"{where or 'the input'} holds a control character (NUL, escape...); remove it"
        )


_AUDIT_ONLY = "role auditor (and no administration) is needed to read the audit log"


def _write_refusal(user: User, product: Product, decision: Decision) -> str:
    """What a writer refused by `may_create`/`may_write` is told: what to change, never a level named.

    The decision's own reason (with levels and countries) goes to the audit log.
    """
    own = user.organisation.country
    if decision.allowed:
        return ""
    if Role.ANALYST not in user.roles:
        return "role analyst is needed to write a product"
    if product.owner != own or user.foreign_countries(own):
        return f"products are written by their owner country's analysts ({own} for you), no dual nationals"
    if user.clearance < product.banner.classification:
        return "your clearance is below the product's banner"
    if decision.action is Action.RELEASE and Role.RELEASING_OFFICER not in user.roles:
        return (
            f"content readable beyond {own} (a REL TO partner, or unclassified text) needs a releasing "
            f"officer; mark every portion for {own} alone (e.g. //NOFORN) or ask a releasing officer"
        )
    return "this account may not write this content as marked"


def page_view(items: list[Any], more: bool, last_key: Any) -> dict[str, Any]:
    return {"items": items, "next": encode_cursor(last_key) if more and last_key is not None else None}


def _key_page(items: Sequence[Any], key: Callable[[Any], str], cursor: str | None, limit: int) -> tuple[
    list[Any], bool, str | None
]:  # fmt: skip
    """Keyset over a small in-memory list sorted by a string key (lists, versions, users, ports)."""
    after = decode_cursor(cursor, str)
    ordered = sorted(items, key=key)
    rest = [i for i in ordered if after is None or key(i) > after]
    page = rest[:limit]
    return page, len(rest) > limit, key(page[-1]) if page else None


# -- settings the API runs with --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiConfig:
    data_dir: Path
    alert_threshold: float | None = None
    token_ttl: timedelta = timedelta(hours=1)
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    job_lease: timedelta = timedelta(seconds=30)
    token_cache: timedelta = DEFAULT_TOKEN_CACHE


@dataclass(slots=True)
class _Index:
    matcher: Matcher | None = None
    versions: list[str] = field(default_factory=list)
    loaded_at: datetime | None = None


class Operations:
    """Every API use case. Thread-safe: the server calls it from a pool of threads."""

    def __init__(
        self, store: Store, config: ApiConfig, *, clock: Clock = utc_now, hasher: PasswordHasher | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.hasher = hasher or PasswordHasher(config.passwords)
        self.sharing = SharingStore(store.engine, clock=clock, hasher=self.hasher)
        self.audit = AuditLog(store.engine)
        self.api = ApiStore(store.engine, clock=clock)
        # Group commit: events of concurrent requests share a transaction; each waits for its commit.
        self.audit_writer = AuditAppender(self.audit, lock=self.api.write_lock)
        self.queue = AlertQueue(self.api)
        # Verified tokens are trusted for at most `config.token_cache` (see cruce.service.tokens).
        self.tokens = TokenVerifier(self.api, TokenCache(config.token_cache, clock=clock))
        self.guard = SignInGuard(
            SignInStore(store.engine), self._append, policy=config.throttle, clock=clock, door="api"
        )
        self._index = _Index()
        self._index_lock = threading.Lock()
        self._jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cruce-job")
        # This process, as the holder of job leases (see `ApiStore`); the jobs it works now.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        self._stopping = threading.Event()
        self._keeper: threading.Thread | None = None

    def start(self) -> None:
        """At server start: the matcher is loaded, then jobs left by a stopped server are taken over.

        A batch screening whose server died resumes after its last committed chunk (by exactly one server
        process: `ApiStore.claim_job`); other jobs (a simulated day) are marked failed. A thread renews this
        process's leases and keeps looking for jobs whose lease ran out.
        """
        self._load_index()
        self._take_over_jobs()
        self._keeper = threading.Thread(target=self._keep_jobs, name="cruce-job-leases", daemon=True)
        self._keeper.start()

    def close(self) -> None:
        self._stopping.set()
        if self._keeper is not None:
            self._keeper.join(timeout=5)
        self._jobs.shutdown(wait=False, cancel_futures=True)
        try:
            self.api.release_jobs(self.worker)  # the next server resumes them at once, not after the lease
        except CruceError:
            log.warning("job_release_failed worker=%s", self.worker)
        self.audit_writer.close()

    # -- background jobs: leases and resuming ------------------------------------------------------------

    def _keep_jobs(self) -> None:
        every = max(0.2, self.config.job_lease.total_seconds() / 3)
        while not self._stopping.wait(every):
            try:
                with self._held_lock:
                    held = bool(self._held)
                if held:
                    self.api.renew_leases(self.worker, self.config.job_lease)
                self._take_over_jobs()
            except Exception:  # the keeper keeps going; the next round tries again
                log.exception("job_keeper_failed")

    def _hold(self, job_id: str, held: bool) -> None:
        with self._held_lock:
            (self._held.add if held else self._held.discard)(job_id)

    def _take_over_jobs(self) -> None:
        for job in self.api.expired_jobs():
            with self._held_lock:
                if job.job_id in self._held or self._stopping.is_set():
                    continue
            resumable = job.kind == "screen_batch"
            event = self._event(
                None, "resume_job" if resumable else "fail_job", job.job_id,
                reason=f"its server stopped at row {job.done}; taken over by {self.worker}",
                actor="cruce", country=job.country,
            )  # fmt: skip
            claimed = self.api.claim_job(job.job_id, self.worker, self.config.job_lease, audit=event)
            if claimed is None:
                continue  # another server process was first
            if not resumable:
                self.api.update_job(
                    job.job_id, worker=self.worker, state="failed",
                    error="the server stopped before the job finished; start it again",
                )  # fmt: skip
                continue
            log.info("job_resumed job=%s done=%d worker=%s", job.job_id, claimed.done, self.worker)
            self._hold(job.job_id, True)
            self._jobs.submit(self._resume_batch, claimed)

    def _resume_batch(self, job: JobRecord) -> None:
        try:
            user = self.sharing.account(job.owner).user()
            source = self._batch_source(job.job_id)
            text = source.read_text(encoding="utf-8")
            top = int(job.summary.get("top") or 5)
        except (CruceError, OSError, ValueError) as exc:
            message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
            self._hold(job.job_id, False)
            self._fail_job(job.job_id, f"the job cannot be resumed: {message}")
            return
        self._run_batch(job.job_id, user, source, _batch_header(text), top)

    def _fail_job(self, job_id: str, message: str) -> None:
        try:
            self.api.update_job(job_id, worker=self.worker, state="failed", error=message)
        except LostJobError:
            log.info("job_lost job=%s worker=%s", job_id, self.worker)

    def _batch_source(self, job_id: str) -> Path:
        return self.config.data_dir / "jobs" / f"{job_id.replace(':', '-')}.csv"

    # -- audit and policy --------------------------------------------------------------------------------

    def _event(  # noqa: PLR0917 - one audit event's fields
        self,
        user: User | None,
        action: str,
        resource: str,
        outcome: Outcome = Outcome.ALLOWED,
        reason: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        country: str | None = None,
    ) -> AuditEvent:
        """An audit event of `user` (its country owns the record), validated now: build it before acting."""
        who = actor or (user.user_id if user is not None else "anonymous")
        extra = {"organisation": user.organisation.org_id} if user is not None else {}
        owner = country or (user.organisation.country if user is not None else None)
        return AuditEvent(
            self.clock(), who, action, resource, outcome, reason, {**extra, **(details or {})}, owner
        )

    def _record(  # noqa: PLR0917 - one audit event's fields
        self,
        user: User | None,
        action: str,
        resource: str,
        outcome: Outcome = Outcome.ALLOWED,
        reason: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        country: str | None = None,
    ) -> None:
        self._append(
            self._event(user, action, resource, outcome, reason, details, actor=actor, country=country)
        )

    def _append(self, event: AuditEvent) -> None:
        """Append `event` to the audit log; returns once it is committed (in a batch: `AuditAppender`)."""
        self.audit_writer.append(event)

    def _hook(self, make: Callable[[Any], AuditEvent]) -> AuditHook[Any]:
        """An audit record appended in the same transaction as the write it describes."""
        return AuditHook(self.audit, make)

    def _allow(self, user: User, operation: str, resource: str) -> None:
        """Raise AccessDeniedError (audited) unless one of the user's roles may do `operation`."""
        needed = ROLES[operation]
        if user.roles & needed:
            return
        roles = " or ".join(sorted(r.value for r in needed))
        self._deny(user, operation, resource, f"role {roles} is needed")

    def _hidden(self, user: User, action: str, resource: str, reason: str, missing: NotFoundError) -> None:
        """Not the caller's to see: audited with the reason, answered exactly as if it did not exist."""
        self._record(user, action, resource, Outcome.DENIED, reason)
        raise missing

    def _deny(
        self, user: User, action: str, resource: str, reason: str, *, public: str | None = None
    ) -> None:
        """Audited with `reason`; the caller reads `public` (default: `reason`, which must then name no
        level, classification or other country's account)."""
        self._record(user, action, resource, Outcome.DENIED, reason)
        raise AccessDeniedError(
            "forbidden", f"{user.user_id} may not {action.replace('_', ' ')} {resource}: {public or reason}"
        )

    def _decided(
        self,
        user: User,
        decision: Decision,
        resource: str,
        *,
        missing: NotFoundError | None = None,
        public: str | None = None,
    ) -> None:
        """Audit a core decision; a denial is a 404 (`missing`) or a 403 saying `public`, never the reason."""
        self._append(event_for(decision, user, resource, self.clock()))
        if decision.allowed:
            return
        if missing is not None:
            raise missing
        why = public or "not allowed"
        action = decision.action.value
        raise AccessDeniedError("forbidden", f"{user.user_id} may not {action} {resource}: {why}")

    # -- authentication ----------------------------------------------------------------------------------

    def login(self, username: str | None, password: str | None, address: str | None = None) -> dict[str, Any]:
        """OAuth2 password grant: an opaque bearer token (stored hashed) that expires.

        Throttled per account and per client `address` (429 while locked, before any hashing), the same
        guard as the console's sign-in (which calls this) and the TAXII server's Basic authentication.
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
            self._record(None, "authenticate", "api:token", Outcome.DENIED, "wrong user name or password",
                         {"address": address or ""}, actor=who, country=country)  # fmt: skip
            raise UnauthenticatedError("unauthenticated", "wrong user name or password")
        if counted:
            self.guard.succeeded(name)
        token, expires = self.api.issue_access_token(account.user_id, self.config.token_ttl)
        self._record(account.user(), "authenticate", "api:token", reason="access token issued")
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.config.token_ttl.total_seconds()),
            "expires_at": expires.isoformat(),
        }

    def authenticate(self, bearer: str | None, api_key: str | None) -> User:
        """The user of a bearer token (access token or API key) or an `X-API-Key`; 401 otherwise."""
        user = self.tokens.verify(bearer, api_key)
        if user is None:
            what = "an expired or unknown token" if bearer or api_key else "no credentials"
            self._record(None, "authenticate", "api", Outcome.DENIED, what)
            raise UnauthenticatedError(
                "unauthenticated",
                "valid credentials are needed: Authorization: Bearer <token> (POST /api/v1/token) "
                "or X-API-Key: <key>",
            )
        return user

    def sign_out(self, user: User, token: str) -> None:
        """The console's sign-out, audited: the session's token is revoked on the server at once."""
        self.api.revoke_access_token(token)
        self.tokens.forget(token)
        self._record(user, "sign_out", "console")

    def revoke_token(self, user: User, token: str) -> dict[str, Any]:
        """Revoke one access token or API key: the caller's own, or (an administrator) one of a system
        account of its country. Anything else, unknown tokens included, revokes nothing and says the same
        (RFC 7009), so this cannot be used to test tokens."""
        if not token or len(token) > 512 or has_control_character(token):
            raise InputError("bad_token", "give the token to revoke (at most 512 characters)")
        access = token.startswith(ACCESS_TOKEN_PREFIX)
        owner = self.api.access_token_owner(token) if access else self.sharing.token_owner(token)
        mine = owner == user.user_id
        if owner is not None and not mine and Role.ADMIN in user.roles:
            account = self.sharing.account(owner)
            mine = account.country == user.organisation.country and account.kind == SYSTEM
        revoked = 0
        if owner is not None and mine:
            if access:
                self.api.revoke_access_token(token)
            else:
                self.sharing.revoke_token(token)
            self.tokens.forget(token)
            revoked = 1
        self._record(
            user, "revoke_token", f"user:{owner}" if revoked else "token",
            Outcome.ALLOWED if revoked else Outcome.DENIED,
            "token revoked" if revoked else "not a token of this account or of a system account it keys",
            {"on_behalf_of": owner} if revoked and owner != user.user_id else None,
        )  # fmt: skip
        return {"revoked": revoked}

    def sign_out_everywhere(self, user: User, user_id: str | None = None) -> dict[str, Any]:
        """Revoke every access token and API key of the caller, or (an administrator) of an account of
        its country: every session of that account ends at once."""
        target = user_id or user.user_id
        resource = f"user:{target}"
        if target != user.user_id:
            self._allow(user, "users_admin", resource)
            self._own_account(user, target, "sign_out_everywhere")
        revoked = self.api.revoke_access_tokens(target) + self.sharing.revoke_tokens(target)
        self.tokens.forget_user(target)
        self._record(
            user, "sign_out_everywhere", resource, reason=f"{revoked} tokens and keys revoked",
            details={"on_behalf_of": target} if target != user.user_id else None,
        )  # fmt: skip
        return {"revoked": revoked}

    # -- screening ---------------------------------------------------------------------------------------

    def _load_index(self) -> _Index:
        entities = self.store.load_entities()
        versions = [v.key for v in self.store.latest_versions()]
        matcher = build_matcher(entities, self.config.alert_threshold) if entities else None
        index = _Index(matcher, versions, self.clock())
        with self._index_lock:
            self._index = index
        log.info("api_matcher_loaded entities=%d versions=%s", len(entities), ",".join(versions))
        return index

    def matcher(self) -> Matcher:
        with self._index_lock:
            matcher = self._index.matcher
        if matcher is None:
            raise InputError(
                "no_lists", "no watchlist is loaded; import one (`cruce lists import`) and reload the lists"
            )
        return matcher

    def index_size(self) -> int:
        with self._index_lock:
            matcher = self._index.matcher
        return len(matcher) if matcher is not None else 0

    def reload_lists(self, user: User) -> dict[str, Any]:
        """Rebuild the matcher from the store's active versions (after an import)."""
        self._allow(user, "lists_reload", "lists")
        index = self._load_index()
        self._record(user, "reload", "lists", reason="matcher rebuilt", details={"versions": index.versions})
        return self._index_view(index)

    def _index_view(self, index: _Index) -> dict[str, Any]:
        return {
            "entities": len(index.matcher) if index.matcher is not None else 0,
            "versions": index.versions,
            "loaded_at": index.loaded_at.isoformat() if index.loaded_at else None,
        }

    def screen(self, user: User, fields: Mapping[str, Any], top: int = 5) -> dict[str, Any]:
        """Screen one person or company: ranked candidates with their evidence, and the alerts raised."""
        self._allow(user, "screen", "screen")
        query, matches = self._match(fields, top)
        return self._screened(user, query, matches)

    async def screen_async(self, user: User, fields: Mapping[str, Any], top: int = 5) -> dict[str, Any]:
        """`screen` for the API's event loop, with no thread hop on the common path: the matching runs in
        place (a fraction of a millisecond), the audit record joins the next group commit and is awaited.
        A refusal (audited) or a screening that raises alerts (a write transaction) runs in a thread."""
        if not user.roles & ROLES["screen"]:
            return await asyncio.to_thread(self.screen, user, fields, top)
        query, matches = self._match(fields, top)
        if any(m.alert for m in matches):
            return await asyncio.to_thread(self._screened, user, query, matches)
        view = _screen_view(query, matches, {})
        await self.audit_writer.append_async(self._screen_event(user, query, matches, {}, view))
        return view

    def _match(self, fields: Mapping[str, Any], top: int) -> tuple[Query, list[Match]]:
        if not 1 <= top <= 50:
            raise InputError("bad_top", "top must be 1 to 50")
        check_text(fields)
        query = make_query(
            str(fields.get("name") or ""), schema=fields.get("schema"), birth_date=fields.get("birth_date"),
            country=fields.get("country"), gender=fields.get("gender"), documents=fields.get("documents"),
            query_id=fields.get("id"),
        )  # fmt: skip
        return query, list(self.matcher().screen(query, top))

    def _screen_event(
        self,
        user: User,
        query: Query,
        matches: Sequence[Match],
        outcomes: Mapping[str, MatchOutcome],
        view: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        view = view if view is not None else _screen_view(query, matches, outcomes)
        return self._event(
            user, "screen", f"person:{query.name[:200]}",
            reason=f"{len(matches)} candidates, {len(view['alerts'])} alerts",
            details={"alerts": view["alerts"], "suppressed": view["suppressed"]},
        )  # fmt: skip

    def _screened(self, user: User, query: Query, matches: Sequence[Match]) -> dict[str, Any]:
        """Alerts raised (with their audit record) or the screening audited in a shared batch; the view."""

        def event(outcomes: Mapping[str, MatchOutcome]) -> AuditEvent:
            return self._screen_event(user, query, matches, outcomes)

        first = event({})  # validated before any alert is written: one that cannot be audited stops here
        outcomes = self.queue.raise_for_matches(
            query, matches, country=user.organisation.country, actor=user.user_id, source="screen",
            audit=self._hook(event),
        )  # fmt: skip
        if not any(o.alert_id for o in outcomes.values()):  # nothing written: audited in a shared batch
            self._append(event(outcomes) if outcomes else first)
        return _screen_view(query, matches, outcomes)

    def start_batch(self, user: User, data: bytes, top: int = 5) -> dict[str, Any]:
        """Check an uploaded CSV's header now, screen it in the background; the job reports progress."""
        self._allow(user, "screen_batch", "screen/batch")
        if not 1 <= top <= 50:
            raise InputError("bad_top", "top must be 1 to 50")
        if len(data) > self.config.max_upload_bytes:
            raise InputError("too_large", f"the file is over {self.config.max_upload_bytes:,} bytes")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                "bad_encoding", f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8"
            ) from exc
        bad = next((n for n, line in enumerate(text.splitlines(), 1) if has_control_character(line)), None)
        if bad is not None:
            raise InputError(
                "bad_character", f"line {bad} holds a control character (NUL, escape...); remove it"
            )
        header = _batch_header(text)
        self.matcher()
        # The input is on disk (synced) before the job exists: a server killed at any later instant leaves
        # a job another server can resume.
        job_id = new_job_id()
        source = self._batch_source(job_id)
        source.parent.mkdir(parents=True, exist_ok=True)
        _write_synced(source, text)
        self._hold(job_id, True)
        self.api.create_job(
            "screen_batch", user.user_id, user.organisation.country, {"top": top},
            job_id=job_id, worker=self.worker, lease=self.config.job_lease,
        )  # fmt: skip
        self._record(user, "screen_batch", job_id, reason=f"{len(data):,} bytes uploaded")
        self._jobs.submit(self._run_batch, job_id, user, source, header, top)
        return _job_view(self.api.job(job_id))

    def _run_batch(self, job_id: str, user: User, source: Path, header: list[str], top: int) -> None:
        try:
            self._screen_file(job_id, user, source, header, top)
        except LostJobError:  # another process holds it now and goes on with it
            log.info("job_lost job=%s worker=%s", job_id, self.worker)
        except Exception as exc:  # the job fails, the server goes on
            message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
            log.exception("job_failed job=%s", job_id)
            self._fail_job(job_id, message)
        finally:
            self._hold(job_id, False)

    def _screen_file(self, job_id: str, user: User, source: Path, header: list[str], top: int) -> None:
        """Screen the rows after the job's last committed chunk, one chunk per transaction (alerts, audit
        records, result lines and progress together), then assemble the results file from the chunks."""
        matcher = self.matcher()
        text = source.read_text(encoding="utf-8")
        rows = [(n, r) for n, r in enumerate(csv.reader(io.StringIO(text)), start=1) if n > 1 and any(r)]
        job = self.api.job(job_id)
        self.api.update_job(job_id, worker=self.worker, state="running", total=len(rows))
        country = user.organisation.country
        for start in range(job.done, len(rows), BATCH_CHUNK):
            if self._stopping.is_set():
                return  # released at close: the next server resumes from here
            chunk = rows[start : start + BATCH_CHUNK]
            good: list[Query] = []
            errors: list[dict[str, Any]] = []
            for line, raw in chunk:
                try:
                    good.append(_row_query(header, raw))
                except InputError as exc:
                    errors.append({"line": line, "error": exc.message})
            parts: list[ChunkRow] = []
            for screened in screen_queries(matcher, good, top=top, workers=1):
                plan = self.queue.plan_for_matches(
                    screened.query, screened.matches, country=country, actor=user.user_id,
                    source=f"batch:{job_id}",
                )  # fmt: skip
                parts.append(ChunkRow(plan.alerts, partial(self._batch_row, user, job_id, screened, plan)))
            counts = {"queries": len(good), "rejected": len(errors), "errors": errors}
            self.api.commit_chunk(
                job_id, self.worker, self.config.job_lease, start, len(chunk), parts, counts, self.audit
            )
        self._finish_batch(job_id, user, source, top)

    def _batch_row(
        self, user: User, job_id: str, screened: Any, plan: AlertPlan, raised: list[tuple[str, bool]]
    ) -> tuple[AuditEvent | None, str]:
        """One batch row's audit record (when it raised alerts, as a single screening's) and result lines."""
        outcomes = plan.outcomes_with(raised)
        out = io.StringIO()
        _write_candidates(csvsafe.writer(out), screened.query, screened.matches, outcomes)
        event = self._batch_event(user, job_id, screened.query, outcomes) if plan.to_raise else None
        return event, out.getvalue()

    def _finish_batch(self, job_id: str, user: User, source: Path, top: int) -> None:
        chunks = self.api.job_chunks(job_id)
        result = source.with_name(source.stem + ".results.csv")
        header = io.StringIO()
        csvsafe.writer(header).writerow([*BATCH_OUTPUT_COLUMNS, "alert_id"])
        _write_synced(result, header.getvalue() + "".join(c[2] for c in chunks), newline="")
        queries = sum(int(c[3].get("queries", 0)) for c in chunks)
        alerts = sum(int(c[3].get("alerts", 0)) for c in chunks)
        rejected = sum(int(c[3].get("rejected", 0)) for c in chunks)
        errors = [e for c in chunks for e in c[3].get("errors", ())][:100]
        summary = {"top": top, "queries": queries, "rejected": rejected, "alerts": alerts, "errors": errors}
        done = self._event(user, "screen_batch_done", job_id, reason=f"{queries} screened, {alerts} alerts")
        self.api.finish_job(job_id, self.worker, summary, str(result), done)

    def _batch_event(
        self, user: User, job_id: str, query: Query, found: Mapping[str, MatchOutcome]
    ) -> AuditEvent:
        """The audit record of the alerts one batch row raised, committed with them."""
        alerts = sorted({o.alert_id for o in found.values() if o.alert_id})
        row = f"batch row {query.id or ''}"[:200]
        return self._event(user, "raise_alerts", job_id, reason=row, details={"alerts": alerts})

    def job(self, user: User, job_id: str) -> dict[str, Any]:
        return _job_view(self._own_job(user, job_id))

    def job_results(self, user: User, job_id: str) -> Path:
        job = self._own_job(user, job_id)
        if job.state != "done" or not job.result_path:
            raise ConflictError("job_not_done", f"job {job_id} is {job.state}; results come when it is done")
        path = Path(job.result_path)
        if not path.is_file():
            raise NotFoundError("results_gone", f"the results of {job_id} are no longer on this server")
        return path

    def jobs(self, user: User, cursor: str | None, limit: int) -> dict[str, Any]:
        self._allow(user, "jobs", "jobs")
        found, more = self.api.jobs_page(
            user.user_id, after=decode_cursor(cursor, int), limit=check_limit(limit)
        )
        return page_view([_job_view(j) for j in found], more, found[-1].seq if found else None)

    def _own_job(self, user: User, job_id: str) -> JobRecord:
        self._allow(user, "jobs", job_id)
        job = self.api.job(job_id)
        if job.owner != user.user_id:
            self._hidden(user, "read", job_id, f"the job is {job.owner}'s; a job is its owner's alone",
                         NotFoundError("job_not_found", f"no job {job_id!r}"))  # fmt: skip
        self._record(user, "read", job_id)
        return job

    # -- lists -------------------------------------------------------------------------------------------

    def lists(self, user: User, cursor: str | None, limit: int) -> dict[str, Any]:
        self._allow(user, "lists_read", "lists")
        active = {v.list_id: v for v in self.store.latest_versions()}
        items = [
            {"list_id": w.id, "title": w.title, "publisher": w.publisher, "format": w.format, "url": w.url,
             "active_version": _version_view(active[w.id]) if w.id in active else None}
            for w in self.store.watchlists()
        ]  # fmt: skip
        page, more, last = _key_page(items, lambda i: str(i["list_id"]), cursor, check_limit(limit))
        self._record(user, "read", "lists", details={"count": len(page)})
        with self._index_lock:
            index = self._index
        return {**page_view(page, more, last), "screening": self._index_view(index)}

    def versions(self, user: User, list_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
        self._allow(user, "lists_read", f"lists/{list_id}")
        found = self.store.list_versions(list_id)
        if not found:
            raise NotFoundError("list_not_found", f"no list {list_id!r} was ever imported")
        after = decode_cursor(cursor, int)
        rest = [v for v in found if after is None or v.version > after]
        page = rest[: check_limit(limit)]
        self._record(user, "read", f"lists/{list_id}/versions", details={"count": len(page)})
        return page_view(
            [_version_view(v) for v in page], len(rest) > limit, page[-1].version if page else None
        )

    # -- alerts ------------------------------------------------------------------------------------------

    def alerts(
        self, user: User, cursor: str | None, limit: int, *, state: str | None, assignee: str | None
    ) -> dict[str, Any]:
        self._allow(user, "alerts_read", "alerts")
        found, more = self.api.alerts_page(
            user.organisation.country, after=decode_cursor(cursor, int), limit=check_limit(limit),
            state=state, assignee=assignee,
        )  # fmt: skip
        self._record(user, "read", "alerts", details={"count": len(found)})
        return page_view([_alert_view(a) for a in found], more, found[-1].seq if found else None)

    def _alert(self, user: User, alert_id: str, operation: str) -> AlertRecord:
        self._allow(user, operation, alert_id)
        alert = self.api.alert(alert_id)
        if alert.country != user.organisation.country:
            self._hidden(
                user, operation, alert_id, f"the alert is {alert.country}'s; alerts are their country's",
                NotFoundError("alert_not_found", f"no alert {alert_id!r}"),
            )  # fmt: skip
        return alert

    def alert(self, user: User, alert_id: str) -> dict[str, Any]:
        alert = self._alert(user, alert_id, "alerts_read")
        self._record(user, "read", alert_id)
        return _alert_view(alert)

    def alert_history(self, user: User, alert_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
        self._alert(user, alert_id, "alerts_read")
        events = self.api.events(alert_id, after=decode_cursor(cursor, int), limit=check_limit(limit) + 1)
        page = events[:limit]
        self._record(user, "read", f"{alert_id}/history")
        return page_view([_event_view(e) for e in page], len(events) > limit, page[-1].seq if page else None)

    def assign(self, user: User, alert_id: str, assignee: str | None) -> dict[str, Any]:
        alert = self._alert(user, alert_id, "alerts_work")
        if assignee is not None:
            check_text({"assignee": assignee})
            try:
                account: Account | None = self.sharing.account(assignee)
            except NotFoundError:
                account = None
            if account is None or account.country != alert.country or Role.ANALYST not in account.roles:
                # The same answer for an unknown account and another country's: neither is named.
                raise InputError("bad_assignee", f"no {alert.country} analyst {assignee!r} to assign to")
        event = self.queue.assign(
            alert, user.user_id, assignee,
            audit=self._hook(
                lambda _e: self._event(user, "assign", alert_id, details={"assignee": assignee})
            ),
        )  # fmt: skip
        return _event_view(event)

    def comment(self, user: User, alert_id: str, text: str) -> dict[str, Any]:
        alert = self._alert(user, alert_id, "alerts_work")
        check_text({"text": text})
        event = self.queue.comment(
            alert, user.user_id, text,
            audit=self._hook(lambda e: self._event(user, "comment", alert_id, details={"event": e.seq})),
        )  # fmt: skip
        return _event_view(event)

    def decide(self, user: User, alert_id: str, state: str, note: str | None) -> dict[str, Any]:
        alert = self._alert(user, alert_id, "alerts_work")
        check_text({"state": state, "note": note})
        event = self.queue.decide(
            alert, user.user_id, state, note,
            audit=self._hook(
                lambda _e: self._event(user, "decide", alert_id, reason=f"{alert.state} -> {state}")
            ),
        )  # fmt: skip
        return _event_view(event)

    # -- products ----------------------------------------------------------------------------------------

    def create_product(self, user: User, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a marked product written by an analyst of the owner country, cleared to its banner.

        Two decisions, both audited: `may_create` (the product's author) and `may_write`, the one release
        decision every door calls: content that reaches beyond the writer's country (a REL TO partner, or
        unclassified text nobody controls) needs a releasing officer.
        """
        check_text(fields)
        product = _product(fields, user.user_id)
        resource = f"product:{product.product_id}"
        decision = may_create(user, product)
        if decision.allowed:
            decision = may_write_parts(  # each portion on its own: a tear line serves it alone
                user, [(p.marking,) for p in product.all_portions], author=product.author,
                what=f"product {product.product_id}",
            )  # fmt: skip
        self._decided(user, decision, resource, public=_write_refusal(user, product, decision))
        if self.sharing.product(product.product_id) is not None:
            raise ConflictError("product_exists", f"product {product.product_id} exists already")
        at = self.clock()
        bundle = export_product(product, created=at).serialize()
        self.sharing.save_product(product.product_id, product.owner, bundle, user.user_id, at)
        return _product_view(product, "full")

    def _readable(self, user: User, product_id: str) -> tuple[Product, Decision]:
        """The product and the caller's read decision; a product the caller may not read is missing."""
        resource = f"product:{product_id}"
        self._allow(user, "products_list", resource)  # the same 403 whether or not it exists
        missing = NotFoundError("product_not_found", f"no product {product_id!r}")
        stored = self.sharing.product(product_id)
        if stored is None:
            self._record(user, "read", resource, Outcome.DENIED, "no such product")
            raise missing
        product = _first_product(stored[0], product_id)
        decision = may_read(user, product)
        self._decided(user, decision, resource, missing=missing)
        assert decision.version is not None
        return product, decision

    def product(self, user: User, product_id: str) -> dict[str, Any]:
        """The whole product for the owner country, the caller's tear-line version for a partner."""
        _product_read, decision = self._readable(user, product_id)
        assert decision.version is not None
        return _content_view(decision.version)

    def products(self, user: User, cursor: str | None, limit: int) -> dict[str, Any]:
        """Products the caller may read, each as they may read it, `limit` of them per page.

        Unreadable products are skipped while the page is built (the store is read in batches until the
        page is full), so `next` is the id of the last product on the page: never one the caller cannot see.
        """
        self._allow(user, "products_list", "products")
        after = decode_cursor(cursor, str)
        wanted = check_limit(limit)
        items: list[dict[str, Any]] = []
        more = False
        scan = after
        while not more:
            found, rest = self.api.products_page(after=scan, limit=max(wanted, 100))
            for entry in found:
                decision = may_read(user, _first_product(entry.bundle, entry.product_id))
                if not decision.allowed or decision.version is None:
                    continue
                if len(items) == wanted:
                    more = True
                    break
                view = _content_view(decision.version)
                items.append({k: view[k] for k in ("product_id", "kind", "owner", "view", "banner", "title")})
            if not rest or not found:
                break
            scan = found[-1].product_id
        self._record(user, "read", "products", details={"count": len(items)})
        return page_view(items, more, items[-1]["product_id"] if items else None)

    def product_with_tear_lines(self, user: User, product_id: str, partners: Sequence[str]) -> dict[str, Any]:
        """`product`, plus each partner's tear line when the caller reads the whole product (the console).

        Whoever may read the whole product may see any part of it, so the partners' versions reveal
        nothing more; a partner reader gets only their own version, exactly as `product` gives it.
        """
        product, decision = self._readable(user, product_id)
        assert decision.version is not None
        versions: dict[str, Any] = {}
        if isinstance(decision.version, Product):
            versions = {p: _content_view(tear_line(product, p)) for p in partners if p != product.owner}
        return {"product": _content_view(decision.version), "tear_lines": versions}

    def draft_product(self, user: User, fields: Mapping[str, Any], partners: Sequence[str]) -> dict[str, Any]:
        """The banner and partners' tear lines of a product being written (the editor's live preview).

        Built exactly as `create_product` builds it, so the preview and the stored product cannot differ.
        Nothing is stored or read, so an allowed preview is not audited (it runs on every keystroke).
        """
        self._allow(user, "products_draft", "products/draft")
        check_text(fields)
        product = _product(fields, user.user_id)
        decision = may_create(user, product)
        if decision.allowed:
            decision = may_write_parts(
                user, [(p.marking,) for p in product.all_portions], author=product.author
            )
        return {
            "banner": str(product.banner),
            "tear_lines": {p: _content_view(tear_line(product, p)) for p in partners if p != product.owner},
            "refusal": None if decision.allowed else _write_refusal(user, product, decision),
        }

    # -- audit -------------------------------------------------------------------------------------------

    def audit_records(self, user: User, cursor: str | None, limit: int, actor: str | None) -> dict[str, Any]:
        self._decided(user, may_audit(user), "audit", public=_AUDIT_ONLY)
        records = self.audit.records(
            decode_cursor(cursor, int), check_limit(limit) + 1, actor=actor, country=user.organisation.country
        )
        page = records[:limit]
        return page_view(
            [_record_view(r) for r in page], len(records) > limit, page[-1].seq if page else None
        )

    def audit_latest(self, user: User, limit: int, actor: str | None) -> list[dict[str, Any]]:
        """The newest records, newest first: what an auditor looks at first in the console."""
        self._decided(user, may_audit(user), "audit", public=_AUDIT_ONLY)
        latest = self.audit.latest(check_limit(limit), actor=actor, country=user.organisation.country)
        return [_record_view(r) for r in reversed(latest)]

    def audit_verify(self, user: User) -> dict[str, Any]:
        self._decided(user, may_audit(user), "audit/verify", public=_AUDIT_ONLY)
        result = self.audit.verify()
        return {
            "ok": result.ok,
            "checked": result.checked,
            "head": {"seq": result.head.seq, "hash": result.head.hash},
            "problems": [{"seq": p.seq, "problem": p.problem} for p in result.problems],
        }

    # -- users -------------------------------------------------------------------------------------------

    def me(self, user: User) -> dict[str, Any]:
        return _user_view(self.sharing.account(user.user_id))

    def users(self, user: User, cursor: str | None, limit: int) -> dict[str, Any]:
        self._allow(user, "users_admin", "users")
        mine = [a for a in self.sharing.accounts() if a.country == user.organisation.country]
        page, more, last = _key_page(mine, lambda a: str(a.user_id), cursor, check_limit(limit))
        self._record(user, "read", "users", details={"count": len(page)})
        return page_view([_user_view(a) for a in page], more, last)

    def create_user(self, user: User, fields: Mapping[str, Any]) -> dict[str, Any]:
        """An administrator adds an account of their own country, within the administrator's limits.

        Limits: the administrator's own country only; a clearance no higher than its own (an
        administrator cannot mint access it does not hold); no conflicting duties on one account
        (`cruce.sharing.access.role_conflict`: administration with audit or release, audit with release);
        and system accounts (the only kind that gets API keys) never administer or audit. Audited with the
        administrator as actor and the new account as on-behalf-of.
        """
        self._allow(user, "users_admin", "users")
        check_text(fields)
        user_id = str(fields["user_id"])
        resource = f"user:{user_id}"
        country = str(fields["country"]).strip().upper()
        own = user.organisation.country
        if country != own:
            self._deny(user, "users_admin", resource, f"{own} administrators create {own} users")
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
            self._deny(user, "users_admin", resource, conflict)
        if clearance > user.clearance:
            self._deny(
                user, "users_admin", resource,
                f"clearance {clearance.banner} is above the administrator's {user.clearance.banner}",
                public="an administrator grants at most its own clearance",
            )  # fmt: skip
        created = self._event(
            user, "create", resource, reason=f"{kind} account created",
            details={"on_behalf_of": user_id, "roles": sorted(r.value for r in roles),
                     "clearance": clearance.abbreviation, "kind": kind},
        )  # fmt: skip
        account = self.sharing.add_account(
            user_id, organisation=str(fields["organisation"]), country=country,
            clearance=clearance, roles=sorted(roles), nationality=fields.get("nationality"),
            password=password, kind=kind,
        )  # fmt: skip
        self._append(created)
        return _user_view(account)

    def _own_account(self, user: User, user_id: str, action: str) -> Account:
        """An account of the administrator's country; any other (or none) is missing, alike."""
        missing = NotFoundError("account_not_found", f"no account {user_id!r}")
        try:
            account = self.sharing.account(user_id)
        except NotFoundError:
            self._hidden(user, action, f"user:{user_id}", "no such account", missing)
            raise
        if account.country != user.organisation.country:
            self._hidden(user, action, f"user:{user_id}", f"the account is {account.country}'s", missing)
        return account

    def issue_api_key(self, user: User, user_id: str) -> dict[str, Any]:
        """An API key for a system account of the administrator's country, shown once (kept as its sha256).

        People never get API keys (they sign in, throttled, and their sessions expire); nor does a system
        account cleared above the administrator, or one that administers or audits.
        """
        self._allow(user, "users_admin", f"user:{user_id}")
        resource = f"user:{user_id}"
        account = self._own_account(user, user_id, "issue_key")
        if account.kind != SYSTEM:
            self._deny(
                user, "issue_key", resource, "API keys are for system accounts; people sign in instead"
            )
        if account.clearance > user.clearance:
            self._deny(
                user, "issue_key", resource,
                f"the account is cleared {account.clearance.banner}, above the administrator's "
                f"{user.clearance.banner}",
                public="an administrator keys no account cleared above itself",
            )  # fmt: skip
        if account.roles & {Role.ADMIN, Role.AUDITOR}:
            self._deny(user, "issue_key", resource, "accounts that administer or audit get no API keys")
        issued = self._event(user, "issue_key", resource, details={"on_behalf_of": user_id})
        key = self.sharing.issue_token(user_id)
        self._append(issued)
        return {"user_id": user_id, "api_key": key}

    # -- crossings and lanes -----------------------------------------------------------------------------

    def ports(self, user: User, cursor: str | None, limit: int) -> dict[str, Any]:
        from cruce.scoring.ports import load_ports

        self._allow(user, "ports", "ports")
        ports = [
            {"code": p.code, "name": p.name, "state": p.state, "border": p.border, "timezone": p.timezone,
             "crossings_per_day": round(p.crossings_per_day, 1)}
            for p in load_ports().ports
        ]  # fmt: skip
        page, more, last = _key_page(ports, lambda p: str(p["code"]), cursor, check_limit(limit))
        return page_view(page, more, last)

    def simulate(self, user: User, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Start a simulated day at a port (screened, scored, routed); each secondary referral is an alert."""
        from cruce.scoring.ports import find_port

        self._allow(user, "simulate", "crossings/simulations")
        require("risk")  # the crossing model; fail here, not in the job thread
        require("synthetic")
        port = find_port(str(fields["port"]))
        scale = float(fields.get("scale") or 0.01)
        if not 0 < scale <= 0.1:
            raise InputError("bad_scale", "scale must be above 0 and at most 0.1 through the API")
        day = fields.get("day") or date(2025, 6, 4)
        seed = int(fields.get("seed") or 7)
        job_id = new_job_id()
        self._hold(job_id, True)  # its lease is renewed while it runs; a dead server's is failed, not resumed
        job = self.api.create_job(
            "simulation", user.user_id, user.organisation.country,
            {"port": port.code, "day": day.isoformat(), "seed": seed, "scale": scale},
            job_id=job_id, worker=self.worker, lease=self.config.job_lease,
        )  # fmt: skip
        self._record(user, "simulate", job.job_id, details={"port": port.code})
        self._jobs.submit(self._run_simulation, job.job_id, user, port.code, day, seed, scale)
        return _job_view(self.api.job(job.job_id))

    def _run_simulation(  # noqa: PLR0917
        self, job_id: str, user: User, port: str, day: date, seed: int, scale: float
    ) -> None:
        from cruce.scoring.lanes import Lane
        from cruce.service.simulate import SimulationOptions, run_simulation

        try:
            self.api.update_job(job_id, state="running")
            report = run_simulation(
                SimulationOptions(port=port, day=day, seed=seed, scale=scale, list_size=500)
            )
            self.api.update_job(job_id, total=report.crossings)
            lanes: dict[str, int] = {}
            referrals = 0
            recent: list[dict[str, Any]] = []
            for done, record in enumerate(report.records, start=1):
                decision = record.decision
                lanes[decision.lane.value] = lanes.get(decision.lane.value, 0) + 1
                if decision.lane is Lane.SECONDARY:
                    crossing = record.crossing
                    alert_id, new = self.queue.raise_referral(
                        country=user.organisation.country, actor=user.user_id, source=f"simulation:{job_id}",
                        audit=self._hook(lambda got: self._event(
                            user, "raise_alerts", job_id, reason="secondary referral",
                            details={"alerts": [got[0][0]] if got else []},
                        )),
                        crossing={"crossing_id": crossing.id, "port": crossing.port_code,
                                  "arrived_at": crossing.arrived_at.isoformat(), "mode": crossing.mode.value,
                                  "persons": len(crossing.travelers), "cause": decision.cause.value},
                        reasons=[*decision.reasons, *record.assessment.reasons], score=decision.score,
                    )  # fmt: skip
                    referrals += new
                    recent = [*recent[-(RECENT_REFERRALS - 1):], {
                        "alert_id": alert_id, "crossing_id": crossing.id, "cause": decision.cause.value,
                        "arrived_at": crossing.arrived_at.isoformat(), "score": round(decision.score, 4),
                    }]  # fmt: skip
                if done % 500 == 0:
                    self.api.update_job(job_id, done=done)
            summary = {"port": port, "day": day.isoformat(), "seed": seed, "scale": scale,
                       "crossings": report.crossings, "lanes": lanes,
                       "referral_alerts": referrals,
                       "budget_per_hour": report.budget_per_hour, "hours": _hours_view(report.hours),
                       "recent_referrals": recent[::-1]}  # fmt: skip
            self.api.update_job(job_id, state="done", done=report.crossings, summary=summary)
        except Exception as exc:  # the job fails, the server goes on
            message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
            log.exception("job_failed job=%s", job_id)
            self.api.update_job(job_id, state="failed", error=message)
        finally:
            self._hold(job_id, False)


def _write_synced(path: Path, text: str, *, newline: str | None = None) -> None:
    """Write `text` to `path` whole: a temporary file, fsynced, renamed over it."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline=newline) as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


# -- parsing -----------------------------------------------------------------------------------------------


def _batch_header(text: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text)), None)
    except csv.Error as exc:
        raise InputError("bad_csv", f"line 1: {exc}") from exc
    header = [c.strip().lower() for c in first or []]
    missing = [c for c in ("id", "name") if c not in header]
    if missing:
        raise InputError(
            "missing_column",
            f"the header needs id and name (missing {', '.join(missing)}); "
            "columns: id,name,schema,birth_date,country,gender,documents",
        )
    return header


def _row_query(header: list[str], raw: list[str]) -> Query:
    if len(raw) > len(header):
        raise InputError("bad_row", f"{len(raw)} values but the header has {len(header)} columns")
    row = dict(zip(header, raw, strict=False))
    return make_query(
        row.get("name", ""), schema=row.get("schema") or None, birth_date=row.get("birth_date") or None,
        country=row.get("country") or None, query_id=row.get("id", "").strip(),
        gender=row.get("gender") or None, documents=row.get("documents") or None,
    )  # fmt: skip


def _write_candidates(
    writer: Any, query: Query, matches: Sequence[Match], outcomes: Mapping[str, Any]
) -> None:
    if not matches:
        writer.writerow([query.id or "", 0, "", "0.0000", "false", "", "no candidate", ""])
    for rank, m in enumerate(matches, start=1):
        outcome = outcomes.get(m.entity_id)
        alert = m.alert and (outcome is None or outcome.suppressed_by is None)
        writer.writerow(
            [query.id or "", rank, m.entity_id, f"{m.score:.4f}", "true" if alert else "false",
             m.matched_name, m.reasons(), (outcome.alert_id or "") if outcome is not None else ""]
        )  # fmt: skip


def _portion(value: Any, what: str, owner: str) -> Portion:
    """One portion of a product written by `owner`: its REL TO lists start with that country."""
    if not isinstance(value, Mapping):
        raise InputError("bad_portion", f"{what} must be an object with text and marking")
    text = str(value.get("text") or "").strip()
    if not text:
        raise InputError("bad_portion", f"{what} needs some text")
    return Portion(text, Marking.parse(str(value.get("marking") or ""), owner=owner))


def _product(fields: Mapping[str, Any], author: str) -> Product:
    product_id = str(fields["product_id"]).strip()
    if not product_id or len(product_id) > 200 or "\x00" in product_id:
        raise InputError("bad_product_id", "a product id is 1 to 200 characters")
    summary = fields.get("tearline_summary")
    try:
        kind = ProductKind(fields.get("kind") or ProductKind.INTELLIGENCE_REPORT)
    except ValueError as exc:
        raise InputError("bad_kind", f"kind is one of {', '.join(k.value for k in ProductKind)}") from exc
    owner = str(fields["owner"]).strip().upper()
    if not is_country_trigraph(owner):
        raise InputError("bad_owner", f"owner {owner!r} is not an ISO 3166 country trigraph")
    return Product(
        product_id, kind, owner, _portion(fields.get("title"), "title", owner),
        tuple(_portion(p, f"portion {i}", owner) for i, p in enumerate(fields.get("portions") or (), 1)),
        _portion(summary, "tearline_summary", owner) if summary is not None else None, author=author,
    )  # fmt: skip


def _first_product(bundle: str, product_id: str) -> Product:
    products = [p for p in import_bundle(bundle) if p.product_id == product_id] or import_bundle(bundle)
    if not products:  # pragma: no cover - cruce stored it from a product
        raise NotFoundError("product_not_found", f"product {product_id} cannot be read back")
    return products[0]


# -- views -------------------------------------------------------------------------------------------------


def _screen_view(query: Query, matches: Sequence[Match], outcomes: Mapping[str, Any]) -> dict[str, Any]:
    candidates = []
    for rank, m in enumerate(matches, start=1):
        outcome = outcomes.get(m.entity_id)
        suppressed = outcome.suppressed_by if outcome is not None else None
        candidates.append(
            {"rank": rank, "entity_id": m.entity_id, "caption": m.entity.caption,
             "schema": m.entity.schema.value,
             "list_id": m.entity.list_id, "score": round(m.score, 4), "alert": m.alert and suppressed is None,
             "matched_name": m.matched_name, "reasons": m.reasons(), "features": feature_views(m),
             "alert_id": outcome.alert_id if outcome is not None else None, "suppressed_by": suppressed}
        )  # fmt: skip
    return {
        "query": person_view(query),
        "candidates": candidates,
        "alerts": sorted({c["alert_id"] for c in candidates if c["alert_id"]}),
        "suppressed": sorted({c["suppressed_by"] for c in candidates if c["suppressed_by"]}),
    }


def _version_view(v: VersionInfo) -> dict[str, Any]:
    return {
        "list_id": v.list_id, "version": v.version, "key": v.key, "imported_at": v.imported_at.isoformat(),
        "entity_count": v.entity_count, "skipped_count": v.skipped_count, "status": v.status.value,
        "active": v.active, "source_files": [{"name": f.name, "sha256": f.sha256} for f in v.source_files],
    }  # fmt: skip


def _alert_view(a: AlertRecord) -> dict[str, Any]:
    return {
        "alert_id": a.alert_id, "kind": a.kind, "country": a.country, "state": a.state,
        "assignee": a.assignee,
        "person": a.person, "entity_id": a.entity_id, "entity_caption": a.entity_caption,
        "score": round(a.score, 4), "features": a.features, "source": a.source, "created_by": a.created_by,
        "created_at": a.created_at.isoformat(), "updated_at": a.updated_at.isoformat(),
    }  # fmt: skip


def _event_view(e: AlertEvent) -> dict[str, Any]:
    return {"seq": e.seq, "alert_id": e.alert_id, "at": e.at.isoformat(), "actor": e.actor, "kind": e.kind,
            "state": e.state, "text": e.text, "details": e.details}  # fmt: skip


def _hours_view(hours: Sequence[Any]) -> list[dict[str, Any]]:
    """Budget use per hour of a simulated day (`cruce.scoring.lanes.HourUsage`), as plain JSON."""
    return [
        {"start": h.start.isoformat(), "budget": h.budget, "arrivals": h.arrivals, "secondary": h.secondary,
         "alerts": h.alerts, "targeted": h.targeted, "audits": h.audits, "expedited": h.expedited}
        for h in hours
    ]  # fmt: skip


def _job_view(j: JobRecord) -> dict[str, Any]:
    return {
        "job_id": j.job_id, "kind": j.kind, "state": j.state, "total": j.total, "done": j.done,
        "progress": round(j.done / j.total, 4) if j.total else (1.0 if j.state == "done" else 0.0),
        "created_at": j.created_at.isoformat(),
        "finished_at": j.finished_at.isoformat() if j.finished_at else None, "error": j.error,
        "summary": j.summary,
        "results": f"/api/v1/jobs/{j.job_id}/results" if j.state == "done" and j.result_path else None,
    }  # fmt: skip


def _portion_view(p: Portion | None) -> dict[str, Any] | None:
    return {"text": p.text, "marking": str(p.marking), "portion_mark": p.marking.portion} if p else None


def _product_view(p: Product, view: str) -> dict[str, Any]:
    return {
        "product_id": p.product_id, "kind": p.kind.value, "owner": p.owner, "view": view, "partner": None,
        "banner": str(p.banner), "title": _portion_view(p.title),
        "portions": [_portion_view(x) for x in p.portions],
        "tearline_summary": _portion_view(p.tearline_summary),
        "withheld": 0, "author": p.author,
    }  # fmt: skip


def _content_view(content: Product | TearLineVersion) -> dict[str, Any]:
    if isinstance(content, Product):
        return _product_view(content, "full")
    return {
        "product_id": content.product_id, "kind": content.kind.value, "owner": None, "view": "tear-line",
        "partner": content.partner, "banner": str(content.banner) if content.banner else None,
        "title": _portion_view(content.title), "portions": [_portion_view(x) for x in content.portions],
        "tearline_summary": _portion_view(content.summary), "withheld": content.withheld, "author": None,
    }  # fmt: skip


def _record_view(r: AuditRecord) -> dict[str, Any]:
    return {"seq": r.seq, **r.event.to_dict(), "prev_hash": r.prev_hash, "hash": r.hash}


def _user_view(a: Account) -> dict[str, Any]:
    return {"user_id": a.user_id, "organisation": a.organisation, "country": a.country,
            "nationality": a.nationality, "clearance": a.clearance.abbreviation,
            "roles": sorted(r.value for r in a.roles), "kind": a.kind}  # fmt: skip
