"""Analytics over batch outputs with DuckDB: what a screening batch found, and what a scored file costs.

A screening output (`cruce screen batch`, single machine or Spark) is summarised as alerts by list (the list
is the entity id's namespace, `us-ofac-sdn:306` -> `us-ofac-sdn`), and, with the input file beside it, by the
travellers' country and by hour. A scored file (`cruce risk score`) is summarised as its inspection-rate
curve: inspect the riskiest x%, and which share of the expected fraud (the sum of the calibrated scores)
that catches. DuckDB reads CSV and Parquet files and Spark output folders alike, streaming, in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cruce.batch.files import connect, is_parquet, quote_identifier
from cruce.core.errors import InputError

RATES = (0.01, 0.02, 0.05, 0.10, 0.20, 0.50)
TIME_COLUMNS = ("time", "timestamp", "crossed_at", "datetime", "seen_at", "date")
SCREEN_COLUMNS = {"query_id", "rank", "entity_id", "alert"}
SCORE_COLUMNS = {"score", "critical_score"}


@dataclass(frozen=True, slots=True)
class Count:
    """One group of a breakdown: its key, the alerts in it and the distinct queries with an alert."""

    key: str
    alerts: int
    queries: int


@dataclass(frozen=True, slots=True)
class ScreeningSummary:
    queries: int
    queries_with_alert: int
    alerts: int
    by_list: list[Count]
    by_country: list[Count] | None  # None without an input file that has a country column
    by_hour: list[Count] | None  # None without an input file that has a time column
    time_column: str | None


@dataclass(frozen=True, slots=True)
class RatePoint:
    """Inspect the riskiest `rate` of the file: how many items, down to which score, catching what share."""

    rate: float
    inspected: int
    min_score: float
    expected_share: float  # share of the summed fraud score among the inspected
    critical_share: float | None


@dataclass(frozen=True, slots=True)
class ScoringSummary:
    items: int
    alerts: int  # score >= alert_score
    alert_score: float
    mean_score: float
    curve: list[RatePoint]


def _source(path: Path) -> str:
    """A DuckDB file argument for a file or a Spark output folder (its part files)."""
    if path.is_dir():
        parts = sorted(path.glob("part-*"))
        if not parts:
            raise InputError("no_input", f"{path} is a folder with no part files", {"file": str(path)})
        suffix = ".parquet" if any(p.name.endswith(".parquet") for p in parts) else ".csv"
        return str(path / f"part-*{suffix}")
    if not path.is_file():
        raise InputError("no_input", f"{path} does not exist", {"file": str(path)})
    return str(path)


def _relation(
    con: duckdb.DuckDBPyConnection, path: Path, *, lenient: bool = False
) -> duckdb.DuckDBPyRelation:
    """A file as a relation; `lenient` for a batch input, whose unreadable rows the batch already reported."""
    source = _source(path)
    try:
        if source.endswith(".parquet") or is_parquet(source):
            return con.read_parquet(source)
        if lenient:
            return con.sql(
                "SELECT * FROM read_csv(?, header = true, delim = ',', quote = '\"', all_varchar = true, "
                "null_padding = true, strict_mode = false, ignore_errors = true)",
                params=[source],
            )
        return con.read_csv(source, header=True)
    except duckdb.Error as exc:
        raise InputError("bad_input", f"{path} cannot be read: {exc}", {"file": str(path)}) from exc


def kind_of(path: Path) -> str:
    """ "screening" or "scoring", from the file's columns; an InputError for anything else."""
    con = connect(threads=2)
    try:
        columns = {c.lower() for c in _relation(con, path).columns}
    finally:
        con.close()
    if columns >= SCREEN_COLUMNS:
        return "screening"
    if columns >= SCORE_COLUMNS:
        return "scoring"
    raise InputError(
        "bad_input",
        f"{path} is neither a screening output (query_id, rank, entity_id, alert…) nor a scored file "
        "(score, critical_score…)",
    )


