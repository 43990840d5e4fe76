"""The crossing model: inverse-propensity weights undo targeted inspection, forbidden features are refused,
a saved model scores the same, and its reasons name what raised a score."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from cruce.core.errors import InputError
from cruce.scoring.crossing_model import (
    CrossingModel,
    CrossingModelConfig,
    CrossingModelScore,
    InspectedCrossing,
    ModelReason,
    ScoredInput,
    combined_case,
)
from cruce.scoring.crossing_rules import CrossingFacts, CrossingRules, PartyScreening
from cruce.scoring.crossings import Crossing, Mode, Role, TravelDocument, Traveler, Vehicle, VehicleHistory
from cruce.scoring.model import ForbiddenFeatureError

START = datetime(2025, 6, 1, 6, tzinfo=UTC)
RULES = CrossingRules()


def item(n: int, *, seized: bool = False, unknown: bool = False, alert: bool = False) -> ScoredInput:
    """A passenger car, its plate seized before or never seen, or one with a watchlist alert aboard."""
    at = START + timedelta(minutes=n)
    doc = TravelDocument("passport", f"G{n:08d}", "MX", date(2030, 1, 1))
    driver = Traveler(f"t{n}", "Ana Ruiz Soto", Role.DRIVER, "MX", documents=(doc,))
    car = Vehicle(f"P{n:06d}", "MX-BC", "1FTFW1E50JFA00000", "car")
    crossing = Crossing(f"crossing:t:{n}", "2504", "San Ysidro", at, Mode.PASSENGER_VEHICLE, (driver,), car)
    history = (
        None if unknown else VehicleHistory(30, 1 if seized else 0, date(2024, 1, 1) if seized else None)
    )
    screening = (PartyScreening("driver", driver.name, 0.95 if alert else 0.2, alert, "e:1", "Ana Ruiz"),)
    facts = CrossingFacts(crossing, screening, history)
    return ScoredInput(facts, RULES.assess(facts))


def population(n: int, seed: int = 1) -> tuple[list[ScoredInput], list[bool]]:
    """15% of plates seized before (30% of those carry contraband), the rest 3%: 7.05% overall."""
    rng = random.Random(seed)
    items, truth = [], []
    for i in range(n):
        seized = rng.random() < 0.15
        items.append(item(i, seized=seized))
        truth.append(rng.random() < (0.30 if seized else 0.03))
    return items, truth


def inspected(items: list[ScoredInput], truth: list[bool], seed: int = 2) -> list[InspectedCrossing]:
    """A router's choice: every seized plate to secondary, the rest audited at 5%; P logged."""
    rng = random.Random(seed)
    out = []
    for scored, found in zip(items, truth, strict=True):
        p = 1.0 if scored.facts.vehicle_history and scored.facts.vehicle_history.prior_seizures else 0.05
        if rng.random() < p:
            out.append(InspectedCrossing(scored, found, p))
    return out


@pytest.fixture(scope="module")
def trained() -> tuple[CrossingModel, list[ScoredInput]]:
    items, truth = population(6000)
    return CrossingModel.train(inspected(items, truth)), items


def test_inverse_propensity_weights_recover_the_rate_that_targeting_hides() -> None:
    items, truth = population(6000)
    examples = inspected(items, truth)
    true_rate = float(np.mean(truth))
    assert 0.06 < true_rate < 0.08
    # A model that cannot see the plate's history (what targeting selected on) can only learn a mean rate:
    # the inspected crossings' rate unweighted, the whole traffic's rate when each counts as 1 / P.
    blind = ("mode", "persons", "documents")
    weighted = CrossingModel.train(examples, CrossingModelConfig(features=blind))
    unweighted = CrossingModel.train(examples, CrossingModelConfig(features=blind, ipw=False))
    w_rate = float(weighted.probability(items).mean())
    u_rate = float(unweighted.probability(items).mean())
    assert abs(w_rate - true_rate) < 0.015, w_rate
    assert u_rate > 2 * true_rate, u_rate
    # With every feature, the weighted model still gets the traffic's overall rate closer.
    full_w = float(CrossingModel.train(examples).probability(items).mean())
    full_u = float(CrossingModel.train(examples, CrossingModelConfig(ipw=False)).probability(items).mean())
    assert abs(full_w - true_rate) < abs(full_u - true_rate)


