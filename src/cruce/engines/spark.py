"""Batch screening and cargo scoring on Spark, with the single-machine matcher and model inside `mapInArrow`.

Nothing here matches or scores: each Python worker builds `Matcher` once from the broadcast list entities
(cached for the life of the worker, keyed by the broadcast), reads each row with the single-machine row
reader (`_row_query`, `read_declarations_text`) and formats it with the single-machine formatter
(`_format_rows`, `CargoScorer.score`), so Spark and `cruce screen batch` give the same candidates, scores,
alerts and reasons. The cargo model travels as its saved files (LightGBM text, history arrays, manifest:
no pickle) and is loaded once per worker.

Input is CSV (one record per line: a quoted field spanning lines is reported as a bad row; use Parquet for
such data) or Parquet, one file or many. Each row keeps its source file and line (CSV) or row number
(Parquet): a row that cannot be read is written with them to the errors output and counted, never dropped
and never fatal. Outputs are Spark folders (`part-*.csv` with a header, or `part-*.parquet`).

Per row, Spark adds little to the single-machine work: CSV lines are read and numbered in the JVM (no
Python stage before the workers), reach a worker as Arrow record batches read straight into lists (no
pandas for screening), and the input is split two ways per core by default.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.accumulators import AccumulatorParam
from pyspark.broadcast import Broadcast
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F  # noqa: N812 - the name every Spark user knows
from pyspark.sql.types import (
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from cruce.batch.files import is_parquet
from cruce.core.csvsafe import FORMULA_STARTS
from cruce.core.errors import InputError
from cruce.core.model import Entity
from cruce.matching.matcher import Matcher, tune_gc_for_screening
from cruce.matching.scorer import CruceScorer
from cruce.scoring.mapping import Mapping as ColumnMapping
from cruce.scoring.mapping import load_mapping, read_declarations_text
from cruce.scoring.presets import read_definition
from cruce.scoring.rules import PRESET_PACKAGE as RULES_PACKAGE
from cruce.scoring.rules import RuleError, parse_rule_set
from cruce.scoring.scorer import CargoScorer
from cruce.service.batch_rows import row_query as _row_query
from cruce.service.risk import MODEL_FIELDS, load_scorer, mapping_for, screen_parties
from cruce.service.screening import _check_header, _format_rows, build_matcher

DEFAULT_MASTER = "local[2]"
ROWS_PER_ARROW_BATCH = 2000
"""Queries per Arrow batch handed to a worker: enough to amortise Arrow, few enough for bounded memory."""
DECLARATIONS_PER_ARROW_BATCH = 10_000
"""Declarations per Arrow batch: scoring is vectorised (one CSV read, one model call per batch), so larger."""
PARTITIONS_PER_CORE = 2
"""Input splits per core when the caller names no partition count: enough to even out a slow split, few
enough that a task's fixed cost stays small (each worker builds its index once, whatever the count)."""
SPLIT_OPEN_COST = "8k"
"""Spark's notional cost of opening a file; its 4 MB default keeps a small file in one split (one core)."""
MAX_SPLIT_BYTES = "32m"
"""The largest input split (Spark's default: 128 MB). A task holds its split's results while it sorts and
writes them: 10,000,000 declarations (1 GB) in 128 MB splits ran the default 1 GB JVM heap out of memory
on `local[2]`; 32 MB splits (about 300,000 declarations or 500,000 queries) keep a task's memory bounded
whatever the input's size, and a failed task repeats less work."""
CANDIDATE, ERROR = "candidate", "error"

