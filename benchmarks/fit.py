"""Fit the scorer's threshold and its main weights on development data; judge the fit on a held-out half.

`python -m benchmarks fit-scorer [--quick]`. Development data only, none of it what cruce is judged on:

- a generated evaluation set with its own seed (`DEV_SEED`, not the default 0 of `screening-quality`),
- cruce's own instance of `sanctions-screening-benchmark` (`ssb_set.py`),
- cruce's labelled pairs (`pairs/dev_pairs.tsv`).

Each set is split in two by a stable hash of the query text: the **fit** half chooses, the **held-out** half
only reports. The objective is the worst room left on the goals of issue 15, each measured as a share of what
the goal allows (alert recall >= 99% and every kind >= 95%, benchmark recall >= 95%, pairs F1 >= 0.80 and
precision >= 0.90; false alerts on innocents <= 0.5%, same-surname strangers <= 1%, conflicting birth dates
<= 0.5%, benchmark negatives <= 5%), ties broken by the summed room: a fit that leaves room on every goal
rather than one that maximises a single number.

Weights are searched one at a time (coordinate search over `WEIGHT_STEPS`); each candidate config is run in a
fresh process that replaces `cruce.matching.scorer.CONFIG` before the matching modules read it, so the product
never reads weights from anywhere but its declared config. The threshold is swept on recorded scores, exactly.
The table prints the declared config and the best one found, each on the fit and the held-out half, and the
held-out calibration curve of the declared config (how often a first result in each score bin is the right
party).
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEV_SEED = 7919
THRESHOLDS = tuple(round(0.70 + 0.01 * i, 2) for i in range(26))  # 0.70 .. 0.95
WEIGHT_STEPS: dict[str, tuple[float, ...]] = {
    "short_form_similarity": (0.93, 0.99),
    "nickname_similarity": (0.88, 0.95),
    "truncated_similarity": (0.9, 0.98),
    "unmatched_query_penalty": (0.8, 1.0),
    "given_name_conflict_cap": (0.5, 0.7),
    "birth_date_years_apart_factor": (0.4, 0.6),
}
BUDGETS = {  # the goals' false-alert budgets
    "FA innocents": 0.005,
    "FA near_miss_surname": 0.01,
    "FA near_miss_dob": 0.005,
    "ssb false alerts on negatives": 0.05,
}
MIN_PAIRS_PRECISION = 0.90
GOALS = {"alert recall": 0.99, "min kind recall": 0.95, "ssb recall benign+degraded": 0.95, "pairs F1": 0.80}


def in_fit_half(text: str) -> bool:
    """Stable split: the same query always falls in the same half, whatever the run."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0


@dataclass(slots=True)
class Scored:
    """Everything a threshold needs, recorded once per config and half."""

    gen_queries: list[Any]
    gen_hits: list[list[Any]]
    ssb_cases: list[Any]
    ssb_first: list[tuple[str, float] | None]
    pairs: list[Any]
    pair_scores: list[float]
    first_right: list[tuple[float, bool]] = field(default_factory=list)  # (score of first result, right?)


def metrics_at(scored: Scored, threshold: float) -> dict[str, float]:
    from benchmarks.external import pair_metrics, ssb_metrics
    from benchmarks.quality import evaluate

    values = evaluate(scored.gen_queries, scored.gen_hits, lambda h: h.score >= threshold).values
    out: dict[str, float] = {k: float(v) for k, v in values.items() if v is not None}
    kinds = [v for k, v in out.items() if k.startswith("alert recall: ")]
    out["min kind recall"] = min(kinds) if kinds else 0.0
    first = [None if f is None else (f[0], f[1] >= threshold) for f in scored.ssb_first]
    out.update({k: float(v) for k, v in ssb_metrics(scored.ssb_cases, first).items() if v is not None})
    pm = pair_metrics(scored.pairs, [s >= threshold for s in scored.pair_scores])
    out.update({k: float(v) for k, v in pm.items() if v is not None})
    return out


