"""Learned crossing risk: a small LightGBM trained on what earlier secondary inspections found.

Why this shape:
- **Features a booth has before inspection**: mode, local hour, persons aboard, trusted programme, each
  crossing rule's hit (0/1), the best screening score, the plate's history, document kinds and expiry, the
  truck's cargo record. Never the simulator's truth, never a person's name, gender or birth date. Border
  crossing cards and resident cards are left out on purpose: who may hold them follows nationality and
  status, so they would let nationality in by the back door. Attributes a deployment forbids (traveler
  nationality by default, `cruce.scoring.model.DEFAULT_FORBIDDEN`) are refused at training and at loading.
- **Labels exist only for inspected crossings, and those are not a random sample**: the router sent the
  high scores to secondary for certain and everything else by lot (audits, threshold ties). Each inspected
  crossing is weighted by 1 / P(secondary) as the router logged it (inverse propensity), so the weighted
  sample stands for all traffic that could have been inspected; released crossings with P = 0 (trusted
  lane, budget used up) are outside what it can speak for. Without the weights the model learns the
  inspected population, where contraband is many times more common than at the booth.
- **Calibrated on a later slice**: trained on the earlier part (by arrival time), Platt-scaled on the
  weighted later part, then refitted on everything with the same number of trees (as the cargo model).
- **A score on the rules' scale**: rule weights are hand-set levels, not probabilities, and the router's
  thresholds live on that scale. To combine by max (rules set a floor, as for cargo) the model's
  probability is also expressed as the rules score that carried the same contraband rate in training
  (an isotonic, IPW-weighted fit of rate on rules score, inverted). `score` is that; `probability` is
  the calibrated chance of contraband, shown in the reasons.
- **Reasons** are LightGBM's TreeSHAP contributions (`pred_contrib`) turned into sentences.
- Saved as a LightGBM text model plus a JSON manifest: no pickle.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from cruce import __version__
from cruce.core.errors import InputError
from cruce.scoring.crossing_rules import DEFAULT_RULES, CrossingFacts, RiskAssessment, RuleHit
from cruce.scoring.crossings import Crossing, Mode
from cruce.scoring.lanes import NOT_ENROLLED, ProgramStanding, RoutingCase
from cruce.scoring.model import DEFAULT_FORBIDDEN, ForbiddenFeatureError, ModelFileError, TrainingDataError

FloatArray = npt.NDArray[np.float64]

MODEL_FORMAT = "cruce-crossing-model/1"
MANIFEST = "manifest.json"
BOOSTER = "crossing.txt"
RULE_PREFIX = "rule__"

_MODE_CODE = {mode: i for i, mode in enumerate(Mode)}
_TRUSTED_CARDS = frozenset({"sentri_card", "nexus_card", "fast_card"})
_PARTNERS = frozenset({"US", "MX", "CA"})

BASE_FEATURES: dict[str, tuple[str, ...]] = {
    "mode": ("mode",),
    "local_hour": ("arrived_at",),
    "persons": ("travelers",),
    "trusted": ("trusted_program",),
    "best_screening_score": ("screening",),
    "parties_screened": ("screening",),
    "vehicle_known": ("vehicle_history",),
    "vehicle_prior_crossings": ("vehicle_history",),
    "vehicle_prior_seizures": ("vehicle_history",),
    "days_since_seizure": ("vehicle_history",),
    "plate_foreign": ("plate_region",),
    "bus_carrier_missing": ("carrier",),
    "documents": ("documents",),
    "has_passport": ("document_kind",),
    "has_trusted_card": ("document_kind",),
    "travelers_without_document": ("documents",),
    "travelers_expired_only": ("document_expiry",),
    "min_days_to_expiry": ("document_expiry",),
    "cargo_loaded": ("cargo",),
    "hs_chapter": ("hs6",),
    "transshipment": ("origin_country",),
    "log_value_per_kg": ("declared_value", "net_mass_kg"),
}
"""Every feature the model may use, with the attributes it is computed from (checked against forbidden)."""

OPTIONAL_FEATURES: dict[str, tuple[str, ...]] = {
    "traveler_nationality": ("traveler_nationality",),
}
"""Computable but off by default; forbidden by default too, so asking for it is refused unless allowed."""


def _default_features() -> tuple[str, ...]:
    return (*BASE_FEATURES, *(f"{RULE_PREFIX}{r.name}" for r in DEFAULT_RULES))


@dataclass(frozen=True)
class CrossingModelConfig:
    """What the crossing model may use and how it is fitted; stored in the manifest.

    Small and regularised because the labels are few: a day's secondary inspections number in the
    hundreds and find a handful. `ipw` False trains on the inspected crossings as if they were a random
    sample (kept to show what the weights are for); `max_weight` caps 1/P so one lucky audit cannot
    dominate (it also bounds the bias the cap adds).
    """

    features: tuple[str, ...] = field(default_factory=_default_features)
    forbidden_features: tuple[str, ...] = DEFAULT_FORBIDDEN
    ipw: bool = True
    max_weight: float = 1000.0
    calibration_fraction: float = 0.3
    rounds: int = 80
    learning_rate: float = 0.05
    num_leaves: int = 7
    max_depth: int = 3
    min_data_in_leaf: int = 10
    lambda_l2: float = 1.0
    feature_fraction: float = 0.8
    n_jobs: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.calibration_fraction < 1.0:
            raise InputError("bad_config", "calibration_fraction must be in (0, 1)")
        if self.n_jobs < 1 or self.rounds < 1 or self.max_weight < 1.0:
            raise InputError("bad_config", "n_jobs and rounds must be at least 1, max_weight at least 1")
        unknown = [f for f in self.features if f not in feature_sources()]
        if unknown:
            raise InputError("unknown_feature", f"unknown crossing feature(s): {', '.join(unknown)}")

    def check_forbidden(self) -> None:
        """Refuse any feature computed from a forbidden attribute (ForbiddenFeatureError names it)."""
        forbidden = {f.strip().lower() for f in self.forbidden_features}
        sources = feature_sources()
        for feature in self.features:
            for attribute in (feature, *sources[feature]):
                if attribute.lower() in forbidden:
                    raise ForbiddenFeatureError(feature, attribute)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrossingModelConfig:
        values = dict(data)
        values["features"] = tuple(values["features"])
        values["forbidden_features"] = tuple(values["forbidden_features"])
        return cls(**values)


def feature_sources() -> dict[str, tuple[str, ...]]:
    """Feature name -> attributes it reads, for every feature there is (rule hits read the rule checks)."""
    rules = {f"{RULE_PREFIX}{r.name}": ("rule_hits",) for r in DEFAULT_RULES}
    return {**BASE_FEATURES, **OPTIONAL_FEATURES, **rules}


# ---------------------------------------------------------------------------------------------- features


@dataclass(frozen=True, slots=True)
class ScoredInput:
    """One crossing as the model sees it: what the rules saw and what they said."""

    facts: CrossingFacts
    assessment: RiskAssessment


@dataclass(frozen=True, slots=True)
class InspectedCrossing:
    """A training example: a crossing that went to secondary, what was found, and the logged P(secondary)."""

    item: ScoredInput
    found: bool
    secondary_probability: float


def _nationality_code(country: str | None) -> float:
    if not country or len(country) != 2 or not country.isalpha():
        return math.nan
    code = country.upper()
    return float((ord(code[0]) - 65) * 26 + ord(code[1]) - 65)


def raw_features(item: ScoredInput, zone: tzinfo | None = None) -> dict[str, float]:
    """Every feature of one crossing (NaN where it does not apply: no vehicle, no cargo)."""
    facts, crossing = item.facts, item.facts.crossing
    day = facts.day
    history, vehicle, cargo = facts.vehicle_history, crossing.vehicle, crossing.cargo
    nan = math.nan
    known = history.prior_crossings if history else 0
    seized = history.prior_seizures if history else 0
    docs = [d for t in crossing.travelers for d in t.documents]
    valid_expiry = [(d.expires - day).days for d in docs if d.expires is not None and d.expires >= day]
    expired_only = sum(
        1 for t in crossing.travelers if t.documents and all(d.expired_on(day) for d in t.documents)
    )
    screens = [s.score for s in facts.screenings]
    local = crossing.arrived_at.astimezone(zone) if zone is not None else crossing.arrived_at
    row = {
        "mode": float(_MODE_CODE[crossing.mode]),
        "local_hour": float(local.hour),
        "persons": float(len(crossing.travelers)),
        "trusted": float(crossing.trusted_program is not None),
        "best_screening_score": max(screens, default=0.0),
        "parties_screened": float(len(screens)),
        "vehicle_known": nan if vehicle is None else float(known > 0),
        "vehicle_prior_crossings": nan if vehicle is None else float(known),
        "vehicle_prior_seizures": nan if vehicle is None else float(seized),
        "days_since_seizure": (
            float((day - history.last_seizure).days) if history and history.last_seizure else nan
        ),
        "plate_foreign": nan if vehicle is None else float(not vehicle.plate_region.startswith("US-")),
        "bus_carrier_missing": (
            float(vehicle is None or not vehicle.carrier) if crossing.mode is Mode.BUS else nan
        ),
        "documents": float(len(docs)),
        "has_passport": float(any(d.kind == "passport" for d in docs)),
        "has_trusted_card": float(any(d.kind in _TRUSTED_CARDS for d in docs)),
        "travelers_without_document": float(sum(1 for t in crossing.travelers if not t.documents)),
        "travelers_expired_only": float(expired_only),
        "min_days_to_expiry": float(min(valid_expiry)) if valid_expiry else nan,
        "cargo_loaded": float(cargo is not None) if crossing.mode is Mode.COMMERCIAL_TRUCK else nan,
        "hs_chapter": float(int(cargo.hs6[:2])) if cargo is not None and cargo.hs6[:2].isdigit() else nan,
        "transshipment": nan if cargo is None else float(cargo.origin_country not in _PARTNERS),
        "log_value_per_kg": (
            math.log(max(cargo.declared_value_usd, 0.01) / cargo.net_mass_kg)
            if cargo is not None and cargo.net_mass_kg > 0
            else nan
        ),
        "traveler_nationality": _nationality_code(
            crossing.travelers[0].nationality if crossing.travelers else None
        ),
    }  # fmt: skip
    fired = {h.name for h in item.assessment.hits}
    for rule in DEFAULT_RULES:
        row[f"{RULE_PREFIX}{rule.name}"] = float(rule.name in fired)
    return row


def feature_matrix(
    items: Sequence[ScoredInput], features: Sequence[str], zone: tzinfo | None = None
) -> npt.NDArray[np.float64]:
    """Rows of `features` for `items`; an unknown rule name (a rule set changed since training) reads 0."""
    out = np.empty((len(items), len(features)), dtype=np.float64)
    for i, item in enumerate(items):
        row = raw_features(item, zone)
        out[i] = [row.get(f, 0.0) for f in features]
    return out


# ---------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class ModelReason:
    """One feature's push on a crossing's log-odds (TreeSHAP) and what it says about this crossing."""

    feature: str
    contribution: float
    sentence: str


@dataclass(frozen=True, slots=True)
class CrossingModelScore:
    """The model's view of one crossing: calibrated probability, the same on the rules' scale, reasons."""

    probability: float
    score: float
    reasons: tuple[ModelReason, ...] = ()


def _params(config: CrossingModelConfig) -> dict[str, Any]:
    return {
        "objective": "binary",
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "max_depth": config.max_depth,
        "min_data_in_leaf": config.min_data_in_leaf,
        "min_sum_hessian_in_leaf": 1e-3,
        "lambda_l2": config.lambda_l2,
        "feature_fraction": config.feature_fraction,
        "num_threads": config.n_jobs,
        "seed": config.seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }


def _weights(examples: Sequence[InspectedCrossing], config: CrossingModelConfig) -> FloatArray:
    """1 / P(secondary), capped at `max_weight`, normalised to mean 1 (or all ones without `ipw`)."""
    if not config.ipw:
        return np.ones(len(examples))
    p = np.array([e.secondary_probability for e in examples], dtype=np.float64)
    if (p <= 0).any() or (p > 1).any():
        raise TrainingDataError(
            "bad_propensity", "every inspected crossing needs its logged P(secondary) in (0, 1]"
        )
    w = np.minimum(1.0 / p, config.max_weight)
    return np.asarray(w / w.mean(), dtype=np.float64)


def _platt(margin: FloatArray, y: npt.NDArray[np.int64], w: FloatArray) -> tuple[float, float]:
    """Weighted Platt scaling; slope kept positive so calibration never reorders the ranking."""
    fit = LogisticRegression(C=1e3).fit(margin.reshape(-1, 1), y, sample_weight=w)
    return max(float(fit.coef_[0, 0]), 1e-3), float(fit.intercept_[0])


def _rule_scale(rule_score: FloatArray, y: npt.NDArray[np.int64], w: FloatArray) -> list[list[float]]:
    """Knots (contraband rate, rules score) of the IPW-weighted isotonic rate of each rules score.

    Read backwards, they give the rules score whose crossings carried contraband at a given rate; the
    last knot (rate 1, score 1) is the alert level.
    """
    levels = np.unique(rule_score)
    rates = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True).fit(rule_score, y, sample_weight=w)
    fitted = np.asarray(rates.predict(levels), dtype=np.float64)
    knots: list[list[float]] = [[0.0, 0.0]]
    for level, rate in zip(levels.tolist(), fitted.tolist(), strict=True):
        if rate > knots[-1][0] and level >= knots[-1][1] and level < 1.0:
            knots.append([float(rate), float(level)])
    knots.append([1.0, 1.0])
    return knots


class CrossingModel:
    """A trained crossing model; build with `train` or `load`, score with `score`."""

    def __init__(
        self,
        config: CrossingModelConfig,
        booster: lgb.Booster,
        platt: tuple[float, float],
        scale: list[list[float]],
        manifest: dict[str, Any],
    ) -> None:
        self.config = config
        self.booster = booster
        self.platt = platt
        self.scale = scale
        self.manifest = manifest
        self.features = list(config.features)

    @property
    def version(self) -> str:
        return str(self.manifest["model_version"])

    @classmethod
    def train(
        cls,
        examples: Sequence[InspectedCrossing],
        config: CrossingModelConfig | None = None,
        zone: tzinfo | None = None,
    ) -> CrossingModel:
        """Fit on inspected crossings, oldest first; forbidden features are refused before any work."""
        config = config or CrossingModelConfig()
        config.check_forbidden()
        started = time.perf_counter()
        ordered = sorted(examples, key=lambda e: e.item.facts.crossing.arrived_at)
        y = np.array([int(e.found) for e in ordered], dtype=np.int64)
        if len(y) < 2 * config.min_data_in_leaf or y.sum() < 2 or y.sum() == len(y):
            raise TrainingDataError(
                "too_few_outcomes",
                f"{len(y)} inspected crossings with {int(y.sum())} finds: too few to learn from "
                f"(need {2 * config.min_data_in_leaf}+ inspections and at least 2 finds and 1 clear)",
            )
        x = feature_matrix([e.item for e in ordered], config.features, zone)
        w = _weights(ordered, config)
        params = _params(config)
        cut = int(len(y) * (1.0 - config.calibration_fraction))
        late = np.arange(len(y)) >= cut
        calibration = "identity"
        platt = (1.0, 0.0)
        if 0 < y[late].sum() < late.sum() and y[~late].sum() > 0:
            early_set = lgb.Dataset(x[~late], y[~late], weight=w[~late], feature_name=list(config.features))
            early = lgb.train(params, early_set, num_boost_round=config.rounds)
            margin = np.asarray(early.predict(x[late], raw_score=True), dtype=np.float64)
            platt = _platt(margin, y[late], w[late])
            calibration = "platt"
        full = lgb.train(
            params,
            lgb.Dataset(x, y, weight=w, feature_name=list(config.features)),
            num_boost_round=config.rounds,
        )
        rule_score = np.array([e.item.assessment.score for e in ordered], dtype=np.float64)
        scale = _rule_scale(rule_score, y, w)
        created = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        first, last = ordered[0].item.facts.crossing, ordered[-1].item.facts.crossing
        manifest: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "model_version": f"crossing-{created}-{len(y)}x{int(y.sum())}",
            "created_at": created,
            "cruce_version": __version__,
            "lightgbm_version": lgb.__version__,
            "features": list(config.features),
            "training": {
                "inspected": len(y),
                "found": int(y.sum()),
                "weighted_found_rate": float(np.average(y, weights=w)),
                "first": first.arrived_at.isoformat(),
                "last": last.arrived_at.isoformat(),
                "calibration": calibration,
                "calibration_rows": int(late.sum()),
                "weighting": "inverse propensity (1 / logged P(secondary))" if config.ipw else "none",
            },
            "platt": list(platt),
            "rule_scale": scale,
            "zone": str(zone) if zone is not None else None,
            "config": config.to_dict(),
            "training_seconds": round(time.perf_counter() - started, 3),
        }
        return cls(config, full, platt, scale, manifest)

    # --- scoring ----------------------------------------------------------------------------------------

    def probability(self, items: Sequence[ScoredInput], zone: tzinfo | None = None) -> FloatArray:
        """Calibrated P(contraband) for each crossing (no reasons: the fast path)."""
        if not items:
            return np.zeros(0)
        x = feature_matrix(items, self.features, zone)
        margin = np.asarray(self.booster.predict(x, raw_score=True, num_threads=1), dtype=np.float64)
        return self._calibrate(margin)

    def score(
        self, items: Sequence[ScoredInput], zone: tzinfo | None = None, top: int = 3
    ) -> list[CrossingModelScore]:
        """Probability, rules-scale score and the `top` features that raised it, for each crossing."""
        if not items:
            return []
        x = feature_matrix(items, self.features, zone)
        contrib = np.asarray(self.booster.predict(x, pred_contrib=True, num_threads=1), dtype=np.float64)
        p = self._calibrate(contrib.sum(axis=1))
        out = []
        for i, item in enumerate(items):
            reasons = self._reasons(contrib[i, :-1], item, zone, top)
            out.append(CrossingModelScore(float(p[i]), self.on_rule_scale(float(p[i])), reasons))
        return out

    def on_rule_scale(self, probability: float) -> float:
        """The rules score whose crossings carried contraband at this rate in training (see module doc)."""
        rates = [k[0] for k in self.scale]
        levels = [k[1] for k in self.scale]
        return float(np.interp(probability, rates, levels))

    def _calibrate(self, margin: FloatArray) -> FloatArray:
        a, b = self.platt
        return np.asarray(expit(a * margin + b), dtype=np.float64)

    def _reasons(
        self, contrib: FloatArray, item: ScoredInput, zone: tzinfo | None, top: int
    ) -> tuple[ModelReason, ...]:
        """The features that raised the log-odds most, strongest first (only raising ones: they explain
        why a crossing ranks high; what lowered it matters less for a referral)."""
        row = raw_features(item, zone)
        chosen: list[ModelReason] = []
        for j in np.argsort(-contrib, kind="stable"):
            if len(chosen) >= top or contrib[j] <= 0.0:
                break
            name = self.features[j]
            chosen.append(ModelReason(name, float(contrib[j]), sentence(name, row, item)))
        return tuple(chosen)

    # --- persistence ------------------------------------------------------------------------------------

    def save(self, directory: Path | str) -> Path:
        """Write `crossing.txt` (LightGBM text) and `manifest.json` into `directory`."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(path / BOOSTER))
        (path / MANIFEST).write_text(json.dumps(self.manifest, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path | str) -> CrossingModel:
        path = Path(directory)
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            booster = lgb.Booster(model_file=str(path / BOOSTER))
        except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
            raise ModelFileError("bad_model", f"{path} is not a cruce crossing model: {exc}") from exc
        if manifest.get("format") != MODEL_FORMAT:
            raise ModelFileError(
                "bad_model", f"{path} holds model format {manifest.get('format')!r}, expected {MODEL_FORMAT}"
            )
        config = CrossingModelConfig.from_dict(manifest["config"])
        config.check_forbidden()
        if list(config.features) != booster.feature_name():
            raise ModelFileError("bad_model", f"{path}: feature list does not match the booster")
        a, b = manifest["platt"]
        return cls(config, booster, (float(a), float(b)), manifest["rule_scale"], manifest)


# ---------------------------------------------------------------------------------------------- combining


def combined_case(
    crossing: Crossing,
    assessment: RiskAssessment,
    model: CrossingModelScore | None,
    standing: ProgramStanding = NOT_ENROLLED,
) -> RoutingCase:
    """The router's input for rules + model: score max(rules, model on the rules' scale), alerts and the
    trusted lane as the rules decide, reasons = fired rules (strongest first) then the model's."""
    others = [h for h in sorted(assessment.hits, key=lambda h: -h.weight) if not h.alert]
    reasons = [f"{h.reason} (+{h.weight:.2f})" for h in others]
    score = assessment.score
    if model is not None:
        score = max(score, model.score)
        reasons += model_sentences(model)
    return RoutingCase(
        crossing_id=crossing.id,
        arrived_at=crossing.arrived_at,
        score=score,
        alerts=tuple(h.reason for h in assessment.alerts),
        trusted_program=standing.expedite,
        hits=len(assessment.hits),
        reasons=tuple(reasons),
        referrals=standing.referrals,
        inspection_factor=standing.inspection_factor,
        standing=standing.notes,
    )


def model_sentences(model: CrossingModelScore) -> list[str]:
    """The model's part of a crossing's reasons: its estimate, then what raised it."""
    lead = (
        f"model: {_pct(model.probability)} chance of contraband "
        f"(as risky as a rules score of {model.score:.2f})"
    )
    return [lead, *(f"model: {r.sentence} (+{r.contribution:.2f} log-odds)" for r in model.reasons)]


def _pct(p: float) -> str:
    return f"{p:.1%}" if p >= 0.001 else f"{p:.2%}"


def _rule_sentence(name: str, hits: Sequence[RuleHit]) -> str:
    hit = next((h for h in hits if h.name == name), None)
    words = name.replace("_", " ")
    return f"rule '{words}' fired" if hit is not None else f"rule '{words}' did not fire"


_SENTENCES: dict[str, Callable[[float, ScoredInput], str]] = {
    "mode": lambda v, i: f"a {i.facts.crossing.mode.label} crossing",
    "local_hour": lambda v, i: f"arrived at {int(v):02d}:00 local time",
    "persons": lambda v, i: f"{int(v)} person{'s' if v != 1 else ''} aboard",
    "trusted": lambda v, i: (
        f"enrolled in {i.facts.crossing.trusted_program}" if v else "not in a trusted programme"
    ),
    "best_screening_score": lambda v, i: f"best watchlist screening score {v:.2f}",
    "parties_screened": lambda v, i: f"{int(v)} parties screened",
    "vehicle_known": lambda v, i: "vehicle crossed before" if v == 1 else "vehicle never crossed before",
    "vehicle_prior_crossings": lambda v, i: f"vehicle crossed {int(v):,} times before",
    "vehicle_prior_seizures": lambda v, i: (
        "plate never seized before" if v == 0 else f"plate seized {int(v)} time{'s' if v > 1 else ''} before"
    ),
    "days_since_seizure": lambda v, i: f"last seizure of this plate {int(v):,} days ago",
    "plate_foreign": lambda v, i: (
        f"plate from {i.facts.crossing.vehicle.plate_region if i.facts.crossing.vehicle else '?'}"
    ),
    "bus_carrier_missing": lambda v, i: "bus with no carrier" if v else "bus with a named carrier",
    "documents": lambda v, i: f"{int(v)} travel document{'s' if v != 1 else ''} presented",
    "has_passport": lambda v, i: "a passport presented" if v else "no passport presented",
    "has_trusted_card": lambda v, i: "a trusted-traveler card presented" if v else "no trusted-traveler card",
    "travelers_without_document": lambda v, i: f"{int(v)} traveler(s) without a document",
    "travelers_expired_only": lambda v, i: f"{int(v)} traveler(s) with expired documents only",
    "min_days_to_expiry": lambda v, i: f"a document expires in {int(v):,} days",
    "cargo_loaded": lambda v, i: "truck loaded" if v else "empty truck",
    "hs_chapter": lambda v, i: (
        f"goods of HS chapter {int(v):02d}"
        + (f" ({i.facts.crossing.cargo.description})" if i.facts.crossing.cargo else "")
    ),
    "transshipment": lambda v, i: (
        f"goods of origin {i.facts.crossing.cargo.origin_country if i.facts.crossing.cargo else '?'}"
    ),
    "log_value_per_kg": lambda v, i: f"declared {math.exp(v):,.2f} USD per kg",
    "traveler_nationality": lambda v, i: "the first traveler's nationality",
}


def sentence(feature: str, row: dict[str, float], item: ScoredInput) -> str:
    """What a feature's value says about this crossing, in words."""
    value = row.get(feature, math.nan)
    if feature.startswith(RULE_PREFIX):
        return _rule_sentence(feature.removeprefix(RULE_PREFIX), item.assessment.hits)
    if math.isnan(value):
        return f"{feature.replace('_', ' ')}: does not apply"
    make = _SENTENCES.get(feature)
    return make(value, item) if make is not None else f"{feature} = {value:g}"
