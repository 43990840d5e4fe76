"""The scorer fit's objective and split: the parts that decide which config wins."""

from __future__ import annotations

from benchmarks.fit import BUDGETS, GOALS, MIN_PAIRS_PRECISION, in_fit_half, slack


def _at_goals(margin: float) -> dict[str, float]:
    values = {metric: goal + margin for metric, goal in GOALS.items()}
    values.update(dict.fromkeys(BUDGETS, 0.0))
    values["pairs precision"] = 1.0
    return values


def test_a_broken_false_alert_budget_loses_to_any_config_within_budget() -> None:
    broken = _at_goals(0.04)
    broken["FA innocents"] = BUDGETS["FA innocents"] * 1.01
    assert slack(broken) < slack(_at_goals(-0.5))


def test_imprecise_pairs_break_the_budget() -> None:
    values = _at_goals(0.02)
    values["pairs precision"] = MIN_PAIRS_PRECISION - 0.01
    assert slack(values)[0] == float("-inf")


def test_the_worst_goal_decides_and_the_sum_breaks_ties() -> None:
    even = _at_goals(0.01)
    lopsided = _at_goals(0.05)
    lopsided["alert recall"] = GOALS["alert recall"] + 0.005
    assert slack(even) > slack(lopsided)
    richer = _at_goals(0.01)
    richer["pairs F1"] += 0.05
    assert slack(richer) > slack(even)


def test_the_split_is_stable_and_about_even() -> None:
    names = [f"name {i}" for i in range(2000)]
    first = [in_fit_half(n) for n in names]
    assert first == [in_fit_half(n) for n in names]
    assert 0.45 < sum(first) / len(first) < 0.55
