"""Sharing use cases: publish a product to a TAXII collection, serve collections, sync with partner nodes.

Publishing. The full product is kept whole (`share_products`, as its STIX bundle) and its STIX objects go
into the collection; so does, for each partner the releasing officer may release it to, that partner's
tear-line version, as a report of its own id (derived from the product id and the partner, and carrying
`x_cruce_partner`). Each stored object's releasability is computed from its own markings, never from which
partner it was made for: the full report of a product with a NOFORN portion is releasable to its owner only,
MEX's version to whoever every one of its remaining markings releases it to. So enforcement needs no
knowledge of tear lines, and a version made for MEX that is also releasable to CAN is rightly served to CAN.
Publishing the same product again is a no-op (same objects, same versions); a changed product gets a new
`modified`, i.e. new versions of its reports.

Serving (`TaxiiService`). Every call is made for an authenticated account and checked against the
collection's permissions; every read, write and denial is appended to the audit log. Reads are filtered in
the query by the account's countries and clearance (`cruce.storage.sharing.Reader`).

Sync. `pull` reads a remote collection page by page (`match[version]=all`, following `next`) and stores
each page's objects together with the cursor (the page's `X-TAXII-Date-Added-Last`) in one transaction;
a new run starts from `added_after=<cursor>`. cruce servers give strictly increasing `date_added` in commit
order (see `cruce.storage.sharing`), so the cursor loses nothing; a page re-read after a crash adds nothing,
since (collection, id, version) is unique. `push` sends the local objects releasable to the partner's
country, after a local (date_added, seq) cursor moved only once the remote confirms every object.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Connection

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError, InputError, NotFoundError
from cruce.core.markings import ALL, is_country_trigraph
from cruce.service.signin import SignInGuard, ThrottlePolicy
from cruce.sharing.access import READING_ROLES, Role, User, may_read, may_release
from cruce.sharing.audit import AuditEvent, Outcome, event_for
from cruce.sharing.exchange import (
    UNKNOWN_ORIGIN,
    ObjectFilter,
    ObjectInfo,
    PagePosition,
    VersionPick,
    parse_timestamp,
    stix_timestamp,
)
from cruce.sharing.products import Product
from cruce.sharing.release import may_write, may_write_parts
from cruce.sharing.stix import NAMESPACE, export_product, identity_country, import_bundle
from cruce.storage.audit import AuditLog
from cruce.storage.credentials import PasswordHasher
from cruce.storage.products import ProductStore, save_product_on
from cruce.storage.sharing import (
    Account,
    AddResult,
    Collection,
    CursorUpdate,
    Page,
    Reader,
    SharingStore,
    StoredObject,
)
from cruce.storage.signin import SignInStore
from cruce.storage.store import Store

log = logging.getLogger(__name__)

TAXII_MEDIA = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"
WRITING_ROLES = frozenset({Role.ANALYST, Role.RELEASING_OFFICER})


class UnauthenticatedError(CruceError):
    """No credentials, or wrong ones (HTTP 401)."""


class ForbiddenError(CruceError):
    """Authenticated, but not allowed (HTTP 403)."""


class SyncError(CruceError):
    """A sync stopped; what was committed before stays, and a rerun resumes from there."""


# -- publishing ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishResult:
    product_id: str
    released_to: tuple[str, ...]
    denied: dict[str, str]
    added: int
    present: int


def partner_report_id(product_id: str, partner: str) -> str:
    """The STIX id of a partner's tear-line report: distinct from the full report and other partners'."""
    return f"report--{uuid.uuid5(NAMESPACE, f'{product_id}|tear-line|{partner}')}"


def default_partners(product: Product) -> list[str]:
    """Every country some portion names in its REL TO, except the owner."""
    found: set[str] = set()
    for portion in product.all_portions:
        found |= set(portion.marking.releasable_to)
    return sorted(found - {ALL, product.owner})


def publish(
    store: SharingStore,
    audit: AuditLog,
    account: Account,
    collection_id: str,
    product: Product,
    *,
    partners: Sequence[str] | None = None,
    clock: Clock = utc_now,
) -> PublishResult:
    """Store `product` whole, its objects and each allowed partner's tear-line version, in a collection."""
    store.collection(collection_id)
    user = account.user()
    resource = f"product:{product.product_id}"
    reason = _publish_refusal(store, account, collection_id, product)
    if reason is None:  # the one release decision, on every marking the product carries
        decision = may_write_parts(  # each portion on its own: a tear line serves it alone
            user, [(p.marking,) for p in product.all_portions], what=f"product {product.product_id}"
        )
        reason = None if decision.allowed else decision.reason
    if reason is not None:
        _record(audit, clock, account, "publish", resource, Outcome.DENIED, reason)
        raise ForbiddenError(
            "publish_denied", f"{account.user_id} may not publish {product.product_id}: {reason}"
        )
    stored = ProductStore(store.engine).get(product.product_id)
    at = clock()
    if stored is not None and export_product(product, created=stored[1]).serialize() == stored[0]:
        at = stored[1]
    full = export_product(product, created=at)
    objects: list[dict[str, Any]] = [json.loads(o.serialize()) for o in full.objects]
    released: list[str] = []
    denied: dict[str, str] = {}
    events: list[AuditEvent] = []  # committed with the objects: a publish is all there, or not at all
    for partner in partners if partners is not None else default_partners(product):
        release = may_release(user, product, partner)
        events.append(event_for(release, user, resource, clock(), {"partner": partner.upper()}))
        if not release.allowed or release.version is None or isinstance(release.version, Product):
            denied[partner.upper()] = release.reason
            continue
        try:
            bundle = export_product(release.version, created=at)
        except InputError as exc:  # only a title would go: nothing worth a report
            denied[partner.upper()] = exc.message
            continue
        code = release.version.partner
        for obj in bundle.objects:
            data = json.loads(obj.serialize())
            if data["type"] == "report":
                data["id"] = partner_report_id(product.product_id, code)
                data["x_cruce_partner"] = code  # marked like the metadata: with the version's banner
                for entry in data["granular_markings"]:
                    if "x_cruce_product_id" in entry["selectors"]:
                        entry["selectors"].append("x_cruce_partner")
            objects.append(data)
        released.append(code)

    def keep(conn: Connection, stored: AddResult) -> None:
        """In the objects' transaction: the full product and the audit records of the publish."""
        if stored.failures:  # pragma: no cover - cruce's own export always has readable markings
            raise InputError("publish_failed", f"{stored.failures[0][0]}: {stored.failures[0][1]}")
        save_product_on(conn, product.product_id, product.owner, full.serialize(), account.user_id, at)
        written = AuditEvent(
            clock(), account.user_id, "write", f"collection:{collection_id}", Outcome.ALLOWED,
            f"published {product.product_id}: {len(stored.added)} new object versions",
            {"organisation": account.organisation, "product": product.product_id, "released_to": released},
            account.country,
        )  # fmt: skip
        audit.append_on(conn, [*events, written])

    result = store.add_objects(collection_id, objects, also=keep)
    return PublishResult(product.product_id, tuple(released), denied, len(result.added), len(result.present))


