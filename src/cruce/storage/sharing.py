"""Sharing storage: accounts and tokens, TAXII collections and their objects, statuses, sync cursors.

`SharingStore(store.engine)` works on the engine `open_store` made (migration 0003 creates the tables).

Credentials. Passwords are kept as salted argon2id hashes (`cruce.storage.credentials`: its policy sets the
cost, and at most a few hashes run at once); the scrypt hashes of earlier versions still verify and are
replaced by argon2id at the next successful sign-in. A successful check is remembered in memory for a few
minutes, keyed by a digest of the user, the password and the stored hash (a changed password misses the
cache): a sync pulling a hundred pages pays once. API tokens are random 256-bit strings given to their owner
once and stored only as their sha256, which is enough for a secret with that much entropy and keeps token
checks to one indexed lookup. Only *system* accounts (syncs, integrations) hold API tokens; people sign in.

Objects. Each version of a STIX object is one row holding the JSON text as received (served back without
re-encoding, which is what keeps a page of 1,000 objects cheap), its `(collection, id, version)` (unique:
re-adding it is a no-op), and the columns enforcement filters on: `releasable_to` and `classification`
(see `cruce.sharing.exchange`). `add_objects` first takes the collection's lock, with an UPDATE of its row
(a row lock on PostgreSQL, the database write lock on SQLite), then gives each new object a `date_added`
strictly later than the collection's last one. Writes to one collection are therefore serialised, and
`date_added` and `seq` grow in commit order: a reader who has seen everything up to some `date_added`
will never later find an object added before it. That is what makes `added_after` (and the `(date_added,
seq)` keyset of `next`) a lossless sync cursor, and why pages are read by keyset, never OFFSET: the last
page of a big collection costs what the first does.

A sync cursor can be written in the same transaction as the objects it covers (`add_objects(cursor=...)`),
so a process killed at any instant leaves objects and cursor consistent: resuming re-reads at most the page
that was in flight, and its objects are no-ops.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased

from cruce.core.clock import Clock, as_utc, utc_now
from cruce.core.errors import CruceError, InputError, NotFoundError, StorageError
from cruce.core.markings import Classification, Marking, is_country_trigraph
from cruce.sharing.access import Organisation, Role, User
from cruce.sharing.definitions import Definition
from cruce.sharing.exchange import (
    EVERYONE,
    MarkingIndex,
    ObjectFilter,
    ObjectInfo,
    PagePosition,
    VersionPick,
    describe,
    redact,
)
from cruce.sharing.stix import StixImportError
from cruce.storage.credentials import (
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    PasswordHasher,
    hash_scrypt,
    token_digest,
    verify_scrypt,
)
from cruce.storage.errors import database_reason, reading, writing
from cruce.storage.tables import (
    ShareAccountRow,
    ShareCollectionRow,
    ShareCursorRow,
    ShareDefinitionRow,
    ShareObjectRow,
    SharePermissionRow,
    ShareStatusRow,
    ShareSyncStatusRow,
    ShareTokenRow,
)
from cruce.storage.transactions import begin_write

log = logging.getLogger(__name__)

VERIFIED_TTL_S = 300.0
TOKEN_PREFIX = "cruce_"
_ONE_US = timedelta(microseconds=1)
PERSON, SYSTEM = "person", "system"
ACCOUNT_KINDS = (PERSON, SYSTEM)


# -- credentials -----------------------------------------------------------------------------------------


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """An scrypt hash, the format of earlier versions (kept for tools and tests that make old hashes)."""
    return hash_scrypt(password, n=n, r=r, p=p)


def verify_password(password: str, stored: str) -> bool:
    """Check `password` against an scrypt or argon2id hash (default policy, no concurrency cap)."""
    if stored.startswith("$argon2"):
        return PasswordHasher().verify(password, stored)
    return verify_scrypt(password, stored)


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


# -- objects ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    title: str
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredObject:
    seq: int
    date_added: datetime
    object_id: str
    object_type: str
    version: str
    spec_version: str
    data: str  # the object's JSON text
    origin: str = ""  # '' written here, else the country it was received from
    redactions: str | None = None  # granular-marked properties some readers may not see (JSON)

    def for_reader(self, reader: Reader | None) -> str:
        """The JSON text as `reader` may receive it (the stored text itself when nothing is redacted)."""
        if reader is None or not self.redactions:
            return self.data
        return redact(self.data, self.redactions, reader.countries, reader.clearance)

    @property
    def position(self) -> PagePosition:
        return PagePosition(self.date_added, self.seq)


@dataclass(frozen=True, slots=True)
class Page:
    objects: list[StoredObject]
    more: bool

    @property
    def last(self) -> PagePosition | None:
        return self.objects[-1].position if self.objects else None


@dataclass(slots=True)
class AddResult:
    """What `add_objects` did: ids and versions stored or already present, and objects refused with why."""

    added: list[tuple[str, str]] = field(default_factory=list)
    present: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (object id or "", message)
    last_added: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    """Whom a read is for: only objects releasable to every one of `countries`, at or below `clearance`.

    None (for the node's own maintenance, e.g. counting) applies no filter; the server always passes one.
    """

    countries: frozenset[str]
    clearance: Classification = Classification.TOP_SECRET

    def __post_init__(self) -> None:
        bad = [c for c in self.countries if not is_country_trigraph(c)]
        if bad or not self.countries:
            raise InputError("bad_country", f"a reader needs ISO 3166 trigraphs, not {sorted(bad)}")


@dataclass(frozen=True, slots=True)
class CursorUpdate:
    remote: str
    remote_collection: str
    direction: str
    local_collection: str
    position: str


class SharingStore:
    """Sharing tables of one database."""

    def __init__(
        self, engine: Engine, *, clock: Clock = utc_now, hasher: PasswordHasher | None = None
    ) -> None:
        self.engine = engine
        self._clock = clock
        self.hasher = hasher or PasswordHasher()
        self._sqlite = engine.dialect.name == "sqlite"
        self._verified: dict[str, float] = {}
        self._definitions: dict[str, Definition] = {}  # committed marking-definitions, node-wide
        self._lock = threading.Lock()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with reading(self.engine, "the sharing tables") as conn:
            yield conn

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        with writing(self.engine, what) as conn:
            yield conn

    # -- accounts ----------------------------------------------------------------------------------------

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
        with self._lock:
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
                with self._lock:
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

    # -- collections -------------------------------------------------------------------------------------

    def add_collection(self, collection_id: str, title: str, description: str = "") -> Collection:
        if not collection_id or len(collection_id) > 64 or "/" in collection_id:
            raise InputError("bad_collection", "a collection id is 1 to 64 characters, without '/'")
        if not title.strip():
            raise InputError("bad_collection", "a collection needs a title")
        now = self._clock()
        with self._write(f"add collection {collection_id} (does it exist already?)") as conn:
            conn.execute(
                insert(ShareCollectionRow).values(
                    id=collection_id, title=title, description=description, created_at=now, last_added=None
                )
            )
        return Collection(collection_id, title, description, now)

    def collection(self, collection_id: str) -> Collection:
        with self._read() as conn:
            row = conn.execute(
                select(ShareCollectionRow).where(ShareCollectionRow.id == collection_id)
            ).first()
        if row is None:
            raise NotFoundError("collection_not_found", f"no collection {collection_id!r}")
        return Collection(row.id, row.title, row.description, as_utc(row.created_at))

    def collections(self) -> list[Collection]:
        with self._read() as conn:
            rows = conn.execute(select(ShareCollectionRow).order_by(ShareCollectionRow.id)).all()
        return [Collection(r.id, r.title, r.description, as_utc(r.created_at)) for r in rows]

    def grant(self, collection_id: str, principal: str, *, read: bool, write: bool) -> None:
        """Set `principal`'s (`user:<id>` or `org:<organisation>`) rights on a collection."""
        kind, _, name = principal.partition(":")
        if kind not in ("user", "org") or not name:
            raise InputError("bad_principal", f"{principal!r}: give user:<id> or org:<organisation>")
        self.collection(collection_id)
        with self._write("grant the permission") as conn:
            conn.execute(
                delete(SharePermissionRow).where(
                    SharePermissionRow.collection_id == collection_id,
                    SharePermissionRow.principal == principal,
                )
            )
            conn.execute(
                insert(SharePermissionRow).values(
                    collection_id=collection_id, principal=principal, can_read=read, can_write=write
                )
            )

    def rights(self, collection_id: str, account: Account) -> tuple[bool, bool]:
        """(can_read, can_write) of `account` on a collection: any of its principals' grants."""
        with self._read() as conn:
            rows = conn.execute(
                select(SharePermissionRow.can_read, SharePermissionRow.can_write).where(
                    SharePermissionRow.collection_id == collection_id,
                    SharePermissionRow.principal.in_(account.principals),
                )
            ).all()
        return any(r.can_read for r in rows), any(r.can_write for r in rows)

    def permissions(self, collection_id: str) -> list[tuple[str, bool, bool]]:
        with self._read() as conn:
            rows = conn.execute(
                select(SharePermissionRow)
                .where(SharePermissionRow.collection_id == collection_id)
                .order_by(SharePermissionRow.principal)
            ).all()
        return [(r.principal, r.can_read, r.can_write) for r in rows]

    # -- objects -----------------------------------------------------------------------------------------

    def add_objects(
        self,
        collection_id: str,
        objects: Sequence[Mapping[str, Any]],
        *,
        cursor: CursorUpdate | None = None,
        all_or_nothing: bool = False,
        origin: str | None = None,
        node_country: str | None = None,
        check: Callable[[ObjectInfo], str | None] | None = None,
        also: Callable[[Connection, AddResult], None] | None = None,
    ) -> AddResult:
        """Store new object versions (others are no-ops), and `cursor` if given, in one transaction.

        `also` runs last in that transaction with what was stored (a publish keeps its product and audit
        records there: a process killed at any instant leaves all of a publish or none of it).

        An object cruce cannot read the markings of, or that `check` refuses (the write decision, given what
        `describe` found), is refused and listed in `failures`, before anything about it is looked up; with
        `all_or_nothing` (a sync page) any refusal stores nothing and raises instead. `origin` is the country
        the objects were received from (None: written on this node). New marking-definitions are stored
        node-wide in the same transaction; one that would change a known id is refused.
        """
        result = AddResult()
        try:
            with begin_write(self.engine, f"store objects in {collection_id}") as conn:
                locked = conn.execute(
                    update(ShareCollectionRow)
                    .where(ShareCollectionRow.id == collection_id)
                    .values(last_added=ShareCollectionRow.last_added)
                )
                if locked.rowcount == 0:
                    raise NotFoundError("collection_not_found", f"no collection {collection_id!r}")
                last = conn.scalar(
                    select(ShareCollectionRow.last_added).where(ShareCollectionRow.id == collection_id)
                )
                index = self._index(conn)
                rows = self._new_rows(
                    conn, collection_id, objects, index, result, origin, node_country, check
                )
                if result.failures and all_or_nothing:
                    ident, message = result.failures[0]
                    raise StixImportError(message, ident or None)
                if index.pending:
                    conn.execute(
                        insert(ShareDefinitionRow),
                        [
                            {"id": marking_id, "digest": meaning.digest, "data": _text(data)}
                            for marking_id, (meaning, data) in index.pending.items()
                        ],
                    )
                if rows:
                    stamp = as_utc(self._clock())
                    if last is not None:
                        stamp = max(stamp, as_utc(last) + _ONE_US)
                    for i, row in enumerate(rows):
                        row["date_added"] = stamp + i * _ONE_US
                    conn.execute(insert(ShareObjectRow), rows)
                    last_added = rows[-1]["date_added"]
                    conn.execute(
                        update(ShareCollectionRow)
                        .where(ShareCollectionRow.id == collection_id)
                        .values(last_added=last_added)
                    )
                    result.last_added = last_added
                if cursor is not None:
                    _put_cursor(conn, cursor, self._clock())
                if also is not None:
                    also(conn, result)
        except CruceError:
            raise
        except SQLAlchemyError as exc:
            raise StorageError(
                "database_error",
                f"could not store objects in {collection_id}; nothing was stored: {database_reason(exc)}",
            ) from exc
        with self._lock:  # only now committed: later calls may rely on these definitions
            self._definitions.update(index.known)  # stored now, or looked up: immutable either way
        return result

    def _index(self, conn: Connection) -> MarkingIndex:
        """The node's marking-definitions: the committed ones known here, the rest looked up when asked."""
        with self._lock:
            known = dict(self._definitions)

        def lookup(marking_id: str) -> Mapping[str, Any] | None:
            text = conn.scalar(select(ShareDefinitionRow.data).where(ShareDefinitionRow.id == marking_id))
            if text is None:
                return None
            data: Mapping[str, Any] = json.loads(text)
            return data

        return MarkingIndex(known, lookup)

    def describe_stored(self, data: str, origin: str = "", node_country: str | None = None) -> ObjectInfo:
        """What a stored object version's markings say (for a decision about it, such as a delete)."""
        with self._read() as conn:
            return describe(
                json.loads(data), self._index(conn), origin=origin or None, node_country=node_country
            )

    def _new_rows(  # noqa: PLR0917
        self,
        conn: Connection,
        collection_id: str,
        objects: Sequence[Mapping[str, Any]],
        index: MarkingIndex,
        result: AddResult,
        origin: str | None,
        node_country: str | None,
        check: Callable[[ObjectInfo], str | None] | None,
    ) -> list[dict[str, Any]]:
        described = []
        # marking-definitions first (a stable sort): producers put them anywhere in a bundle, often last
        ordered = sorted(
            objects, key=lambda o: not (isinstance(o, Mapping) and o.get("type") == "marking-definition")
        )
        for obj in ordered:
            ident = obj.get("id") if isinstance(obj, Mapping) else None
            ident = ident if isinstance(ident, str) else ""
            try:
                info = describe(obj, index, origin=origin, node_country=node_country)
            except StixImportError as exc:
                result.failures.append((ident, exc.message))
                continue
            refusal = check(info) if check is not None else None
            if refusal is not None:
                if info.new_definition:
                    index.forget(info.object_id)
                result.failures.append((ident, refusal))
                continue
            described.append((info, obj))
        ids = sorted({info.object_id for info, _ in described})
        existing: set[tuple[str, str]] = set()
        for start in range(0, len(ids), 500):
            existing.update(
                (r.object_id, r.version)
                for r in conn.execute(
                    select(ShareObjectRow.object_id, ShareObjectRow.version).where(
                        ShareObjectRow.collection_id == collection_id,
                        ShareObjectRow.object_id.in_(ids[start : start + 500]),
                    )
                )
            )
        rows = []
        for info, obj in described:
            key = (info.object_id, info.version)
            if key in existing:
                result.present.append(key)
                continue
            existing.add(key)
            result.added.append(key)
            rows.append(
                {
                    "collection_id": collection_id,
                    "object_id": info.object_id,
                    "object_type": info.object_type,
                    "version": info.version,
                    "spec_version": info.spec_version,
                    "releasable_to": info.releasable_text,
                    "classification": int(info.classification),
                    "data": _text(obj),
                    "origin": origin or "",
                    "redactions": info.redactions_text,
                }
            )
        return rows

    def delete_versions(self, collection_id: str, object_id: str, versions: Sequence[str]) -> int:
        """Delete the given versions of one object from a collection; how many went."""
        o = ShareObjectRow
        with self._write(f"delete {object_id} from {collection_id}") as conn:
            done = conn.execute(
                delete(o).where(
                    o.collection_id == collection_id,
                    o.object_id == object_id,
                    o.version.in_(sorted(versions)),
                )
            )
        return int(done.rowcount or 0)

    def page(
        self,
        collection_id: str,
        flt: ObjectFilter,
        reader: Reader | None,
        *,
        with_data: bool = True,
        local_only: bool = False,
    ) -> Page:
        """A page of object versions matching `flt` that `reader` may receive, in (date_added, seq) order.

        The query admits an object when its object-level reach admits the reader; what its granular markings
        keep from the reader is removed by `StoredObject.for_reader`. `local_only`: only objects written on
        this node, not those received from elsewhere.
        """
        o = ShareObjectRow
        columns = [o.seq, o.date_added, o.object_id, o.object_type, o.version, o.spec_version, o.origin]
        query = select(*columns, o.data if with_data else o.version.label("data"), o.redactions).where(
            o.collection_id == collection_id, *self._conditions(flt, reader)
        )
        if local_only:
            query = query.where(o.origin == "")
        query = query.order_by(o.date_added, o.seq).limit(flt.limit + 1)
        with self._read() as conn:
            rows = conn.execute(query).all()
        found = [_stored(row) for row in rows[: flt.limit]]
        return Page(found, len(rows) > flt.limit)

    def _conditions(self, flt: ObjectFilter, reader: Reader | None) -> list[ColumnElement[bool]]:
        o = ShareObjectRow
        where: list[ColumnElement[bool]] = []
        if flt.after is not None:
            where.append(tuple_(o.date_added, o.seq) > tuple_(flt.after.date_added, flt.after.seq))
        if flt.added_after is not None:
            where.append(o.date_added > flt.added_after)
        if flt.ids:
            where.append(o.object_id.in_(sorted(flt.ids)))
        if flt.types:
            where.append(o.object_type.in_(sorted(flt.types)))
        if flt.spec_versions:
            where.append(o.spec_version.in_(sorted(flt.spec_versions)))
        where.append(_version_condition(flt))
        if reader is not None:
            where.append(o.classification <= int(reader.clearance))
            for country in sorted(reader.countries):
                where.append(or_(o.releasable_to == EVERYONE, o.releasable_to.like(f"% {country} %")))
        return where

    def count(self, collection_id: str) -> int:
        with self._read() as conn:
            return int(
                conn.scalar(select(func.count()).select_from(ShareObjectRow).where(
                    ShareObjectRow.collection_id == collection_id
                )) or 0
            )  # fmt: skip

    # -- statuses, cursors -------------------------------------------------------------------------------

    def save_status(self, status_id: str, collection_id: str, user_id: str, body: Mapping[str, Any]) -> None:
        with self._write("store the status") as conn:
            conn.execute(
                insert(ShareStatusRow).values(
                    id=status_id,
                    collection_id=collection_id,
                    user_id=user_id,
                    request_timestamp=self._clock(),
                    body=dict(body),
                )
            )

    def status(self, status_id: str) -> tuple[str, dict[str, Any]] | None:
        """(user id, status body) of a stored status, or None."""
        with self._read() as conn:
            row = conn.execute(select(ShareStatusRow).where(ShareStatusRow.id == status_id)).first()
        return (row.user_id, dict(row.body)) if row is not None else None

    def cursor(self, remote: str, remote_collection: str, direction: str) -> str | None:
        with self._read() as conn:
            return conn.scalar(
                select(ShareCursorRow.position).where(
                    ShareCursorRow.remote == remote,
                    ShareCursorRow.remote_collection == remote_collection,
                    ShareCursorRow.direction == direction,
                )
            )

    def record_sync(self, run: CursorUpdate, error: str | None, tries: int) -> None:
        """A sync run's outcome with one remote collection and direction (its position is not used)."""
        st = ShareSyncStatusRow
        now = self._clock()
        key = (st.remote == run.remote, st.remote_collection == run.remote_collection,
               st.direction == run.direction)  # fmt: skip
        values: dict[str, Any] = {"local_collection": run.local_collection, "attempts": tries}
        if error is None:
            values["last_success_at"] = now
        else:
            values.update(last_error_at=now, last_error=error[:2000])
        with self._write("store the sync status") as conn:
            if conn.execute(update(st).where(*key).values(**values)).rowcount == 0:
                conn.execute(
                    insert(st).values(
                        remote=run.remote, remote_collection=run.remote_collection, direction=run.direction,
                        **{"last_success_at": None, "last_error_at": None, "last_error": None, **values},
                    )
                )  # fmt: skip

    def sync_status(self) -> list[dict[str, Any]]:
        """Per remote collection and direction: last success, last error (time, message), tries, cursor."""
        st, cu = ShareSyncStatusRow, ShareCursorRow
        with self._read() as conn:
            rows = conn.execute(
                select(st, cu.position)
                .outerjoin(
                    cu,
                    and_(
                        cu.remote == st.remote,
                        cu.remote_collection == st.remote_collection,
                        cu.direction == st.direction,
                    ),
                )
                .order_by(st.remote, st.remote_collection, st.direction)
            ).all()
        return [
            {"remote": r.remote, "collection": r.remote_collection, "direction": r.direction,
             "local_collection": r.local_collection,
             "last_success_at": as_utc(r.last_success_at) if r.last_success_at else None,
             "last_error_at": as_utc(r.last_error_at) if r.last_error_at else None,
             "last_error": r.last_error, "tries": int(r.attempts), "cursor": r.position}
            for r in rows
        ]  # fmt: skip

    def set_cursor(self, cursor: CursorUpdate) -> None:
        with self._write("store the sync cursor") as conn:
            _put_cursor(conn, cursor, self._clock())


def _version_condition(flt: ObjectFilter) -> ColumnElement[bool]:
    o = ShareObjectRow
    if VersionPick.ALL in flt.picks:
        return true()
    other = aliased(ShareObjectRow)
    same = and_(other.collection_id == o.collection_id, other.object_id == o.object_id)
    options: list[ColumnElement[bool]] = []
    if VersionPick.LAST in flt.picks:
        options.append(~exists().where(same, other.version > o.version))
    if VersionPick.FIRST in flt.picks:
        options.append(~exists().where(same, other.version < o.version))
    if flt.versions:
        options.append(o.version.in_(sorted(flt.versions)))
    return or_(*options) if options else false()


def _put_cursor(conn: Connection, cursor: CursorUpdate, now: datetime) -> None:
    key = and_(
        ShareCursorRow.remote == cursor.remote,
        ShareCursorRow.remote_collection == cursor.remote_collection,
        ShareCursorRow.direction == cursor.direction,
    )
    done = conn.execute(
        update(ShareCursorRow)
        .where(key)
        .values(position=cursor.position, local_collection=cursor.local_collection, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(
            insert(ShareCursorRow).values(
                remote=cursor.remote,
                remote_collection=cursor.remote_collection,
                direction=cursor.direction,
                local_collection=cursor.local_collection,
                position=cursor.position,
                updated_at=now,
            )
        )


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


def _stored(row: Any) -> StoredObject:
    return StoredObject(
        int(row.seq),
        as_utc(row.date_added),
        row.object_id,
        row.object_type,
        row.version,
        row.spec_version,
        row.data,
        row.origin or "",
        row.redactions,
    )


def _text(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

