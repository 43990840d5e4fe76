"""Inspection-rate metrics, curves and the fairness table on examples small enough to check by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cruce.core.errors import InputError
from cruce.scoring.evaluation import at_rate, curve, evaluate, fairness_table, inspected_count, plot_curves

# Ten declarations, three frauds; the score ranks them d, a, c, b, ... (row 9, a fraud, ranks last).
Y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
S = np.array([0.8, 0.3, 0.6, 0.95, 0.1, 0.2, 0.05, 0.4, 0.15, 0.0])


def test_precision_and_recall_at_inspection_rates() -> None:
    top2 = at_rate(Y, S, 0.2)  # opens rows 3 and 0: one fraud
    assert (top2.inspected, top2.hits, top2.precision) == (2, 1, 0.5)
    assert top2.recall == pytest.approx(1 / 3)
    top3 = at_rate(Y, S, 0.3)  # rows 3, 0, 2: two frauds
    assert (top3.hits, top3.precision, top3.recall) == (2, pytest.approx(2 / 3), pytest.approx(2 / 3))
    # 1% of ten rows still opens one declaration.
    assert at_rate(Y, S, 0.01).inspected == 1
    assert at_rate(Y, S, 1.0).recall == 1.0


def test_ties_are_broken_by_row_order_never_by_label() -> None:
    flat = np.zeros(10)
    assert at_rate(Y, flat, 0.1).hits == 1  # row 0 comes first
    assert at_rate(Y[::-1], flat, 0.1).hits == 1
    assert at_rate(np.r_[0, Y[1:]], flat, 0.2).hits == 0


def test_evaluate_reports_areas_and_every_rate() -> None:
    ev = evaluate(Y, S)
    assert [m.rate for m in ev.at_rate] == [0.01, 0.02, 0.05, 0.10]
    assert ev.positives == 3
    # The frauds scored 0.8, 0.6 and 0.0 outrank 6, 6 and 0 of the 7 others: 12 of 21 pairs.
    assert ev.roc_auc == pytest.approx(12 / 21)
    assert ev.pr_auc == pytest.approx((1 / 2 + 2 / 3 + 3 / 10) / 3)
    assert ev.at(0.1).hits == 0
    one_class = evaluate(np.zeros(5), np.arange(5.0))
    assert one_class.roc_auc is None and one_class.pr_auc is None
    assert ev.to_dict()["at_rate"]["0.05"]["inspected"] == 1


def test_bad_inputs_are_input_errors() -> None:
    with pytest.raises(InputError, match=r"in \(0, 1\]"):
        inspected_count(10, 0.0)
    with pytest.raises(InputError, match="same length"):
        evaluate(Y, S[:5])
    with pytest.raises(InputError, match="0 or 1"):
        evaluate(np.full(10, 2), S)
    with pytest.raises(InputError, match="NaN"):
        evaluate(Y, np.full(10, np.nan))


def test_boolean_outcomes_are_accepted() -> None:
    assert evaluate(pd.Series(Y.astype(bool), dtype="boolean"), S).positives == 3


def test_curve_and_plot(tmp_path: Path) -> None:
    data = curve(Y, S, max_rate=1.0, points=10)
    assert data["recall"].iloc[-1] == 1.0
    assert data["precision"].iloc[1] == 0.5
    path = plot_curves({"model": data, "random": curve(Y, np.zeros(10), 1.0, 10)}, tmp_path / "pr.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fairness_table_shows_inspection_and_hit_rate_per_group() -> None:
    frame = pd.DataFrame(
        {
            "origin_country": ["CN"] * 4 + ["MX"] * 4 + ["VN"] * 2,
            "nationality": ["A"] * 10,
            "fraud": [1, 1, 0, 0, 1, 0, 0, 0, 0, 0],
        }
    )
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.6, 0.1, 0.1, 0.1, 0.1, 0.1])
    table = fairness_table(frame, scores, rate=0.4, min_rows=3)
    origin = table[table["group_column"] == "origin_country"].set_index("group")
    assert origin.loc["CN", "inspected"] == 3
    assert origin.loc["CN", "inspection_rate"] == pytest.approx(0.75)
    assert origin.loc["CN", "hit_rate"] == pytest.approx(2 / 3)
    assert origin.loc["MX", "hit_rate"] == 1.0
    assert origin.loc["CN", "inspection_ratio"] == pytest.approx(0.75 / 0.4)
    # VN has two rows, under min_rows: pooled, never shown as a group of its own.
    assert "VN" not in origin.index and origin.loc["(other)", "rows"] == 2
    assert np.isnan(origin.loc["(other)", "hit_rate"])
    assert set(table["group_column"]) == {"origin_country", "nationality"}
