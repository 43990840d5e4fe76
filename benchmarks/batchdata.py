"""Synthetic batch inputs for the scale benchmarks and the Spark tests: a watchlist and N query rows.

Rows cycle through a pool of distinct synthetic travellers (a few per cent planted from the watchlist) with
unique ids and a crossing time, so a file of any size is written in seconds and screening it does real work.
`bad_every` plants unreadable rows (a bad birth date, an unknown country, a row with too many cells) so the
errors output is exercised at scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cruce.core import csvsafe
from cruce.core.model import Entity
from cruce.matching.types import Query
from cruce.synthetic.travelers import generate_travelers
from cruce.synthetic.watchlist import generate_watchlist

HEADER = ("id", "name", "schema", "birth_date", "country", "gender", "documents", "time")
BAD_ROWS = (
    ["{id}", "Bad Date Person", "person", "1975-13-45", "MX", "", "", "{time}"],
    ["{id}", "Nowhere Person", "person", "", "Atlantis", "", "", "{time}"],
    ["{id}", "Too Many", "person", "", "MX", "", "", "{time}", "extra"],
)
START = datetime(2026, 11, 2, tzinfo=UTC)


def watchlist(seed: int = 7, size: int = 2000) -> list[Entity]:
    return generate_watchlist(seed, size)


def query_pool(entities: list[Entity], seed: int = 7, distinct: int = 5000) -> list[Query]:
    return [t.query for t in generate_travelers(seed, entities, distinct, hit_rate=0.05)]


def _cells(query: Query) -> list[str]:
    return [
        query.name,
        query.schema.value.lower(),
        query.birth_date.iso() if query.birth_date else "",
        ";".join(query.countries),
        {"male": "M", "female": "F"}.get(query.gender or "", ""),
        ";".join(f"{i.kind}:{i.value}" for i in query.identifiers),
    ]


def write_queries(
    path: Path, pool: Sequence[Query], rows: int, *, bad_every: int = 0, blank_every: int = 0
) -> int:
    """Write `rows` query rows (cycling through `pool`) as CSV; returns how many planted bad rows it wrote."""
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csvsafe.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            when = (START + timedelta(seconds=7 * i % 86400)).strftime("%Y-%m-%d %H:%M:%S")
            if blank_every and i % blank_every == blank_every - 1:
                handle.write("\n")
            if bad_every and i % bad_every == bad_every - 1:
                template = BAD_ROWS[bad % len(BAD_ROWS)]
                writer.writerow([c.format(id=f"q{i}", time=when) for c in template])
                bad += 1
                continue
            writer.writerow([f"q{i}", *_cells(pool[i % len(pool)]), when])
    return bad


DECLARATION_CHUNK_ROWS = 100_000
"""Declarations generated (and held as a frame) at a time: a file of any size is written in bounded memory."""


def write_declarations(
    path: Path,
    rows: int,
    *,
    seed: int,
    start: date,
    days: int,
    chunk_rows: int = DECLARATION_CHUNK_ROWS,
) -> None:
    """Write `rows` synthetic declarations (no outcome columns) as CSV, `chunk_rows` at a time.

    Each chunk is its own synthetic population (the first one with `seed` itself, so a file of up to
    `chunk_rows` rows is exactly `generate_declarations(rows, seed=seed)`), renumbered so ids stay unique.
    """
    from cruce.synthetic.declarations import generate_declarations

    with path.open("w", encoding="utf-8", newline="") as handle:
        for k, offset in enumerate(range(0, rows, chunk_rows)):
            n = min(chunk_rows, rows - offset)
            frame = generate_declarations(n, seed=seed + 7919 * k, start=start, days=days)
            frame = frame.drop(columns=["Fraud", "Critical Fraud"])
            frame["Declaration ID"] = [f"{10_000_000 + offset + i}" for i in range(n)]
            frame.to_csv(handle, index=False, header=k == 0, lineterminator="\n")


def head_lines(source: Path, target: Path, rows: int) -> None:
    """The header and first `rows` lines of a one-record-per-line CSV, copied without parsing."""
    with (
        source.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        for _, line in zip(range(rows + 1), src, strict=False):
            out.write(line)
