"""The `cruce` command: a thin Typer layer over the service functions, with Rich output and progress bars.

Output is laid out for an 80-column terminal and for pipes: lines a user may want to grep or copy (errors,
skipped rows, diff lines, reasons) are printed whole (`soft_wrap`), never broken by Rich, and text that
comes from lists or users is escaped so a `[` in a name is never read as Rich markup.

`run()` is the console-script entry. It owns the exit codes: 0 done (and `--help`), 2 bad input (usage
errors, unreadable files, bad values), 1 failures (database, network, a bug). Every error is one red
`error:` line on stderr, never a traceback; `CRUCE_DEBUG=1` adds the traceback for unexpected errors.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from cruce import __version__
from cruce.cli.assess import assess_app
from cruce.cli.audit import audit_app
from cruce.cli.batch import (
    Engine,
    EngineOption,
    MasterOption,
    PartitionsOption,
    report,
    run_screening,
    screen_batch_table,
    wants_table_path,
)
from cruce.cli.cases import cases_app, resolve
from cruce.cli.config import load_matcher as _load_matcher
from cruce.cli.config import load_settings as _settings
from cruce.cli.config import open_configured_store
from cruce.cli.incidents import incidents_app
from cruce.cli.output import advance as _advance
from cruce.cli.output import console, err_console
from cruce.cli.output import plural as _plural
from cruce.cli.output import progress as _progress
from cruce.cli.output import prose as _prose
from cruce.cli.output import say as _say
from cruce.cli.partners import partners_app
from cruce.cli.programs import programs_app
from cruce.cli.risk import risk_app
from cruce.cli.serve import serve
from cruce.cli.share import share_app
from cruce.cli.simulate import simulate
from cruce.core.errors import CruceError, InputError
from cruce.core.extras import missing_extra, require
from cruce.core.settings import Settings

if TYPE_CHECKING:  # the heavy modules (SQLAlchemy, Alembic, the matcher) load only when a command needs them
    from typer._click.core import Context as ClickContext

    from cruce.matching.types import Match
    from cruce.storage.store import Store

SKIPPED_SHOWN = 20
DEMO_PORT_SCALE = 0.05  # a twentieth of San Ysidro's day: a few thousand crossings, a few seconds
SHORT_REASON_CHARS = 34


class _DefaultToName(TyperGroup):
    """`cruce screen "Juan Pérez"` screens a name; `cruce screen batch IN.csv` screens a file."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        if not args:
            _print_help(ctx)
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["name", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    help="cruce: border screening, risk routing and partner intelligence sharing.",
    pretty_exceptions_enable=False,
    add_completion=False,
)
lists_app = typer.Typer(help="Import, inspect, compare and update watchlists.")
screen_app = typer.Typer(
    cls=_DefaultToName,
    help='Screen a name (cruce screen "NAME") or a CSV file (cruce screen batch IN.csv).',
)
app.add_typer(lists_app, name="lists")
app.add_typer(screen_app, name="screen")
app.add_typer(audit_app, name="audit")
app.command("simulate")(simulate)
app.add_typer(risk_app, name="risk")
app.add_typer(share_app, name="share")
app.add_typer(partners_app, name="partners")
app.command("serve")(serve)
app.add_typer(assess_app, name="assess")
app.add_typer(programs_app, name="programs")
app.add_typer(incidents_app, name="incidents")
app.command("resolve")(resolve)
app.add_typer(cases_app, name="cases")
app.command("report")(report)


