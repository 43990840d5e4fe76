"""`cruce partners`: trusted-program coordination with partner nodes, between `cruce share sync` runs.

Thin: every command calls `cruce.service.coordination` and prints what it did. The node's country comes from
CRUCE_NODE_COUNTRY. Objects travel by `cruce share sync --partner-country XXX` (the partner's country is what
makes a received status or notice trusted: a node speaks only for itself). Registered in `cruce.cli.main`.

This node's own members are the programs service's (`cruce programs apply/vet/decide`): `publish` releases
their statuses, `ingest --act` suspends them through it, and `lane` looks them up before partners' statuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import database_url
from cruce.cli.output import console, say
from cruce.core.errors import InputError

if TYPE_CHECKING:
    from cruce.storage.store import Store

partners_app = typer.Typer(
    help="Coordinate with partner nodes: member statuses (mutual recognition) and hit notices."
)

AgreementOption = Annotated[
    str, typer.Option(help="Mutual-recognition agreement: a shipped name or a YAML file.")
]


@partners_app.callback(invoke_without_command=True)
def _help(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help(), markup=False)
        raise typer.Exit(0)


def _open() -> Store:
    from cruce.storage.store import open_store

    return open_store(database_url())


def _country() -> str:
    from cruce.core.settings import Settings

    country = Settings().node_country
    if not country:
        raise InputError("no_node_country", "set CRUCE_NODE_COUNTRY to this node's country (e.g. USA)")
    return country.strip().upper()


@partners_app.command("publish")
def publish(
    collection: Annotated[str, typer.Option(help="The collection partners sync from.")],
    as_user: Annotated[str, typer.Option("--as", help="The sharing account releasing (releasing officer).")],
    agreement: AgreementOption = "north-america",
) -> None:
    """Release this node's members' statuses to the partners that recognise or screen them."""
    from cruce.programs.recognition import load_agreement
    from cruce.service.coordination import publish_statuses
    from cruce.service.member_ports import own_statuses
    from cruce.service.programs import ProgramService
    from cruce.storage.audit import AuditLog
    from cruce.storage.sharing import SharingStore

    terms = load_agreement(agreement)
    country = _country()
    with _open() as store:
        sharing = SharingStore(store.engine)
        own = own_statuses(ProgramService(store), country)
        if not own:
            raise InputError("no_members", f"{country} holds no membership of its own to release")
        result = publish_statuses(
            sharing, AuditLog(store.engine), sharing.account(as_user), collection, own, agreement=terms
        )
    for membership, partners in result.released.items():
        say(f"{escape(membership)}: released to {', '.join(partners) or 'nobody (kept home)'}")
    say(f"{result.added} new object versions ({result.present} already there)")


@partners_app.command("screen")
def screen(
    list_id: Annotated[str, typer.Option("--list", help="This node's own list (its newest version).")],
    collection: Annotated[str, typer.Option(help="The collection partners sync from.")],
    as_user: Annotated[str, typer.Option("--as", help="The sharing account releasing the notices.")],
    agreement: AgreementOption = "north-america",
) -> None:
    """Screen the members this node holds against one of its lists; send hit notices to subscribers."""
    from cruce.core.clock import utc_now
    from cruce.programs.recognition import load_agreement
    from cruce.service.coordination import screen_list_for_partners
    from cruce.storage.audit import AuditLog
    from cruce.storage.partners import PartnerStore
    from cruce.storage.sharing import SharingStore

    terms = load_agreement(agreement)
    with _open() as store:
        version = next((v for v in store.latest_versions() if v.list_id == list_id), None)
        if version is None:
            raise InputError(
                "list_not_found", f"no list {list_id!r} is imported here; run `cruce lists import`"
            )
        entities = store.load_version_entities(version.id)
        sharing = SharingStore(store.engine)
        notices, result = screen_list_for_partners(
            entities, PartnerStore(store.engine), sharing, AuditLog(store.engine), sharing.account(as_user),
            collection, agreement=terms, at=utc_now(),
        )  # fmt: skip
    say(f"{len(notices)} hit(s) on {escape(list_id)} version {version.version}")
    for key, partners in result.released.items():
        say(f"  {escape(key)}: sent to {', '.join(partners) or 'nobody'}")
    for key, reason in result.denied.items():
        say(f"  {escape(key)}: not sent: {escape(reason)}")


@partners_app.command("ingest")
def ingest(
    collection: Annotated[str, typer.Option(help="The collection `cruce share sync` pulled into.")],
    act: Annotated[
        bool, typer.Option("--act", help="Suspend this node's members a notice names, and release that.")
    ] = False,
    as_user: Annotated[str | None, typer.Option("--as", help="The officer acting (with --act).")] = None,
    agreement: AgreementOption = "north-america",
) -> None:
    """Read the statuses and hit notices partners released (newest status wins; each from its owner)."""
    from cruce.programs.recognition import load_agreement
    from cruce.service.coordination import act_on_notices, publish_statuses
    from cruce.service.coordination import ingest as ingest_objects
    from cruce.service.member_ports import ProgramSuspender, own_statuses
    from cruce.service.programs import ProgramService
    from cruce.storage.audit import AuditLog
    from cruce.storage.partners import PartnerStore
    from cruce.storage.sharing import SharingStore

    if act and not as_user:
        raise InputError("missing_option", "--act needs --as (the officer suspending, audited)")
    country = _country()
    with _open() as store:
        sharing, partners, audit = (
            SharingStore(store.engine),
            PartnerStore(store.engine),
            AuditLog(store.engine),
        )
        report = ingest_objects(sharing, partners, collection, country)
        say(f"{len(report.statuses)} new membership status(es), {len(report.notices)} new hit notice(s)")
        for reason in report.refused:
            say(f"  refused: {escape(reason)}")
        if act and as_user:
            programs = ProgramService(store)
            suspended = act_on_notices(report.notices, ProgramSuspender(programs, country), country, as_user)
            for status in suspended:
                say(f"suspended {escape(status.membership_id)}: {escape(status.reason)}")
            if suspended:
                publish_statuses(
                    sharing, audit, sharing.account(as_user), collection,
                    own_statuses(programs, country, [s.membership_id for s in suspended]),
                    agreement=load_agreement(agreement),
                )  # fmt: skip
                say(f"released {len(suspended)} new status(es) to partners")


@partners_app.command("statuses")
def statuses() -> None:
    """The membership statuses this node holds: its own, and those partners released to it."""
    from cruce.storage.partners import PartnerStore

    with _open() as store:
        held = PartnerStore(store.engine).statuses()
    table = Table(title="Membership statuses", box=box.SIMPLE_HEAD)
    for name in ("membership", "program", "by", "state", "changed", "reason"):
        table.add_column(name)
    for h in held:
        s = h.status
        table.add_row(
            escape(s.membership_id), f"{s.program_id} {s.tier}", s.country + ("" if h.origin else " (own)"),
            s.state.value, f"{s.changed_at:%Y-%m-%d %H:%M}", escape(s.reason),
        )  # fmt: skip
    console.print(table)


@partners_app.command("notices")
def notices() -> None:
    """The hit notices received, with only the details each partner released to this node."""
    from cruce.storage.partners import PartnerStore

    with _open() as store:
        held = PartnerStore(store.engine).notices()
    if not held:
        say("no hit notice received")
    for n in held:
        member = escape(n.membership_id or "-")
        say(f"[bold]{n.sender}[/bold] {escape(n.entity_id)} matched {escape(n.subject_name)} "
            f"(membership {member}), score {n.score:.2f}, marked {n.banner}")  # fmt: skip
        for d in n.details:
            say(f"  {d.marking.portion} {d.field}: {escape(d.value)}")


@partners_app.command("lane")
def lane(
    document: Annotated[
        list[str], typer.Option(help="A presented document, KIND:COUNTRY:NUMBER (e.g. passport:MX:G123).")
    ],
    name: Annotated[str, typer.Option(help="The traveler's name.")],
    agreement: AgreementOption = "north-america",
) -> None:
    """The lane a traveler presenting these documents gets at this node's booth, and why."""
    from cruce.core.clock import utc_now
    from cruce.programs.recognition import load_agreement
    from cruce.scoring.crossings import Crossing, Mode, Role, TravelDocument, Traveler
    from cruce.service.coordination import booth_lane
    from cruce.service.member_ports import booth_directory
    from cruce.service.programs import ProgramService
    from cruce.storage.partners import PartnerStore

    docs = []
    for text in document:
        parts = text.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise InputError("bad_document", f"--document {text!r} must be KIND:COUNTRY:NUMBER")
        docs.append(TravelDocument(parts[0], parts[2], parts[1]))
    now = utc_now()
    traveler = Traveler("booth:1", name, Role.PEDESTRIAN, documents=tuple(docs))
    crossing = Crossing(
        f"crossing:booth:{now:%Y%m%d%H%M%S}", "booth", "booth", now, Mode.PEDESTRIAN, (traveler,)
    )
    with _open() as store:
        directory = booth_directory(ProgramService(store), PartnerStore(store.engine))
        decision = booth_lane(crossing, directory, load_agreement(agreement), _country())
    say(f"lane: [bold]{decision.lane.value}[/bold] ({decision.cause.value})")
    for reason in decision.reasons:
        say(f"  - {escape(reason)}")
