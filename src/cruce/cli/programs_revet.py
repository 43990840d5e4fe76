"""`cruce programs revet`: run the pending re-vettings now (or `--full`: every member against every list).

Thin over `cruce.service.revetting`. The `programs` group is shared with enrolment (`cruce programs apply,
vet, decide, ls, show`); `register(group)` adds `revet` to whichever group holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import load_settings, open_configured_store
from cruce.cli.output import console, plural, progress, say

if TYPE_CHECKING:
    from cruce.programs.revetting import RevetHit
    from cruce.service.revetting import RunOutcome
    from cruce.storage.revetting import RunRecord

HITS_SHOWN = 50


def revet(
    full: Annotated[
        bool, typer.Option("--full", help="Re-screen every active member against every active list.")
    ] = False,
) -> None:
    """Re-vet members now: every list version not re-vetted yet (the diff's new and changed entries)."""
    from cruce.service import revetting

    settings = load_settings()
    with open_configured_store(settings) as store:
        directory = revetting.member_directory(store)
        revetter = revetting.Revetter(
            store,
            directory,
            threshold=settings.alert_threshold,
            workers=settings.workers,
            chunk_size=revetting.DEFAULT_CHUNK * max(settings.workers, 1),
        )
        with progress() as bar:
            tasks: dict[int, object] = {}

            def step(run: RunRecord, done: int, total: int) -> None:
                task = tasks.get(run.id)
                if task is None:
                    task = tasks[run.id] = bar.add_task(f"re-vetting {run.label}", total=total)
                bar.update(task, completed=done)  # type: ignore[arg-type]
                bar.refresh()

            outcomes = [revetter.run_full(step)] if full else revetter.run_pending(step)
        hits = [h for o in outcomes for h in revetter.runs.hits_of(o.run.id)]
    if not outcomes:
        say("nothing to re-vet: every list version is re-vetted")
        return
    _print(outcomes, hits)


def _print(outcomes: list[RunOutcome], hits: list[RevetHit]) -> None:
    table = Table(box=box.SIMPLE, show_edge=False)
    for column in ("run", "entities", "members", "new hits", "seconds"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for o in outcomes:
        table.add_row(
            escape(o.run.label),
            f"{o.entities:,}",
            f"{o.run.members or 0:,}",
            f"{o.new_hits:,}",
            f"{o.seconds:.1f}",
        )
    console.print(table)
    for hit in hits[:HITS_SHOWN]:
        say(
            f"{hit.membership_id} ({hit.party_role.value} {hit.party_name}) ~ {hit.entity_id} "
            f"{hit.entity_caption} {hit.score:.2f}: suspended pending review; {hit.reasons()}"
        )
    if len(hits) > HITS_SHOWN:
        say(f"... and {len(hits) - HITS_SHOWN:,} more in the alert queue")
    total = sum(o.new_hits for o in outcomes)
    say(f"{plural(total, 'new hit')}; every member hit is suspended pending review")


def register(group: typer.Typer) -> None:
    """Add `revet` to the `programs` command group."""
    group.command("revet")(revet)
