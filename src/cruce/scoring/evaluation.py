"""How good a risk score is at the inspection rates a border can afford, and who bears the inspections.

Inspectors open the top few percent of declarations, so the numbers that matter are precision and recall at
those rates (1, 2, 5, 10%), not accuracy at 0.5. Ties in score are broken by row order, never by the label,
so a constant score gets exactly the base rate. The fairness table shows, per origin country (and per
nationality when a frame has one), how often its declarations would be inspected and how often an
inspection there finds something: a group inspected far more often at a lower hit rate is over-targeted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from cruce.core.errors import InputError
from cruce.scoring.history import outcome_values

DEFAULT_RATES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)
NATIONALITY_COLUMNS: tuple[str, ...] = ("nationality", "traveler_nationality")


@dataclass(frozen=True)
class RateMetrics:
    """Precision and recall when the top `rate` share of rows is inspected."""

    rate: float
    inspected: int
    hits: int
    precision: float
    recall: float


@dataclass(frozen=True)
class Evaluation:
    """Ranking quality of one score against one 0/1 outcome."""

    n: int
    positives: int
    at_rate: tuple[RateMetrics, ...]
    pr_auc: float | None
    roc_auc: float | None
    extra: dict[str, Any] = field(default_factory=dict)

    def at(self, rate: float) -> RateMetrics:
        for m in self.at_rate:
            if abs(m.rate - rate) < 1e-12:
                return m
        raise KeyError(rate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "positives": self.positives,
            "pr_auc": self.pr_auc,
            "roc_auc": self.roc_auc,
            "at_rate": {
                f"{m.rate:g}": {
                    "inspected": m.inspected,
                    "hits": m.hits,
                    "precision": m.precision,
                    "recall": m.recall,
                }
                for m in self.at_rate
            },
            **self.extra,
        }


def _arrays(
    y_true: npt.ArrayLike, scores: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    y = outcome_values(pd.Series(y_true)) if not isinstance(y_true, np.ndarray) else y_true.astype(np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise InputError(
            "bad_scores", f"labels {y.shape} and scores {s.shape} must be 1-D and the same length"
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise InputError("bad_labels", "labels must be 0 or 1")
    if np.isnan(s).any():
        raise InputError("bad_scores", "scores contain NaN")
    return y.astype(np.int64), s


def inspection_order(scores: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Rows from riskiest to safest; equal scores keep their row order (stable)."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable").astype(np.int64)


def inspected_count(n: int, rate: float) -> int:
    """How many of `n` rows an inspection rate opens: rounded, at least one when there is any row."""
    if not 0.0 < rate <= 1.0:
        raise InputError("bad_rate", f"inspection rate {rate} must be in (0, 1]")
    return min(n, max(1, round(n * rate))) if n else 0


def at_rate(y_true: npt.ArrayLike, scores: npt.ArrayLike, rate: float) -> RateMetrics:
    y, s = _arrays(y_true, scores)
    k = inspected_count(len(y), rate)
    hits = int(y[inspection_order(s)[:k]].sum())
    positives = int(y.sum())
    return RateMetrics(
        rate=rate,
        inspected=k,
        hits=hits,
        precision=hits / k if k else 0.0,
        recall=hits / positives if positives else 0.0,
    )


def evaluate(
    y_true: npt.ArrayLike, scores: npt.ArrayLike, rates: Sequence[float] = DEFAULT_RATES
) -> Evaluation:
    """Precision/recall at each rate, PR-AUC (average precision) and ROC-AUC (None with one class only)."""
    y, s = _arrays(y_true, scores)
    positives = int(y.sum())
    both = 0 < positives < len(y)
    return Evaluation(
        n=len(y),
        positives=positives,
        at_rate=tuple(at_rate(y, s, r) for r in rates),
        pr_auc=float(average_precision_score(y, s)) if both else None,
        roc_auc=float(roc_auc_score(y, s)) if both else None,
    )


def curve(
    y_true: npt.ArrayLike, scores: npt.ArrayLike, max_rate: float = 0.3, points: int = 120
) -> pd.DataFrame:
    """Precision and recall at evenly spaced inspection rates up to `max_rate`."""
    y, s = _arrays(y_true, scores)
    ordered = y[inspection_order(s)]
    hits = np.cumsum(ordered)
    positives = max(int(y.sum()), 1)
    rates = np.linspace(max_rate / points, max_rate, points)
    ks = np.array([inspected_count(len(y), float(r)) for r in rates])
    return pd.DataFrame({"rate": rates, "precision": hits[ks - 1] / ks, "recall": hits[ks - 1] / positives})


def plot_curves(
    curves: dict[str, pd.DataFrame], path: Path | str, title: str = "Precision and recall by inspection rate"
) -> Path:
    """A PNG of precision (solid) and recall (dashed) against inspection rate, one colour per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7.5, 5.5), dpi=120)
    try:
        for i, (name, data) in enumerate(curves.items()):
            colour = f"C{i}"
            ax.plot(data["rate"] * 100, data["precision"], color=colour, label=f"{name} precision")
            ax.plot(data["rate"] * 100, data["recall"], color=colour, linestyle="--", label=f"{name} recall")
        for rate in DEFAULT_RATES:
            ax.axvline(rate * 100, color="0.85", linewidth=0.8, zorder=0)
        ax.set_xlabel("inspection rate (% of declarations opened, riskiest first)")
        ax.set_ylabel("precision / recall")
        ax.set_ylim(0, 1.02)
        ax.set_title(title)
        ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
        fig.tight_layout()
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return out