def _print_help(ctx: Any) -> None:
    """Show the help of `ctx`'s command and stop with status 0 (a bare `cruce` or `cruce lists`)."""
    text = ctx.get_help()  # Typer's Rich help prints itself and returns ""
    if text:
        console.print(text, markup=False)
    raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _main(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        _print_help(ctx)


@lists_app.callback(invoke_without_command=True)
def _lists(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        _print_help(ctx)


def _store(settings: Settings) -> Store:
    return open_configured_store(settings)


def _entities(n: int) -> str:
    return _plural(n, "entity", "entities")


# ---------------------------------------------------------------- lists


RevetOption = Annotated[
    bool,
    typer.Option(
        "--revet/--no-revet",
        help="Re-vet trusted-program members against the new version now (else `cruce programs revet`).",
    ),
]


def _revet_members(store: Any, settings: Any) -> None:
    """Work the re-vetting the new version queued, when the node has active members."""
    from cruce.service.revetting import revet_now

    outcomes = revet_now(store, threshold=settings.alert_threshold, workers=settings.workers)
    if outcomes is None:
        return
    from cruce.storage.revetting import RevettingStore

    hits = [h for o in outcomes for h in RevettingStore(store.engine).hits_of(o.run.id)]
    for o in outcomes:
        _say(f"Re-vetted members against {escape(o.run.label)}: {_plural(o.new_hits, 'new hit')}")
    for hit in hits[:10]:
        _say(
            f"  {escape(hit.membership_id)} ({hit.party_role.value} {escape(hit.party_name)}) ~ "
            f"{escape(hit.entity_id)} {hit.score:.2f}: suspended pending review"
        )


@lists_app.command("import")
def lists_import(
    files: Annotated[
        list[Path], typer.Argument(help="The list's files (OFAC: primary, alt, add CSVs).", metavar="FILES")
    ],
    list_id: Annotated[
        str,
        typer.Option("--list", "-l", help="List id: us-ofac-sdn, us-ofac-cons, un-sc, or your own (FtM)."),
    ],
    revet: RevetOption = True,
) -> None:
    """Import a watchlist file set as a new version of the list."""
    from cruce.service.lists import import_list

    settings = _settings()
    with _store(settings) as store:
        started = time.perf_counter()
        version, result = import_list(store, list_id, files, retention=settings.list_retention)
        elapsed = time.perf_counter() - started
        if revet:
            _revet_members(store, settings)
    _say(
        f"[green]Imported[/green] {escape(version.key)}: {_entities(version.entity_count)}, "
        f"{_plural(version.skipped_count, 'row')} skipped, in {elapsed:.1f} s"
    )
    for skipped in result.skipped[:SKIPPED_SHOWN]:
        _say(f"  [yellow]skipped[/yellow] {escape(str(skipped))}")
    if len(result.skipped) > SKIPPED_SHOWN:
        more = len(result.skipped) - SKIPPED_SHOWN
        _say(f"  ... and {more} more skipped rows (all are stored with the version)")
    if result.dropped:
        _say(f"  {_plural(len(result.dropped), 'unusable value')} left out of imported entities, e.g.:")
        for dropped in result.dropped[:3]:
            _say(f"    {escape(str(dropped))}")


@lists_app.command("ls")
def lists_ls(
    all_versions: Annotated[
        bool, typer.Option("--all", help="Show every version, not only the active ones.")
    ] = False,
) -> None:
    """Show the imported lists and their versions."""
    from cruce.service.lists import versions as stored_versions

    settings = _settings()
    with _store(settings) as store:
        versions = stored_versions(store, all_versions=all_versions)
    if not versions:
        _say("No list imported yet. Try: cruce lists import --list us-ofac-sdn sdn.csv alt.csv add.csv")
        return
    table = Table(
        title="Watchlists" if all_versions else "Watchlists (active versions)",
        caption="* active: the version screening uses" if all_versions else None,
        box=box.SIMPLE_HEAD,
    )
    table.add_column("list", no_wrap=True)
    table.add_column("ver", justify="right", no_wrap=True)
    table.add_column("imported (UTC)", no_wrap=True)
    table.add_column("entities", justify="right", no_wrap=True)
    table.add_column("skipped", justify="right", no_wrap=True)
    table.add_column("files", min_width=12)
    for v in versions:
        table.add_row(
            escape(v.list_id), f"{v.version}{' *' if all_versions and v.active else ''}",
            v.imported_at.strftime("%Y-%m-%d %H:%M"), f"{v.entity_count:,}", f"{v.skipped_count:,}",
            escape(", ".join(f.name for f in v.source_files)),
        )  # fmt: skip
    console.print(table)


@lists_app.command("diff")
def lists_diff(
    list_id: Annotated[str, typer.Argument(help="List id, e.g. us-ofac-sdn.", metavar="LIST_ID")],
    from_version: Annotated[
        int | None, typer.Option("--from", help="Older version (default: the one before --to).", min=1)
    ] = None,
    to_version: Annotated[
        int | None, typer.Option("--to", help="Newer version (default: the latest).", min=1)
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many entities per section.", min=1)] = 50,
) -> None:
    """Entities added, removed and changed between two versions of a list."""
    from cruce.service.lists import diff_versions

    settings = _settings()
    with _store(settings) as store:
        found = diff_versions(store, list_id, from_version, to_version)
    diff, old, new = found.diff, found.old, found.new
    _say(f"[bold]{escape(list_id)}[/bold] version {old} -> {new}: {diff.summary()}")
    for title, style, entities in (("added", "green", diff.added), ("removed", "red", diff.removed)):
        for entity in entities[:limit]:
            _say(f"  [{style}]{title}[/{style}] {escape(entity.id)} {escape(entity.caption)}")
        if len(entities) > limit:
            _say(f"  ... and {len(entities) - limit} more {title} (use --limit)")
    for change in diff.changed[:limit]:
        _say(f"  [yellow]changed[/yellow] {escape(change.entity_id)}")
        for field_change in change.changes:
            _say(f"      {escape(str(field_change))}")
    if len(diff.changed) > limit:
        _say(f"  ... and {len(diff.changed) - limit} more changed (use --limit)")


@lists_app.command("update")
def lists_update(
    list_ids: Annotated[
        list[str] | None,
        typer.Argument(help="Lists to update (default: all known official lists).", metavar="LIST_IDS"),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Fetch the publisher's file names from this mirror instead.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each download.", min=0.1)] = 60.0,
    force: Annotated[
        bool, typer.Option(help="Import even when the files equal the active version's.")
    ] = False,
    revet: RevetOption = True,
) -> None:
    """Download the official list files and import them as new versions (needs the network)."""
    from cruce.service.lists import update_lists

    settings = _settings()
    with _store(settings) as store:
        results = update_lists(
            store, settings.ensure_data_dir(), list_ids=list_ids, base_url=base_url, timeout=timeout,
            force=force, retention=settings.list_retention,
        )  # fmt: skip
        if revet:
            _revet_members(store, settings)
    for version, result in results:
        if result is None:
            _say(f"{escape(version.list_id)} unchanged: the files are those of {escape(version.key)}")
            continue
        _say(
            f"[green]Updated[/green] {escape(version.key)}: {_entities(version.entity_count)}, "
            f"{_plural(version.skipped_count, 'row')} skipped"
        )
        for skipped in result.skipped[:SKIPPED_SHOWN]:
            _say(f"  [yellow]skipped[/yellow] {escape(str(skipped))}")


@lists_app.command("prune")
def lists_prune(
    keep: Annotated[
        int | None,
        typer.Option(help="Versions of each list to keep (default: CRUCE_LIST_RETENTION).", min=1),
    ] = None,
    list_id: Annotated[str | None, typer.Option("--list", "-l", help="Only this list.")] = None,
) -> None:
    """Delete old list versions (never an active one) and what only they held; audited."""
    from cruce.service.lists import prune_lists

    settings = _settings()
    keep = keep or settings.list_retention
    if keep < 1:
        raise InputError("bad_keep", "say how many versions to keep: --keep N, or set CRUCE_LIST_RETENTION")
    with _store(settings) as store:
        result = prune_lists(store, keep, list_id=list_id)
    removed = ", ".join(result.removed) if result.removed else "none"
    _say(
        f"[green]Pruned[/green] versions: {escape(removed)}; "
        f"{_plural(result.abandoned, 'abandoned import')}, "
        f"{_entities(result.contents_removed)} no version held any more removed"
    )


# ---------------------------------------------------------------- screening


@screen_app.command("name")
def screen_name(  # noqa: PLR0917 - Typer turns each parameter into an option
    name: Annotated[list[str] | None, typer.Argument(help="The name to screen.", metavar="NAME")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Birth date: YYYY-MM-DD, YYYY-MM or YYYY.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Nationality or country (name or ISO code).")
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="person, organization, vessel, aircraft.")
    ] = None,
    gender: Annotated[str | None, typer.Option("--gender", help="male or female (M/F).")] = None,
    document: Annotated[
        list[str] | None,
        typer.Option("--document", help="kind:number, e.g. curp:RAPF700505HSLMRR06 or passport:G1234567."),
    ] = None,
    top: Annotated[int, typer.Option(help="How many candidates to show.", min=1)] = 5,
    explain_matcher: Annotated[
        bool,
        typer.Option("--explain-matcher", help="Describe the scorer (features, weights, config) and stop."),
    ] = False,
) -> None:
    """Screen one name against every imported list and explain each candidate."""
    from cruce.core.identifiers import check_identifier
    from cruce.service.queries import make_query

    if explain_matcher:
        _explain_matcher()
        return
    if not name:
        raise InputError("bad_name", 'give a name to screen: cruce screen "NAME"')

    query = make_query(
        " ".join(name), schema=schema, birth_date=dob, country=country, gender=gender, documents=document
    )
    for ident in query.identifiers:  # flagged at the door: screened all the same, never a strong match
        check = check_identifier(ident.kind, ident.value)
        if check.valid is False:
            err_console.print(
                f"[yellow]warning:[/yellow] {escape(ident.kind)} {escape(ident.value)}: {check.reason}; "
                "it cannot count as a document match",
                soft_wrap=True,
            )
    settings = _settings()
    matcher = _load_matcher(settings)
    started = time.perf_counter()
    matches = matcher.screen(query, top=top)
    elapsed_ms = (time.perf_counter() - started) * 1000
    facts = [f"born {query.birth_date.iso()}" if query.birth_date else "", ", ".join(query.countries)]
    about = "; ".join(f for f in facts if f)
    _say(
        f"Candidates for [bold]{escape(repr(query.name))}[/bold]{f' ({escape(about)})' if about else ''} "
        f"among {len(matcher):,} listed entities"
    )
    if not matches:
        _say(f"No candidate ({elapsed_ms:.1f} ms).")
        return
    for rank, match in enumerate(matches, start=1):
        _print_candidate(rank, match)
    alerts = sum(m.alert for m in matches)
    _say(f"{_plural(alerts, 'alert')} at threshold {matcher.threshold:.2f}; screened in {elapsed_ms:.1f} ms")


def _print_candidate(rank: int, match: Match) -> None:
    """A candidate as a heading line and one line per reason: readable at 80 columns, easy to copy."""
    flag = "[bold red]ALERT[/bold red]" if match.alert else "     "
    caption = escape(match.entity.caption)
    _say(f"{rank:>2}. {match.score:.3f} {flag} {escape(match.entity_id)}  [bold]{caption}[/bold]")
    if match.matched_name and match.matched_name != match.entity.caption:
        _say(f"      matched name: {escape(match.matched_name)}")
    for feature in sorted(match.features, key=lambda f: -abs(f.value)):
        _say(f"      - {escape(feature.name)}: {escape(feature.detail)}")


def _explain_matcher() -> None:
    from cruce.matching.build import state
    from cruce.matching.scorer import CruceScorer

    about = CruceScorer.describe()
    _say(f"[bold]{about['name']} {about['version']}[/bold], alert threshold {about['threshold']:.2f}")
    _say(f"Runs {about['runs']} here: {escape(state().reason)}.")
    _say(escape(about["doc"]))
    for row in about["features"]:
        values = ", ".join(f"{k}={v}" for k, v in row["values"].items())
        _say(
            f"  {row['group']:8} {escape(row['name']):20} {escape(row['doc'])}"
            + (f" [{values}]" if values else "")
        )
    _say("Shipped name data: " + "; ".join(f"{k}: {escape(v)}" for k, v in about["data"].items()))


@screen_app.command("batch")
def screen_batch(  # noqa: PLR0917 - Typer turns each parameter into an option
    input_path: Annotated[
        Path,
        typer.Argument(
            help="CSV or Parquet: id,name[,schema,birth_date,country,gender,documents].", metavar="INPUT"
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the candidates CSV.")],
    top: Annotated[int, typer.Option(help="Candidates per query.", min=1)] = 5,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: CRUCE_WORKERS or 2).", min=1)
    ] = None,
    engine: EngineOption = Engine.local,
    master: MasterOption = "local[2]",
    partitions: PartitionsOption = None,
) -> None:
    """Screen every row of a CSV or Parquet file; streams, so files of millions of rows are fine."""
    from cruce.service.screening import check_batch_paths, screen_file

    if wants_table_path(input_path, output, engine):  # Parquet or Spark: cruce.cli.batch
        screen_batch_table(input_path, output, top, workers, engine, master, partitions)
        return
    settings = _settings()
    check_batch_paths(input_path, output)  # a bad file fails now, not after the lists are loaded
    total = _count_lines(input_path)
    matcher = _load_matcher(settings)
    run_screening(screen_file, matcher, input_path, output, top, workers or settings.workers, total)


def _count_lines(path: Path) -> int:
    """Data lines in the file, for the progress bar (a quoted field spanning lines counts more than once)."""
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


# ---------------------------------------------------------------- demo


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same day.")] = 7,
    travelers: Annotated[int, typer.Option(help="How many travelers and companies cross.", min=1)] = 5000,
    list_size: Annotated[int, typer.Option(help="Entities on the synthetic watchlist.", min=1)] = 2000,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: CRUCE_WORKERS or 2).", min=1)
    ] = None,
) -> None:
    """Run a synthetic border day end to end on the embedded store (no network, no setup)."""
    for extra in ("synthetic", "risk", "assess"):
        require(extra)
    from cruce.service.demo import run_demo
    from cruce.storage.store import open_store

    settings = _settings()
    _say("[bold]cruce demo — ALL DATA IS SYNTHETIC[/bold]: invented people and companies, none real.")
    demo_db = settings.ensure_data_dir() / "demo.db"
    for leftover in (demo_db, demo_db.with_name("demo.db-wal"), demo_db.with_name("demo.db-shm")):
        leftover.unlink(missing_ok=True)  # each run starts from an empty demo store: same seed, same output
    with open_store(f"sqlite:///{demo_db}") as demo_store, _progress() as progress:
        task = progress.add_task("screening travelers", total=travelers)
        report = run_demo(
            demo_store, seed=seed, list_size=list_size, travelers=travelers,
            workers=workers or settings.workers, threshold=settings.alert_threshold,
            progress=_advance(progress, task),
        )  # fmt: skip
    console.print(_demo_summary(report, seed))
    console.print(_demo_examples(report))
    _demo_border_day(seed, workers or settings.workers)
    _demo_cargo(settings.ensure_data_dir() / "demo-cargo", seed)
    _demo_sharing(report)
    _demo_emergency(seed, settings.ensure_data_dir() / "demo-response")
    with open_store(f"sqlite:///{demo_db}") as cases_store:
        _demo_cases(cases_store)
    with open_store(f"sqlite:///{demo_db}") as programs_store:
        _demo_programs(programs_store)
    _say(f"Demo store: {escape(str(demo_db))}. All of the above is synthetic data.")


