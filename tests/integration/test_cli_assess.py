"""`cruce assess`: the shipped example end to end, bad input as one red line, and the outbreak detector."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from cli_fixtures import run_cli

from cruce.assess.detect import simulate_counts


def test_example_assessment_writes_report_and_csv(tmp_path: Path) -> None:
    report, table = tmp_path / "risk.html", tmp_path / "risk.csv"
    result = run_cli(tmp_path / "data", "assess", "run", "--example", "--samples", "2000", "--workers", "1",
                     "--report", str(report), "--csv", str(table))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Most critical assets" in result.stdout and "avoided per USD" in result.stdout
    assert (
        report.read_text().count("data:image/png;base64,") >= 3
    )  # scenarios, assets, tornado (+ mitigations)
    rows = list(csv.DictReader(table.open()))
    kinds = {row["row"] for row in rows}
    assert kinds == {"scenario", "asset", "mitigation"}


def test_dependency_cycle_is_one_red_line_with_exit_2(tmp_path: Path) -> None:
    assets = tmp_path / "assets.csv"
    assets.write_text(
        "asset_id,kind,owner_country,latitude,longitude\na,telecom,USA,32,-117\nb,substation,USA,32,-117\n"
    )
    deps = tmp_path / "deps.csv"
    deps.write_text("dependent,provider\na,b\nb,a\n")
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text("scenarios:\n  - {id: x, threat: 1, vulnerability: 0.5, outage_hours: 5}\n")
    result = run_cli(
        tmp_path / "data", "assess", "run", str(assets), "--deps", str(deps), "--scenarios", str(scenarios)
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "dependency cycle: a -> b -> a" in result.stderr or "b -> a -> b" in result.stderr
    scenarios.write_text(
        "scenarios:\n  - {id: x, threat: 1, vulnerability: {pert: [0.9, 0.5, 0.1]}, outage_hours: 5}\n"
    )
    deps.write_text("dependent,provider\na,b\n")
    result = run_cli(
        tmp_path / "data", "assess", "run", str(assets), "--deps", str(deps), "--scenarios", str(scenarios)
    )
    assert result.returncode == 2
    assert "scenarios[1] (x).vulnerability: pert min 0.9 is greater than max 0.1" in result.stderr


def test_detect_reports_alerts_after_a_planted_outbreak(tmp_path: Path) -> None:
    planted = simulate_counts(
        np.random.default_rng(4), ports=2, days=120, baseline=15, factor=3.0, changed_share=1
    )
    path = tmp_path / "counts.csv"
    with path.open("w") as handle:
        handle.write("date,port,cases\n")
        for p, name in enumerate(("Laredo", "Nogales")):
            for day in range(120):
                date = np.datetime64("2026-01-01") + day
                handle.write(f"{date},{name},{int(planted.counts[p, day])}\n")
    result = run_cli(tmp_path / "data", "assess", "detect", str(path))
    assert result.returncode == 0, result.stderr
    alerts = [line.split(",") for line in result.stdout.splitlines()[2:]]
    for p, name in enumerate(("Laredo", "Nogales")):
        change = np.datetime64("2026-01-01") + int(planted.change_day[p])
        delays = [(np.datetime64(date) - change).astype(int) for port, date, *_ in alerts if port == name]
        assert any(0 <= delay <= 7 for delay in delays), (name, change, delays)  # found within a week
