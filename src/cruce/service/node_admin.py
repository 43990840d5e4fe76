"""Node administration by its operator (`cruce share`): accounts, collections, publishing and sync.

The operator at the machine is trusted to bootstrap the node (the first administrator, system accounts,
collections and their grants); one account still never holds conflicting duties, and only system accounts
get API tokens. Publishing and sync go through the same release decisions and audit as every other door
(`cruce.service.sharing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cruce.core.errors import InputError
from cruce.service.sharing import PublishResult, Remote, RetryPolicy, SyncReport, publish, pull, push
from cruce.sharing.access import Role, role_conflict
from cruce.sharing.products import Product
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import PERSON, SYSTEM, Account, SharingStore
from cruce.storage.store import Store


@dataclass(frozen=True, slots=True)
class NewAccount:
    account: Account
    token: str | None
    """The API token, shown once (system accounts only)."""


@dataclass(frozen=True, slots=True)
class CollectionSummary:
    collection_id: str
    title: str
    objects: int
    permissions: list[tuple[str, bool, bool]]
    """(principal, may read, may write)"""


@dataclass(frozen=True, slots=True)
class SyncState:
    """One remote collection and direction: the last success and error, the last run's tries, the cursor."""

    remote: str
    collection: str
    direction: str
    local_collection: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    tries: int
    cursor: str | None


def check_account(roles: Sequence[str], *, system: bool, token: bool) -> None:
    """Refuse an account that would hold conflicting duties, or a person's API token (before any work)."""
    if token and not system:
        raise InputError("token_for_person", "API tokens are for system accounts: add --system, or sign in")
    try:
        conflict = role_conflict(roles)
    except ValueError as exc:
        raise InputError("bad_role", f"{exc}; roles are {', '.join(r.value for r in Role)}") from exc
    if conflict is None and system and {Role.ADMIN, Role.AUDITOR} & {Role(r) for r in roles}:
        conflict = "a system account never administers or audits"
    if conflict is not None:
        raise InputError("conflicting_roles", conflict)


class NodeAdmin:
    """The operator's use cases on one node's store."""

    def __init__(self, store: Store) -> None:
        self.sharing = SharingStore(store.engine)
        self.audit = AuditLog(store.engine)

    def add_account(
        self,
        user_id: str,
        *,
        organisation: str,
        country: str,
        clearance: str,
        roles: Sequence[str],
        nationality: str | None = None,
        password: str | None = None,
        system: bool = False,
        token: bool = False,
    ) -> NewAccount:
        """Add an account (password kept as an argon2id hash, tokens only as sha256)."""
        check_account(roles, system=system, token=token)
        account = self.sharing.add_account(
            user_id,
            organisation=organisation,
            country=country,
            clearance=clearance,
            roles=roles,
            nationality=nationality,
            password=password,
            kind=SYSTEM if system else PERSON,
        )
        return NewAccount(account, self.sharing.issue_token(account.user_id) if token else None)

    def accounts(self) -> list[Account]:
        return self.sharing.accounts()

    def add_collection(
        self, collection_id: str, title: str, description: str, readers: Sequence[str], writers: Sequence[str]
    ) -> None:
        """A collection and its grants: each principal (user:ID or org:ORG) reads, writes or both."""
        self.sharing.add_collection(collection_id, title, description)
        for principal in sorted(set(readers) | set(writers)):
            self.grant(collection_id, principal, read=principal in readers, write=principal in writers)

    def grant(self, collection_id: str, principal: str, *, read: bool, write: bool) -> None:
        self.sharing.grant(collection_id, principal, read=read, write=write)

    def collections(self) -> list[CollectionSummary]:
        return [
            CollectionSummary(c.id, c.title, self.sharing.count(c.id), self.sharing.permissions(c.id))
            for c in self.sharing.collections()
        ]

    def publish(
        self, as_user: str, collection_id: str, products: Sequence[Product], partners: Sequence[str] | None
    ) -> list[PublishResult]:
        """Publish each product as `as_user` (a releasing officer), audited like every release."""
        account = self.sharing.account(as_user)
        return [
            publish(self.sharing, self.audit, account, collection_id, p, partners=partners or None)
            for p in products
        ]

    def pull(  # noqa: PLR0917 - a sync run's settings
        self,
        remote: Remote,
        collection: str,
        into: str | None,
        page_size: int,
        actor: str,
        node_country: str | None,
        retry: RetryPolicy,
    ) -> SyncReport:
        return pull(
            self.sharing, self.audit, remote, collection, into, page_size=page_size, actor=actor,
            node_country=node_country, retry=retry,
        )  # fmt: skip

    def push(  # noqa: PLR0917 - a sync run's settings
        self,
        remote: Remote,
        collection: str,
        into: str | None,
        partner_country: str,
        page_size: int,
        actor: str,
        retry: RetryPolicy,
    ) -> SyncReport:
        return push(
            self.sharing, self.audit, remote, collection, partner_country=partner_country,
            local_collection=into, page_size=page_size, actor=actor, retry=retry,
        )  # fmt: skip

    def sync_status(self) -> list[SyncState]:
        return [
            SyncState(
                remote=r["remote"],
                collection=r["collection"],
                direction=r["direction"],
                local_collection=r["local_collection"],
                last_success_at=r["last_success_at"],
                last_error_at=r["last_error_at"],
                last_error=r["last_error"],
                tries=r["tries"],
                cursor=r["cursor"],
            )
            for r in self.sharing.sync_status()
        ]
