"""`cruce simulate` run as a user runs it: a new process, a small port day, and a mistyped port name."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from cli_fixtures import run_cli

LANE_ROW = (
    r"^\s+(pedestrian|passenger vehicle|bus|commercial truck|all)\s+([\d,]+)\s+[\d,]+"
    r"\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s*$"
)
"""A row of the lanes table: mode, crossings, expected, expedited, primary, secondary."""


def test_simulate_says_synthetic_counts_add_up_and_logs_every_crossing(tmp_path: Path) -> None:
    out = tmp_path / "crossings.csv"
    args = ("simulate", "--port", "Otay Mesa", "--scale", "0.02", "--seed", "3", "--workers", "1")
    result = run_cli(tmp_path / "data", *args, "--output", out)
    text = result.stdout
    assert result.returncode == 0, text + result.stderr
    assert "ALL DATA IS SYNTHETIC" in text and "synthetic data" in text
    assert "Otay Mesa, California" in text and "scale 0.02" in text
    rows = {m.group(1): [int(n.replace(",", "")) for n in m.groups()[1:]]
            for m in re.finditer(LANE_ROW, text, re.MULTILINE)}  # fmt: skip
    assert {"passenger vehicle", "commercial truck", "all"} <= set(rows), text
    for name, (crossings, expedited, primary, secondary) in rows.items():
        assert crossings == expedited + primary + secondary, name
    modes = [v for k, v in rows.items() if k != "all"]
    assert rows["all"][0] == sum(v[0] for v in modes)
    assert "Secondary inspections per hour" in text and "inverse-propensity" in text
    fairness = text.split("by nationality of the first traveler")[1].split("How lanes explain")[0]
    groups = re.findall(r"^\s+(\(other\)|[A-Z]{2})\s+([\d,]+)\s+([\d,]+)\s", fairness, re.MULTILINE)
    assert sum(int(n.replace(",", "")) for _, n, _ in groups) == rows["all"][0]  # every crossing in one group
    assert sum(int(n.replace(",", "")) for _, _, n in groups) == rows["all"][3]  # every secondary counted
    programs = " ".join(text.split("memberships looked up at the booth")[1].split())
    members = int(re.search(r"memberships enrolled ([\d,]+)", programs).group(1).replace(",", ""))  # type: ignore[union-attr]
    share = re.search(r"expedited \(share of crossings\) ([\d,]+) \(", programs)
    assert members > 0 and share is not None, programs
    assert int(share.group(1).replace(",", "")) == rows["all"][1]  # the lanes table's expedited, looked up
    assert "contraband expedited (truth)" in programs and "inspections saved" in programs

    with out.open(encoding="utf-8", newline="") as handle:
        logged = list(csv.DictReader(handle))
    assert len(logged) == rows["all"][0]
    lanes = {row["lane"] for row in logged}
    assert lanes <= {"expedited", "primary", "secondary"} and "secondary" in lanes
    for row in logged:
        assert 0.0 < float(row["selection_probability"]) <= 1.0
        assert row["reasons"]

    again = run_cli(tmp_path / "data", *args)  # same seed, same day (timings aside)
    assert again.stdout.split("Timings:")[0] == text.split("Timings:")[0]


def test_unknown_port_exits_2_with_the_close_names_and_no_traceback(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "data", "simulate", "--port", "San Isidro")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("error: unknown port 'San Isidro'; did you mean San Ysidro")
    assert result.stdout == ""


def test_bad_date_exits_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "data", "simulate", "--port", "Laredo", "--date", "2025-13-01")
    assert result.returncode == 2 and "error: --date '2025-13-01' is not a date" in result.stderr


COMPARISON_ROW = (
    r"^\s+(rules only|rules \+ model)\s+([\d,]+) \((\d+)/(\d+)/(\d+)\)\s+([\d,]+) \((\d+)/(\d+)/(\d+)\)"
    r"\s+([\d,]+) of ([\d,]+)\s"
)
"""A row of the comparison table: secondary (alert/targeted/audit), found (same), released of total."""


def test_learn_days_compares_rules_only_with_rules_and_model_on_the_same_day(tmp_path: Path) -> None:
    # Seed 5: the two earlier days' inspections find 3 (most tiny days find fewer, and no model is trained).
    args = ("simulate", "--port", "San Ysidro", "--scale", "0.02", "--seed", "5", "--workers", "1")
    result = run_cli(tmp_path / "data", *args, "--learn-days", "2")
    text = result.stdout
    assert result.returncode == 0, text + result.stderr
    assert "Learned crossing model: 2 earlier day(s) (2025-06-02..2025-06-03)" in " ".join(text.split())
    assert "rules only vs rules + model" in text
    rows = {m.group(1): [int(n.replace(",", "")) for n in m.groups()[1:]]
            for m in re.finditer(COMPARISON_ROW, text, re.MULTILINE)}  # fmt: skip
    assert set(rows) == {"rules only", "rules + model"}, text
    lanes = {m.group(1): [int(n.replace(",", "")) for n in m.groups()[1:]]
             for m in re.finditer(LANE_ROW, text, re.MULTILINE)}  # fmt: skip
    for (
        secondary,
        alerts,
        targeted,
        audits,
        found,
        f_alert,
        f_targeted,
        f_audit,
        released,
        total,
    ) in rows.values():
        assert secondary == alerts + targeted + audits and found == f_alert + f_targeted + f_audit
        assert found <= secondary and found + released == total
    assert rows["rules only"][1] == rows["rules + model"][1]  # alerts go to secondary whatever the model says
    assert rows["rules only"][-1] == rows["rules + model"][-1]  # the same traffic, so the same contraband
    assert lanes["all"][3] == rows["rules + model"][0]  # the day shown is the one the model routed
    assert "No model:" not in text and "model: " in text  # a model reason explains a lane decision