LINES_SCHEMA = StructType(
    [StructField("file", StringType()), StructField("line", LongType()), StructField("text", StringType())]
)
SCREEN_SCHEMA = StructType(
    [
        StructField("kind", StringType()),
        StructField("file", StringType()),
        StructField("line", LongType()),
        StructField("query_id", StringType()),
        StructField("rank", IntegerType()),
        StructField("entity_id", StringType()),
        StructField("score", DoubleType()),
        StructField("alert", BooleanType()),
        StructField("matched_name", StringType()),
        StructField("reasons", StringType()),
        StructField("matcher", StringType()),
        StructField("error", StringType()),
    ]
)
SCREEN_OUTPUT = ("query_id", "rank", "entity_id", "score", "alert", "matched_name", "reasons", "matcher")
SCORE_SCHEMA = StructType(
    [
        StructField("kind", StringType()),
        StructField("file", StringType()),
        StructField("line", LongType()),
        StructField("id", StringType()),
        StructField("score", DoubleType()),
        StructField("critical_score", DoubleType()),
        StructField("reasons", StringType()),
        StructField("error", StringType()),
    ]
)

_ARROW_TYPES: dict[Any, Any] = {
    StringType(): pa.string(),
    LongType(): pa.int64(),
    IntegerType(): pa.int32(),
    DoubleType(): pa.float64(),
    BooleanType(): pa.bool_(),
}


def _arrow(schema: StructType) -> pa.Schema:
    return pa.schema([pa.field(f.name, _ARROW_TYPES[f.dataType]) for f in schema.fields])


SCREEN_ARROW = _arrow(SCREEN_SCHEMA)
SCORE_ARROW = _arrow(SCORE_SCHEMA)


# ---------------------------------------------------------------------------------------------- session


def session(master: str = DEFAULT_MASTER, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession whose Python workers run this interpreter (so they import this cruce).

    PySpark takes the workers' interpreter from PYSPARK_PYTHON only (its conf key is read by spark-submit,
    not by a session built in Python), so it is set here unless the caller set it.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName("cruce")
    settings = {
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ROWS_PER_ARROW_BATCH),
        "spark.sql.shuffle.partitions": "8",
        "spark.python.worker.reuse": "true",
        **(conf or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextlib.contextmanager
def _job_conf(spark: SparkSession, partitions: int | None, records_per_batch: int) -> Iterator[None]:
    """For one run: input split into `partitions` (or cores x PARTITIONS_PER_CORE), the Arrow batch size."""
    wanted = partitions or spark.sparkContext.defaultParallelism * PARTITIONS_PER_CORE
    settings = {
        "spark.sql.files.minPartitionNum": str(wanted),
        "spark.sql.files.openCostInBytes": SPLIT_OPEN_COST,
        "spark.sql.files.maxPartitionBytes": MAX_SPLIT_BYTES,
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(records_per_batch),
    }
    before: dict[str, str | None] = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, old in before.items():
            if old is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, old)


class _MaxParam(AccumulatorParam[float]):
    """An accumulator that keeps the largest value any task reported (peak memory, index build time)."""

    def zero(self, value: float) -> float:
        return 0.0

    def addInPlace(self, value1: float, value2: float) -> float:  # noqa: N802 - Spark's name
        return max(value1, value2)


