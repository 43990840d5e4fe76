"""Shadow comparison of a live and a candidate scorer."""

from __future__ import annotations

import numpy as np
import pytest

from cruce.core.errors import InputError
from cruce.scoring.shadow import compare, inspected_at_rate


def test_top_share_is_inspected_and_ties_keep_order() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.2])
    assert inspected_at_rate(scores, 0.4).tolist() == [False, True, False, True, False]
    assert inspected_at_rate(scores, 0.2).tolist() == [False, True, False, False, False]
    assert inspected_at_rate(scores, 1.0).all()
    with pytest.raises(InputError, match=r"must be in \(0, 1\]"):
        inspected_at_rate(scores, 0.0)


def test_changes_and_catches_with_known_outcomes() -> None:
    ids = ["a", "b", "c", "d"]
    live = np.array([0.9, 0.8, 0.1, 0.2])
    candidate = np.array([0.9, 0.1, 0.8, 0.2])
    outcomes = np.array([1.0, 0.0, 1.0, 0.0])
    report = compare(ids, live, candidate, 0.5, outcomes)
    assert [item.item_id for item in report.newly_inspected] == ["c"]
    assert [item.item_id for item in report.newly_released] == ["b"]
    assert report.newly_inspected[0].outcome is True
    assert (report.live_catches, report.candidate_catches) == (1.0, 2.0)
    assert report.catch_change == 1.0
    assert report.both_inspect == 1
    assert not report.catches_are_expected


def test_unknown_outcomes_count_as_the_scorers_expectation() -> None:
    live = np.array([0.9, 0.2, 0.6])
    candidate = np.array([0.1, 0.2, 0.7])
    report = compare(["a", "b", "c"], live, candidate, 1 / 3, np.array([np.nan, 0.0, np.nan]))
    assert report.live_catches == pytest.approx(0.9)
    assert report.candidate_catches == pytest.approx(0.7)
    assert report.catches_are_expected


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(InputError, match="same items"):
        compare(["a"], np.array([0.1, 0.2]), np.array([0.1, 0.2]), 0.5)
