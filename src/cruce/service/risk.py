"""Cargo risk use cases: train a model, score a file, backtest, and shadow a candidate against the live one.

Files are read through a named mapping, so every step speaks cruce's declaration fields whatever the source
layout. Bad rows never vanish: training refuses a file with unreadable rows unless told to skip them (and
then says how many), scoring writes them to `<output>.errors.csv` with their line and reason.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cruce.core import csvsafe
from cruce.core.errors import InputError
from cruce.matching.matcher import Matcher
from cruce.scoring.evaluation import DEFAULT_RATES, Evaluation, curve, evaluate, fairness_table, plot_curves
from cruce.scoring.history import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from cruce.scoring.mapping import MappedBatch, Mapping, load_mapping, read_declarations, require_outcomes
from cruce.scoring.model import RiskConfig, RiskModel
from cruce.scoring.rules import RuleSet, load_rule_set
from cruce.scoring.scorer import CargoScorer, ScoredDeclarations
from cruce.scoring.shadow import ShadowReport, compare
from cruce.service.queries import make_query

DEFAULT_MAPPING = "customs-declarations"
DEFAULT_RULES = "cargo-default"
PARTY_SCREEN_TOP = 1

#: Declaration fields the risk model reads: a row without one of them cannot be scored.
MODEL_FIELDS = tuple(name for name in REQUIRED_COLUMNS if name not in OPTIONAL_COLUMNS)

Step = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class TrainReport:
    model_dir: Path
    model_version: str
    rows: int
    skipped_rows: int
    seconds: float
    validation: dict[str, Evaluation] | None  # "fraud" / "critical" on the validation file


@dataclass(frozen=True, slots=True)
class ScoreReport:
    output: Path
    rows: int
    errors: int
    errors_path: Path | None
    alerts: int
    seconds: float
    model_version: str
    rules_label: str | None


@dataclass(frozen=True, slots=True)
class BacktestReport:
    rows: int
    model_version: str
    rules_label: str | None
    evaluations: dict[str, Evaluation]  # "fraud" (combined score), "fraud: model", "fraud: rules", "critical"
    fairness: pd.DataFrame
    plot: Path | None
    rates: tuple[float, ...] = field(default=DEFAULT_RATES)


def read_batch(
    path: Path, mapping: str | Path = DEFAULT_MAPPING, *, skip_bad_rows: bool = False
) -> MappedBatch:
    """A declarations file through a mapping; unreadable rows stop the job unless `skip_bad_rows`."""
    batch = read_declarations(path, load_mapping(mapping), MODEL_FIELDS)
    if batch.errors and not skip_bad_rows:
        shown = "; ".join(str(error) for error in batch.errors[:3])
        more = f"; and {len(batch.errors) - 3} more" if len(batch.errors) > 3 else ""
        raise InputError(
            "bad_rows",
            f"{path}: {len(batch.errors)} problem(s) in {batch.rows_read} rows: {shown}{more}. "
            "Fix them, or pass --skip-bad-rows to leave those rows out",
        )
    if batch.frame.empty:
        raise InputError("no_declarations", f"{path} holds no readable declaration")
    return batch


def _check_later(model: RiskModel, batch: MappedBatch, path: Path) -> None:
    """Evaluating on the training period would let declarations see their own outcomes: refuse it."""
    last_trained = str(model.manifest["training_data"]["last_date"])
    first = str(batch.frame["date"].min().date())
    if first <= last_trained:
        raise InputError(
            "overlaps_training",
            f"{path} starts on {first}, within the model's training period (to {last_trained}); evaluate on "
            "declarations dated after it, or the model is judged on outcomes it has already seen",
        )


def train_model(
    train_path: Path,
    model_dir: Path,
    *,
    mapping: str | Path = DEFAULT_MAPPING,
    valid_path: Path | None = None,
    forbidden: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
    step: Step = _quiet,
) -> TrainReport:
    """Train on labelled history, save to `model_dir`, and evaluate on a later file when given one."""
    started = time.perf_counter()
    if model_dir.exists() and not model_dir.is_dir():
        raise InputError("bad_model_dir", f"{model_dir} is a file; give a folder for the model")
    step(f"reading {train_path.name}")
    batch = read_batch(train_path, mapping, skip_bad_rows=skip_bad_rows)
    require_outcomes(batch, str(train_path))
    valid = read_batch(valid_path, mapping, skip_bad_rows=skip_bad_rows) if valid_path else None
    if valid is not None:
        require_outcomes(valid, str(valid_path), "validation")
        last_train, first_valid = batch.frame["date"].max(), valid.frame["date"].min()
        if first_valid <= last_train:
            raise InputError(
                "overlaps_training",
                f"{valid_path} starts on {first_valid.date()}, within the training data (to "
                f"{last_train.date()}); validate on declarations dated after the training period",
            )
    config = RiskConfig() if forbidden is None else RiskConfig(forbidden_features=tuple(forbidden))
    step(f"training on {len(batch.frame):,} declarations")
    model = RiskModel.train(batch.frame, config)
    model.save(model_dir)
    _record_mapping(model_dir, mapping)
    validation = None
    if valid is not None:
        step(f"evaluating on {len(valid.frame):,} later declarations")
        scores = model.predict(valid.frame, sequential=True)
        validation = {
            "fraud": evaluate(_outcome(valid.frame, "fraud"), scores.score),
            "critical": evaluate(_outcome(valid.frame, "critical_fraud"), scores.critical_score),
        }
    return TrainReport(
        model_dir,
        model.version,
        len(batch.frame),
        len(batch.errors),
        time.perf_counter() - started,
        validation,
    )


MAPPING_RECORD = "mapping.json"


def _record_mapping(model_dir: Path, mapping: str | Path) -> None:
    """Remember the layout the model was trained from, so scoring and backtests read files the same way."""
    path = Path(mapping)
    is_file = path.suffix in (".yaml", ".yml") or path.exists()
    record = {"mapping": str(path.resolve()) if is_file else str(mapping), "name": load_mapping(mapping).name}
    (model_dir / MAPPING_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def mapping_for(model_dir: Path, mapping: str | Path | None) -> str | Path:
    """The mapping asked for, else the one the model was trained with, else the default preset."""
    if mapping is not None:
        return mapping
    try:
        recorded = json.loads((model_dir / MAPPING_RECORD).read_text(encoding="utf-8"))
        return str(recorded["mapping"])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_MAPPING


def load_scorer(model_dir: Path, rules: str | Path | None = DEFAULT_RULES) -> CargoScorer:
    """The saved model with a rule set (None for the model alone)."""
    model = RiskModel.load(model_dir)
    rule_set: RuleSet | None = load_rule_set(rules) if rules is not None else None
    return CargoScorer(model, rule_set)


def screen_parties(frame: pd.DataFrame, matcher: Matcher) -> pd.DataFrame:
    """The frame with watchlist columns: the best alert or near match among its named parties."""
    name_columns = [
        c for c in ("importer_name", "seller_name", "consignee_name", "carrier_name") if c in frame.columns
    ]
    alert = np.zeros(len(frame), dtype=bool)
    best = np.zeros(len(frame))
    detail: list[str | None] = [None] * len(frame)
    cache: dict[str, tuple[float, bool, str]] = {}
    for column in name_columns:
        for row, name in enumerate(frame[column].tolist()):
            if name is None or name is pd.NA or not str(name).strip():
                continue
            key = str(name)
            if key not in cache:
                matches = matcher.screen(make_query(key), top=PARTY_SCREEN_TOP)
                top = matches[0] if matches else None
                cache[key] = (
                    (
                        top.score,
                        top.alert,
                        f"{column.removesuffix('_name')} {key!r} ~ "
                        f"{top.entity.caption} ({top.entity.id}, score {top.score:.2f})",
                    )
                    if top
                    else (0.0, False, "")
                )
            score, hit, text = cache[key]
            if score > best[row]:
                best[row], detail[row] = score, text
            alert[row] |= hit
    return frame.assign(
        watchlist_alert=alert, watchlist_score=best, watchlist_detail=pd.array(detail, dtype="string")
    )


def score_file(
    model_dir: Path,
    input_path: Path,
    output_path: Path,
    *,
    mapping: str | Path | None = None,
    rules: str | Path | None = DEFAULT_RULES,
    matcher: Matcher | None = None,
    alert_score: float = 0.5,
    top: int = 3,
    reasons: bool = True,
    step: Step = _quiet,
) -> ScoreReport:
    """Score a file; write `<id column>,score,critical_score,reasons` and the unreadable rows beside it."""
    started = time.perf_counter()
    mapping_obj = load_mapping(mapping_for(model_dir, mapping))
    scorer = load_scorer(model_dir, rules)
    step(f"reading {input_path.name}")
    batch = read_declarations(input_path, mapping_obj, MODEL_FIELDS)
    errors_file = errors_path(output_path)
    errors_file.unlink(missing_ok=True)  # an earlier run's errors must not read as this run's
    if batch.frame.empty:
        written = _write_errors(output_path, batch) if batch.errors else None
        where = f"; the problems are listed in {written}" if written else ""
        raise InputError("no_declarations", f"{input_path}: no row could be scored{where}")
    frame = screen_parties(batch.frame, matcher) if matcher is not None else batch.frame
    step(f"scoring {len(frame):,} declarations")
    scored = scorer.score(frame, top=top, explain=reasons)
    _write_scores(output_path, mapping_obj, scored)
    written_errors = _write_errors(output_path, batch) if batch.errors else None
    return ScoreReport(
        output_path,
        len(scored),
        len(batch.errors),
        written_errors,
        int((scored.score >= alert_score).sum()),
        time.perf_counter() - started,
        scored.model_version,
        scored.rules_label,
    )


def backtest(
    model_dir: Path,
    data_path: Path,
    *,
    mapping: str | Path | None = None,
    rules: str | Path | None = DEFAULT_RULES,
    plot_path: Path | None = None,
    rates: Sequence[float] = DEFAULT_RATES,
    skip_bad_rows: bool = False,
    step: Step = _quiet,
) -> BacktestReport:
    """Replay a labelled later period through the model and rules, day by day, and measure what it catches."""
    batch = read_batch(data_path, mapping_for(model_dir, mapping), skip_bad_rows=skip_bad_rows)
    require_outcomes(batch, str(data_path), "a backtest")
    scorer = load_scorer(model_dir, rules)
    _check_later(scorer.model, batch, data_path)
    step(f"replaying {len(batch.frame):,} declarations")
    scored = scorer.score(batch.frame, explain=False, sequential=True)
    fraud = _outcome(batch.frame, "fraud")
    critical = _outcome(batch.frame, "critical_fraud")
    rates = tuple(rates)
    evaluations = {
        "fraud": evaluate(fraud, scored.score, rates),
        "fraud: model": evaluate(fraud, scored.model_score, rates),
        "critical": evaluate(critical, scored.critical_score, rates),
    }
    if scorer.rules is not None:
        evaluations["fraud: rules"] = evaluate(fraud, scored.rule_score, rates)
    plot = None
    if plot_path is not None:
        step(f"drawing {plot_path.name}")
        plot = plot_curves(
            {"fraud": curve(fraud, scored.score), "critical": curve(critical, scored.critical_score)},
            plot_path,
        )
    groups = ["origin_country"] + [c for c in ("traveler_nationality",) if batch.frame[c].notna().any()]
    fairness = fairness_table(
        batch.frame.assign(fraud=fraud), scored.score, label="fraud", rate=0.05, group_columns=groups
    )
    return BacktestReport(
        len(batch.frame), scored.model_version, scored.rules_label, evaluations, fairness, plot, rates
    )


def shadow(
    live_model: Path,
    data_path: Path,
    *,
    candidate_model: Path | None = None,
    live_rules: str | Path | None = DEFAULT_RULES,
    candidate_rules: str | Path | None = DEFAULT_RULES,
    mapping: str | Path | None = None,
    rate: float = 0.05,
    skip_bad_rows: bool = False,
) -> tuple[ShadowReport, str, str]:
    """Run a candidate (model and/or rules) beside the live one over history; what would have changed."""
    batch = read_batch(data_path, mapping_for(live_model, mapping), skip_bad_rows=skip_bad_rows)
    live = load_scorer(live_model, live_rules)
    candidate = load_scorer(candidate_model or live_model, candidate_rules)
    _check_later(live.model, batch, data_path)
    _check_later(candidate.model, batch, data_path)
    live_scores = live.score(batch.frame, explain=False, sequential=True)
    candidate_scores = candidate.score(batch.frame, explain=False, sequential=True)
    known = batch.frame["fraud"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    outcomes = np.asarray(known, dtype=np.float64)
    report = compare(live_scores.declaration_ids, live_scores.score, candidate_scores.score, rate, outcomes)
    return report, _label(live_scores), _label(candidate_scores)


def _label(scored: ScoredDeclarations) -> str:
    rules = scored.rules_label or "no rules"
    return f"model {scored.model_version} + {rules}"


def _outcome(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=np.int64)


def _write_scores(path: Path, mapping: Mapping, scored: ScoredDeclarations) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(
        {
            mapping.output_id_column: scored.declaration_ids,
            "score": np.round(scored.score, 6),
            "critical_score": np.round(scored.critical_score, 6),
            "reasons": ["; ".join(reasons) for reasons in scored.reasons] if scored.reasons else "",
        }
    )
    csvsafe.safe_frame(table).to_csv(path, index=False)


def errors_path(output_path: Path) -> Path:
    """Where the unreadable rows of a scoring run go: beside its output."""
    return output_path.with_name(output_path.stem + ".errors.csv")


def _write_errors(output_path: Path, batch: MappedBatch) -> Path:
    path = errors_path(output_path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csvsafe.writer(handle)
        writer.writerow(["line", "column", "value", "problem"])
        for error in batch.errors:
            writer.writerow([error.line, error.column, error.value, error.message])
    return path