@dataclass(frozen=True, slots=True)
class _Meters:
    index_build_s: Any  # Accumulator[float]
    worker_rss_mb: Any  # Accumulator[float]
    worker_cpu_s: Any  # Accumulator[float]: CPU seconds the workers spent on rows (a sum)

    @classmethod
    def create(cls, spark: SparkSession) -> _Meters:
        sc = spark.sparkContext
        return cls(sc.accumulator(0.0, _MaxParam()), sc.accumulator(0.0, _MaxParam()), sc.accumulator(0.0))

    def record(self, cpu_started: float) -> None:
        """After a batch: the worker's peak memory so far, and the CPU time the batch took."""
        self.worker_rss_mb.add(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        self.worker_cpu_s.add(time.process_time() - cpu_started)


# ---------------------------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class _Input:
    frame: DataFrame  # file, line, then text (CSV) or the Parquet columns as c0..cn
    headers: dict[str, list[str]]  # file -> header as written (CSV) or the Parquet column names
    parquet: bool
    header_lines: dict[str, str]  # file -> its CSV header line as it is (for a mapping's own delimiter)


def _paths(inputs: Sequence[str | Path]) -> list[str]:
    paths = [str(Path(p).resolve()) if "://" not in str(p) else str(p) for p in inputs]
    if not paths:
        raise InputError("no_input", "give at least one input file")
    for path in paths:
        if "://" not in path and not Path(path).exists():
            raise InputError("no_input", f"input file {path} does not exist", {"file": path})
    return paths


def read_input(spark: SparkSession, inputs: Sequence[str | Path], partitions: int | None = None) -> _Input:
    """CSV files as (file, line, text) or Parquet files as (file, row, columns as text).

    Lines are read and numbered in the JVM (no Python stage before the workers): each file's text is split
    in blocks, one count per block gives each block's first line, and a row's line is that plus its place
    in the block (`monotonically_increasing_id` counts up within a partition, and a block is read whole by
    one partition, in order).
    """
    paths = _paths(inputs)
    if all(is_parquet(p) for p in paths):
        return _read_parquet(spark, paths, partitions)
    if any(is_parquet(p) for p in paths):
        raise InputError("mixed_inputs", "give CSV files or Parquet files, not both in one run")
    headers: dict[str, list[str]] = {}
    header_lines: dict[str, str] = {}
    parts = []
    for path in paths:
        header, lines = _numbered_lines(spark, path)
        header_lines[path] = header.lstrip("\ufeff")
        headers[path] = next(csv.reader([header_lines[path]]), [])
        parts.append(lines)
    frame = functools.reduce(DataFrame.unionAll, parts)
    return _Input(frame, headers, False, header_lines)


def _numbered_lines(spark: SparkSession, path: str) -> tuple[str, DataFrame]:
    """A file's header line, and its other lines as (file, line, text) with 1-based line numbers."""
    text = spark.read.text(path).select(
        F.col("_metadata.file_block_start").alias("block"),
        F.monotonically_increasing_id().alias("at"),
        F.col("value").alias("text"),
    )
    blocks = sorted(
        text.groupBy("block")
        .agg(F.count(F.lit(1)).alias("n"), F.min("at").alias("first"), F.min_by("text", "at").alias("top"))
        .collect()
    )
    if not blocks or blocks[0]["block"] != 0:
        raise InputError("empty_input", f"{path} is empty; expected a header line", {"file": path})
    shift = F.lit(None).cast("long")
    before = 0
    for block in blocks:  # line = lines in the file's earlier blocks + place in this block + 1
        offset = before + 1 - int(block["first"])
        shift = F.when(F.col("block") == block["block"], F.lit(offset)).otherwise(shift)
        before += int(block["n"])
    lines = text.select(F.lit(path).alias("file"), (F.col("at") + shift).alias("line"), "text")
    return str(blocks[0]["top"]), lines.filter(F.col("line") > 1)


def _read_parquet(spark: SparkSession, paths: list[str], partitions: int | None) -> _Input:
    frame = spark.read.parquet(*paths)
    names = list(frame.columns)
    columns: list[Column] = [
        F.col("_metadata.file_path").alias("file"),
        (F.col("_metadata.row_index") + 1).cast("long").alias("line"),
    ]
    columns += [F.col(f"`{name}`").cast("string").alias(f"c{i}") for i, name in enumerate(names)]
    selected = frame.select(*columns)
    wanted = partitions or spark.sparkContext.defaultParallelism
    if selected.rdd.getNumPartitions() < wanted or partitions:
        selected = selected.repartition(wanted)  # a small file is one row group: spread it over the cores
    files = [row.file for row in selected.select("file").distinct().collect()]
    return _Input(selected, dict.fromkeys(files, names), True, {})


def _raw_rows(batch: pa.RecordBatch, parquet: bool) -> Iterator[tuple[str, int, list[str] | None]]:
    """(file, line, cells) per row; cells None when a CSV line cannot be split (an unclosed quote)."""
    files = batch.column(0).to_pylist()
    lines = batch.column(1).to_pylist()
    if parquet:
        columns = [batch.column(i).to_pylist() for i in range(2, batch.num_columns)]
        for file, line, *row in zip(files, lines, *columns, strict=True):
            yield file, line, ["" if cell is None else cell for cell in row]
        return
    for file, line, text in zip(files, lines, batch.column(2).to_pylist(), strict=True):
        try:
            yield file, line, _split_line(text)
        except csv.Error:
            yield file, line, None


def _split_line(text: str) -> list[str]:
    reader = csv.reader([text], strict=True)
    row = next(reader, [])
    if text.count('"') % 2:
        raise csv.Error("unclosed quote")
    return row


# ---------------------------------------------------------------------------------------------- screening


@dataclass(frozen=True, slots=True)
class ListPayload:
    """What every worker needs to build the index: the listed entities and the alert threshold."""

    entities: list[Entity]
    threshold: float


_MATCHERS: dict[str, Matcher] = {}
"""Per Python worker: the matcher built from a broadcast, by the run's key (built once, reused by tasks)."""


@dataclass(frozen=True, slots=True)
class _Shared:
    """A broadcast and a key naming it, so a worker can tell it already built from it without loading it."""

    broadcast: Broadcast[Any]
    key: str

    @classmethod
    def of(cls, spark: SparkSession, value: Any) -> _Shared:
        return cls(spark.sparkContext.broadcast(value), uuid.uuid4().hex)


def _matcher_for(shared: _Shared, meters: _Meters) -> Matcher:
    payload = shared.broadcast
    matcher = _MATCHERS.get(shared.key)
    if matcher is None:
        started = time.perf_counter()
        value = payload.value
        matcher = build_matcher(value.entities, value.threshold)
        _MATCHERS.clear()  # a new list version replaces the old index: one index per worker
        _MATCHERS[shared.key] = matcher
        tune_gc_for_screening()  # a Spark Python worker screens as a batch worker does
        meters.index_build_s.add(time.perf_counter() - started)
    return matcher


def _screen_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    payload: _Shared,
    headers: Broadcast[dict[str, list[str]]],
    parquet: bool,
    top: int,
    meters: _Meters,
) -> Iterator[pa.RecordBatch]:
    """Worker side: each row read with the batch row reader, screened, and formatted as the batch CSV is.

    Arrow in and out (no pandas): a batch's columns become Python lists once, and the output columns are
    built as lists and handed back as one Arrow record batch."""
    matcher = _matcher_for(payload, meters)
    label = CruceScorer.label(matcher.threshold)
    lowered = {f: [c.strip().lower() for c in h] for f, h in headers.value.items()}
    for frame in batches:
        cpu = time.process_time()
        out = _Columns({field.name: [] for field in SCREEN_SCHEMA.fields})
        add = out.add
        for file, line, cells in _raw_rows(frame, parquet):
            header = lowered[file]
            if cells is None:
                add(ERROR, file, line, ("", None, None, None, None, None, None, None), _UNSPLIT)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is not a row (as in `cruce screen batch`)
            try:
                query = _row_query(header, cells)
            except InputError as exc:
                row_id = dict(zip(header, cells, strict=False)).get("id", "").strip()
                add(ERROR, file, line, (row_id, None, None, None, None, None, None, None), exc.message)
                continue
            rows, _ = _format_rows(query, matcher.screen(query, top), label)
            for query_id, rank, entity_id, score, alert, name, reasons, matcher_label in rows:
                values = (query_id, int(rank), entity_id, float(score), alert == "true", name, reasons)
                add(CANDIDATE, file, line, (*values, matcher_label), None)
        done = pa.RecordBatch.from_pydict(out.columns, schema=SCREEN_ARROW)
        meters.record(cpu)
        yield done


