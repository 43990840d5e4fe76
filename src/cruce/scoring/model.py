"""Learned cargo risk: two LightGBM heads, fraud and critical fraud, over out-of-time history features.

Why this shape:
- Features come from `cruce.scoring.history`: what was known about the declaration's parties, HS code and
  values on earlier dates only, so the model is trained on the same kind of evidence it gets at the border.
- The last `calibration_fraction` of the training period (by date) is held out: it picks the number of trees
  (early stopping) and fits a Platt scaling of the raw margin, because the future looks like the recent
  past more than like the average of the year. The heads are then refitted on the whole period with that
  number of trees (`refit_full`); Platt scaling is monotone, so it never changes the ranking.
- Critical fraud is a kind of fraud with under 1% prevalence: its head learns P(critical | fraud) on fraud
  rows only and `critical_score = score × P(critical | fraud)`. That ranked the rare class better than a head
  trained on every row (recall at 5% inspection 0.86-0.87 against 0.77-0.80 on the customs data).
- Small, shallow trees (15 leaves, depth 5 and 4): scoring cost grows with trees × depth, and deeper trees
  did not rank better on the customs data.
- Reasons come from LightGBM's own TreeSHAP (`pred_contrib=True`), turned into sentences from the feature
  values (no extra dependency).
- Attributes a deployment forbids (nationality, ethnicity, religion…) are refused at training and at loading
  time if any feature would be computed from them.
- Saved as LightGBM text models + history arrays (`.npz`) + a JSON manifest: no pickle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from cruce import __version__
from cruce.core.clock import Clock, utc_now
from cruce.core.errors import InputError
from cruce.scoring.evaluation import evaluate
from cruce.scoring.history import (
    DERIVED_COLUMNS,
    REQUIRED_COLUMNS,
    HistoryConfig,
    HistoryState,
    build_history,
    feature_sources,
    key_name,
    outcome_values,
)

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.floating[Any]]

MODEL_FORMAT = "cruce-risk-model/1"
MANIFEST = "manifest.json"
DEFAULT_FORBIDDEN: tuple[str, ...] = ("traveler_nationality", "nationality", "ethnicity", "religion")
HEADS: tuple[str, ...] = ("fraud", "critical")
LABELS = {"fraud": "fraud", "critical": "critical_fraud"}
EXTRA_PREFIX = "extra__"


class ForbiddenFeatureError(InputError):
    """A feature the model would use is computed from an attribute the configuration forbids."""

    def __init__(self, feature: str, column: str) -> None:
        super().__init__(
            "forbidden_feature",
            f"risk feature {feature!r} would use {column!r}, which the configuration forbids as a risk "
            f"feature; remove it from the feature configuration",
            {"feature": feature, "column": column},
        )


class TrainingDataError(InputError):
    """The training declarations cannot train a model (no labels, one class only, too few days)."""


class ModelFileError(InputError):
    """A model directory cannot be read as a cruce risk model."""


@dataclass(frozen=True)
class RiskConfig:
    """What the risk model may use and how it is trained; stored in the model's manifest.

    `extra_features` are numeric frame columns passed straight to the model (e.g. a partner's risk flag);
    `forbidden_features` are attribute names no feature may be computed from, matched case-insensitively.
    """

    forbidden_features: tuple[str, ...] = DEFAULT_FORBIDDEN
    extra_features: tuple[str, ...] = ()
    history: HistoryConfig = field(default_factory=HistoryConfig)
    calibration_fraction: float = 0.2
    refit_full: bool = True
    learning_rate: float = 0.15
    num_leaves: int = 15
    max_depth: int = 5
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.5
    bagging_fraction: float = 0.8
    max_rounds: int = 200
    early_stopping_rounds: int = 30
    fallback_rounds: int = 200
    critical_rounds: int = 60
    critical_learning_rate: float = 0.1
    critical_num_leaves: int = 15
    critical_max_depth: int = 4
    # One thread: on 37k rows LightGBM's OpenMP threads spend more time waiting for each other than working,
    # and on a busy 2-core machine two threads were measured 10-20x slower than one.
    n_jobs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.calibration_fraction < 1.0:
            raise InputError(
                "bad_config", f"calibration_fraction must be in (0, 1), got {self.calibration_fraction}"
            )
        if self.n_jobs < 1:
            raise InputError("bad_config", f"n_jobs must be at least 1, got {self.n_jobs}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = self.history.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskConfig:
        values = dict(data)
        values["history"] = HistoryConfig.from_dict(values["history"])
        values["forbidden_features"] = tuple(values["forbidden_features"])
        values["extra_features"] = tuple(values["extra_features"])
        return cls(**values)

    def sources(self) -> dict[str, tuple[str, ...]]:
        """Every model feature with the declaration columns it is computed from."""
        sources = feature_sources(self.history)
        sources.update({f"{EXTRA_PREFIX}{c}": (c,) for c in self.extra_features})
        return sources

    def check_forbidden(self) -> None:
        """Refuse any feature computed from a forbidden attribute (raises ForbiddenFeatureError)."""
        forbidden = {f.strip().lower() for f in self.forbidden_features}
        for feature, columns in self.sources().items():
            for column in columns:
                if column.lower() in forbidden:
                    raise ForbiddenFeatureError(feature, column)


@dataclass(frozen=True)
class Reason:
    """One feature's push on a declaration's score (log-odds, TreeSHAP) and what it means."""

    feature: str
    contribution: float
    sentence: str


@dataclass(frozen=True)
class RiskScores:
    """Calibrated probabilities per declaration: any fraud, and critical fraud."""

    score: FloatArray
    critical_score: FloatArray


@dataclass
class _Head:
    """One outcome's booster and its Platt scaling (p = sigmoid(a * margin + b))."""

    name: str
    booster: lgb.Booster
    platt: tuple[float, float]
    rounds: int
    holdout: dict[str, Any]

    def margin(self, x: npt.NDArray[Any], threads: int) -> FloatArray:
        return np.asarray(self.booster.predict(x, raw_score=True, num_threads=threads), dtype=np.float64)

    def calibrate(self, margin: FloatArray) -> FloatArray:
        a, b = self.platt
        return np.asarray(expit(a * margin + b), dtype=np.float64)


def data_hash(frame: pd.DataFrame) -> str:
    """sha256 of the declaration and label columns, row order included: which data a model was trained on."""
    columns = [c for c in (*REQUIRED_COLUMNS, "fraud", "critical_fraud") if c in frame.columns]
    digest = hashlib.sha256()
    digest.update(",".join(columns).encode())
    hashed = pd.util.hash_pandas_object(frame[columns].astype("string"), index=False)
    digest.update(np.asarray(hashed, dtype=np.uint64).tobytes())
    return digest.hexdigest()


def _labels(frame: pd.DataFrame, column: str) -> npt.NDArray[np.int64]:
    if column not in frame.columns:
        raise TrainingDataError("missing_labels", f"training declarations have no {column!r} column")
    values = outcome_values(frame[column])
    unknown = int(np.isnan(values).sum())
    if unknown:
        raise TrainingDataError("missing_labels", f"{unknown} training rows have no {column!r}")
    if not np.isin(values, (0.0, 1.0)).all():
        raise TrainingDataError("bad_labels", f"{column!r} must be 0 or 1 (critical: Critical Fraud == 2)")
    return values.astype(np.int64)


def _platt(margin: FloatArray, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Platt scaling, p = sigmoid(a*m + b): a one-feature logistic regression on the held-out margins.

    The slope is kept positive so calibration never reorders the model's ranking.
    """
    if y.min() == y.max():
        return 1.0, 0.0
    fit = LogisticRegression(C=1e3).fit(margin.reshape(-1, 1), y)
    return max(float(fit.coef_[0, 0]), 1e-3), float(fit.intercept_[0])


def _margin(booster: lgb.Booster, x: Matrix, rounds: int) -> FloatArray:
    return np.asarray(booster.predict(x, raw_score=True, num_iteration=rounds), dtype=np.float64)


def _params(config: RiskConfig) -> dict[str, Any]:
    return {
        "objective": "binary",
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "max_depth": config.max_depth,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": config.feature_fraction,
        "bagging_fraction": config.bagging_fraction,
        "bagging_freq": 1,
        "num_threads": config.n_jobs,
        "seed": config.seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def _time_split(day: npt.NDArray[np.int64], fraction: float) -> npt.NDArray[np.bool_]:
    """True for the late rows: whole days from the first day at which `1 - fraction` of rows are reached."""
    days = np.sort(day)
    cutoff = days[min(len(days) - 1, int(len(days) * (1.0 - fraction)))]
    late = np.asarray(day >= cutoff, dtype=bool)
    if late.all() or not late.any():
        raise TrainingDataError(
            "too_few_days", "training declarations must span several days to hold out a later period"
        )
    return late


def _train_head(
    name: str,
    x: Matrix,
    y: npt.NDArray[np.int64],
    late: npt.NDArray[np.bool_],
    *,
    names: list[str],
    config: RiskConfig,
    fixed_rounds: int | None = None,
) -> tuple[_Head, lgb.Booster]:
    """Fit on the early period; pick rounds (early stopping unless fixed) and Platt scaling on the late."""
    early = ~late
    label = LABELS[name]
    if len(y[early]) == 0 or y[early].min() == y[early].max():
        raise TrainingDataError(
            "one_class", f"the earlier training period needs declarations with {label}=0 and {label}=1"
        )
    params = _params(config)
    if name == "critical":
        params["learning_rate"] = config.critical_learning_rate
        params["num_leaves"] = config.critical_num_leaves
        params["max_depth"] = config.critical_max_depth
        params["min_data_in_leaf"] = max(1, config.min_data_in_leaf // 2)
    train_set = lgb.Dataset(x[early], y[early], feature_name=names, free_raw_data=False)
    holdout_usable = len(y[late]) > 0 and y[late].min() != y[late].max()
    if holdout_usable and fixed_rounds is None:
        valid_set = lgb.Dataset(x[late], y[late], reference=train_set)
        booster = lgb.train(
            params,
            train_set,
            num_boost_round=config.max_rounds,
            valid_sets=[valid_set],
            callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
        )
        rounds = max(int(booster.best_iteration or config.max_rounds), 1)
    else:
        rounds = fixed_rounds or config.fallback_rounds
        booster = lgb.train(params, train_set, num_boost_round=rounds)
    margin = _margin(booster, x[late], rounds)
    if holdout_usable:
        platt = _platt(margin, y[late])
    else:
        log.warning("risk_head=%s holdout=one_class calibration=identity", name)
        platt = (1.0, 0.0)
    head = _Head(name=name, booster=booster, platt=platt, rounds=rounds, holdout={})
    head.holdout = {"rows": int(late.sum()), "positives": int(y[late].sum())}
    if config.refit_full:
        head.booster = lgb.train(params, lgb.Dataset(x, y, feature_name=names), num_boost_round=rounds)
    else:
        head.booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=rounds))
    return head, booster


class RiskModel:
    """Trained cargo risk model: scores, critical scores and reasons for declaration frames.

    Build with `RiskModel.train(frame, config)` or `RiskModel.load(directory)`; frames use the canonical
    declaration columns (see cruce.scoring.declarations / the `customs-declarations` mapping preset).
    """

    def __init__(
        self, config: RiskConfig, history: HistoryState, heads: dict[str, _Head], manifest: dict[str, Any]
    ) -> None:
        self.config = config
        self.history = history
        self.heads = heads
        self.manifest = manifest
        self.feature_names: list[str] = list(config.sources())
        self._index = {name: i for i, name in enumerate(self.feature_names)}

    @property
    def version(self) -> str:
        return str(self.manifest["model_version"])

    # --- training -----------------------------------------------------------------------------------------

    @classmethod
    def train(
        cls, frame: pd.DataFrame, config: RiskConfig | None = None, clock: Clock = utc_now
    ) -> RiskModel:
        """Train both heads on labelled declarations (`fraud`, `critical_fraud`, 0/1), oldest to newest.

        Raises ForbiddenFeatureError before touching the data if a feature would use a forbidden attribute,
        and TrainingDataError when the labels cannot train a model.
        """
        config = config or RiskConfig()
        config.check_forbidden()
        started = time.perf_counter()
        missing = [c for c in config.extra_features if c not in frame.columns]
        if missing:
            raise TrainingDataError(
                "missing_columns", f"extra feature column(s) {', '.join(missing)} not in data"
            )
        labels = {name: _labels(frame, LABELS[name]) for name in HEADS}
        features, history = build_history(frame, config.history)
        x = cls._matrix(features.to_numpy(dtype=np.float32), frame, config)
        names = list(config.sources())
        day = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[D]").astype(np.int64)
        late = _time_split(day, config.calibration_fraction)
        fraud_y, critical_y = labels["fraud"], labels["critical"]
        if (critical_y > fraud_y).any():
            raise TrainingDataError(
                "bad_labels", f"{int((critical_y > fraud_y).sum())} rows are critical_fraud=1 but fraud=0"
            )
        fraud, fraud_early = _train_head("fraud", x, fraud_y, late, names=names, config=config)
        # Critical fraud is a kind of fraud: its head learns P(critical | fraud) on fraud rows only, and
        # scores multiply, which ranks the rare class far better than a head that must also find fraud.
        is_fraud = fraud_y == 1
        critical, critical_early = _train_head(
            "critical",
            x[is_fraud],
            critical_y[is_fraud],
            late[is_fraud],
            names=names,
            config=config,
            fixed_rounds=config.critical_rounds,
        )
        p_fraud = fraud.calibrate(_margin(fraud_early, x[late], fraud.rounds))
        p_given_fraud = critical.calibrate(_margin(critical_early, x[late], critical.rounds))
        p_critical: FloatArray = p_fraud * p_given_fraud
        for head, y, p in ((fraud, fraud_y[late], p_fraud), (critical, critical_y[late], p_critical)):
            head.holdout["metrics"] = evaluate(y, p).to_dict() if 0 < y.sum() < len(y) else None
            head.holdout["mean_score"] = float(p.mean())
            head.holdout["positive_rate"] = float(y.mean())
        heads = {"fraud": fraud, "critical": critical}
        created = clock()
        digest = data_hash(frame)
        dates = pd.to_datetime(frame["date"])
        manifest: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "model_version": f"risk-{created:%Y%m%dT%H%M%SZ}-{digest[:8]}",
            "created_at": created.isoformat(),
            "cruce_version": __version__,
            "lightgbm_version": lgb.__version__,
            "features": names,
            "training_data": {
                "sha256": digest,
                "rows": len(frame),
                "first_date": str(dates.min().date()),
                "last_date": str(dates.max().date()),
                "fraud_rate": float(labels["fraud"].mean()),
                "critical_rate": float(labels["critical"].mean()),
                "holdout_from": str(dates[late].min().date()),
            },
            "label_policy": (
                "features use outcomes of training declarations only (dates strictly before the scored "
                "one); later declarations add attribute counts, never outcomes, until the model is retrained"
            ),
            "heads": {
                name: {"rounds": h.rounds, "platt": list(h.platt), "holdout": h.holdout}
                for name, h in heads.items()
            },
            "config": config.to_dict(),
            "training_seconds": round(time.perf_counter() - started, 2),
        }
        return cls(config, history, heads, manifest)

    @staticmethod
    def _matrix(
        features: npt.NDArray[Any], frame: pd.DataFrame, config: RiskConfig
    ) -> npt.NDArray[np.float32]:
        """History features plus the configured extra columns, float32."""
        if not config.extra_features:
            return np.asarray(features, dtype=np.float32)
        missing = [c for c in config.extra_features if c not in frame.columns]
        if missing:
            raise InputError(
                "missing_columns", f"declarations lack extra feature column(s) {', '.join(missing)}"
            )
        extra = np.column_stack(
            [
                pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float32)
                for c in config.extra_features
            ]
        )
        return np.asarray(np.hstack([np.asarray(features, dtype=np.float32), extra]), dtype=np.float32)

    # --- scoring ------------------------------------------------------------------------------------------

    def features(self, frame: pd.DataFrame, sequential: bool = False) -> pd.DataFrame:
        """The model's input features for `frame` (see HistoryState.features for `sequential`)."""
        matrix = self._matrix(self.history.matrix(frame, sequential=sequential), frame, self.config)
        return pd.DataFrame(matrix, columns=self.feature_names, index=frame.index)

    def predict(
        self,
        frame: pd.DataFrame,
        sequential: bool = False,
        batch_size: int = 100_000,
        threads: int | None = None,
    ) -> RiskScores:
        """Calibrated fraud and critical-fraud probabilities, in `frame`'s row order.

        `sequential=True` is for backtests over a period: earlier rows of the frame add attribute counts.
        Large frames are scored in chunks of `batch_size` rows (bounded memory) unless sequential; LightGBM
        uses `threads` (default: the configured n_jobs) for chunks over 1,000 rows.
        """
        n = len(frame)
        score = np.empty(n)
        critical = np.empty(n)
        step = n if sequential or n <= batch_size else batch_size
        for start in range(0, n, max(step, 1)):
            part = frame.iloc[start : start + step]
            x = self._matrix(self.history.matrix(part, sequential=sequential), part, self.config)
            used = (threads or self.config.n_jobs) if len(part) > 1000 else 1
            p_fraud = self.heads["fraud"].calibrate(self.heads["fraud"].margin(x, used))
            crit = self.heads["critical"]
            score[start : start + len(part)] = p_fraud
            critical[start : start + len(part)] = p_fraud * crit.calibrate(crit.margin(x, used))
        return RiskScores(score=score, critical_score=critical)

    def explain(
        self, frame: pd.DataFrame, top: int = 3, head: str = "fraud", sequential: bool = False
    ) -> list[list[Reason]]:
        """Per row, the `top` features that raised the `head` score most (TreeSHAP), with a sentence each.

        When fewer than `top` features raised it, the list goes on with those that lowered it most, so a
        low score is explained too. The critical head explains P(critical | fraud), the part of
        `critical_score` that is not the fraud score.
        """
        if head not in self.heads:
            raise InputError(
                "bad_head", f"unknown risk head {head!r}; expected one of {', '.join(self.heads)}"
            )
        x = self._matrix(self.history.matrix(frame, sequential=sequential), frame, self.config)
        threads = self.config.n_jobs if len(frame) > 1000 else 1
        contrib = np.asarray(self.heads[head].booster.predict(x, pred_contrib=True, num_threads=threads))
        records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
        return [self._reasons(contrib[i, :-1], x[i], records[i], top) for i in range(len(frame))]

    def score_one(self, declaration: Mapping[str, Any], top: int = 3) -> dict[str, Any]:
        """Score and explain one declaration (a mapping of canonical columns), for the border's one-at-a-time
        path: `{"score", "critical_score", "reasons"}` with the fraud head's reasons as in `explain`."""
        record = dict(declaration)
        frame = pd.DataFrame([record])
        x = self._matrix(self.history.matrix(frame), frame, self.config)
        fraud, crit = self.heads["fraud"], self.heads["critical"]
        contrib = np.asarray(fraud.booster.predict(x, pred_contrib=True, num_threads=1))[0]
        p_fraud = float(fraud.calibrate(np.array([float(contrib.sum())]))[0])
        return {
            "score": p_fraud,
            "critical_score": p_fraud * float(crit.calibrate(crit.margin(x, 1))[0]),
            "reasons": self._reasons(contrib[:-1], x[0], record, top),
        }

    def _reasons(
        self, contrib: FloatArray, x: npt.NDArray[Any], record: Mapping[str, Any], top: int
    ) -> list[Reason]:
        """Strongest raising features, then strongest lowering ones, `top` in all.

        Features that say the same thing (a key's fraud rate and its fraud count) are one reason: their
        contributions add up under the first feature's name.
        """
        chosen: dict[str, Reason] = {}
        for sign, order in (
            (1.0, np.argsort(-contrib, kind="stable")),
            (-1.0, np.argsort(contrib, kind="stable")),
        ):
            for j in order:
                if len(chosen) >= top or sign * contrib[j] <= 0:
                    break
                name = self.feature_names[j]
                sentence = self._sentence(name, x, record)
                if sentence in chosen:
                    same = chosen[sentence]
                    chosen[sentence] = Reason(same.feature, same.contribution + float(contrib[j]), sentence)
                else:
                    chosen[sentence] = Reason(name, float(contrib[j]), sentence)
        return list(chosen.values())

    # --- sentences ----------------------------------------------------------------------------------------

    def _value(self, x: npt.NDArray[Any], name: str) -> float:
        return float(x[self._index[name]])

    def _key_label(self, k: str, record: Mapping[str, Any]) -> str:
        for key in self.config.history.keys:
            if key_name(key) == k:
                parts = []
                for col in key:
                    value = _column_value(record, col)
                    parts.append(f"{_LABELS.get(col, col)} {value}")
                return " × ".join(parts)
        return k

    def _sentence(self, feature: str, x: npt.NDArray[Any], record: Mapping[str, Any]) -> str:
        value = float(x[self._index[feature]])
        if feature.startswith(EXTRA_PREFIX):
            return f"{feature.removeprefix(EXTRA_PREFIX)} is {_fmt(value)}"
        if feature in _RAW_SENTENCES:
            return _RAW_SENTENCES[feature](record)
        if feature.endswith("__code"):
            col = feature.removesuffix("__code")
            return f"{_LABELS.get(col, col)} {_column_value(record, col)}"
        k, stat = feature.rsplit("__", 1)
        who = self._key_label(k, record)
        n = self._value(x, f"{k}__n")
        n_lab = self._value(x, f"{k}__n_lab")
        if math.isnan(n):
            return f"{who}: not given"
        if stat in ("n", "days_known") and n == 0:
            return f"{who} never seen before"
        if stat == "n":
            return f"{who} seen in {_count(n, 'earlier declaration')}"
        if stat == "days_known":
            return f"{who} first seen {_count(value, 'day')} earlier ({_count(n, 'declaration')} since)"
        if stat in ("n_lab", "n_fraud", "fraud_rate"):
            if n_lab == 0:
                return f"{who} has no inspected earlier declaration"
            fraud = round(self._value(x, f"{k}__n_fraud"))
            return f"{who} had {fraud:,} of {_count(n_lab, 'earlier declaration')} found fraudulent"
        if stat == "crit_rate":
            if n_lab == 0:
                return f"{who} has no inspected earlier declaration"
            w = self.config.history.smoothing
            crit = max(0, round(value * (n_lab + w) - w * self._base_critical()))
            return f"{who} had {crit:,} of {_count(n_lab, 'earlier declaration')} found critically fraudulent"
        if stat == "unit_value_z":
            if math.isnan(value):
                return f"no unit-value norm yet for {who}"
            side = "above" if value >= 0 else "below"
            return f"unit value {abs(value):.1f} standard deviations {side} the norm for {who}"
        if stat == "unit_value_vs_clean":
            if math.isnan(value):
                return f"no clean declarations yet for {who}"
            ratio = math.exp(abs(value))
            side = "above" if value >= 0 else "below"
            return f"unit value {ratio:.1f}× {side} clean declarations of {who}"
        if stat == "tax_rate_diff":
            side = "above" if value >= 0 else "below"
            return f"tax rate {abs(value):.1f} points {side} the usual for {who}"
        return f"{feature} = {_fmt(value)}"

    def _base_critical(self) -> float:
        cfg = self.config.history
        labelled, _, crit = (float(v) for v in self.history.global_totals)
        return (crit + cfg.base_weight * cfg.base_critical_rate) / (labelled + cfg.base_weight)

    # --- persistence --------------------------------------------------------------------------------------

    def save(self, directory: Path | str) -> Path:
        """Write the model directory: manifest.json, fraud.txt, critical.txt, history.npz/json."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for name, head in self.heads.items():
            head.booster.save_model(str(path / f"{name}.txt"))
        self.history.save(path)
        manifest = dict(self.manifest)
        manifest["heads"] = {
            name: {**manifest["heads"][name], "platt": list(self.heads[name].platt)} for name in self.heads
        }
        (path / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path | str) -> RiskModel:
        path = Path(directory)
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFileError("bad_model", f"{path} is not a cruce risk model: {exc}") from exc
        if manifest.get("format") != MODEL_FORMAT:
            raise ModelFileError(
                "bad_model", f"{path} holds model format {manifest.get('format')!r}, expected {MODEL_FORMAT}"
            )
        config = RiskConfig.from_dict(manifest["config"])
        config.check_forbidden()
        history = HistoryState.load(path)
        heads = {}
        for name in HEADS:
            info = manifest["heads"][name]
            booster = lgb.Booster(model_file=str(path / f"{name}.txt"))
            a, b = info["platt"]
            heads[name] = _Head(name, booster, (float(a), float(b)), int(info["rounds"]), info["holdout"])
        model = cls(config, history, heads, manifest)
        if model.feature_names != manifest["features"]:
            raise ModelFileError("bad_model", f"{path}: feature list does not match its configuration")
        return model


_LABELS = {
    "importer_id": "importer",
    "declarant_id": "declarant",
    "seller_id": "seller",
    "courier_id": "courier",
    "hs6_code": "HS6",
    "hs4_code": "HS4",
    "hs2_code": "HS2",
    "office_id": "office",
    "origin_country": "origin",
    "departure_country": "departure",
    "declared_value": "declared value",
    "net_mass_kg": "net mass (kg)",
    "tax_rate_pct": "tax rate %",
    "tax_type": "tax type",
    "process_type": "process type",
    "import_type": "import type",
    "import_use": "import use",
    "payment_type": "payment type",
    "transport_mode": "transport mode",
    "origin_indicator": "origin indicator",
}


def _column_value(record: Mapping[str, Any], col: str) -> str:
    if col in DERIVED_COLUMNS:
        digits = 4 if col == "hs4_code" else 2
        return str(record["hs6_code"])[:digits]
    value = record.get(col)
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "(none)"
    if isinstance(value, float | int | np.floating | np.integer):
        # Exact, not rounded: a declared value or mass seen before is matched to the cent.
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _count(value: float, noun: str) -> str:
    n = int(value)
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "unknown"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _unit_value(record: Mapping[str, Any]) -> str:
    mass = float(record["net_mass_kg"])
    return (
        f"unit value {_fmt(float(record['declared_value']) / mass)} per kg"
        if mass > 0
        else "no net mass given"
    )


_RAW_SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "tax_rate_pct": lambda r: f"tax rate {_fmt(float(r['tax_rate_pct']))}%",
    "log_net_mass": lambda r: f"net mass {_fmt(float(r['net_mass_kg']))} kg",
    "log_value": lambda r: f"declared value {_fmt(float(r['declared_value']))}",
    "log_unit_value": _unit_value,
}
