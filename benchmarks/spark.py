"""`python -m benchmarks spark`: Spark on local[1] and local[2] against the single-machine batch.

Screens N synthetic queries (a synthetic watchlist, planted bad rows) with `screen_table` on two forked
workers and with `cruce.engines.spark.screen` on local[1] and local[2]; scores M synthetic declarations
with `score_file` and `cruce.engines.spark.score` the same way. Every Spark output is compared row for row
with the single-machine output (the identity check of issue 19).

What it measures, so that start-up does not pass for throughput:
- start-up: the SparkSession (JVM) start and a warm-up run of the small file, or of its first 10,000 rows
  when it is larger (a warm-up of a 1,000,000-row file would cost as much as the N/10 run): just-in-time
  compilation, Python workers started and their imports done; its wall time and CPU, reported apart;
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

Memory does not grow with N, so `--rows 10000000 --declarations 10000000` can be started and left:
- inputs are written as they are generated (queries from a bounded pool; declarations 100,000 at a time);
- the single-machine batch streams (`screen_table`); the single-machine scorer (`score_file`, which holds a
  whole file) runs over `--part-rows` lines at a time (default 100,000) and appends to one output;
- the identity check is DuckDB over the output files (`benchmarks/identity.py`: every row, every column of
  the single-machine output, spilled to disk past 512 MB), never a Python list; the N/10 outputs are
  checked too, so a difference shows within the first tenth of the time;
- each Spark output is deleted once checked (10,000,000 queries give gigabytes), unless --keep-outputs.
The table shows each run's driver peak RSS, and the whole process's peak is printed at the end.
After each engine's N/10 run the benchmark prints that engine's expected N-row time and the time left.

Options: --rows N (default 200,000; --quick 20,000), --declarations M (default 200,000; --quick 20,000),
--list-size (default 2,000), --distinct (distinct queries the rows cycle through; default 5,000: each
name screened again and again, so the matcher's name memo does most of the work and the per-row cost is
mostly reading, weighing and writing), --cores 1,2 (Spark local[n] runs), --no-spark (single machine only),
--no-single (Spark only: the identity check then uses the single-machine output that an earlier run with
the same options left in --workdir, marked "earlier run", or is not made), --only screening|scoring
(or --no-screening, --no-scoring), --workdir DIR (inputs and single-machine outputs kept there and
reused by a run with the same options), --keep-outputs, --part-rows.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import functools
import itertools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from benchmarks import identity, proctree
from benchmarks.batchdata import head_lines, query_pool, watchlist, write_declarations, write_queries
from benchmarks.identity import SCORING_NUMBERS, SCREENING_NUMBERS
from benchmarks.report import console, write_json

DISTINCT_QUERIES = 5000


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


@dataclass
class Run:
    """What every step shares: the folder, which engines run, the seed, and the time estimate."""

    folder: Path
    cores: Sequence[int]
    spark_on: bool
    single_on: bool
    keep: bool
    seed: int
    log: Callable[[str], None]
    started: float = field(default_factory=time.perf_counter)
    estimates: dict[tuple[str, str], float] = field(default_factory=dict)
    steps: list[tuple[str, str]] = field(default_factory=list)
    done: set[tuple[str, str]] = field(default_factory=set)

    def stamp(self, job: str) -> dict[str, Any]:
        path = self.folder / f"{job}.stamp.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def save_stamp(self, job: str, stamp: dict[str, Any]) -> None:
        (self.folder / f"{job}.stamp.json").write_text(json.dumps(stamp, indent=1), encoding="utf-8")

    def engines(self) -> list[str]:
        return (["single machine"] if self.single_on else []) + (
            [f"spark local[{n}]" for n in self.cores] if self.spark_on else []
        )

    def plan(self, job: str) -> None:
        self.steps += [(job, engine) for engine in self.engines()]

    def estimate(self, job: str, engine: str, small_s: float, check_s: float, ratio: float) -> None:
        """After an engine's N/10 run: its N-row run (and identity check) scaled by rows, and what is left
        of the whole benchmark (engines not yet run: as slow as this job's slowest measured engine)."""
        full = (small_s + check_s) * ratio
        self.estimates[(job, engine)] = full
        self.log(
            f"  {engine}: N/10 run {small_s:.1f} s (+ check {check_s:.1f} s): its full run and check "
            f"should take about {_duration(full)}"
        )
        left, unknown = 0.0, []
        for step in self.steps:
            if step in self.done:
                continue
            same_job = [v for (j, _), v in self.estimates.items() if j == step[0]]
            if step in self.estimates:
                left += self.estimates[step]
            elif same_job:
                left += max(same_job) * (1 + 1 / ratio)  # its N/10 run too
            else:
                unknown.append(step[0])
        finish = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=left)
        after = f" (then {', '.join(sorted(set(unknown)))}: estimated after its N/10 run)" if unknown else ""
        self.log(
            f"  estimate: about {_duration(left)} left, done around {finish:%H:%M} UTC{after}; "
            f"{_duration(time.perf_counter() - self.started)} so far"
        )

    def finished(self, job: str, engine: str) -> None:
        self.done.add((job, engine))

    def drop(self, *paths: Path) -> None:
        """Remove an output once compared (a 10,000,000-row screening output is gigabytes), unless kept."""
        if self.keep:
            return
        for path in paths:
            for target in (path, Path(str(path) + ".errors"), path.with_name(path.name + ".errors.csv")):
                if target.is_dir():
                    shutil.rmtree(target, ignore_errors=True)
                else:
                    target.unlink(missing_ok=True)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _check(expected: Path, got: Path, numeric: dict[str, int], folder: Path) -> Measured:
    # threads=2: the check runs alone (the Spark session is stopped); memory stays under its limit
    check = functools.partial(identity.compare, expected, got, numeric=numeric, threads=2, spill_dir=folder)
    return measure(check)