@dataclass(frozen=True, slots=True)
class _Columns:
    """A screening worker's output batch, column by column."""

    columns: dict[str, list[Any]]

    def add(self, kind: str, file: str, line: int, values: Sequence[Any], error: str | None) -> None:
        out = self.columns
        out["kind"].append(kind)
        out["file"].append(file)
        out["line"].append(line)
        for name, value in zip(SCREEN_OUTPUT, values, strict=True):
            out[name].append(value)
        out["error"].append(error)


_UNSPLIT = "the line cannot be split into columns (an unclosed quote, or a quoted field spanning lines)"


@dataclass(frozen=True, slots=True)
class SparkBatchReport:
    """What a Spark batch run did, and what it cost."""

    rows: int
    queries: int
    alerts: int
    queries_with_alert: int
    rejected: int
    output: str
    errors_output: str | None
    seconds: float
    broadcast_s: float
    index_build_s: float  # the slowest worker's index build
    worker_peak_rss_mb: float
    partitions: int
    worker_cpu_s: float  # CPU seconds the Python workers spent screening rows (index build excluded)


def errors_output(output: str | Path) -> str:
    """Where a Spark run lists its unreadable rows: `<output>.errors` (a CSV folder)."""
    return str(output).rstrip("/") + ".errors"


def screen(
    spark: SparkSession,
    entities: Sequence[Entity],
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    threshold: float,
    top: int = 5,
    partitions: int | None = None,
) -> SparkBatchReport:
    """Screen CSV or Parquet files on Spark; candidates to `output` (CSV or Parquet folder by suffix)."""
    with _job_conf(spark, partitions, ROWS_PER_ARROW_BATCH):
        return _screen(spark, entities, inputs, output, threshold=threshold, top=top, partitions=partitions)


