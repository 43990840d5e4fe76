"""History features: only earlier dates count, outcomes only where known, frozen state = replayed history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cruce.core.errors import InputError
from cruce.scoring.history import HistoryConfig, HistoryState, MissingColumnsError, build_history


def declarations(n: int = 400, days: int = 20, seed: int = 0) -> pd.DataFrame:
    """Random declarations with repeated parties, codes and values, several per day."""
    rng = np.random.default_rng(seed)
    fraud = rng.random(n) < 0.3
    return pd.DataFrame(
        {
            "declaration_id": [f"d{i}" for i in range(n)],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, days, n), unit="D"),
            "office_id": rng.choice(["10", "20", "30"], n),
            "process_type": rng.choice(["A", "B"], n),
            "import_type": "11",
            "import_use": rng.choice(["11", "21"], n),
            "payment_type": "11",
            "transport_mode": rng.choice(["10", "40"], n),
            "declarant_id": rng.choice([f"D{i}" for i in range(8)], n),
            "importer_id": rng.choice([f"I{i}" for i in range(30)], n),
            "seller_id": pd.Series(rng.choice([f"S{i}" for i in range(20)], n)).where(rng.random(n) > 0.1),
            "courier_id": pd.Series(rng.choice(["C1", "C2"], n)).where(rng.random(n) > 0.8),
            "hs6_code": rng.choice(["850440", "850450", "620822", "940350"], n),
            "departure_country": rng.choice(["CN", "US", "MX"], n),
            "origin_country": rng.choice(["CN", "US", "MX", "VN"], n),
            "tax_rate_pct": rng.choice([0.0, 5.0, 8.0], n),
            "tax_type": rng.choice(["A", "C"], n),
            "origin_indicator": "Y",
            "net_mass_kg": rng.choice([10.0, 25.0, 100.0, 400.0], n),
            "declared_value": rng.choice([1000.0, 2500.0, 9999.0, 50000.0], n),
            "fraud": fraud.astype(int),
            "critical_fraud": (fraud & (rng.random(n) < 0.2)).astype(int),
        }
    )


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_altering_labels_on_the_same_or_later_dates_never_changes_a_rows_features(seed: int) -> None:
    frame = declarations(seed=seed)
    before, _ = build_history(frame)
    cutoff = frame["date"].sort_values().iloc[len(frame) // 2]
    altered = frame.copy()
    later = altered["date"] >= cutoff
    altered.loc[later, "fraud"] = 1 - altered.loc[later, "fraud"]
    altered.loc[later, "critical_fraud"] = altered.loc[later, "fraud"]
    after, _ = build_history(altered)
    upto = (frame["date"] <= cutoff).to_numpy()
    assert same(before.to_numpy()[upto], after.to_numpy()[upto])
    # ...while the history of later dates does see the altered outcomes.
    assert not same(before.to_numpy()[~upto], after.to_numpy()[~upto])


def test_row_order_does_not_matter() -> None:
    frame = declarations(seed=3)
    features, _ = build_history(frame)
    shuffled = frame.sample(frac=1.0, random_state=1)
    again, _ = build_history(shuffled)
    assert same(features.loc[shuffled.index].to_numpy(), again.to_numpy())


def _hand_frame() -> pd.DataFrame:
    base = declarations(n=7, seed=4)
    base["importer_id"] = "IMP"
    base["date"] = pd.to_datetime(
        ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-06", "2024-01-06"]
    )
    base["fraud"] = [1, 1, 0, 1, 1, 0, 1]
    base["critical_fraud"] = 0
    return base


def test_importer_history_counts_earlier_days_only() -> None:
    config = HistoryConfig()
    features, _ = build_history(_hand_frame(), config)
    n = features["importer_id__n"].tolist()
    fraud = features["importer_id__n_fraud"].tolist()
    # Two rows on day 1 see nothing (not even each other); the two rows of day 6 both see the five before.
    assert n == [0, 0, 2, 3, 4, 5, 5]
    assert fraud == [0, 0, 2, 2, 3, 4, 4]
    assert np.isnan(features["importer_id__days_known"].iloc[0])
    assert features["importer_id__days_known"].iloc[5] == 5
    # Smoothed rate: 4 of 5 earlier pulled towards the rate of all earlier rows (4/5 too, with 20 pseudo-rows
    # at the configured base rate 0.2).
    w, base = config.smoothing, (4 + config.base_weight * config.base_fraud_rate) / (5 + config.base_weight)
    assert features["importer_id__fraud_rate"].iloc[5] == pytest.approx((4 + w * base) / (5 + w), rel=1e-6)


def test_unlabelled_rows_count_as_attributes_not_outcomes() -> None:
    frame = _hand_frame()
    labelled = np.array([True, True, True, False, False, False, False])
    features, state = build_history(frame, labelled=labelled)
    assert features["importer_id__n"].iloc[5] == 5
    assert features["importer_id__n_lab"].iloc[5] == 3
    assert features["importer_id__n_fraud"].iloc[5] == 2
    assert state.global_totals.tolist() == [3.0, 2.0, 0.0]


def test_frozen_state_gives_what_replaying_the_history_gives() -> None:
    frame = declarations(n=600, days=30, seed=5)
    history = frame[frame["date"] < "2024-01-25"]
    new = frame[frame["date"] >= "2024-01-25"].copy()
    new.loc[new.index[:5], "importer_id"] = "NEVER-SEEN"
    _, state = build_history(history)
    hidden = np.r_[np.ones(len(history), bool), np.zeros(len(new), bool)]
    replayed, _ = build_history(pd.concat([history, new]), labelled=hidden)
    replayed = replayed.iloc[len(history) :]
    first_day = (new["date"] == new["date"].min()).to_numpy()
    frozen = state.features(new)
    # Procedure codes depend on the vocabulary, which the replay extends; every history feature must agree.
    history_columns = [c for c in frozen.columns if not c.endswith("__code")]
    assert same(
        frozen[history_columns].to_numpy()[first_day], replayed[history_columns].to_numpy()[first_day]
    )
    # Sequential scoring adds attribute counts of earlier batch rows, as the replay does, and no outcomes.
    sequential = state.features(new, sequential=True)
    assert same(sequential[history_columns].to_numpy(), replayed[history_columns].to_numpy())
    assert frozen.loc[new.index[0], "importer_id__n"] == 0


def test_missing_party_is_not_an_unseen_party() -> None:
    frame = declarations(n=200, seed=6)
    _, state = build_history(frame)
    new = frame.iloc[:2].copy()
    new["seller_id"] = [None, "NEW-SELLER"]
    features = state.features(new)
    assert np.isnan(features["seller_id__n"].iloc[0])
    assert features["seller_id__n"].iloc[1] == 0


def test_state_round_trips_through_files(tmp_path: Path) -> None:
    frame = declarations(n=300, seed=7)
    _, state = build_history(frame)
    state.save(tmp_path)
    loaded = HistoryState.load(tmp_path)
    new = declarations(n=50, seed=8)
    assert same(state.matrix(new), loaded.matrix(new))
    assert loaded.config == state.config


def test_unreadable_state_and_missing_columns_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        HistoryState.load(tmp_path)
    frame = declarations(n=20).drop(columns=["hs6_code", "net_mass_kg"])
    with pytest.raises(MissingColumnsError, match="hs6_code, net_mass_kg"):
        build_history(frame)


def test_unknown_history_key_is_refused() -> None:
    with pytest.raises(InputError, match="unknown column"):
        HistoryConfig(keys=(("importer_id", "shoe_size"),))


def test_single_declarations_get_the_features_of_a_large_batch() -> None:
    frame = declarations(n=300, seed=9)
    _, state = build_history(frame)
    new = declarations(n=100, seed=10)
    new.loc[new.index[:3], "importer_id"] = "NEVER-SEEN"
    new.loc[new.index[3], "hs6_code"] = "999999"
    large = state.matrix(new)
    for i in (0, 3, 4, 50):
        assert same(state.matrix(new.iloc[[i]]), large[[i]])
    with pytest.raises(InputError, match="hs6_code has empty values"):
        state.matrix(new.iloc[:2].assign(hs6_code=[None, "850440"]))
