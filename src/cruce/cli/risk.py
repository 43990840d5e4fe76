"""`cruce risk …`: train, score, backtest and shadow cargo risk models (thin over cruce.service.risk)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.batch import Engine, EngineOption, MasterOption, PartitionsOption, score_spark
from cruce.cli.output import console, err_console, plural, say, status
from cruce.core.errors import InputError
from cruce.core.extras import require

if TYPE_CHECKING:
    from cruce.matching.matcher import Matcher
    from cruce.scoring.evaluation import Evaluation

risk_app = typer.Typer(
    help="Cargo risk: train a model, score declarations, backtest, shadow a candidate.", no_args_is_help=True
)

MappingOption = Annotated[
    str,
    typer.Option(
        "--mapping", help="Column mapping: a preset name (customs-declarations) or your own .yaml file."
    ),
]
ModelMappingOption = Annotated[
    str | None,
    typer.Option(
        "--mapping",
        help="Column mapping of this file (default: the one the model was trained with).",
        show_default=False,
    ),
]
RulesOption = Annotated[
    str,
    typer.Option("--rules", help="Rule set: a shipped name (cargo-default), your own .yaml file, or 'none'."),
]
ModelOption = Annotated[
    Path, typer.Option("--model", help="Model directory (written by `cruce risk train`).")
]
SkipOption = Annotated[
    bool,
    typer.Option("--skip-bad-rows", help="Leave unreadable rows out (they are counted) instead of stopping."),
]


@risk_app.command("train")
def train(  # noqa: PLR0917 - Typer turns each parameter into an option
    train_path: Annotated[
        Path, typer.Argument(help="Labelled declarations, oldest first or in any order.", metavar="TRAIN.csv")
    ],
    model: ModelOption,
    mapping: MappingOption = "customs-declarations",
    valid: Annotated[
        Path | None, typer.Option("--valid", help="A later labelled file to evaluate on.")
    ] = None,
    forbid: Annotated[
        list[str] | None,
        typer.Option(
            "--forbid", help="An attribute no feature may use (repeatable); replaces the default list."
        ),
    ] = None,
    skip_bad_rows: SkipOption = False,
) -> None:
    """Train the cargo risk model (fraud and critical fraud) on labelled history and save it."""
    require("risk")
    from cruce.service.risk import train_model

    report = train_model(
        train_path,
        model,
        mapping=mapping,
        valid_path=valid,
        forbidden=forbid,
        skip_bad_rows=skip_bad_rows,
        step=status,
    )
    skipped = f" ({plural(report.skipped_rows, 'unreadable row')} left out)" if report.skipped_rows else ""
    say(
        f"Trained model {report.model_version} on {plural(report.rows, 'declaration')}{skipped} "
        f"in {report.seconds:.1f} s; saved to {escape(str(report.model_dir))}"
    )
    if report.validation is not None:
        console.print(
            _evaluation_table(f"Validation on {escape(valid.name if valid else '')}", report.validation)
        )


@risk_app.command("score")
def score(  # noqa: PLR0917 - Typer turns each parameter into an option
    input_path: Annotated[Path, typer.Argument(help="Declarations to score.", metavar="INPUT.csv")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the scores CSV.")],
    model: ModelOption,
    mapping: ModelMappingOption = None,
    rules: RulesOption = "cargo-default",
    screen_parties: Annotated[
        bool,
        typer.Option(
            "--screen-parties/--no-screen-parties",
            help="Screen named parties against the imported watchlists (when the file has party names).",
        ),
    ] = True,
    top: Annotated[int, typer.Option(help="Reasons per declaration.", min=1)] = 3,
    reasons: Annotated[
        bool,
        typer.Option(
            "--reasons/--no-reasons",
            help="Explain every score (rules and model features); off for bulk rescoring.",
        ),
    ] = True,
    engine: EngineOption = Engine.local,
    master: MasterOption = "local[2]",
    partitions: PartitionsOption = None,
) -> None:
    """Score declarations: writes the id column, score, critical_score and reasons."""
    require("risk")
    if engine is Engine.spark:
        score_spark(
            input_path, output, model, mapping, _rules(rules), screen_parties, top, reasons, master,
            partitions,
        )  # fmt: skip
        return
    from cruce.service.risk import mapping_for, score_file

    matcher = _party_matcher(mapping_for(model, mapping)) if screen_parties else None
    report = score_file(
        model,
        input_path,
        output,
        mapping=mapping,
        rules=_rules(rules),
        matcher=matcher,
        top=top,
        reasons=reasons,
        step=status,
    )
    rate = report.rows / report.seconds if report.seconds else 0.0
    say(
        f"Scored {plural(report.rows, 'declaration')} in {report.seconds:.1f} s ({rate:,.0f}/s) with model "
        f"{report.model_version} and {report.rules_label or 'no rules'}: {report.alerts:,} at score ≥ 0.5. "
        f"Results: {escape(str(report.output))}"
    )
    if report.errors:
        err_console.print(
            f"[yellow]warning:[/yellow] {plural(report.errors, 'problem')} in unreadable rows, "
            f"listed with line numbers in {escape(str(report.errors_path))}",
            soft_wrap=True,
        )


@risk_app.command("backtest")
def backtest(  # noqa: PLR0917 - Typer turns each parameter into an option
    data_path: Annotated[
        Path, typer.Argument(help="A labelled period later than the training data.", metavar="DATA.csv")
    ],
    model: ModelOption,
    mapping: ModelMappingOption = None,
    rules: RulesOption = "cargo-default",
    plot: Annotated[Path, typer.Option("--plot", help="Where to write the precision/recall PNG.")] = Path(
        "risk-backtest.png"
    ),
    skip_bad_rows: SkipOption = False,
) -> None:
    """Replay a labelled period: precision and recall at 1, 2, 5, 10% inspection, PR-AUC, fairness."""
    require("risk")
    require("plot")  # the precision/recall PNG
    from cruce.service.risk import backtest as run_backtest

    report = run_backtest(
        model,
        data_path,
        mapping=mapping,
        rules=_rules(rules),
        plot_path=plot,
        skip_bad_rows=skip_bad_rows,
        step=status,
    )
    say(
        f"Backtest of model {report.model_version} with {report.rules_label or 'no rules'} on "
        f"{plural(report.rows, 'declaration')} of {escape(data_path.name)}, replayed in date order."
    )
    console.print(_evaluation_table("Precision and recall at inspection rates", report.evaluations))
    for column, rows in report.fairness.groupby("group_column", sort=False):
        fairness = Table(
            title=f"Who is inspected at 5%, by {str(column).replace('_', ' ')} (groups under 30 rows pooled)",
            box=box.SIMPLE_HEAD,
        )
        for name in ("group", "rows", "inspected", "inspection rate", "base rate", "hit rate", "× overall"):
            fairness.add_column(name, justify="left" if name == "group" else "right")
        for row in rows.to_dict("records"):
            fairness.add_row(
                escape(str(row["group"])),
                f"{int(row['rows']):,}",
                f"{int(row['inspected']):,}",
                f"{row['inspection_rate']:.1%}",
                f"{row['base_rate']:.1%}",
                _pct(row["hit_rate"]),
                f"{row['inspection_ratio']:.2f}",
            )
        console.print(fairness)
    if report.plot is not None:
        say(f"Plot: {escape(str(report.plot))}")


@risk_app.command("shadow")
def shadow(  # noqa: PLR0917 - Typer turns each parameter into an option
    data_path: Annotated[Path, typer.Argument(help="Historical declarations to replay.", metavar="DATA.csv")],
    model: ModelOption,
    candidate_model: Annotated[
        Path | None,
        typer.Option("--candidate-model", help="Candidate model directory (default: the live model)."),
    ] = None,
    rules: RulesOption = "cargo-default",
    candidate_rules: Annotated[
        str | None, typer.Option("--candidate-rules", help="Candidate rule set (default: the live rules).")
    ] = None,
    rate: Annotated[float, typer.Option(help="Inspection rate in percent.", min=0.01, max=100)] = 5.0,
    mapping: ModelMappingOption = None,
    shown: Annotated[int, typer.Option(help="Changed items listed per direction.", min=0)] = 10,
    skip_bad_rows: SkipOption = False,
) -> None:
    """Run a candidate model or rule set beside the live one: what would it newly inspect or release?"""
    require("risk")
    from cruce.service.risk import shadow as run_shadow

    if candidate_model is None and candidate_rules is None:
        raise InputError("nothing_to_compare", "give --candidate-model and/or --candidate-rules")
    report, live_label, candidate_label = run_shadow(
        model,
        data_path,
        candidate_model=candidate_model,
        live_rules=_rules(rules),
        candidate_rules=_rules(candidate_rules if candidate_rules is not None else rules),
        mapping=mapping,
        rate=rate / 100,
        skip_bad_rows=skip_bad_rows,
    )
    say(f"Live:      {escape(live_label)}\nCandidate: {escape(candidate_label)}")
    say(
        f"At {rate:g}% inspection of {plural(report.items, 'declaration')} ({report.inspected:,} inspected): "
        f"{len(report.newly_inspected):,} newly inspected, {len(report.newly_released):,} newly released, "
        f"{report.both_inspect:,} inspected by both."
    )
    kind = "expected catches" if report.catches_are_expected else "catches"
    say(
        f"{kind}: live {report.live_catches:,.1f}, candidate {report.candidate_catches:,.1f} "
        f"({report.catch_change:+,.1f})"
    )
    for title, items in (
        ("Newly inspected", report.newly_inspected),
        ("Newly released", report.newly_released),
    ):
        if not items or not shown:
            continue
        table = Table(title=title, box=box.SIMPLE_HEAD)
        for column in ("declaration", "live score", "candidate score", "outcome"):
            table.add_column(column, justify="left" if column == "declaration" else "right")
        for item in items[:shown]:
            outcome = "unknown" if item.outcome is None else ("fraud" if item.outcome else "clean")
            table.add_row(
                escape(item.item_id), f"{item.live_score:.3f}", f"{item.candidate_score:.3f}", outcome
            )
        console.print(table)


def _rules(name: str) -> str | None:
    return None if name.strip().lower() == "none" else name


def _party_matcher(mapping: str | Path) -> Matcher | None:
    """The watchlist matcher when the file names parties and lists are imported; None otherwise."""
    from cruce.scoring.declarations import PARTY_NAME_FIELDS
    from cruce.scoring.mapping import load_mapping

    if not any(field in load_mapping(mapping).fields for field in PARTY_NAME_FIELDS):
        return None
    from cruce.cli.config import load_matcher, load_settings

    return load_matcher(load_settings())


def _pct(value: object) -> str:
    """A share, or a dash where nothing was inspected (NaN)."""
    return f"{value:.1%}" if isinstance(value, float) and not math.isnan(value) else "–"


def _evaluation_table(title: str, evaluations: dict[str, Evaluation]) -> Table:
    """Rows are inspection rates, columns the scores compared: narrow enough for an 80-column terminal."""
    table = Table(title=title, box=box.SIMPLE_HEAD, caption="cells: precision / recall")
    table.add_column("inspect")
    for name, evaluation in evaluations.items():
        table.add_column(f"{escape(name)}\n{evaluation.positives:,} of {evaluation.n:,}", justify="right")
    first = next(iter(evaluations.values()))
    for index, metrics in enumerate(first.at_rate):
        cells = [
            f"{e.at_rate[index].precision:.3f} / {e.at_rate[index].recall:.3f}" for e in evaluations.values()
        ]
        table.add_row(f"top {metrics.rate:.0%}", *cells)
    table.add_row("PR-AUC", *[_number(e.pr_auc) for e in evaluations.values()])
    table.add_row("ROC-AUC", *[_number(e.roc_auc) for e in evaluations.values()])
    return table


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
