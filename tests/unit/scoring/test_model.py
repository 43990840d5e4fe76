"""The risk model: refuses forbidden attributes, learns from history, explains itself, survives a save."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cruce.core.errors import InputError
from cruce.scoring.evaluation import evaluate
from cruce.scoring.model import (
    ForbiddenFeatureError,
    ModelFileError,
    RiskConfig,
    RiskModel,
    TrainingDataError,
)


def declarations(n: int = 3000, days: int = 90, seed: int = 0) -> pd.DataFrame:
    """Synthetic declarations where some importers and undervalued goods are fraudulent.

    A few importers cheat most of the time; undervaluing an HS code (unit value far below its norm) is fraud
    more often; critical fraud is the most undervalued fraud.
    """
    rng = np.random.default_rng(seed)
    importers = np.array([f"I{i:03d}" for i in range(120)])
    cheat = rng.random(len(importers)) < 0.15
    hs_codes = np.array(["850440", "850450", "620822", "940350", "300490"])
    norm = dict(zip(hs_codes, [3.0, 4.0, 2.0, 1.0, 6.0], strict=True))
    imp = rng.integers(0, len(importers), n)
    hs = rng.choice(hs_codes, n)
    mass = np.round(rng.lognormal(4, 1, n), 1)
    under = rng.random(n) < 0.2
    luv = np.array([norm[h] for h in hs]) + rng.normal(0, 0.3, n) - np.where(under, 2.0, 0.0)
    p = 0.05 + 0.6 * cheat[imp] + 0.3 * under
    fraud = rng.random(n) < np.clip(p, 0, 0.95)
    critical = fraud & under & cheat[imp] & (rng.random(n) < 0.5)
    return pd.DataFrame(
        {
            "declaration_id": [f"d{i}" for i in range(n)],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, days, n)), unit="D"),
            "office_id": rng.choice(["10", "20"], n),
            "process_type": "B",
            "import_type": "11",
            "import_use": "21",
            "payment_type": "11",
            "transport_mode": rng.choice(["10", "40"], n),
            "declarant_id": rng.choice([f"D{i}" for i in range(10)], n),
            "importer_id": importers[imp],
            "seller_id": rng.choice([f"S{i}" for i in range(50)], n),
            "courier_id": None,
            "hs6_code": hs,
            "departure_country": rng.choice(["CN", "US"], n),
            "origin_country": rng.choice(["CN", "US", "MX"], n),
            "tax_rate_pct": rng.choice([0.0, 8.0], n),
            "tax_type": "A",
            "origin_indicator": "Y",
            "net_mass_kg": mass,
            "declared_value": np.round(mass * np.exp(luv), 2),
            "fraud": fraud.astype(int),
            "critical_fraud": critical.astype(int),
        }
    )


QUICK = RiskConfig(max_rounds=80, critical_rounds=30)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return declarations()


@pytest.fixture(scope="module")
def model(data: pd.DataFrame) -> RiskModel:
    return RiskModel.train(data[data["date"] < "2024-03-01"], QUICK)


def test_forbidden_attribute_is_refused_before_training(data: pd.DataFrame) -> None:
    frame = data.assign(ethnicity="x")
    with pytest.raises(ForbiddenFeatureError, match="'ethnicity'") as caught:
        RiskModel.train(frame, RiskConfig(extra_features=("ethnicity",)))
    assert isinstance(caught.value, InputError)
    assert caught.value.details == {"feature": "extra__ethnicity", "column": "ethnicity"}
    # A deployment may forbid a declaration column too: every feature computed from it is refused.
    with pytest.raises(ForbiddenFeatureError, match="origin_country"):
        RiskModel.train(data, RiskConfig(forbidden_features=("Origin_Country",)))
    # Present in the data but not used: fine (the fairness table reads it).
    RiskConfig(forbidden_features=("traveler_nationality",)).check_forbidden()


def test_model_ranks_later_declarations_and_scores_are_probabilities(
    data: pd.DataFrame, model: RiskModel
) -> None:
    later = data[data["date"] >= "2024-03-01"]
    scores = model.predict(later, sequential=True)
    assert ((scores.score >= 0) & (scores.score <= 1)).all()
    assert (scores.critical_score <= scores.score).all()
    fraud = evaluate(later["fraud"], scores.score)
    assert fraud.roc_auc is not None and fraud.roc_auc > 0.8
    assert fraud.at(0.05).precision > 0.8
    # Calibrated: the mean score is near the fraud rate.
    assert abs(scores.score.mean() - later["fraud"].mean()) < 0.08
    critical = evaluate(later["critical_fraud"], scores.critical_score)
    assert critical.roc_auc is not None and critical.roc_auc > 0.8


def test_explanations_name_features_with_sentences(data: pd.DataFrame, model: RiskModel) -> None:
    later = data[data["date"] >= "2024-03-01"]
    scores = model.predict(later)
    riskiest = later.iloc[[int(np.argmax(scores.score))]]
    (reasons,) = model.explain(riskiest, top=3)
    assert len(reasons) == 3
    assert reasons[0].contribution >= reasons[1].contribution >= reasons[2].contribution > 0
    assert all(r.feature in model.feature_names and r.sentence for r in reasons)
    importer = model.explain(riskiest, top=len(model.feature_names))[0]
    sentences = {r.feature: r.sentence for r in importer}
    if "importer_id__fraud_rate" in sentences:
        assert "earlier declarations found fraudulent" in sentences["importer_id__fraud_rate"]
    one = model.score_one(riskiest.iloc[0].to_dict())
    assert one["score"] == pytest.approx(scores.score.max(), rel=1e-9)
    assert [r.feature for r in one["reasons"]] == [r.feature for r in reasons]


def test_save_and_load_give_identical_scores(data: pd.DataFrame, model: RiskModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    loaded = RiskModel.load(tmp_path / "m")
    later = data[data["date"] >= "2024-03-01"]
    a, b = model.predict(later), loaded.predict(later)
    assert np.array_equal(a.score, b.score) and np.array_equal(a.critical_score, b.critical_score)
    assert loaded.version == model.version
    manifest = loaded.manifest
    assert manifest["features"] == model.feature_names
    assert len(manifest["training_data"]["sha256"]) == 64
    assert manifest["heads"]["fraud"]["holdout"]["metrics"]["roc_auc"] > 0.5
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "critical.txt",
        "fraud.txt",
        "history.json",
        "history.npz",
        "manifest.json",
    ]


def test_unusable_training_data_and_model_dirs_are_input_errors(data: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no 'fraud' column"):
        RiskModel.train(data.drop(columns=["fraud"]), QUICK)
    with pytest.raises(TrainingDataError, match="critical_fraud=1 but fraud=0"):
        RiskModel.train(data.assign(critical_fraud=1), QUICK)
    with pytest.raises(TrainingDataError, match="several days"):
        RiskModel.train(data.assign(date=pd.Timestamp("2024-01-01")), QUICK)
    with pytest.raises(ModelFileError, match="not a cruce risk model"):
        RiskModel.load(tmp_path)


# --- the real customs data ----------------------------------------------------------------------------------

CUSTOMS = Path(
    os.environ.get("CRUCE_CUSTOMS_DIR", Path(__file__).resolve().parents[4] / "shared/data/customs")
)
RENAME = {
    "Declaration ID": "declaration_id",
    "Date": "date",
    "Office ID": "office_id",
    "Process Type": "process_type",
    "Import Type": "import_type",
    "Import Use": "import_use",
    "Payment Type": "payment_type",
    "Mode of Transport": "transport_mode",
    "Declarant ID": "declarant_id",
    "Importer ID": "importer_id",
    "Seller ID": "seller_id",
    "Courier ID": "courier_id",
    "HS6 Code": "hs6_code",
    "Country of Departure": "departure_country",
    "Country of Origin": "origin_country",
    "Tax Rate": "tax_rate_pct",
    "Tax Type": "tax_type",
    "Country of Origin Indicator": "origin_indicator",
    "Net Mass": "net_mass_kg",
    "Item Price": "declared_value",
    "Fraud": "fraud",
}


def read_customs(name: str) -> pd.DataFrame:
    raw = pd.read_csv(CUSTOMS / f"declarations_{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
    frame = raw.rename(columns=RENAME)
    frame["critical_fraud"] = (raw["Critical Fraud"] == "2").astype(int)
    frame = frame.drop(columns=["Critical Fraud"])
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("tax_rate_pct", "net_mass_kg", "declared_value"):
        frame[col] = frame[col].astype(float)
    frame["fraud"] = frame["fraud"].astype(int)
    frame["hs6_code"] = frame["hs6_code"].str.zfill(6)
    return frame


@pytest.mark.shared
def test_real_customs_data_meets_the_targets() -> None:
    if not (CUSTOMS / "declarations_train.csv").exists():
        pytest.skip(f"customs declarations not found in {CUSTOMS}")
    train, valid = read_customs("train"), read_customs("valid")
    started = time.perf_counter()
    model = RiskModel.train(train)
    assert time.perf_counter() - started < 60
    scores = model.predict(valid, sequential=True)
    fraud = evaluate(valid["fraud"], scores.score)
    critical = evaluate(valid["critical_fraud"], scores.critical_score)
    assert fraud.at(0.05).precision >= 0.97
    assert fraud.roc_auc is not None and fraud.roc_auc >= 0.90
    assert critical.at(0.05).recall >= 0.75
