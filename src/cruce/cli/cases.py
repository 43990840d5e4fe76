"""`cruce resolve` and `cruce cases ...`: entity resolution over a CSV, evidence custody checks, networks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

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


# -- cruce cases ... -------------------------------------------------------------------------------------

cases_app = typer.Typer(
    help="Joint cases: subjects, events, evidence and custody, guidelines, referral, network."
)
As = Annotated[str, typer.Option("--as", help="The account acting (a sharing account of this node).")]
CaseArg = Annotated[str, typer.Argument(help="The case id.")]
MarkingOpt = Annotated[
    str, typer.Option("--marking", "-m", help="Portion marking, e.g. 'S//REL TO USA, MEX'.")
]


@cases_app.callback(invoke_without_command=True)
def _cases_help(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        from cruce.cli.output import console

        text = ctx.get_help()
        if text:
            console.print(text, markup=False)
        raise typer.Exit(0)


class _Session:
    """The store, the acting user and the case service for one command."""

    def __init__(self, as_user: str) -> None:
        from cruce.cli.config import open_configured_store
        from cruce.service.cases import CaseService
        from cruce.service.node_admin import NodeAdmin

        self.store = open_configured_store()
        self.user = NodeAdmin(self.store).account(as_user).user()
        self.cases = CaseService(self.store.engine)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def _time(text: str | None) -> Any:
    from datetime import UTC, datetime

    from cruce.core.errors import InputError

    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("bad_time", f"{text!r} is not a time like 2026-03-01T10:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _pairs(values: list[str] | None) -> dict[str, str]:
    from cruce.core.errors import InputError

    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError("bad_identifier", f"{item!r}: give an identifier as KIND=VALUE (passport=G123)")
        out[key.strip()] = value.strip()
    return out


def _print_case(view: Any) -> None:
    _say(f"[bold]{escape(view.case_id)}[/bold] {escape(view.title_portion)} {escape(view.title)}")
    _say(
        f"  owner {view.owner}, status {view.status}"
        + (f", referred to {view.partner}" if view.partner else "")
    )
    _say(
        f"  banner {escape(view.banner)}; view {view.view}"
        + (f"; {view.withheld} parts withheld" if view.withheld else "")
    )
    for s in view.subjects:
        ids = ", ".join(f"{k}={v}" for k, v in s.identifiers.items())
        _say(
            f"  subject {escape(s.portion)} {s.subject_id} {s.kind}: {escape(s.name)}"
            + (f" ({escape(ids)})" if ids else "")
        )
    for e in view.events:
        _say(
            f"  event   {escape(e.portion)} {e.event_id} {e.at:%Y-%m-%d %H:%M} {e.kind} "
            f"at {escape(e.place)}: {escape(e.description)}"
        )
    for v in view.evidence:
        _say(
            f"  evidence {escape(v.portion)} {v.evidence_id}: {escape(v.description)} "
            f"sha256 {v.sha256[:16]}… held by {escape(v.holder)}"
        )
    for c in view.custody:
        who = f"{c.from_holder} -> {c.to_holder}" if c.from_holder else f"taken in by {c.to_holder}"
        _say(
            f"  custody {c.seq} {c.at:%Y-%m-%d %H:%M} {c.evidence_id}: {escape(who)} "
            f"at {escape(c.place)} ({escape(c.purpose)})"
        )
    for n in view.notes:
        _say(f"  note {escape(n.portion)} {escape(n.text)}")
    for h in view.history:
        extra = (f" to {h.partner}" if h.partner else "") + (f": {escape(h.reason)}" if h.reason else "")
        _say(f"  history {h.seq} {h.at:%Y-%m-%d %H:%M} {h.to_status} by {escape(h.actor)}{extra}")


@cases_app.command("open")
def open_case(
    title: Annotated[str, typer.Argument(help="The case's title.")],
    marking: MarkingOpt,
    as_user: As,
    case_id: Annotated[str, typer.Option("--id", help="A case id (default: generated).")] = "",
) -> None:
    """Open a case (owner country: the acting account's)."""
    with _Session(as_user) as s:
        view = s.cases.open(s.user, title, marking, case_id=case_id)
    _say(f"opened {escape(view.case_id)}")


@cases_app.command("add-subject")
def add_subject(  # noqa: PLR0917
    case: CaseArg,
    kind: Annotated[
        str, typer.Argument(help="person, organisation, vehicle, phone, address, account, vessel")
    ],
    name: Annotated[str, typer.Argument(help="Name, plate, number or address.")],
    marking: MarkingOpt,
    as_user: As,
    subject_id: Annotated[str, typer.Option("--id", help="Subject id (default: generated).")] = "",
    identifier: Annotated[list[str] | None, typer.Option(help="KIND=VALUE (repeat).")] = None,
    role: Annotated[str, typer.Option(help="driver, recruiter, stash house...")] = "",
    prior_offences: Annotated[int, typer.Option(min=0)] = 0,
    birth_date: Annotated[str, typer.Option()] = "",
    nationality: Annotated[str, typer.Option()] = "",
) -> None:
    """Add a subject to a case."""
    from cruce.service.cases import NewSubject

    new = NewSubject(
        kind, name, marking, subject_id, _pairs(identifier), birth_date, nationality, prior_offences, role
    )
    with _Session(as_user) as s:
        view = s.cases.add_subject(s.user, case, new)
    _say(f"{escape(case)}: {_plural(len(view.subjects), 'subject')}")


@cases_app.command("add-event")
def add_event(  # noqa: PLR0917
    case: CaseArg,
    kind: Annotated[str, typer.Argument(help="apprehension, seizure, crossing, rescue, interview, transfer")],
    at: Annotated[str, typer.Option(help="When (ISO 8601, UTC unless a zone is given).")],
    place: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()],
    marking: MarkingOpt,
    as_user: As,
    event_id: Annotated[str, typer.Option("--id")] = "",
    subject: Annotated[list[str] | None, typer.Option(help="Subject ids involved (repeat).")] = None,
    migrants: Annotated[int, typer.Option(min=0)] = 0,
    minors: Annotated[int, typer.Option(min=0)] = 0,
    deaths: Annotated[int, typer.Option(min=0)] = 0,
    endangered: Annotated[bool, typer.Option("--endangered")] = False,
    seized_usd: Annotated[float, typer.Option(min=0)] = 0.0,
) -> None:
    """Add an event (apprehension, seizure, crossing, rescue, interview, transfer)."""
    from cruce.service.cases import NewEvent

    new = NewEvent(
        kind,
        _time(at),
        place,
        description,
        marking,
        event_id,
        tuple(subject or ()),
        migrants,
        minors,
        deaths,
        endangered,
        seized_usd,
    )
    with _Session(as_user) as s:
        view = s.cases.add_event(s.user, case, new)
    _say(f"{escape(case)}: {_plural(len(view.events), 'event')}")