def screening_summary(output: Path, input_path: Path | None = None) -> ScreeningSummary:
    """Alerts by list, and with the input (id, country, a time column) by country and by hour."""
    con = connect(threads=2)
    try:
        _relation(con, output).create_view("result")
        alerts_sql = "CAST(alert AS VARCHAR) IN ('true', 'True', '1')"
        row = con.execute(
            f"SELECT count(DISTINCT query_id), count(DISTINCT CASE WHEN {alerts_sql} THEN query_id END), "
            f"count(*) FILTER (WHERE {alerts_sql}) FROM result"
        ).fetchone()
        assert row is not None
        con.execute(f"CREATE VIEW alerts AS SELECT * FROM result WHERE {alerts_sql}")
        by_list = _counts(con, "split_part(CAST(entity_id AS VARCHAR), ':', 1)", "alerts")
        by_country = by_hour = None
        time_column = None
        if input_path is not None:
            source = _relation(con, input_path, lenient=True)
            columns = {c.lower(): c for c in source.columns}
            if "id" not in columns:
                raise InputError("missing_column", f"{input_path} has no id column to join on")
            source.create_view("source")
            join = (
                "CREATE VIEW joined AS SELECT alerts.*, source.* EXCLUDE ("
                + quote_identifier(columns["id"])
                + ") FROM alerts JOIN source ON CAST(alerts.query_id AS VARCHAR) = "
                + f"CAST(source.{quote_identifier(columns['id'])} AS VARCHAR)"
            )
            con.execute(join)
            if "country" in columns:
                country = f"upper(trim(CAST({quote_identifier(columns['country'])} AS VARCHAR)))"
                by_country = _counts(con, f"coalesce(nullif({country}, ''), '(none)')", "joined")
            time_column = next((columns[c] for c in TIME_COLUMNS if c in columns), None)
            if time_column is not None:
                hour = (
                    f"coalesce(strftime(date_trunc('hour', TRY_CAST({quote_identifier(time_column)} "
                    "AS TIMESTAMP)), '%Y-%m-%d %H:00'), '(no time)')"
                )
                by_hour = _counts(con, hour, "joined", order_by_key=True)
        return ScreeningSummary(
            int(row[0]), int(row[1]), int(row[2]), by_list, by_country, by_hour, time_column
        )
    except duckdb.Error as exc:
        raise InputError("bad_input", f"{output}: {exc}") from exc
    finally:
        con.close()


def _counts(
    con: duckdb.DuckDBPyConnection, key: str, table: str, *, order_by_key: bool = False
) -> list[Count]:
    order = "1" if order_by_key else "2 DESC, 1"
    rows = con.execute(
        f"SELECT {key} AS k, count(*), count(DISTINCT query_id) FROM {table} GROUP BY k ORDER BY {order}"
    ).fetchall()
    return [Count(str(k), int(a), int(q)) for k, a, q in rows]


def scoring_summary(
    scored: Path, *, alert_score: float = 0.5, rates: Sequence[float] = RATES
) -> ScoringSummary:
    """The inspection-rate curve of a scored file: the riskiest x% and the expected fraud they hold."""
    con = connect(threads=2)
    try:
        _relation(con, scored).create_view("scored")
        totals = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE score >= ?), avg(score) FROM scored", [alert_score]
        ).fetchone()
        assert totals is not None
        items = int(totals[0])
        if not items:
            raise InputError("empty_input", f"{scored} holds no scored item")
        rows = con.execute(
            """
            WITH ranked AS (
                SELECT score, row_number() OVER w AS r,
                       sum(score) OVER w AS cum, sum(critical_score) OVER w AS ccum
                FROM scored
                WINDOW w AS (ORDER BY score DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            ),
            totals AS (SELECT count(*) AS n, sum(score) AS total, sum(critical_score) AS ctotal FROM scored),
            rates AS (SELECT unnest(?::DOUBLE[]) AS rate)
            SELECT rate, r, score, cum / nullif(total, 0), ccum / nullif(ctotal, 0)
            FROM rates, totals JOIN ranked ON ranked.r = greatest(1, CAST(ceil(rate * n) AS BIGINT))
            ORDER BY rate
            """,
            [list(rates)],
        ).fetchall()
        curve = [
            RatePoint(float(rate), int(r), float(s), float(share or 0.0), None if cs is None else float(cs))
            for rate, r, s, share, cs in rows
        ]
        return ScoringSummary(items, int(totals[1]), alert_score, float(totals[2] or 0.0), curve)
    except duckdb.Error as exc:
        raise InputError("bad_input", f"{scored}: {exc}") from exc
    finally:
        con.close()
