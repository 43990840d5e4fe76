"""Cargo risk quality: cruce's model beside three baselines on the real customs declarations.

Train on `declarations_train.csv` (2020), evaluate on `declarations_valid.csv` (2021 Q1, later in time), both
read through the product's `customs-declarations` mapping preset. In the same run:

- **cruce**: `RiskModel.train` (history features, two calibrated heads), scored as a backtest
  (`sequential=True`: earlier valid declarations count as attributes, never as outcomes);
- **lightgbm-default**: `LGBMClassifier()` with default parameters on the raw columns, label-encoded with the
  training vocabulary (the dataset paper's kind of baseline);
- **logistic**: logistic regression on one-hot procedure/party/code columns (values seen at least 5 times)
  and standardised log mass, log value, log unit value and tax rate;
- **random**: inspect at random (seeded), which any model must beat.

Each gets precision and recall at 1, 2, 5 and 10% inspection, PR-AUC and ROC-AUC, for Fraud and for Critical
fraud (`Critical Fraud == 2`); then cruce's inspection and hit rates per origin country at 5%.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks.data import REPO_ROOT, DataMissingError
from benchmarks.report import RESULTS_DIR, write_json
from cruce.scoring.history import NUMBER_COLUMNS, TEXT_COLUMNS

ENV_DIR = "CRUCE_BENCH_CUSTOMS"
FILES = ("declarations_train.csv", "declarations_valid.csv")
RATES = (0.01, 0.02, 0.05, 0.10)
LABELS = {"fraud": "Fraud", "critical_fraud": "Critical"}
TARGETS: dict[tuple[str, str], tuple[str, float]] = {
    ("fraud", "P@5%"): (">=", 0.97),
    ("fraud", "ROC-AUC"): (">=", 0.90),
    ("critical_fraud", "R@5%"): (">=", 0.75),
}
# The baselines see the raw declaration columns cruce's history features are built from, and nothing else.
CATEGORICAL = TEXT_COLUMNS
NUMERIC = NUMBER_COLUMNS


def customs_dir() -> Path:
    """`$CRUCE_BENCH_CUSTOMS`, else `../shared/data/customs` beside the repository."""
    configured = os.environ.get(ENV_DIR)
    directory = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data" / "customs"
    missing = [f for f in FILES if not (directory / f).is_file()]
    if missing:
        raise DataMissingError(
            f"customs declarations not found in {directory} (missing {', '.join(missing)}); "
            f"set {ENV_DIR} to the folder holding declarations_train.csv and declarations_valid.csv"
        )
    return directory


def load_customs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and valid frames through the product's mapping preset, labels as 0/1 ints."""
    from cruce.scoring.mapping import load_mapping, read_declarations

    directory = customs_dir()
    mapping = load_mapping("customs-declarations")
    frames = []
    for name in FILES:
        frame = read_declarations(directory / name, mapping).frame.copy()
        for label in LABELS:
            frame[label] = frame[label].astype(int)
        frames.append(frame)
    return frames[0], frames[1]


@dataclass
class SystemRun:
    column: str
    scores: dict[str, np.ndarray]
    seconds: float
    note: str