@cases_app.command("add-evidence")
def add_evidence(  # noqa: PLR0917
    case: CaseArg,
    file: Annotated[Path, typer.Argument(help="The item's content (an image, a document, an extraction).")],
    description: Annotated[str, typer.Option()],
    place: Annotated[str, typer.Option(help="Where it was taken in.")],
    marking: MarkingOpt,
    as_user: As,
    evidence_id: Annotated[str, typer.Option("--id")] = "",
    holder: Annotated[str, typer.Option(help="Who holds it now (default: the acting account).")] = "",
) -> None:
    """Take an evidence item in: its sha256 opens its chain of custody."""
    from cruce.core.errors import InputError

    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {file}: {exc.strerror}") from exc
    with _Session(as_user) as s:
        view = s.cases.add_evidence(s.user, case, description, marking, content, place, evidence_id, holder)
    item = view.evidence[-1]
    _say(f"{escape(case)}: took in {escape(item.evidence_id)} sha256 {item.sha256}")


@cases_app.command("add-note")
def add_note(case: CaseArg, text: Annotated[str, typer.Argument()], marking: MarkingOpt, as_user: As) -> None:
    """Add a marked note."""
    with _Session(as_user) as s:
        view = s.cases.add_note(s.user, case, text, marking)
    _say(f"{escape(case)}: {_plural(len(view.notes), 'note')}")


