"""`cruce partners`: trusted-program coordination with partner nodes, between `cruce share sync` runs.

Thin: every command calls `cruce.service.coordination` and prints what it did. The node's country comes from
CRUCE_NODE_COUNTRY. Objects travel by `cruce share sync --partner-country XXX` (the partner's country is what
makes a received status or notice trusted: a node speaks only for itself). Registered in `cruce.cli.main`.

`enrol` stands in for the programs service (`cruce programs`) for nodes and tests without it: it keeps the
node's own member statuses in the same table the partners' statuses live in.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

DEFAULT_ENROLLED = "2026-01-01T00:00:00+00:00"
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


@partners_app.command("enrol")
def enrol(
    file: Annotated[Path, typer.Argument(help="YAML list of this node's members (see `members_from_yaml`).")],
    as_user: Annotated[str, typer.Option("--as", help="The officer enrolling (audited).")],
) -> None:
    """Keep this node's own members' statuses (a stand-in for the programs service)."""
    from cruce.storage.audit import AuditLog
    from cruce.storage.partners import OwnStatuses

    country = _country()
    members = members_from_yaml(file, country)
    with _open() as store:
        own = OwnStatuses(store.engine, AuditLog(store.engine), country)
        for status, subject in members:
            own.enrol(status, subject, as_user)
    say(f"enrolled {len(members)} member(s) of {country}")


@partners_app.command("publish")
def publish(
    collection: Annotated[str, typer.Option(help="The collection partners sync from.")],
    as_user: Annotated[str, typer.Option("--as", help="The sharing account releasing (releasing officer).")],
    agreement: AgreementOption = "north-america",
) -> None:
    """Release this node's members' statuses to the partners that recognise or screen them."""
    from cruce.programs.recognition import load_agreement
    from cruce.service.coordination import publish_own_statuses
    from cruce.storage.audit import AuditLog
    from cruce.storage.partners import PartnerStore
    from cruce.storage.sharing import SharingStore

    terms = load_agreement(agreement)
    with _open() as store:
        sharing = SharingStore(store.engine)
        result = publish_own_statuses(
            sharing, AuditLog(store.engine), PartnerStore(store.engine), sharing.account(as_user), collection,
            agreement=terms,
        )  # fmt: skip
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
    from cruce.storage.audit import AuditLog
    from cruce.storage.partners import OwnStatuses, PartnerStore
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
            own = OwnStatuses(store.engine, audit, country)
            suspended = act_on_notices(report.notices, own, country, as_user)
            for status in suspended:
                say(f"suspended {escape(status.membership_id)}: {escape(status.reason)}")
            if suspended:
                subjects = {h.status.membership_id: h.subject for h in partners.statuses(country=country)}
                publish_statuses(
                    sharing, audit, sharing.account(as_user), collection,
                    [(s, subjects.get(s.membership_id)) for s in suspended],
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
    from cruce.service.coordination import BoothDirectory, booth_lane
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
        decision = booth_lane(crossing, BoothDirectory(PartnerStore(store.engine)), load_agreement(agreement),
                              _country())  # fmt: skip
    say(f"lane: [bold]{decision.lane.value}[/bold] ({decision.cause.value})")
    for reason in decision.reasons:
        say(f"  - {escape(reason)}")


def members_from_yaml(path: Path, country: str) -> list[tuple[Any, Any]]:
    """Members from YAML: a list of {membership_id, program, tier, documents, name, birth_date,
    countries, expires} (documents as KIND:COUNTRY:NUMBER); a missing field is named in the error."""
    import yaml

    from cruce.programs.model import MembershipState, MembershipStatus
    from cruce.programs.standing import document_key
    from cruce.sharing.notices import Subject

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InputError("bad_members", f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise InputError("bad_members", f"{path} must hold a list of members")
    out: list[tuple[Any, Any]] = []
    for i, item in enumerate(data, start=1):
        missing = [k for k in ("membership_id", "program", "tier", "name", "documents") if not item.get(k)]
        if missing:
            raise InputError("bad_members", f"{path}: member {i} lacks {', '.join(missing)}")
        keys = []
        for text in item["documents"]:
            parts = str(text).split(":", 2)
            if len(parts) != 3:
                raise InputError(
                    "bad_members", f"{path}: member {i} document {text!r} is not KIND:COUNTRY:NUMBER"
                )
            keys.append(document_key(*parts))
        expires = item.get("expires")
        status = MembershipStatus(
            str(item["membership_id"]), str(item["program"]), str(item["tier"]), country,
            MembershipState.ACTIVE, datetime.fromisoformat(str(item.get("enrolled", DEFAULT_ENROLLED))),
            expires_at=datetime.fromisoformat(str(expires)) if expires else None, documents=tuple(keys),
        )  # fmt: skip
        subject = Subject(str(item["name"]), item.get("birth_date"), tuple(item.get("countries", [])))
        out.append((status, subject))
    return out
