"""Parquet beside CSV for batch files, read and written through DuckDB so memory stays bounded.

A Parquet input is streamed in chunks of rows with every column as text, so the screening workers read it
exactly as they read a CSV row (same parsing, same errors); a row's "line" is its row number in the file
(1 for the first data row). A Parquet output is written as CSV first, then typed and compressed by DuckDB in
one streaming pass, so the workers and the CSV path stay one code path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cruce.core.errors import InputError
from cruce.core.extras import require

if TYPE_CHECKING:
    import duckdb

PARQUET_SUFFIXES = (".parquet", ".pq")

RawRow = tuple[int, list[str]]
"""One input row as text cells, with its line (CSV) or row number (Parquet)."""


def is_parquet(path: Path | str) -> bool:
    """Parquet by its suffix; everything else is read as CSV."""
    return Path(str(path)).suffix.lower() in PARQUET_SUFFIXES


def connect(threads: int = 1) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB; one thread by default, since the screening workers own the cores."""
    require("batch")
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(threads)}")
    return con


def quote_identifier(name: str) -> str:
    """A column name as a SQL identifier (column names come from user files)."""
    return '"' + name.replace('"', '""') + '"'


def parquet_columns(path: Path) -> list[str]:
    """The column names of a Parquet file; an InputError when it is not one."""
    import duckdb

    con = connect()
    try:
        return list(con.read_parquet(str(path)).columns)
    except duckdb.Error as exc:
        raise InputError(
            "bad_parquet", f"{path} is not a readable Parquet file: {exc}", {"file": str(path)}
        ) from exc
    finally:
        con.close()


def parquet_chunks(path: Path, columns: Sequence[str], size: int) -> Iterator[list[RawRow]]:
    """The file's rows as text cells in `columns` order, `size` rows at a time, with their row numbers."""
    import duckdb

    con = connect()
    try:
        relation = con.read_parquet(str(path))
        text = ", ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in columns)
        relation = relation.project(text)
        relation.execute()
        row = 0
        while True:
            rows = relation.fetchmany(size)
            if not rows:
                break
            chunk: list[RawRow] = []
            for values in rows:
                row += 1
                chunk.append((row, ["" if v is None else str(v) for v in values]))
            yield chunk
    except duckdb.Error as exc:
        raise InputError(
            "bad_parquet", f"{path}: cannot read the Parquet file: {exc}", {"file": str(path)}
        ) from exc
    finally:
        con.close()


def csv_to_parquet(csv_path: Path, parquet_path: Path, types: dict[str, str]) -> None:
    """Convert a CSV written by cruce (header line, `types` per column) to a zstd Parquet file."""
    con = connect(threads=2)
    try:
        relation = con.read_csv(str(csv_path), header=True, dtype=types, quotechar='"', escapechar='"')
        relation.write_parquet(str(parquet_path), compression="zstd")
    finally:
        con.close()
