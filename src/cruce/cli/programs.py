"""`cruce programs`: trusted traveler and shipper enrolment, vetting, decisions and memberships.

A sub-app of `cruce.cli.main` (which owns exit codes and error lines). The command line has no signed-in
user: `--officer` names who acts (recorded in every transition and audit record) and `--country` the
country they act for (default: CRUCE_NODE_COUNTRY), whose applications and memberships are the only ones
seen. `revet` (re-vetting members after a list update) lives in `cruce.cli.programs_revet`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import load_settings, open_configured_store
from cruce.cli.output import console
from cruce.cli.programs_revet import register as register_revet
from cruce.core.errors import InputError

if TYPE_CHECKING:
    from cruce.programs.vetting import VettingResult
    from cruce.service.programs import Actor, MembershipView, ProgramService
    from cruce.storage.programs import TransitionRecord, VettingRecord
    from cruce.storage.store import Store

programs_app = typer.Typer(help="Trusted programs: apply, vet, decide, list and manage memberships.")

Officer = Annotated[str, typer.Option("--officer", help="Who acts (recorded with every move).")]
Country = Annotated[
    str | None,
    typer.Option("--country", help="The country you act for (ISO alpha-3); default CRUCE_NODE_COUNTRY."),
]
Reason = Annotated[str, typer.Option("--reason", "-r", help="Why (recorded with the move; required).")]
MAX_APPLICATION_BYTES = 1_000_000


@programs_app.callback(invoke_without_command=True)
def _programs(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        text = ctx.get_help()
        if text:
            console.print(text, markup=False)
        raise typer.Exit(0)


def _actor(officer: str, country: str | None) -> Actor:
    from cruce.service.programs import Actor

    code = country or load_settings().node_country
    if not code:
        raise InputError("no_country", "give --country (USA, MEX, CAN) or set CRUCE_NODE_COUNTRY")
    return Actor(officer, code)


def _service(store: Store) -> ProgramService:
    from cruce.service.programs import ProgramService

    return ProgramService(store, threshold=load_settings().alert_threshold)


def _read_application(path: Path) -> Any:
    """The mapping in a YAML or JSON application file; unreadable files are an InputError naming them."""
    import yaml

    if not path.is_file():
        raise InputError("application_not_found", f"application file {path} does not exist")
    if path.stat().st_size > MAX_APPLICATION_BYTES:
        raise InputError("application_too_large", f"application file {path} is over 1 MB")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("bad_application", f"application file {path} is not UTF-8 text") from exc
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise InputError("bad_application", f"application file {path} is not valid {kind}: {exc}") from exc


@programs_app.command("catalogue")
def programs_catalogue() -> None:
    """Show the programs this node knows, their tiers and each tier's inspection-rate factor."""
    from cruce.programs.config import program_catalogue

    table = Table(
        title="Programs",
        caption="insp. ×: the tier's inspection-rate factor (0.20 = a fifth of the general referral rate)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("program", "country", "lane", "tier", "insp. ×"):
        table.add_column(column, no_wrap=True)
    table.add_column("benefits", min_width=19)
    for program in program_catalogue().values():
        for tier in program.tiers:
            table.add_row(
                program.id,
                program.country,
                program.lane,
                tier.id,
                f"{tier.inspection_rate_factor:.2f}",
                " ".join(tier.benefits),
            )
    console.print(table)


@programs_app.command("apply")
def programs_apply(
    file: Annotated[Path, typer.Argument(help="The application (YAML or JSON).", metavar="FILE")],
    officer: Officer = "cli",
    country: Country = None,
) -> None:
    """Submit an application from a file; a bad one is refused with the field to fix."""
    actor = _actor(officer, country)
    data = _read_application(file)
    with open_configured_store() as store:
        record = _service(store).apply(actor, data)
    console.print(
        f"[green]application {record.application_id} submitted[/green]: {escape(record.caption)} "
        f"({record.program_id}, tier {record.tier})",
        soft_wrap=True,
    )


@programs_app.command("vet")
def programs_vet(
    application_id: Annotated[str, typer.Argument(help="The application id.")],
    officer: Officer = "cli",
    country: Country = None,
) -> None:
    """Screen every party of an application against every active list, and read its history."""
    actor = _actor(officer, country)
    with open_configured_store() as store:
        outcome = _service(store).vet(actor, application_id)
    _print_vetting(outcome.result)
    console.print(f"application {application_id} is {outcome.application.state}", soft_wrap=True)


@programs_app.command("decide")
def programs_decide(
    application_id: Annotated[str, typer.Argument(help="The application id.")],
    decision: Annotated[str, typer.Argument(help="interview, approve or deny.")],
    reason: Reason,
    officer: Officer = "cli",
    country: Country = None,
) -> None:
    """Move an application: to the interview (after vetting), approve (after the interview) or deny."""
    actor = _actor(officer, country)
    with open_configured_store() as store:
        outcome = _service(store).decide(actor, application_id, decision, reason)
    console.print(f"application {application_id} is {outcome.application.state}", soft_wrap=True)
    if outcome.membership is not None:
        m = outcome.membership.record
        console.print(
            f"[green]membership {m.membership_id} granted[/green], expires {m.expires_at.date()}",
            soft_wrap=True,
        )


@programs_app.command("ls")
def programs_ls(  # noqa: PLR0917 - Typer turns each parameter into an option
    members: Annotated[bool, typer.Option("--members", help="List memberships, not applications.")] = False,
    state: Annotated[str | None, typer.Option(help="Only this state (e.g. vetting, suspended).")] = None,
    program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many rows.")] = 50,
    officer: Officer = "cli",
    country: Country = None,
) -> None:
    """List your country's applications (the review queue) or memberships."""
    from cruce.programs.model import ApplicationState, MembershipState

    actor = _actor(officer, country)
    with open_configured_store() as store:
        service = _service(store)
        if members:
            states = [_state(MembershipState, state)] if state else []
            page = service.memberships(actor, states=states, program_id=program, limit=limit)
            _print_memberships(page.items)
            more = page.next_after is not None
        else:
            app_states = [_state(ApplicationState, state)] if state else []
            apps = service.applications(actor, states=app_states, program_id=program, limit=limit)
            table = Table(title=f"Applications ({actor.country})", box=box.SIMPLE_HEAD, pad_edge=False)
            table.add_column("application", no_wrap=True)
            for column in ("program", "state", "applicant"):
                table.add_column(column, overflow="fold")
            for r in apps.items:
                table.add_row(r.application_id, r.program_id, r.state.value, escape(r.caption))
            if apps.items:
                console.print(table)
            else:
                console.print("No application yet.")
            more = apps.next_after is not None
    if more:
        console.print(f"[dim]more than {limit}; raise --limit or filter with --state/--program[/dim]")


def _state(enum: Any, text: str) -> Any:
    try:
        return enum(text.strip().lower())
    except ValueError:
        choices = ", ".join(s.value for s in enum)
        raise InputError("bad_state", f"--state: {text!r} is not one of {choices}") from None


@programs_app.command("show")
def programs_show(
    subject_id: Annotated[str, typer.Argument(help="An application id or a membership id.")],
    officer: Officer = "cli",
    country: Country = None,
) -> None:
    """Show an application or a member: its parties, history of moves, vettings and alerts."""
    actor = _actor(officer, country)
    with open_configured_store() as store:
        service = _service(store)
        if subject_id.startswith("application:"):
            detail = service.show(actor, subject_id)
            r = detail.record
            console.print(
                f"[bold]{escape(r.caption)}[/bold] — {r.application_id}: {r.program_id} tier {r.tier}, "
                f"[bold]{r.state}[/bold]",
                soft_wrap=True,
            )
            if detail.membership is not None:
                _print_memberships([detail.membership])
            parties = detail.parties
            transitions, vettings, alerts = detail.transitions, detail.vettings, []
        else:
            page = service.member(actor, subject_id)
            _print_memberships([page.membership])
            parties = page.parties
            transitions, vettings, alerts = page.transitions, page.vettings, page.alerts
    party_table = Table(title="Parties", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("role", "name", "documents"):
        party_table.add_column(column, overflow="fold")
    for party in parties:
        docs = ", ".join(f"{i.kind}:{i.value}" for i in party.query.identifiers)
        party_table.add_row(party.role.value, escape(party.query.name), escape(docs))
    console.print(party_table)
    _print_transitions(transitions)
    for vetting in vettings:
        _print_vetting(vetting.result, vetting)
    if alerts:
        table = Table(title="Alerts", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in ("alert", "state", "listed entity", "score", "raised by"):
            table.add_column(column, overflow="fold")
        for a in alerts:
            table.add_row(a.alert_id, a.state, escape(a.entity_caption), f"{a.score:.2f}", a.created_by)
        console.print(table)


def _membership_command(name: str, verb: str, help_text: str) -> None:
    def command(
        membership_id: Annotated[str, typer.Argument(help="The membership id.")],
        reason: Reason,
        officer: Officer = "cli",
        country: Country = None,
    ) -> None:
        actor = _actor(officer, country)
        with open_configured_store() as store:
            view = getattr(_service(store), name)(actor, membership_id, reason)
        console.print(
            f"membership {membership_id} {verb}: [bold]{view.state}[/bold], "
            f"expires {view.record.expires_at.date()}",
            soft_wrap=True,
        )

    command.__doc__ = help_text
    programs_app.command(name)(command)


_membership_command(
    "suspend", "suspended", "Suspend a membership pending review (never expedited meanwhile)."
)
_membership_command("reinstate", "reinstated", "Reinstate a suspended membership after review.")
_membership_command("revoke", "revoked", "Revoke a membership (final).")
_membership_command("renew", "renewed", "Renew an active (within a year of expiry) or expired membership.")


# ---------------------------------------------------------------------------------------------- output


def _print_memberships(items: list[MembershipView]) -> None:
    if not items:
        console.print("No membership yet.")
        return
    table = Table(
        title="Memberships",
        caption="A suspended, revoked or expired member is never expedited.",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("membership", no_wrap=True)
    table.add_column("program/tier", overflow="fold")
    table.add_column("state", no_wrap=True)
    table.add_column("member", overflow="fold")
    table.add_column("expires", no_wrap=True)
    for view in items:
        r = view.record
        style = {"active": "green", "suspended": "yellow"}.get(view.state.value, "red")
        table.add_row(
            r.membership_id,
            f"{r.program_id}/{r.tier}",
            f"[{style}]{view.state.value}[/{style}]",
            escape(r.caption),
            str(r.expires_at.date()),
        )
    console.print(table)


def _print_transitions(transitions: list[TransitionRecord]) -> None:
    table = Table(title="History", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("subject", overflow="fold")
    table.add_column("move", no_wrap=True)
    table.add_column("by", overflow="fold")
    table.add_column("reason", overflow="fold", ratio=1)
    for t in transitions:
        move = f"{t.from_state or '∅'} → {t.to_state}"
        table.add_row(
            t.at.strftime("%Y-%m-%d %H:%M"), t.subject.value, move, escape(t.actor), escape(t.reason)
        )
    console.print(table)


def _print_vetting(result: VettingResult, record: VettingRecord | None = None) -> None:
    who = f" by {escape(record.vetted_by)}" if record is not None else ""
    table = Table(
        title=f"Vetting {result.checked_at.strftime('%Y-%m-%d %H:%M:%S')}{who}",
        caption=f"{result.entities:,} listed entities in {', '.join(result.lists) or 'no list'}; "
        f"{result.matcher}",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("role", "party", "found"):
        table.add_column(column, overflow="fold")
    for party in result.parties:
        found = [
            f"{'[red]ALERT[/red]' if h.alert else '[dim]near[/dim]'} {escape(h.caption)} ({h.entity_id}) "
            f"{h.score:.2f}\n[dim]{escape('; '.join(h.reasons))}[/dim]"
            for h in party.hits
        ]
        found += [
            f"{'[red]' if e.adverse else ''}{e.kind.value} {e.on}: {escape(e.detail)}"
            f"{'[/red]' if e.adverse else ''}"
            for e in party.history
        ]
        table.add_row(
            party.role.value, escape(party.name), "\n".join(found) or "[green]nothing found[/green]"
        )
    console.print(table)
    style = "green" if result.recommendation.value == "clear" else "yellow"
    console.print(
        f"recommendation: [{style}]{result.recommendation.value}[/{style}] — "
        + escape("; ".join(result.reasons))
        + " (the officer decides)",
        soft_wrap=True,
    )


register_revet(programs_app)
