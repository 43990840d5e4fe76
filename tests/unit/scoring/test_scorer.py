"""The combined cargo score: rules set a floor under the model, and reasons never say one fact twice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cruce.scoring.mapping import load_mapping, read_declarations_text
from cruce.scoring.model import RiskModel
from cruce.scoring.rules import RuleError, parse_rule_set
from cruce.scoring.scorer import CargoScorer
from cruce.synthetic.declarations import generate_declarations

RULES = """
name: test
version: 1
rules:
  - name: importer_history
    weight: 0.4
    when: importer_id__n_fraud >= 2
    reason: "importer {importer_id} was caught {importer_id__n_fraud:.0f} times before"
"""


@pytest.fixture(scope="module")
def scorer_and_later() -> tuple[CargoScorer, pd.DataFrame]:
    data = generate_declarations(3000, seed=5, days=400)
    mapping = load_mapping("customs-declarations")
    history = read_declarations_text(
        data[data["Date"] < "2026-01-01"].to_csv(index=False), mapping, "history"
    )
    later = read_declarations_text(data[data["Date"] >= "2026-01-01"].to_csv(index=False), mapping, "later")
    model = RiskModel.train(history.frame)
    return CargoScorer(model, parse_rule_set(RULES, "test")), later.frame


def test_rules_set_a_floor_and_reasons_do_not_repeat_a_rule(
    scorer_and_later: tuple[CargoScorer, pd.DataFrame],
) -> None:
    scorer, later = scorer_and_later
    scored = scorer.score(later)
    assert np.all(scored.score >= scored.rule_score) and np.all(scored.score >= scored.model_score)
    fired = [i for i, reasons in enumerate(scored.reasons) if any("was caught" in r for r in reasons)]
    assert fired, "the rule should fire on some repeat offender"
    for row in fired:
        importer = next(r for r in scored.reasons[row] if "was caught" in r).split()[1]
        restated = [r for r in scored.reasons[row] if r.startswith(f"importer {importer} had")]
        assert restated == [], scored.reasons[row]  # the model's sentence on the same history is left out


def test_a_rule_reading_a_column_nobody_provides_is_refused_early(
    scorer_and_later: tuple[CargoScorer, pd.DataFrame],
) -> None:
    scorer, _ = scorer_and_later
    bad = parse_rule_set(RULES.replace("importer_id__n_fraud >= 2", "importer_age > 3"), "bad")
    with pytest.raises(RuleError, match="reads importer_age"):
        CargoScorer(scorer.model, bad)
