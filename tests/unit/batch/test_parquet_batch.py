"""Parquet beside CSV in single-machine batch screening: the same rows, the same answers, the same errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cruce.batch.screen import screen_table
from cruce.core.errors import InputError
from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.service.screening import screen_file

duckdb = pytest.importorskip("duckdb")

ROWS = """id,name,schema,birth_date,country,gender,documents,time
1,"HERNANDEZ LOPEZ, Juan Carlos",person,1975-03-02,MX,,,2026-11-02 08:15:00
2,Pepe Amezcua,,1964-07-31,,m,,2026-11-02 08:40:00
3,Bad Date,,1964-13-45,,,,2026-11-02 09:00:00
4,Bad Country,,,Narnia,,,2026-11-02 09:10:00
5,Transportes Guzman,organization,,MX,,,2026-11-02 09:20:00
6,Nobody Known,,,US,,,2026-11-02 10:05:00
7,Juan Carlos Hernandez,person,,mx,,,2026-11-02 10:30:00
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(
        [
            Entity("t:1", Schema.PERSON, (Name("HERNANDEZ LOPEZ, Juan Carlos"),), "t", "1"),
            Entity("t:2", Schema.PERSON, (Name("AMEZCUA CONTRERAS, Jose de Jesus"),), "t", "2"),
            Entity("u:3", Schema.ORGANIZATION, (Name("TRANSPORTES GUZMAN S.A. DE C.V."),), "u", "3"),
        ]
    )


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def _to_parquet(csv_path: Path, parquet_path: Path) -> None:
    con = duckdb.connect()
    con.read_csv(str(csv_path), header=True, all_varchar=True).write_parquet(str(parquet_path))
    con.close()


def _rows(path: Path) -> list[tuple[str, ...]]:
    """Any batch output as text rows, so CSV and Parquet outputs compare cell by cell."""
    con = duckdb.connect()
    relation = con.read_parquet(str(path)) if path.suffix == ".parquet" else con.read_csv(str(path))
    rows = relation.fetchall()
    con.close()
    return [tuple(_text(v) for v in row) for row in rows]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def test_parquet_output_holds_the_csv_answers_typed(matcher: Matcher, source: Path, tmp_path: Path) -> None:
    plain = tmp_path / "out.csv"
    screen_file(matcher, source, plain, workers=1)
    typed = tmp_path / "out.parquet"
    report = screen_table(matcher, source, typed, workers=2, chunk_rows=2)
    assert (report.rows, report.queries, report.rejected) == (7, 5, 2)
    assert _rows(typed) == _rows(plain)
    con = duckdb.connect()
    types = dict(con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(typed)]).fetchall()[i][:2]
                 for i in range(8))  # fmt: skip
    con.close()
    assert (types["rank"], types["score"], types["alert"]) == ("INTEGER", "DOUBLE", "BOOLEAN")
    errors = list(csv.reader(report.errors_file.open(encoding="utf-8")))  # type: ignore[union-attr]
    assert [row[:2] for row in errors[1:]] == [["4", "3"], ["5", "4"]]  # CSV lines of the bad rows


def test_parquet_input_gives_the_csv_answers_and_row_numbers(
    matcher: Matcher, source: Path, tmp_path: Path
) -> None:
    parquet_in = tmp_path / "in.parquet"
    _to_parquet(source, parquet_in)
    plain = tmp_path / "plain.csv"
    screen_file(matcher, source, plain, workers=1)
    out = tmp_path / "from-parquet.csv"
    report = screen_table(matcher, parquet_in, out, workers=1)
    assert _rows(out) == _rows(plain)
    alerted = {row[0] for row in _rows(out) if row[4] == "true"}
    assert alerted == {"1", "5", "7"}  # not a vacuous comparison: the listed parties are found
    errors = list(csv.reader(report.errors_file.open(encoding="utf-8")))  # type: ignore[union-attr]
    assert [row[:2] for row in errors[1:]] == [["3", "3"], ["4", "4"]]  # Parquet rows 3 and 4 (1-based)
    assert "Narnia" in errors[2][2]


def test_a_parquet_input_without_a_name_column_is_refused(matcher: Matcher, tmp_path: Path) -> None:
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("id,full_name\n1,Juan\n", encoding="utf-8")
    bad = tmp_path / "bad.parquet"
    _to_parquet(bad_csv, bad)
    with pytest.raises(InputError, match="missing column"):
        screen_table(matcher, bad, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_a_file_that_is_not_parquet_is_a_clear_error(matcher: Matcher, tmp_path: Path) -> None:
    fake = tmp_path / "in.parquet"
    fake.write_text("id,name\n1,Juan\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        screen_table(matcher, fake, tmp_path / "out.csv")
