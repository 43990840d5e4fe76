"""Screening use cases: one party at a booth, or a whole file of parties in batch.

Batch screening streams: rows are read and turned into queries in the parent, screened in chunks on worker
processes that inherit the already-built matcher (fork: no rebuild, no pickling of the index), and written
in input order. At most a small window of chunks is in flight, so memory stays bounded however long the
file is, and workers never wait for each other (there is no barrier between windows). Workers send back
finished CSV rows, not `Match` objects, because unpickling whole entities in the parent cost more than
formatting them in the workers.

The output appears all at once: it is written to a temporary file beside the target and renamed at the
end, so a failed run leaves no half-written candidates file and no stale `<out>.errors.csv` behind.
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO, TypeVar

from cruce.core import csvsafe
from cruce.core.errors import InputError
from cruce.core.model import Entity
from cruce.matching.matcher import Matcher, tune_gc_for_screening
from cruce.matching.scorer import CruceScorer
from cruce.matching.types import Feature, Match, Query
from cruce.service.batch_rows import read_header, read_rows, row_query
from cruce.service.batch_rows import row_id as id_of_row

BATCH_OUTPUT_COLUMNS = ("query_id", "rank", "entity_id", "score", "alert", "matched_name", "reasons")
BATCH_MATCHER_COLUMN = "matcher"
"""Last column of a batch file: the scorer's name, version and threshold (`cruce-names 2.0 @0.80`)."""
ERRORS_COLUMNS = ("line", "id", "error")
CHUNK_ROWS = 250
"""Queries per task: small enough to keep both workers busy to the end, big enough to amortise IPC."""
CHUNKS_IN_FLIGHT_PER_WORKER = 4

T = TypeVar("T")
R = TypeVar("R")


# ---------------------------------------------------------------------------------------------- queries


def build_matcher(entities: Sequence[Entity], threshold: float | None = None) -> Matcher:
    """The screening index over `entities`; an InputError (not an empty result) when nothing is imported."""
    if not entities:
        raise InputError(
            "no_lists",
            "no watchlist is imported yet; run `cruce lists import` first "
            "(or `cruce demo` for synthetic data)",
        )
    return Matcher(entities) if threshold is None else Matcher(entities, threshold)


# ---------------------------------------------------------------------------------------------- workers

_WORKER_MATCHER: Matcher | None = None
"""A forked worker's matcher; set in the child only, so screenings in the parent never share it."""


def _init_worker(matcher: Matcher) -> None:
    """In each forked worker: keep its matcher (inherited, not pickled), collect garbage as a screening
    process should (`tune_gc_for_screening`), and leave Ctrl-C to the parent."""
    global _WORKER_MATCHER  # noqa: PLW0603 - one matcher per worker process, set once at its start
    _WORKER_MATCHER = matcher
    tune_gc_for_screening()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Workers:
    """A fork pool that inherits the matcher, with an ordered, bounded map; in-process for one worker."""

    def __init__(self, matcher: Matcher, workers: int) -> None:
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        self.matcher = matcher
        self.workers = max(1, min(workers, os.cpu_count() or 1)) if can_fork else 1
        self._pool: Pool | None = None

    def __enter__(self) -> _Workers:
        if self.workers > 1:
            # Keep the index out of the collector's sight so workers never copy its pages just to scan them.
            # No collection first: it would walk the whole index once more (a tenth of a second of start-up),
            # and garbage frozen here is unfrozen, and collected, when the block ends.
            gc.freeze()
            try:
                context = multiprocessing.get_context("fork")
                self._pool = context.Pool(self.workers, initializer=_init_worker, initargs=(self.matcher,))
            except BaseException:
                gc.unfreeze()
                raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            if exc_type is None:
                self._pool.close()
            else:
                self._pool.terminate()  # an error or Ctrl-C: do not wait for queued work
            self._pool.join()
            self._pool = None
            gc.unfreeze()

    def map(self, fn: Callable[[T, Matcher | None], R], items: Iterable[T]) -> Iterator[R]:
        """`fn` over `items`, results in input order, with at most a few items per worker in flight.

        In-process, `fn` gets this block's matcher; in a worker it gets None and uses the worker's own.
        """
        if self._pool is None:
            for item in items:
                yield fn(item, self.matcher)
            return
        window = self.workers * CHUNKS_IN_FLIGHT_PER_WORKER
        pending: deque[AsyncResult[R]] = deque()
        for item in items:
            pending.append(self._pool.apply_async(fn, (item, None)))
            if len(pending) >= window:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _worker_matcher(given: Matcher | None) -> Matcher:
    if given is not None:
        return given
    if _WORKER_MATCHER is None:  # pragma: no cover - only if a task runs outside a `_Workers` block
        raise RuntimeError("screening task run without a matcher")
    return _WORKER_MATCHER


