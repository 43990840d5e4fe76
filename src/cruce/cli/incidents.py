"""`cruce incidents …`: open an incident, write sitreps, ask and give assistance, record rescues, hand over
repatriations and acknowledge them, show the heat map, purge personal data past retention.

Every command acts as a sharing account (`--as USER`, see `cruce share accounts`): its country partitions
what it sees and its roles and clearance decide what it may write (`cruce.service.respond`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import load_settings, open_configured_store
from cruce.cli.output import console, err_console, say
from cruce.core.errors import InputError
from cruce.service.respond import RespondService
from cruce.storage.accounts import Account

incidents_app = typer.Typer(help="Joint emergencies and humanitarian operations between partners.")

AsUser = Annotated[
    str, typer.Option("--as", help="The account acting (its country partitions what it sees).")
]


@contextmanager
def _service(as_user: str) -> Iterator[tuple[RespondService, Account]]:
    from cruce.service.node_admin import NodeAdmin
    from cruce.service.retention import enforce_retention, retention_periods
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    settings = load_settings()
    with open_configured_store(settings) as store:
        respond, audit = RespondStore(store.engine), AuditLog(store.engine)
        # Personal data past retention goes before any command reads humanitarian data (each deletion
        # audited), whether or not a server runs beside this command.
        periods = retention_periods(
            settings.retention_rescue, settings.retention_repatriation, settings.retention_case
        )
        purged = enforce_retention(respond, audit, retention=periods)
        if purged.count:
            err_console.print(f"deleted {purged.count} personal record(s) past retention (audited)")
        account = NodeAdmin(store).account(as_user)
        yield RespondService(respond, audit), account


def _when(text: str | None, field: str) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            "bad_time", f"{field}: {text!r} is not an ISO 8601 time (2026-09-01T18:00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _portions(raw: list[str]) -> list[tuple[str, str]]:
    parts = []
    for i, text in enumerate(raw, start=1):
        if "|" not in text:
            raise InputError("bad_portion", f"portion {i}: write 'MARKING|text', e.g. 'S//REL TO USA, MEX|…'")
        mark, body = text.split("|", 1)
        parts.append((mark.strip(), body))
    return parts


@incidents_app.command("open")
def open_(
    kind: Annotated[str, typer.Argument(help="hurricane, earthquake, flood, pandemic, telecom_outage, …")],
    name: Annotated[str, typer.Argument(help="A name people will recognise.")],
    as_user: AsUser,
    marking: Annotated[str, typer.Option(help="Who may read it, e.g. 'C//REL TO USA, MEX'.")] = "U",
) -> None:
    """Open an incident."""
    with _service(as_user) as (service, account):
        incident = service.open_incident(account, kind=kind, name=name, marking=marking)
    say(f"opened {incident.incident_id} ({incident.kind}: {escape(incident.name)}) [{incident.marking}]")


@incidents_app.command("ls")
def ls(as_user: AsUser) -> None:
    """Incidents this account may see (its country's, and those released to it)."""
    with _service(as_user) as (service, account):
        rows = service.incidents(account)
    table = Table(title=f"Incidents visible to {account.country}")
    for column in ("id", "country", "kind", "name", "status", "opened", "marking"):
        table.add_column(column)
    for i in rows:
        table.add_row(
            i.incident_id,
            i.country,
            i.kind,
            escape(i.name),
            i.status,
            f"{i.opened_at:%Y-%m-%d %H:%M}",
            i.marking,
        )
    console.print(table)


@incidents_app.command("show")
def show(incident_id: str, as_user: AsUser) -> None:
    """The incident's shared timeline and its sitreps as this account may read them (its tear line)."""
    with _service(as_user) as (service, account):
        timeline = service.timeline(account, incident_id)
        sitreps = service.sitreps(account, incident_id)
        help_ = service.assistance_of(account, incident_id)
    for entry in timeline:
        say(f"{entry.at:%Y-%m-%d %H:%M} {entry.country} {entry.kind}: {escape(entry.text)}")
    for report in sitreps:
        say(f"\n[bold]{report.banner}[/]\n{escape(report.title)} ({report.country}, {report.author})")
        for banner, text in report.portions:
            say(f"  {escape(banner)} {escape(text)}")
        if report.withheld:
            say(f"  [dim]{report.withheld} portion(s) not released to {account.country}[/]")
    for a in help_:
        say(
            f"assistance {a.request_id}: {a.from_country} asks {a.to_country} for {escape(a.what)}: {a.state}"
        )


@incidents_app.command("note")
def note(incident_id: str, text: str, as_user: AsUser, marking: str = "U") -> None:
    """Add a line to the shared timeline."""
    with _service(as_user) as (service, account):
        service.note(account, incident_id, text, marking)
    say("noted")


@incidents_app.command("sitrep")
def sitrep(
    incident_id: str,
    as_user: AsUser,
    portion: Annotated[list[str], typer.Option(help="'MARKING|text', one per portion (repeat).")],
    title: str = "Situation report",
    title_marking: Annotated[str | None, typer.Option(help="The title's marking.")] = None,
) -> None:
    """Write a situation report of marked portions; each partner reads its tear-line version."""
    with _service(as_user) as (service, account):
        report = service.write_sitrep(account, incident_id, title, _portions(portion), title_marking)
    say(f"sitrep {report.entry_id} [{report.banner}]: {len(report.portions)} portions")


@incidents_app.command("assist")
def assist(  # noqa: PLR0917 - Typer turns each parameter into an option
    action: Annotated[str, typer.Argument(help="request, offered, accepted or delivered")],
    ref: Annotated[str, typer.Argument(help="The incident (request) or the request id (other steps).")],
    as_user: AsUser,
    to: Annotated[str | None, typer.Option(help="request: the partner asked.")] = None,
    what: Annotated[str | None, typer.Option(help="request: what is needed.")] = None,
    marking: Annotated[
        str,
        typer.Option(help="request: the marking of what is needed (the partner must be able to read it)."),
    ] = "U",
    portion: Annotated[
        list[str] | None,
        typer.Option(help="request: further context as 'MARKING|text' (repeat); partners get only theirs."),
    ] = None,
) -> None:
    """Ask a partner for assistance, or move a request on (offered, accepted, delivered)."""
    with _service(as_user) as (service, account):
        if action == "request":
            if not to or not what:
                raise InputError("bad_assistance", "a request needs --to COUNTRY and --what TEXT")
            result = service.request_assistance(account, ref, to, what, marking, _portions(portion or []))
        else:
            result = service.advance(account, ref, action)
    say(
        f"{result.request_id}: {result.from_country} → {result.to_country}: "
        f"{escape(result.what)}: {result.state}"
    )


@incidents_app.command("rescue")
def rescue(  # noqa: PLR0917 - Typer turns each parameter into an option
    as_user: AsUser,
    sector: Annotated[str, typer.Option(help="Border Patrol sector or Mexican counterpart.")],
    latitude: Annotated[float, typer.Option()],
    longitude: Annotated[float, typer.Option()],
    cause: Annotated[str, typer.Option(help="heat, dehydration, drowning, injury, lost, vehicle, abandoned")],
    people: Annotated[int, typer.Option()] = 1,
    outcome: str = "rescued",
    at: Annotated[str | None, typer.Option(help="When (ISO 8601, default now).")] = None,
    case: Annotated[str | None, typer.Option(help="The joint case, when smugglers were involved.")] = None,
) -> None:
    """Record a rescue (no personal data here; people are recorded with repatriations or cases)."""
    with _service(as_user) as (service, account):
        result = service.record_rescue(
            account,
            occurred_at=_when(at, "--at"),
            latitude=latitude,
            longitude=longitude,
            sector=sector,
            cause=cause,
            people=people,
            outcome=outcome,
            case_id=case,
        )
    say(
        f"rescue {result.rescue_id}: {result.people} people, {result.sector}, "
        f"{result.cause}, {result.outcome}"
    )


@incidents_app.command("repatriate")
def repatriate(
    manifest: Annotated[Path, typer.Argument(help="CSV: given_name, birth_year, nationality, sex.")],
    as_user: AsUser,
    to: Annotated[str, typer.Option(help="The receiving country.")],
    port: Annotated[str, typer.Option(help="The port of the hand-over.")],
    at: Annotated[str | None, typer.Option(help="Hand-over time (ISO 8601, default now).")] = None,
) -> None:
    """Hand a transfer over to the partner; every person on the manifest is screened against the lists."""
    from cruce.cli.config import load_matcher, load_settings
    from cruce.service.respond import matcher_screen

    try:
        with manifest.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {manifest}: {exc.strerror}") from exc
    people = []
    for line, row in enumerate(rows, start=2):
        person: dict[str, object] = {k: v for k, v in row.items() if k and v}
        if "birth_year" in person:
            try:
                person["birth_year"] = int(str(person["birth_year"]))
            except ValueError:
                raise InputError("bad_manifest", f"line {line}: birth_year is not a year") from None
        people.append(person)
    screen = matcher_screen(load_matcher(load_settings()))
    with _service(as_user) as (service, account):
        result = service.repatriate(
            account, to_country=to, port=port, handover_at=_when(at, "--at"), manifest=people, screen=screen
        )
    say(
        f"transfer {result.transfer_id}: {result.people} people to {result.to_country} "
        f"at {escape(result.port)}, "
        f"{result.alerts} screening alert(s); awaiting {result.to_country}'s receipt"
    )


@incidents_app.command("ack")
def ack(
    transfer_id: str, as_user: AsUser, received: Annotated[int, typer.Option(help="People received.")]
) -> None:
    """Acknowledge a repatriation as the receiving partner."""
    with _service(as_user) as (service, account):
        result = service.acknowledge(account, transfer_id, received)
    say(f"transfer {result.transfer_id}: receipt by {result.receipt_by} for {result.received} people")


@incidents_app.command("heatmap")
def heatmap_(
    as_user: AsUser,
    plot: Annotated[Path | None, typer.Option(help="Also write the heat map as a PNG.")] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report with the plot.")
    ] = None,
) -> None:
    """People rescued by sector and month (this country's rescues)."""
    from cruce.respond.humanitarian import plot_heatmap, write_heatmap_report

    with _service(as_user) as (service, account):
        table = service.heatmap(account)
    if table.empty:
        say("no rescues recorded")
        return
    out = Table(title=f"People rescued by sector and month ({account.country})")
    out.add_column("sector")
    for month in table.columns:
        out.add_column(str(month), justify="right")
    for sector, values in table.iterrows():
        out.add_row(escape(str(sector)), *(f"{int(v)}" for v in values))
    console.print(out)
    if plot is not None:
        plot_heatmap(table, plot)
        say(f"heat map written to {plot}")
    if html is not None:
        write_heatmap_report(table, html, country=account.country, generated=datetime.now(UTC))
        say(f"heat map report written to {escape(str(html))}")


