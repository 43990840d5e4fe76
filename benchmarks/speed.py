"""Screening speed: index build, warm single-query latency on one core, batch throughput on two, and memory.

Each system is measured in its own forked process, so one system's garbage never counts against the next and
the resident-memory delta (psutil RSS after build minus before) is that system's index alone. Latency runs
pinned to one CPU where the OS allows it; throughput uses two worker processes forked after the build (the
index is shared copy-on-write, as a server would run it).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from benchmarks.cli_throughput import CLI_ROWS, describe, measure_cli_throughput
from benchmarks.data import LoadedLists
from benchmarks.evalset import EvalSet
from benchmarks.report import write_json
from benchmarks.systems import TOP
from cruce.core.model import Entity
from cruce.matching.build import state as matcher_build
from cruce.matching.matcher import tune_gc_for_screening
from cruce.matching.types import Query

LATENCY_QUERIES = 5000
QUICK_LATENCY_QUERIES = 500
QUICK_CLI_ROWS = 5_000


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def _percentiles(samples_s: Sequence[float]) -> dict[str, float]:
    import numpy as np

    arr = np.asarray(samples_s, dtype=np.float64) * 1000.0
    return {
        "n": len(arr),
        "p50_ms": float(np.percentile(arr, 50)),
        "p95_ms": float(np.percentile(arr, 95)),
        "p99_ms": float(np.percentile(arr, 99)),
        "mean_ms": float(arr.mean()),
    }


class _OneCore:
    """Pin this process to one CPU for the duration (no-op where sched_setaffinity is unavailable)."""

    def __enter__(self) -> None:
        self.saved: set[int] | None = None
        if hasattr(os, "sched_getaffinity"):
            self.saved = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {min(self.saved)})

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            os.sched_setaffinity(0, self.saved)


def _latency(
    screen: Callable[[Any], Any],
    queries: Sequence[Any],
    warmup: int = 100,
    after_warmup: Callable[[], None] | None = None,
) -> dict[str, float]:
    for q in queries[:warmup]:
        screen(q)
    if after_warmup is not None:
        after_warmup()
    samples: list[float] = []
    with _OneCore():
        for q in queries[warmup:]:  # the warm-up's names are not timed again
            started = time.perf_counter()
            screen(q)
            samples.append(time.perf_counter() - started)
    return _percentiles(samples)


_POOL_FN: dict[str, Callable[[Sequence[Query]], Any]] = {}


def _pool_call(chunk: Sequence[Query]) -> tuple[Any, float]:
    """Screen a chunk in a worker; return the result and the worker CPU seconds it took."""
    started = time.process_time()
    result = _POOL_FN["fn"](chunk)
    return result, time.process_time() - started


def _throughput(
    screen_chunk: Callable[[Sequence[Query]], Any], queries: Sequence[Query], workers: int
) -> dict[str, float]:
    """Queries per second on `workers` forked processes, and the workers' CPU milliseconds per query.

    The pool is forked once, before timing, from a process whose heap is frozen (`gc.freeze`), its workers
    collecting garbage as a screening process should (`tune_gc_for_screening`), both as `cruce screen
    batch` does; each worker screens a warm-up chunk first; only the remaining queries are
    timed, so no timed name was screened before in any process. With one worker (or no fork) the loop runs
    in this process.
    """
    warmup, timed = list(queries[: 50 * workers]), list(queries[50 * workers :])
    chunks = [timed[i : i + 100] for i in range(0, len(timed), 100)]
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        screen_chunk(warmup)
        cpu, started = time.process_time(), time.perf_counter()
        for chunk in chunks:
            screen_chunk(chunk)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    else:
        _POOL_FN["fn"] = screen_chunk
        gc.collect()
        gc.freeze()  # forked workers would otherwise copy every page the collector touches
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers, initializer=tune_gc_for_screening) as pool:
                pool.map(_pool_call, [warmup[i::workers] for i in range(workers)], chunksize=1)
                started = time.perf_counter()
                done = pool.map(_pool_call, chunks, chunksize=1)
                wall = time.perf_counter() - started
        finally:
            gc.unfreeze()
            _POOL_FN.pop("fn", None)
        cpu = sum(seconds for _, seconds in done)
    return {"qps": len(timed) / wall, "cpu_ms_per_query": 1000.0 * cpu / max(len(timed), 1)}


def _in_child(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `fn` in a forked child and return its result dict (errors come back as {"error": ...})."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return fn()
    ctx = multiprocessing.get_context("fork")
    queue: Any = ctx.Queue()

    def target() -> None:
        try:
            queue.put(fn())
        except Exception as exc:  # report, never hang the parent
            queue.put({"error": f"{type(exc).__name__}: {exc}"})

    proc = ctx.Process(target=target)
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


# ----------------------------------------------------------------------------------------------------------
# Per-system measurements (each runs inside its own child process)
# ----------------------------------------------------------------------------------------------------------


T = TypeVar("T")


def _timed_build(factory: Callable[[], T]) -> tuple[T, dict[str, float]]:
    """Build a system and say what it cost: seconds, and resident memory before and after."""
    gc.collect()
    before = _rss_mb()
    started = time.perf_counter()
    built = factory()
    build_s = time.perf_counter() - started
    gc.collect()
    after = _rss_mb()
    return built, {
        "build_s": build_s,
        "rss_before_mb": before,
        "rss_after_mb": after,
        "index_mb": after - before,
    }


def measure_cruce(
    entities: Sequence[Entity], latency_q: Sequence[Query], batch_q: Sequence[Query], workers: int
) -> dict[str, Any]:
    from cruce.matching.matcher import Matcher

    matcher, cost = _timed_build(lambda: Matcher(entities))
    # Every query presents a name no earlier query presented (`_query_mix`), and throughput runs first, on
    # workers forked from the freshly built matcher: neither the name memo nor the token caches have seen a
    # timed name before (the latency run screens in this process only after the workers are gone).
    throughput = _throughput(lambda qs: len(matcher.screen_many(list(qs), TOP)), batch_q, workers)
    matcher.forget_names()
    latency = _latency(lambda q: matcher.screen(q, TOP), latency_q, after_warmup=matcher.forget_names)
    return {
        **cost,
        "latency": latency,
        "throughput_qps": throughput["qps"],
        "throughput_cpu_ms_per_query": throughput["cpu_ms_per_query"],
        "throughput_how": f"{workers} forked workers, Matcher.screen_many, distinct names",
    }


def measure_rapidfuzz(
    entities: Sequence[Entity], latency_q: Sequence[Query], batch_q: Sequence[Query], workers: int
) -> dict[str, Any]:
    from benchmarks.systems import RapidfuzzSystem

    rf, cost = _timed_build(lambda: RapidfuzzSystem(entities))
    latency = _latency(lambda q: rf.screen(q, TOP), latency_q, warmup=10)
    started = time.perf_counter()
    rf.run(batch_q, workers=workers)
    qps = len(batch_q) / (time.perf_counter() - started)
    return {
        **cost,
        "latency": latency,
        "throughput_qps": qps,
        "throughput_how": f"process.cdist(workers={workers}) over every name",
        "names": len(rf.names),
    }


def measure_nomenklatura(
    entities: Sequence[Entity], latency_q: Sequence[Query], batch_q: Sequence[Query], workers: int
) -> dict[str, Any]:
    from benchmarks.systems import NomenklaturaSystem

    nk, cost = _timed_build(lambda: NomenklaturaSystem(entities))
    try:
        # Scoring latency: logic-v2 over one query's blocker candidates (found in one batch beforehand).
        qents = [nk.query_entity(q, f"lat-{i}") for i, q in enumerate(latency_q)]
        cands = nk.candidates(qents)
        latency = _latency(lambda e: nk.score(e, cands.get(str(e.id), [])), qents, warmup=10)
        # The blocker is a batch (DuckDB) index: one query through it alone costs a full matching pass.
        single_block: list[float] = []
        for e in qents[:20]:
            started = time.perf_counter()
            nk.candidates([e])
            single_block.append(time.perf_counter() - started)
        started = time.perf_counter()
        nk.run(batch_q, workers=workers)
        qps = len(batch_q) / (time.perf_counter() - started)
    finally:
        nk.close()
    return {
        **cost,
        "latency": latency,
        "latency_note": "logic-v2 scoring of one query's blocker candidates (blocked in one batch before)",
        "single_query_blocking": _percentiles(single_block),
        "throughput_qps": qps,
        "throughput_how": f"batch blocking + logic-v2 scoring on {workers} forked workers",
    }


# ----------------------------------------------------------------------------------------------------------
# Orchestration
# ----------------------------------------------------------------------------------------------------------


def _query_mix(evalset: EvalSet, n: int, seed: int) -> list[Query]:
    """Up to `n` queries mixing positives and negatives in the evaluation's own proportions, shuffled by seed.

    Each presents a different name (the first query of a repeated name is kept): a name screened twice
    would be answered the second time from the matcher's memo of names, which no stream of distinct
    travellers enjoys. Fewer than `n` when the set has fewer distinct names; never repeated to fill up.
    """
    seen: set[tuple[str, Any]] = set()
    queries: list[Query] = []
    for item in evalset.queries:
        key = (item.query.name, item.query.schema)
        if key not in seen:
            seen.add(key)
            queries.append(item.query)
    rng = random.Random(f"{seed}:speed")
    rng.shuffle(queries)
    return queries[:n]


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}{unit}"
    if value >= 10:
        return f"{value:.1f}{unit}"
    return f"{value:.2f}{unit}"


def speed_table(results: dict[str, dict[str, Any]], cli: dict[str, Any]) -> Table:
    table = Table(title="Screening speed", header_style="bold")
    table.add_column("metric")
    systems = [s for s in ("cruce", "nomenklatura logic-v2", "rapidfuzz WRatio") if s in results]
    for s in systems:
        table.add_column(s, justify="right")
    baselines = [s for s in systems if s != "cruce"]
    for s in baselines:
        table.add_column(f"cruce advantage vs {s.split()[0]}", justify="right", style="cyan")

    def value(system: str, path: tuple[str, ...]) -> float | None:
        node: Any = results.get(system, {})
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return float(node) if isinstance(node, int | float) else None

    rows: list[tuple[str, tuple[str, ...], str, bool]] = [
        ("index build (s)", ("build_s",), "s", False),
        ("index memory (RSS Δ, MB)", ("index_mb",), "", False),
        ("latency p50, 1 core (ms)", ("latency", "p50_ms"), "", False),
        ("latency p99, 1 core (ms)", ("latency", "p99_ms"), "", False),
        ("throughput, 2 cores (queries/s)", ("throughput_qps",), "", True),
        ("  worker CPU per query (ms)", ("throughput_cpu_ms_per_query",), "", False),
    ]
    for label, path, _unit, higher_better in rows:
        cells = [_fmt(value(s, path)) for s in systems]
        ratios = []
        mine = value("cruce", path)
        for s in baselines:
            theirs = value(s, path)
            if mine is None or theirs is None or mine == 0 or theirs == 0:
                ratios.append("–")
            else:
                ratio = mine / theirs if higher_better else theirs / mine
                ratios.append(f"{ratio:.2f}×")
        table.add_row(label, *cells, *ratios)
    if "nomenklatura logic-v2" in results and "single_query_blocking" in results["nomenklatura logic-v2"]:
        block = results["nomenklatura logic-v2"]["single_query_blocking"]
        cells = ["" for _ in systems]
        cells[systems.index("nomenklatura logic-v2")] = _fmt(block["p50_ms"])
        table.add_row("  nomenklatura blocker, 1 query alone p50 (ms)", *cells, *["" for _ in baselines])
    if "throughput_qps" in cli:
        cli_cell = f"{_fmt(cli['throughput_qps'])} ({cli['rows']:,} rows, end to end)"
        if "screening_qps" in cli:
            cli_cell += f"; {_fmt(cli['screening_qps'])} after start-up"
    else:
        cli_cell = str(cli.get("skipped", ""))
    table.add_row(
        "CLI `cruce screen batch` (queries/s)", cli_cell, *["" for _ in systems[1:]], *["" for _ in baselines]
    )
    return table


def run_speed(
    lists: LoadedLists, evalset: EvalSet, *, quick: bool, workers: int, out: Console, seed: int = 0
) -> int:
    n_latency = QUICK_LATENCY_QUERIES if quick else LATENCY_QUERIES
    latency_q = _query_mix(evalset, n_latency, seed)
    batch_q = _query_mix(evalset, len(evalset.queries), seed + 1)
    entities = lists.entities
    out.print(
        f"[bold]screening-speed[/] {'quick' if quick else 'full'}: {len(entities)} entities, "
        f"{len(latency_q)} latency queries, {len(batch_q)} batch queries, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    build = matcher_build()
    out.print(f"  cruce's matcher runs {build.label} ({build.reason})")
    results: dict[str, dict[str, Any]] = {}
    plan: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("cruce", lambda: measure_cruce(entities, latency_q, batch_q, workers)),
        (
            "nomenklatura logic-v2",
            lambda: measure_nomenklatura(
                entities, latency_q[: n_latency // 5], batch_q[: len(batch_q) // 5], workers
            ),
        ),
        (
            "rapidfuzz WRatio",
            lambda: measure_rapidfuzz(
                entities, latency_q[: n_latency // 10], batch_q[: len(batch_q) // 10], workers
            ),
        ),
    ]
    for name, fn in plan:
        out.print(f"  measuring {name}...")
        result = _in_child(fn)
        if "error" in result:
            out.print(f"  [yellow]{name} skipped:[/] {result['error']}")
            continue
        results[name] = result
    # One row per distinct name: rows cycling through the queries again would be answered from the memo.
    cli_rows = min(QUICK_CLI_ROWS if quick else CLI_ROWS, len(batch_q))
    out.print(f"  measuring CLI `cruce screen batch` on {cli_rows:,} rows (distinct names)...")
    try:
        cli = measure_cli_throughput(batch_q, lists.directory, rows=cli_rows, workers=workers)
    except (OSError, subprocess.SubprocessError) as exc:
        cli = {"skipped": f"{type(exc).__name__}: {exc}"}
    out.print(f"  CLI: {describe(cli)}")
    out.print(speed_table(results, cli))
    out.print(
        "[dim]cruce advantage: above 1× cruce is better (builds faster, uses less memory, answers sooner, "
        "screens more per second). Baselines run on 1/5 (nomenklatura) and 1/10 (rapidfuzz) of the queries "
        "to bound run time; rates and percentiles are comparable.[/]"
    )
    path = write_json(
        f"screening-speed{'-quick' if quick else ''}",
        {
            "benchmark": "screening-speed",
            "seed": seed,
            "quick": quick,
            "loader": lists.loader,
            "entities": len(entities),
            "load_average": os.getloadavg(),
            "cpus": os.cpu_count(),
            "systems": results,
            "cli": cli,
        },
    )
    out.print(f"[dim]results written to {path}[/]")
    return 0
