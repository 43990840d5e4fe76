"""API load: `POST /api/v1/screen` sustained over real HTTP on loopback, as booths would call it.

A throw-away data directory gets the real lists (OFAC SDN, OFAC consolidated, UN: ~25,000 names) and an
officer account with an API key; `cruce serve` runs in a subprocess (`--server-workers` processes); a
load generator (`--concurrency` keep-alive connections, one request in flight on each, nothing else)
screens a seeded mix of names for `--duration` seconds: 1 in 10 a listed name (those alert, and the alert
queue dedupes them), the rest invented Mexican, Colombian, US and Arabic-looking names. Every request is
authed and audited, as in production.

The generator is a small HTTP/1.1 client on raw asyncio streams (requests encoded once, responses read by
Content-Length, every status and body length checked): it costs a fraction of what httpx costs per request
(`client="httpx"` runs the httpx one), and its own CPU is measured and reported, since it shares the cores.

Reported: requests/s, p50/p95/p99/max latency, errors, the CPU used by the generator and by the server
(share of one core over the measured window), and the memory (RSS) of the server process and each worker
after warm-up and at the end, sampled every 5 s in between, with its slope (least squares over the samples,
MiB per minute): memory must stay flat. Target (issue 14): >= 2,000 requests/s with p99 <= 50 ms on 2
cores. Loopback only, bounded: the generator shares the machine's cores with the server, so the numbers
are a floor. The memory check is `--duration 900` (15 minutes); the default run is a minute.

    python -m benchmarks api-load [--duration 60] [--concurrency 16] [--server-workers 2] [--quick]
"""

from __future__ import annotations

import asyncio
import json
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

TARGET_RPS = 2000
TARGET_P99_MS = 50.0
WARMUP_S = 5.0
SAMPLE_EVERY_S = 5.0
CONNECT_STAGGER_S = 0.1
"""Pause between the generator's connections (all open within the warm-up)."""
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
            "bench.booth", organisation="cbp", country="USA", clearance="U", roles=["officer"], kind="system"
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


def _rss_mb(pid: int) -> dict[str, float]:
    """RSS in MiB of the server process (`main`) and each of its children (uvicorn's workers, by pid)."""
    import psutil

    try:
        root = psutil.Process(pid)
        out = {"main": root.memory_info().rss / 2**20}
        for child in root.children(recursive=True):
            helper = "resource_tracker" in " ".join(child.cmdline())  # multiprocessing's, not a worker
            out[f"{'resource tracker' if helper else 'worker'} {child.pid}"] = child.memory_info().rss / 2**20
        return out
    except psutil.Error:
        return {}


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (every process, every core)."""
    import psutil

    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _cpu_s(pid: int) -> float:
    """CPU seconds used so far by the server process and its children."""
    import psutil

    try:
        root = psutil.Process(pid)
        return sum(sum(p.cpu_times()[:2]) for p in (root, *root.children(recursive=True)))
    except psutil.Error:
        return float("nan")


class _Clock:
    """The measured window: warm-up ends at `measure_from`, the run at `stop_at`."""

    def __init__(self, duration_s: float) -> None:
        self.start = time.perf_counter()
        self.measure_from = self.start + WARMUP_S
        self.stop_at = self.measure_from + duration_s


async def _sampler(clock: _Clock, on_sample: Any) -> None:
    await asyncio.sleep(max(0.0, clock.measure_from - time.perf_counter()))
    on_sample()
    while time.perf_counter() + SAMPLE_EVERY_S < clock.stop_at:
        await asyncio.sleep(SAMPLE_EVERY_S)
        on_sample()


def _request_bytes(host: str, key: str, query: dict[str, Any]) -> bytes:
    body = json.dumps(query, ensure_ascii=False).encode("utf-8")
    head = (
        f"POST /api/v1/screen HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bool:
    """Send one request, read its whole response; True for a 200 with a JSON body of the stated length."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ConnectionError("a response without Content-Length")
    body = await reader.readexactly(length)
    return status == 200 and body[:1] == b"{"


