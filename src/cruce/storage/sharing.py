"""The sharing tables of one node together: accounts, collections and sync, one store for the services that
work across them (a TAXII server checks an account's rights and reads collections; a sync writes objects and
its cursor). Each aggregate is its own module and store: `accounts`, `collections`, `sync`.
"""

from __future__ import annotations

from sqlalchemy import Engine

from cruce.core.clock import Clock, utc_now
from cruce.storage.accounts import AccountStore
from cruce.storage.collections import CollectionStore
from cruce.storage.credentials import PasswordHasher
from cruce.storage.sync import SyncStore


class SharingStore(AccountStore, CollectionStore, SyncStore):
    """Accounts, collections and sync of one database, on one engine and clock."""

    def __init__(
        self, engine: Engine, *, clock: Clock = utc_now, hasher: PasswordHasher | None = None
    ) -> None:
        AccountStore.__init__(self, engine, clock=clock, hasher=hasher)
        CollectionStore.__init__(self, engine, clock=clock)
        SyncStore.__init__(self, engine, clock=clock)
