"""Spark on `local[2]` gives the single-machine answers: candidates, scores, alerts, reasons, bad rows.

One SparkSession for the module (starting the JVM is the slow part); small samples, so the whole module
stays within a couple of minutes in CI. The 100,000-query identity check runs in the benchmark
(`python -m benchmarks spark --rows 100000`), which compares every output row the same way.
Skips without pyspark or Java, unless CRUCE_REQUIRE_SPARK=1 (set by CI), where it fails instead.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cruce.service.screening import build_matcher, screen_file

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

CI_ROWS = 2000
BAD_EVERY = 250


def _spark_or_skip() -> Any:
    reason = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed (pip install 'cruce[spark]')"
    if reason is None and shutil.which("java") is None:
        reason = "no Java runtime (apt-get install default-jre-headless)"
    if reason is not None:
        if os.environ.get("CRUCE_REQUIRE_SPARK") == "1":
            pytest.fail(f"{reason} (CRUCE_REQUIRE_SPARK=1 forbids skipping)", pytrace=False)
        pytest.skip(reason)
    from cruce.engines import spark as engine

    return engine


@pytest.fixture(scope="module")
def engine() -> Any:
    return _spark_or_skip()


@pytest.fixture(scope="module")
def spark(engine: Any) -> Iterator[Any]:
    session = engine.session("local[2]", {"spark.default.parallelism": "4"})
    yield session


@pytest.fixture(scope="module")
def lists() -> list[Any]:
    from benchmarks.batchdata import watchlist

    return watchlist(seed=7, size=600)


@pytest.fixture(scope="module")
def queries(lists: list[Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    from benchmarks.batchdata import query_pool, write_queries

    path = tmp_path_factory.mktemp("spark-in") / "queries.csv"
    bad = write_queries(
        path, query_pool(lists, seed=7, distinct=800), CI_ROWS, bad_every=BAD_EVERY, blank_every=700
    )
    return path, bad


def _csv_rows(path: Path) -> list[dict[str, str]]:
    files = sorted(path.glob("part-*.csv")) if path.is_dir() else [path]
    rows: list[dict[str, str]] = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def _candidates(rows: list[dict[str, Any]]) -> list[tuple[str, int, str, float, bool, str, str, str]]:
    """Output rows in a comparable form: (query, rank, entity, score, alert, name, reasons, matcher)."""
    out = []
    for row in rows:
        alert = row["alert"]
        out.append(
            (
                str(row["query_id"]),
                int(row["rank"]),
                row["entity_id"] or "",
                round(float(row["score"]), 4),
                alert is True or str(alert).lower() == "true",
                row["matched_name"] or "",
                row["reasons"] or "",
                row["matcher"],
            )
        )
    return sorted(out)


def test_spark_screening_gives_the_single_machine_answers(
    engine: Any, spark: Any, lists: list[Any], queries: tuple[Path, int], tmp_path: Path
) -> None:
    source, bad = queries
    single = tmp_path / "single.csv"
    local = screen_file(build_matcher(lists, 0.8), source, single, workers=1)
    output = tmp_path / "spark.csv"
    report = engine.screen(spark, lists, [source], output, threshold=0.8, top=5)

    expected = _candidates(_csv_rows(single))
    got = _candidates(_csv_rows(output))
    assert got == expected  # same top-5 candidates, scores, alerts, names and reasons, row for row
    assert sum(1 for row in expected if row[4]) > 20  # the sample holds real alerts, not only empty rows
    assert (report.queries, report.rejected, report.alerts) == (local.queries, local.rejected, local.alerts)
    assert report.queries_with_alert == local.queries_with_alert
    assert report.rejected == bad == CI_ROWS // BAD_EVERY

    # Bad rows: counted, listed with their file and line, never dropped, never fatal.
    errors = _csv_rows(Path(engine.errors_output(output)))
    local_errors = _csv_rows(local.errors_file)  # type: ignore[arg-type]
    assert [(e["line"], e["id"], e["error"]) for e in errors] == [
        (e["line"], e["id"], e["error"]) for e in local_errors
    ]
    assert {e["file"] for e in errors} == {str(source.resolve())}
    assert report.index_build_s > 0 and report.worker_peak_rss_mb > 0


def test_spark_reads_parquet_and_many_files_with_the_same_answers(
    engine: Any, spark: Any, lists: list[Any], queries: tuple[Path, int], tmp_path: Path
) -> None:
    duckdb = pytest.importorskip("duckdb")
    source, _ = queries
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], [line for line in lines[1:] if line.strip()][:600]
    part_a, part_b = tmp_path / "a.csv", tmp_path / "b.csv"
    part_a.write_text(header + "".join(body[:300]), encoding="utf-8")
    part_b.write_text(header + "".join(body[300:]), encoding="utf-8")
    from_csv = tmp_path / "from-csv.parquet"
    engine.screen(spark, lists, [part_a, part_b], from_csv, threshold=0.8)

    parquet_in = tmp_path / "in.parquet"
    con = duckdb.connect()
    con.sql(
        "SELECT * FROM read_csv(?, header = true, all_varchar = true, null_padding = true, "
        "strict_mode = false)",
        params=[str(part_a)],
    ).write_parquet(str(parquet_in))
    con.close()
    from_parquet = tmp_path / "from-parquet.csv"
    report = engine.screen(spark, lists, [parquet_in], from_parquet, threshold=0.8)

    both = engine.read_output(spark, from_csv).to_dict("records")
    only_a = {row[0] for row in _candidates(_csv_rows(from_parquet))}
    assert _candidates(_csv_rows(from_parquet)) == [r for r in _candidates(both) if r[0] in only_a]
    assert len({r[0] for r in _candidates(both)}) + report.rejected > len(only_a)  # b's rows are there too
    if report.rejected:  # a planted bad row in part a: listed with its Parquet row number
        errors = _csv_rows(Path(engine.errors_output(from_parquet)))
        assert all(e["file"].endswith("in.parquet") and int(e["line"]) >= 1 for e in errors)


def test_spark_risk_scoring_gives_the_single_machine_scores(engine: Any, spark: Any, tmp_path: Path) -> None:
    from cruce.service.risk import score_file, train_model
    from cruce.synthetic.declarations import generate_declarations

    data = generate_declarations(3000, seed=11, days=400)
    train = data[data["Date"] < "2026-01-01"]
    later = data[data["Date"] >= "2026-01-01"].drop(columns=["Fraud", "Critical Fraud"])
    train_path, later_path = tmp_path / "train.csv", tmp_path / "later.csv"
    train.to_csv(train_path, index=False)
    text = later.to_csv(index=False).splitlines()
    text.insert(5, text[5].replace(text[5].split(",")[0], "BAD-1", 1).replace(",2026-", ",not-a-date-", 1))
    later_path.write_text("\n".join(text) + "\n", encoding="utf-8")
    model = tmp_path / "model"
    train_model(train_path, model)

    single = tmp_path / "single.csv"
    local = score_file(model, later_path, single)
    output = tmp_path / "spark.csv"
    report = engine.score(spark, model, [later_path], output)

    def keyed(rows: list[dict[str, str]]) -> dict[str, tuple[float, float, str]]:
        return {
            r["Declaration ID"]: (float(r["score"]), float(r["critical_score"]), r["reasons"] or "")
            for r in rows
        }

    expected, got = keyed(_csv_rows(single)), keyed(_csv_rows(output))
    assert got.keys() == expected.keys() and len(got) == local.rows == report.rows
    for key, (score, critical, reasons) in expected.items():
        assert got[key][0] == pytest.approx(score, abs=1e-6)
        assert got[key][1] == pytest.approx(critical, abs=1e-6)
        assert got[key][2] == reasons
    assert any(r for _, _, r in expected.values())  # reasons were compared, not only empty strings
    assert report.errors == local.errors >= 1 and report.alerts == local.alerts
    errors = _csv_rows(Path(engine.errors_output(output)))
    assert {int(e["line"]) for e in errors} == {6}  # the planted row, by its line in the source file
    assert all(e["file"] == str(later_path.resolve()) for e in errors)


def test_cli_screen_batch_engine_spark(engine: Any, spark: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from cruce.cli.main import app

    monkeypatch.setenv("CRUCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRUCE_DATABASE_URL", raising=False)
    runner = CliRunner()
    watchlist = Path(__file__).resolve().parents[1] / "data" / "core" / "watchlist.ftm.json"
    done = runner.invoke(app, ["lists", "import", "--list", "core", str(watchlist)])
    assert done.exit_code == 0, done.output
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,birth_date\n1,Juan Carlos Hernandez,1975-03-02\n2,Nobody Here,\n3,Bad Date,1975-13-01\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.parquet"
    done = runner.invoke(app, ["screen", "batch", str(source), "-o", str(output), "--engine", "spark"])
    assert done.exit_code == 0, done.output
    assert "on Spark (local[2]" in done.output and "1 with an alert" in done.output
    rows = engine.read_output(spark, output)
    assert set(rows.loc[rows["alert"], "entity_id"]) == {"core:core-1"}
    errors = _csv_rows(Path(engine.errors_output(output)))
    assert [(e["line"], e["id"]) for e in errors] == [("4", "3")]
    done = runner.invoke(app, ["report", str(output), "--input", str(source)])
    assert done.exit_code == 0, done.output
    assert "2 queries, 1 with an alert" in done.output and "core" in done.output


def test_a_large_input_is_read_in_bounded_splits_with_every_line_numbered(
    engine: Any, spark: Any, tmp_path: Path
) -> None:
    """A 40 MB file asked for in one partition still comes in splits of at most 32 MB (a task's memory
    stays bounded whatever the input's size), and every line keeps its number across the splits."""
    lines = 1_000_000
    source = tmp_path / "big.csv"
    with source.open("w", encoding="utf-8") as handle:
        handle.write("id,name\n")
        handle.writelines(f"{n},PERSON NUMBER {n:020d}\n" for n in range(lines))
    assert source.stat().st_size > 32 * 2**20
    with engine._job_conf(spark, 1, 2000):
        read = engine.read_input(spark, [source], 1)
        splits = read.frame.rdd.getNumPartitions()
        counts = read.frame.selectExpr("count(*)", "count(DISTINCT line)", "min(line)", "max(line)").first()
        wrong = read.frame.filter("line != cast(split(text, ',')[0] AS long) + 2").count()
    assert splits >= 2
    assert tuple(counts) == (lines, lines, 2, lines + 1)  # the header is line 1
    assert wrong == 0