def _demo_border_day(seed: int, workers: int) -> None:
    """Part 2: a day of traffic at San Ysidro, screened, scored and routed under the inspection budget."""
    from cruce.cli.simulate import render
    from cruce.service.simulate import SimulationOptions, run_simulation

    console.rule("[bold]2. A day at a port: lanes under an inspection budget (synthetic)")
    render(
        run_simulation(
            SimulationOptions(port="San Ysidro", seed=seed, scale=DEMO_PORT_SCALE, workers=workers)
        ),
        brief=True,
    )


def _demo_cargo(folder: Path, seed: int) -> None:
    """Part 3: a cargo risk model trained on a synthetic year of declarations, judged on the weeks after."""
    from cruce.service.demo import run_cargo_demo

    console.rule("[bold]3. Cargo risk: a model trained on last year, judged on this year (synthetic)")
    cargo = run_cargo_demo(folder, seed=seed)
    _prose(
        f"Trained {escape(cargo.model_version)} on {cargo.trained_rows:,} declarations in "
        f"{cargo.train_s:.1f} s; scored {cargo.scored_rows:,} later ones with "
        f"{escape(cargo.rules_label or 'no rules')}."
    )
    table = Table(box=box.SIMPLE_HEAD, caption="precision / recall when the riskiest share is inspected")
    table.add_column("inspect")
    table.add_column("fraud", justify="right")
    table.add_column("critical fraud", justify="right")
    for fraud, critical in zip(cargo.fraud.at_rate, cargo.critical.at_rate, strict=True):
        table.add_row(
            f"top {fraud.rate:.0%}",
            f"{fraud.precision:.2f} / {fraud.recall:.2f}",
            f"{critical.precision:.2f} / {critical.recall:.2f}",
        )
    console.print(table)
    for declaration_id, score, reasons in cargo.riskiest:
        _prose(f"  declaration {escape(declaration_id)}: score {score:.2f} — {escape(reasons)}")
    _prose(
        f"Files: {escape(str(folder))} (try: cruce risk backtest {escape(str(folder / 'later.csv'))} "
        f"--model {escape(str(folder / 'model'))})"
    )


