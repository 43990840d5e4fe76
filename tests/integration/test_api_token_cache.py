"""Verified tokens are cached per server process (`cruce.service.tokens`): a revocation through the same
process takes effect at once, one through another process (a second `cruce serve` worker, the CLI) within
the documented bound, `CRUCE_TOKEN_CACHE_S`; an access token never outlives its expiry. Two `Services`
on one database are two server processes: each has its own cache, as uvicorn's workers do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from api_fixtures import Node, prepare, serve
from sharing_fixtures import PASSWORD

from cruce.service.accounts import Accounts
from cruce.service.services import ServiceConfig, Services
from cruce.service.sharing import UnauthenticatedError
from cruce.storage.accounts import AccountStore
from cruce.storage.credentials import FAST_POLICY
from cruce.storage.store import open_store

BOUND = timedelta(seconds=2)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def processes(node: Node, clock: Clock, n: int = 2) -> Iterator[list[Accounts]]:
    """`n` server processes' worth of `Services` (their `Accounts`) on the node's database, sharing the fake
    clock."""
    with ExitStack() as stack:
        out = []
        for _ in range(n):
            store = stack.enter_context(open_store(node.settings.resolved_database_url(), clock=clock))
            config = ServiceConfig(data_dir=node.settings.data_dir, passwords=FAST_POLICY, token_cache=BOUND)
            services = Services(store, config, clock=clock)
            stack.callback(services.audit_writer.close)
            out.append(services.accounts)
        yield out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Node:
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgres" else None
    return prepare(tmp_path, url)


def test_an_api_key_revoked_in_another_process_stops_working_within_the_bound(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    key = node.keys["usa.officer"]
    lookups: list[str] = []
    original = AccountStore.check_api_key

    def counted(self: AccountStore, secret: str) -> object:
        lookups.append(secret)
        return original(self, secret)

    monkeypatch.setattr(AccountStore, "check_api_key", counted)
    with processes(node, clock) as (one, two):
        officer = one.authenticate(None, key)
        assert two.authenticate(None, key) == officer
        for _ in range(20):  # answered from each process's cache: no look-up after the first
            one.authenticate(None, key)
            two.authenticate(key, None)  # the same key as a bearer token
        assert len(lookups) == 2

        assert one.revoke_token(officer, key).revoked == 1  # its own key
        with pytest.raises(UnauthenticatedError):  # the revoking process: at once
            one.authenticate(None, key)
        clock.now += BOUND - timedelta(milliseconds=1)
        two.authenticate(None, key)  # the other process may still trust its cache, up to the bound...
        clock.now += timedelta(milliseconds=1)
        with pytest.raises(UnauthenticatedError):  # ...and not a moment longer
            two.authenticate(None, key)
        assert one.cached_user(None, key) is None and two.cached_user(None, key) is None


def test_an_access_token_is_refused_at_its_expiry_whatever_the_cache(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    clock = Clock()
    with processes(node, clock, 1) as (ops,):
        ops.verifier.cache.ttl = timedelta(minutes=10)  # a cache far longer than the token lives
        token = ops.login("usa.analyst", PASSWORD).access_token
        expires = clock.now + ops.token_ttl
        ops.authenticate(token, None)
        assert ops.cached_user(token, None) is not None
        clock.now = expires
        with pytest.raises(UnauthenticatedError):
            ops.authenticate(token, None)


def test_sign_out_everywhere_ends_every_cached_session_of_the_account_at_once(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    clock = Clock()
    with processes(node, clock, 1) as (ops,):
        token = ops.login("usa.analyst", PASSWORD).access_token
        key = node.keys["usa.analyst"]
        analyst = ops.authenticate(token, None)
        ops.authenticate(None, key)
        other = ops.authenticate(None, node.keys["usa.officer"])
        ops.sign_out_everywhere(analyst)
        for bearer, api_key in ((token, None), (None, key)):
            with pytest.raises(UnauthenticatedError):
                ops.authenticate(bearer, api_key)
        assert ops.authenticate(None, node.keys["usa.officer"]) == other  # nobody else's


def test_a_revoked_key_fails_on_the_next_request_over_http(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    key = node.keys["usa.officer"]
    with serve(node) as base, httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(3):  # cached now
            assert http.post("/api/v1/screen", json={"name": "x y"}, headers={"X-API-Key": key}).is_success
        revoked = http.post("/api/v1/token/revoke", data={"token": key}, headers={"X-API-Key": key}).json()
        assert revoked == {"revoked": 1}
        refused = http.post("/api/v1/screen", json={"name": "x y"}, headers={"X-API-Key": key})
        assert refused.status_code == 401
