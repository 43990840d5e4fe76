"""Declarative risk rules: the condition language, the noisy-OR combination, reasons, and refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cruce.scoring.rules import RuleError, compile_rule, load_rule_set, parse_rule_set, preset_names

RULES = """
name: test-cargo
version: 2
rules:
  - name: watchlist_alert
    weight: 1.0
    when: watchlist_alert
    reason: "a party is on a watchlist"
  - name: transshipped
    weight: 0.2
    when: origin_country != departure_country
    reason: "goods of {origin_country} origin shipped from {departure_country}"
  - name: cheap_per_kg
    weight: 0.5
    when: declared_value / net_mass_kg < 2 and hs6_code in ['870323', '851712']
    reason: "declared {unit:.2f} per kg for HS {hs6_code}"
"""


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "declaration_id": ["a", "b", "c", "d"],
            "watchlist_alert": pd.array([False, True, False, None], dtype="boolean"),
            "origin_country": pd.array(["CN", "MX", "US", None], dtype="string"),
            "departure_country": pd.array(["HK", "MX", "US", "US"], dtype="string"),
            "declared_value": [10.0, 100.0, 5.0, 1.0],
            "net_mass_kg": [10.0, 1.0, 0.0, 1.0],
            "hs6_code": pd.array(["870323", "870323", "851712", "851712"], dtype="string"),
            "unit": [1.0, 100.0, np.nan, 1.0],
        }
    )


def test_rules_fire_on_evidence_only_and_combine_by_noisy_or() -> None:
    rules = parse_rule_set(RULES, "test")
    hits = rules.evaluate(frame())
    names = [rule.name for rule in rules.rules]
    fired = {row: [names[i] for i in np.flatnonzero(hits.fired[row])] for row in range(4)}
    assert fired == {
        0: ["transshipped", "cheap_per_kg"],
        1: ["watchlist_alert"],
        2: [],  # value / zero mass is unknown, not cheap; same countries
        3: ["cheap_per_kg"],  # unknown origin is not a mismatch; unknown alert is not an alert
    }
    assert hits.score.tolist() == pytest.approx([1 - 0.8 * 0.5, 1.0, 0.0, 0.5])


def test_reasons_are_filled_in_heaviest_first() -> None:
    rules = parse_rule_set(RULES, "test")
    data = frame()
    hits = rules.evaluate(data)
    reasons = rules.reasons(hits, data)
    assert reasons[0] == ["declared 1.00 per kg for HS 870323", "goods of CN origin shipped from HK"]
    assert reasons[1] == ["a party is on a watchlist"]
    assert reasons[2] == []


def test_unknown_value_in_a_reason_reads_unknown() -> None:
    rule = compile_rule("r", 0.1, "x > 0", "value {unit:.2f} from {origin_country}")
    assert rule.explain({"unit": float("nan"), "origin_country": None}) == "value unknown from unknown"


def test_rule_set_has_version_and_digest_of_its_text() -> None:
    first = parse_rule_set(RULES, "test")
    second = parse_rule_set(RULES.replace("weight: 0.2", "weight: 0.3"), "test")
    assert first.version == 2
    assert first.digest != second.digest
    assert first.label.startswith("test-cargo v2 (")


@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "open('/etc/passwd')",
        "[c for c in x]",
        "lambda: 1",
        "x[0]",
        "x in y",
        "x if y else z",
    ],
)
def test_conditions_cannot_run_code(condition: str) -> None:
    with pytest.raises(RuleError, match="rule 'r'"):
        compile_rule("r", 0.5, condition, "reason")


def test_missing_input_column_is_named() -> None:
    rule = compile_rule("needs_history", 0.3, "importer_prior_declarations == 0", "new importer")
    with pytest.raises(RuleError, match=r"needs column\(s\) importer_prior_declarations"):
        rule.fires(frame())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nversion: 1\nrules: []\n", "rules"),
        ("name: x\nversion: 1\nrules:\n  - {name: a, weight: 2, when: x, reason: r}\n", "weight"),
        (
            "name: x\nversion: 1\nrules:\n  - {name: a, weight: 0.5, when: x, reason: r}\n"
            "  - {name: a, weight: 0.5, when: y, reason: r}\n",
            "used twice: a",
        ),
        ("name: x\nversion: 1\nrules:\n  - {name: Bad Name, weight: 0.5, when: x, reason: r}\n", "name"),
        (
            "name: x\nversion: 1\nrules:\n  - {name: a, weight: 0.5, when: 'x >', reason: r}\n",
            "cannot read condition",
        ),
        (
            "name: x\nversion: 1\nrules:\n  - {name: a, weight: 0.5, when: x, reason: '{x.y}'}\n",
            "may only name columns",
        ),
    ],
)
def test_bad_rule_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rule_set(text, "rules.yaml")


def test_shipped_rule_sets_load_and_user_files_by_path(tmp_path: Path) -> None:
    for name in preset_names():
        assert load_rule_set(name).rules
    path = tmp_path / "mine.yaml"
    path.write_text(RULES, encoding="utf-8")
    assert load_rule_set(path).name == "test-cargo"
    with pytest.raises(RuleError, match="no rule set named"):
        load_rule_set("nonexistent")
