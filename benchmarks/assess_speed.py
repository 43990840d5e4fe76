"""Infrastructure Monte Carlo speed: time against assets × simulated years, cascades included.

The network is `cruce.assess.example.synthetic_network` (six layers, dependency depth 5, ~2.8 edges per
asset) with `synthetic_scenarios` (40 regional hazards tiling the border, a grid cyber scenario, a telecom
outage): each asset is exposed to about one scenario, as in a real register. The table reports, per run,
the events, direct failures and outages (cascades included) per simulated year, so the workload is explicit.
Target: 10,000 assets × 100,000 years in < 10 s on two cores. Timings move with the machine's load (printed).
"""

from __future__ import annotations

import os
import resource
import time

from rich.console import Console
from rich.table import Table

from benchmarks.report import write_json

TARGET_S = 10.0


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the worker pool): load-independent work."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_assess_speed(out: Console, quick: bool = False, workers: int = 2) -> int:
    from cruce.assess.example import synthetic_network, synthetic_scenarios
    from cruce.assess.graph import DependencyGraph
    from cruce.assess.montecarlo import simulate

    sizes = [(1_000, 10_000), (1_000, 100_000), (10_000, 10_000), (10_000, 100_000)]
    if not quick:
        sizes.append((30_000, 100_000))
    else:
        sizes = sizes[:3]
    out.print(f"[bold]assess-speed[/] workers={workers}; load average {_load()}")
    table = Table(title="Monte Carlo with cascades (seed 0)")
    columns = (
        "assets",
        "years",
        "edges",
        "exposures",
        "outages/yr",
        "seconds",
        "CPU s",
        "years/s",
        "vs target",
    )
    for column in columns:
        table.add_column(column, justify="right")
    rows = []
    for n_assets, years in sizes:
        assets, deps = synthetic_network(n_assets, seed=0)
        graph = DependencyGraph(assets, deps)
        scenarios = synthetic_scenarios(n_assets, seed=0).scenarios
        simulate(graph, scenarios, samples=2000, seed=1, workers=1)  # warm caches
        started, cpu = time.perf_counter(), _cpu_seconds()
        run = simulate(graph, scenarios, samples=years, seed=0, workers=workers)
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        rows.append({"assets": n_assets, "years": run.samples, "edges": len(deps), "exposures": run.touched,
                     "seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "load": _load()})  # fmt: skip
        versus = f"{seconds / TARGET_S:.2f}" if (n_assets, years) == (10_000, 100_000) else ""
        table.add_row(f"{n_assets:,}", f"{run.samples:,}", f"{len(deps):,}", f"{run.touched:,}",
                      f"{run.outages_per_year:,.0f}", f"{seconds:.2f}", f"{cpu:.2f}",
                      f"{run.samples / seconds:,.0f}", versus)  # fmt: skip
        out.print(f"  {n_assets:,} assets × {run.samples:,} years: {seconds:.2f} s")
    out.print(table)
    out.print(f"[dim]load average after: {_load()}[/]")
    path = write_json("assess-speed", {"benchmark": "assess-speed", "workers": workers, "rows": rows})
    out.print(f"[dim]results written to {path}[/]")
    return 0
