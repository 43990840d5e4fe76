"""`cruce audit`: check the audit log's hash chain and list its records.

A sub-app of `cruce.cli.main` (which owns exit codes and error lines). `verify` exits 1 when it finds any
problem, so a cron job or CI step can alarm on it; its success line prints the head's hash, which is worth
copying somewhere else now and then: a chain can prove nothing was changed only up to a head kept apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import open_configured_store
from cruce.cli.output import console
from cruce.core.errors import InputError

if TYPE_CHECKING:
    from cruce.service.auditing import NodeAudit
    from cruce.storage.store import Store


audit_app = typer.Typer(help="Check and list the append-only, hash-chained audit log.")


def _open_store() -> Store:
    """The store the settings name (the same one every other command uses), migrated to the newest schema."""
    return open_configured_store()


def _audit_of(store: Store) -> NodeAudit:
    from cruce.service.auditing import NodeAudit

    return NodeAudit.of(store)


@audit_app.callback(invoke_without_command=True)
def _audit(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        text = ctx.get_help()  # Typer's Rich help prints itself and returns ""
        if text:
            console.print(text, markup=False)
        raise typer.Exit(0)


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="SEQ:HASH from an earlier verify, kept outside the database (repeatable): catches a log "
            "cut back and re-headed, which the chain alone cannot.",
        ),
    ] = None,
) -> None:
    """Recompute every record's hash and link; exit 1 if any record was altered, removed or reordered."""
    anchors = [_anchor(text) for text in anchor or []]
    with _open_store() as store:
        result = _audit_of(store).verify(anchors)
    problems = result.problems
    if result.ok:
        records = f"{result.checked:,} record{'' if result.checked == 1 else 's'}"
        anchored = f"; {len(anchors)} anchor{'' if len(anchors) == 1 else 's'} match" if anchors else ""
        console.print(
            f"[green]audit log intact: {records}, head {result.head.seq}:{result.head.hash[:12]}"
            f"{anchored}[/green]",
            soft_wrap=True,
        )
        return
    for problem in problems:
        console.print(f"[red]{escape(problem)}[/red]", soft_wrap=True)
    count = len(problems)
    console.print(
        f"[red]audit log NOT intact: {count} problem{'' if count == 1 else 's'} in "
        f"{result.checked:,} records checked[/red]",
        soft_wrap=True,
    )
    raise typer.Exit(1)


def _anchor(text: str) -> tuple[int, str]:
    """`SEQ:HASH` (HASH may be a prefix of at least 8 characters) as printed by `cruce audit verify`."""
    seq, _, prefix = text.partition(":")
    if (
        not seq.isdigit()
        or int(seq) < 1
        or len(prefix) < 8
        or any(c not in "0123456789abcdef" for c in prefix)
    ):
        raise InputError("bad_anchor", f"--anchor {text!r} must be SEQ:HASH, e.g. 1042:3fa9c2d1e0b7")
    return int(seq), prefix


@audit_app.command("ls")
def audit_ls(
    limit: Annotated[int, typer.Option(help="Show the newest this many records.", min=1)] = 20,
    actor: Annotated[str | None, typer.Option(help="Only the records of this user or process.")] = None,
) -> None:
    """Show the newest records of the audit log, oldest of them first."""
    with _open_store() as store:
        records = _audit_of(store).latest(limit, actor=actor)
    if not records:
        console.print(f"No audit record{f' of {escape(actor)}' if actor else ''} yet.", soft_wrap=True)
        return
    table = Table(
        title="Audit log (newest last)",
        caption="Each row: who did what to which resource, then (dim) the reason recorded.",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("seq", justify="right", no_wrap=True)
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("actor, action, resource / reason", overflow="fold")
    for record in records:
        event = record.event
        style = "green" if event.outcome.value == "allowed" else "red"
        what = f"{escape(event.actor)} [bold]{escape(event.action)}[/bold] {escape(event.resource)}"
        if event.reason:
            what += f"\n[dim]{escape(event.reason)}[/dim]"
        table.add_row(
            str(record.seq),
            event.at.strftime("%Y-%m-%d %H:%M:%S"),
            f"[{style}]{event.outcome.value}[/{style}]",
            what,
        )
    console.print(table)
