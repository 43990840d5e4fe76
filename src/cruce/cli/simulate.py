"""`cruce simulate`: render a simulated (synthetic) port day — lanes, budget use, catches, estimated misses.

Thin on purpose: the day is made and routed by `cruce.service.simulate.run_simulation`; this module only
parses options and lays the report out in Rich tables that fit 80 columns. Registered in `cruce.cli.main`.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.output import console, err_console
from cruce.cli.output import prose as _prose
from cruce.cli.output import say as _say
from cruce.core.errors import InputError
from cruce.core.extras import require

if TYPE_CHECKING:
    from cruce.service.simulate import SimulationReport

REASONS_SHOWN = 3


def simulate(  # noqa: PLR0917 - Typer turns each parameter into an option
    port: Annotated[str, typer.Option("--port", help='Port of entry, e.g. "San Ysidro", Laredo, Detroit.')],
    day: Annotated[
        str | None, typer.Option("--date", help="Local day to simulate, YYYY-MM-DD (default 2025-06-04).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same day.")] = 7,
    budget_per_hour: Annotated[
        int | None,
        typer.Option(
            "--budget-per-hour", help="Secondary inspections per hour (default: 4% of traffic).", min=0
        ),
    ] = None,
    audit_share: Annotated[
        float, typer.Option(help="Random-audit probability for low-risk traffic.", min=0.0, max=1.0)
    ] = 0.02,
    scale: Annotated[
        float | None,
        typer.Option(
            help="Fraction of the port's day to simulate (default: fits ~15,000 crossings).", max=1.0
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write every crossing's lane and reasons to this CSV."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Screening processes (default: CRUCE_WORKERS or 2).", min=1)
    ] = None,
    list_size: Annotated[int, typer.Option(help="Entities on the synthetic watchlist.", min=1)] = 2000,
    learn_days: Annotated[
        int,
        typer.Option(
            "--learn-days",
            help="Learn a crossing risk model from this many earlier days (routed by the rules), then "
            "route the day by rules + model and compare with the rules alone (0: rules only).",
            min=0,
            max=60,
        ),
    ] = 0,
) -> None:
    """Simulate a synthetic day at a port: screen, score and route every crossing under a budget."""
    require("risk")
    require("synthetic")
    from cruce.cli.config import load_settings as _settings
    from cruce.scoring.ports import find_port
    from cruce.service.simulate import DEFAULT_DAY, SimulationOptions, run_simulation, write_crossings_csv

    on = _parse_day(day) if day is not None else DEFAULT_DAY
    find_port(port)  # an unknown port fails before anything is printed
    if scale is not None and scale <= 0:
        raise InputError("bad_scale", f"--scale must be above 0 and at most 1, got {scale}")
    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        raise InputError("bad_output", f"--output {output}: give a file name in an existing folder")
    settings = _settings()
    options = SimulationOptions(
        port=port, day=on, seed=seed, budget_per_hour=budget_per_hour, audit_share=audit_share, scale=scale,
        list_size=list_size, alert_threshold=settings.alert_threshold, workers=workers or settings.workers,
        learn_days=learn_days,
    )  # fmt: skip
    _say(
        "[bold]cruce simulate — ALL DATA IS SYNTHETIC[/bold]: "
        "invented travelers, vehicles, cargo and contraband."
    )
    with err_console.status("simulating...") as status:
        report = run_simulation(options, progress=status.update)
    render(report)
    if output is not None:
        write_crossings_csv(report, output)
        _say(f"Every crossing's lane, score, probabilities and reasons: {escape(str(output))}")
    _say("All of the above is synthetic data; only the traffic volumes follow published BTS counts.")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(
            "bad_date", f"--date {text!r} is not a date; use YYYY-MM-DD, e.g. 2025-06-01"
        ) from exc


def render(report: SimulationReport, *, brief: bool = False) -> None:
    """The whole report: what was simulated, lanes, budget per hour, outcomes, examples, timings.

    `brief` (for `cruce demo`) leaves out the per-hour table and the examples.
    """
    port = report.port
    scale_note = (
        f" (default for this port: {report.crossings:,} of ~{report.full_day_crossings:,.0f} crossings; "
        "--scale 1 for the full day)"
        if report.scale_auto and report.scale < 1
        else ""
    )
    budget_note = " (default: 4% of the mean hourly traffic)" if report.budget_auto else ""
    _prose(
        f"[bold]{escape(port.label)}[/bold] (port {port.code}, {port.border} border), "
        f"{report.day:%A %Y-%m-%d}, seed {report.seed}, scale {report.scale:g}{scale_note}"
    )
    _prose(
        f"Secondary budget {report.budget_per_hour} per hour{budget_note}; "
        f"audit share {report.audit_share:g}; alert threshold {report.alert_threshold:.2f}; "
        f"synthetic watchlist of {report.list_size:,}."
    )
    _prose(
        f"Volumes: {escape(report.source.split(';')[0])}, "
        f"daily means {report.months[0]}..{report.months[-1]}; hour-of-day and weekday shapes are generic."
    )
    console.print(_lanes_table(report))
    if not brief:
        console.print(_hours_table(report))
    console.print(_outcomes_table(report))
    if report.membership is not None:
        console.print(_membership_table(report))
    if report.learning is not None:
        _learning(report)
    if not brief:
        console.print(_fairness_table(report))
        _examples(report)
    _timings(report)


def _lanes_table(report: SimulationReport) -> Table:
    from cruce.scoring.crossings import Mode
    from cruce.scoring.lanes import Lane

    table = Table(title="Lanes by mode (synthetic day)", box=box.SIMPLE_HEAD)
    for name in ("mode", "crossings", "expected", "expedited", "primary", "secondary"):
        table.add_column(name, justify="left" if name == "mode" else "right", no_wrap=True)
    counts = report.lane_counts()
    totals = dict.fromkeys(Lane, 0)
    for mode in Mode:
        row = counts[mode]
        n = sum(row.values())
        if not n and report.expected.get(mode, 0.0) < 0.5:
            continue
        for lane in Lane:
            totals[lane] += row[lane]
        table.add_row(
            mode.label, f"{n:,}", f"{report.expected.get(mode, 0.0):,.0f}",
            *(f"{row[lane]:,}" for lane in Lane),
        )  # fmt: skip
    table.add_row(
        "[bold]all[/bold]", f"[bold]{report.crossings:,}[/bold]", f"{sum(report.expected.values()):,.0f}",
        *(f"{totals[lane]:,}" for lane in Lane),
    )  # fmt: skip
    return table


def _membership_table(report: SimulationReport) -> Table:
    """The trusted programs: memberships enrolled, the expedited share, and what the trusted lane cost."""
    summary = report.membership
    table = Table(title="Trusted programs (memberships looked up at the booth)", box=box.SIMPLE_HEAD)
    table.add_column("", no_wrap=True)
    table.add_column("value", justify="right")
    if summary is None:  # pragma: no cover - render only calls this with a summary
        return table
    states = ", ".join(f"{n:,} {state.value}" for state, n in summary.enrolled.items() if n)
    share = summary.expedited / report.crossings if report.crossings else 0.0
    rows = (
        ("memberships enrolled", f"{summary.members:,}"),
        ("crossings presenting a card", f"{summary.card_crossings:,}"),
        ("expedited (share of crossings)", f"{summary.expedited:,} ({share:.1%})"),
        ("  of which FAST trucks", f"{summary.fast_trucks:,}"),
        ("referred: suspended member", f"{summary.referred:,}"),
        ("certified-shipper trucks", f"{summary.certified_trucks:,}"),
        ("inspections saved (est.)", f"{summary.inspections_saved:,.1f}"),
        ("contraband expedited (truth)", f"{summary.expedited_contraband:,}"),
    )
    for name, value in rows:
        table.add_row(name, value)
    table.add_row("memberships by state", states or "none")
    table.caption = f"agreement: {summary.agreement}; the expedited lane is never inspected"
    return table


def _hours_table(report: SimulationReport) -> Table:
    table = Table(
        title=f"Secondary inspections per hour ({report.port.timezone} time)",
        caption="used/budget: alerts + targeted + audits (only alerts may go over); thr max: the "
        "hour's highest score threshold; no room: released as the budget was used up",
        box=box.SIMPLE_HEAD,
    )
    for name in ("hour", "arrived", "used", "alerts", "targeted", "audits", "thr max", "no room"):
        table.add_column(
            name, justify="left" if name == "hour" else "right", no_wrap=True, min_width=len(name)
        )
    for usage in sorted(report.hours, key=lambda u: u.start):
        local = report.local_time(usage.start)
        finite = [t for t in usage.thresholds if not math.isinf(t)]
        threshold = f"{max(finite):.2f}" if finite else "-"
        used = f"{usage.secondary}/{usage.budget}"
        if usage.secondary > usage.budget:
            used = f"[bold red]{used}[/bold red]"
        table.add_row(
            f"{local:%H}:00", f"{usage.arrivals:,}", used, str(usage.alerts), str(usage.targeted),
            str(usage.audits), threshold, str(usage.released_budget_used_up),
        )  # fmt: skip
    return table


def _fairness_table(report: SimulationReport) -> Table:
    """Inspection rate and hit rate by traveler nationality: who bears the inspections."""
    overall = sum(g.inspected for g in report.by_nationality()) / max(report.crossings, 1)
    table = Table(
        title="Who is sent to secondary, by nationality of the first traveler (synthetic)",
        box=box.SIMPLE_HEAD,
    )
    for column in ("nationality", "crossings", "secondary", "rate", "× overall", "found", "hit rate"):
        table.add_column(column, justify="left" if column == "nationality" else "right")
    for group in report.by_nationality():
        hit = "–" if group.hit_rate is None else f"{group.hit_rate:.1%}"
        ratio = group.inspection_rate / overall if overall else 0.0
        table.add_row(
            escape(group.group),
            f"{group.crossings:,}",
            f"{group.inspected:,}",
            f"{group.inspection_rate:.1%}",
            f"{ratio:.2f}",
            f"{group.found:,}",
            hit,
        )
    return table


def _outcomes_table(report: SimulationReport) -> Table:
    from cruce.scoring.lanes import Cause

    table = Table(title="Outcomes", box=box.SIMPLE_HEAD)
    table.add_column("what")
    table.add_column("value", justify="right")
    causes = report.cause_counts()
    catches = report.catches()
    estimate = report.estimate
    secondary = causes[Cause.ALERT] + causes[Cause.TARGETED] + causes[Cause.AUDIT]
    rows = [
        ("secondary inspections (alert / targeted / audit)",
         f"{secondary:,} ({causes[Cause.ALERT]} / {causes[Cause.TARGETED]} / {causes[Cause.AUDIT]})"),
        ("contraband found in secondary (alert / targeted / audit)",
         f"{sum(catches.values())} "
         f"({catches[Cause.ALERT]} / {catches[Cause.TARGETED]} / {catches[Cause.AUDIT]})"),
        ("listed parties aboard: crossings alerted", f"{report.listed_alerted} / {report.listed_crossings}"),
        ("released crossings (covered by random draws)", f"{estimate.released:,} ({estimate.covered:,})"),
        ("random draws to secondary: found something",
         f"{estimate.sampled_positives} of {estimate.sampled:,}"),
        ("estimated contraband released (inverse-propensity)",
         f"{estimate.estimated_positives:,.1f} ± {1.96 * estimate.standard_error:,.1f}"),
        ("  approximate 95% upper bound", f"{estimate.upper_95:,.0f}"),
        ("truth, known only in simulation: contraband released",
         f"{report.missed} of {report.contraband_total}"),
        ("  of which in covered traffic", f"{report.missed_covered}"),
    ]  # fmt: skip
    for what, value in rows:
        table.add_row(escape(what), escape(value))
    return table


def _learning(report: SimulationReport) -> None:
    """What the crossing model learned from, and the same day routed by the rules alone and with it."""
    learning = report.learning
    if learning is None:
        return
    first, last = learning.days[0], learning.days[-1]
    span = f"{first}" if first == last else f"{first}..{last}"
    _prose(
        f"[bold]Learned crossing model[/bold]: {len(learning.days)} earlier day(s) ({span}) routed by the "
        f"rules alone: {learning.crossings:,} crossings, {learning.inspected:,} inspected in secondary "
        f"({learning.audits:,} random audits), {learning.found:,} found something; each inspection "
        "weighted by 1 / P(secondary) as the router logged it."
    )
    if learning.model_version is None:
        _prose(f"No model: {escape(learning.error or 'nothing to learn from')}. The day is routed by rules.")
    table = Table(
        title="Same day, arrivals and budget: rules only vs rules + model",
        caption="a/t/au: alert / targeted / audit; found: contraband found in secondary; released: "
        "contraband that went through (truth, known only in simulation)",
        box=box.SIMPLE_HEAD,
    )
    for name in ("routing", "secondary (a/t/au)", "found (a/t/au)", "released", "hit rate"):
        table.add_column(name, justify="left" if name == "routing" else "right", no_wrap=True)
    for outcome in (learning.rules_only, learning.with_model):
        hit = f"{outcome.found / outcome.secondary:.1%}" if outcome.secondary else "–"
        table.add_row(
            outcome.name,
            f"{outcome.secondary:,} ({outcome.alerts}/{outcome.targeted}/{outcome.audits})",
            f"{outcome.found:,} ({outcome.found_alert}/{outcome.found_targeted}/{outcome.found_audit})",
            f"{outcome.released_contraband:,} of {outcome.contraband_total:,}",
            hit,
        )
    console.print(table)


def _examples(report: SimulationReport) -> None:
    _say("[bold]How lanes explain themselves[/bold] (one synthetic crossing per kind of decision):")
    for record in report.examples():
        decision, crossing = record.decision, record.crossing
        local = report.local_time(crossing.arrived_at)
        _say(
            f"  {local:%H:%M} {crossing.mode.label} -> [bold]{decision.lane.value}[/bold] "
            f"({decision.cause.value}; p(secondary)={decision.secondary_probability:.3g})"
        )
        for reason in decision.reasons[:REASONS_SHOWN]:
            _say(f"      - {escape(reason)}")


def _timings(report: SimulationReport) -> None:
    t = report.timings
    per_party = t.get("screen", 0.0) / report.parties_screened * 1000 if report.parties_screened else 0.0
    _prose(
        f"Timings: generate {t.get('generate', 0.0):.1f} s, index {t.get('index', 0.0):.2f} s, "
        f"screen {report.parties_screened:,} parties {t.get('screen', 0.0):.1f} s "
        f"({per_party:.2f} ms each), "
        f"score and route {t.get('score_route', 0.0):.2f} s; "
        + (f"learn {t['learn']:.1f} s (train {t.get('train', 0.0):.2f} s); " if "learn" in t else "")
        + f"total {t.get('total', 0.0):.1f} s."
    )