def _screen(
    spark: SparkSession,
    entities: Sequence[Entity],
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    threshold: float,
    top: int,
    partitions: int | None,
) -> SparkBatchReport:
    if top < 1:
        raise InputError("bad_top", "--top must be at least 1")
    if not entities:
        build_matcher(entities, threshold)  # the single-machine "no lists" message
    started = time.perf_counter()
    source = read_input(spark, inputs, partitions)
    _refuse_overwrite(source, output)
    for file, header in source.headers.items():
        _check_header(iter([header]), Path(file))
    sc = spark.sparkContext
    broadcast_started = time.perf_counter()
    payload = _Shared.of(spark, ListPayload(list(entities), threshold))
    broadcast_s = time.perf_counter() - broadcast_started
    headers = sc.broadcast(source.headers)
    meters = _Meters.create(spark)
    worker = functools.partial(
        _screen_batches, payload=payload, headers=headers, parquet=source.parquet, top=top, meters=meters
    )
    result = source.frame.mapInArrow(worker, SCREEN_SCHEMA).persist(StorageLevel.DISK_ONLY)
    try:
        # The counts are taken while the candidates are written (one pass over the result, not two). A
        # query's candidates are ranked by score and alert from the threshold up, so a query has an alert
        # exactly when its first candidate has one.
        first = (F.col("kind") == CANDIDATE) & (F.col("rank") <= 1)
        observation = Observation("cruce-screen-counts")
        observed = result.observe(
            observation,
            F.sum(F.when(first, 1).otherwise(0)).alias("q"),
            F.sum(F.when(F.col("alert"), 1).otherwise(0)).alias("alerts"),
            F.sum(F.when(first & F.col("alert"), 1).otherwise(0)).alias("qa"),
            F.sum(F.when(F.col("kind") == ERROR, 1).otherwise(0)).alias("rejected"),
        )
        candidates = observed.filter(F.col("kind") == CANDIDATE).sortWithinPartitions("file", "line", "rank")
        _write(candidates.select(*SCREEN_OUTPUT), output)
        counts = observation.get
        rejected = int(counts["rejected"] or 0)
        errors_at = _write_errors(result, output, "query_id", rejected)
        partitions_used = result.rdd.getNumPartitions()
    finally:
        result.unpersist()
        payload.broadcast.unpersist()
        headers.unpersist()
    queries = int(counts["q"] or 0)
    return SparkBatchReport(
        rows=queries + rejected,
        queries=queries,
        alerts=int(counts["alerts"] or 0),
        queries_with_alert=int(counts["qa"] or 0),
        rejected=rejected,
        output=str(output),
        errors_output=errors_at,
        seconds=time.perf_counter() - started,
        broadcast_s=broadcast_s,
        index_build_s=float(meters.index_build_s.value),
        worker_peak_rss_mb=float(meters.worker_rss_mb.value),
        partitions=partitions_used,
        worker_cpu_s=float(meters.worker_cpu_s.value),
    )