def _demo_sharing(report: Any) -> None:
    """Part 4: an alert written in marked portions, and the tear-line version each partner receives."""
    from cruce.service.demo import run_sharing_demo

    console.rule("[bold]4. Sharing under markings: each partner's tear line (synthetic)")
    sharing = run_sharing_demo(report)
    _prose(
        f"Full product, banner [bold]{escape(str(sharing.product.banner))}[/bold] "
        f"({len(sharing.product.all_portions)} marked portions), stays with its owner."
    )
    for partner, version in sharing.versions.items():
        sent = sharing.stix_objects.get(partner)
        bundle = f", sent as a STIX 2.1 bundle of {sent} objects" if sent else ""
        _prose(
            f"\n[bold]{partner}[/bold] receives {len(version.all_portions)} portions, "
            f"{version.withheld} withheld{bundle}:"
        )
        _prose(escape(version.render()))


def _demo_emergency(seed: int, directory: Path) -> None:
    """Part 5: a hurricane cuts a port's power; the cascade, the diversion, and MEX's assessment tear line;
    then the joint response: a sitrep and MEX's tear line of it, a rescue, a repatriation and its receipt."""
    from cruce.service.demo import run_emergency_demo, run_response_demo

    console.rule("[bold]5. A joint emergency and the shared risk assessment (synthetic grid)")
    demo = run_emergency_demo(seed=seed)
    _prose(escape(f"{demo.incident.incident.name}: {len(demo.incident.impacts)} assets may go out."))
    for impact in demo.incident.impacts[:5]:
        cause = f", through {impact.cause}" if impact.cause else " (struck)"
        _prose(escape(f"  {impact.asset.name}: out with probability {impact.probability_out:.0%}, "
                    f"{impact.expected_outage_hours:.0f} h expected{cause}"))  # fmt: skip
    for port in demo.incident.ports[:6]:
        flows = f"diverted out {port.diverted_out_per_day:,.0f}/day, in {port.diverted_in_per_day:,.0f}/day"
        wait = f"expected wait {port.expected_wait_min:,.0f} min"
        _prose(escape(f"  {port.asset.name}: {port.status}; {flows}; {wait}"))
    _prose(f"\n[bold]MEX[/bold] receives {len(demo.mexico.all_portions)} portions of the assessment, "
           f"{demo.mexico.withheld} withheld (NOFORN substation details):")  # fmt: skip
    for portion in demo.mexico.all_portions[:4]:
        _prose(escape(str(portion)))
    _prose(f"  … banner {escape(str(demo.mexico.banner))}")
    directory.mkdir(parents=True, exist_ok=True)
    response = run_response_demo(demo, directory)
    usa, mex = response.sitrep_usa, response.sitrep_mex
    _prose(f"\n[bold]Sitrep[/bold] written by USA [{escape(usa.banner)}], {len(usa.portions)} portions;"
           f" [bold]MEX's tear line[/bold] [{escape(mex.banner)}], {mex.withheld} withheld:")  # fmt: skip
    for banner, text in mex.portions:
        _prose(escape(f"  ({banner}) {text}"))
    rescue, transfer, receipt = response.rescue, response.transfer, response.receipt
    _prose(escape(f"Rescue {rescue.rescue_id}: {rescue.people} people, {rescue.sector}, {rescue.cause}, "
                  f"{rescue.outcome}."))  # fmt: skip
    _prose(escape(f"Repatriation {transfer.transfer_id}: {transfer.people} people handed over to "
                  f"{transfer.to_country} at {transfer.port}, {transfer.alerts} screening alerts; receipt by "
                  f"{receipt.receipt_by} for {receipt.received} people."))  # fmt: skip
    _prose(f"{response.audit_records} audit records, every step of the response among them.")


