"""The fault suite (issue 21), fast part: real processes, real kills, real damage.

Each test's first docstring line is the promise it checks; `python -m benchmarks faults` runs this file
and prints fault, promise and result as a table.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from api_fixtures import prepare
from cli_fixtures import cli_env, write_ofac
from fault_fixtures import CRUCE, Load, cli, cruce_serve, file_mirror, share_serve

from cruce.service.lists import prune_lists
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

pytestmark = pytest.mark.faults


def _resources(url: str) -> list[str]:
    with open_store(url) as store:
        log = AuditLog.of(store)
        assert log.verify().ok, "the audit chain is broken"
        return [r.event.resource for r in log.records()]


def test_kill_9_of_the_server_under_load(tmp_path: Path) -> None:
    """Every screening the server acknowledged is in the audit log after kill -9; the chain is intact."""
    node = prepare(tmp_path / "data")
    with cruce_serve(node.settings.data_dir, workers=2) as (base, process):
        with Load(base, node.headers("usa.officer"), threads=4) as load:
            load.wait_for(150)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            time.sleep(0.3)
        acknowledged = list(load.acknowledged)
    audited = set(_resources(node.settings.resolved_database_url()))
    lost = [name for name in acknowledged if f"person:{name}" not in audited]
    assert len(acknowledged) >= 150
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged screenings not audited: {lost[:3]}"


def test_kill_9_during_an_import(tmp_path: Path) -> None:
    """kill -9 of `lists import` at random moments: the old version stays active and whole, never half."""
    data = tmp_path / "data"
    v1, v2 = write_ofac(tmp_path / "v1", 1), write_ofac(tmp_path / "v2", 2)
    assert cli(data, "lists", "import", *v1, "--list", "us-ofac-sdn").returncode == 0
    url = f"sqlite:///{data / 'cruce.db'}"
    with open_store(url) as store:
        before = store.load_entities()
    rng = random.Random(21)
    outcomes = set()
    for _ in range(6):
        process = subprocess.Popen(
            [sys.executable, "-c", CRUCE, "lists", "import", *map(str, v2), "--list", "us-ofac-sdn"],
            env=cli_env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.2, 2.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        with open_store(url) as store:
            active = store.load_entities()
            newest = store.list_versions()[-1]
            assert active == before or active == store.load_version_entities(newest.id)
            assert len(active) == newest.entity_count
            outcomes.add("new" if active != before else "old")
            before = active
    assert cli(data, "lists", "import", *v2, "--list", "us-ofac-sdn").returncode == 0  # and it goes on
    with open_store(url) as store:
        prune_lists(store, 100)  # abandoned imports are only pruned after an hour; nothing visible breaks
        assert store.list_versions()[-1].active


def test_disk_full_during_an_import(tmp_path: Path) -> None:
    """A full disk refuses the import with a clear error; nothing partial is visible; the old list stays."""
    data = tmp_path / "data"
    assert (
        cli(data, "lists", "import", *write_ofac(tmp_path / "v1", 1), "--list", "us-ofac-sdn").returncode == 0
    )
    url = f"sqlite:///{data / 'cruce.db'}"
    size = sum(p.stat().st_size for p in data.glob("cruce.db*"))
    script = f"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death: what ENOSPC looks like to SQLite
resource.setrlimit(resource.RLIMIT_FSIZE, ({size + 200_000}, {size + 200_000}))
sys.path[:0] = {sys.path!r}
from test_store import full_entity
from cruce.core.model import ListInfo
from cruce.lists.base import ImportResult
from cruce.core.errors import CruceError
from cruce.storage.store import open_store
info = ListInfo("us-ofac-sdn", "SDN", "OFAC", "ofac-csv", None)
entities = [full_entity("us-ofac-sdn", str(i), name=f"PARTY {{i}}, Name") for i in range(20000)]
try:
    result = ImportResult(list_info=info, entities=entities, skipped=[], source_files=[])
    open_store({url!r}).save_import(result)
except CruceError as exc:
    print(exc.code, exc.message)
    sys.exit(1)
print("stored")
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.startswith("save_failed"), run.stdout
    assert "nothing was written" in run.stdout and ("full" in run.stdout or "disk" in run.stdout), run.stdout
    with open_store(url) as store:
        assert [v.key for v in store.list_versions()] == ["us-ofac-sdn@1"]
        assert len(store.load_entities()) == store.list_versions()[0].entity_count


@pytest.mark.postgres
def test_postgresql_connections_killed_under_use(postgres_url: str) -> None:
    """After the database drops every connection (a restart), the next calls work without a restart."""
    import psycopg

    with open_store(postgres_url) as store:
        with store.engine.connect() as conn:  # the pooled connection the next call would get
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = postgres_url.split("?", maxsplit=1)[0].replace("+psycopg", "")
        with psycopg.connect(admin, autocommit=True) as conn:
            killed = conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        assert killed is not None and killed[0] is True
        assert store.list_versions() == []  # pool pre-ping: a dead connection is replaced, no error
        assert AuditLog.of(store).verify().ok


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_database_file_at_start(tmp_path: Path, damage: str) -> None:
    """A corrupted or truncated database file: a clear error naming the file and the restore command."""
    data = tmp_path / "data"
    assert (
        cli(data, "lists", "import", *write_ofac(tmp_path / "v1", 1), "--list", "us-ofac-sdn").returncode == 0
    )
    assert cli(data, "backup", tmp_path / "backup.db").returncode == 0
    database = data / "cruce.db"
    with open_store(f"sqlite:///{database}") as store, store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = database.read_bytes()
    database.write_bytes(b"\x00garbage" * 64 + raw[512:] if damage == "garbage" else raw[: len(raw) // 2])
    run = cli(data, "lists", "ls")
    assert run.returncode == 1
    message = " ".join(run.stderr.split())
    assert str(database) in message.replace(" ", "") or str(database) in message
    assert "cruce restore" in message and "Traceback" not in run.stderr
    restored = cli(data, "restore", tmp_path / "backup.db")
    assert restored.returncode == 0, restored.stderr
    listed = cli(data, "lists", "ls")
    assert listed.returncode == 0 and "us-ofac-sdn" in listed.stdout


def test_two_servers_on_one_embedded_file(tmp_path: Path) -> None:
    """Two `cruce serve` on one SQLite file are safe: both answer, nothing fails, the audit chain holds."""
    node = prepare(tmp_path / "data")
    headers = node.headers("usa.officer")
    with (
        cruce_serve(node.settings.data_dir) as (one, _),
        cruce_serve(node.settings.data_dir) as (two, _),
        Load(one, headers) as first,
        Load(two, headers) as second,
    ):
        if True:
            first.wait_for(60)
            second.wait_for(60)
            runs = cli(node.settings.data_dir, "lists", "import", *write_ofac(tmp_path / "v2", 2), "--list",
                       "us-ofac-sdn")  # fmt: skip
            assert runs.returncode == 0, runs.stderr
    assert not first.errors and not second.errors, (first.errors + second.errors)[:3]
    audited = set(_resources(node.settings.resolved_database_url()))
    acknowledged = first.acknowledged + second.acknowledged
    assert all(f"person:{name}" in audited for name in acknowledged)


def test_restore_refused_while_a_server_uses_the_file(tmp_path: Path) -> None:
    """`cruce restore` under a running `cruce serve` is refused, clearly, and changes nothing."""
    node = prepare(tmp_path / "data")
    data = node.settings.data_dir
    assert cli(data, "backup", tmp_path / "backup.db").returncode == 0
    assert (
        cli(data, "lists", "import", *write_ofac(tmp_path / "v2", 2), "--list", "us-ofac-sdn").returncode == 0
    )
    with cruce_serve(data):
        refused = cli(data, "restore", tmp_path / "backup.db")
        assert refused.returncode != 0
        message = " ".join(refused.stderr.split())
        assert "cruce serve" in message and "stop the server first" in message, message
    with open_store(node.settings.resolved_database_url()) as store:  # nothing was changed
        assert max(v.version for v in store.list_versions("us-ofac-sdn")) == 2
    assert cli(data, "restore", tmp_path / "backup.db").returncode == 0  # once the server stopped


def test_kill_9_during_lists_update(tmp_path: Path) -> None:
    """kill -9 of `lists update` (downloading or importing): old or new version, whole; the next run lands."""
    data = tmp_path / "data"
    v1, v2 = write_ofac(tmp_path / "v1", 1), write_ofac(tmp_path / "v2", 2)
    assert cli(data, "lists", "import", *v1, "--list", "us-ofac-sdn").returncode == 0
    url = f"sqlite:///{data / 'cruce.db'}"
    with open_store(url) as store:
        old = store.load_entities()
    rng = random.Random(2121)
    with file_mirror(v2[0].parent, delay_s=0.1) as mirror:
        update = [sys.executable, "-c", CRUCE, "lists", "update", "us-ofac-sdn", "--base-url", mirror]
        for _ in range(5):
            process = subprocess.Popen(
                update, env=cli_env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.1, 2.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            with open_store(url) as store:
                active = store.load_entities()
                complete = [v for v in store.list_versions() if v.status.value == "complete"]
                assert active == old or active == store.load_version_entities(complete[-1].id)
                assert len(active) == complete[-1].entity_count
        finished = subprocess.run(
            update, env=cli_env(data), capture_output=True, text=True, timeout=180, check=False
        )
    assert finished.returncode == 0, finished.stderr
    with open_store(url) as store:
        active = store.load_entities()
        complete = [v for v in store.list_versions() if v.status.value == "complete"]
        assert active == store.load_version_entities(complete[-1].id) and active != old  # v2, whole
        # an update of files already imported adds no version: at most one new complete version
        assert len(complete) == 2, [v.key for v in complete]


def test_disk_full_under_the_api_fails_closed(tmp_path: Path) -> None:
    """A full disk under `cruce serve`: 503 audit_append_failed, never an unaudited answer."""
    node = prepare(tmp_path / "data")
    database = node.settings.data_dir / "cruce.db"
    with open_store(node.settings.resolved_database_url()) as store, store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    limit = database.stat().st_size + 150_000  # every file the server writes stops growing here
    prelude = (
        "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
    )
    refused: list[str] = []
    with cruce_serve(node.settings.data_dir, prelude=prelude) as (base, _process):
        with Load(base, node.headers("usa.officer"), threads=3) as load:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not any(e.startswith("503") for e in load.errors):
                time.sleep(0.1)
            time.sleep(0.5)
        refused = [e for e in load.errors if e.startswith("503")]
        acknowledged = list(load.acknowledged)
        others = [e for e in load.errors if not e.startswith("503")]
    assert refused, f"no 503 after {len(acknowledged)} screenings: {load.errors[:3]}"
    assert all("audit_append_failed" in e for e in refused), refused[:3]
    assert not others, others[:3]
    audited = set(_resources(node.settings.resolved_database_url()))
    lost = [name for name in acknowledged if f"person:{name}" not in audited]
    assert not lost, f"{len(lost)} answered screenings were not audited: {lost[:3]}"


@pytest.mark.parametrize("partner", ["unreachable", "garbage"])
def test_a_partner_unreachable_or_answering_garbage_during_sync(tmp_path: Path, partner: str) -> None:
    """A partner down or answering garbage: retried with backoff, then a clear error, audited and shown by
    `share status`; nothing half-applied."""
    from cruce.sharing.audit import Outcome
    from cruce.storage.sharing import SharingStore

    data = tmp_path / "data"
    site = tmp_path / "site" / "cruce" / "collections" / "c1" / "objects"
    site.mkdir(parents=True)
    for folder in (site, site.parent):
        (folder / "index.html").write_text("<html>an error page, not TAXII")
    with file_mirror(tmp_path / "site") as mirror:
        remote = f"{mirror}/cruce/" if partner == "garbage" else "http://127.0.0.1:9/cruce/"
        run = cli(data, "share", "sync", "--remote", remote, "--collection", "c1", "--user", "u",
                  env={"CRUCE_SYNC_PASSWORD": "x", "CRUCE_SYNC_BACKOFF_S": "0.1"})  # fmt: skip
    shown = " ".join(cli(data, "share", "status").stdout.split())
    message = " ".join(run.stderr.split())
    assert run.returncode != 0
    assert "bug" not in message and "Traceback" not in run.stderr, message
    assert ("not TAXII JSON" if partner == "garbage" else "run it again to resume") in message, message
    url = f"sqlite:///{data / 'cruce.db'}"
    with open_store(url) as store:
        assert [c.id for c in SharingStore(store.engine).collections()] == []  # nothing half-applied
        denied = [r.event for r in AuditLog.of(store).records() if r.event.outcome == Outcome.DENIED]
        assert any(e.action == "sync" and "collections/c1" in e.resource for e in denied)
    # `share status` shows it: the partner, never a success, the error, and the tries (3 when unreachable)
    assert "c1 pull" in shown and "last success: never" in shown and "error: " in shown, shown
    assert f"tries of the last run: {3 if partner == 'unreachable' else 1}" in shown, shown


def test_kill_9_during_a_batch_job_resumes_exactly_once(tmp_path: Path) -> None:
    """kill -9 of `cruce serve --workers 2` mid batch job: it resumes once, each row's results once."""
    import csv
    import io

    import httpx

    node = prepare(tmp_path / "data")
    env = {"CRUCE_JOB_LEASE_S": "1.5"}
    rows = 3000
    lines = ["id,name,birth_date", "r1,Juan Carlos Hernandez,1975-03-02"]
    lines += [f"r{i},Persona Numero {i}," for i in range(2, rows + 1)]
    headers = node.headers("usa.analyst")
    rng = random.Random(21)
    with (
        cruce_serve(node.settings.data_dir, workers=2, env=env) as (base, process),
        httpx.Client(base_url=base, headers=headers, timeout=30) as http,
    ):
        started = http.post(
            "/api/v1/screen/batch", files={"file": ("in.csv", "\n".join(lines).encode(), "text/csv")}
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        kill_at = rng.choice((250, 500, 750, 1000))
        deadline = time.monotonic() + 60
        while (done := http.get(f"/api/v1/jobs/{job_id}").json()["done"]) < kill_at:
            assert time.monotonic() < deadline, "the job made no progress"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert done < rows, "the job finished before the kill; make it longer"
    with (
        cruce_serve(node.settings.data_dir, workers=2, env=env) as (base, _process),
        httpx.Client(base_url=base, headers=headers, timeout=30) as http,
    ):
        deadline = time.monotonic() + 90
        while (job := http.get(f"/api/v1/jobs/{job_id}").json())["state"] != "done":
            assert job["state"] in ("queued", "running"), {k: job[k] for k in ("state", "done", "error")}
            assert time.monotonic() < deadline, f"the job was not resumed: {job}"
            time.sleep(0.1)
        results = http.get(job["results"])
        assert results.status_code == 200
    assert job["total"] == rows and job["done"] == rows and job["summary"]["queries"] == rows
    found = list(csv.DictReader(io.StringIO(results.text)))
    ids = [r["query_id"] for r in found if r["rank"] in ("0", "1")]
    assert sorted(ids) == sorted(f"r{i}" for i in range(1, rows + 1)), "a row missing or repeated"
    per_row = {r["query_id"] for r in found}
    assert len(per_row) == rows
    with open_store(node.settings.resolved_database_url()) as store:
        log = AuditLog.of(store)
        assert log.verify().ok, "the audit chain is broken"
        events = [r.event for r in log.records() if r.event.resource == job_id]
    actions = [e.action for e in events]
    assert actions.count("resume_job") == 1, actions  # claimed by exactly one of the two new workers
    assert actions.count("screen_batch_done") == 1
    alerting = [e for e in events if e.action == "raise_alerts"]
    assert [e.reason for e in alerting] == ["batch row r1"], alerting  # one record per alerting row, once


def _share_node(data: Path, objects: Sequence[Mapping[str, Any]] = ()) -> tuple[str, str]:
    """A node with the sharing fixtures' accounts and collection (and `objects`): its database URL and an
    API key of mex.sync."""
    from sharing_fixtures import setup_accounts

    from cruce.storage.sharing import SharingStore

    data.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data / 'cruce.db'}"
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        setup_accounts(sharing)
        if objects:
            assert not sharing.add_objects("border-intel", objects).failures
        return url, sharing.issue_token("mex.sync")


