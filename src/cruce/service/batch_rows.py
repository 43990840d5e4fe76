"""The rows of a batch-screening CSV, read one way for every door: `cruce screen batch` and the API's jobs.

The header needs `id` and `name` (columns are matched case-insensitively, unknown ones ignored); blank lines
are not rows; a row with more values than the header has columns, or a value that does not read (a bad date,
country, gender or document), is an InputError for that row alone, which the caller lists by its line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import Any

from cruce.core.errors import InputError
from cruce.matching.types import Query
from cruce.service.queries import make_query

BATCH_INPUT_COLUMNS = ("id", "name", "schema", "birth_date", "country", "gender", "documents")
REQUIRED_INPUT_COLUMNS = ("id", "name")

Row = tuple[int, list[str]]
"""An input row as read, with its line number."""


def _where(source: str | None) -> tuple[str, dict[str, Any]]:
    return (f"{source}: ", {"file": source}) if source else ("", {})


def read_header(reader: Iterator[list[str]], source: str | None = None) -> list[str]:
    """The file's header, lower-cased, once it is known to name the required columns.

    `source` (a path) prefixes every message; `reader` is a `csv.reader` whose decoding errors are the
    caller's to report.
    """
    where, details = _where(source)
    try:
        raw = next(reader, None)
    except csv.Error as exc:
        raise InputError("bad_csv", f"{where}line 1: {exc}", details) from exc
    expected = ",".join(BATCH_INPUT_COLUMNS)
    if not raw or not any(cell.strip() for cell in raw):
        raise InputError(
            "empty_input", f"{source or 'the file'} is empty; expected a header line {expected}", details
        )
    header = [cell.strip().lower() for cell in raw]
    missing = [c for c in REQUIRED_INPUT_COLUMNS if c not in header]
    if missing:
        raise InputError(
            "missing_column",
            f"{where}missing column(s) {', '.join(missing)} in the header ({', '.join(raw)}); "
            f"expected {expected} (all but id and name optional)",
            {**details, "missing": missing},
        )
    return header


def read_rows(reader: Any, source: str | None = None) -> Iterator[Row]:
    """The non-blank rows after the header with their line numbers; a CSV error names its line."""
    where, details = _where(source)
    while True:
        try:
            raw = next(reader, None)
        except csv.Error as exc:
            line = reader.line_num
            raise InputError("bad_csv", f"{where}line {line}: {exc}", {**details, "line": line}) from exc
        if raw is None:
            return
        if any(cell.strip() for cell in raw):  # a blank line is not a row
            yield reader.line_num, raw


def row_query(header: Sequence[str], raw: list[str]) -> Query:
    """The query of one input row; an InputError says why the row cannot be screened."""
    if len(raw) > len(header):
        raise InputError("bad_row", f"{len(raw)} values but the header has {len(header)} columns")
    row = dict(zip(header, raw, strict=False))
    return make_query(
        row.get("name", ""),
        schema=row.get("schema") or None,
        birth_date=row.get("birth_date") or None,
        country=row.get("country") or None,
        query_id=row.get("id", "").strip(),
        gender=row.get("gender") or None,
        documents=row.get("documents") or None,
    )


def row_id(header: Sequence[str], raw: list[str]) -> str:
    """The row's id as given (for the list of rows that could not be screened)."""
    return dict(zip(header, raw, strict=False)).get("id", "").strip()