def test_the_model_ranks_seized_plates_above_the_rest(
    trained: tuple[CrossingModel, list[ScoredInput]],
) -> None:
    model, _ = trained
    clean, seized = model.probability([item(0), item(1, seized=True)])
    assert seized > 3 * clean
    assert 0.15 < seized < 0.5 and clean < 0.08  # calibrated near the true 30% and 3%


def test_traveler_nationality_is_refused_unless_policy_allows_it() -> None:
    items, truth = population(800)
    examples = inspected(items, truth)
    asked = CrossingModelConfig(features=(*CrossingModelConfig().features, "traveler_nationality"))
    with pytest.raises(ForbiddenFeatureError, match="traveler_nationality") as caught:
        CrossingModel.train(examples, asked)
    assert isinstance(caught.value, InputError) and caught.value.code == "forbidden_feature"
    allowed = CrossingModelConfig(features=asked.features, forbidden_features=("religion",))
    assert "traveler_nationality" in CrossingModel.train(examples, allowed).features
    with pytest.raises(ForbiddenFeatureError, match="plate_foreign"):
        CrossingModel.train(examples, CrossingModelConfig(forbidden_features=("plate_region",)))


def test_too_few_finds_is_a_clear_error_not_a_model() -> None:
    items = [item(i) for i in range(100)]
    examples = [InspectedCrossing(s, False, 0.05) for s in items]
    with pytest.raises(InputError, match="too few to learn from"):
        CrossingModel.train(examples)


def test_saved_and_loaded_model_scores_identically(
    trained: tuple[CrossingModel, list[ScoredInput]], tmp_path: Path
) -> None:
    model, items = trained
    model.save(tmp_path / "crossing")
    assert sorted(p.name for p in (tmp_path / "crossing").iterdir()) == ["crossing.txt", "manifest.json"]
    loaded = CrossingModel.load(tmp_path / "crossing")
    assert loaded.version == model.version and loaded.features == model.features
    sample = items[:300]
    assert np.array_equal(loaded.probability(sample), model.probability(sample))
    assert loaded.score(sample) == model.score(sample)


def test_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a cruce crossing model"):
        CrossingModel.load(tmp_path)


def test_reasons_name_the_features_that_raised_the_score(
    trained: tuple[CrossingModel, list[ScoredInput]],
) -> None:
    model, _ = trained
    (scored,) = model.score([item(1, seized=True)])
    assert scored.reasons and all(r.contribution > 0 for r in scored.reasons)
    top = scored.reasons[0]
    assert top.feature in {"vehicle_prior_seizures", "rule__prior_seizure_vehicle", "days_since_seizure"}
    assert "seize" in top.sentence
    (clean,) = model.score([item(0)])
    assert not any("seized 1 time" in r.sentence for r in clean.reasons)


def test_the_model_score_is_on_the_rules_scale_and_monotone(
    trained: tuple[CrossingModel, list[ScoredInput]],
) -> None:
    model, _ = trained
    levels = [model.on_rule_scale(p) for p in (0.0, 0.01, 0.05, 0.2, 0.5, 1.0)]
    assert levels == sorted(levels) and levels[0] == 0.0 and levels[-1] == 1.0
    (seized,) = model.score([item(1, seized=True)])
    assert seized.score == pytest.approx(model.on_rule_scale(seized.probability))


def test_combined_case_takes_the_max_keeps_alerts_and_lists_rules_then_model() -> None:
    scored = item(5, unknown=True)
    model = CrossingModelScore(
        0.08, 0.5, (ModelReason("vehicle_known", 0.9, "vehicle never crossed before"),)
    )
    case = combined_case(scored.facts.crossing, scored.assessment, model)
    assert case.score == 0.5 > scored.assessment.score
    assert case.reasons[0].startswith("first crossing of an unknown vehicle")
    assert case.reasons[1].startswith("model: 8.0% chance") and "vehicle never crossed" in case.reasons[2]
    low = CrossingModelScore(0.001, 0.01, ())
    assert combined_case(scored.facts.crossing, scored.assessment, low).score == scored.assessment.score
    alert = item(6, alert=True)
    forced = combined_case(alert.facts.crossing, alert.assessment, low)
    assert forced.alerts and forced.score == 1.0