def _demo_cases(store: Any) -> None:
    """Part 6: a smuggling ring seen from both sides, joined by entity resolution; the referral MEX gets."""
    from cruce.service.demo import run_cases_demo

    console.rule("[bold]6. Joint cases against a smuggling ring (synthetic)")
    demo = run_cases_demo(store)
    _prose(
        f"USA opened {escape(demo.us_case)} (drivers, a rescue, seized phones); MEX opened "
        f"{escape(demo.mx_case)} (recruiters, a coordinator) and shared it with the USA "
        f"({demo.mx_referral.released_parts} parts released)."
    )
    for label, members, why in demo.resolved:
        _prose(escape(f"  entity resolution: {label} = {' + '.join(members)} ({'; '.join(why)})"))
    _prose(escape(f"  broker (highest betweenness): {demo.broker[0]} ({demo.broker[1]:.2f})"))
    for k, cell in enumerate(demo.cells, 1):
        _prose(escape(f"  cell {k}: {', '.join(cell)}"))
    for a, b, times in demo.co_travel:
        _prose(escape(f"  co-travel: {a} and {b}, {times} crossings together"))
    _prose(f"  custody log of {escape(demo.us_case)}: {'intact' if demo.custody_ok else 'PROBLEMS'}")
    met = "met" if demo.check.met else "not met: " + "; ".join(demo.check.missing)
    _prose(escape(f"  {demo.check.guideline}: {met}"))
    seen = demo.mexico_sees
    _prose(
        f"\n[bold]MEX[/bold] receives the referral ({demo.referral.released_parts} parts, "
        f"{demo.referral.withheld} withheld), banner {escape(seen.banner)}:"
    )
    for s in seen.subjects[:6]:
        _prose(escape(f"  {s.portion} {s.kind} {s.name} {s.role}".rstrip()))
    for e in seen.events[-3:]:
        _prose(escape(f"  {e.portion} {e.kind} {e.at:%Y-%m-%d} {e.place}: {e.description}"))


