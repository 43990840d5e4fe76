"""`python -m benchmarks [screening-quality|screening-speed|risk-quality|risk-speed|sharing|assess-speed|
programs-vetting|network|fit-scorer|api-load|spark|revetting|all]` (spark: see benchmarks/spark.py for its
options), `python -m benchmarks faults|soak` (issue 21: faults, storage growth, screening during an import),
`python -m benchmarks revetting [--members N]` (issue 16: re-vetting members when a list changes).

Options: `--quick`, `--seed N`, `--systems` (screening quality), `--workers N`, and for api-load
`--duration S` (default 60, quick 20, 900 for the 15-minute memory check; soak:
1800), `--concurrency N`, `--server-workers N`. `all` runs api-load only
with `--quick` (the full run takes five minutes).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.data import POSITIVE_LISTS, DataMissingError, load_lists
from benchmarks.evalset import EvalSet, build_evalset
from benchmarks.report import clean_floats, console, quality_table, systems_table, write_json

FULL_SIZE = (4000, 6000)
QUICK_SIZE = (440, 560)


def _evalset(entities: Sequence[Any], seed: int, quick: bool) -> EvalSet:
    positives, negatives = QUICK_SIZE if quick else FULL_SIZE
    return build_evalset(
        entities, seed=seed, positives=positives, negatives=negatives, positive_lists=POSITIVE_LISTS
    )


def screening_quality(seed: int, quick: bool, systems: Sequence[str], workers: int) -> int:
    from benchmarks.quality import run_quality

    out = console()
    try:
        lists = load_lists()
    except DataMissingError as exc:
        out.print(f"[yellow]screening-quality skipped:[/] {exc}")
        return 0
    started = time.perf_counter()
    evalset = _evalset(lists.entities, seed, quick)
    out.print(
        f"[bold]screening-quality[/] seed={seed} {'quick' if quick else 'full'}: "
        f"{len(lists.entities)} listed entities ({lists.loader}); {len(evalset.positives)} positive and "
        f"{len(evalset.negatives)} negative queries built in {time.perf_counter() - started:.1f}s"
    )
    out.print("  " + ", ".join(f"{k} {v}" for k, v in evalset.counts().items()))
    for note in evalset.notes:
        out.print(f"  [dim]{note}[/]")
    reports = run_quality(evalset, lists.entities, systems=systems, workers=workers, log=out.print)
    if not reports:
        out.print("[red]no system could run[/]")
        return 1
    out.print(quality_table(reports, f"Screening quality (seed {seed}{', quick' if quick else ''})"))
    out.print(systems_table(reports))
    from benchmarks.external import run_external
    from benchmarks.report import external_table

    rf_threshold = next((r.threshold for r in reports if r.column.startswith("rapidfuzz")), 0.9)
    external, external_info = run_external(
        lists.directory, lists.entities, systems, rf_threshold, quick, workers, out.print
    )
    out.print(external_table(external, external_info))
    cruce = next((r for r in reports if r.column == "cruce"), None)
    path = write_json(
        f"screening-quality{'-quick' if quick else ''}",
        {
            "benchmark": "screening-quality",
            "seed": seed,
            "quick": quick,
            "loader": lists.loader,
            "entities": len(lists.entities),
            "eval": {"counts": evalset.counts(), "notes": list(evalset.notes)},
            "systems": [
                {
                    "column": r.column,
                    "threshold": r.threshold,
                    "threshold_rule": r.threshold_rule,
                    "seconds": round(r.seconds, 3),
                    "metrics": clean_floats(r.metrics.values),
                    "counts": r.metrics.counts,
                    "extra": r.extra,
                }
                for r in reports
            ],
            "external": {
                "info": external_info,
                "systems": [
                    {
                        "column": r.column,
                        "threshold": r.threshold,
                        "seconds": round(r.seconds, 3),
                        "metrics": clean_floats(r.values),
                    }
                    for r in external
                ],
                "cruce_pair_failures": next((r.failures for r in external if r.column == "cruce"), []),
            },
            "cruce_failures": cruce.metrics.failures if cruce else {},
            "baseline_failures": {r.column: r.metrics.failures for r in reports if r.column != "cruce"},
        },
    )
    out.print(f"[dim]results written to {path}[/]")
    return 0


def screening_speed(seed: int, quick: bool, workers: int) -> int:
    from benchmarks.speed import run_speed

    out = console()
    try:
        lists = load_lists()
    except DataMissingError as exc:
        out.print(f"[yellow]screening-speed skipped:[/] {exc}")
        return 0
    evalset = _evalset(lists.entities, seed, quick)
    return run_speed(lists, evalset, quick=quick, workers=workers, out=out, seed=seed)


def risk_quality(seed: int, quick: bool) -> int:
    from benchmarks.risk_quality import run_risk_quality

    return run_risk_quality(console(), seed=seed, quick=quick)


def risk_speed(quick: bool) -> int:
    from benchmarks.risk_speed import run_risk_speed

    return run_risk_speed(console(), quick=quick)


def sharing(quick: bool) -> int:
    from benchmarks.sharing import run_sharing

    return run_sharing(console(), quick=quick)


def assess_speed(quick: bool, workers: int) -> int:
    from benchmarks.assess_speed import run_assess_speed

    return run_assess_speed(console(), quick=quick, workers=workers)


def api_load(args: argparse.Namespace) -> int:
    from benchmarks.api_load import run_api_load

    duration = args.duration if args.duration is not None else (20.0 if args.quick else 60.0)
    return run_api_load(
        console(), duration_s=duration, concurrency=args.concurrency, server_workers=args.server_workers,
        seed=args.seed, quick=args.quick,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "benchmark",
        nargs="?",
        default="all",
        choices=(
            "screening-quality",
            "screening-speed",
            "risk-quality",
            "risk-speed",
            "sharing",
            "assess-speed",
            "entity-resolution",
            "fit-scorer",
            "programs-vetting",
            "network",
            "api-load",
            "faults",
            "soak",
            "spark",
            "revetting",
            "all",
        ),
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small evaluation (~1,000 queries), for iterating"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the evaluation set (default 0)")
    parser.add_argument(
        "--systems",
        default="cruce,nomenklatura,rapidfuzz",
        help="comma-separated subset of cruce,nomenklatura,rapidfuzz (quality only)",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes for batch runs (default 2)")
    parser.add_argument(
        "--members",
        type=int,
        default=None,
        help="revetting: synthetic members (default 50,000; quick 10,000)",
    )
    parser.add_argument("--duration", type=float, default=None, help="api-load: seconds (60; quick 20)")
    parser.add_argument("--concurrency", type=int, default=16, help="api-load: requests in flight (16)")
    parser.add_argument("--server-workers", type=int, default=2, help="api-load: server processes (2)")
    args, rest = parser.parse_known_args(argv)
    if args.benchmark == "spark":  # its own options (--rows, --declarations, --cores, --no-spark)
        from benchmarks.spark import run_spark_benchmark

        return run_spark_benchmark([*rest, *(["--quick"] if args.quick else []), "--seed", str(args.seed)])
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    unknown = set(systems) - {"cruce", "nomenklatura", "rapidfuzz"}
    if unknown:
        parser.error(f"unknown system(s): {', '.join(sorted(unknown))}")
    status = 0
    if args.benchmark in ("screening-quality", "all"):
        status |= screening_quality(args.seed, args.quick, systems, args.workers)
    if args.benchmark in ("screening-speed", "all"):
        status |= screening_speed(args.seed, args.quick, args.workers)
    if args.benchmark in ("risk-quality", "all"):
        status |= risk_quality(args.seed, args.quick)
    if args.benchmark in ("risk-speed", "all"):
        status |= risk_speed(args.quick)
    if args.benchmark in ("sharing", "all"):
        status |= sharing(args.quick)
    if args.benchmark in ("assess-speed", "all"):
        status |= assess_speed(args.quick, args.workers)
    if args.benchmark in ("entity-resolution", "all"):
        from benchmarks.entity_resolution import run_entity_resolution

        status |= run_entity_resolution(console(), quick=args.quick, workers=args.workers)
    if args.benchmark == "fit-scorer":
        from benchmarks.data import watchlist_dir
        from benchmarks.fit import run_fit

        try:
            directory = watchlist_dir()
        except DataMissingError as exc:
            console().print(f"[yellow]fit-scorer skipped:[/] {exc}")
        else:
            status |= run_fit(console(), directory, args.quick)
    if args.benchmark in ("programs-vetting", "all"):
        from benchmarks.programs_vetting import run_programs_vetting

        status |= run_programs_vetting(console(), seed=args.seed, quick=args.quick)
    if args.benchmark in ("network", "all"):
        from benchmarks.network import run_network

        status |= run_network(console(), quick=args.quick, seed=args.seed or 7)
    if args.benchmark == "api-load" or (args.benchmark == "all" and args.quick):
        status |= api_load(args)
    if args.benchmark == "revetting":
        from benchmarks.revetting import DEFAULT_MEMBERS, run_revetting

        members = args.members if args.members is not None else (10_000 if args.quick else DEFAULT_MEMBERS)
        return run_revetting(members, workers=args.workers, seed=args.seed)
    if args.benchmark == "faults":
        from benchmarks.faults import run_faults

        status |= run_faults(console(), seed=args.seed, quick=args.quick, server_workers=args.server_workers)
    if args.benchmark == "soak":
        from benchmarks.faults import run_soak

        duration = args.duration if args.duration is not None else 1800.0
        status |= run_soak(console(), duration_s=duration, rate=20, server_workers=args.server_workers)
    return status


if __name__ == "__main__":
    sys.exit(main())