def _raw_codes(train: pd.DataFrame, other: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw columns with each categorical label-encoded by the training vocabulary (unseen: -1)."""
    out = []
    for frame in (train, other):
        x = pd.DataFrame(index=frame.index)
        for col in CATEGORICAL:
            vocab = pd.Index(train[col].dropna().astype(str).unique())
            x[col] = vocab.get_indexer(frame[col].astype(str))
        for col in NUMERIC:
            x[col] = frame[col].astype(float)
        out.append(x)
    return out[0], out[1]


def run_lightgbm_default(train: pd.DataFrame, valid: pd.DataFrame) -> SystemRun:
    from lightgbm import LGBMClassifier

    started = time.perf_counter()
    xt, xv = _raw_codes(train, valid)
    scores = {}
    for label in LABELS:
        model = LGBMClassifier(random_state=0, n_jobs=1, verbose=-1)
        model.fit(xt, train[label])
        scores[label] = model.predict_proba(xv)[:, 1]
    return SystemRun(
        "lightgbm-default",
        scores,
        time.perf_counter() - started,
        "LGBMClassifier() on label-encoded raw columns",
    )


def _logistic_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    x = frame[list(CATEGORICAL)].astype(str).copy()
    mass = np.log1p(frame["net_mass_kg"].astype(float).clip(lower=0))
    value = np.log1p(frame["declared_value"].astype(float).clip(lower=0))
    x["log_mass"] = mass
    x["log_value"] = value
    x["log_unit_value"] = value - mass
    x["tax_rate_pct"] = frame["tax_rate_pct"].astype(float)
    return x


def run_logistic(train: pd.DataFrame, valid: pd.DataFrame) -> SystemRun:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    started = time.perf_counter()
    xt, xv = _logistic_inputs(train), _logistic_inputs(valid)
    numeric = ["log_mass", "log_value", "log_unit_value", "tax_rate_pct"]
    scores = {}
    for label in LABELS:
        encode = ColumnTransformer(
            [
                (
                    "onehot",
                    OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5),
                    list(CATEGORICAL),
                ),
                ("scale", StandardScaler(), numeric),
            ]
        )
        model = make_pipeline(encode, LogisticRegression(max_iter=2000, C=1.0))
        model.fit(xt, train[label])
        scores[label] = model.predict_proba(xv)[:, 1]
    return SystemRun(
        "logistic",
        scores,
        time.perf_counter() - started,
        "one-hot (values seen ≥5 times) + standardised log mass/value/unit value, tax rate",
    )


def run_random(valid: pd.DataFrame, seed: int) -> SystemRun:
    rng = np.random.default_rng(seed)
    return SystemRun(
        "random", {label: rng.random(len(valid)) for label in LABELS}, 0.0, f"uniform scores, seed {seed}"
    )


def run_cruce(train: pd.DataFrame, valid: pd.DataFrame) -> tuple[SystemRun, Any]:
    from cruce.scoring.model import RiskModel

    started = time.perf_counter()
    model = RiskModel.train(train)
    trained = time.perf_counter() - started
    scores = model.predict(valid, sequential=True)
    return (
        SystemRun(
            "cruce",
            {"fraud": scores.score, "critical_fraud": scores.critical_score},
            time.perf_counter() - started,
            f"trained in {trained:.1f}s; {len(model.feature_names)} history features; backtest scoring",
        ),
        model,
    )


def metric_values(y: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    from cruce.scoring.evaluation import evaluate

    ev = evaluate(y, scores, RATES)
    values: dict[str, float | None] = {}
    for m in ev.at_rate:
        values[f"P@{m.rate:.0%}"] = m.precision
        values[f"R@{m.rate:.0%}"] = m.recall
    values["PR-AUC"] = ev.pr_auc
    values["ROC-AUC"] = ev.roc_auc
    return values


def _metric_order() -> list[str]:
    names = [f"{kind}@{r:.0%}" for r in RATES for kind in ("P", "R")]
    return [*names, "PR-AUC", "ROC-AUC"]


def quality_table(results: dict[str, dict[str, dict[str, float | None]]], valid: pd.DataFrame) -> Table:
    systems = list(next(iter(results.values())))
    table = Table(title="Cargo risk quality on 2021 Q1 (train: 2020)", header_style="bold")
    table.add_column("label")
    table.add_column("metric")
    for system in systems:
        table.add_column(system, justify="right")
    table.add_column("target", justify="right")
    table.add_column("cruce", justify="center")
    for label, name in LABELS.items():
        positives = int(valid[label].sum())
        for i, metric in enumerate(_metric_order()):
            row = [f"{name} ({positives}/{len(valid)})" if i == 0 else "", metric]
            row += [_fmt(results[label][s].get(metric)) for s in systems]
            target = TARGETS.get((label, metric))
            if target is None:
                row += ["", ""]
            else:
                value = results[label].get("cruce", {}).get(metric)
                ok = value is not None and value >= target[1]
                row += [f"≥ {target[1]:.2f}", "[green]✓[/]" if ok else "[red]✗[/]"]
            table.add_row(*row)
        if label == "fraud":
            table.add_section()
    return table


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def fairness_rich(fairness: pd.DataFrame, top: int = 15) -> Table:
    table = Table(title="cruce at 5% inspection: who is inspected (by origin country)", header_style="bold")
    for col in ("group", "rows", "inspected", "inspection rate", "fraud rate", "hit rate", "vs overall"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for column, part in fairness.groupby("group_column", sort=False):
        for _, r in part.head(top).iterrows():
            hit = "–" if pd.isna(r["hit_rate"]) else f"{r['hit_rate']:.1%}"
            table.add_row(
                f"{column}={r['group']}",
                str(int(r["rows"])),
                str(int(r["inspected"])),
                f"{r['inspection_rate']:.1%}",
                f"{r['base_rate']:.1%}",
                hit,
                f"{r['inspection_ratio']:.2f}×",
            )
    return table


def run_risk_quality(out: Console, seed: int = 0, quick: bool = False) -> int:
    from cruce.scoring.evaluation import curve, fairness_table, plot_curves

    try:
        train, valid = load_customs()
    except DataMissingError as exc:
        out.print(f"[yellow]risk-quality skipped:[/] {exc}")
        return 0
    out.print(
        f"[bold]risk-quality[/]: train {len(train):,} declarations "
        f"({train['date'].min():%Y-%m-%d}..{train['date'].max():%Y-%m-%d}), valid {len(valid):,} "
        f"({valid['date'].min():%Y-%m-%d}..{valid['date'].max():%Y-%m-%d})"
    )
    runners: list[Callable[[], SystemRun]] = [
        lambda: run_lightgbm_default(train, valid),
        lambda: run_logistic(train, valid),
        lambda: run_random(valid, seed),
    ]
    cruce_run, model = run_cruce(train, valid)
    runs = [cruce_run]
    for runner in runners:
        runs.append(runner())
    results: dict[str, dict[str, dict[str, float | None]]] = {
        label: {r.column: metric_values(valid[label].to_numpy(), r.scores[label]) for r in runs}
        for label in LABELS
    }
    out.print(quality_table(results, valid))
    systems = Table(title="How each column was run", header_style="bold")
    for col in ("system", "seconds", "notes"):
        systems.add_column(col)
    for r in runs:
        systems.add_row(r.column, f"{r.seconds:.1f}", r.note)
    out.print(systems)
    fairness = fairness_table(valid, cruce_run.scores["fraud"], label="fraud", rate=0.05)
    out.print(fairness_rich(fairness))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    plot = plot_curves(
        {
            f"{r.column} {LABELS[label].lower()}": curve(
                valid[label].to_numpy(), r.scores[label], max_rate=0.3
            )
            for label in LABELS
            for r in runs
            if r.column in ("cruce", "lightgbm-default")
        },
        RESULTS_DIR / f"risk-quality-{stamp}.png",
        title="Customs 2021 Q1: precision (solid) and recall (dashed) by inspection rate",
    )
    path = write_json(
        f"risk-quality{'-quick' if quick else ''}",
        {
            "benchmark": "risk-quality",
            "seed": seed,
            "train_rows": len(train),
            "valid_rows": len(valid),
            "results": results,
            "systems": [{"column": r.column, "seconds": round(r.seconds, 2), "note": r.note} for r in runs],
            "cruce_manifest": {k: v for k, v in model.manifest.items() if k != "config"},
            "fairness": fairness.to_dict(orient="records"),
            "plot": str(plot),
        },
    )
    out.print(f"[dim]plot: {plot}; results written to {path}[/]")
    return 0