@cases_app.command("add-task")
def add_task(
    case: CaseArg,
    text: Annotated[str, typer.Argument()],
    marking: MarkingOpt,
    as_user: As,
    assignee: Annotated[str, typer.Option(help="Who does it.")] = "",
) -> None:
    """Add a task to the owner's work list (tasks never go to a partner)."""
    with _Session(as_user) as s:
        view = s.cases.add_task(s.user, case, text, marking, assignee)
    _say(f"{escape(case)}: {_plural(len(view.tasks), 'task')}")


@cases_app.command("handover")
def handover(  # noqa: PLR0917
    case: CaseArg,
    evidence: Annotated[str, typer.Argument(help="The evidence id.")],
    from_holder: Annotated[str, typer.Option("--from", help="Who gives it (its current holder).")],
    to_holder: Annotated[str, typer.Option("--to", help="Who takes it.")],
    place: Annotated[str, typer.Option()],
    purpose: Annotated[str, typer.Option(help="Why (analysis, court, storage...).")],
    as_user: As,
    at: Annotated[str | None, typer.Option(help="When (default: now).")] = None,
) -> None:
    """Record a hand-over in the custody log (refused if it does not follow the item's custody)."""
    with _Session(as_user) as s:
        record = s.cases.handover(s.user, case, evidence, from_holder, to_holder, place, purpose, _time(at))
    _say(f"custody entry {record.seq}: {escape(evidence)} {escape(from_holder)} -> {escape(to_holder)}")


@cases_app.command("verify")
def verify_case(case: CaseArg, as_user: As) -> None:
    """Check the custody log's chain and every item's content against its intake sha256 (exit 1 if not)."""
    with _Session(as_user) as s:
        result = s.cases.verify(s.user, case)
    if result.ok:
        _say(
            f"[green]ok[/green] {escape(case)}: "
            f"{_plural(result.entries, 'custody entry', 'custody entries')}, "
            f"{_plural(result.items, 'item')} intact"
        )
        return
    _say(f"[red]{_plural(len(result.problems), 'problem')}[/red] in {escape(case)}:")
    for p in result.problems:
        _say(f"  {escape(p)}")
    raise typer.Exit(1)


@cases_app.command("check")
def check_case(
    case: CaseArg,
    partner: Annotated[str, typer.Option(help="The partner the case would go to (MEX, USA, CAN).")],
    as_user: As,
    guideline: Annotated[
        Path | None, typer.Option(help="A guideline YAML file instead of the preset.")
    ] = None,
) -> None:
    """Check a case against a partner's prosecution guideline (on what the partner would receive)."""
    from cruce.cases.guidelines import load

    with _Session(as_user) as s:
        result = s.cases.check(s.user, case, partner, load(guideline) if guideline else None)
    mark = "[green]met[/green]" if result.met else "[red]not met[/red]"
    _say(f"{escape(result.guideline)}: {mark}")
    for r in [*result.required, *result.aggravating]:
        _say(f"  {'✔' if r.met else '✘'} {escape(r.label)} (has {r.value:g})")
    for m in result.missing:
        _say(f"  missing: {escape(m)}")
    if result.withheld:
        _say(f"  ({result.withheld} parts are not releasable to {result.partner} and were not counted)")
    if not result.met:
        raise typer.Exit(1)


@cases_app.command("investigate")
def investigate(case: CaseArg, as_user: As, reason: Annotated[str, typer.Option()] = "") -> None:
    """Move a case to investigation."""
    with _Session(as_user) as s:
        view = s.cases.start_investigation(s.user, case, reason)
    _say(f"{escape(case)}: {view.status}")


@cases_app.command("refer")
def refer(
    case: CaseArg,
    partner: Annotated[str, typer.Option(help="The partner country whose prosecutor receives it.")],
    as_user: As,
    collection: Annotated[str | None, typer.Option(help="Also publish it to this TAXII collection.")] = None,
) -> None:
    """Refer a case for prosecution to a partner: a release of its tear-line version (releasing officer)."""
    with _Session(as_user) as s:
        result = s.cases.refer(s.user, case, partner, collection=collection)
    _say(
        f"{escape(case)} referred to {result.partner}: {_plural(result.released_parts, 'part')} released, "
        f"{result.withheld} withheld; banner {escape(result.banner)}"
        + (f"; {result.objects_added} STIX objects in {escape(collection)}" if collection else "")
    )


