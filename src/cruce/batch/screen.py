"""Single-machine batch screening with Parquet beside CSV, on the same workers and rows as `screen_file`.

CSV in and out is `cruce.service.screening.screen_file` itself. With a Parquet side, rows are streamed from
the Parquet file in chunks (DuckDB) into the same forked workers and the same row reader, and a Parquet
output is typed from the CSV the workers write: one matcher, one row reader, one output format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

from cruce.batch.files import RawRow, csv_to_parquet, is_parquet, parquet_chunks, parquet_columns
from cruce.core import csvsafe
from cruce.core.errors import InputError
from cruce.matching.matcher import Matcher
from cruce.service.screening import (
    BATCH_MATCHER_COLUMN,
    BATCH_OUTPUT_COLUMNS,
    CHUNK_ROWS,
    BatchReport,
    _check_header,
    _open_input,
    _read_chunks,
    _Workers,
    _write_batch,
    check_batch_paths,
    check_output_paths,
    errors_path,
    publish_batch,
    screen_file,
)

OUTPUT_TYPES = {
    "query_id": "VARCHAR",
    "rank": "INTEGER",
    "entity_id": "VARCHAR",
    "score": "DOUBLE",
    "alert": "BOOLEAN",
    "matched_name": "VARCHAR",
    "reasons": "VARCHAR",
    BATCH_MATCHER_COLUMN: "VARCHAR",
}


def check_table_paths(input_path: Path, output_path: Path) -> list[str]:
    """`check_batch_paths` for CSV or Parquet: the input's lower-cased header, checked, or an InputError."""
    if not is_parquet(input_path):
        return check_batch_paths(input_path, output_path)
    check_output_paths(input_path, output_path)
    return _check_header(iter([parquet_columns(input_path)]), input_path)


def screen_table(
    matcher: Matcher,
    input_path: Path,
    output_path: Path,
    *,
    top: int = 5,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> BatchReport:
    """Screen a CSV or Parquet file into CSV or Parquet (by suffix); bad rows go to `<out>.errors.csv`."""
    if not is_parquet(input_path) and not is_parquet(output_path):
        return screen_file(
            matcher, input_path, output_path, top=top, workers=workers, progress=progress,
            chunk_rows=chunk_rows,
        )  # fmt: skip
    if top < 1:
        raise InputError("bad_top", "--top must be at least 1")
    header = check_table_paths(input_path, output_path)
    part = output_path.with_name(f".{output_path.name}.{os.getpid()}.part.csv")
    typed_part = output_path.with_name(f".{output_path.name}.{os.getpid()}.part")
    errors_part = errors_path(part)
    report = BatchReport(output=output_path, _errors_part=errors_part)
    try:
        with ExitStack() as stack:
            out = stack.enter_context(part.open("w", newline="", encoding="utf-8"))
            csvsafe.writer(out).writerow((*BATCH_OUTPUT_COLUMNS, BATCH_MATCHER_COLUMN))
            chunks: Iterator[list[RawRow]]
            if is_parquet(input_path):
                columns = parquet_columns(input_path)
                chunks = _counted(parquet_chunks(input_path, columns, chunk_rows), report)
            else:
                handle = stack.enter_context(_open_input(input_path))
                chunks = _read_chunks(handle, input_path, report, chunk_rows)
            with _Workers(matcher, workers) as pool:
                _write_batch(
                    pool=pool, chunks=chunks, header=header, top=top, out=out, report=report,
                    progress=progress,
                )  # fmt: skip
        report.close_errors()
        if is_parquet(output_path):
            csv_to_parquet(part, typed_part, OUTPUT_TYPES)
        publish_batch(report, typed_part if is_parquet(output_path) else part, output_path, errors_part)
    finally:
        report.close_errors()
        for leftover in (part, typed_part, errors_part):
            leftover.unlink(missing_ok=True)
    return report


def _counted(chunks: Iterator[list[RawRow]], report: BatchReport) -> Iterator[list[RawRow]]:
    for chunk in chunks:
        report.rows += len(chunk)
        yield chunk
