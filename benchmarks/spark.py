"""`python -m benchmarks spark`: Spark on local[1] and local[2] against the single-machine batch.

Screens N synthetic queries (a synthetic watchlist, planted bad rows) with `screen_table` on two forked
workers and with `cruce.engines.spark.screen` on local[1] and local[2]; scores M synthetic declarations
with `score_file` and `cruce.engines.spark.score` the same way. Every Spark output is compared row for row
with the single-machine output (the identity check of issue 19), and the table gives throughput per core,
its ratio to the single-machine batch, the peak memory of a Spark Python worker, and the time to broadcast
the list (or model) and build the index (or load the model) in a worker.

Options: --rows N (default 10,000; --quick 2,000), --declarations M (default 20,000; --quick 4,000),
--list-size (default 2,000), --cores 1,2, --no-spark (single machine only, e.g. a 1,000,000-row run).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from benchmarks.batchdata import query_pool, watchlist, write_queries
from benchmarks.report import console, write_json


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the forked screening workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


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


def _screening(  # noqa: PLR0917 - the benchmark's options, passed through
    tmp: Path, rows: int, list_size: int, cores: Sequence[int], spark_on: bool, seed: int, log: Any
) -> list[dict[str, Any]]:
    from cruce.batch.screen import screen_table
    from cruce.service.screening import build_matcher

    entities = watchlist(seed=seed, size=list_size)
    source = tmp / "queries.csv"
    bad = write_queries(
        source, query_pool(entities, seed=seed, distinct=min(rows, 5000)), rows, bad_every=1000
    )
    log(f"screening: {rows:,} queries ({bad} planted bad rows) against {len(entities):,} listed entities")
    results = []
    started = time.perf_counter()
    matcher = build_matcher(entities, 0.8)
    build_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), _cpu_s()  # the rows' cost, as the Spark workers' is measured
    single = tmp / "single.csv"
    report = screen_table(matcher, source, single, workers=2)
    seconds, cpu_s = time.perf_counter() - started, _cpu_s() - cpu
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    baseline = _rows(single) if spark_on else []
    results.append(
        {
            "job": "screening", "engine": "single machine", "cores": 2, "rows": rows, "seconds": seconds,
            "cpu_s": cpu_s, "rejected": report.rejected, "setup_s": build_s,
            "worker_rss_mb": worker_mb, "parent_rss_mb": parent_mb,
            "identical": None, "compared": len(baseline),
        }
    )  # fmt: skip
    log(
        f"  single machine: {seconds:.1f} s ({rows / seconds:,.0f} rows/s, {rows / cpu_s:,.0f} per CPU-s), "
        f"{report.rejected} rejected, peak memory: parent {parent_mb:.0f} MB, worker {worker_mb:.0f} MB"
    )
    if not spark_on:
        return results
    from cruce.engines import spark as engine

    for n in cores:
        session = engine.session(f"local[{n}]")
        out = tmp / f"spark-{n}.csv"
        spark_report = engine.screen(session, entities, [source], out, threshold=0.8, top=5, partitions=4 * n)
        got = _rows(out)
        session.stop()
        results.append(
            {
                "job": "screening", "engine": f"spark local[{n}]", "cores": n, "rows": rows,
                "seconds": spark_report.seconds, "cpu_s": spark_report.worker_cpu_s,
                "rejected": spark_report.rejected,
                "setup_s": spark_report.broadcast_s + spark_report.index_build_s,
                "broadcast_s": spark_report.broadcast_s, "index_build_s": spark_report.index_build_s,
                "worker_rss_mb": spark_report.worker_peak_rss_mb, "identical": got == baseline,
                "compared": len(got),
            }
        )  # fmt: skip
        log(f"  spark local[{n}]: {spark_report.seconds:.1f} s, identical: {got == baseline}")
    return results


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
    source = tmp / "declarations.csv"
    later.drop(columns=["Fraud", "Critical Fraud"]).to_csv(source, index=False)
    log(f"scoring: {declarations:,} declarations")
    started, cpu = time.perf_counter(), _cpu_s()
    single = tmp / "scores.csv"
    report = score_file(model, source, single)
    seconds, cpu_s = time.perf_counter() - started, _cpu_s() - cpu
    baseline = _scores(single)
    results = [
        {
            "job": "scoring", "engine": "single machine", "cores": 1, "rows": report.rows, "seconds": seconds,
            "cpu_s": cpu_s, "rejected": report.errors, "setup_s": None, "worker_rss_mb": None,
            "identical": None, "compared": len(baseline),
        }
    ]  # fmt: skip
    log(f"  single machine: {seconds:.1f} s")
    if not spark_on:
        return results
    from cruce.engines import spark as engine

    for n in cores:
        session = engine.session(f"local[{n}]")
        out = tmp / f"scores-{n}.csv"
        spark_report = engine.score(session, model, [source], out, partitions=4 * n)
        got = _scores(out)
        session.stop()
        results.append(
            {
                "job": "scoring", "engine": f"spark local[{n}]", "cores": n, "rows": spark_report.rows,
                "seconds": spark_report.seconds, "cpu_s": spark_report.worker_cpu_s,
                "rejected": spark_report.errors,
                "setup_s": spark_report.broadcast_s + spark_report.model_load_s,
                "broadcast_s": spark_report.broadcast_s, "index_build_s": spark_report.model_load_s,
                "worker_rss_mb": spark_report.worker_peak_rss_mb, "identical": got == baseline,
                "compared": len(got),
            }
        )  # fmt: skip
        log(f"  spark local[{n}]: {spark_report.seconds:.1f} s, identical: {got == baseline}")
    return results


def table(results: list[dict[str, Any]]) -> Table:
    grid = Table(title="Spark (local[n]) against the single-machine batch, same machine, same files")
    for name in ("job", "engine", "rows", "seconds", "rows/s", "rows/s per core", "× single per core",
                 "rows per CPU-s", "× single per CPU-s", "worker peak MB", "broadcast + build s",
                 "identical rows"):  # fmt: skip
        grid.add_column(name, justify="left" if name in ("job", "engine") else "right")
    base: dict[str, float] = {}
    base_cpu: dict[str, float] = {}
    for r in results:
        per_core = r["rows"] / r["seconds"] / r["cores"]
        per_cpu = r["rows"] / r["cpu_s"] if r["cpu_s"] else None
        if r["engine"] == "single machine":
            base[r["job"]] = per_core
            if per_cpu:
                base_cpu[r["job"]] = per_cpu
        ratio = per_core / base[r["job"]] if r["job"] in base else None
        cpu_ratio = per_cpu / base_cpu[r["job"]] if per_cpu and r["job"] in base_cpu else None
        identical = "–" if r["identical"] is None else ("yes" if r["identical"] else "NO")
        grid.add_row(
            r["job"], r["engine"], f"{r['rows']:,}", f"{r['seconds']:.1f}",
            f"{r['rows'] / r['seconds']:,.0f}",
            f"{per_core:,.0f}", "1.00" if r["engine"] == "single machine" else f"{ratio:.2f}",
            "–" if per_cpu is None else f"{per_cpu:,.0f}", "–" if cpu_ratio is None else f"{cpu_ratio:.2f}",
            "–" if not r["worker_rss_mb"] else f"{r['worker_rss_mb']:.0f}",
            "–" if r["setup_s"] is None else f"{r['setup_s']:.1f}",
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
    args = parser.parse_args(list(argv))
    rows = args.rows or (2000 if args.quick else 10_000)
    declarations = args.declarations or (4000 if args.quick else 20_000)
    cores = [int(c) for c in args.cores.split(",") if c.strip()]
    out = console()
    spark_on = not args.no_spark
    if spark_on:
        from cruce.core.extras import installed

        if not installed("pyspark"):
            out.print("[yellow]spark benchmark: pyspark is not installed; single machine only[/]")
            spark_on = False
    with tempfile.TemporaryDirectory(prefix="cruce-bench-spark-") as name:
        tmp = Path(name)
        results = _screening(tmp, rows, args.list_size, cores, spark_on, args.seed, out.print)
        if not args.no_scoring:
            results += _scoring(tmp, declarations, cores, spark_on, args.seed, out.print)
    out.print(table(results))
    path = write_json(
        "spark" + ("-quick" if args.quick else ""),
        {"benchmark": "spark", "rows": rows, "declarations": declarations, "results": results},
    )
    out.print(f"results: {path}")
    return 0 if all(r["identical"] in (None, True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(run_spark_benchmark(sys.argv[1:]))