@cases_app.command("accept")
def accept(case: CaseArg, as_user: As, reason: Annotated[str, typer.Option()] = "") -> None:
    """Accept a referral made to your country."""
    with _Session(as_user) as s:
        view = s.cases.answer(s.user, case, True, reason)
    _say(f"{escape(case)}: {view.status}")


@cases_app.command("decline")
def decline(case: CaseArg, reason: Annotated[str, typer.Option(help="Why (required).")], as_user: As) -> None:
    """Decline a referral made to your country, with the reason."""
    with _Session(as_user) as s:
        view = s.cases.answer(s.user, case, False, reason)
    _say(f"{escape(case)}: {view.status}")


@cases_app.command("close")
def close(case: CaseArg, as_user: As, reason: Annotated[str, typer.Option()] = "") -> None:
    """Close a case."""
    with _Session(as_user) as s:
        view = s.cases.close(s.user, case, reason)
    _say(f"{escape(case)}: {view.status}")


@cases_app.command("show")
def show(
    case: CaseArg,
    as_user: As,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    partner: Annotated[str | None, typer.Option(help="Preview what this partner would receive.")] = None,
) -> None:
    """Show a case as you may read it (a partner's users see its tear line)."""
    with _Session(as_user) as s:
        view = s.cases.partner_preview(s.user, case, partner) if partner else s.cases.show(s.user, case)
    if as_json:
        import dataclasses
        import json

        from cruce.cli.output import console

        console.print_json(json.dumps(dataclasses.asdict(view), default=str))
        return
    _print_case(view)


@cases_app.command("ls")
def list_cases(as_user: As) -> None:
    """Cases your country owns, and those referred to it."""
    with _Session(as_user) as s:
        found = s.cases.cases(s.user)
    for c in found:
        _say(
            f"{escape(c.case_id)}  {c.status:<13} "
            f"{c.owner}{'→' + c.partner if c.partner else ''}  {escape(c.title)}"
        )
    if not found:
        _say("no cases")


@cases_app.command("export")
def export(
    case: CaseArg,
    partner: Annotated[str, typer.Option(help="Whose tear-line version.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the STIX 2.1 bundle here.")],
    as_user: As,
) -> None:
    """Write a partner's version of a case as a STIX 2.1 bundle (a release: releasing officer)."""
    import json
    import uuid

    with _Session(as_user) as s:
        objects = s.cases.export(s.user, case, partner)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    output.write_text(json.dumps(bundle, indent=1, ensure_ascii=False), encoding="utf-8")
    _say(f"wrote {_plural(len(objects), 'STIX object')} to {escape(str(output))}")


@cases_app.command("network")
def network(  # noqa: PLR0917
    as_user: As,
    case: Annotated[
        list[str] | None, typer.Option("--case", help="Only these cases (repeat; default: all).")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Show the ring around this entity or case_id/subject_id.")
    ] = None,
    hops: Annotated[int, typer.Option(min=1, max=6, help="Ring radius in links.")] = 2,
    path: Annotated[
        list[str] | None, typer.Option(help="Shortest paths between two entities (give --path twice).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write .graphml or .json.")] = None,
    partner: Annotated[
        str | None,
        typer.Option(help="Preview what this partner would receive of your own cases (their tear line)."),
    ] = None,
) -> None:
    """The network of the cases you may read: entities resolved across cases, communities, brokers, rings,
    paths, co-travel."""
    from cruce.core.errors import InputError
    from cruce.service.cases import case_network

    if path is not None and len(path) != 2:
        raise InputError("bad_path", "give --path exactly twice: --path A --path B")
    with _Session(as_user) as s:
        view, net = case_network(
            s.cases, s.user, case or (), subject, hops, (path[0], path[1]) if path else None,
            partner=partner,
        )  # fmt: skip
    labels = {e.entity_id: e.label for e in view.entities}
    _say(
        f"{_plural(len(view.cases), 'case')}: {_plural(len(view.entities), 'entity', 'entities')}, "
        f"{_plural(len(view.links), 'link')}"
    )
    for e in view.entities:
        if len(e.members) > 1:
            _say(f"  resolved {escape(e.label)}: {escape(', '.join(e.members))} ({escape('; '.join(e.why))})")
    for k, cell in enumerate(view.communities, 1):
        _say(f"  community {k}: {escape(', '.join(labels[n] for n in cell))}")
    for node, score in view.brokers:
        _say(f"  broker {escape(labels[node])} (betweenness {score:.2f})")
    for a, b, times in view.co_travel:
        _say(f"  co-travel {escape(labels[a])} + {escape(labels[b])}: {times} times")
    if subject:
        _say(f"  ring of {hops} around {escape(subject)}: {escape(', '.join(labels[n] for n in view.ring))}")
    for p in view.paths:
        _say("  path " + " -> ".join(escape(labels[n]) for n in p))
    if output is not None:
        net.write(output)
        _say(f"wrote {escape(str(output))}")


