"""Batch at scale from the command line: Parquet files, `--engine spark`, and `cruce report` over outputs."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import load_matcher, load_settings, open_configured_store
from cruce.cli.output import advance, console, err_console, plural, progress, say, status
from cruce.core.errors import InputError
from cruce.core.extras import require

if TYPE_CHECKING:
    from cruce.matching.matcher import Matcher
    from cruce.service.screening import BatchReport


class Engine(StrEnum):
    local = "local"
    spark = "spark"


EngineOption = Annotated[
    Engine,
    typer.Option(help="local: worker processes on this machine; spark: a Spark cluster (cruce[spark])."),
]
MasterOption = Annotated[
    str,
    typer.Option("--master", help="Spark master with --engine spark (local[2], spark://host:7077, yarn)."),
]
PartitionsOption = Annotated[
    int | None,
    typer.Option(
        help="Spark input partitions, at least (default: two per core; no split holds more than 32 MB).",
        min=1,
    ),
]


def wants_table_path(input_path: Path, output: Path, engine: Engine) -> bool:
    """Whether `cruce screen batch` leaves the CSV-only path: Spark, or a Parquet file on either side."""
    from cruce.batch.files import is_parquet

    return engine is not Engine.local or is_parquet(input_path) or is_parquet(output)


def screen_batch_table(  # noqa: PLR0917 - the options of `cruce screen batch`
    input_path: Path, output: Path, top: int, workers: int | None, engine: Engine, master: str,
    partitions: int | None,
) -> None:  # fmt: skip
    """`cruce screen batch` with Parquet files or on Spark."""
    settings = load_settings()
    if engine is Engine.spark:
        _screen_spark(input_path, output, top, master, partitions)
        return
    require("batch")
    from cruce.batch.screen import check_table_paths, screen_table

    check_table_paths(input_path, output)
    matcher = load_matcher(settings)
    run_screening(
        screen_table, matcher, input_path, output, top, workers or settings.workers, _rows(input_path)
    )


def run_screening(  # noqa: PLR0917 - the parts of one `cruce screen batch` run
    screen: Callable[..., BatchReport], matcher: Matcher, input_path: Path, output: Path, top: int,
    workers: int, total: int,
) -> None:  # fmt: skip
    """Screen with a progress bar, then say what was done and where rejected rows went (CSV or Parquet)."""
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("screening", total=total)
        report = screen(matcher, input_path, output, top=top, workers=workers, progress=advance(bar, task))
    elapsed = time.perf_counter() - started
    rate = report.rows / elapsed if elapsed else 0.0
    say(
        f"Screened {plural(report.queries, 'query', 'queries')} in {elapsed:.1f} s ({rate:,.0f} rows/s): "
        f"{report.queries_with_alert:,} with an alert. Results: {escape(str(output))}"
    )
    if report.first_rejected is not None:
        line, row_id, reason = report.first_rejected
        _warn_rejected(report.rejected, str(report.errors_file), f"line {line}", row_id, reason)


def _rows(path: Path) -> int:
    from cruce.batch.files import is_parquet

    if is_parquet(path):
        from cruce.batch.files import connect

        con = connect()
        try:
            row = con.read_parquet(str(path)).aggregate("count(*)").fetchone()
            return int(row[0]) if row else 0
        finally:
            con.close()
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _warn_rejected(count: int, where: str, at: str, row_id: str, reason: str) -> None:
    err_console.print(
        f"[yellow]warning:[/yellow] {plural(count, 'row')} could not be screened; they are listed with "
        f"their file and line in {escape(where)} (first: {escape(at)}"
        f"{f', id {escape(row_id)}' if row_id else ''}: {escape(reason)})",
        soft_wrap=True,
    )


def _spark(master: str):  # type: ignore[no-untyped-def]  # pyspark's SparkSession, imported lazily
    require("spark")
    from cruce.engines import spark

    status(f"starting Spark ({master})")
    return spark, spark.session(master)


def _screen_spark(input_path: Path, output: Path, top: int, master: str, partitions: int | None) -> None:
    settings = load_settings()
    engine, session = _spark(master)
    with err_console.status("loading the watchlists..."), open_configured_store(settings) as store:
        entities = store.load_entities()
    report = engine.screen(
        session, entities, [input_path], output, threshold=settings.alert_threshold, top=top,
        partitions=partitions,
    )  # fmt: skip
    rate = report.rows / report.seconds if report.seconds else 0.0
    say(
        f"Screened {plural(report.queries, 'query', 'queries')} on Spark ({escape(master)}, "
        f"{report.partitions} partitions) in {report.seconds:.1f} s ({rate:,.0f} rows/s): "
        f"{report.queries_with_alert:,} with an alert. Results: {escape(str(output))}/"
    )
    if report.rejected:
        err_console.print(
            f"[yellow]warning:[/yellow] {plural(report.rejected, 'row')} could not be screened; they are "
            f"listed with their file and line in {escape(str(report.errors_output))}/",
            soft_wrap=True,
        )


def score_spark(  # noqa: PLR0917 - the options of `cruce risk score`
    input_path: Path, output: Path, model: Path, mapping: str | None, rules: str | None,
    screen_parties: bool, top: int, reasons: bool, master: str, partitions: int | None,
) -> None:  # fmt: skip
    """`cruce risk score --engine spark`: the same model and rules, run in Spark workers."""
    settings = load_settings()
    engine, session = _spark(master)
    entities = None
    if screen_parties and _names_parties(model, mapping):
        with open_configured_store(settings) as store:
            entities = store.load_entities() or None
    report = engine.score(
        session, model, [input_path], output, mapping=mapping, rules=rules, party_entities=entities,
        threshold=settings.alert_threshold, top=top, reasons=reasons, partitions=partitions,
    )  # fmt: skip
    rate = report.rows / report.seconds if report.seconds else 0.0
    say(
        f"Scored {plural(report.rows, 'declaration')} on Spark ({escape(master)}) in {report.seconds:.1f} s "
        f"({rate:,.0f}/s) with model {report.model_version} and {report.rules_label or 'no rules'}: "
        f"{report.alerts:,} at score ≥ 0.5. Results: {escape(str(output))}/"
    )
    if report.errors:
        err_console.print(
            f"[yellow]warning:[/yellow] {plural(report.errors, 'problem')} in unreadable rows, listed with "
            f"their file and line in {escape(str(report.errors_output))}/",
            soft_wrap=True,
        )


def _names_parties(model: Path, mapping: str | None) -> bool:
    from cruce.scoring.declarations import PARTY_NAME_FIELDS
    from cruce.scoring.mapping import load_mapping
    from cruce.service.risk import mapping_for

    fields = load_mapping(mapping_for(model, mapping)).fields
    return any(field in fields for field in PARTY_NAME_FIELDS)


# ---------------------------------------------------------------- cruce report


def report(
    result: Annotated[
        Path,
        typer.Argument(
            help="A `cruce screen batch` output or a `cruce risk score` output (file or Spark folder).",
            metavar="OUTPUT",
        ),
    ],
    input_path: Annotated[
        Path | None,
        typer.Option("--input", help="The batch's input file: adds alerts by country and by hour."),
    ] = None,
    alert_score: Annotated[float, typer.Option(help="Score counted as an alert in a scored file.")] = 0.5,
) -> None:
    """Summarise a batch output with DuckDB: alerts by list, country and hour, or an inspection-rate curve."""
    require("batch")
    from cruce.batch import report as analytics

    if analytics.kind_of(result) == "screening":
        _print_screening(analytics.screening_summary(result, input_path))
    else:
        if input_path is not None:
            raise InputError("bad_option", "--input applies to screening outputs, not to a scored file")
        _print_scoring(analytics.scoring_summary(result, alert_score=alert_score))


def _print_screening(summary: object) -> None:
    from cruce.batch.report import Count, ScreeningSummary

    assert isinstance(summary, ScreeningSummary)
    say(
        f"{plural(summary.queries, 'query', 'queries')}, {summary.queries_with_alert:,} with an alert, "
        f"{plural(summary.alerts, 'alert')}."
    )

    def table(title: str, key: str, counts: list[Count]) -> None:
        grid = Table(title=title, box=box.SIMPLE_HEAD)
        grid.add_column(key)
        grid.add_column("alerts", justify="right")
        grid.add_column("queries", justify="right")
        for count in counts:
            grid.add_row(escape(count.key), f"{count.alerts:,}", f"{count.queries:,}")
        console.print(grid)

    table("Alerts by list", "list", summary.by_list)
    if summary.by_country is not None:
        table("Alerts by country of the query", "country", summary.by_country)
    if summary.by_hour is not None:
        table(f"Alerts by hour ({escape(summary.time_column or '')})", "hour", summary.by_hour)
    if summary.by_country is None and summary.by_hour is None:
        say("By country and by hour: give the batch's input with --input (columns id, country, time).")


def _print_scoring(summary: object) -> None:
    from cruce.batch.report import ScoringSummary

    assert isinstance(summary, ScoringSummary)
    say(
        f"{plural(summary.items, 'declaration')} scored, mean score {summary.mean_score:.3f}; "
        f"{summary.alerts:,} at score ≥ {summary.alert_score:g}."
    )
    grid = Table(
        title="Inspection-rate curve", box=box.SIMPLE_HEAD,
        caption="share of the expected fraud (sum of calibrated scores) among the inspected",
    )  # fmt: skip
    for name in ("inspect", "items", "down to score", "expected fraud caught", "critical"):
        grid.add_column(name, justify="left" if name == "inspect" else "right")
    for point in summary.curve:
        critical = "–" if point.critical_share is None else f"{point.critical_share:.1%}"
        grid.add_row(
            f"top {point.rate:.0%}", f"{point.inspected:,}", f"{point.min_score:.3f}",
            f"{point.expected_share:.1%}", critical,
        )  # fmt: skip
    console.print(grid)