def _publish_refusal(
    store: SharingStore, account: Account, collection_id: str, product: Product
) -> str | None:
    """Why `account` may not publish `product` into the collection, or None.

    Publishing writes the whole product (so the publisher must be allowed to author it: owner country,
    analyst or releasing officer, cleared to its banner) into a collection the account may write to.
    Need-to-know products stay home: partner accounts carry no need-to-know groups, so no partner could
    ever be shown to be in one.
    """
    user = account.user()
    if product.need_to_know:
        return "need-to-know products are not shared with partner nodes"
    if not store.rights(collection_id, account)[1]:
        return f"no write right on collection {collection_id}"
    if Role.RELEASING_OFFICER not in user.roles:
        return "role releasing_officer is needed to publish to partners"
    read = may_read(user, product)
    if not read.allowed or read.version is not product:
        return read.reason if not read.allowed else "only owner-country users publish a product"
    return None


def products_from_file(text: str) -> list[Product]:
    """The products of a STIX bundle file (strict: see `cruce.sharing.stix.import_bundle`)."""
    products = import_bundle(text)
    if not products:
        raise InputError("no_product", "the bundle holds no cruce report")
    return products


# -- serving ---------------------------------------------------------------------------------------------


@dataclass
class TaxiiService:
    """What the TAXII endpoints do, for an authenticated account, audited."""

    store: SharingStore
    audit: AuditLog
    clock: Clock = utc_now
    node_country: str | None = None  # this node's country: who received what a foreign account posts
    guard: SignInGuard | None = None
    """The sign-in throttle shared with the API and the console; None (tools, tests) is unthrottled."""

    def authenticate(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        address: str | None = None,
    ) -> Account:
        account = None
        country = None
        if token is not None:
            account = self.store.check_token(token)
        elif user is not None and password is not None:
            usable = bool(user) and len(user) <= 128 and "\x00" not in user
            country = self.store.account_country(user) if usable else None
            counted = self.guard.check(user, address, country) if usable and self.guard else False
            account = self.store.check_password(user, password) if usable else None
            if self.guard is not None and usable:
                if account is None:
                    self.guard.failed(user, address, country)
                elif counted:
                    self.guard.succeeded(user)
        if account is None:
            who = "".join(c for c in (user or "") if c.isprintable())[:128] or "anonymous"
            self.audit.append(
                AuditEvent(self.clock(), who, "authenticate", "taxii",
                           Outcome.DENIED, "no valid credentials", {"address": address or ""}, country)
            )  # fmt: skip
            raise UnauthenticatedError(
                "unauthenticated", "valid credentials are needed (HTTP Basic or a Bearer token)"
            )
        return account

    def collections(self, account: Account) -> list[tuple[Collection, bool, bool]]:
        """Collections the account may read or write, with its rights on each."""
        out = []
        for collection in self.store.collections():
            read, write = self.store.rights(collection.id, account)
            if read or write:
                out.append((collection, read, write))
        return out

    def collection(self, account: Account, collection_id: str) -> tuple[Collection, bool, bool]:
        collection = self._known(account, collection_id)
        read, write = self.store.rights(collection_id, account)
        if not (read or write):
            self._deny(account, "read", f"collection:{collection_id}", "no permission on this collection")
        return collection, read, write

    def _known(self, account: Account, collection_id: str) -> Collection:
        try:
            return self.store.collection(collection_id)
        except NotFoundError:
            self._deny(account, "read", f"collection:{collection_id}", "no such collection", code=404)
            raise

    def _deny(self, account: Account, action: str, resource: str, reason: str, code: int = 403) -> None:
        _record(self.audit, self.clock, account, action, resource, Outcome.DENIED, reason)
        if code == 403:
            raise ForbiddenError("forbidden", f"{account.user_id} may not {action} {resource}: {reason}")

    def _readable(self, account: Account, collection_id: str) -> None:
        self._known(account, collection_id)
        if not account.roles & READING_ROLES:
            self._deny(account, "read", f"collection:{collection_id}", "a reading role is needed")
        if not self.store.rights(collection_id, account)[0]:
            self._deny(
                account, "read", f"collection:{collection_id}", "no read permission on this collection"
            )

    def objects(
        self, account: Account, collection_id: str, flt: ObjectFilter, *, what: str = "objects"
    ) -> Page:
        """A page of what `account` may receive; the read (how many objects) is audited."""
        self._readable(account, collection_id)
        reader = Reader(account.countries, account.clearance)
        page = self.store.page(collection_id, flt, reader, with_data=what != "manifest")
        if what != "manifest":
            # objects without granular redactions are served as stored, untouched
            served = [_redacted(o, reader) if o.redactions else o for o in page.objects]
            page = Page(served, page.more)
        _record(
            self.audit, self.clock, account, "read", f"collection:{collection_id}/{what}", Outcome.ALLOWED,
            f"{len(page.objects)} object versions releasable to {', '.join(sorted(account.countries))}",
            {"count": len(page.objects), "more": page.more},
        )  # fmt: skip
        return page

    def add(self, account: Account, collection_id: str, objects: Sequence[Any]) -> dict[str, Any]:
        """Store posted objects; returns the TAXII status resource (complete: the work is done at once).

        Each object is judged on its own by the one release decision (`may_write`) with the markings that
        apply to each of its parts, the originators it claims and its author; a refused object is a failure
        in the status, audited with its reason, and nothing of it is stored.
        """
        self._known(account, collection_id)
        if not account.roles & WRITING_ROLES:
            self._deny(
                account, "write", f"collection:{collection_id}", "role analyst or releasing_officer is needed"
            )
        if not self.store.rights(collection_id, account)[1]:
            self._deny(
                account, "write", f"collection:{collection_id}", "no write permission on this collection"
            )
        good = [o for o in objects if isinstance(o, Mapping)]
        received = self.node_country is None or account.country != self.node_country
        result = self.store.add_objects(
            collection_id,
            good,
            origin=account.country if received else None,
            node_country=self.node_country,
            check=writer_check(account.user(), _claimed_identities(good)),
        )
        status = _status_body(result, len(objects) - len(good), self.clock())
        self.store.save_status(status["id"], collection_id, account.user_id, status)
        for ident, reason in result.failures[:_AUDITED_REFUSALS]:
            _record(self.audit, self.clock, account, "write", f"collection:{collection_id}/objects/{ident}",
                    Outcome.DENIED, reason, {"status": status["id"]})  # fmt: skip
        _record(
            self.audit, self.clock, account, "write", f"collection:{collection_id}",
            Outcome.ALLOWED if not result.failures else Outcome.DENIED,
            f"{len(result.added)} added, {len(result.present)} already present, "
            f"{status['failure_count']} refused",
            {"status": status["id"]},
        )  # fmt: skip
        return status

    def delete(self, account: Account, collection_id: str, object_id: str, flt: ObjectFilter) -> int:
        """TAXII 2.1 §5.7: delete the versions `flt` matches, if `account` may write every one of them.

        Only versions the account may read are considered (others answer 404, like a missing object), and
        deleting is writing: the write right on the collection and `may_write` on each version's markings
        (an account of the owner country with a writing role, a releasing officer for released content).
        """
        resource = f"collection:{collection_id}/objects/{object_id}"
        self._known(account, collection_id)
        if not account.roles & WRITING_ROLES:
            self._deny(account, "delete", resource, "role analyst or releasing_officer is needed")
        if not self.store.rights(collection_id, account)[1]:
            self._deny(account, "delete", resource, "no write permission on this collection")
        reader = Reader(account.countries, account.clearance)
        page = self.store.page(collection_id, flt, reader)
        if not page.objects:
            self._deny(account, "delete", resource, "no such object for this account", code=404)
            raise NotFoundError("object_not_found", f"no object {object_id} here for {account.user_id}")
        user = account.user()
        for stored in page.objects:
            info = self.store.describe_stored(stored.data, stored.origin, self.node_country)
            refusal = writer_check(user, {}, origin=stored.origin)(info)
            if refusal is not None:
                self._deny(account, "delete", resource, refusal)
        gone = self.store.delete_versions(collection_id, object_id, [o.version for o in page.objects])
        _record(self.audit, self.clock, account, "delete", resource, Outcome.ALLOWED,
                f"deleted {gone} version(s)", {"versions": [o.version for o in page.objects]})  # fmt: skip
        return gone

    def status(self, account: Account, status_id: str) -> dict[str, Any]:
        found = self.store.status(status_id)
        if found is None or found[0] != account.user_id:
            self._deny(account, "read", f"status:{status_id}", "no such status for this account", code=404)
            raise NotFoundError("status_not_found", f"no status {status_id}")
        return found[1]


