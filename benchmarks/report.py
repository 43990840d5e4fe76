"""Rich tables and JSON result files for the benchmarks."""

from __future__ import annotations

import json
import math
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.quality import SystemReport, meets, metric_rows, target_for

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def fmt_value(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if math.isinf(value):
        return "∞"
    if metric == "hispanic/anglo FA ratio":
        return f"{value:.2f}"
    return f"{value:.2%}" if value < 0.1 or value > 0.9 else f"{value:.1%}"


def fmt_target(metric: str) -> str:
    target = target_for(metric)
    if target is None:
        return ""
    op, bound = target
    shown = f"{bound:.2f}" if metric == "hispanic/anglo FA ratio" else f"{bound:.1%}"
    return f"{'≥' if op == '>=' else '≤'} {shown}"


def quality_table(reports: list[SystemReport], title: str) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    table.add_column("metric")
    table.add_column("n", justify="right", style="dim")
    for report in reports:
        t = "" if report.threshold is None else f"\nt={report.threshold:.3g}"
        table.add_column(f"{report.column}{t}", justify="right")
    table.add_column("target", justify="right")
    cruce = next((r for r in reports if r.column == "cruce"), None)
    if cruce is not None:
        table.add_column("cruce", justify="center")
    for metric in metric_rows():
        counts = [r.metrics.counts.get(metric) for r in reports]
        n = next((c for c in counts if c), None)
        if metric == "hispanic/anglo FA ratio":
            n = None
        row = [metric, "" if n is None else str(n)]
        row += [fmt_value(metric, r.metrics.values.get(metric)) for r in reports]
        row.append(fmt_target(metric))
        if cruce is not None:
            ok = meets(metric, cruce.metrics.values.get(metric))
            row.append("" if ok is None else "[green]✓[/]" if ok else "[red]✗[/]")
        table.add_row(*row)
    return table


def systems_table(reports: list[SystemReport]) -> Table:
    table = Table(title="How each column was run", header_style="bold")
    for col in ("system", "threshold", "threshold rule", "screen time", "notes"):
        table.add_column(col)
    for r in reports:
        notes = []
        if "build_s" in r.extra:
            notes.append(f"build {r.extra['build_s']:.1f}s")
        if r.extra.get("candidate_recall") is not None:
            notes.append(f"blocker candidate recall {r.extra['candidate_recall']:.2%}")
        if "blocking_s" in r.extra:
            notes.append(f"blocking {r.extra['blocking_s']:.1f}s")
        table.add_row(
            r.column,
            "" if r.threshold is None else f"{r.threshold:.4g}",
            r.threshold_rule,
            f"{r.seconds:.1f}s",
            ", ".join(notes),
        )
    return table


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write `results/<name>-<timestamp>.json` and `results/<name>-latest.json`; return the first path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        **payload,
    }
    text = json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default)
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, Path):
        return str(value)
    return str(value)


def clean_floats(values: dict[str, float | None]) -> dict[str, float | str | None]:
    out: dict[str, float | str | None] = {}
    for k, v in values.items():
        out[k] = "inf" if v is not None and math.isinf(v) else (None if v is None else round(v, 6))
    return out


def console() -> Console:
    return Console(width=160)


def external_table(reports: list[Any], info: dict[str, Any]) -> Table:
    """Our benchmark instance and our labelled pairs, every system side by side."""
    from benchmarks.external import GOALS, meets_goal

    title = (
        f"External dev sets: sanctions-screening-benchmark instance ({info.get('ssb_cases', 0)} cases "
        f"on {info.get('sdn_entities', 0)} SDN entities) and labelled pairs ({info.get('pairs', 0)})"
    )
    table = Table(title=title)
    table.add_column("metric")
    for r in reports:
        table.add_column(f"{r.column}\nt={r.threshold:g}", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("cruce", justify="center")
    keys: list[str] = []
    for r in reports:
        keys.extend(k for k in r.values if k not in keys)
    head = [k for k in keys if not k.startswith("  ")]
    order = sorted(head, key=lambda k: (not k.startswith("ssb"), k)) + sorted(
        k for k in keys if k.startswith("  ")
    )
    cruce = next((r for r in reports if r.column == "cruce"), None)
    for key in order:
        cells = []
        for r in reports:
            v = r.values.get(key)
            cells.append("" if v is None else (f"{v:.3f}" if key.startswith("pairs") else f"{v:.1%}"))
        goal = GOALS.get(key)
        mark = meets_goal(key, cruce.values.get(key)) if cruce else None
        table.add_row(
            key,
            *cells,
            f"{goal[0]} {goal[1]:g}" if goal else "",
            "" if mark is None else ("✓" if mark else "✗"),
        )
    return table