def _demo_programs(store: Any) -> None:
    """Part 7: enrolment, an expedited crossing, a list update, re-vetting, secondary, MEX's notice."""
    from cruce.service.demo import run_programs_demo

    console.rule("[bold]7. Trusted programs: enrolled, re-vetted when a list changes (synthetic)")
    demo = run_programs_demo(store)
    _prose(
        escape(f"Rosa Elena Vidal Campos applies to the USA's SENTRI-like program; vetting: {demo.vetting}.")
    )
    _prose(escape(f"Approved: membership {demo.membership_id}."))
    _prose(escape(f"  crossing 1: lane {demo.before.lane.value} — {'; '.join(demo.before.reasons)}"))
    _prose(escape(f"A new version of demo-wanted names her. Re-vetting {demo.revetted}."))
    _prose(escape(f"  membership suspended: {demo.state_reason} ({demo.alerts} alert in the queue)"))
    _prose(escape(f"  crossing 2: lane {demo.after.lane.value} — {'; '.join(demo.after.reasons)}"))
    notice = demo.notice_for_mex
    _prose(
        f"\n[bold]MEX[/bold] receives the USA's hit notice, banner {escape(str(notice.banner))} "
        f"({escape(', '.join(demo.withheld_for_mex) or 'nothing')} withheld):"
    )
    _prose(escape(f"  {notice.marking.portion} {notice.subject_name} matched {notice.entity_id}, "
                  f"score {notice.score:.2f}, membership {notice.membership_id}"))  # fmt: skip
    for d in notice.details:
        _prose(escape(f"  {d.marking.portion} {d.field}: {d.value}"))


