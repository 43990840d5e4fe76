"""Issue 21, "keeps working through faults": `python -m benchmarks faults` and `python -m benchmarks soak`.

faults prints three tables:
- storage growth: ten daily versions of the SDN (about 1% of entries changed each day) against one
  version, as SQLite file sizes after VACUUM (target: at most 2x; full copies took 9.8x);
- screening latency while a full SDN import runs against the same embedded file, against the quiet p99
  measured in the same run (target: within 2x), booths screening at a steady rate on `cruce serve`;
- the fault table: each fault, the promise it checks, and the result of the fault suite
  (`tests/integration/test_faults.py`, run here with pytest; its fast part is also in CI).

soak runs `cruce serve` with screenings at a steady rate and a list import every minute for `--duration`
seconds (30 minutes in earnest), printing memory (RSS of the server processes) and p99 per interval; it
fails on any error or on memory growth of 10% or more after warm-up.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from benchmarks.data import LIST_FILES, DataMissingError, watchlist_dir
from benchmarks.report import write_json

REPO_ROOT = Path(__file__).resolve().parent.parent
CRUCE = "import sys; from cruce.cli.main import run; run(sys.argv[1:])"
DAYS = 10
DAILY_CHANGE = 0.01


# -- storage growth ------------------------------------------------------------------------------------


def _sdn_entities(seed: int) -> tuple[list[Any], str]:
    from cruce.lists.base import load_list

    try:
        directory = watchlist_dir()
        result = load_list("us-ofac-sdn", [directory / name for name in LIST_FILES["us-ofac-sdn"]])
        return list(result.entities), f"the real SDN ({len(result.entities)} entities)"
    except (DataMissingError, OSError):
        from cruce.synthetic.watchlist import generate_watchlist

        entities = generate_watchlist(seed, 9000)
        return entities, f"a synthetic list of {len(entities)} entities (real SDN absent)"


def _file_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
    return path.stat().st_size


def storage_growth(out: Console, seed: int) -> dict[str, Any]:
    """Sizes of one and of ten daily versions (1% changed a day), each in a fresh embedded file."""
    from cruce.core.model import ListInfo
    from cruce.lists.base import ImportResult
    from cruce.storage.store import open_store

    entities, source = _sdn_entities(seed)
    info = ListInfo("us-ofac-sdn", "OFAC SDN", "OFAC", "ofac-csv", None)
    rng = random.Random(seed)
    sizes: dict[int, int] = {}
    diff_s = 0.0
    with tempfile.TemporaryDirectory(prefix="cruce-growth-") as tmp:
        for days in (1, DAYS):
            path = Path(tmp) / f"days{days}.db"
            current = list(entities)
            with open_store(f"sqlite:///{path}") as store:
                for day in range(days):
                    if day:
                        for i in rng.sample(range(len(current)), int(len(current) * DAILY_CHANGE)):
                            current[i] = dataclasses.replace(current[i], remarks=f"amended on day {day}")
                    store.save_import(
                        ImportResult(list_info=info, entities=current, skipped=[], source_files=[])
                    )
                if days == DAYS:
                    started = time.perf_counter()
                    diff = store.diff("us-ofac-sdn", 1, DAYS)
                    diff_s = time.perf_counter() - started
            sizes[days] = _file_size(path)
    ratio = sizes[DAYS] / sizes[1]
    table = Table(title=f"Storage growth: {DAYS} daily versions, {DAILY_CHANGE:.0%} changed a day ({source})")
    for column in ("versions", "file size", "ratio to one", "target"):
        table.add_column(column, justify="right")
    table.add_row("1", f"{sizes[1] / 1e6:.1f} MB", "1.00x", "")
    table.add_row(str(DAYS), f"{sizes[DAYS] / 1e6:.1f} MB", f"{ratio:.2f}x", "<= 2x (full copies: 9.8x)")
    out.print(table)
    out.print(
        f"  lists diff 1..{DAYS}: {len(diff.changed)} changed, {diff.unchanged} unchanged in {diff_s:.2f} s"
    )
    return {
        "one_version_bytes": sizes[1],
        "ten_versions_bytes": sizes[DAYS],
        "ratio": ratio,
        "diff_s": diff_s,
    }


# -- screening latency while an import runs ------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRUCE_")}
    env["CRUCE_DATA_DIR"] = str(data_dir)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    """`cruce serve --workers N` in its own process group."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", CRUCE, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).json().get("entities", 0) > 0:
                    return
            except (httpx.TransportError, ValueError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("cruce serve did not start")
            time.sleep(0.2)

    def rss_mb(self) -> float:
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        total = 0.0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total

    def stop(self) -> None:
        import signal

        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


class _Booths:
    """Threads screening at a steady total rate; every answer kept as (start time, latency s, status)."""

    def __init__(self, base: str, key: str, rate_per_s: float, threads: int = 4) -> None:
        self.samples: list[tuple[float, float, int]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        interval = threads / rate_per_s
        self._threads = [
            threading.Thread(target=self._run, args=(base, key, interval, n), daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, base: str, key: str, interval: float, n: int) -> None:
        rng = random.Random(n)
        names = ("Juan Carlos Hernandez", "Maria Guadalupe Lopez", "Pedro Ramirez Soto", "Ana Torres")
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as http:
            next_at = time.monotonic() + rng.random() * interval
            while not self._stop.is_set():
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
                started = time.monotonic()
                try:
                    status = http.post("/api/v1/screen", json={"name": rng.choice(names)}).status_code
                except httpx.TransportError:
                    status = 0
                with self._lock:
                    self.samples.append((started, time.monotonic() - started, status))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def window(self, start: float, end: float) -> list[tuple[float, float, int]]:
        with self._lock:
            return [s for s in self.samples if start <= s[0] < end]


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _prepare_node(data_dir: Path) -> str:
    """A node serving the OFAC consolidated list (the SDN comes later, under load); returns an API key."""
    from cruce.service.lists import import_list
    from cruce.storage.sharing import SharingStore
    from cruce.storage.store import open_store

    directory = watchlist_dir()
    with open_store(f"sqlite:///{data_dir / 'cruce.db'}") as store:
        import_list(store, "us-ofac-cons", [directory / n for n in LIST_FILES["us-ofac-cons"]])
        sharing = SharingStore(store.engine)
        sharing.add_account(
            "bench.booth", organisation="cbp", country="USA", clearance="U", roles=["officer"]
        )
        return sharing.issue_token("bench.booth")


def import_under_load(
    out: Console, quiet_s: float, rate: float, server_workers: int, rounds: int = 4
) -> dict[str, Any]:
    """p99 of screenings in quiet windows and during `cruce lists import` of the SDN, interleaved.

    `rounds` times: a quiet window, a parse-only control, an import. Samples of a kind are pooled over the
    rounds, so the machine's noise falls on every kind alike. The first import stores every entity; the
    later ones find them stored (memberships and the hashing only), and are pooled as their own row.
    """
    directory = watchlist_dir()
    sdn = [str(directory / n) for n in LIST_FILES["us-ofac-sdn"]]
    parse_only = (
        "import sys; from pathlib import Path; from cruce.lists.base import load_list; "
        "load_list('us-ofac-sdn', [Path(p) for p in sys.argv[1:]])"
    )
    importing = [sys.executable, "-c", CRUCE, "lists", "import", *sdn, "-l", "us-ofac-sdn"]
    labels = ("quiet", "control: parse the SDN only, no write", "first SDN import (all new)",
              "SDN re-imports (unchanged)")  # fmt: skip
    pooled: dict[str, list[tuple[float, float, int]]] = {label: [] for label in labels}
    seconds: dict[str, float] = dict.fromkeys(labels, 0.0)
    codes: dict[str, int] = dict.fromkeys(labels, 0)
    with tempfile.TemporaryDirectory(prefix="cruce-import-load-") as tmp:
        data_dir = Path(tmp)
        key = _prepare_node(data_dir)
        server = _Server(data_dir, server_workers)
        booths = _Booths(server.base, key, rate)
        try:
            time.sleep(3)  # warm-up
            for round_ in range(rounds):
                start = time.monotonic()
                time.sleep(quiet_s)
                pooled["quiet"] += booths.window(start, time.monotonic())
                seconds["quiet"] += time.monotonic() - start
                steps = ((labels[1], [sys.executable, "-c", parse_only, *sdn]),
                         (labels[2] if round_ == 0 else labels[3], importing))  # fmt: skip
                for label, command in steps:
                    start = time.monotonic()
                    run = subprocess.run(command, env=_env(data_dir), capture_output=True, check=False)
                    end = time.monotonic()
                    pooled[label] += booths.window(start, end)
                    seconds[label] += end - start
                    codes[label] |= run.returncode
                    time.sleep(1)
        finally:
            booths.stop()
            server.stop()
    rows = [(label, pooled[label], seconds[label], codes[label]) for label in labels]
    quiet_p99 = _p([s[1] for s in rows[0][1]], 0.99)
    table = Table(
        title=f"Screening while an import writes (cruce serve --workers {server_workers}, {rate:g}/s)"
    )
    for column in ("window", "seconds", "screenings", "errors", "p50 ms", "p99 ms", "p99 / quiet", "import"):
        table.add_column(column, justify="right")
    result: dict[str, Any] = {}
    for label, samples, seconds, code in rows:
        latencies = [s[1] for s in samples]
        errors = sum(1 for s in samples if s[2] != 200)
        p99 = _p(latencies, 0.99)
        table.add_row(
            label,
            f"{seconds:.1f}",
            str(len(samples)),
            str(errors),
            f"{_p(latencies, 0.5) * 1000:.1f}",
            f"{p99 * 1000:.1f}",
            f"{p99 / quiet_p99:.2f}x",
            "" if label == "quiet" else ("ok" if code == 0 else "FAILED"),
        )
        result[label] = {"seconds": seconds, "n": len(samples), "errors": errors, "p99_s": p99, "rc": code}
    out.print(table)
    out.print("  target: p99 during the import within 2x of the quiet p99, no error, the import lands")
    return result


# -- the fault table -----------------------------------------------------------------------------------

FAULTS = {
    "test_kill_9_of_the_server_under_load": "kill -9 of cruce serve under load",
    "test_kill_9_during_an_import": "kill -9 during lists import",
    "test_disk_full_during_an_import": "disk full during an import",
    "test_postgresql_connections_killed_under_use": "PostgreSQL drops its connections",
    "test_a_damaged_database_file_at_start[garbage]": "corrupted database file at start",
    "test_a_damaged_database_file_at_start[truncated]": "truncated database file at start",
    "test_two_servers_on_one_embedded_file": "two cruce serve on one SQLite file",
    "test_restore_refused_while_a_server_uses_the_file": "cruce restore under a running server",
    "test_kill_9_during_lists_update": "kill -9 during lists update (local mirror)",
    "test_disk_full_under_the_api_fails_closed": "disk full under cruce serve",
    "test_a_partner_unreachable_or_answering_garbage_during_sync[unreachable]": "partner unreachable",
    "test_a_partner_unreachable_or_answering_garbage_during_sync[garbage]": "partner answering garbage",
    "test_kill_9_during_a_batch_job_resumes_exactly_once": "kill -9 of cruce serve mid batch job",
    "test_kill_9_during_publish": "kill -9 during share publish",
    "test_kill_9_during_a_taxii_sync[pull]": "kill -9 during a TAXII pull (two nodes)",
    "test_kill_9_during_a_taxii_sync[push]": "kill -9 during a TAXII push (two nodes)",
}
NOT_COVERED: dict[str, str] = {}


def fault_table(out: Console) -> dict[str, str]:
    import ast

    suite = REPO_ROOT / "tests" / "integration" / "test_faults.py"
    promises: dict[str, str] = {}
    for node in ast.parse(suite.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            promises[node.name] = (ast.get_docstring(node) or "").splitlines()[0]
    with tempfile.TemporaryDirectory(prefix="cruce-faults-") as tmp:
        report = Path(tmp) / "junit.xml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(suite),
                f"--junitxml={report}",
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        results: dict[str, str] = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            name = case.get("name", "")
            outcome = "passed"
            for child in case:
                if child.tag in ("failure", "error"):
                    outcome = "FAILED: " + (child.get("message") or "")[:80]
                elif child.tag == "skipped":
                    outcome = "skipped: " + (child.get("message") or "")[:80]
            results[name] = f"{outcome} ({float(case.get('time', 0)):.1f} s)"
    table = Table(title="Faults: the promise each one checks (tests/integration/test_faults.py)")
    for column in ("fault", "promise", "result"):
        table.add_column(column)
    for name, fault in FAULTS.items():
        table.add_row(fault, promises.get(name.split("[")[0], ""), results.get(name, "not run"))
    for fault, why in NOT_COVERED.items():
        table.add_row(fault, "", why)
    out.print(table)
    return results


def run_faults(out: Console, *, seed: int, quick: bool, server_workers: int) -> int:
    growth = storage_growth(out, seed)
    try:
        load = import_under_load(
            out, quiet_s=5, rate=40, server_workers=server_workers, rounds=4 if quick else 10
        )
    except DataMissingError as exc:
        out.print(f"[yellow]screening under import skipped:[/] {exc}")
        load = {}
    results = fault_table(out)
    write_json(
        "faults", {"benchmark": "faults", "growth": growth, "import_under_load": load, "faults": results}
    )
    failed = [n for n, r in results.items() if r.startswith("FAILED")]
    return 1 if failed or growth["ratio"] > 2 else 0


# -- soak ----------------------------------------------------------------------------------------------


def _partner_node(data_dir: Path) -> str:
    """A second node (MEX) with a collection the soaked node pulls from; returns a key of its sync account."""
    from cruce.storage.sharing import SharingStore
    from cruce.storage.store import open_store

    with open_store(f"sqlite:///{data_dir / 'cruce.db'}") as store:
        sharing = SharingStore(store.engine)
        sharing.add_account("usa.sync", organisation="cbp", country="USA", clearance="S", roles=["analyst"])
        sharing.add_collection("border-intel", "Border intelligence", "for partners")
        sharing.grant("border-intel", "user:usa.sync", read=True, write=False)
        return sharing.issue_token("usa.sync")


def _partner_publishes(data_dir: Path, round_: int, n: int = 50) -> None:
    """The partner writes `n` new indicators (UNCLASSIFIED, for everyone) between two syncs."""
    import uuid

    from cruce.core.markings import Marking
    from cruce.sharing.stix import marking_definition
    from cruce.storage.sharing import SharingStore
    from cruce.storage.store import open_store

    marking = json.loads(marking_definition(Marking.parse("U", owner="MEX")).serialize())
    objects: list[dict[str, Any]] = [marking]
    for i in range(round_ * n, (round_ + 1) * n):
        ident = uuid.uuid5(uuid.NAMESPACE_URL, f"soak-{i}")
        address = f"10.9.{i // 250 % 250}.{i % 250}"
        objects.append({
            "type": "indicator", "spec_version": "2.1", "id": f"indicator--{ident}",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "name": f"soak indicator {i}", "pattern": f"[ipv4-addr:value = '{address}']",
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
            "object_marking_refs": [marking["id"]],
        })  # fmt: skip
    with open_store(f"sqlite:///{data_dir / 'cruce.db'}") as store:
        SharingStore(store.engine).add_objects("border-intel", objects)


def run_soak(
    out: Console, *, duration_s: float, rate: float, server_workers: int, interval_s: float = 30
) -> int:
    """Steady screenings, a list import every minute, a sync with a partner node every 30 s; memory and
    p99 per interval; 0 errors expected."""
    directory = watchlist_dir()
    sdn = [str(directory / n) for n in LIST_FILES["us-ofac-sdn"]]
    table = Table(
        title=f"Soak: {duration_s:g} s, {rate:g} screenings/s, an SDN import every 60 s, a sync every 30 s"
    )
    for column in ("t s", "screenings", "errors", "p99 ms", "server RSS MB", "imports ok", "syncs ok"):
        table.add_column(column, justify="right")
    rows: list[tuple[float, int, int, float, float, int, int]] = []
    imports_ok = imports_failed = syncs_ok = syncs_failed = 0
    with tempfile.TemporaryDirectory(prefix="cruce-soak-") as tmp:
        data_dir = Path(tmp) / "node"
        partner_dir = Path(tmp) / "partner"
        data_dir.mkdir()
        partner_dir.mkdir()
        key = _prepare_node(data_dir)
        partner_key = _partner_node(partner_dir)
        port = _free_port()
        partner = subprocess.Popen(
            [sys.executable, "-c", CRUCE, "share", "serve", "--port", str(port)], env=_env(partner_dir),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        server = _Server(data_dir, server_workers)
        booths = _Booths(server.base, key, rate)
        start = last = time.monotonic()
        next_import = start + 5
        next_sync, sync_round = start + 15, 0
        try:
            while time.monotonic() - start < duration_s:
                time.sleep(1)
                now = time.monotonic()
                if now >= next_sync:
                    next_sync += 30
                    _partner_publishes(partner_dir, sync_round)
                    sync_round += 1
                    code = subprocess.run(
                        [sys.executable, "-c", CRUCE, "share", "sync", "--remote",
                         f"http://127.0.0.1:{port}/cruce/", "--collection", "border-intel",
                         "--token-env", "PARTNER_KEY", "--partner-country", "MEX"],
                        env=_env(data_dir) | {"PARTNER_KEY": partner_key}, capture_output=True, check=False,
                    ).returncode  # fmt: skip
                    syncs_ok += code == 0
                    syncs_failed += code != 0
                    next_import += 60
                    code = subprocess.run(
                        [sys.executable, "-c", CRUCE, "lists", "import", *sdn, "--list", "us-ofac-sdn"],
                        env=_env(data_dir) | {"CRUCE_LIST_RETENTION": "3"},
                        capture_output=True,
                        check=False,
                    ).returncode
                    imports_ok += code == 0
                    imports_failed += code != 0
                if now - last >= interval_s:
                    window = booths.window(last, now)
                    rows.append(
                        (
                            now - start,
                            len(window),
                            sum(1 for s in window if s[2] != 200),
                            _p([s[1] for s in window], 0.99) * 1000,
                            server.rss_mb(),
                            imports_ok,
                            syncs_ok,
                        )
                    )
                    table.add_row(*(f"{v:.0f}" if isinstance(v, float) else str(v) for v in rows[-1]))
                    last = now
        finally:
            booths.stop()
            server.stop()
            os.killpg(partner.pid, 15)
            partner.wait(timeout=30)
    out.print(table)
    errors = sum(r[2] for r in rows) + imports_failed + syncs_failed
    warm = rows[1][4] if len(rows) > 1 else (rows[0][4] if rows else 0.0)
    growth = (rows[-1][4] / warm - 1) if rows and warm else 0.0
    out.print(
        f"  errors {errors} (imports failed {imports_failed}, syncs {syncs_ok} ok, {syncs_failed} failed); "
        f"memory after warm-up {warm:.0f} MB -> {rows[-1][4] if rows else 0:.0f} MB "
        f"({growth:+.1%}; target < +10%)"
    )
    write_json(
        "soak",
        {"benchmark": "soak", "duration_s": duration_s, "rows": rows, "errors": errors, "growth": growth},
    )
    return 1 if errors or growth >= 0.10 else 0