def slack(values: dict[str, float]) -> tuple[float, float]:
    """(worst, summed) room left on the goals, each as a share of what its goal allows.

    A recall goal of 99% allows 1% of misses: at 99.6% there is 0.6 of that room left. A false-alert budget
    of 0.5%: at 0.38% there is 0.24 left. Minus infinity when a goal is broken. Counting both sides the same
    way keeps the fit from buying recall with the last of a false-alert budget, which hidden sets would break.
    """
    margins = [(values.get(metric, 0.0) - goal) / (1.0 - goal) for metric, goal in GOALS.items()]
    margins += [(budget - values.get(metric, 0.0)) / budget for metric, budget in BUDGETS.items()]
    margins.append((values.get("pairs precision", 0.0) - MIN_PAIRS_PRECISION) / (1.0 - MIN_PAIRS_PRECISION))
    if min(margins) < 0:
        return float("-inf"), float("-inf")
    return min(margins), sum(margins)


def best_threshold(scored: Scored) -> tuple[float, tuple[float, float]]:
    """(threshold, slack) with the largest slack; ties go to the higher threshold (fewer alerts)."""
    best: tuple[float, tuple[float, float]] = (THRESHOLDS[-1], (float("-inf"), float("-inf")))
    for t in THRESHOLDS:
        s = slack(metrics_at(scored, t))
        if s >= best[1]:
            best = (t, s)
    return best


def feasible_band(scored: Scored) -> tuple[float, float] | None:
    """The lowest and highest swept thresholds at which every goal is met (slack >= 0), if any."""
    met = [t for t in THRESHOLDS if slack(metrics_at(scored, t))[0] >= 0]
    return (min(met), max(met)) if met else None


def calibration_curve(scored: Scored, bins: Sequence[float] = (0.6, 0.7, 0.8, 0.9, 1.0001)) -> list[str]:
    rows = []
    for lo, hi in itertools.pairwise(bins):
        inside = [right for score, right in scored.first_right if lo <= score < hi]
        if inside:
            share = sum(inside) / len(inside)
            rows.append(f"{lo:.1f}-{min(hi, 1.0):.1f}: {share:.1%} right (n={len(inside)})")
    return rows


# --- scoring one config in a fresh process ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    overrides: tuple[tuple[str, float], ...]
    directory: Path
    quick: bool


def _score(job: Job) -> tuple[Scored, Scored]:
    """In a fresh (spawned) process: patch the config, then import and run the matcher on both halves."""
    from cruce.matching import scorer

    overrides: dict[str, Any] = dict(job.overrides)
    scorer.CONFIG = replace(scorer.CONFIG, **overrides)
    from benchmarks.__main__ import _evalset
    from benchmarks.data import load_lists
    from benchmarks.external import SSB_QUICK_CASES, load_pairs
    from benchmarks.ssb_set import build_ssb
    from benchmarks.systems import TOP, Hit
    from cruce.matching.matcher import Matcher, compare_names
    from cruce.matching.types import Query

    lists = load_lists(directory=job.directory)
    matcher = Matcher(lists.entities)
    evalset = _evalset(lists.entities, DEV_SEED, job.quick)
    cases = build_ssb(job.directory)
    if job.quick:
        import random

        cases = random.Random(DEV_SEED).sample(cases, min(len(cases), SSB_QUICK_CASES))
    sdn = Matcher([e for e in lists.entities if e.list_id == "us-ofac-sdn"]) if cases else None
    pairs = load_pairs()

    halves = []
    for fit in (True, False):
        gen = [q for q in evalset.queries if in_fit_half(q.query.name) == fit]
        hits = [
            [Hit(m.entity.id, float(m.score), bool(m.alert), m.matched_name) for m in ms]
            for ms in matcher.screen_many([q.query for q in gen], TOP)
        ]
        ssb = [c for c in cases if in_fit_half(c.query) == fit]
        firsts: list[tuple[str, float] | None] = []
        first_right: list[tuple[float, bool]] = []
        for case in ssb:
            found = sdn.screen(Query(case.query), 1) if sdn is not None else []
            firsts.append((found[0].entity.id, float(found[0].score)) if found else None)
            if found:
                first_right.append((float(found[0].score), found[0].entity.id == case.expected))
        for q, qhits in zip(gen, hits, strict=True):
            if qhits:
                first_right.append((qhits[0].score, qhits[0].entity_id == q.expected_entity_id))
        half_pairs = [p for p in pairs if in_fit_half(p.presented + "\t" + p.listed) == fit]
        scores = []
        for p in half_pairs:
            match = compare_names(p.presented, p.listed, p.schema)
            scores.append(float(match.score) if match is not None else 0.0)
        halves.append(Scored(gen, hits, ssb, firsts, half_pairs, scores, first_right))
    return halves[0], halves[1]