def _demo_summary(report: Any, seed: int) -> Table:
    summary = Table(title=f"Screening summary (synthetic data, seed {seed})", box=box.SIMPLE_HEAD)
    summary.add_column("what")
    summary.add_column("value", justify="right", no_wrap=True)
    rows = [
        ("watchlist version stored", report.list_version),
        ("listed entities (synthetic)", f"{report.listed_entities:,}"),
        ("index build", f"{report.index_build_s * 1000:,.0f} ms"),
        ("travelers and companies screened", f"{report.screened:,}"),
        ("screened with an alert", f"{report.alerts:,}"),
        ("planted listed parties caught", f"{report.planted_caught} / {report.planted}"),
        ("alerts on innocent travelers", f"{report.innocent_alerts:,}"),
        ("alerts on relatives (same surnames)", f"{report.near_miss_alerts} / {report.near_miss}"),
        ("latency p50 / p99", f"{report.p50_ms:.2f} / {report.p99_ms:.2f} ms"),
        ("screening time", f"{report.screening_s:.1f} s on {_plural(report.workers, 'worker')}"),
    ]
    for what, value in rows:
        summary.add_row(what, escape(value))
    return summary


def _demo_examples(report: Any) -> Table:
    """One row per example, two short lines at most: who crossed, as whom they were listed, and why."""
    table = Table(
        title="Examples (synthetic): listed parties in disguise, and any miss",
        caption="Each row: the name presented, then (dim) the listed name it was screened to.",
        box=box.SIMPLE_HEAD,
        leading=1,
        pad_edge=False,
    )
    # Short columns get fixed widths and the two free-text columns share the rest: Rich then fills the
    # terminal exactly (ratios mixed with minimum widths overshot 80 columns and cropped the last one).
    table.expand = True
    table.add_column("presented / listed as", ratio=5)
    table.add_column("role", width=10, overflow="ellipsis")
    table.add_column("variation", width=15)
    table.add_column("score", justify="right", width=5)
    table.add_column("why (name)", ratio=4)
    for example in report.highlights(8):
        top = example.top
        variation = (example.perturbation or "none").replace("_", " ").replace("+", " + ")
        if example.outcome != "caught":
            variation = f"[bold red]{example.outcome.upper()}[/bold red] {escape(variation)}"
        else:
            variation = escape(variation)
        listed = escape(top.entity.caption) if top else "-"
        table.add_row(
            f"{escape(example.name)}\n[dim]{listed}[/dim]",
            escape(example.role),
            variation,
            f"{top.score:.2f}" if top else "",
            escape(_short_reason(top)) if top else "",
        )
    return table


