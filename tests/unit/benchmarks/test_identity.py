"""The benchmark's out-of-core identity check finds one changed cell, one missing row, one duplicated row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from benchmarks.identity import SCORING_NUMBERS, SCREENING_NUMBERS, compare

HEADER = ["query_id", "rank", "entity_id", "score", "alert", "matched_name", "reasons", "matcher"]


def _single(rows: int) -> list[list[str]]:
    """Rows as `cruce screen batch` writes them: scores with four places, empty text as nothing."""
    out = []
    for i in range(rows):
        for rank in (1, 2):
            out.append(
                [f"q{i}", str(rank), f"e{(i * 7 + rank) % 13}", f"{(i % 10) / 10 + rank / 100:.4f}",
                 "true" if i % 3 == 0 else "false", "" if i % 5 == 0 else f"Name, {i}",
                 f"name {i}; date", "cruce-0.80"]
            )  # fmt: skip
    return out


def _as_spark(row: list[str]) -> list[str]:
    """The same row as Spark writes it: a score as the shortest double, an empty string quoted."""
    spark = list(row)
    spark[3] = repr(float(row[3]))
    return spark


def _write(path: Path, rows: list[list[str]], *, quote_empty: bool = False) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        if quote_empty:  # Spark's writer: "\n" line ends, an empty string as ""
            handle.write(",".join(HEADER) + "\n")
        writer = csv.writer(handle)
        if not quote_empty:
            writer.writerow(HEADER)
        for row in rows:
            if quote_empty:
                handle.write(",".join('""' if c == "" else _csv_cell(c) for c in row) + "\n")
            else:
                writer.writerow(row)


def _csv_cell(cell: str) -> str:
    return f'"{cell}"' if ("," in cell or '"' in cell) else cell


def _spark_folder(folder: Path, rows: list[list[str]], parts: int = 3) -> Path:
    """A Spark-style output: the rows shuffled over several `part-*.csv` files, each with the header."""
    folder.mkdir()
    shuffled = rows[1::2] + rows[::2]
    size = -(-len(shuffled) // parts)
    for k in range(parts):
        _write(folder / f"part-{k:05d}-x.csv", [_as_spark(r) for r in shuffled[k * size : (k + 1) * size]],
               quote_empty=True)  # fmt: skip
    (folder / "_SUCCESS").write_text("")
    return folder


@pytest.fixture
def single(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    rows = _single(40)
    path = tmp_path / "single.csv"
    _write(path, rows)
    return path, rows


def test_same_rows_written_differently_are_identical(
    tmp_path: Path, single: tuple[Path, list[list[str]]]
) -> None:
    path, rows = single
    result = compare(path, _spark_folder(tmp_path / "spark.csv", rows), numeric=SCREENING_NUMBERS)
    assert result.identical
    assert (result.expected_rows, result.got_rows, result.differing) == (len(rows), len(rows), 0)
    assert result.columns == tuple(HEADER)


@pytest.mark.parametrize("column", range(len(HEADER)))
def test_one_changed_cell_is_found_in_any_column(
    tmp_path: Path, single: tuple[Path, list[list[str]]], column: int
) -> None:
    path, rows = single
    changed = [list(r) for r in rows]
    changed[17][column] = "0.1235" if HEADER[column] == "score" else changed[17][column] + "x"
    result = compare(path, _spark_folder(tmp_path / "spark.csv", changed), numeric=SCREENING_NUMBERS)
    assert not result.identical
    assert (result.missing, result.extra) == (1, 1)
    assert {e["query_id"] for e in result.examples} <= {rows[17][0], changed[17][0]}
    assert sorted((e["in_expected"], e["in_got"]) for e in result.examples) == [(0, 1), (1, 0)]


def test_a_score_differing_in_the_last_written_place_is_found(
    tmp_path: Path, single: tuple[Path, list[list[str]]]
) -> None:
    path, rows = single
    changed = [list(r) for r in rows]
    changed[3][3] = f"{float(rows[3][3]) + 0.0001:.4f}"
    result = compare(path, _spark_folder(tmp_path / "spark.csv", changed), numeric=SCREENING_NUMBERS)
    assert (result.missing, result.extra) == (1, 1)


def test_one_missing_row_is_found(tmp_path: Path, single: tuple[Path, list[list[str]]]) -> None:
    path, rows = single
    result = compare(
        path, _spark_folder(tmp_path / "spark.csv", rows[:20] + rows[21:]), numeric=SCREENING_NUMBERS
    )
    assert (result.missing, result.extra, result.got_rows) == (1, 0, len(rows) - 1)
    assert result.examples[0]["query_id"] == rows[20][0]
    assert result.examples[0]["rank"] == rows[20][1]


def test_one_duplicated_row_is_found(tmp_path: Path, single: tuple[Path, list[list[str]]]) -> None:
    path, rows = single
    result = compare(path, _spark_folder(tmp_path / "spark.csv", [*rows, rows[5]]), numeric=SCREENING_NUMBERS)
    assert (result.missing, result.extra, result.got_rows) == (0, 1, len(rows) + 1)
    assert (result.examples[0]["in_expected"], result.examples[0]["in_got"]) == (1, 2)


def test_a_duplicate_on_one_side_and_a_missing_row_do_not_cancel(
    tmp_path: Path, single: tuple[Path, list[list[str]]]
) -> None:
    path, rows = single
    got = [*rows[:9], *rows[10:], rows[0]]  # same row count, one row gone and another twice
    result = compare(path, _spark_folder(tmp_path / "spark.csv", got), numeric=SCREENING_NUMBERS)
    assert result.got_rows == result.expected_rows
    assert (result.missing, result.extra) == (1, 1)


def test_a_column_the_expected_output_has_must_exist(
    tmp_path: Path, single: tuple[Path, list[list[str]]]
) -> None:
    path, _ = single
    other = tmp_path / "other.csv"
    other.write_text("query_id,rank\nq0,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no column entity_id"):
        compare(path, other)


def test_scores_are_compared_at_six_places_and_text_exactly(tmp_path: Path) -> None:
    expected = tmp_path / "scores.csv"
    expected.write_text(
        "Declaration ID,score,critical_score,reasons\n1,0.123457,0.5,a; b\n2,1e-06,0.0,\n", encoding="utf-8"
    )
    same = tmp_path / "same"
    same.mkdir()
    (same / "part-0.csv").write_text(
        'Declaration ID,score,critical_score,reasons\n2,1.0E-6,0.0,""\n1,0.123457,0.50,a; b\n',
        encoding="utf-8",
    )
    assert compare(expected, same, numeric=SCORING_NUMBERS).identical
    other = tmp_path / "other"
    other.mkdir()
    (other / "part-0.csv").write_text(
        'Declaration ID,score,critical_score,reasons\n2,1.0E-6,0.0,""\n1,0.123458,0.50,a; b\n',
        encoding="utf-8",
    )
    assert compare(expected, other, numeric=SCORING_NUMBERS).differing == 2
