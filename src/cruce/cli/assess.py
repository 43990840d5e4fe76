"""`cruce assess`: joint infrastructure risk assessment and disease alerts at ports (over cruce.assess)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.output import console
from cruce.cli.output import say as _say
from cruce.core.errors import InputError
from cruce.core.extras import require

assess_app = typer.Typer(
    help="Assess shared infrastructure risk (Monte Carlo with cascades); detect outbreaks."
)


@assess_app.command("run")
def run(  # noqa: PLR0917 - Typer turns each parameter into an option
    assets: Annotated[Path | None, typer.Argument(help="Assets CSV or GeoJSON (or use --example).")] = None,
    deps: Annotated[Path | None, typer.Option("--deps", help="Dependencies CSV.")] = None,
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="Scenarios (and mitigations) YAML.")
    ] = None,
    mapping: Annotated[
        str, typer.Option(help="Asset mapping: a shipped name or your .yaml.")
    ] = "assets-default",
    samples: Annotated[int, typer.Option(help="Simulated years.", min=20)] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same assessment.")] = 7,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 2,
    metric: Annotated[str, typer.Option(help="Rank by trade_usd, crossings or people.")] = "trade_usd",
    report: Annotated[Path | None, typer.Option("--report", help="Write the HTML report here.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write ranked rows here.")] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Shipped example: BTS ports + synthetic grid.")
    ] = False,
    store_as: Annotated[
        str | None,
        typer.Option("--store-as", help="Store the assessment as this account (partners read it)."),
    ] = None,
    markings: Annotated[
        Path | None, typer.Option("--markings", help="YAML markings block for the stored product.")
    ] = None,
    title: Annotated[str, typer.Option(help="Title of the stored assessment.")] = "Joint infrastructure risk",
) -> None:
    """Rank assets and scenarios with 90% intervals, a tornado and mitigations compared."""
    require("assess")
    require("plot")  # the report module draws its figures with matplotlib
    from cruce.assess.example import example_assets, example_scenarios
    from cruce.assess.graph import DependencyGraph
    from cruce.assess.report import write_csv, write_html
    from cruce.assess.results import assess
    from cruce.assess.scenarios import load_scenarios
    from cruce.assess.sources import load_asset_mapping, read_assets, read_dependencies

    if example:
        asset_list, dep_list = example_assets()
        scenario_set = example_scenarios() if scenarios is None else load_scenarios(scenarios)
    else:
        if assets is None or scenarios is None:
            raise InputError("missing_input", "give ASSETS and --scenarios (and --deps), or --example")
        asset_list = read_assets(assets, load_asset_mapping(mapping))
        dep_list = read_dependencies(deps) if deps is not None else []
        scenario_set = load_scenarios(scenarios)
    graph = DependencyGraph(asset_list, dep_list)
    result = assess(graph, scenario_set, samples=samples, seed=seed, workers=workers, metric=metric)
    total = result.total()
    _say(
        f"{len(graph)} assets, {len(graph.dependencies)} dependencies (depth {graph.depth}), "
        f"{len(result.scenarios)} scenarios, {result.baseline.samples:,} simulated years in "
        f"{result.baseline.seconds:.1f} s. Expected {metric}/yr: {total.mean:,.0f} "
        f"(90% {total.low:,.0f} – {total.high:,.0f})."
    )
    table = Table(title="Scenarios", box=box.SIMPLE_HEAD)
    for column in ("scenario", "category", "expected/yr", "90% interval"):
        table.add_column(column)
    for s in result.scenario_ranking():
        est = s.loss[metric]
        table.add_row(escape(s.name), s.category, f"{est.mean:,.0f}", f"{est.low:,.0f} – {est.high:,.0f}")
    console.print(table)
    table = Table(
        title="Most critical assets (loss their failure causes, cascades included)", box=box.SIMPLE_HEAD
    )
    for column in ("asset", "owner", "expected/yr", "90% interval", "out h/yr"):
        table.add_column(column)
    for a in result.asset_ranking(10):
        est = a.loss[metric]
        span = f"{est.low:,.0f} – {est.high:,.0f}"
        table.add_row(
            escape(a.name), a.owner_country, f"{est.mean:,.0f}", span, f"{a.outage_hours_per_year:,.1f}"
        )
    console.print(table)
    for m in result.mitigations():
        per = m.avoided_per_usd
        interval = f"90% {per.low:.3f} – {per.high:.3f}"
        _say(f"mitigation {escape(m.name)}: {per.mean:.3f} avoided per USD ({interval})")
    if csv_out is not None:
        rows = write_csv(result, csv_out)
        _say(f"wrote {rows} rows to {escape(str(csv_out))}")
    if report is not None:
        write_html(result, report)
        _say(f"wrote the report to {escape(str(report))}")
    if store_as is not None:
        _store(result, store_as, markings, title)


def _store(result: Any, store_as: str, markings: Path | None, title: str) -> None:
    import yaml

    from cruce.assess.product import AssessmentMarkings
    from cruce.cli.config import open_configured_store
    from cruce.service.assess import AssessService
    from cruce.service.node_admin import NodeAdmin
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    data = None
    if markings is not None:
        try:
            loaded = yaml.safe_load(markings.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError("bad_markings", f"cannot read markings from {markings}: {exc}") from exc
        data = loaded.get("markings", loaded) if isinstance(loaded, dict) else None
    with open_configured_store() as store:
        account = NodeAdmin(store).account(store_as)
        service = AssessService(RespondStore(store.engine), AuditLog(store.engine))
        saved = service.save(account, result, AssessmentMarkings.from_dict(data), title)
    _say(f"stored {saved.assessment_id} [{escape(saved.banner)}]: {len(saved.assets)} assets in its table")


@assess_app.command("ls")
def ls(as_user: Annotated[str, typer.Option("--as", help="The account reading.")]) -> None:
    """Stored assessments this account may read."""
    from cruce.cli.config import open_configured_store
    from cruce.service.assess import AssessService
    from cruce.service.node_admin import NodeAdmin
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    with open_configured_store() as store:
        account = NodeAdmin(store).account(as_user)
        rows = AssessService(RespondStore(store.engine), AuditLog(store.engine)).assessments(account)
    for a in rows:
        _say(f"{a.assessment_id} {a.country} {a.created_at:%Y-%m-%d} [{escape(a.banner)}] {escape(a.title)}")
    if not rows:
        _say("no stored assessment you may read")


@assess_app.command("show")
def show(
    assessment_id: str, as_user: Annotated[str, typer.Option("--as", help="The account reading.")]
) -> None:
    """One stored assessment as this account may read it: its portions and its asset table with risk."""
    from cruce.cli.config import open_configured_store
    from cruce.service.assess import AssessService
    from cruce.service.node_admin import NodeAdmin
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    with open_configured_store() as store:
        account = NodeAdmin(store).account(as_user)
        view = AssessService(RespondStore(store.engine), AuditLog(store.engine)).assessment(
            account, assessment_id
        )
    _say(f"[bold]{escape(view.banner)}[/] {escape(view.title)} ({view.country}, {view.samples:,} years)")
    for marking, text in view.portions:
        _say(f"  ({escape(marking)}) {escape(text)}")
    if view.withheld:
        _say(f"  [dim]{view.withheld} portion(s) not released to {account.country}[/]")
    table = Table(title=f"Assets by risk ({view.metric}/yr)", box=box.SIMPLE_HEAD)
    for column in ("#", "asset", "kind", "owner", "expected", "90% interval", "out h/yr", "marking"):
        table.add_column(column)
    for a in view.assets:
        table.add_row(
            str(a.rank),
            escape(a.name),
            a.kind,
            a.owner_country,
            f"{a.expected:,.0f}",
            f"{a.low:,.0f} – {a.high:,.0f}",
            f"{a.outage_hours_per_year:,.1f}",
            escape(a.marking),
        )
    console.print(table)


@assess_app.command("register")
def register(  # noqa: PLR0917 - Typer turns each parameter into an option
    as_user: Annotated[str, typer.Option("--as", help="The account registering (its country's register).")],
    assets: Annotated[Path | None, typer.Argument(help="Assets CSV or GeoJSON (or use --example).")] = None,
    deps: Annotated[Path | None, typer.Option("--deps", help="Dependencies CSV.")] = None,
    mapping: Annotated[
        str, typer.Option(help="Asset mapping: a shipped name or your .yaml.")
    ] = "assets-default",
    markings: Annotated[
        Path | None,
        typer.Option(
            "--markings",
            help="YAML of marking rules: default, kind:<kind>, owner:<XXX>, asset:<id> (default U//NOFORN).",
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Shipped example: BTS ports + synthetic grid.")
    ] = False,
) -> None:
    """Record assets in the register (the console's asset page), each marked; partners see what is released
    to them."""
    require("assess")
    import yaml

    from cruce.assess.example import example_assets
    from cruce.assess.graph import DependencyGraph
    from cruce.assess.sources import load_asset_mapping, read_assets, read_dependencies
    from cruce.cli.config import open_configured_store
    from cruce.service.assess import AssessService
    from cruce.service.assets import AssetRegister
    from cruce.service.node_admin import NodeAdmin
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    if example:
        asset_list, dep_list = example_assets()
    elif assets is None:
        raise InputError("missing_input", "give ASSETS (and --deps), or --example")
    else:
        asset_list = read_assets(assets, load_asset_mapping(mapping))
        dep_list = read_dependencies(deps) if deps is not None else []
    DependencyGraph(asset_list, dep_list)  # unknown assets, cycles: refused before anything is written
    rules = None
    if markings is not None:
        try:
            loaded = yaml.safe_load(markings.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError("bad_markings", f"cannot read markings from {markings}: {exc}") from exc
        rules = loaded.get("markings", loaded) if isinstance(loaded, dict) else None
        if not isinstance(rules, dict):
            raise InputError(
                "bad_markings", f"{markings}: a mapping such as {{default: 'U//REL TO USA, MEX'}}"
            )
    with open_configured_store() as store:
        account = NodeAdmin(store).account(as_user)
        respond, audit = RespondStore(store.engine), AuditLog(store.engine)
        register = AssetRegister(respond, audit, AssessService(respond, audit))
        count = register.register(account, asset_list, dep_list, rules)
    _say(f"registered {count} asset(s) for {account.country} ({len(dep_list)} dependencies)")


@assess_app.command("detect")
def detect(
    counts: Annotated[Path, typer.Argument(help="CSV with columns date, port, cases.")],
    method: Annotated[str, typer.Option(help="cusum or ewma.")] = "cusum",
    window_days: Annotated[int, typer.Option(help="Baseline window (days).", min=7)] = 28,
    guard_days: Annotated[int, typer.Option(help="Days between the baseline and the day judged.", min=0)] = 7,
) -> None:
    """Alert when a port's daily case counts leave their baseline."""
    require("assess")
    from cruce.assess.detect import DetectorSettings, read_counts
    from cruce.assess.detect import detect as run_detect

    settings = DetectorSettings(method=method, window_days=window_days, guard_days=guard_days)
    alerts = run_detect(read_counts(counts), settings)
    _say(f"{len(alerts)} alert(s) ({method})")
    _say("port,date,cases,statistic")
    for alert in alerts:
        _say(f"{escape(alert.port)},{alert.day},{alert.cases:g},{alert.statistic:.2f}")
