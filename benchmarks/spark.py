"""`python -m benchmarks spark`: Spark on local[1] and local[2] against the single-machine batch.

Screens N synthetic queries (a synthetic watchlist, planted bad rows) with `screen_table` on two forked
workers and with `cruce.engines.spark.screen` on local[1] and local[2]; scores M synthetic declarations
with `score_file` and `cruce.engines.spark.score` the same way. Every Spark output is compared row for row
with the single-machine output (the identity check of issue 19).

What it measures, so that start-up does not pass for throughput:
- start-up: the SparkSession (JVM) start and a warm-up run of the small file (just-in-time compilation,
  Python workers started and their imports done), its wall time and CPU, reported apart;
- set-up per run: the list (or model) broadcast and the slowest worker's index build (or model load);
- steady state: every engine runs a file of N/10 rows and one of N rows; the per-row cost is the slope
  between the two (what one more row costs, in wall seconds and in CPU seconds), the fixed cost the rest.
  At 10,000,000 rows the slope is what counts.
- CPU of every process involved (psutil over the process tree: this driver, the JVM, Spark's Python
  workers, the single-machine batch's forked workers), so the JVM's work is part of Spark's cost; a
  process that has exited counts in its parent's reaped-children time (the single-machine pool's workers
  in the driver's column, Spark's finished workers in the JVM's);
- peak resident memory of one Spark Python worker, of the JVM (driver and executor in local mode), and of
  one single-machine worker.
On a shared machine compare the per-CPU-second columns (the wall columns move with the load, printed).

Options: --rows N (default 200,000; --quick 20,000), --declarations M (default 200,000; --quick 20,000),
--list-size (default 2,000), --cores 1,2, --no-spark (single machine only), --no-scoring.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from benchmarks import proctree
from benchmarks.batchdata import query_pool, watchlist, write_queries
from benchmarks.report import console, write_json


@dataclass(frozen=True, slots=True)
class Measured:
    """One measured call: its wall time, CPU by process role, peak memory, and what it returned."""

    seconds: float
    cpu: dict[str, float]
    peak_one: dict[str, float]
    value: Any

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())


def measure(call: Callable[[], Any]) -> Measured:
    before = proctree.cpu()
    with proctree.PeakMemory() as memory:
        started = time.perf_counter()
        value = call()
        seconds = time.perf_counter() - started
        after = proctree.cpu()
    used = proctree.delta(after, before)
    used["driver"] = max(0.0, used["driver"] - memory.sampler_cpu_s)  # the sampler thread is not the job
    return Measured(seconds, used, dict(memory.peak_one), value)


def _rows(path: Path) -> list[tuple[str, ...]]:
    files = sorted(path.glob("part-*.csv")) if path.is_dir() else [path]
    out: list[tuple[str, ...]] = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for row in reader:
                row[3] = f"{float(row[3]):.4f}"
                out.append(tuple(row))
    return sorted(out)


def _scores(path: Path) -> dict[str, tuple[float, float, str]]:
    files = sorted(path.glob("part-*.csv")) if path.is_dir() else [path]
    out: dict[str, tuple[float, float, str]] = {}
    for file in files:
        with file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                out[row["Declaration ID"]] = (
                    round(float(row["score"]), 6),
                    round(float(row["critical_score"]), 6),
                    row["reasons"],
                )
    return out


def _result(  # noqa: PLR0917 - one result row, built in one place
    job: str, engine: str, cores: int, rows: tuple[int, int], small: Measured, full: Measured,
    *, setup: float = 0.0, setup_cpu: float = 0.0, identical: bool | None = None, compared: int = 0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A result row: the full run, and the per-row cost as the slope between the small and the full run."""
    extra_rows = rows[1] - rows[0]
    slope_s = (full.seconds - small.seconds) / extra_rows
    slope_cpu = (full.cpu_s - small.cpu_s) / extra_rows
    return {
        "job": job, "engine": engine, "cores": cores, "rows": rows[1], "small_rows": rows[0],
        "seconds": full.seconds, "small_seconds": small.seconds, "cpu_s": full.cpu_s,
        "cpu_by_process": full.cpu, "small_cpu_s": small.cpu_s,
        "fixed_s": full.seconds - slope_s * rows[1], "fixed_cpu_s": full.cpu_s - slope_cpu * rows[1],
        "steady_rows_per_s_per_core": 1 / slope_s / cores if slope_s > 0 else None,
        "steady_rows_per_cpu_s": 1 / slope_cpu if slope_cpu > 0 else None,
        "peak_rss_mb": full.peak_one, "setup_s": setup, "setup_cpu_s": setup_cpu,
        "identical": identical, "compared": compared, **(extra or {}),
    }  # fmt: skip


