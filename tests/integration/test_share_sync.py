"""Two cruce nodes on loopback: A publishes and serves, B pulls (SQLite, and PostgreSQL as the receiving node)
and pushes back. Sync is incremental and idempotent, and resumes after a dropped connection or a kill -9
of the syncing process with no object lost and none duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_fixtures import cli_env
from sharing_fixtures import (
    COLLECTION,
    PASSWORD,
    marked_object,
    marked_objects,
    product,
    serve,
    setup_accounts,
)

from cruce.core.markings import Marking
from cruce.service.sharing import Remote, SyncError, publish, pull, push
from cruce.sharing.exchange import ObjectFilter, PagePosition, VersionPick
from cruce.storage.audit import AuditLog
from cruce.storage.collections import Reader
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

OBJECTS = 1500


@pytest.fixture(scope="module")
def node_a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('node-a') / 'a.db'}"
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        setup_accounts(sharing)
        usa = sharing.account("usa.analyst")
        for i in range(3):
            publish(sharing, AuditLog(store.engine), usa, COLLECTION, product(i))
        assert not sharing.add_objects(COLLECTION, marked_objects(OBJECTS)).failures
    with serve(url) as base:
        yield base, url


def contents(url: str, reader: Reader | None = None) -> list[dict[str, Any]]:
    """Every object version of the collection (as `reader` may see it), in order, parsed."""
    out: list[dict[str, Any]] = []
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        after: PagePosition | None = None
        while True:
            page = sharing.page(
                COLLECTION, ObjectFilter(picks=frozenset({VersionPick.ALL}), after=after), reader
            )
            out += [json.loads(o.for_reader(reader)) for o in page.objects]
            if not page.more:
                return out
            after = page.last


def key(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


def mex_view(url: str) -> list[str]:
    return key(contents(url, Reader(frozenset({"MEX"}), Marking.parse("S").classification)))


def remote(base: str, user: str = "mex.sync") -> Remote:
    return Remote(f"{base}/cruce/", user=user, password=PASSWORD)


def test_pull_brings_exactly_what_mex_may_receive_and_again_nothing(
    node_a: tuple[str, str], database_url: str
) -> None:
    base, a_url = node_a
    with open_store(database_url) as store:
        sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
        first = pull(sharing, audit, remote(base), COLLECTION, page_size=200)
        assert first.pages >= 4 and first.added == first.received
        again = pull(sharing, audit, remote(base), COLLECTION, page_size=200)
        assert (again.received, again.added) == (0, 0)
        assert sharing.count(COLLECTION) == first.added
        assert [r.event.action for r in audit.latest(2)] == ["sync", "sync"]
    expected = mex_view(a_url)
    assert key(contents(database_url)) == expected
    assert len(expected) < len(contents(a_url))  # NOFORN and CAN-only objects stayed home


class _DropAfter(httpx.HTTPTransport):
    """A connection that drops after `n` requests, as a network failure mid-sync would."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left <= 0:
            raise httpx.ReadError("connection reset by peer", request=request)
        self.left -= 1
        return super().handle_request(request)


def test_a_sync_cut_off_mid_way_resumes_without_loss_or_duplicates(
    node_a: tuple[str, str], tmp_path: Path
) -> None:
    base, a_url = node_a
    b_url = f"sqlite:///{tmp_path / 'b.db'}"
    with open_store(b_url) as store:
        sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
        with httpx.Client(transport=_DropAfter(4)) as flaky, pytest.raises(SyncError) as caught:
            pull(sharing, audit, remote(base), COLLECTION, page_size=100, client=flaky)
        assert "run it again" in caught.value.message
        partial = sharing.count(COLLECTION)
        assert 0 < partial < len(mex_view(a_url))
        resumed = pull(sharing, audit, remote(base), COLLECTION, page_size=100)
        assert resumed.added == len(mex_view(a_url)) - partial
    assert key(contents(b_url)) == mex_view(a_url)


class _AnswerFirst(httpx.HTTPTransport):
    """A partner answering `status` to the first `n` requests (then for real)."""

    def __init__(self, n: int, status: int) -> None:
        super().__init__()
        self.left, self.status, self.requests = n, status, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.left > 0:
            self.left -= 1
            return httpx.Response(self.status, json={"title": "busy"})
        return super().handle_request(request)


@pytest.mark.parametrize(
    ("status", "failures", "tries"), [(503, 2, 3), (429, 1, 2), (401, 1, 1), (503, 3, 3)]
)
def test_sync_retries_with_bounded_backoff_and_keeps_a_status(
    node_a: tuple[str, str], tmp_path: Path, status: int, failures: int, tries: int
) -> None:
    """5xx and 429 are retried (3 tries, 0.5/1 s doubling); another 4xx never; `share status` tells."""
    base, _ = node_a
    b_url = f"sqlite:///{tmp_path / 'b.db'}"
    waits: list[float] = []
    with open_store(b_url) as store:
        sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
        transport = _AnswerFirst(failures, status)
        with httpx.Client(transport=transport) as flaky:
            if status == 401 or failures >= tries:
                with pytest.raises(SyncError):
                    pull(sharing, audit, remote(base), COLLECTION, client=flaky, sleep=waits.append)
            else:
                pull(sharing, audit, remote(base), COLLECTION, client=flaky, sleep=waits.append)
        assert transport.requests >= tries
        assert waits == [0.5, 1.0][: tries - 1]
        (row,) = sharing.sync_status()
        assert row.direction == "pull" and row.tries == tries
        if status == 401 or failures >= tries:
            assert row.last_error and f"HTTP {status}" in row.last_error
            assert row.last_success_at is None
        else:
            assert row.last_success_at is not None and row.last_error is None and row.cursor