def _refuse_overwrite(source: _Input, output: str | Path) -> None:
    out = str(Path(output).resolve()) if "://" not in str(output) else str(output)
    if any(out == file.removeprefix("file:") for file in source.headers):
        raise InputError("bad_output", f"--output {output} is an input file; choose another name")


def _safe_text(column: str) -> Column:
    """The csvsafe rule in Spark: text a spreadsheet would run as a formula gets a leading apostrophe."""
    starts = "|".join("\\" + c if c in "+-" else c for c in FORMULA_STARTS)
    value = F.col(column)
    return F.when(value.rlike(f"^({starts})"), F.concat(F.lit("'"), value)).otherwise(value).alias(column)


def _write(frame: DataFrame, output: str | Path, *, force_csv: bool = False) -> None:
    path = str(output)
    if is_parquet(path) and not force_csv:
        frame.write.mode("overwrite").parquet(path)
        return
    text_columns = {f.name for f in frame.schema.fields if isinstance(f.dataType, StringType)}
    safe = frame.select(*[_safe_text(c) if c in text_columns else F.col(c) for c in frame.columns])
    safe.write.mode("overwrite").option("header", True).option("escape", '"').csv(path)


def _write_errors(result: DataFrame, output: str | Path, id_column: str, rejected: int) -> str | None:
    """The unreadable rows with their file and line, as a CSV folder; None (and no folder) when none."""
    target = errors_output(output)
    if not rejected:
        _remove_local(target)
        return None
    errors = result.filter(F.col("kind") == ERROR).select(
        "file", "line", F.col(id_column).alias("id"), "error"
    )
    _write(errors.coalesce(1).sortWithinPartitions("file", "line"), target, force_csv=True)
    return target


def _remove_local(path: str) -> None:
    """Drop an earlier run's errors folder (local paths only), so it is not read as this run's."""
    import shutil

    if "://" not in path and Path(path).is_dir():
        shutil.rmtree(path)


# ---------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class ModelPayload:
    """A saved model's files (as written by `cruce risk train`), the rules' text, and the column mapping."""

    files: dict[str, bytes]
    rules_text: str | None
    rules_source: str
    mapping: ColumnMapping
    top: int
    reasons: bool


_SCORERS: dict[str, CargoScorer] = {}


def _scorer_for(shared: _Shared, meters: _Meters) -> CargoScorer:
    payload = shared.broadcast
    scorer = _SCORERS.get(shared.key)
    if scorer is None:
        started = time.perf_counter()
        value = payload.value
        with tempfile.TemporaryDirectory(prefix="cruce-model-") as folder:
            for name, data in value.files.items():
                (Path(folder) / name).write_bytes(data)
            scorer = load_scorer(Path(folder), None)
        if value.rules_text is not None:
            scorer = CargoScorer(scorer.model, parse_rule_set(value.rules_text, value.rules_source))
        _SCORERS.clear()
        _SCORERS[shared.key] = scorer
        meters.index_build_s.add(time.perf_counter() - started)
    return scorer


def _score_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    payload: _Shared,
    parties: _Shared | None,
    headers: Broadcast[dict[str, str]],
    meters: _Meters,
) -> Iterator[pa.RecordBatch]:
    """Worker side: each chunk of lines read through the mapping, parties screened, and scored."""
    scorer = _scorer_for(payload, meters)
    matcher = _matcher_for(parties, meters) if parties is not None else None
    value: ModelPayload = payload.broadcast.value
    for batch in batches:
        cpu = time.process_time()
        frame = batch.to_pandas()
        pieces = [
            _score_lines(scorer, matcher, value, str(file), headers.value[str(file)], group)
            for file, group in frame.groupby("file", sort=False)
        ]
        done = pd.concat(pieces, ignore_index=True) if pieces else _empty(SCORE_SCHEMA)
        done = pa.RecordBatch.from_pandas(_plain(done), schema=SCORE_ARROW, preserve_index=False)
        meters.record(cpu)
        yield done