def _checked(check: Measured | None) -> dict[str, Any]:
    if check is None:
        return {"identical": None, "compared": 0}
    result: identity.Comparison = check.value
    return {
        "identical": result.identical, "compared": result.expected_rows, "got_rows": result.got_rows,
        "missing": result.missing, "extra": result.extra, "differing_examples": result.examples,
        "check_s": check.seconds, "check_driver_peak_mb": check.peak_one["driver"],
    }  # fmt: skip


def _say_check(run: Run, engine: str, check: Measured | None) -> None:
    if check is None:
        return
    result: identity.Comparison = check.value
    run.log(
        f"  {engine}: {result.expected_rows:,} rows compared in {check.seconds:.1f} s: "
        + ("identical" if result.identical else f"{result.missing:,} missing, {result.extra:,} extra")
    )
    for example in result.examples:
        run.log(f"    differs: {example}")


def _baseline(run: Run, job: str, stamp: dict[str, Any], reused: bool, single: Path) -> dict[str, Any] | None:
    """Without --no-single: None (run it). With it: an earlier run's single-machine row, when the same
    folder holds that run's output for the same inputs (its numbers are shown as an earlier run's)."""
    earlier = stamp.get("single")
    if not reused or earlier is None or not single.exists():
        run.log(f"  {job}: no single-machine output of these inputs in {run.folder}: no identity check")
        return None
    run.log(f"  {job}: comparing with the single-machine output of an earlier run ({single})")
    return {**earlier, "engine": "single machine (earlier run)"}


def _inputs(run: Run, job: str, params: dict[str, Any], files: Sequence[Path]) -> tuple[dict[str, Any], bool]:
    """This job's stamp, and whether its inputs (from an earlier run with the same options) are reused."""
    stamp = run.stamp(job)
    reused = stamp.get("params") == params and all(f.exists() for f in files)
    if not reused:
        stamp = {"params": params}
    return stamp, reused


