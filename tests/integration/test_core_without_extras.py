"""A screening-only node (`pip install cruce`, no extras) imports and runs; a command that needs an extra
says which one, exits 2 and prints no traceback. The packages of every extra are blocked at import
(tests/without_extras.py); CI also proves it in a real venv without them (.ci/core-smoke)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_fixtures import cli_env

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "without_extras.py"
WATCHLIST = ROOT / "tests" / "data" / "core" / "watchlist.ftm.json"


def _bare(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUNNER), *args], env=cli_env(data_dir, **env), cwd=ROOT,
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def test_the_blocker_blocks(tmp_path: Path) -> None:
    done = _bare(tmp_path, "-c", "import pandas")
    assert done.returncode == 1
    assert "blocked: no extras" in done.stderr


def test_core_imports_and_screens_without_extras(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _bare(data, "-c", "import cruce.api.app, cruce.cli.main, cruce.web.routes").returncode == 0
    assert _bare(data, "cruce", "--help").returncode == 0
    done = _bare(data, "cruce", "lists", "import", "--list", "core", str(WATCHLIST))
    assert done.returncode == 0, done.stderr
    done = _bare(data, "cruce", "screen", "Juan Carlos Hernandez", "--dob", "1975-03-02")
    assert done.returncode == 0, done.stderr
    assert "ALERT core:core-1" in done.stdout
    flagged = _bare(data, "cruce", "screen", "Juan Carlos Hernandez", "--document", "curp:RAPF700505HSLMRR09")
    assert flagged.returncode == 0, flagged.stderr
    assert "curp RAPF700505HSLMRR09: its check digit is wrong" in flagged.stderr


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (("risk", "train", "x.csv", "--model", "m"), "risk"),
        (("risk", "backtest", "x.csv", "--model", "m"), "risk"),
        (("demo",), "synthetic"),
        (("simulate", "--port", "San Ysidro"), "risk"),
        (("assess", "detect", "x.csv"), "assess"),
        (("screen", "batch", "x.csv", "-o", "y.csv", "--engine", "spark"), "spark"),
        (("risk", "score", "x.csv", "-o", "y.csv", "--model", "m", "--engine", "spark"), "risk"),
        (("screen", "batch", "x.parquet", "-o", "y.csv"), "batch"),
        (("report", "y.csv"), "batch"),
    ],
)
def test_a_command_that_needs_an_extra_names_it(tmp_path: Path, args: tuple[str, ...], extra: str) -> None:
    done = _bare(tmp_path / "data", "cruce", *args)
    assert done.returncode == 2, done.stderr
    assert f"this needs the {extra} extra: pip install 'cruce[{extra}]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_postgresql_url_needs_the_postgres_extra(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    done = _bare(tmp_path / "data", "cruce", "lists", "ls", CRUCE_DATABASE_URL=url)
    assert done.returncode == 2
    assert "pip install 'cruce[postgres]'" in done.stderr