def test_kill_9_of_the_sync_process_then_rerun_loses_nothing(node_a: tuple[str, str], tmp_path: Path) -> None:
    base, a_url = node_a
    b_url = f"sqlite:///{tmp_path / 'b.db'}"
    env = cli_env(tmp_path / "data", CRUCE_DATABASE_URL=b_url, CRUCE_SYNC_PASSWORD=PASSWORD)
    args = [sys.executable, "-m", "cruce.cli.main", "share", "sync", "--remote", f"{base}/cruce/",
            "--collection", COLLECTION, "--user", "mex.sync", "--page-size", "10"]  # fmt: skip
    with open_store(b_url) as store:
        sharing = SharingStore(store.engine)
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            seen = 0
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    seen = sharing.count(COLLECTION)
                except Exception:  # the collection is not created yet
                    seen = 0
                if seen >= 50:
                    break
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
        killed_at = sharing.count(COLLECTION)
        assert 0 < killed_at < len(mex_view(a_url))
    rerun = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert key(contents(b_url)) == mex_view(a_url)


def test_push_sends_only_what_the_partner_may_receive(node_a: tuple[str, str], tmp_path: Path) -> None:
    base, a_url = node_a
    b_url = f"sqlite:///{tmp_path / 'b.db'}"
    mine = Marking.parse("S//REL TO MEX, USA", owner="MEX")
    secret = Marking.parse("S//NOFORN", owner="MEX")
    from cruce.sharing.stix import marking_definition

    defs = [json.loads(marking_definition(m).serialize()) for m in (mine, secret)]
    ours = [marked_object(80_000 + i, mine if i % 2 else secret) for i in range(40)]
    with open_store(b_url) as store:
        sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
        pull(sharing, audit, remote(base), COLLECTION)
        assert not sharing.add_objects(COLLECTION, [*defs, *ours]).failures
        sent = push(sharing, audit, remote(base), COLLECTION, partner_country="USA", page_size=7)
        assert sent.received > 20
        again = push(sharing, audit, remote(base), COLLECTION, partner_country="USA")
        assert again.received == 0
    at_a = {o["id"]: o for o in contents(a_url)}
    assert all(o["id"] in at_a for o in ours if o["object_marking_refs"] == [defs[0]["id"]])
    assert not any(o["id"] in at_a for o in ours if o["object_marking_refs"] == [defs[1]["id"]])
    assert defs[1]["id"] not in at_a


def test_the_cli_sets_up_a_node_and_publishes(tmp_path: Path) -> None:
    from cli_fixtures import run_cli

    from cruce.sharing.stix import export_product

    data = tmp_path / "data"
    added = subprocess.run(
        [sys.executable, "-m", "cruce.cli.main", "share", "accounts", "add", "ana", "--org", "cbp",
         "--country", "USA", "--clearance", "TS", "--role", "analyst", "--role", "releasing_officer",
         "--password-stdin", "--system", "--token"],
        env=cli_env(data), input="s3cret pass\n", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = added.stdout.split("token (shown once): ")[1].strip()
    assert token.startswith("cruce_") and "s3cret" not in added.stdout
    made = run_cli(data, "share", "collections", "add", COLLECTION, "--title", "Border", "--read", "org:cbp",
                   "--write", "user:ana")  # fmt: skip
    assert made.returncode == 0, made.stderr
    bundle = tmp_path / "product.json"
    bundle.write_text(export_product(product(7)).serialize(), encoding="utf-8")
    published = run_cli(data, "share", "publish", bundle, "--collection", COLLECTION, "--as", "ana")
    assert published.returncode == 0, published.stderr
    assert "released to CAN, MEX" in published.stdout
    listed = run_cli(data, "share", "collections", "ls")
    assert COLLECTION in listed.stdout and "org:cbp r" in listed.stdout
    refused = run_cli(data, "share", "sync", "--remote", "http://127.0.0.1:9/cruce/", "--collection", "x")
    assert refused.returncode == 2 and "CRUCE_SYNC_PASSWORD" in refused.stderr
    with open_store(f"sqlite:///{data / 'cruce.db'}") as store:
        db_text = "\n".join(
            str(row) for row in store.engine.connect().exec_driver_sql("SELECT * FROM share_accounts")
        )
    assert "s3cret" not in db_text and "$argon2id$" in db_text
