"""`cruce screen batch` with Parquet and `cruce report` over its output, through the real CLI app."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cruce.cli.main import app

duckdb = pytest.importorskip("duckdb")

WATCHLIST = Path(__file__).resolve().parents[1] / "data" / "core" / "watchlist.ftm.json"
ROWS = """id,name,birth_date,country,time
1,Juan Carlos Hernandez,1975-03-02,MX,2026-11-02 08:10:00
2,Nobody Here,,US,2026-11-02 08:20:00
3,Bad Date,1975-13-01,MX,2026-11-02 09:00:00
4,Juan Carlos Hernández,1975-03-02,mx,2026-11-02 09:30:00
"""


def test_parquet_batch_and_its_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRUCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRUCE_DATABASE_URL", raising=False)
    runner = CliRunner()
    done = runner.invoke(app, ["lists", "import", "--list", "core", str(WATCHLIST)])
    assert done.exit_code == 0, done.output
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    output = tmp_path / "out.parquet"
    done = runner.invoke(app, ["screen", "batch", str(source), "-o", str(output), "--workers", "1"])
    assert done.exit_code == 0, done.output
    assert "Screened 3 queries" in done.output and "2 with an alert" in done.output
    con = duckdb.connect()
    alerts = con.execute(
        "SELECT query_id, entity_id FROM read_parquet(?) WHERE alert ORDER BY query_id", [str(output)]
    ).fetchall()
    con.close()
    assert alerts == [("1", "core:core-1"), ("4", "core:core-1")]
    errors = (tmp_path / "out.parquet.errors.csv").read_text(encoding="utf-8").splitlines()
    assert errors[1].startswith("4,3,")  # line 4 of the input, id 3

    done = runner.invoke(app, ["report", str(output), "--input", str(source)])
    assert done.exit_code == 0, done.output
    assert "3 queries, 2 with an alert, 2 alerts" in done.output
    assert "MX" in done.output and "2026-11-02 08:00" in done.output and "2026-11-02 09:00" in done.output


def test_report_of_a_file_that_is_no_batch_output_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["report", str(other)])
    assert done.exit_code != 0
    assert "neither a screening output" in str(done.exception or done.output)