def _run(job: Job) -> tuple[Scored, Scored]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_score, (job,))


# --- the search --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    overrides: dict[str, float]
    threshold: float
    fit_slack: tuple[float, float]
    fit: Scored
    held_out: Scored


def fit_scorer(
    directory: Path, quick: bool, log: Callable[[str], None] = print
) -> tuple[Candidate, Candidate, list[Candidate]]:
    """(declared, best, every candidate tried): coordinate search, one weight at a time, threshold swept."""
    from cruce.matching.scorer import CONFIG

    def evaluate_config(overrides: dict[str, float]) -> Candidate:
        started = time.perf_counter()
        fit, held = _run(Job(tuple(sorted(overrides.items())), directory, quick))
        threshold, s = best_threshold(fit)
        label = ", ".join(f"{k}={v}" for k, v in overrides.items()) or "declared"
        seconds = time.perf_counter() - started
        log(f"  {label}: threshold {threshold:.2f}, fit slack {s[0]:+.4f} / {s[1]:+.4f} ({seconds:.0f}s)")
        return Candidate(overrides, threshold, s, fit, held)

    declared = evaluate_config({})
    tried = [declared]
    best = declared
    for weight, steps in WEIGHT_STEPS.items():
        for value in steps:
            candidate = evaluate_config({**best.overrides, weight: value})
            tried.append(candidate)
            if candidate.fit_slack > best.fit_slack:
                best = candidate
        if weight not in best.overrides:
            log(f"  {weight}: the declared {getattr(CONFIG, weight)} stays")
    return declared, best, tried


def report_rows(declared: Candidate, best: Candidate) -> list[tuple[str, ...]]:
    """(metric, declared fit, declared held-out, best fit, best held-out) at each one's own threshold."""
    from cruce.matching.scorer import CONFIG

    rows: list[tuple[str, ...]] = []
    d_fit = metrics_at(declared.fit, CONFIG.threshold)
    d_held = metrics_at(declared.held_out, CONFIG.threshold)
    b_fit, b_held = metrics_at(best.fit, best.threshold), metrics_at(best.held_out, best.threshold)
    rows.append(("threshold", f"{CONFIG.threshold:.2f}", "", f"{best.threshold:.2f}", ""))
    rows.append(("fitted threshold of the declared weights", f"{declared.threshold:.2f}", "", "", ""))
    bands = [feasible_band(s) for s in (declared.fit, declared.held_out, best.fit, best.held_out)]
    band_cells = (f"{b[0]:.2f}-{b[1]:.2f}" if b else "none" for b in bands)
    rows.append(("thresholds meeting every goal", *band_cells))
    for metric in (*GOALS, *BUDGETS, "pairs precision"):
        cells = [f"{m.get(metric, float('nan')):.2%}" for m in (d_fit, d_held, b_fit, b_held)]
        rows.append((metric, *cells))
    every = (d_fit, d_held, b_fit, b_held)
    rows.append(("worst slack to the goals", *(f"{slack(m)[0]:+.4f}" for m in every)))
    rows.append(("summed slack", *(f"{slack(m)[1]:+.4f}" for m in every)))
    weakest = min((v, k) for k, v in d_held.items() if k.startswith("alert recall: "))
    rows.append(("weakest kind (declared, held-out)", "", f"{weakest[1][14:]} {weakest[0]:.2%}", "", ""))
    changed = ", ".join(f"{k}={v}" for k, v in best.overrides.items()) or "none (the declared weights)"
    rows.append(("weights changed", "", "", changed, ""))
    return rows


def run_fit(out: Any, directory: Path, quick: bool) -> int:
    """Print the fit as a table; 0 when the declared config is as good as the best found on the fit half."""
    from rich.table import Table

    started = time.perf_counter()
    out.print(f"[bold]fit-scorer[/] {'quick' if quick else 'full'}, dev seed {DEV_SEED}: coordinate search")
    declared, best, tried = fit_scorer(directory, quick, log=out.print)
    table = Table(title=f"Scorer fit: {len(tried)} configs, {time.perf_counter() - started:.0f}s")
    for column in ("metric", "declared: fit", "declared: held-out", "best: fit", "best: held-out"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for row in report_rows(declared, best):
        table.add_row(*row)
    out.print(table)
    out.print("Held-out calibration of the declared config (first result right, by its score):")
    for line in calibration_curve(declared.held_out):
        out.print(f"  {line}")
    return 0
