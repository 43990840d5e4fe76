"""`cruce resolve` and `cruce cases ...`: entity resolution over a CSV, evidence custody checks, networks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cruce.cli.output import advance, progress
from cruce.cli.output import plural as _plural
from cruce.cli.output import say as _say

PROBLEMS_SHOWN = 20


def resolve(
    source: Annotated[Path, typer.Argument(help="CSV of person records (needs a record_id column).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write record_id,entity_id here.")],
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="Also write the scored pairs and their explanations.")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Match probability at which two records are linked.", min=0.01, max=0.99)
    ] = 0.5,
    month_first: Annotated[
        bool, typer.Option("--month-first", help="Read ambiguous dates like 03/02/1975 as month/day.")
    ] = False,
) -> None:
    """Resolve person records into entities (who is the same person), with explained pairs."""
    from cruce.cases.batch import resolve_file
    from cruce.cases.resolve import Resolver

    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("resolving", total=4)
        result = resolve_file(
            source, output, pairs, resolver=Resolver(threshold=threshold), progress=advance(bar, task),
            day_first=not month_first,
        )  # fmt: skip
    records = result.read.records
    entities = len(set(result.resolution.entity_of.values()))
    links = sum(p.matched for p in result.resolution.pairs)
    _say(
        f"{_plural(len(records), 'record')} -> {_plural(entities, 'entity', 'entities')} "
        f"({_plural(links, 'link')} among {result.resolution.blocking.pairs:,} candidate pairs) "
        f"in {time.perf_counter() - started:.1f} s; wrote {escape(str(output))}"
        + (f" and {escape(str(pairs))}" if pairs else "")
    )
    for key, count in result.resolution.blocking.skipped_blocks.items():
        _say(f"  [yellow]note[/yellow] {_plural(count, 'block')} too large skipped for key {escape(key)}")
    problems = result.read.problems
    if problems:
        _say(f"  [yellow]{_plural(len(problems), 'value')} could not be fully read[/yellow] (records kept):")
        for p in problems[:PROBLEMS_SHOWN]:
            _say(f"    {escape(str(p))}")
        if len(problems) > PROBLEMS_SHOWN:
            _say(f"    ... and {len(problems) - PROBLEMS_SHOWN} more")