def _all(url: str, reader: Any = None) -> list[tuple[str, str]]:
    """(id, version) of every object version in the collection `reader` may see (None: everything)."""
    from cruce.sharing.exchange import ObjectFilter, PagePosition, VersionPick
    from cruce.storage.sharing import SharingStore

    out: list[tuple[str, str]] = []
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        after: PagePosition | None = None
        while True:
            flt = ObjectFilter(picks=frozenset({VersionPick.ALL}), after=after)
            page = sharing.page("border-intel", flt, reader)
            out += [(o.object_id, o.version) for o in page.objects]
            if not page.more:
                return sorted(out)
            after = page.last


def _objects(url: str, *, origin: str | None = None) -> list[tuple[str, str]]:
    """(id, version) of every object version in the collection (received from `origin`, if given)."""
    import sqlalchemy as sa

    with open_store(url) as store, store.engine.connect() as conn:
        query = "SELECT object_id, version, origin FROM share_objects WHERE collection_id = 'border-intel'"
        rows = conn.execute(sa.text(query)).all()
    return sorted((r.object_id, r.version) for r in rows if origin is None or r.origin == origin)


def _kill_when(process: subprocess.Popen[bytes], reached: Callable[[], bool], timeout: float = 60) -> None:
    """kill -9 of `process` once `reached()` (or it ended, or `timeout`)."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and not reached() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_kill_9_during_publish(tmp_path: Path) -> None:
    """kill -9 of `share publish` at random moments: each product all there or absent; no duplicate."""
    import sqlalchemy as sa
    from sharing_fixtures import product

    from cruce.sharing.stix import export_product

    data = tmp_path / "data"
    url, _key = _share_node(data)
    products = [product(i) for i in range(60)]
    objects: dict[str, Any] = {}
    for p in products:
        for obj in json.loads(export_product(p).serialize())["objects"]:
            objects.setdefault(obj["id"], obj)
    bundle = tmp_path / "bundle.json"
    bundle_id = "bundle--00000000-0000-4000-8000-000000000000"
    bundle.write_text(json.dumps({"type": "bundle", "id": bundle_id, "objects": list(objects.values())}))
    command = [sys.executable, "-c", CRUCE, "share", "publish", str(bundle), "--collection", "border-intel",
               "--as", "usa.analyst"]  # fmt: skip

    def states() -> dict[str, str]:
        """Per product: 'all' (product, its 3 reports, its audit record), 'none', or what is half there."""
        with open_store(url) as store, store.engine.connect() as conn:
            kept = {r[0] for r in conn.execute(sa.text("SELECT product_id FROM share_products"))}
            reports: dict[str, int] = {}
            query = "SELECT data FROM share_objects WHERE object_type = 'report'"
            for (text,) in conn.execute(sa.text(query)):
                pid = json.loads(text).get("x_cruce_product_id")
                reports[pid] = reports.get(pid, 0) + 1
            log = AuditLog.of(store)
            assert log.verify().ok, "the audit chain is broken"
            written: dict[str, int] = {}
            for r in log.records():
                if r.event.action == "write" and "product" in r.event.details:
                    pid = str(r.event.details["product"])
                    written[pid] = written.get(pid, 0) + 1
        out = {}
        for p in products:
            # each run that reached a product audits its publish (a re-run's says "0 new"): at least one
            got = (p.product_id in kept, reports.get(p.product_id, 0), min(1, written.get(p.product_id, 0)))
            out[p.product_id] = {(True, 3, 1): "all", (False, 0, 0): "none"}.get(got, f"HALF {got}")
        return out

    rng = random.Random(21)
    seen = set()
    for _ in range(4):
        process = subprocess.Popen(command, env=cli_env(data), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(1.0, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        found = states()
        half = {k: v for k, v in found.items() if v.startswith("HALF")}
        assert not half, half
        seen |= set(found.values())
    run = partial(subprocess.run, command, env=cli_env(data), capture_output=True, text=True, timeout=120)
    done = run(check=False)
    assert done.returncode == 0, done.stderr
    assert set(states().values()) == {"all"}
    stored = _objects(url)
    again = run(check=False)
    assert again.returncode == 0 and again.stdout.count(": 0 new object versions") == len(products)
    assert _objects(url) == stored
    assert len({i for i, _ in stored}) == len(stored), "an object stored in two versions"


@pytest.mark.parametrize("direction", ["pull", "push"])
def test_kill_9_during_a_taxii_sync(tmp_path: Path, direction: str) -> None:
    """kill -9 of `share sync` mid pull or push between two nodes: a re-run resumes, no duplicate, no gap."""
    from sharing_fixtures import marked_object, marked_objects

    from cruce.core.markings import Marking
    from cruce.sharing.stix import marking_definition
    from cruce.storage.collections import Reader

    if direction == "pull":  # B pulls A's collection: what MEX may receive
        source_url, key = _share_node(tmp_path / "a", marked_objects(600))  # mex.sync's key on A
        target_url, _ = _share_node(tmp_path / "b")
    else:  # B (a MEX node) sends A (USA) what USA may receive of what it wrote
        mine, secret = (Marking.parse(m, owner="MEX") for m in ("S//REL TO MEX, USA", "S//NOFORN"))
        defs = [json.loads(marking_definition(m).serialize()) for m in (mine, secret)]
        ours = [marked_object(i, mine if i % 4 else secret) for i in range(600)]
        target_url, key = _share_node(tmp_path / "a")
        source_url, _ = _share_node(tmp_path / "b", [*defs, *ours])
    reader = Reader(frozenset({"MEX" if direction == "pull" else "USA"}), Marking.parse("S").classification)
    with share_serve(tmp_path / "a") as root:
        command = [sys.executable, "-c", CRUCE, "share", "sync", "--remote", root, "--collection",
                   "border-intel", "--token-env", "KEY", "--page-size", "10", "--partner-country",
                   "USA"]  # fmt: skip
        if direction == "push":
            command.append("--push")
        env = cli_env(tmp_path / "b", KEY=key)
        threshold = random.Random(21).choice((30, 80, 140))
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # One connection held for the whole watch: opening a store per poll took long enough on a loaded
        # machine (CI) for the whole sync to land between two polls.
        with closing(sqlite3.connect(target_url.removeprefix("sqlite:///"), timeout=30)) as watch:
            count = "SELECT count(*) FROM share_objects WHERE collection_id = 'border-intel'"
            _kill_when(process, lambda: watch.execute(count).fetchone()[0] >= threshold)
        assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
        killed_at = len(_objects(target_url))
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert rerun.returncode == 0, rerun.stderr
    expected = _all(source_url, reader)
    assert 0 < killed_at < len(expected), killed_at
    assert _all(target_url) == expected, "a duplicate or a gap"
    assert len(set(expected)) == len(expected)