@cases_app.command("complete-task")
def complete_task(
    case: CaseArg,
    task: Annotated[str, typer.Argument(help="The task id.")],
    as_user: As,
    note: Annotated[str, typer.Option(help="What was done (kept in the audit log).")] = "",
) -> None:
    """Mark a task done (who and when are recorded, and audited)."""
    with _Session(as_user) as s:
        view = s.cases.complete_task(s.user, case, task, note)
    _say(f"{escape(case)}: task {escape(view.task_id)} done by {escape(view.done_by)} at {view.done_at}")


resolve_app = typer.Typer(
    help="Cross-source resolution of persons: proposals with their explanation; accept, reject, split."
)
cases_app.add_typer(resolve_app, name="resolve")
ProposalArg = Annotated[str, typer.Argument(help="The proposal id (from `cruce cases resolve list`).")]
ReasonOpt = Annotated[str, typer.Option(help="Why (required to reject or split).")]


@resolve_app.command("list")
def resolve_list(
    as_user: As,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    blocked: Annotated[bool, typer.Option("--blocked/--no-blocked", help="Show blocked pairs too.")] = True,
) -> None:
    """Proposals among the persons you may read: verdict, state, score, what agreed and disagreed."""
    from cruce.service.case_resolution import proposals

    with _Session(as_user) as s:
        found = proposals(s.cases, s.user, include_blocked=blocked)
    if as_json:
        import dataclasses
        import json

        from cruce.cli.output import console

        console.print_json(json.dumps([dataclasses.asdict(p) for p in found], default=str))
        return
    for p in found:
        state = p.state or "pending"
        _say(
            f"{p.proposal_id} {p.verdict:<7} {state:<8} {'joined' if p.joined else 'apart':<6} "
            f"{escape(p.a)} ({escape(p.label_a)}) + {escape(p.b)} ({escape(p.label_b)})"
        )
        _say(f"    {escape(p.explanation)}")
    if not found:
        _say("no proposals")


def _decide(as_user: str, proposal: str, state: str, reason: str) -> None:
    from cruce.service.case_resolution import decide

    with _Session(as_user) as s:
        view = decide(s.cases, s.user, proposal, state, reason)
    _say(
        f"{view.proposal_id} {state}: {escape(view.a)} + {escape(view.b)} "
        f"now {'one entity' if view.joined else 'apart'}"
    )


@resolve_app.command("accept")
def resolve_accept(proposal: ProposalArg, as_user: As, reason: ReasonOpt = "") -> None:
    """Accept a proposal: the two records become one entity in your country's network."""
    _decide(as_user, proposal, "accepted", reason)


@resolve_app.command("reject")
def resolve_reject(proposal: ProposalArg, as_user: As, reason: ReasonOpt = "") -> None:
    """Reject a proposal (an automatic merge too): the two records stay apart."""
    _decide(as_user, proposal, "rejected", reason)


@resolve_app.command("split")
def resolve_split(proposal: ProposalArg, as_user: As, reason: ReasonOpt = "") -> None:
    """Undo a merge that stands (accepted or automatic); the history keeps both decisions."""
    _decide(as_user, proposal, "split", reason)


@resolve_app.command("history")
def resolve_history(as_user: As) -> None:
    """Every resolution decision of your country, oldest first."""
    from cruce.service.case_resolution import history

    with _Session(as_user) as s:
        found = history(s.cases, s.user)
    for d in found:
        _say(
            f"{d.seq} {d.at:%Y-%m-%d %H:%M} {d.state:<8} {d.proposal_id} {escape(d.a)} + {escape(d.b)} "
            f"by {escape(d.actor)}" + (f": {escape(d.reason)}" if d.reason else "")
        )
    if not found:
        _say("no decisions")