@incidents_app.command("purge")
def purge(as_user: AsUser) -> None:
    """Delete migrants' personal records past every purpose's retention (each deletion audited)."""
    from cruce.service.respond_sync import forget_purged
    from cruce.storage.sharing import SharingStore

    with _service(as_user) as (service, account):
        result = service.purge(account)
        forgotten = forget_purged(service, SharingStore(service.store.engine), account)
    say(
        f"deleted {len(result.deleted)} personal record(s); "
        f"kept {result.kept} ({len(result.held)} on legal hold)"
    )
    if forgotten:
        say(f"deleted the shared manifests of {len(forgotten)} repatriation(s) from the sharing collections")


@incidents_app.command("publish")
def publish(
    sitrep_id: Annotated[str, typer.Argument(help="The sitrep (as `cruce incidents sitrep` printed it).")],
    as_user: AsUser,
    collection: Annotated[str, typer.Option(help="The sharing collection partners sync from.")],
) -> None:
    """Publish a sitrep to partner nodes: each partner's tear line as a STIX report (`cruce share sync`)."""
    from cruce.storage.sharing import SharingStore

    with _service(as_user) as (service, account):
        result = service.publish_sitrep(account, sitrep_id, SharingStore(service.store.engine), collection)
    released = ", ".join(result.released_to) or "no partner"
    say(f"{result.product_id}: {result.added} new object versions; released to {released}")
    for code, reason in result.denied.items():
        say(f"  not released to {code}: {escape(reason)}")


