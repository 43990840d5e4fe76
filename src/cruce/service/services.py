"""Every use case a server offers, built once on one store: the routers, console pages and CLI call these.

`Services` wires the capability services (accounts, screening, batch jobs, lists, alerts, crossings,
products, audit, cases, trusted programs) to one store, one audit writer and one policy gate. Thread-safe:
the server calls it from a pool of threads. `start` loads the matcher, takes over a stopped server's
jobs and starts the retention of personal data; `close` releases this process's jobs and commits the audit
records still queued.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from cruce.cases.entities import SourceRecord
from cruce.core.clock import Clock, utc_now
from cruce.core.errors import InputError
from cruce.respond.humanitarian import Purpose
from cruce.service.accounts import Accounts
from cruce.service.alerts import AlertQueue, Alerts
from cruce.service.assess import AssessService
from cruce.service.assets import AssetRegister
from cruce.service.auditing import AuditTrail
from cruce.service.cases import CaseService
from cruce.service.crossings import Crossings
from cruce.service.index import MatcherIndex
from cruce.service.jobs import JobRunner, Jobs
from cruce.service.lists import Lists
from cruce.service.policy import Gate
from cruce.service.products import Products
from cruce.service.program_desk import ProgramDesk
from cruce.service.programs import ProgramService
from cruce.service.respond import RespondService
from cruce.service.retention import RetentionKeeper
from cruce.service.screen_jobs import BatchScreening
from cruce.service.screener import Screener
from cruce.service.signin import SignInGuard, ThrottlePolicy
from cruce.service.tokens import DEFAULT_TTL as DEFAULT_TOKEN_CACHE
from cruce.service.tokens import TokenCache
from cruce.sharing.access import User
from cruce.storage.accounts import AccountStore
from cruce.storage.alerts import AlertStore
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditAppender, AuditLog
from cruce.storage.collections import CollectionStore
from cruce.storage.credentials import PasswordHasher, PasswordPolicy
from cruce.storage.jobs import JobStore
from cruce.storage.products import ProductStore
from cruce.storage.signin import SignInStore
from cruce.storage.store import Store
from cruce.storage.transactions import writer_lock

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """The settings a server's services run with (read once from `Settings` at the edge)."""

    data_dir: Path
    alert_threshold: float | None = None
    token_ttl: timedelta = timedelta(hours=1)
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    job_lease: timedelta = timedelta(seconds=30)
    token_cache: timedelta = DEFAULT_TOKEN_CACHE  # how long a verified token is trusted (CRUCE_TOKEN_CACHE_S)
    # Migrants' personal data: retention per purpose (None: the defaults) and how often the server purges.
    retention: Mapping[Purpose, timedelta] | None = None
    purge_interval: timedelta = timedelta(hours=1)


class Services:
    """One server's services over one store."""

    def __init__(
        self,
        store: Store,
        config: ServiceConfig,
        *,
        clock: Clock = utc_now,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.hasher = hasher or PasswordHasher(config.passwords)
        accounts = AccountStore(store.engine, clock=clock, hasher=self.hasher)
        alerts = AlertStore(store.engine, clock=clock)
        jobs = JobStore(store.engine, clock=clock)
        self.audit = AuditLog(store.engine)
        # Group commit: events of concurrent requests share a transaction; each waits for its commit (under
        # the writer lock every write transaction on SQLite takes: `transactions.begin_write`).
        self.audit_writer = AuditAppender(self.audit, lock=writer_lock(store.engine))
        gate = Gate(self.audit, self.audit_writer, clock)
        queue = AlertQueue(alerts)
        guard = SignInGuard(
            SignInStore(store.engine), gate.append, policy=config.throttle, clock=clock, door="api"
        )
        self.index = MatcherIndex(store, config.alert_threshold, clock)
        self.runner = JobRunner(jobs, gate, config.job_lease)
        self.accounts = Accounts(
            accounts, accounts, guard, gate, config.token_ttl, TokenCache(config.token_cache, clock=clock)
        )
        self.screening = Screener(self.index, queue, gate)
        self.batches = BatchScreening(
            jobs,
            accounts,
            self.audit,
            self.index,
            queue,
            self.runner,
            gate,
            config.data_dir,
            config.max_upload_bytes,
        )
        self.jobs = Jobs(jobs, gate)
        self.lists = Lists(store, self.index, gate)
        self.alerts = Alerts(alerts, queue, accounts, gate)
        self.crossings = Crossings(jobs, queue, self.runner, gate)
        self.products = Products(ProductStore(store.engine), gate, clock)
        self.audit_trail = AuditTrail(self.audit, gate)
        collections = CollectionStore(store.engine, clock=clock)
        self.cases = CaseService(
            store.engine, clock=clock, audit=self.audit, sharing=collections, people=self._other_people
        )
        self.account_store = accounts  # accounts as the response services read them (an account's clearance)
        self.respond = RespondService(RespondStore(store.engine), self.audit, clock=clock)
        self.assessments = AssessService(RespondStore(store.engine), self.audit, clock=clock)
        self.assets = AssetRegister(RespondStore(store.engine), self.audit, self.assessments, clock=clock)
        self.retention = RetentionKeeper(
            RespondStore(store.engine), self.audit, retention=config.retention,
            interval=config.purge_interval, clock=clock,
        )  # fmt: skip
        # Vetting screens with the server's loaded matcher (and records the versions it holds): a list
        # reload is seen by the next vetting, and no second copy of the lists is kept in memory.
        self.program_service = ProgramService(
            store, clock=clock, threshold=config.alert_threshold, screening=self.index.screening
        )
        self.programs = ProgramDesk(self.program_service, self.audit_writer, clock=clock)

    def _other_people(self, user: User, records: Sequence[SourceRecord]) -> list[SourceRecord]:
        """Persons of other sources to resolve with the case records: listed persons the loaded lists hold
        for them (lists are public), and, for the program desk's readers, their own country's active
        program members (a member's file never reaches another country's resolution)."""
        from cruce.cases.entities import listed_matches, member_records
        from cruce.service.program_desk import READERS

        out: list[SourceRecord] = []
        with suppress(InputError):  # no list loaded: nothing to resolve against
            out.extend(listed_matches(self.index.matcher(), records))
        country = user.organisation.country
        if user.roles & READERS and not user.foreign_countries(country):
            out.extend(member_records(self.program_service.active_member_parties(country)))
        return out

    def start(self) -> None:
        """At server start: the matcher is loaded, then jobs left by a stopped server are taken over."""
        self.index.load()
        self.runner.start()
        self.retention.start()  # personal data past retention is deleted now, then every purge interval

    def close(self) -> None:
        self.retention.close()
        self.runner.close()
        self.audit_writer.close()