def _screening(  # noqa: PLR0917 - the benchmark's options, passed through
    tmp: Path, rows: int, list_size: int, cores: Sequence[int], spark_on: bool, seed: int, log: Any
) -> list[dict[str, Any]]:
    from cruce.batch.screen import screen_table
    from cruce.service.screening import build_matcher

    entities = watchlist(seed=seed, size=list_size)
    pool = query_pool(entities, seed=seed, distinct=min(rows, 5000))
    small_rows = max(rows // 10, 1000)
    source, small = tmp / "queries.csv", tmp / "queries-small.csv"
    bad = write_queries(source, pool, rows, bad_every=1000)
    write_queries(small, pool, small_rows, bad_every=1000)
    log(f"screening: {rows:,} queries ({bad} planted bad rows) against {len(entities):,} listed entities")
    build = measure(lambda: build_matcher(entities, 0.8))
    matcher = build.value
    single = tmp / "single.csv"
    few = measure(lambda: screen_table(matcher, small, tmp / "single-small.csv", workers=2))
    full = measure(lambda: screen_table(matcher, source, single, workers=2))
    baseline = _rows(single) if spark_on else []
    results = [
        _result(
            "screening", "single machine", 2, (small_rows, rows), few, full, setup=build.seconds,
            setup_cpu=build.cpu_s, compared=len(baseline), extra={"rejected": full.value.rejected},
        )
    ]  # fmt: skip
    log(f"  single machine: {full.seconds:.1f} s, {full.cpu_s:.1f} CPU-s, {full.value.rejected} rejected")
    if not spark_on:
        return results
    from cruce.engines import spark as engine

    for n in cores:
        kwargs: dict[str, Any] = {"threshold": 0.8, "top": 5}
        warm = functools.partial(engine.screen, entities=entities, inputs=[small], **kwargs)
        start = measure(functools.partial(_started, engine, n, warm, tmp / f"spark-warm-{n}.csv"))
        session = start.value
        out = tmp / f"spark-{n}.csv"
        few = measure(
            functools.partial(
                engine.screen, session, entities, [small], tmp / f"spark-small-{n}.csv", **kwargs
            )
        )
        full = measure(functools.partial(engine.screen, session, entities, [source], out, **kwargs))
        got = _rows(out)
        session.stop()
        results.append(
            _spark_result("screening", n, (small_rows, rows), start, few, full, got == baseline, len(got))
        )
        log(
            f"  spark local[{n}]: start {start.seconds:.1f} s, run {full.seconds:.1f} s, "
            f"identical: {got == baseline}"
        )
    return results


def _started(engine: Any, cores: int, warm_up: Callable[..., Any], output: Path) -> Any:
    """A SparkSession on local[cores], warmed up by one run of the small file: the JVM's start, its
    just-in-time compilation and the Python workers' start (imports) are start-up, not per-row cost."""
    session = engine.session(f"local[{cores}]")
    warm_up(session, output=output)
    return session


def _spark_result(  # noqa: PLR0917
    job: str, n: int, rows: tuple[int, int], start: Measured, few: Measured, full: Measured,
    identical: bool, compared: int,
) -> dict[str, Any]:  # fmt: skip
    report = full.value
    build_s = getattr(report, "index_build_s", None) or getattr(report, "model_load_s", 0.0)
    return _result(
        job, f"spark local[{n}]", n, rows, few, full, setup=report.broadcast_s + build_s,
        identical=identical, compared=compared,
        extra={
            "startup_s": start.seconds, "startup_cpu_s": start.cpu_s, "broadcast_s": report.broadcast_s,
            "index_build_s": build_s, "partitions": getattr(report, "partitions", None),
            "rejected": getattr(report, "rejected", getattr(report, "errors", None)),
        },
    )  # fmt: skip


def _scoring(  # noqa: PLR0917 - the benchmark's options, passed through
    tmp: Path, declarations: int, cores: Sequence[int], spark_on: bool, seed: int, log: Any
) -> list[dict[str, Any]]:
    from cruce.service.risk import score_file, train_model
    from cruce.synthetic.declarations import generate_declarations

    train = tmp / "train.csv"
    generate_declarations(8000, seed=seed + 11, days=365).to_csv(train, index=False)
    model = tmp / "model"
    train_model(train, model)
    later = generate_declarations(declarations, seed=seed + 12, days=60, start=dt.date(2026, 3, 1))
    later = later.drop(columns=["Fraud", "Critical Fraud"])
    small_rows = max(declarations // 10, 1000)
    source, small = tmp / "declarations.csv", tmp / "declarations-small.csv"
    later.to_csv(source, index=False)
    later.head(small_rows).to_csv(small, index=False)
    log(f"scoring: {declarations:,} declarations")
    single = tmp / "scores.csv"
    few = measure(lambda: score_file(model, small, tmp / "scores-small.csv"))
    full = measure(lambda: score_file(model, source, single))
    baseline = _scores(single)
    results = [
        _result(
            "scoring", "single machine", 1, (small_rows, full.value.rows), few, full,
            compared=len(baseline), extra={"rejected": full.value.errors},
        )
    ]  # fmt: skip
    log(f"  single machine: {full.seconds:.1f} s, {full.cpu_s:.1f} CPU-s")
    if not spark_on:
        return results
    from cruce.engines import spark as engine

    for n in cores:
        warm = functools.partial(engine.score, model_dir=model, inputs=[small])
        start = measure(functools.partial(_started, engine, n, warm, tmp / f"scores-warm-{n}.csv"))
        session = start.value
        out = tmp / f"scores-{n}.csv"
        few = measure(functools.partial(engine.score, session, model, [small], tmp / f"scores-small-{n}.csv"))
        full = measure(functools.partial(engine.score, session, model, [source], out))
        got = _scores(out)
        session.stop()
        results.append(
            _spark_result(
                "scoring", n, (small_rows, full.value.rows), start, few, full, got == baseline, len(got)
            )
        )
        log(
            f"  spark local[{n}]: start {start.seconds:.1f} s, run {full.seconds:.1f} s, "
            f"identical: {got == baseline}"
        )
    return results


def _f(value: float | None, spec: str = ",.0f") -> str:
    return "–" if value is None else format(value, spec)


def table(results: list[dict[str, Any]], load: tuple[float, float, float]) -> Table:
    grid = Table(
        title="Spark (local[n]) against the single-machine batch, same machine, same files "
        f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores)"
    )
    for name in ("job", "engine", "rows", "run s", "start-up s", "broadcast + build s", "fixed s",
                 "steady rows/s per core", "× single", "steady rows per CPU-s", "× single ",
                 "CPU-s driver/JVM/py workers/forked", "peak MB: py worker / JVM / forked worker",
                 "identical rows"):  # fmt: skip
        grid.add_column(name, justify="left" if name in ("job", "engine") else "right")
    base: dict[str, dict[str, Any]] = {r["job"]: r for r in results if r["engine"] == "single machine"}
    for r in results:
        b = base.get(r["job"])

        def ratio(key: str, r: dict[str, Any] = r, b: dict[str, Any] | None = b) -> str:
            if b is None or not r[key] or not b[key]:
                return "–"
            return f"{r[key] / b[key]:.2f}"

        cpu, mem = r["cpu_by_process"], r["peak_rss_mb"]
        identical = "–" if r["identical"] is None else ("yes" if r["identical"] else "NO")
        grid.add_row(
            r["job"], r["engine"], f"{r['rows']:,}", f"{r['seconds']:.1f}", _f(r.get("startup_s"), ".1f"),
            _f(r["setup_s"], ".2f"), f"{r['fixed_s']:.1f}", _f(r["steady_rows_per_s_per_core"]),
            ratio("steady_rows_per_s_per_core"), _f(r["steady_rows_per_cpu_s"]),
            ratio("steady_rows_per_cpu_s"),
            "/".join(f"{cpu[k]:.0f}" for k in proctree.ROLES),
            f"{mem['spark_python']:.0f} / {mem['jvm']:.0f} / {mem['children']:.0f}",
            f"{identical} ({r['compared']:,})",
        )  # fmt: skip
    return grid


def run_spark_benchmark(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks spark", description=__doc__)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--declarations", type=int, default=None)
    parser.add_argument("--list-size", type=int, default=2000)
    parser.add_argument("--cores", default="1,2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-spark", action="store_true", help="the single-machine batch only")
    parser.add_argument("--no-scoring", action="store_true")
    parser.add_argument("--no-screening", action="store_true")
    args = parser.parse_args(list(argv))
    rows = args.rows or (20_000 if args.quick else 200_000)
    declarations = args.declarations or (20_000 if args.quick else 200_000)
    cores = [int(c) for c in args.cores.split(",") if c.strip()]
    out = console()
    spark_on = not args.no_spark
    if spark_on:
        from cruce.core.extras import installed

        if not installed("pyspark"):
            out.print("[yellow]spark benchmark: pyspark is not installed; single machine only[/]")
            spark_on = False
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="cruce-bench-spark-") as name:
        tmp = Path(name)
        if not args.no_screening:
            results += _screening(tmp, rows, args.list_size, cores, spark_on, args.seed, out.print)
        if not args.no_scoring:
            results += _scoring(tmp, declarations, cores, spark_on, args.seed, out.print)
    load = os.getloadavg()
    out.print(table(results, load))
    path = write_json(
        "spark" + ("-quick" if args.quick else ""),
        {
            "benchmark": "spark", "rows": rows, "declarations": declarations, "results": results,
            "load_average_before": load_before, "load_average_after": load, "cpu_count": os.cpu_count(),
        },
    )  # fmt: skip
    out.print(f"results: {path}")
    return 0 if all(r["identical"] in (None, True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(run_spark_benchmark(sys.argv[1:]))