# ---------------------------------------------------------------------------------------------- one by one


@dataclass(frozen=True, slots=True)
class ScreenedQuery:
    """One query's candidates and how long screening it took (on whichever process screened it)."""

    query: Query
    matches: list[Match]
    elapsed_ms: float


_SlimMatch = tuple[str, float, bool, str, tuple[Feature, ...]]
"""A Match without its Entity, for the trip back from a worker: (entity id, score, alert, name, features)."""


def _screen_timed(
    task: tuple[list[Query], int], given: Matcher | None
) -> list[tuple[float, list[_SlimMatch]]]:
    """Worker side of `screen_queries`: each query's slim matches and its own screening time."""
    queries, top = task
    matcher = _worker_matcher(given)
    out: list[tuple[float, list[_SlimMatch]]] = []
    for query in queries:
        started = time.perf_counter()
        matches = matcher.screen(query, top)
        elapsed_ms = (time.perf_counter() - started) * 1000
        slim = [(m.entity_id, m.score, m.alert, m.matched_name, m.features) for m in matches]
        out.append((elapsed_ms, slim))
    return out


def screen_queries(
    matcher: Matcher,
    queries: Iterable[Query],
    *,
    top: int = 5,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[ScreenedQuery]:
    """Screen `queries` (in order) on `workers` processes; yields each query with its matches and latency."""
    if top < 1:
        raise InputError("bad_top", "top must be at least 1")
    by_id = {entity.id: entity for entity in matcher.entities}
    sent: deque[list[Query]] = deque()

    def tasks() -> Iterator[tuple[list[Query], int]]:
        for chunk in _chunked(queries, chunk_rows):
            sent.append(chunk)
            yield chunk, top

    with _Workers(matcher, workers) as pool:
        for results in pool.map(_screen_timed, tasks()):
            for query, (elapsed_ms, slim) in zip(sent.popleft(), results, strict=True):
                matches = [
                    Match(by_id[e], score, alert, name, f, matcher.threshold)
                    for e, score, alert, name, f in slim
                ]
                yield ScreenedQuery(query, matches, elapsed_ms)


def _chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------------------------- batch


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


@dataclass(slots=True)
class BatchReport:
    """What a batch run did: rows read, queries screened, alerts, and the rows it could not screen."""

    rows: int = 0
    queries: int = 0
    alerts: int = 0
    queries_with_alert: int = 0
    rejected: int = 0
    first_rejected: tuple[int, str, str] | None = None  # (line, id, reason)
    output: Path | None = None
    errors_file: Path | None = None
    _errors_part: Path | None = None
    _errors_out: TextIO | None = None

    def reject(self, line: int, row_id: str, reason: str) -> None:
        """Write an unreadable row to the errors file at once: memory stays flat however many there are."""
        if self._errors_out is None:
            assert self._errors_part is not None
            self._errors_out = self._errors_part.open("w", newline="", encoding="utf-8")
            csvsafe.writer(self._errors_out).writerow(ERRORS_COLUMNS)
        csvsafe.writer(self._errors_out).writerow((line, row_id, reason))
        self.rejected += 1
        if self.first_rejected is None:
            self.first_rejected = (line, row_id, reason)

    def close_errors(self) -> None:
        if self._errors_out is not None:
            self._errors_out.close()
            self._errors_out = None


def errors_path(output_path: Path) -> Path:
    """Where the rows that could not be screened are listed: `<output>.errors.csv`."""
    return output_path.with_name(output_path.name + ".errors.csv")


def check_batch_paths(input_path: Path, output_path: Path) -> list[str]:
    """Refuse a missing input, a missing output folder or an output that would overwrite the input.

    Returns the input's header (lower-cased), after checking it has the required columns, so the caller
    can fail on a bad file before it spends seconds loading the lists.
    """
    check_output_paths(input_path, output_path)
    with _open_input(input_path) as handle:
        return _check_header(csv.reader(handle), input_path)


def check_output_paths(input_path: Path, output_path: Path) -> None:
    """The path checks of every batch, whatever the formats: the input is a file, the output can be
    written, and it is not the input."""
    if not input_path.exists():
        raise InputError("no_input", f"input file {input_path} does not exist", {"file": str(input_path)})
    if not input_path.is_file():
        raise InputError("no_input", f"input {input_path} is not a file", {"file": str(input_path)})
    if output_path.is_dir():
        raise InputError("bad_output", f"--output {output_path} is a folder; give a file name, e.g. out.csv")
    parent = output_path.parent
    if not parent.is_dir():
        raise InputError(
            "bad_output", f"the folder of --output {output_path} does not exist; create {parent} first"
        )
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise InputError("bad_output", f"--output {output_path} is the input file; choose another name")


def _open_input(path: Path) -> Any:
    return path.open(newline="", encoding="utf-8-sig", errors="strict")


def _check_header(reader: Iterator[list[str]], path: Path) -> list[str]:
    try:
        return read_header(reader, str(path))
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, exc) from exc


