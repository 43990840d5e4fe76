"""The assessment written out: a CSV of ranked rows, and one self-contained HTML file with its plots.

Plots are PNGs embedded as data URIs (matplotlib's Agg backend, no display, no network), so the report
can be mailed or attached to a product as one file.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from cruce.assess.montecarlo import METRIC_LABELS, METRICS
from cruce.assess.results import Assessment

TOP_ASSETS = 20
CSV_COLUMNS = (
    ["row", "id", "name", "kind", "owner_country"]
    + [f"{metric}_{part}" for metric in METRICS for part in ("mean", "p05", "p95")]
    + [
        "outage_hours_per_year",
        "cost_usd",
        "avoided_per_usd_mean",
        "avoided_per_usd_p05",
        "avoided_per_usd_p95",
    ]
)


def write_csv(assessment: Assessment, path: Path) -> int:
    """Scenarios, assets (all, ranked) and mitigations as rows; returns how many rows were written."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        for scenario in assessment.scenario_ranking():
            row: dict[str, object] = {"row": "scenario", "id": scenario.scenario_id, "name": scenario.name,
                                      "kind": scenario.category}  # fmt: skip
            for metric, est in scenario.loss.items():
                row |= {f"{metric}_mean": f"{est.mean:.6g}", f"{metric}_p05": f"{est.low:.6g}",
                        f"{metric}_p95": f"{est.high:.6g}"}  # fmt: skip
            writer.writerow(row)
            rows += 1
        for asset in assessment.asset_ranking():
            row = {"row": "asset", "id": asset.asset_id, "name": asset.name, "kind": asset.kind,
                   "owner_country": asset.owner_country,
                   "outage_hours_per_year": f"{asset.outage_hours_per_year:.6g}"}  # fmt: skip
            for metric, est in asset.loss.items():
                row |= {f"{metric}_mean": f"{est.mean:.6g}", f"{metric}_p05": f"{est.low:.6g}",
                        f"{metric}_p95": f"{est.high:.6g}"}  # fmt: skip
            writer.writerow(row)
            rows += 1
        for mitigation in assessment.mitigations():
            est = mitigation.avoided_per_usd
            writer.writerow(
                {"row": "mitigation", "id": mitigation.mitigation_id, "name": mitigation.name,
                 f"{assessment.metric}_mean": f"{mitigation.avoided.mean:.6g}",
                 f"{assessment.metric}_p05": f"{mitigation.avoided.low:.6g}",
                 f"{assessment.metric}_p95": f"{mitigation.avoided.high:.6g}",
                 "cost_usd": f"{mitigation.cost_usd:.6g}", "avoided_per_usd_mean": f"{est.mean:.6g}",
                 "avoided_per_usd_p05": f"{est.low:.6g}", "avoided_per_usd_p95": f"{est.high:.6g}"}
            )  # fmt: skip
            rows += 1
    return rows


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _interval_chart(labels: list[str], means: list[float], lows: list[float], highs: list[float],
                    xlabel: str) -> str:  # fmt: skip
    figure, axis = plt.subplots(figsize=(8, 0.35 * len(labels) + 1.2))
    y = list(range(len(labels)))[::-1]
    axis.barh(y, means, color="#4c78a8", alpha=0.7)
    # A heavy tail can put the mean above the 95th percentile: the error bar then has no upper arm.
    below = [max(0.0, m - lo) for m, lo in zip(means, lows, strict=True)]
    above = [max(0.0, hi - m) for m, hi in zip(means, highs, strict=True)]
    axis.errorbar(means, y, xerr=[below, above], fmt="none", ecolor="black", capsize=3)
    axis.set_yticks(y, labels, fontsize=8)
    axis.set_xlabel(xlabel + " — mean and 90% interval")
    return _png(figure)


def tornado_chart(assessment: Assessment) -> str:
    bars = assessment.tornado()
    figure, axis = plt.subplots(figsize=(8, 0.4 * max(1, len(bars)) + 1.2))
    centre = assessment.total().mean
    y = list(range(len(bars)))[::-1]
    for position, bar in zip(y, bars, strict=True):
        axis.barh(position, bar.low - centre, left=centre, color="#72b7b2")
        axis.barh(position, bar.high - centre, left=centre, color="#e45756")
    axis.axvline(centre, color="black", linewidth=0.8)
    axis.set_yticks(y, [b.factor for b in bars], fontsize=8)
    axis.set_xlabel(
        f"expected {METRIC_LABELS[assessment.metric]}: factor in lowest (teal) / highest (red) decile"
    )
    return _png(figure)


