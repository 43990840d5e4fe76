"""Cargo risk speed: training time, batch scoring rate and single-declaration latency with reasons.

- **training**: `RiskModel.train` on the 37k training declarations (history features + both heads);
- **batch**: `RiskModel.predict` on a loaded DataFrame of ~1M declarations (the valid file repeated), from the
  frozen history state, with one and with two LightGBM threads; the feature share is timed apart;
- **single**: `RiskModel.score_one` (both scores and the top-3 TreeSHAP reasons with sentences) for
  declarations one at a time, warm, p50/p95/p99.

The machine's load average is printed beside the numbers: other work on a 2-core machine slows all of them.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks.data import DataMissingError
from benchmarks.report import write_json
from benchmarks.risk_quality import load_customs

TARGETS = {"training_s": 60.0, "batch_rows_per_s": 200_000.0, "single_p99_ms": 5.0}


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _best(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def run_risk_speed(out: Console, quick: bool = False) -> int:
    from cruce.scoring.model import RiskModel

    try:
        train, valid = load_customs()
    except DataMissingError as exc:
        out.print(f"[yellow]risk-speed skipped:[/] {exc}")
        return 0
    load_before = _load()
    out.print(f"[bold]risk-speed[/] {'quick' if quick else 'full'}; load average {load_before}")
    started = time.perf_counter()
    model = RiskModel.train(train)
    training_s = time.perf_counter() - started
    out.print(f"  trained on {len(train):,} declarations in {training_s:.1f}s")

    target_rows = 200_000 if quick else 1_000_000
    big = pd.concat([valid] * (target_rows // len(valid) + 1), ignore_index=True).iloc[:target_rows]
    model.predict(big.iloc[:5000])  # warm: lazy look-up tables
    repeats = 1 if quick else 2
    batch: dict[str, float] = {}
    for threads in (1, 2):
        seconds = _best(lambda t=threads: model.predict(big, threads=t), repeats)
        batch[f"{threads}_thread"] = len(big) / seconds
    chunk = big.iloc[:100_000]
    feature_s = _best(lambda: model.history.matrix(chunk), repeats)
    features_rate = len(chunk) / feature_s
    out.print(
        f"  batch of {len(big):,}: {batch['1_thread']:,.0f}/s (1 thread), "
        f"{batch['2_thread']:,.0f}/s (2 threads); features alone {features_rate:,.0f}/s"
    )

    n_single = 300 if quick else 2000
    records = [valid.iloc[i].to_dict() for i in range(n_single)]
    for record in records[:50]:
        model.score_one(record)
    latencies = []
    for record in records:
        t0 = time.perf_counter()
        model.score_one(record)
        latencies.append(time.perf_counter() - t0)
    ms = np.asarray(latencies) * 1000.0
    single = {q: float(np.percentile(ms, q)) for q in (50, 95, 99)}
    best_batch = max(batch.values())

    table = Table(title="Cargo risk speed", header_style="bold")
    for col in ("measure", "value", "target", ""):
        table.add_column(col, justify="right" if col != "measure" else "left")

    def row(name: str, value: str, target: str, ok: bool | None) -> None:
        table.add_row(name, value, target, "" if ok is None else "[green]✓[/]" if ok else "[red]✗[/]")

    row("training (37k declarations)", f"{training_s:.1f} s", "< 60 s", training_s < TARGETS["training_s"])
    row(f"batch scoring, 1 thread ({len(big):,} rows)", f"{batch['1_thread']:,.0f}/s", "", None)
    row(
        f"batch scoring, 2 threads ({len(big):,} rows)",
        f"{batch['2_thread']:,.0f}/s",
        "≥ 200,000/s (best)",
        best_batch >= TARGETS["batch_rows_per_s"],
    )
    row("  of which features (100k rows)", f"{features_rate:,.0f}/s", "", None)
    row("single declaration + 3 reasons, p50", f"{single[50]:.2f} ms", "", None)
    row("single declaration + 3 reasons, p95", f"{single[95]:.2f} ms", "", None)
    row(
        "single declaration + 3 reasons, p99",
        f"{single[99]:.2f} ms",
        "≤ 5 ms",
        single[99] <= TARGETS["single_p99_ms"],
    )
    out.print(table)
    load_after = _load()
    out.print(f"[dim]load average after: {load_after}[/]")
    path = write_json(
        f"risk-speed{'-quick' if quick else ''}",
        {
            "benchmark": "risk-speed",
            "quick": quick,
            "training_s": round(training_s, 2),
            "batch_rows": len(big),
            "batch_rows_per_s": {k: round(v) for k, v in batch.items()},
            "features_rows_per_s": round(features_rate),
            "single_ms": {f"p{q}": round(v, 3) for q, v in single.items()},
            "single_n": n_single,
            "load_before": load_before,
            "load_after": load_after,
        },
    )
    out.print(f"[dim]results written to {path}[/]")
    return 0