def _encoding_error(path: Path, exc: UnicodeDecodeError) -> InputError:
    return InputError(
        "bad_encoding",
        f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV",
        {"file": str(path)},
    )


_RawRow = tuple[int, list[str]]
"""An input row as read, with its line number: turned into a query by the worker that screens it."""


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    """What a worker sends back for a chunk: its output rows as CSV text, counts, and the rows it refused."""

    text: str
    queries: int
    alerts: int
    queries_with_alert: int
    rejected: list[tuple[int, str, str]]  # (line, id, reason)


def _read_chunks(handle: Any, path: Path, report: BatchReport, size: int) -> Iterator[list[_RawRow]]:
    """Chunks of non-blank input rows with their line numbers.

    Rows are only split here; reading them into queries (dates, countries, documents) is left to the
    workers, so that the parent, which shares the two cores with them, does as little as it can.
    """
    reader = csv.reader(handle)
    _check_header(reader, path)
    chunk: list[_RawRow] = []
    rows = read_rows(reader, str(path))
    while True:
        try:
            row = next(rows, None)
        except UnicodeDecodeError as exc:
            near = reader.line_num + 1  # text is decoded in blocks: the bad byte is at or after this line
            raise InputError(
                "bad_encoding",
                f"{path}: near line {near}, the file is not UTF-8 text ({exc.reason}); save it as UTF-8",
                {"file": str(path), "line": near},
            ) from exc
        if row is None:
            break
        report.rows += 1
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _format_rows(query: Query, matches: Sequence[Match], label: str) -> tuple[list[list[str]], int]:
    if not matches:
        return [[query.id or "", "0", "", "0.0000", "false", "", "no candidate", label]], 0
    rows = []
    alerts = 0
    for rank, match in enumerate(matches, start=1):
        alerts += match.alert
        rows.append(
            [query.id or "", str(rank), match.entity_id, f"{match.score:.4f}",
             "true" if match.alert else "false", match.matched_name, match.reasons(), label]
        )  # fmt: skip
    return rows, alerts