def write_html(
    assessment: Assessment, path: Path, title: str = "Joint infrastructure risk assessment"
) -> None:
    metric_label = METRIC_LABELS[assessment.metric]
    scenarios = assessment.scenario_ranking()
    assets = assessment.asset_ranking(TOP_ASSETS)
    mitigations = assessment.mitigations()
    m = assessment.metric
    charts = [
        ("Scenarios", _interval_chart([s.name for s in scenarios], [s.loss[m].mean for s in scenarios],
                                      [s.loss[m].low for s in scenarios], [s.loss[m].high for s in scenarios],
                                      metric_label)),
        (f"Top {len(assets)} assets (loss their failure causes, cascades included)",
         _interval_chart([f"{a.name} ({a.owner_country})" for a in assets], [a.loss[m].mean for a in assets],
                         [a.loss[m].low for a in assets], [a.loss[m].high for a in assets], metric_label)),
        ("Sensitivity (tornado)", tornado_chart(assessment)),
    ]  # fmt: skip
    if mitigations:
        charts.append(
            ("Mitigations: expected loss avoided per USD",
             _interval_chart([x.name for x in mitigations], [x.avoided_per_usd.mean for x in mitigations],
                             [x.avoided_per_usd.low for x in mitigations],
                             [x.avoided_per_usd.high for x in mitigations], "avoided per USD per year"))
        )  # fmt: skip
    total = assessment.total()
    run = assessment.baseline
    e = html.escape

    def rows(items: list[tuple[str, ...]]) -> str:
        return "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in item) + "</tr>" for item in items)

    def span(low: float, high: float, fmt: str = ",.0f") -> str:
        return f"{low:{fmt}} – {high:{fmt}}"

    scenario_rows = rows(
        [
            (s.name, s.category, f"{s.loss[m].mean:,.0f}", span(s.loss[m].low, s.loss[m].high))
            for s in scenarios
        ]
    )
    asset_rows = rows(
        [(a.name, a.kind, a.owner_country, f"{a.loss[m].mean:,.0f}", span(a.loss[m].low, a.loss[m].high),
          f"{a.outage_hours_per_year:,.1f}") for a in assets]
    )  # fmt: skip
    mitigation_rows = rows(
        [(x.name, f"{x.cost_usd:,.0f}", f"{x.avoided.mean:,.0f}",
          f"{x.avoided_per_usd.mean:.3f} ({span(x.avoided_per_usd.low, x.avoided_per_usd.high, '.3f')})")
         for x in mitigations]
    )  # fmt: skip
    images = "".join(f"<h2>{e(name)}</h2><img src='{uri}' alt='{e(name)}'>" for name, uri in charts)
    path.write_text(
        f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}td,th{{padding:2px 8px;text-align:left}}
table{{border-collapse:collapse}}tr:nth-child(even){{background:#f4f4f4}}</style>
<h1>{e(title)}</h1>
<p>{len(assessment.graph)} assets, {len(assessment.graph.dependencies)} dependencies,
{len(scenarios)} scenarios; {run.samples:,} simulated years (seed {run.seed}), {run.groups} groups of
factors. Expected {e(metric_label)}:
<b>{total.mean:,.0f}</b> (90% interval {total.low:,.0f} – {total.high:,.0f}).</p>
<h2>Scenarios</h2><table><tr><th>scenario</th><th>category</th><th>expected</th><th>90% interval</th></tr>
{scenario_rows}</table>
<h2>Assets</h2><table><tr><th>asset</th><th>kind</th><th>owner</th><th>expected</th><th>90% interval</th>
<th>outage h/yr</th></tr>{asset_rows}</table>
<h2>Mitigations</h2><table><tr><th>mitigation</th><th>cost USD</th><th>avoided/yr</th>
<th>per USD (90%)</th></tr>
{mitigation_rows}</table>
{images}
</html>
""",
        encoding="utf-8",
    )