def _score_lines(  # noqa: PLR0917 - one call site, and a recursive one
    scorer: CargoScorer,
    matcher: Matcher | None,
    value: ModelPayload,
    file: str,
    header: str,
    group: pd.DataFrame,
) -> pd.DataFrame:
    texts = group["text"].tolist()
    lines = group["line"].to_numpy()
    keep = [i for i, text in enumerate(texts) if text.strip()]
    texts = [texts[i] for i in keep]
    lines = lines[keep]
    if not texts:
        return _empty(SCORE_SCHEMA)
    try:
        batch = read_declarations_text(header + "\n" + "\n".join(texts), value.mapping, file, MODEL_FIELDS)
    except InputError as exc:
        if len(texts) == 1:
            return _score_errors(file, lines, [exc.message])
        # one unreadable line must not sink its neighbours: read them one by one
        parts = [
            _score_lines(scorer, matcher, value, file, header, pd.DataFrame({"text": [t], "line": [n]}))
            for t, n in zip(texts, lines, strict=True)
        ]
        return pd.concat(parts, ignore_index=True)
    source_line = lines  # text line k (1 = header) is source line source_line[k - 2]
    errors = _score_errors(
        file,
        np.array([source_line[e.line - 2] for e in batch.errors], dtype=np.int64),
        [f"{e.column}{f' {e.value!r}' if e.value else ''}: {e.message}" for e in batch.errors],
    )
    if batch.frame.empty:
        return errors
    frame = screen_parties(batch.frame, matcher) if matcher is not None else batch.frame
    scored = scorer.score(frame, top=value.top, explain=value.reasons)
    n = len(scored)
    done = pd.DataFrame(
        {
            "kind": [CANDIDATE] * n,
            "file": [file] * n,
            "line": source_line[batch.lines - 2].astype(np.int64),
            "id": scored.declaration_ids,
            "score": np.round(scored.score, 6),
            "critical_score": np.round(scored.critical_score, 6),
            "reasons": ["; ".join(r) for r in scored.reasons] if scored.reasons else [""] * n,
            "error": [None] * n,
        }
    )
    return pd.concat([done, errors], ignore_index=True) if len(errors) else done


def _score_errors(file: str, lines: Any, messages: list[str]) -> pd.DataFrame:
    n = len(messages)
    return pd.DataFrame(
        {
            "kind": [ERROR] * n,
            "file": [file] * n,
            "line": np.asarray(lines, dtype=np.int64)[:n] if n else np.array([], dtype=np.int64),
            "id": [None] * n,
            "score": [np.nan] * n,
            "critical_score": [np.nan] * n,
            "reasons": [None] * n,
            "error": messages,
        }
    )


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain objects: pandas 3's Arrow-backed strings reach PySpark as chunked arrays,
    which its Arrow writer cannot take."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def _empty(schema: StructType) -> pd.DataFrame:
    return pd.DataFrame({field.name: [] for field in schema.fields})


@dataclass(frozen=True, slots=True)
class SparkScoreReport:
    rows: int
    errors: int
    errors_output: str | None
    alerts: int
    output: str
    seconds: float
    broadcast_s: float
    model_load_s: float
    worker_peak_rss_mb: float
    model_version: str
    rules_label: str | None
    worker_cpu_s: float


def score(
    spark: SparkSession,
    model_dir: Path,
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    mapping: str | Path | None = None,
    rules: str | Path | None = "cargo-default",
    party_entities: Sequence[Entity] | None = None,
    threshold: float = 0.8,
    alert_score: float = 0.5,
    top: int = 3,
    reasons: bool = True,
    partitions: int | None = None,
) -> SparkScoreReport:
    """Score declaration CSVs on Spark as `cruce risk score` does; `<id>,score,critical_score,reasons` out.

    Rows are scored independently (history comes from the model, not from the batch), so a partition gives
    the scores the whole file would. Duplicate ids are checked within a chunk only, not across the run.
    """
    with _job_conf(spark, partitions, DECLARATIONS_PER_ARROW_BATCH):
        return _score(
            spark, model_dir, inputs, output, mapping=mapping, rules=rules, party_entities=party_entities,
            threshold=threshold, alert_score=alert_score, top=top, reasons=reasons, partitions=partitions,
        )  # fmt: skip