def _screen_rows(task: tuple[list[_RawRow], list[str], int], given: Matcher | None) -> _ChunkResult:
    """Worker side of a batch: read each row into a query, screen it, and write its output rows as CSV."""
    raw_rows, header, top = task
    matcher = _worker_matcher(given)
    label = CruceScorer.label(matcher.threshold)
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # the same dialect as the output file's writer
    queries = alerts = queries_with_alert = 0
    rejected: list[tuple[int, str, str]] = []
    for line, raw in raw_rows:
        try:
            query = row_query(header, raw)
        except InputError as exc:
            rejected.append((line, id_of_row(header, raw), exc.message))
            continue
        rows, found = _format_rows(query, matcher.screen(query, top), label)
        writer.writerows(rows)
        queries += 1
        alerts += found
        queries_with_alert += found > 0
    return _ChunkResult(buffer.getvalue(), queries, alerts, queries_with_alert, rejected)


def publish_batch(report: BatchReport, finished: Path, output_path: Path, errors_part: Path) -> None:
    """Put a finished batch in place: the results over `output_path`, and its errors file beside it only
    when rows were rejected (an earlier run's errors do not apply to this one)."""
    report.close_errors()
    finished.replace(output_path)
    report.errors_file = errors_path(output_path)
    if report.rejected:
        errors_part.replace(report.errors_file)
    else:
        report.errors_file.unlink(missing_ok=True)
        report.errors_file = None


def screen_file(
    matcher: Matcher,
    input_path: Path,
    output_path: Path,
    *,
    top: int = 5,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> BatchReport:
    """Screen every row of a CSV, write ranked candidates, list unreadable rows in `<out>.errors.csv`.

    `progress` is called with the number of input rows done (screened or rejected) after each chunk.
    """
    if top < 1:
        raise InputError("bad_top", "--top must be at least 1")
    header = check_batch_paths(input_path, output_path)
    part = output_path.with_name(f".{output_path.name}.{os.getpid()}.part")
    errors_part = errors_path(part)
    report = BatchReport(output=output_path, _errors_part=errors_part)
    try:
        with _open_input(input_path) as handle, part.open("w", newline="", encoding="utf-8") as out:
            writer: _RowWriter = csvsafe.writer(out)
            writer.writerow((*BATCH_OUTPUT_COLUMNS, BATCH_MATCHER_COLUMN))
            chunks = _read_chunks(handle, input_path, report, chunk_rows)
            with _Workers(matcher, workers) as pool:
                _write_batch(
                    pool=pool, chunks=chunks, header=header, top=top, out=out, report=report,
                    progress=progress,
                )  # fmt: skip
        publish_batch(report, part, output_path, errors_part)
    except UnicodeDecodeError as exc:
        raise _encoding_error(input_path, exc) from exc
    except csv.Error as exc:
        raise InputError("bad_csv", f"{input_path}: {exc}", {"file": str(input_path)}) from exc
    finally:
        report.close_errors()
        part.unlink(missing_ok=True)
        errors_part.unlink(missing_ok=True)
    return report


def _write_batch(
    *,
    pool: _Workers,
    chunks: Iterator[list[_RawRow]],
    header: list[str],
    top: int,
    out: TextIO,
    report: BatchReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Send chunks to the workers and write their output in input order as it comes back."""
    consumed_log: deque[int] = deque()

    def tasks() -> Iterator[tuple[list[_RawRow], list[str], int]]:
        for raw_rows in chunks:
            consumed_log.append(len(raw_rows))
            yield raw_rows, header, top

    for result in pool.map(_screen_rows, tasks()):
        out.write(result.text)
        for line, row_id, reason in result.rejected:
            report.reject(line, row_id, reason)
        report.queries += result.queries
        report.alerts += result.alerts
        report.queries_with_alert += result.queries_with_alert
        consumed = consumed_log.popleft()
        if progress is not None and consumed:
            progress(consumed)