def taxii_service(
    store: Store,
    *,
    clock: Clock = utc_now,
    node_country: str | None = None,
    hasher: PasswordHasher | None = None,
    throttle: ThrottlePolicy | None = None,
) -> TaxiiService:
    """The TAXII server's service on `store`: its accounts, its audit log, and the sign-in throttle shared
    with the API and the console (the `taxii` door)."""
    audit = AuditLog(store.engine)
    guard = SignInGuard(SignInStore(store.engine), audit.append, policy=throttle, clock=clock, door="taxii")
    accounts = SharingStore(store.engine, clock=clock, hasher=hasher)
    return TaxiiService(accounts, audit, clock, node_country=node_country, guard=guard)


def _redacted(stored: StoredObject, reader: Reader) -> StoredObject:
    return dataclasses.replace(stored, data=stored.for_reader(reader))


_AUDITED_REFUSALS = 200
"""Refused objects audited one by one per request; the request's own record counts the rest."""


def _claimed_identities(objects: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Identity ids in an envelope and the country each names (by a trigraph name or `x_cruce_country`)."""
    found: dict[str, str] = {}
    for obj in objects:
        if obj.get("type") != "identity" or not isinstance(obj.get("id"), str):
            continue
        for value in (obj.get("x_cruce_country"), obj.get("name")):
            code = value.strip().upper() if isinstance(value, str) else ""
            if is_country_trigraph(code):
                found[str(obj["id"])] = code
                break
    return found


def writer_check(
    user: User, identities: Mapping[str, str], *, origin: str = ""
) -> Callable[[ObjectInfo], str | None]:
    """The write decision for one object, given what `describe` found: None to allow, else why not.

    A definition the node already knows (same content) changes nothing and is allowed; a new one needs a
    releasing officer (besides the node's own publishing). Every separately marked part of the object goes
    through `may_write` with the originators the object claims (its `created_by_ref` identity's country, an
    identity's own country, the country it was received from) and its `x_cruce_author`.
    """

    def check(info: ObjectInfo) -> str | None:
        if info.definition is not None and not info.new_definition:
            return None
        if info.new_definition and Role.RELEASING_OFFICER not in user.roles:
            return "only a releasing officer (or the node, publishing) may introduce a marking definition"
        claimed = set()
        if origin and origin != UNKNOWN_ORIGIN:
            claimed.add(origin)
        for ident in (info.created_by, info.object_id if info.object_type == "identity" else None):
            if ident:
                country = identities.get(ident) or identity_country(ident)
                if country:
                    claimed.add(country)
        for part in info.parts or ((),):
            decision = may_write(user, part, originators=claimed, author=info.author, what=info.object_id)
            if not decision.allowed:
                return decision.reason
        return None

    return check


def _status_body(result: AddResult, malformed: int, now: datetime) -> dict[str, Any]:
    successes = [{"id": i, "version": v, "message": "added"} for i, v in result.added]
    successes += [{"id": i, "version": v, "message": "already present"} for i, v in result.present]
    failures = [{"id": i or "unknown", "message": m} for i, m in result.failures]
    failures += [{"id": "unknown", "message": "not a JSON object"}] * malformed
    return {
        "id": str(uuid.uuid4()),
        "status": "complete",
        "request_timestamp": stix_timestamp(now),
        "total_count": len(successes) + len(failures),
        "success_count": len(successes),
        "failure_count": len(failures),
        "pending_count": 0,
        "successes": successes,
        "failures": failures,
    }


def _record(
    audit: AuditLog,
    clock: Clock,
    account: Account,
    *args: Any,
) -> None:
    _append(audit, clock, account, *args)


def _append(  # noqa: PLR0917 - one audit event's fields, in the order AuditEvent takes them
    audit: AuditLog,
    clock: Clock,
    account: Account,
    action: str,
    resource: str,
    outcome: Outcome,
    reason: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    audit.append(
        AuditEvent(
            clock(), account.user_id, action, _auditable(resource), outcome, _auditable(reason),
            {"organisation": account.organisation, **(details or {})}, account.country,
        )
    )  # fmt: skip


def _auditable(text: str) -> str:
    """`text` as the audit log can hold it: a NUL or a lone surrogate a client sent (in an object id, say)
    is written as its escape, so recording a refusal never fails after something was stored."""
    if "\x00" not in text and text.isascii():
        return text
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


# -- sync ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Remote:
    """A partner's TAXII API root (`http://host:8600/cruce/`) and how to sign in to it."""

    api_root: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    country: str | None = None  # the partner node's country: the origin of what is pulled from it

    @property
    def url(self) -> str:
        return self.api_root if self.api_root.endswith("/") else self.api_root + "/"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def auth(self) -> httpx.BasicAuth | None:
        if self.token is None and self.user is not None and self.password is not None:
            return httpx.BasicAuth(self.user, self.password)
        return None


@dataclass(frozen=True, slots=True)
class SyncReport:
    direction: str
    pages: int
    received: int
    added: int
    cursor: str | None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a sync request is retried: up to `tries` times, waiting `first_s`, then twice as long each time
    (0.5, 1, 2 s...). Only what may pass retries: a connection that failed, HTTP 5xx and 429. Any other 4xx
    (refused credentials, a missing collection) is final at once; so is an answer that is not TAXII JSON."""

    tries: int = 3
    first_s: float = 0.5

    def delays(self) -> list[float]:
        return [self.first_s * 2**n for n in range(max(0, self.tries - 1))]


def _send(  # noqa: PLR0917
    http: httpx.Client,
    method: str,
    url: str,
    retry: RetryPolicy,
    sleep: Callable[[float], None],
    tries: list[int],
    **kw: Any,
) -> httpx.Response:
    """One request with bounded exponential backoff; `tries[0]` becomes the most any request took."""
    delays = retry.delays()
    for attempt in range(len(delays) + 1):
        tries[0] = max(tries[0], attempt + 1)
        try:
            response = http.request(method, url, **kw)
        except httpx.TransportError:
            if attempt == len(delays):
                raise
        else:
            passing = response.status_code == 429 or response.status_code >= 500
            if not passing or attempt == len(delays):
                return response
        log.info("sync_retry url=%s attempt=%d wait_s=%.1f", url, attempt + 1, delays[attempt])
        sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def _note(store: SharingStore, cursor: CursorUpdate, error: str | None, tries: list[int]) -> None:
    """The run's outcome for `cruce share status`; never hides the sync's own error."""
    try:
        store.record_sync(cursor, error, tries[0])
    except CruceError:
        log.warning("sync_status_not_stored remote=%s", cursor.remote)


def _client(remote: Remote, client: httpx.Client | None, timeout_s: float) -> httpx.Client:
    return client or httpx.Client(timeout=timeout_s)


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
        detail = str(body.get("description") or body.get("title") or "")
    except (ValueError, AttributeError):
        detail = response.text[:200]
    raise SyncError("sync_refused", f"{what}: the remote answered HTTP {response.status_code}: {detail}")


def _json_of(response: httpx.Response, what: str) -> dict[str, Any]:
    """The remote's JSON object, or a clear `sync_bad_answer` (a partner answering garbage is a fault to
    report, not a crash: nothing from that answer is kept, the cursor does not move)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("objects", []), list):
        kind = response.headers.get("content-type", "no content type")
        raise SyncError(
            "sync_bad_answer",
            f"{what}: the remote's answer is not TAXII JSON ({kind}, starting {response.text[:40]!r}); "
            "nothing from it was kept",
        )
    return body


def pull(
    store: SharingStore,
    audit: AuditLog,
    remote: Remote,
    remote_collection: str,
    local_collection: str | None = None,
    *,
    page_size: int = 1000,
    client: httpx.Client | None = None,
    actor: str = "sync",
    clock: Clock = utc_now,
    on_page: Callable[[int, int], None] | None = None,
    timeout_s: float = 60.0,
    node_country: str | None = None,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Bring every new object version of a remote collection into the local one; resumable at any point.

    Pulled objects remember the partner's country (`remote.country`, '?' when not given) as their origin:
    under TLP:RED or AMBER+STRICT they then reach only that country and this node's (`node_country`).
    """
    local = local_collection or remote_collection
    http = _client(remote, client, timeout_s)
    base = f"{remote.url}collections/{remote_collection}/"
    headers = {"Accept": TAXII_MEDIA, **remote.auth_headers()}
    pages = received = added = 0
    tries = [1]
    position = store.cursor(remote.url, remote_collection, "pull")
    try:
        try:
            store.collection(local)
        except NotFoundError:
            info = _send(
                http, "GET", base, retry, sleep, tries, headers=headers,
                auth=remote.auth() or httpx.USE_CLIENT_DEFAULT,
            )  # fmt: skip
            _check(info, f"reading collection {remote_collection}")
            body = _json_of(info, f"reading collection {remote_collection}")
            store.add_collection(
                local, str(body.get("title") or remote_collection), str(body.get("description") or "")
            )
        params: dict[str, str] = {"match[version]": "all", "limit": str(page_size)}
        if position:
            params["added_after"] = position
        while True:
            response = _send(
                http, "GET", base + "objects/", retry, sleep, tries, params=params, headers=headers,
                auth=remote.auth() or httpx.USE_CLIENT_DEFAULT,
            )  # fmt: skip
            _check(response, f"reading objects of {remote_collection}")
            envelope = _json_of(response, f"reading objects of {remote_collection}")
            objects = envelope.get("objects") or []
            if objects:
                last = response.headers.get("X-TAXII-Date-Added-Last")
                if not last:
                    raise SyncError("sync_failed", "the remote gave objects without X-TAXII-Date-Added-Last")
                position = stix_timestamp(parse_timestamp(last))
                # the partner's release, stored as received: no writer check (it is not a local user's
                # write), but definitions stay immutable and reach is still read from content
                result = store.add_objects(
                    local,
                    objects,
                    cursor=CursorUpdate(remote.url, remote_collection, "pull", local, position),
                    all_or_nothing=True,
                    origin=remote.country or UNKNOWN_ORIGIN,
                    node_country=node_country,
                )
                pages += 1
                received += len(objects)
                added += len(result.added)
                if on_page is not None:
                    on_page(received, added)
            if not envelope.get("more") or not envelope.get("next") or not objects:
                break
            params = {"match[version]": "all", "limit": str(page_size), "next": str(envelope["next"])}
    except (httpx.HTTPError, CruceError) as exc:
        message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
        _note(store, CursorUpdate(remote.url, remote_collection, "pull", local, ""), message, tries)
        audit.append(
            AuditEvent(clock(), actor, "sync", f"{remote.url}collections/{remote_collection}", Outcome.DENIED,
                       f"pull stopped after {pages} pages: {message}", {"direction": "pull", "added": added})
        )  # fmt: skip
        if isinstance(exc, CruceError):
            raise
        raise SyncError(
            "sync_failed",
            f"pull from {remote.url} stopped after {pages} pages ({added} new objects kept): {message}; "
            "run it again to resume",
        ) from exc
    finally:
        if client is None:
            http.close()
    _note(store, CursorUpdate(remote.url, remote_collection, "pull", local, ""), None, tries)
    audit.append(
        AuditEvent(clock(), actor, "sync", f"{remote.url}collections/{remote_collection}", Outcome.ALLOWED,
                   f"pulled {received} object versions in {pages} pages, {added} new",
                   {"direction": "pull", "received": received, "added": added, "local": local})
    )  # fmt: skip
    return SyncReport("pull", pages, received, added, position)


def push(
    store: SharingStore,
    audit: AuditLog,
    remote: Remote,
    remote_collection: str,
    *,
    partner_country: str,
    local_collection: str | None = None,
    page_size: int = 500,
    client: httpx.Client | None = None,
    actor: str = "sync",
    clock: Clock = utc_now,
    timeout_s: float = 60.0,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Send the partner the objects written on this node that are releasable to its country, as its readers
    may receive them (granular redactions applied), added since the last push.

    Objects received from elsewhere (pulled, or posted by another country's account) are never pushed: they
    are their originator's to release, and TLP:RED/AMBER+STRICT content must not go to a third party.
    Every pushed object was judged by `may_write` when it was written here; the partner judges it again."""
    local = local_collection or remote_collection
    store.collection(local)
    reader = Reader(frozenset({partner_country.strip().upper()}))
    http = _client(remote, client, timeout_s)
    url = f"{remote.url}collections/{remote_collection}/objects/"
    headers = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA, **remote.auth_headers()}
    saved = store.cursor(remote.url, remote_collection, "push")
    after = PagePosition.decode(saved) if saved else None
    pages = sent = added = 0
    tries = [1]
    try:
        while True:
            flt = ObjectFilter(picks=frozenset({VersionPick.ALL}), after=after, limit=page_size)
            page = store.page(local, flt, reader, local_only=True)
            if not page.objects:
                break
            body = '{"objects":[' + ",".join(o.for_reader(reader) for o in page.objects) + "]}"
            response = _send(
                http, "POST", url, retry, sleep, tries, content=body.encode("utf-8"), headers=headers,
                auth=remote.auth() or httpx.USE_CLIENT_DEFAULT,
            )  # fmt: skip
            _check(response, f"sending objects to {remote_collection}")
            status = _json_of(response, f"sending objects to {remote_collection}")
            if status.get("failure_count"):
                first = (status.get("failures") or [{}])[0]
                raise SyncError(
                    "push_refused", f"the remote refused {first.get('id')}: {first.get('message')}"
                )
            after = page.last
            assert after is not None
            store.set_cursor(CursorUpdate(remote.url, remote_collection, "push", local, after.encode()))
            pages += 1
            sent += len(page.objects)
            added += sum(1 for s in status.get("successes") or () if s.get("message") == "added")
            if not page.more:
                break
    except (httpx.HTTPError, CruceError) as exc:
        message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
        _note(store, CursorUpdate(remote.url, remote_collection, "push", local, ""), message, tries)
        audit.append(
            AuditEvent(clock(), actor, "sync", f"{remote.url}collections/{remote_collection}", Outcome.DENIED,
                       f"push stopped after {pages} pages: {message}", {"direction": "push"})
        )  # fmt: skip
        if isinstance(exc, CruceError):
            raise
        raise SyncError(
            "sync_failed", f"push to {remote.url} stopped after {pages} pages: {message}"
        ) from exc
    finally:
        if client is None:
            http.close()
    _note(store, CursorUpdate(remote.url, remote_collection, "push", local, ""), None, tries)
    audit.append(
        AuditEvent(clock(), actor, "export", f"{remote.url}collections/{remote_collection}", Outcome.ALLOWED,
                   f"pushed {sent} object versions releasable to {partner_country.upper()}, "
                   f"{added} new there",
                   {"direction": "push", "sent": sent, "added": added, "local": local})
    )  # fmt: skip
    return SyncReport("push", pages, sent, added, after.encode() if after else None)


def envelope_objects(body: Any) -> list[Any]:
    """The `objects` of a posted envelope (or bundle); InputError when there is none."""
    if not isinstance(body, Mapping) or not isinstance(body.get("objects"), list):
        raise InputError("bad_envelope", "expected an envelope: a JSON object with an `objects` list")
    return list(body["objects"])
