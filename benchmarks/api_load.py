"""API load: `POST /api/v1/screen` sustained over real HTTP on loopback, as booths would call it.

A throw-away data directory gets the real lists (OFAC SDN, OFAC consolidated, UN: ~25,000 names) and an
officer account with an API key; `cruce serve` runs in a subprocess (`--server-workers` processes); an
async httpx load generator (keep-alive, `--concurrency` requests in flight, nothing else) screens a
seeded mix of names for `--duration` seconds: 1 in 10 a listed name (those alert, and the alert queue
dedupes them), the rest invented Mexican, Colombian, US and Arabic-looking names. Every request is authed
and audited, as in production.

Reported: requests/s, p50/p99/max latency, errors, and the server's memory (RSS of the server process
and its workers) after warm-up and at the end, sampled every 5 s in between: memory must stay flat.
Target (issue 6): >= 500 requests/s with p99 <= 50 ms on 2 cores. Loopback only, bounded: the generator
shares the machine's cores with the server, so the numbers are a floor.

    python -m benchmarks api-load [--duration 300] [--concurrency 16] [--server-workers 2] [--quick]
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from benchmarks.data import LIST_FILES, SCREENED_LISTS, DataMissingError, watchlist_dir
from benchmarks.report import write_json

TARGET_RPS = 500
TARGET_P99_MS = 50.0
WARMUP_S = 5.0
SAMPLE_EVERY_S = 5.0
GIVEN = ("Juan", "María", "José", "Luis", "Ana", "Carlos", "Guadalupe", "Jorge", "Sofía", "Miguel", "Ahmed",
         "Fatima", "John", "Mary", "Andrés", "Camila", "Omar", "Laura", "Ricardo", "Elena")  # fmt: skip
SURNAMES = ("Hernández", "García", "López", "Martínez", "Rodríguez", "Pérez", "Gómez", "Sánchez", "Ramírez",
            "Torres", "Flores", "Rivera", "Smith", "Johnson", "Al-Hassan", "Haddad", "Castillo", "Vargas",
            "Mendoza", "Ortiz", "Jiménez", "Ruiz", "Morales", "Silva")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(data_dir: Path) -> tuple[str, list[str]]:
    """Import the real lists, add an officer with an API key; returns (key, listed names to screen)."""
    from cruce.service.lists import import_list
    from cruce.storage.sharing import SharingStore
    from cruce.storage.store import open_store

    directory = watchlist_dir()
    with open_store(f"sqlite:///{data_dir / 'cruce.db'}") as store:
        listed: list[str] = []
        for list_id in SCREENED_LISTS:
            _, result = import_list(store, list_id, [directory / name for name in LIST_FILES[list_id]])
            listed += [e.caption for e in result.entities if e.schema.value == "Person"]
        sharing = SharingStore(store.engine)
        sharing.add_account(
            "bench.booth", organisation="cbp", country="USA", clearance="U", roles=["officer"]
        )
        key = sharing.issue_token("bench.booth")
    return key, listed


def _queries(listed: list[str], seed: int, n: int = 5000) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        if i % 10 == 0 and listed:
            out.append({"name": rng.choice(listed)})
            continue
        name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        query: dict[str, Any] = {"name": name}
        if rng.random() < 0.5:
            query["birth_date"] = (
                f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            )
        if rng.random() < 0.3:
            query["country"] = rng.choice(("MX", "US", "CO", "CA"))
        out.append(query)
    return out


def _rss_mb(pid: int) -> float:
    """RSS of the server process and all its children (uvicorn's workers), in MiB."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 2**20
    except psutil.Error:
        return float("nan")


async def _load(  # noqa: PLR0917 - one load run's parameters
    base: str, key: str, queries: list[dict[str, Any]], duration_s: float, concurrency: int, on_sample: Any
) -> tuple[list[float], int, float]:
    """Run the load; returns (latencies in ms of 2xx answers after warm-up, errors, measured seconds)."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    start = time.perf_counter()
    measure_from = start + WARMUP_S
    stop_at = measure_from + duration_s
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as http:

        async def worker(n: int) -> None:
            nonlocal errors
            i = n
            while True:
                now = time.perf_counter()
                if now >= stop_at:
                    return
                sent = time.perf_counter()
                try:
                    response = await http.post("/api/v1/screen", json=queries[i % len(queries)])
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                done = time.perf_counter()
                i += concurrency
                if sent >= measure_from:
                    if ok:
                        latencies.append((done - sent) * 1000)
                    else:
                        errors += 1

        async def sampler() -> None:
            await asyncio.sleep(WARMUP_S)
            on_sample()
            while time.perf_counter() + SAMPLE_EVERY_S < stop_at:
                await asyncio.sleep(SAMPLE_EVERY_S)
                on_sample()

        await asyncio.gather(sampler(), *(worker(n) for n in range(concurrency)))
    return latencies, errors, time.perf_counter() - measure_from


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def run_api_load(out: Console, *, duration_s: float = 300, concurrency: int = 16, server_workers: int = 2,
                 seed: int = 0, quick: bool = False) -> int:  # fmt: skip
    """Run the load test and print (and write) the report; 0 when it ran, whatever the numbers."""
    try:
        watchlist_dir()
    except DataMissingError as exc:
        out.print(f"[yellow]api-load skipped:[/] {exc}")
        return 0
    with tempfile.TemporaryDirectory(prefix="cruce-api-load-") as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        key, listed = _prepare(data_dir)
        out.print(f"[bold]api-load[/] lists imported in {time.perf_counter() - started:.1f}s; "
                  f"{duration_s:.0f}s at concurrency {concurrency}, "
                  f"{server_workers} server worker(s)")  # fmt: skip
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRUCE_")}
        env["CRUCE_DATA_DIR"] = str(data_dir)
        code = "import sys; from cruce.cli.main import run; run(sys.argv[1:])"
        server = subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--port", str(port), "--workers", str(server_workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=2).json().get("entities", 0) > 0:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    err = server.stderr.read().decode() if server.stderr else ""
                    out.print(f"[red]the server did not start[/] {err[-2000:]}")
                    return 1
                time.sleep(0.2)
            samples: list[tuple[float, float]] = []
            t0 = time.perf_counter()

            def sample() -> None:
                samples.append((time.perf_counter() - t0, _rss_mb(server.pid)))

            latencies, errors, seconds = asyncio.run(
                _load(base, key, _queries(listed, seed), duration_s, concurrency, sample)
            )
            sample()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    rps = len(latencies) / seconds if seconds > 0 else 0.0
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    rss_start, rss_end = samples[0][1], samples[-1][1]
    table = Table(title=f"API load: POST /api/v1/screen ({'quick' if quick else 'full'})")
    for column in ("requests/s", "p50 ms", "p99 ms", "max ms", "requests", "errors", "RSS start MiB",
                   "RSS end MiB", "RSS max MiB"):  # fmt: skip
        table.add_column(column, justify="right")
    table.add_row(
        f"{rps:,.0f}", f"{p50:.1f}", f"{p99:.1f}", f"{max(latencies, default=0):.1f}", f"{len(latencies):,}",
        str(errors), f"{rss_start:.0f}", f"{rss_end:.0f}", f"{max(s[1] for s in samples):.0f}",
    )  # fmt: skip
    out.print(table)
    meets = rps >= TARGET_RPS and p99 <= TARGET_P99_MS
    out.print(f"target >= {TARGET_RPS} req/s with p99 <= {TARGET_P99_MS:.0f} ms: "
              f"{'[green]met[/]' if meets else '[red]not met[/]'}; "
              f"memory {rss_start:.0f} -> {rss_end:.0f} MiB")  # fmt: skip
    path = write_json(
        f"api-load{'-quick' if quick else ''}",
        {"benchmark": "api-load", "duration_s": duration_s, "concurrency": concurrency,
         "server_workers": server_workers, "cpus": os.cpu_count(), "requests": len(latencies),
         "errors": errors, "requests_per_s": round(rps, 1), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
         "rss_mb": [[round(t, 1), round(m, 1)] for t, m in samples], "target_met": meets},
    )  # fmt: skip
    out.print(f"[dim]results written to {path}[/]")
    return 0
