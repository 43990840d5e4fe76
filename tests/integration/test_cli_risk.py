"""`cruce risk` end to end through the real CLI: train, score, backtest, shadow, and every clear refusal.

The files are synthetic labelled declarations in the customs-declarations layout (cruce.synthetic), split by
date so the later file is a true hold-out; one test also runs on the shared dataset when it is there.
"""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from cli_fixtures import run_cli

import cruce.scoring.mappings
from cruce.synthetic.declarations import generate_declarations

SHARED_CUSTOMS = Path(__file__).resolve().parents[3] / "shared" / "data" / "customs"


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert result.stderr.startswith("error: "), output
    for fragment in fragments:
        assert fragment in result.stderr, output
    return result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("risk")
    data = generate_declarations(4000, seed=11, days=400)
    train, valid = data[data["Date"] < "2026-01-01"], data[data["Date"] >= "2026-01-01"]
    paths = {"train": folder / "train.csv", "valid": folder / "valid.csv", "unlabelled": folder / "new.csv"}
    train.to_csv(paths["train"], index=False)
    valid.to_csv(paths["valid"], index=False)
    valid.drop(columns=["Fraud", "Critical Fraud"]).to_csv(paths["unlabelled"], index=False)
    return paths


@pytest.fixture(scope="module")
def model(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    model_dir = data_dir.parent / "model"
    out = ok(
        run_cli(data_dir, "risk", "train", files["train"], "--model", model_dir, "--valid", files["valid"])
    )
    assert "Trained model risk-" in out and "top 5%" in out and "ROC-AUC" in out
    assert (model_dir / "manifest.json").is_file()
    return model_dir


def test_score_writes_one_row_per_declaration_with_reasons(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    output = tmp_path / "scores.csv"
    out = ok(run_cli(tmp_path / "data", "risk", "score", files["unlabelled"], "--model", model, "-o", output))
    assert "Scored" in out and "cargo-default v" in out
    scores = pd.read_csv(output, dtype={"Declaration ID": str})
    assert list(scores.columns) == ["Declaration ID", "score", "critical_score", "reasons"]
    source = pd.read_csv(files["unlabelled"], dtype={"Declaration ID": str})
    assert scores["Declaration ID"].tolist() == source["Declaration ID"].tolist()
    assert scores["score"].between(0, 1).all() and scores["critical_score"].between(0, 1).all()
    top = scores.sort_values("score", ascending=False).head(10)
    assert top["reasons"].str.len().gt(0).all()  # a high score always says why
    truth = pd.read_csv(files["valid"], dtype={"Declaration ID": str}).set_index("Declaration ID")["Fraud"]
    riskiest = scores.nlargest(len(scores) // 20, "score")["Declaration ID"]
    assert truth.loc[riskiest].mean() > 3 * truth.mean()  # the model ranks fraud first on the hold-out


def test_backtest_prints_rates_fairness_and_writes_a_png(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "pr.png"
    out = ok(run_cli(tmp_path / "data", "risk", "backtest", files["valid"], "--model", model, "--plot", plot))
    for fragment in (
        "top 1%",
        "top 2%",
        "top 5%",
        "top 10%",
        "PR-AUC",
        "ROC-AUC",
        "critical",
        "fraud: rules",
        "Who is inspected at 5%, by origin country",
    ):
        assert fragment in out, out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "traveler nationality" not in out  # the file has no such column: no empty group is shown


def test_backtest_reports_inspections_by_traveler_nationality_when_mapped(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    preset = Path(cruce.scoring.mappings.__file__).with_name("customs-declarations.yaml").read_text("utf-8")
    mapping = tmp_path / "with-drivers.yaml"
    mapping.write_text(preset + "  traveler_nationality: Driver Nationality\n", encoding="utf-8")
    data = pd.read_csv(files["valid"], dtype=str, keep_default_na=False)
    data["Driver Nationality"] = ["MEX" if i % 3 else "GTM" for i in range(len(data))]
    with_drivers = tmp_path / "valid-drivers.csv"
    data.to_csv(with_drivers, index=False)
    args = ("--model", model, "--mapping", mapping, "--plot", tmp_path / "p.png")
    out = ok(run_cli(tmp_path / "data", "risk", "backtest", with_drivers, *args))
    rows = re.findall(r"\s(MEX|GTM)\s+([\d,]+)\s", out)  # group, rows (origin countries are 2 letters)
    counts = {group: int(n.replace(",", "")) for group, n in rows}
    assert counts == {"MEX": sum(1 for i in range(len(data)) if i % 3), "GTM": len(data[::3])}, out


def test_shadow_reports_what_a_candidate_rule_set_changes(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text(
        "name: strict\nversion: 1\nrules:\n"
        "  - {name: any_new_importer, weight: 0.99, when: importer_id__n == 0, "
        "reason: 'new importer {importer_id}'}\n",
        encoding="utf-8",
    )
    out = ok(
        run_cli(
            tmp_path / "data",
            "risk",
            "shadow",
            files["valid"],
            "--model",
            model,
            "--candidate-rules",
            strict,
            "--rate",
            "10",
        )
    )
    assert "newly inspected" in out and "Candidate: model risk-" in out and "strict v1" in out
    same = ok(
        run_cli(
            tmp_path / "data",
            "risk",
            "shadow",
            files["valid"],
            "--model",
            model,
            "--candidate-rules",
            "cargo-default",
        )
    )
    assert "0 newly inspected, 0 newly released" in same


def test_bad_rows_stop_training_with_their_lines_or_are_skipped_and_counted(
    files: dict[str, Path], tmp_path: Path
) -> None:
    rows = list(csv.reader(files["train"].open(encoding="utf-8")))
    rows[5][rows[0].index("Net Mass")] = "heavy"
    rows[9][rows[0].index("Date")] = "2025-02-30"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    data_dir = tmp_path / "data"
    refused(
        run_cli(data_dir, "risk", "train", bad, "--model", tmp_path / "m"),
        "2 problem(s)",
        "line 6: Net Mass 'heavy': is not a number",
        "line 10: Date",
        "--skip-bad-rows",
    )
    assert not (tmp_path / "m").exists()
    out = ok(run_cli(data_dir, "risk", "train", bad, "--model", tmp_path / "m", "--skip-bad-rows"))
    assert "(2 unreadable rows left out)" in out


def test_forbidden_feature_is_refused_before_training(files: dict[str, Path], tmp_path: Path) -> None:
    refused(
        run_cli(
            tmp_path / "data",
            "risk",
            "train",
            files["train"],
            "--model",
            tmp_path / "m",
            "--forbid",
            "origin_country",
        ),
        "origin_country",
    )
    assert not (tmp_path / "m").exists()


def test_clear_errors_for_missing_model_mapping_and_columns(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    refused(
        run_cli(
            data_dir,
            "risk",
            "score",
            files["unlabelled"],
            "--model",
            tmp_path / "nope",
            "-o",
            tmp_path / "o.csv",
        ),
        "nope",
    )
    refused(
        run_cli(
            data_dir,
            "risk",
            "score",
            files["unlabelled"],
            "--model",
            model,
            "-o",
            tmp_path / "o.csv",
            "--mapping",
            "korea",
        ),
        "no mapping named 'korea'; shipped: customs-declarations",
    )
    refused(
        run_cli(data_dir, "risk", "backtest", files["unlabelled"], "--model", model),
        "a backtest needs labelled declarations",
    )  # a backtest needs outcomes too
    other = tmp_path / "other.csv"
    other.write_text("id,name\n1,x\n", encoding="utf-8")
    refused(
        run_cli(data_dir, "risk", "score", other, "--model", model, "-o", tmp_path / "o.csv"),
        "lacks column(s)",
        "'Declaration ID'",
    )


def test_the_model_remembers_its_mapping(files: dict[str, Path], tmp_path: Path) -> None:
    preset = Path(cruce.scoring.mappings.__file__).with_name("customs-declarations.yaml").read_text("utf-8")
    mapping = tmp_path / "semicolons.yaml"
    semicolons = preset.replace("name: customs-declarations", "name: semicolons\ndelimiter: ';'")
    mapping.write_text(semicolons, "utf-8")
    converted = {}
    for name in ("train", "unlabelled"):
        converted[name] = tmp_path / f"{name}.csv"
        table = pd.read_csv(files[name], dtype=str, keep_default_na=False)
        table.to_csv(converted[name], sep=";", index=False)
    data_dir, model_dir = tmp_path / "data", tmp_path / "model"
    ok(run_cli(data_dir, "risk", "train", converted["train"], "--model", model_dir, "--mapping", mapping))
    output = tmp_path / "scores.csv"
    ok(run_cli(data_dir, "risk", "score", converted["unlabelled"], "--model", model_dir, "-o", output))
    assert len(pd.read_csv(output)) == len(pd.read_csv(files["unlabelled"]))  # read with ';', as trained
    refused(run_cli(data_dir, "risk", "score", converted["unlabelled"], "--model", model_dir, "-o", output,
                    "--mapping", "customs-declarations"), "looks separated by ';'")  # fmt: skip


def test_evaluating_on_the_training_period_is_refused(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    refused(
        run_cli(data_dir, "risk", "backtest", files["train"], "--model", model),
        "within the model's training period",
    )  # it would see its own outcomes
    refused(
        run_cli(data_dir, "risk", "shadow", files["train"], "--model", model, "--candidate-rules", "none"),
        "within the model's training period",
    )
    refused(
        run_cli(
            data_dir, "risk", "train", files["valid"], "--model", tmp_path / "m", "--valid", files["train"]
        ),
        "within the training data",
    )


def test_empty_files_rows_without_model_fields_and_bad_rules_get_clear_errors(
    files: dict[str, Path], model: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    header_only = tmp_path / "header.csv"
    header_only.write_text(
        files["train"].read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
    )
    refused(
        run_cli(data_dir, "risk", "train", header_only, "--model", tmp_path / "m"), "no readable declaration"
    )
    output = tmp_path / "scores.csv"
    stale = tmp_path / "scores.errors.csv"
    stale.write_text("line,column,value,problem\n99,x,y,old\n", encoding="utf-8")
    rows = files["unlabelled"].read_text(encoding="utf-8").splitlines()
    columns = rows[0].split(",")
    broken = rows[1].split(",")
    broken[columns.index("Office ID")] = ""
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join([rows[0], ",".join(broken), *rows[2:]]) + "\n", encoding="utf-8")
    ok(run_cli(data_dir, "risk", "score", mixed, "--model", model, "-o", output))
    assert stale.read_text(encoding="utf-8").splitlines()[1:] == ["2,Office ID,,is empty"]  # this run only
    assert len(pd.read_csv(output)) == len(rows) - 2
    ok(run_cli(data_dir, "risk", "score", files["unlabelled"], "--model", model, "-o", output))
    assert not stale.exists()  # a clean run leaves no errors file behind
    all_bad = tmp_path / "all_bad.csv"
    all_bad.write_text("\n".join([rows[0], ",".join(broken)]) + "\n", encoding="utf-8")
    refused(
        run_cli(data_dir, "risk", "score", all_bad, "--model", model, "-o", tmp_path / "o.csv"),
        "no row could be scored",
    )
    text_rule = tmp_path / "text.yaml"
    text_rule.write_text(
        "name: t\nversion: 1\nrules:\n  - {name: odd, weight: 0.5, when: 'declared_value > \"abc\"',"
        " reason: r}\n",
        encoding="utf-8",
    )
    refused(
        run_cli(
            data_dir,
            "risk",
            "score",
            files["unlabelled"],
            "--model",
            model,
            "-o",
            output,
            "--rules",
            text_rule,
        ),
        "rule 'odd' cannot be evaluated",
    )
    unknown_rule = tmp_path / "unknown.yaml"
    unknown_rule.write_text(
        "name: u\nversion: 1\nrules:\n  - {name: new, weight: 0.5, when: importer_age > 3, reason: r}\n",
        encoding="utf-8",
    )
    refused(
        run_cli(
            data_dir,
            "risk",
            "score",
            files["unlabelled"],
            "--model",
            model,
            "-o",
            output,
            "--rules",
            unknown_rule,
        ),
        "reads importer_age",
    )
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    refused(run_cli(data_dir, "risk", "train", files["train"], "--model", afile), "is a file")


@pytest.mark.shared
@pytest.mark.skipif(
    not (SHARED_CUSTOMS / "declarations_train.csv").is_file(),
    reason="../shared/data/customs is not beside the project",
)
def test_shared_dataset_meets_the_issue_targets_through_the_cli(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    out = ok(
        run_cli(
            tmp_path / "data",
            "risk",
            "train",
            SHARED_CUSTOMS / "declarations_train.csv",
            "--model",
            model_dir,
        )
    )
    assert "37,385 declarations" in out
    output = tmp_path / "scores.csv"
    ok(
        run_cli(
            tmp_path / "data",
            "risk",
            "score",
            SHARED_CUSTOMS / "declarations_valid.csv",
            "--model",
            model_dir,
            "-o",
            output,
        )
    )
    scores = pd.read_csv(output, dtype={"Declaration ID": str})
    truth = pd.read_csv(SHARED_CUSTOMS / "declarations_valid.csv", dtype={"Declaration ID": str})
    merged = scores.merge(truth, on="Declaration ID", validate="one_to_one")
    top = merged.nlargest(round(len(merged) * 0.05), "score")
    assert top["Fraud"].mean() >= 0.97
    critical = merged["Critical Fraud"] == 2
    caught = merged.nlargest(round(len(merged) * 0.05), "critical_score")["Critical Fraud"].eq(2).sum()
    assert caught / critical.sum() >= 0.75