async def _load_raw(  # noqa: PLR0917 - one load run's parameters
    base: str, key: str, queries: list[dict[str, Any]], duration_s: float, concurrency: int, on_sample: Any
) -> tuple[list[float], int, float, float]:
    """Run the load; returns (latencies in ms of 200 answers after warm-up, errors, measured seconds,
    client CPU seconds over the measured window)."""
    host, port = base.removeprefix("http://").split(":")
    requests = [_request_bytes(f"{host}:{port}", key, q) for q in queries]
    latencies: list[float] = []
    errors = 0
    clock = _Clock(duration_s)
    cpu: list[float] = []

    async def worker(n: int) -> None:
        nonlocal errors
        i = n
        # Booths connect one after another, not all in the same millisecond: uvicorn's workers share one
        # listening socket, and a burst of connects would all be accepted by whichever worker wakes first.
        await asyncio.sleep(n * CONNECT_STAGGER_S)
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while True:
                sent = time.perf_counter()
                if sent >= clock.stop_at:
                    return
                try:
                    ok = await _exchange(reader, writer, requests[i % len(requests)])
                except (OSError, EOFError, ValueError, IndexError, asyncio.IncompleteReadError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                done = time.perf_counter()
                i += concurrency
                if sent >= clock.measure_from:
                    if ok:
                        latencies.append((done - sent) * 1000)
                    else:
                        errors += 1
        finally:
            writer.close()

    async def window() -> None:
        await asyncio.sleep(max(0.0, clock.measure_from - time.perf_counter()))
        cpu.append(time.process_time())
        await asyncio.sleep(max(0.0, clock.stop_at - time.perf_counter()))
        cpu.append(time.process_time())

    await asyncio.gather(_sampler(clock, on_sample), window(), *(worker(n) for n in range(concurrency)))
    return latencies, errors, time.perf_counter() - clock.measure_from, cpu[1] - cpu[0]


async def _load_httpx(  # noqa: PLR0917 - one load run's parameters
    base: str, key: str, queries: list[dict[str, Any]], duration_s: float, concurrency: int, on_sample: Any
) -> tuple[list[float], int, float, float]:
    """The same load through httpx.AsyncClient (keep-alive); the same results as `_load_raw`."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clock = _Clock(duration_s)
    cpu: list[float] = []
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as http:

        async def worker(n: int) -> None:
            nonlocal errors
            i = n
            while True:
                sent = time.perf_counter()
                if sent >= clock.stop_at:
                    return
                try:
                    response = await http.post("/api/v1/screen", json=queries[i % len(queries)])
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                done = time.perf_counter()
                i += concurrency
                if sent >= clock.measure_from:
                    if ok:
                        latencies.append((done - sent) * 1000)
                    else:
                        errors += 1

        async def window() -> None:
            await asyncio.sleep(max(0.0, clock.measure_from - time.perf_counter()))
            cpu.append(time.process_time())
            await asyncio.sleep(max(0.0, clock.stop_at - time.perf_counter()))
            cpu.append(time.process_time())

        await asyncio.gather(_sampler(clock, on_sample), window(), *(worker(n) for n in range(concurrency)))
    return latencies, errors, time.perf_counter() - clock.measure_from, cpu[1] - cpu[0]


def _run_loop(coroutine: Any) -> Any:
    """uvloop when installed (it comes with uvicorn[standard]): a cheaper event loop for the generator."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _slope_mib_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per minute; 0 with fewer than two."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def run_api_load(out: Console, *, duration_s: float = 300, concurrency: int = 16, server_workers: int = 2,
                 seed: int = 0, quick: bool = False, client: str = "raw") -> int:  # fmt: skip
    """Run the load test and print (and write) the report; 0 when it ran, whatever the numbers."""
    try:
        watchlist_dir()
    except DataMissingError as exc:
        out.print(f"[yellow]api-load skipped:[/] {exc}")
        return 0
    load = {"raw": _load_raw, "httpx": _load_httpx}[client]
    with tempfile.TemporaryDirectory(prefix="cruce-api-load-") as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        key, listed = _prepare(data_dir)
        out.print(f"[bold]api-load[/] lists imported in {time.perf_counter() - started:.1f}s; "
                  f"{duration_s:.0f}s at concurrency {concurrency}, "
                  f"{server_workers} server worker(s), {client} client")  # fmt: skip
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
            samples: list[tuple[float, dict[str, float]]] = []
            server_cpu: list[float] = []
            machine_cpu: list[float] = []
            t0 = time.perf_counter()

            def sample() -> None:
                samples.append((time.perf_counter() - t0, _rss_mb(server.pid)))
                if len(server_cpu) == 0:  # the first sample: the end of the warm-up
                    server_cpu.append(_cpu_s(server.pid))
                    machine_cpu.append(_busy_cpu_s())

            latencies, errors, seconds, client_cpu_s = _run_loop(
                load(base, key, _queries(listed, seed), duration_s, concurrency, sample)
            )
            server_cpu.append(_cpu_s(server.pid))
            machine_cpu.append(_busy_cpu_s())
            sample()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    rps = len(latencies) / seconds if seconds > 0 else 0.0
    p50, p95, p99 = (_percentile(latencies, p) for p in (50, 95, 99))
    client_share = client_cpu_s / seconds if seconds > 0 else float("nan")
    server_share = (server_cpu[-1] - server_cpu[0]) / seconds if seconds > 0 else float("nan")
    machine_share = (machine_cpu[-1] - machine_cpu[0]) / seconds if seconds > 0 else float("nan")
    other_share = max(0.0, machine_share - server_share - client_share)
    # Requests per CPU-second the server spent: what the server costs, whatever else loads the machine.
    per_cpu_s = (
        len(latencies) / (server_share * seconds) if server_share > 0 and seconds > 0 else float("nan")
    )
    totals = [sum(s[1].values()) for s in samples]
    rss_start, rss_end = totals[0], totals[-1]
    slope = _slope_mib_per_min([(s[0], total) for s, total in zip(samples, totals, strict=True)])
    table = Table(
        title=f"API load: POST /api/v1/screen ({'quick' if quick else 'full'}, {client} client); "
        "CPU as a share of one core over the measured window"
    )
    for column in ("requests/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "requests", "errors", "client CPU",
                   "server CPU", "req/server CPU-s", "other CPU", "RSS start MiB", "RSS end MiB",
                   "RSS max MiB", "RSS MiB/min"):  # fmt: skip
        table.add_column(column, justify="right")
    table.add_row(
        f"{rps:,.0f}", f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}", f"{max(latencies, default=0):.1f}",
        f"{len(latencies):,}", str(errors), f"{client_share:.0%}", f"{server_share:.0%}", f"{per_cpu_s:,.0f}",
        f"{other_share:.0%}", f"{rss_start:.0f}", f"{rss_end:.0f}", f"{max(totals):.0f}", f"{slope:+.2f}",
    )  # fmt: skip
    out.print(table)
    processes = Table(title="RSS per server process, MiB")
    for column in ("process", "after warm-up", "end", "max"):
        processes.add_column(column, justify="right")
    for name in samples[0][1]:
        series = [s[1][name] for s in samples if name in s[1]]
        processes.add_row(name, f"{series[0]:.0f}", f"{series[-1]:.0f}", f"{max(series):.0f}")
    out.print(processes)
    meets = rps >= TARGET_RPS and p99 <= TARGET_P99_MS
    out.print(f"target >= {TARGET_RPS} req/s with p99 <= {TARGET_P99_MS:.0f} ms: "
              f"{'[green]met[/]' if meets else '[red]not met[/]'}; "
              f"memory {rss_start:.0f} -> {rss_end:.0f} MiB ({slope:+.2f} MiB/min); "
              f"CPU: generator {client_share:.0%}, server {server_share:.0%}, "
              f"other processes {other_share:.0%} of one core ({os.cpu_count()} cores)")  # fmt: skip
    path = write_json(
        f"api-load{'-quick' if quick else ''}",
        {"benchmark": "api-load", "duration_s": duration_s, "concurrency": concurrency,
         "server_workers": server_workers, "client": client, "cpus": os.cpu_count(),
         "requests": len(latencies), "errors": errors, "requests_per_s": round(rps, 1),
         "p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p99_ms": round(p99, 2),
         "max_ms": round(max(latencies, default=0), 2),
         "client_cpu_share": round(client_share, 3), "server_cpu_share": round(server_share, 3),
         "requests_per_server_cpu_s": round(per_cpu_s, 1),
         "other_cpu_share": round(other_share, 3),
         "rss_mb_per_min": round(slope, 3),
         "rss_mb": [[round(t, 1), round(sum(m.values()), 1)] for t, m in samples],
         "rss_mb_per_process": [[round(t, 1), {k: round(v, 1) for k, v in m.items()}] for t, m in samples],
         "target_met": meets},
    )  # fmt: skip
    out.print(f"[dim]results written to {path}[/]")
    return 0