def _screening(run: Run, rows: int, list_size: int, distinct: int) -> list[dict[str, Any]]:
    from cruce.batch.screen import screen_table
    from cruce.service.screening import build_matcher

    tmp, seed = run.folder, run.seed
    entities = watchlist(seed=seed, size=list_size)
    small_rows = max(rows // 10, 1000)
    ratio = rows / small_rows
    source, small = tmp / "queries.csv", tmp / "queries-small.csv"
    params = {"rows": rows, "small_rows": small_rows, "list_size": list_size, "seed": seed, "bad_every": 1000}
    if distinct != DISTINCT_QUERIES:  # stamps of earlier runs (always 5,000) stay valid
        params["distinct"] = distinct
    stamp, reused = _inputs(run, "screening", params, [source, small])
    if not reused:
        pool = query_pool(entities, seed=seed, distinct=min(rows, distinct))
        stamp["bad"] = write_queries(source, pool, rows, bad_every=1000)
        write_queries(small, pool, small_rows, bad_every=1000)
        stamp.pop("single", None)
        run.save_stamp("screening", stamp)
    warm_input = _warm_input(small, small_rows)
    run.log(
        f"screening: {rows:,} queries ({stamp['bad']} planted bad rows) against {len(entities):,} listed "
        f"entities{' (inputs of an earlier run)' if reused else ''}"
    )
    single, single_small = tmp / "single.csv", tmp / "single-small.csv"
    results: list[dict[str, Any]] = []
    if run.single_on:
        build = measure(lambda: build_matcher(entities, 0.8))
        matcher = build.value
        few = measure(lambda: screen_table(matcher, small, single_small, workers=2))
        run.estimate("screening", "single machine", few.seconds, 0.0, ratio)
        full = measure(lambda: screen_table(matcher, source, single, workers=2))
        del matcher
        row = _result(
            "screening", "single machine", 2, (small_rows, rows), few, full, setup=build.seconds,
            setup_cpu=build.cpu_s, extra={"rejected": full.value.rejected},
        )  # fmt: skip
        stamp["single"] = row
        run.save_stamp("screening", stamp)
        run.finished("screening", "single machine")
        run.log(
            f"  single machine: {full.seconds:.1f} s, {full.cpu_s:.1f} CPU-s, {full.value.rejected} rejected"
        )
        results.append(row)
        baseline: dict[str, Any] | None = row
    else:
        baseline = _baseline(run, "screening", stamp, reused, single)
        results += [baseline] if baseline else []
    if not run.spark_on:
        return results
    from cruce.engines import spark as engine

    for n in run.cores:
        name = f"spark local[{n}]"
        kwargs: dict[str, Any] = {"threshold": 0.8, "top": 5}
        warm = functools.partial(engine.screen, entities=entities, inputs=[warm_input], **kwargs)
        start = measure(functools.partial(_started, engine, n, warm, tmp / f"spark-warm-{n}.csv"))
        session = start.value
        out, out_small = tmp / f"spark-{n}.csv", tmp / f"spark-small-{n}.csv"
        few = measure(functools.partial(engine.screen, session, entities, [small], out_small, **kwargs))
        early = _check(single_small, out_small, SCREENING_NUMBERS, tmp) if baseline else None
        _say_check(run, f"{name} N/10", early)
        run.estimate("screening", name, few.seconds, early.seconds if early else 0.0, ratio)
        full = measure(functools.partial(engine.screen, session, entities, [source], out, **kwargs))
        session.stop()
        check = _check(single, out, SCREENING_NUMBERS, tmp) if baseline else None
        _say_check(run, name, check)
        run.drop(out, out_small, tmp / f"spark-warm-{n}.csv")
        run.finished("screening", name)
        results.append(_spark_result("screening", n, (small_rows, rows), start, few, full, check))
        run.log(f"  {name}: start {start.seconds:.1f} s, run {full.seconds:.1f} s")
    return results


WARM_ROWS = 10_000
"""Rows of the Spark warm-up run (the JVM's just-in-time compilation, the Python workers' start)."""


def _warm_input(small: Path, small_rows: int) -> Path:
    """The N/10 file itself when it is small, else its first WARM_ROWS rows."""
    if small_rows <= WARM_ROWS:
        return small
    warm = small.with_name(small.stem + "-warm" + small.suffix)
    head_lines(small, warm, WARM_ROWS)
    return warm


def _started(engine: Any, cores: int, warm_up: Callable[..., Any], output: Path) -> Any:
    """A SparkSession on local[cores], warmed up by one run of a small file: the JVM's start, its
    just-in-time compilation and the Python workers' start (imports) are start-up, not per-row cost."""
    session = engine.session(f"local[{cores}]")
    warm_up(session, output=output)
    return session


def _spark_result(  # noqa: PLR0917
    job: str, n: int, rows: tuple[int, int], start: Measured, few: Measured, full: Measured,
    check: Measured | None,
) -> dict[str, Any]:  # fmt: skip
    report = full.value
    build_s = getattr(report, "index_build_s", None) or getattr(report, "model_load_s", 0.0)
    return _result(
        job, f"spark local[{n}]", n, rows, few, full, setup=report.broadcast_s + build_s,
        extra={
            "startup_s": start.seconds, "startup_cpu_s": start.cpu_s, "broadcast_s": report.broadcast_s,
            "index_build_s": build_s, "partitions": getattr(report, "partitions", None),
            "rejected": getattr(report, "rejected", getattr(report, "errors", None)),
            "worker_peak_rss_mb": report.worker_peak_rss_mb, **_checked(check),
        },
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class PartsReport:
    """The single-machine scorer run part by part over one file: rows scored, unreadable rows, parts."""

    rows: int
    errors: int
    alerts: int
    parts: int


def score_in_parts(model: Path, source: Path, output: Path, part_rows: int) -> PartsReport:
    """`score_file` (which holds a whole file in memory) over `part_rows` lines of `source` at a time.

    The parts' scores are appended to `output` under one header, and their unreadable rows to
    `<stem>.errors.csv` with their line in `source`. Rows are scored one by one from the model (no history
    is taken from the batch), so the parts give the whole file's scores; duplicate ids are checked within
    a part. The source must hold one record per line (the benchmark's files do).
    """
    from cruce.service.risk import errors_path, score_file

    rows = errors = alerts = parts = 0
    part, part_out = output.with_name(f".{output.name}.part.csv"), output.with_name(f".{output.name}.out.csv")
    errors_out = errors_path(output)
    errors_out.unlink(missing_ok=True)
    with (
        source.open(encoding="utf-8", newline="") as src,
        output.open("w", encoding="utf-8", newline="") as out,
    ):
        header = src.readline()
        before = 0  # data lines of `source` in earlier parts
        while True:
            lines = list(itertools.islice(src, part_rows))
            if not lines:
                break
            part.write_text(header + "".join(lines), encoding="utf-8", newline="")
            report = score_file(model, part, part_out)
            rows, errors, alerts, parts = (
                rows + report.rows,
                errors + report.errors,
                alerts + report.alerts,
                parts + 1,
            )
            with part_out.open(encoding="utf-8", newline="") as scored:
                first = scored.readline()
                if parts == 1:
                    out.write(first)
                shutil.copyfileobj(scored, out)
            if report.errors_path is not None:
                _append_errors(report.errors_path, errors_out, before)
            before += len(lines)
    for leftover in (part, part_out, errors_path(part_out)):
        leftover.unlink(missing_ok=True)
    return PartsReport(rows, errors, alerts, parts)


def _append_errors(part_errors: Path, target: Path, before: int) -> None:
    """A part's errors (line, column, value, problem) with the line as it is in the whole file."""
    new = not target.exists()
    with (
        part_errors.open(encoding="utf-8", newline="") as src,
        target.open("a", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(src), csv.writer(out)
        header = next(reader, None)
        if new and header:
            writer.writerow(header)
        for row in reader:
            writer.writerow([str(int(row[0]) + before), *row[1:]])


def _scoring(run: Run, declarations: int, part_rows: int) -> list[dict[str, Any]]:
    from cruce.service.risk import train_model
    from cruce.synthetic.declarations import generate_declarations

    tmp, seed = run.folder, run.seed
    small_rows = max(declarations // 10, 1000)
    ratio = declarations / small_rows
    model = tmp / "model"
    source, small = tmp / "declarations.csv", tmp / "declarations-small.csv"
    params = {"declarations": declarations, "small_rows": small_rows, "seed": seed}
    stamp, reused = _inputs(run, "scoring", params, [source, small, model / "manifest.json"])
    if not reused:
        train = tmp / "train.csv"
        generate_declarations(8000, seed=seed + 11, days=365).to_csv(train, index=False)
        shutil.rmtree(model, ignore_errors=True)
        train_model(train, model)
        write_declarations(source, declarations, seed=seed + 12, days=60, start=dt.date(2026, 3, 1))
        head_lines(source, small, small_rows)
        stamp.pop("single", None)
        run.save_stamp("scoring", stamp)
    warm_input = _warm_input(small, small_rows)
    run.log(f"scoring: {declarations:,} declarations{' (inputs of an earlier run)' if reused else ''}")
    single, single_small = tmp / "scores.csv", tmp / "scores-small.csv"
    results: list[dict[str, Any]] = []
    if run.single_on:
        few = measure(lambda: score_in_parts(model, small, single_small, part_rows))
        run.estimate("scoring", "single machine", few.seconds, 0.0, ratio)
        full = measure(lambda: score_in_parts(model, source, single, part_rows))
        row = _result(
            "scoring", "single machine", 1, (few.value.rows, full.value.rows), few, full,
            extra={"rejected": full.value.errors, "parts": full.value.parts, "part_rows": part_rows},
        )  # fmt: skip
        stamp["single"] = row
        run.save_stamp("scoring", stamp)
        run.finished("scoring", "single machine")
        run.log(f"  single machine: {full.seconds:.1f} s, {full.cpu_s:.1f} CPU-s, {full.value.parts} parts")
        results.append(row)
        baseline: dict[str, Any] | None = row
    else:
        baseline = _baseline(run, "scoring", stamp, reused, single)
        results += [baseline] if baseline else []
    if not run.spark_on:
        return results
    from cruce.engines import spark as engine

    for n in run.cores:
        name = f"spark local[{n}]"
        warm = functools.partial(engine.score, model_dir=model, inputs=[warm_input])
        start = measure(functools.partial(_started, engine, n, warm, tmp / f"scores-warm-{n}.csv"))
        session = start.value
        out, out_small = tmp / f"scores-{n}.csv", tmp / f"scores-small-{n}.csv"
        few = measure(functools.partial(engine.score, session, model, [small], out_small))
        early = _check(single_small, out_small, SCORING_NUMBERS, tmp) if baseline else None
        _say_check(run, f"{name} N/10", early)
        run.estimate("scoring", name, few.seconds, early.seconds if early else 0.0, ratio)
        full = measure(functools.partial(engine.score, session, model, [source], out))
        session.stop()
        check = _check(single, out, SCORING_NUMBERS, tmp) if baseline else None
        _say_check(run, name, check)
        run.drop(out, out_small, tmp / f"scores-warm-{n}.csv")
        run.finished("scoring", name)
        results.append(
            _spark_result("scoring", n, (few.value.rows, full.value.rows), start, few, full, check)
        )
        run.log(f"  {name}: start {start.seconds:.1f} s, run {full.seconds:.1f} s")
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
                 "CPU-s driver/JVM/py workers/forked",
                 "peak MB: driver / py worker / JVM / forked worker",
                 "identical rows", "check s"):  # fmt: skip
        grid.add_column(name, justify="left" if name in ("job", "engine") else "right")
    base: dict[str, dict[str, Any]] = {
        r["job"]: r for r in results if r["engine"].startswith("single machine")
    }
    for r in results:
        b = base.get(r["job"])

        def ratio(key: str, r: dict[str, Any] = r, b: dict[str, Any] | None = b) -> str:
            if b is None or not r[key] or not b[key]:
                return "–"
            return f"{r[key] / b[key]:.2f}"

        cpu, mem = r["cpu_by_process"], r["peak_rss_mb"]
        if r["identical"] is None:
            identical = "–"
        elif r["identical"]:
            identical = f"yes ({r['compared']:,})"
        else:
            identical = f"NO: {r['missing']:,} missing, {r['extra']:,} extra of {r['compared']:,}"
        grid.add_row(
            r["job"], r["engine"], f"{r['rows']:,}", f"{r['seconds']:.1f}", _f(r.get("startup_s"), ".1f"),
            _f(r["setup_s"], ".2f"), f"{r['fixed_s']:.1f}", _f(r["steady_rows_per_s_per_core"]),
            ratio("steady_rows_per_s_per_core"), _f(r["steady_rows_per_cpu_s"]),
            ratio("steady_rows_per_cpu_s"),
            "/".join(f"{cpu[k]:.0f}" for k in proctree.ROLES),
            " / ".join(f"{mem[k]:.0f}" for k in ("driver", "spark_python", "jvm", "children")),
            identical, _f(r.get("check_s"), ".1f"),
        )  # fmt: skip
    return grid


def _peak_mb(who: int) -> float:
    """The largest resident size (MB) this process (RUSAGE_SELF) or any reaped child has had so far."""
    return resource.getrusage(who).ru_maxrss / 1024


def run_spark_benchmark(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks spark", description=__doc__)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--declarations", type=int, default=None)
    parser.add_argument("--list-size", type=int, default=2000)
    parser.add_argument(
        "--distinct", type=int, default=DISTINCT_QUERIES, help="distinct queries the rows cycle through"
    )
    parser.add_argument("--cores", default="1,2", help="Spark local[n] runs, e.g. 2 or 1,2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-spark", action="store_true", help="the single-machine batch only")
    parser.add_argument(
        "--no-single", action="store_true",
        help="no single-machine runs; the identity check then uses the single-machine output an earlier "
        "run with the same options left in --workdir, or is not made",
    )  # fmt: skip
    parser.add_argument("--only", choices=("screening", "scoring"), help="run one job only")
    parser.add_argument("--no-scoring", action="store_true")
    parser.add_argument("--no-screening", action="store_true")
    parser.add_argument(
        "--workdir", type=Path, default=None,
        help="keep inputs and single-machine outputs here (reused by a later run with the same options) "
        "instead of a temporary folder",
    )  # fmt: skip
    parser.add_argument("--keep-outputs", action="store_true", help="keep Spark outputs after their check")
    parser.add_argument(
        "--part-rows", type=int, default=100_000,
        help="declarations per part for the single-machine scorer (it holds a whole file in memory)",
    )  # fmt: skip
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
    with contextlib.ExitStack() as stack:
        if args.workdir is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cruce-bench-spark-")))
        else:
            folder = args.workdir.resolve()
            folder.mkdir(parents=True, exist_ok=True)
        run = Run(
            folder, cores, spark_on, not args.no_single, args.keep_outputs, args.seed,
            lambda text: out.print(text, highlight=False),
        )  # fmt: skip
        jobs = [
            job for job, off in (("screening", args.no_screening), ("scoring", args.no_scoring))
            if not off and args.only in (None, job)
        ]  # fmt: skip
        for job in jobs:
            run.plan(job)
        if "screening" in jobs:
            results += _screening(run, rows, args.list_size, args.distinct)
        if "scoring" in jobs:
            results += _scoring(run, declarations, args.part_rows)
    load = os.getloadavg()
    out.print(table(results, load))
    peaks = {
        "driver_mb": _peak_mb(resource.RUSAGE_SELF),
        "largest_reaped_child_mb": _peak_mb(resource.RUSAGE_CHILDREN),
    }
    out.print(
        f"peak resident memory of this benchmark process over the whole run: {peaks['driver_mb']:.0f} MB "
        f"(largest finished child process: {peaks['largest_reaped_child_mb']:.0f} MB); "
        f"{_duration(time.perf_counter() - run.started)} in all"
    )
    path = write_json(
        "spark" + ("-quick" if args.quick else ""),
        {
            "benchmark": "spark", "rows": rows, "declarations": declarations, "results": results,
            "load_average_before": load_before, "load_average_after": load, "cpu_count": os.cpu_count(),
            "peak_rss": peaks, "seconds": time.perf_counter() - run.started,
        },
    )  # fmt: skip
    out.print(f"results: {path}")
    return 0 if all(r["identical"] in (None, True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(run_spark_benchmark(sys.argv[1:]))