def _short_reason(match: Match, limit: int = SHORT_REASON_CHARS) -> str:
    """The gist of the name feature: the words that differ and what is missing, not the whole sentence.

    The detail reads `0.96 'Adel Khalid al-Bitar': adel, bitar, kjalid~khalid (1 letter differ); not given:
    ...`; the listed name is already in the table, and identical words teach nothing, so keep the rest.
    """
    feature = next((f for f in match.features if f.name == "name"), None)
    if feature is None:
        return ""
    detail = feature.detail
    quoted = f"'{match.matched_name}'"
    if quoted in detail:
        detail = detail.split(quoted, 1)[1].lstrip(": ")
    pairs, _, rest = detail.partition("; ")
    differing = [p for p in pairs.split(", ") if "~" in p]
    parts = [*differing, *(r for r in rest.split("; ") if r)]
    text = "; ".join(parts) if parts else "all words agree"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sqlite_file(settings: Settings) -> Path:
    from sqlalchemy.engine import make_url

    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() != "sqlite" or not url.database:
        backend = url.get_backend_name()
        raise InputError("not_embedded", f"backup and restore do not support {backend} databases")
    return Path(url.database)


@app.command()
def backup(target: Annotated[Path, typer.Argument(help="A new file to write the backup to.")]) -> None:
    """Copy the database to FILE while it is in use (one consistent snapshot; pg_dump for PostgreSQL)."""
    from cruce.storage import pgdump
    from cruce.storage.backup import backup as backup_database

    settings = _settings()
    url = settings.resolved_database_url()
    if pgdump.is_postgresql(url):
        size = pgdump.backup(url, target)
    else:
        size = backup_database(_sqlite_file(settings), target)
    _say(f"[green]Backed up[/green] to {escape(str(target))} ({size:,} bytes)")


@app.command()
def restore(source: Annotated[Path, typer.Argument(help="A backup made by `cruce backup`.")]) -> None:
    """Replace the database by a checked backup (stop `cruce serve` first; pg_restore for PostgreSQL)."""
    from cruce.storage import pgdump
    from cruce.storage.backup import restore as restore_database

    settings = _settings()
    url = settings.resolved_database_url()
    if pgdump.is_postgresql(url):
        pgdump.restore(source, url)
        where = "the PostgreSQL database"
    else:
        database = _sqlite_file(settings)
        restore_database(source, database)
        where = str(database)
    _say(f"[green]Restored[/green] {escape(where)} from {escape(str(source))}")


@app.command()
def version() -> None:
    """Print cruce's version."""
    _say(f"cruce {__version__}")


# ---------------------------------------------------------------- entry point


def _usage_hint(exc: typer.TyperException) -> str:
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "cruce"
    return f"Try '{command} --help' for help."


def run(argv: Sequence[str] | None = None) -> None:
    """Console-script entry: turn every error into one red line and an exit code, never a traceback."""
    try:
        status = app(args=list(argv) if argv is not None else None, prog_name="cruce", standalone_mode=False)
    except CruceError as exc:
        _error(exc.message)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors from Typer's own click: bad option, missing argument
        _error(exc.format_message())
        err_console.print(escape(_usage_hint(exc)), style="dim", soft_wrap=True)
        sys.exit(exc.exit_code if exc.exit_code else 2)
    except typer.Abort:
        _error("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
    except BrokenPipeError:  # `cruce lists diff ... | head`: the reader left, nothing to report
        sys.stderr.close()
        sys.exit(1)
    except ModuleNotFoundError as exc:  # an extra's package imported on a path no require() guards
        missing = missing_extra(exc)
        if missing is None:
            _crash(exc)
        else:
            _error(missing.message)
            sys.exit(missing.exit_code)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}")
        sys.exit(1)
    except Exception as exc:
        _crash(exc)
    if status == 130:  # Typer turns Ctrl-C into this status without a word
        _error("interrupted")
    sys.exit(status if isinstance(status, int) else 0)


def _crash(exc: Exception) -> NoReturn:
    _error(
        f"unexpected {type(exc).__name__}: {exc} — this is a bug in cruce; please report it "
        "(CRUCE_DEBUG=1 shows the traceback)"
    )
    if os.environ.get("CRUCE_DEBUG") == "1":
        traceback.print_exc()
    sys.exit(1)


def _error(message: str) -> None:
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)


if __name__ == "__main__":
    run()
