"""CLI throughput: `cruce screen batch IN.csv --output OUT.csv --top 5` timed end to end, as a user runs it.

The in-process speed benchmark measures the matcher alone; this one measures what an analyst waits for:
interpreter start-up, loading the lists from the store, building the index, reading the CSV, screening
on forked workers and writing the candidates. The lists are imported with the CLI into a throw-away
`CRUCE_DATA_DIR`, so nothing touches the user's store.

    python -m benchmarks.cli_throughput [--rows 50000] [--workers 2] [--seed 0]

`python -m benchmarks screening-speed` runs it too (via `benchmarks.speed`), with the same queries as the
in-process throughput measurement.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import proctree
from benchmarks.data import LIST_FILES, SCREENED_LISTS
from cruce.core import csvsafe
from cruce.matching.types import Query

CLI_ROWS = 50_000
TOP = 5
CLI_TIMEOUT_S = 1800
OUTPUT_HEADER = ["query_id", "rank", "entity_id", "score", "alert", "matched_name", "reasons"]


def cruce_executable() -> str | None:
    """The `cruce` console script beside this interpreter (the venv's), else the one on PATH."""
    local = Path(sys.executable).with_name("cruce")
    if local.is_file():
        return str(local)
    return shutil.which("cruce")


def write_queries_csv(queries: Sequence[Query], path: Path, rows: int) -> None:
    """`rows` screening rows cycling through `queries`, in the batch input format (id,name,schema,...)."""
    if not queries:
        raise ValueError("no queries to write")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csvsafe.writer(handle)
        writer.writerow(["id", "name", "schema", "birth_date", "country"])
        for i in range(rows):
            q = queries[i % len(queries)]
            writer.writerow(
                [
                    f"q{i}",
                    q.name,
                    q.schema.value.lower(),
                    q.birth_date.iso() if q.birth_date else "",
                    ";".join(q.countries),
                ]
            )


def _run(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False
    )
    return done, time.perf_counter() - started


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def _output_queries(path: Path) -> tuple[list[str], int]:
    """The output's header and how many distinct queries it answers (each query has >= 1 row)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        seen = {row[0] for row in reader if row}
    return header, len(seen)


def measure_cli_throughput(
    queries: Sequence[Query],
    watchlists: Path,
    *,
    rows: int = CLI_ROWS,
    workers: int = 2,
    list_ids: Sequence[str] = SCREENED_LISTS,
) -> dict[str, Any]:
    """Import `list_ids` from `watchlists` with the CLI, then time `cruce screen batch` over `rows` queries.

    Also times a one-row run, so the fixed start-up cost (interpreter, store, index build) can be told
    apart from the screening rate. Returns {"skipped": reason} when the CLI is missing or a step fails.
    """
    exe = cruce_executable()
    if exe is None:
        return {"skipped": "the `cruce` console script is not installed (pip install -e .)"}
    with tempfile.TemporaryDirectory(prefix="cruce-bench-cli-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "CRUCE_DATA_DIR": str(tmp / "data"), "CRUCE_WORKERS": str(workers)}
        env.pop("CRUCE_DATABASE_URL", None)  # the embedded SQLite store in the throw-away folder
        import_s = 0.0
        for list_id in list_ids:
            files = [str(watchlists / name) for name in LIST_FILES[list_id]]
            done, seconds = _run([exe, "lists", "import", "--list", list_id, *files], env)
            import_s += seconds
            if done.returncode != 0:
                return {"skipped": f"`cruce lists import` failed: {_last_line(done.stderr or done.stdout)}"}
        source = tmp / "queries.csv"
        write_queries_csv(queries, source, rows)
        one = tmp / "one.csv"
        write_queries_csv(queries, one, 1)
        output = tmp / "out.csv"

        def batch(path: Path) -> list[str]:
            return [exe, "screen", "batch", str(path), "--output", str(output), "--top", str(TOP),
                    "--workers", str(workers)]  # fmt: skip

        done, startup_s = _run(batch(one), env)
        if done.returncode != 0:
            return {"skipped": f"`cruce screen batch` failed: {_last_line(done.stderr or done.stdout)}"}
        with proctree.PeakMemory(interval=0.5) as memory:  # the CLI and its workers: "children"
            done, elapsed = _run(batch(source), env)
        if done.returncode != 0:
            return {"skipped": f"`cruce screen batch` failed: {_last_line(done.stderr or done.stdout)}"}
        header, answered = _output_queries(output)
        errors = output.with_name(output.name + ".errors.csv")
        rejected = max(0, sum(1 for _ in errors.open(encoding="utf-8")) - 1) if errors.is_file() else 0
    screening_s = max(elapsed - startup_s, 1e-9)
    # Rows beyond the distinct names repeat a name, which the matcher's name memo answers without matching.
    distinct = len({(q.name, q.schema) for q in queries[:rows]})
    return {
        "rows": rows,
        "distinct_names": distinct,
        "workers": workers,
        "seconds": elapsed,
        "throughput_qps": rows / elapsed,
        "startup_s": startup_s,
        "screening_qps": rows / screening_s,
        "answered": answered,
        "rejected": rejected,
        "header_ok": header == OUTPUT_HEADER,
        "import_s": import_s,
        "peak_rss_mb": memory.peak_sum["children"],
        "command": f"cruce screen batch IN.csv --output OUT.csv --top {TOP} --workers {workers}",
    }


def describe(result: dict[str, Any]) -> str:
    """One line for a terminal: end-to-end rate, start-up cost and the steady screening rate."""
    if "throughput_qps" not in result:
        return f"skipped: {result.get('skipped', 'unknown reason')}"
    return (
        f"{result['rows']:,} rows ({result['distinct_names']:,} distinct names) in {result['seconds']:.1f} s "
        f"end to end = {result['throughput_qps']:,.0f} "
        f"queries/s ({result['workers']} workers); start-up (store + index, 1-row run) "
        f"{result['startup_s']:.1f} s; after start-up {result['screening_qps']:,.0f} queries/s; "
        f"{result['answered']:,} queries answered, {result['rejected']} rejected; peak memory of the "
        f"batch's processes {result['peak_rss_mb']:,.0f} MiB"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone run on the real lists: queries from the evaluation set (positives and innocents)."""
    from benchmarks.__main__ import FULL_SIZE, QUICK_SIZE
    from benchmarks.data import POSITIVE_LISTS, DataMissingError, load_lists
    from benchmarks.evalset import build_evalset

    parser = argparse.ArgumentParser(prog="python -m benchmarks.cli_throughput", description=__doc__)
    parser.add_argument(
        "--rows", type=int, default=CLI_ROWS, help=f"queries to screen (default {CLI_ROWS:,})"
    )
    parser.add_argument("--workers", type=int, default=2, help="cruce screen batch --workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the evaluation set (default 0)")
    parser.add_argument("--quick", action="store_true", help="draw from the small evaluation set")
    parser.add_argument(
        "--travelers",
        action="store_true",
        help="a port's day of travellers and companies instead (cruce.synthetic.travelers: one row per "
        "party, names rarely repeated, 1%% of them listed parties); for files of a million rows",
    )
    args = parser.parse_args(argv)
    try:
        lists = load_lists()
    except DataMissingError as exc:
        print(f"cli-throughput skipped: {exc}")
        return 0
    if args.travelers:
        from cruce.synthetic.travelers import generate_travelers

        started = time.perf_counter()
        queries = [t.query for t in generate_travelers(args.seed, list(lists.entities), count=args.rows)]
        took = time.perf_counter() - started
        print(f"cli-throughput: {len(queries):,} travellers generated in {took:.0f} s")
    else:
        positives, negatives = QUICK_SIZE if args.quick else FULL_SIZE
        evalset = build_evalset(
            lists.entities,
            seed=args.seed,
            positives=positives,
            negatives=negatives,
            positive_lists=POSITIVE_LISTS,
        )
        queries = [q.query for q in evalset.queries]
        random.Random(f"{args.seed}:cli").shuffle(queries)  # positives and negatives interleaved (seeded)
        print(f"cli-throughput: {len(queries):,} distinct queries ({evalset.counts()}), {args.rows:,} rows")
    result = measure_cli_throughput(queries, lists.directory, rows=args.rows, workers=args.workers)
    print(describe(result))
    return 0 if "throughput_qps" in result else 1


if __name__ == "__main__":
    sys.exit(main())