@incidents_app.command("share")
def share(
    as_user: AsUser,
    collection: Annotated[str, typer.Option(help="The sharing collection partners sync from.")],
) -> None:
    """Release this node's assistance steps, hand-overs and receipts to the partners concerned (each cut to
    what that partner may read); partners bring them over with `cruce share sync`. Safe to rerun."""
    from cruce.service.respond_sync import release
    from cruce.storage.sharing import SharingStore

    with _service(as_user) as (service, account):
        result = release(service, SharingStore(service.store.engine), account, collection)
    say(f"{len(result.steps)} step(s) released, {result.present} already there")
    for step in result.steps:
        say(f"  {escape(step)}")
    for step, reason in result.denied.items():
        say(f"  not released: {escape(step)}: {escape(reason)}")


@incidents_app.command("receive")
def receive(
    collection: Annotated[str, typer.Option(help="The collection `cruce share sync` pulled into.")],
) -> None:
    """Apply the assistance steps, hand-overs and receipts partners released to this node (after
    `cruce share sync`); each believed only from the node that took it. Safe to rerun."""
    from cruce.core.settings import Settings
    from cruce.service.respond_sync import receive as receive_steps
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog
    from cruce.storage.sharing import SharingStore

    country = (Settings().node_country or "").strip().upper()
    if not country:
        raise InputError("no_node_country", "set CRUCE_NODE_COUNTRY to this node's country (e.g. MEX)")
    with open_configured_store() as store:
        service = RespondService(RespondStore(store.engine), AuditLog(store.engine))
        result = receive_steps(service, SharingStore(store.engine), collection, country)
    say(f"{len(result.applied)} step(s) received")
    for line in result.applied:
        say(f"  {escape(line)}")
    for line in result.waiting:
        say(f"  waiting: {escape(line)}")
    for line in result.refused:
        say(f"  refused: {escape(line)}")