def _score(
    spark: SparkSession,
    model_dir: Path,
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    mapping: str | Path | None,
    rules: str | Path | None,
    party_entities: Sequence[Entity] | None,
    threshold: float,
    alert_score: float,
    top: int,
    reasons: bool,
    partitions: int | None,
) -> SparkScoreReport:
    started = time.perf_counter()
    mapping_obj = load_mapping(mapping_for(model_dir, mapping))
    scorer = load_scorer(model_dir, rules)  # fails on a bad model or rule set before any Spark work
    rules_text, rules_source = _rules_text(rules)
    source = read_input(spark, inputs, partitions)
    if source.parquet:
        raise InputError("bad_input", "cruce risk score --engine spark reads CSV declarations")
    _refuse_overwrite(source, output)
    sc = spark.sparkContext
    broadcast_started = time.perf_counter()
    files = {p.name: p.read_bytes() for p in Path(model_dir).iterdir() if p.is_file()}
    payload = _Shared.of(spark, ModelPayload(files, rules_text, rules_source, mapping_obj, top, reasons))
    parties = _Shared.of(spark, ListPayload(list(party_entities), threshold)) if party_entities else None
    broadcast_s = time.perf_counter() - broadcast_started
    headers = sc.broadcast(source.header_lines)
    meters = _Meters.create(spark)
    worker = functools.partial(
        _score_batches, payload=payload, parties=parties, headers=headers, meters=meters
    )
    result = source.frame.mapInArrow(worker, SCORE_SCHEMA).persist(StorageLevel.DISK_ONLY)
    try:
        # the counts are taken while the scores are written (one pass over the result, not two)
        observation = Observation("cruce-score-counts")
        observed = result.observe(
            observation,
            F.sum(F.when(F.col("kind") == CANDIDATE, 1).otherwise(0)).alias("rows"),
            F.sum(F.when(F.col("score") >= alert_score, 1).otherwise(0)).alias("alerts"),
            F.sum(F.when(F.col("kind") == ERROR, 1).otherwise(0)).alias("errors"),
        )
        done = observed.filter(F.col("kind") == CANDIDATE).sortWithinPartitions("file", "line")
        _write(
            done.select(
                F.col("id").alias(mapping_obj.output_id_column), "score", "critical_score", "reasons"
            ),
            output,
        )
        counts = observation.get
        errors = int(counts["errors"] or 0)
        errors_at = _write_errors(result, output, "id", errors)
    finally:
        result.unpersist()
        payload.broadcast.unpersist()
        headers.unpersist()
        if parties is not None:
            parties.broadcast.unpersist()
    return SparkScoreReport(
        rows=int(counts["rows"] or 0),
        errors=errors,
        errors_output=errors_at,
        alerts=int(counts["alerts"] or 0),
        output=str(output),
        seconds=time.perf_counter() - started,
        broadcast_s=broadcast_s,
        model_load_s=float(meters.index_build_s.value),
        worker_peak_rss_mb=float(meters.worker_rss_mb.value),
        model_version=scorer.model.version,
        rules_label=scorer.rules.label if scorer.rules is not None else None,
        worker_cpu_s=float(meters.worker_cpu_s.value),
    )


def _rules_text(rules: str | Path | None) -> tuple[str | None, str]:
    """The rule set as text for the workers (a file on the driver may not exist on an executor)."""
    if rules is None:
        return None, "none"
    return read_definition(rules, RULES_PACKAGE, "rule set", RuleError)


def read_output(spark: SparkSession, output: str | Path) -> pd.DataFrame:
    """A Spark output folder as one pandas frame (tests and benchmarks compare it with the batch file)."""
    path = str(output)
    reader = spark.read
    frame = reader.parquet(path) if is_parquet(path) else reader.option("header", True).csv(path)
    return frame.toPandas()


def local_cores() -> int:
    return os.cpu_count() or 1