def fairness_table(
    frame: pd.DataFrame,
    scores: npt.ArrayLike,
    *,
    label: str = "fraud",
    rate: float = 0.05,
    group_columns: Sequence[str] | None = None,
    min_rows: int = 30,
) -> pd.DataFrame:
    """Inspection rate and hit rate per group when the top `rate` share of the frame is inspected.

    Groups: `origin_country`, plus any nationality column the frame has (or `group_columns`). Groups with
    fewer than `min_rows` declarations are pooled as `(other)` so small groups do not read as extremes.
    Columns: group_column, group, rows, inspected, inspection_rate, base_rate (share of the group's rows that
    were positive), hit_rate (share of the group's inspections that were positive), inspection_ratio
    (group inspection rate over overall rate).
    """
    s = np.asarray(scores, dtype=np.float64)
    if len(s) != len(frame):
        raise InputError("bad_scores", f"{len(s)} scores for {len(frame)} declarations")
    columns = (
        list(group_columns)
        if group_columns is not None
        else [c for c in ("origin_country", *NATIONALITY_COLUMNS) if c in frame.columns]
    )
    k = inspected_count(len(s), rate)
    inspected = np.zeros(len(s), dtype=bool)
    inspected[inspection_order(s)[:k]] = True
    y = outcome_values(frame[label]) if label in frame.columns else np.full(len(s), np.nan)
    overall = k / len(s) if len(s) else 0.0
    parts = []
    for col in columns:
        groups = frame[col].astype("string").fillna("(missing)").to_numpy(dtype=object)
        data = pd.DataFrame({"group": groups, "inspected": inspected, "y": y, "hit": inspected & (y == 1)})
        agg = data.groupby("group", sort=False).agg(
            rows=("y", "size"), inspected=("inspected", "sum"), positives=("y", "sum"), hits=("hit", "sum")
        )
        small = agg["rows"] < min_rows
        if small.any():
            pooled = agg[small].sum().to_frame("(other)").T
            agg = pd.concat([agg[~small], pooled])
        agg = agg.reset_index(names="group")
        agg.insert(0, "group_column", col)
        parts.append(agg)
    if not parts:
        return pd.DataFrame(
            columns=[
                "group_column",
                "group",
                "rows",
                "inspected",
                "inspection_rate",
                "base_rate",
                "hit_rate",
                "inspection_ratio",
            ]
        )
    table = pd.concat(parts, ignore_index=True)
    table["inspection_rate"] = table["inspected"] / table["rows"]
    table["base_rate"] = table["positives"] / table["rows"]
    table["hit_rate"] = np.where(
        table["inspected"] > 0, table["hits"] / table["inspected"].clip(lower=1), np.nan
    )
    table["inspection_ratio"] = table["inspection_rate"] / overall if overall else np.nan
    table = table.sort_values(["group_column", "rows"], ascending=[True, False], ignore_index=True)
    return table[
        [
            "group_column",
            "group",
            "rows",
            "inspected",
            "inspection_rate",
            "base_rate",
            "hit_rate",
            "inspection_ratio",
        ]
    ]
