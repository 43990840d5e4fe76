"""The identity check of issue 19, out of core: two CSV outputs compared row for row in DuckDB.

`compare(expected, got)` reads the single-machine output (one CSV file, or a folder of `part-*.csv`) and
another engine's output (a Spark folder of `part-*.csv`), takes every column the expected output has (by
name, as text), and counts the rows of each side as a multiset: a row is in both as often in one as in
the other, or it differs. This is `EXCEPT ALL` both ways, done as one count grouped by a 64-bit hash of the
whole (normalised) row: grouped by the columns themselves, 10,000,000 screened queries (20 million rows a
side) needed 4.5 GB, since DuckDB does not spill that aggregate well; by the hash the groups are 16 bytes.
Two different rows sharing a hash would pass for one (about 3 in a million for 10 million distinct rows).
No row is read into Python, except a few differing rows as examples, found in a second pass by column.

Only the writing of numbers is normalised (`numeric`): the single machine writes a screening score as
`0.9000`, Spark as `0.9`; the values are compared as numbers rounded to the places the single machine
writes. Missing cells and empty text are the same (Spark writes an empty string as `""`, pandas as
nothing). Everything else is compared exactly.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCREENING_NUMBERS = {"score": 4}
"""A screening output's numeric columns and the decimal places `cruce screen batch` writes."""
SCORING_NUMBERS = {"score": 6, "critical_score": 6}
"""A scoring output's numeric columns and the decimal places `cruce risk score` writes."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """Rows on each side, rows of `expected` missing from `got` and rows of `got` not in `expected`
    (each counted as often as it is missing or extra), and a few of them as examples."""

    expected_rows: int
    got_rows: int
    missing: int
    extra: int
    columns: tuple[str, ...]
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.missing == 0 and self.extra == 0

    @property
    def differing(self) -> int:
        return self.missing + self.extra


def _files(path: Path) -> list[str]:
    files = sorted(path.glob("part-*.csv")) if path.is_dir() else [path]
    return [str(f) for f in files]


def _header(path: Path) -> list[str]:
    import csv

    first = _files(path)
    if not first:
        raise ValueError(f"{path}: no CSV part files")
    with open(first[0], encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(path: Path, header: list[str]) -> str:
    files = "[" + ", ".join(_literal(f) for f in _files(path)) + "]"
    types = "{" + ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in header) + "}"
    return (
        f"read_csv({files}, header = true, quote = '\"', escape = '\"', delim = ',', "
        f"auto_detect = false, columns = {types})"
    )


def _normalised(columns: list[str], numeric: Mapping[str, int]) -> str:
    out = []
    for c in columns:
        if c in numeric:
            number = f"TRY_CAST({_quote(c)} AS DOUBLE)"
            rounded = f"CAST(round({number}, {int(numeric[c])}) AS VARCHAR)"
            text = f"'text:' || coalesce({_quote(c)}, '')"  # not a number: compared as it is written
            out.append(f"CASE WHEN {number} IS NULL THEN {text} ELSE {rounded} END AS {_quote(c)}")
        else:
            out.append(f"coalesce({_quote(c)}, '') AS {_quote(c)}")
    return ", ".join(out)


def compare(
    expected: Path,
    got: Path,
    *,
    numeric: Mapping[str, int] | None = None,
    examples: int = 5,
    memory_limit: str = "512MB",
    threads: int = 1,
    spill_dir: Path | None = None,
) -> Comparison:
    """Every row and every column of `expected` against `got` (CSV file or `part-*.csv` folder each)."""
    import duckdb

    numeric = dict(numeric or {})
    columns = _header(expected)
    got_header = _header(got)
    absent = [c for c in columns if c not in got_header]
    if absent:
        raise ValueError(f"{got}: no column {', '.join(absent)} (it has {', '.join(got_header)})")
    work = Path(tempfile.mkdtemp(prefix="cruce-compare-", dir=spill_dir))
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET temp_directory = {_literal(str(work / 'spill'))}")
        con.execute("SET preserve_insertion_order = false")
        picked = _normalised(columns, numeric)
        keys = ", ".join(_quote(c) for c in columns)

        def side(source: str, expected_side: int) -> str:
            return (
                f"SELECT *, hash({keys}) AS __h, {expected_side} AS __a, {1 - expected_side} AS __b "
                f"FROM (SELECT {picked} FROM {source})"
            )

        both = f"{side(_source(expected, columns), 1)} UNION ALL {side(_source(got, got_header), 0)}"
        by_hash = (
            "SELECT __h, sum(__a) AS __in_a, sum(__b) AS __in_b "
            f"FROM (SELECT __h, __a, __b FROM ({both})) GROUP BY __h"
        )
        # one pass: the grouped counts stream into the totals (nothing the size of the outputs is stored)
        totals = con.execute(
            "SELECT coalesce(sum(__in_a), 0), coalesce(sum(__in_b), 0), "
            "coalesce(sum(greatest(__in_a - __in_b, 0)), 0), coalesce(sum(greatest(__in_b - __in_a, 0)), 0) "
            f"FROM ({by_hash})"
        ).fetchone()
        assert totals is not None
        rows: list[Any] = []
        if totals[2] or totals[3]:  # a second pass for the examples, only when something differs
            differing = f"SELECT __h FROM ({by_hash}) WHERE __in_a <> __in_b"
            rows = con.execute(
                f"SELECT {keys}, sum(__a) AS __in_a, sum(__b) AS __in_b FROM ({both}) "
                f"WHERE __h IN ({differing}) GROUP BY {keys} HAVING sum(__a) <> sum(__b) "
                f"ORDER BY {keys} LIMIT {int(examples)}"
            ).fetchall()
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)
    shown = [
        {**dict(zip(columns, row[:-2], strict=True)), "in_expected": int(row[-2]), "in_got": int(row[-1])}
        for row in rows
    ]
    return Comparison(int(totals[0]), int(totals[1]), int(totals[2]), int(totals[3]), tuple(columns), shown)
