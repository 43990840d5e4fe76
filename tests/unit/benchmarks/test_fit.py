"""The scorer fit's objective and split: the parts that decide which config wins."""

from __future__ import annotations

import pytest
from benchmarks.fit import BUDGETS, GOALS, MIN_PAIRS_PRECISION, in_fit_half, slack


def _with_room(room: float) -> dict[str, float]:
    """Every goal met with the same share `room` of its allowance left."""
    values = {metric: goal + room * (1.0 - goal) for metric, goal in GOALS.items()}
    values.update({metric: budget * (1.0 - room) for metric, budget in BUDGETS.items()})
    values["pairs precision"] = MIN_PAIRS_PRECISION + room * (1.0 - MIN_PAIRS_PRECISION)
    return values


def test_a_broken_goal_loses_to_any_config_that_meets_them_all() -> None:
    for metric in (*GOALS, *BUDGETS, "pairs precision"):
        broken = _with_room(0.9)
        broken[metric] = GOALS.get(metric, 0.0) - 0.001 if metric in GOALS else broken[metric]
        if metric in BUDGETS:
            broken[metric] = BUDGETS[metric] * 1.01
        if metric == "pairs precision":
            broken[metric] = MIN_PAIRS_PRECISION - 0.001
        assert slack(broken)[0] == float("-inf"), metric
    assert slack(_with_room(0.01))[0] > 0


def test_recall_bought_with_the_last_of_a_false_alert_budget_loses() -> None:
    careful = _with_room(0.3)
    greedy = _with_room(0.6)
    greedy["FA innocents"] = BUDGETS["FA innocents"] * 0.95  # 5% of the budget left
    assert slack(careful) > slack(greedy)


def test_the_worst_goal_decides_and_the_sum_breaks_ties() -> None:
    assert slack(_with_room(0.4)) > slack(_with_room(0.3))
    richer = _with_room(0.3)
    richer["pairs F1"] = 0.99
    assert slack(richer)[0] == pytest.approx(slack(_with_room(0.3))[0])
    assert slack(richer) > slack(_with_room(0.3))


def test_the_split_is_stable_and_about_even() -> None:
    names = [f"name {i}" for i in range(2000)]
    first = [in_fit_half(n) for n in names]
    assert first == [in_fit_half(n) for n in names]
    assert 0.45 < sum(first) / len(first) < 0.55
