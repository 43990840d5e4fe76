"""`cruce simulate`: a synthetic day at a named port, screened, scored and routed under an inspection budget.

The day is generated (cruce.synthetic.traffic) with the port's BTS-derived volumes; every traveler, driver and
company named in a crossing is screened by the real matcher over a synthetic watchlist (the same path as
`cruce screen batch`); the crossing rules score each crossing; the budgeted router sends it to a lane in
arrival order. Secondary inspections find what the hidden truth says is there (detection is taken as
perfect), and the random audits give an inverse-propensity estimate of what the released traffic carried,
which the report sets beside the truth only a simulation knows.

Trusted programs are real memberships, not a flag: the day's population (card carriers, certified companies)
is enrolled into a membership directory (`cruce.synthetic.memberships`, a seeded share suspended, revoked or
expired), and every crossing's lane standing is looked up there at the booth (`cruce.programs.standing`,
under the mutual-recognition agreement). The report shows the expedited share and what it cost: the
contraband the truth says went through the expedited lane, and the secondary inspections it saved.

With `learn_days`, the port's N previous days are simulated first, routed by the rules alone, and the
crossing model (`cruce.scoring.crossing_model`) is trained on what their secondary inspections found,
weighted by the logged P(secondary). The requested day is then routed twice over the same arrivals and
budget, by the rules alone and by rules + model: the counterfactual only a simulation can measure.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cruce.core import csvsafe
from cruce.core.errors import InputError
from cruce.core.model import Schema
from cruce.matching.matcher import Matcher
from cruce.matching.types import Query
from cruce.programs.model import MembershipState
from cruce.programs.recognition import DEFAULT_AGREEMENT, Agreement, load_agreement
from cruce.programs.standing import crossing_standing
from cruce.scoring.crossing_model import (
    CrossingModel,
    CrossingModelScore,
    InspectedCrossing,
    ScoredInput,
    combined_case,
)
from cruce.scoring.crossing_rules import (
    CrossingFacts,
    CrossingRules,
    PartyScreening,
    RiskAssessment,
    routing_case,
)
from cruce.scoring.crossings import Crossing, Mode
from cruce.scoring.lanes import (
    BudgetedRouter,
    Cause,
    HourUsage,
    Lane,
    LaneDecision,
    ProgramStanding,
    ReleasedEstimate,
    RoutingCase,
    RoutingPolicy,
    estimate_released_positives,
)
from cruce.scoring.model import TrainingDataError
from cruce.scoring.ports import PortParameters, find_port, load_ports
from cruce.service.screening import build_matcher, screen_queries
from cruce.synthetic import generate_watchlist
from cruce.synthetic.memberships import enrol
from cruce.synthetic.traffic import TrafficDay, generate_day

DEFAULT_DAY = date(2025, 6, 4)
"""A Wednesday: a typical weekday, fixed so that a run without --date is reproducible."""
AUTO_SCALE_CROSSINGS = 15_000
"""Without --scale, a port whose day is larger than this is simulated at a fraction that fits (~10 s here)."""
AUTO_SCALES = (1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01)
DEFAULT_BUDGET_SHARE = 0.04
"""Without --budget-per-hour: secondary inspections for 4% of the day's mean hourly traffic (at the scale)."""
MAX_LEARN_DAYS = 60

CSV_COLUMNS = (
    "crossing_id", "arrived_at_utc", "local_time", "port_code", "mode", "persons", "plate", "trusted_program",
    "score", "lane", "cause", "secondary_probability", "selection_probability", "threshold",
    "found_in_secondary", "synthetic_truth_contraband", "reasons",
)  # fmt: skip
_EXAMPLE_ORDER = (
    Cause.ALERT, Cause.REFERRED, Cause.TARGETED, Cause.AUDIT, Cause.BELOW_THRESHOLD, Cause.BUDGET_USED_UP,
    Cause.TRUSTED,
)  # fmt: skip
PORT_COUNTRY = "USA"
"""Every port in the catalogue is a US port of entry (BTS inbound crossings)."""


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    """What to simulate; None for `scale` and `budget_per_hour` means "choose for this port" (see above)."""

    port: str
    day: date = DEFAULT_DAY
    seed: int = 7
    budget_per_hour: int | None = None
    audit_share: float = 0.02
    scale: float | None = None
    list_size: int = 2000
    listed_share: float = 0.001
    near_miss_share: float = 0.002
    alert_threshold: float | None = None
    workers: int = 1
    learn_days: int = 0  # earlier days to learn the crossing model from; 0: the rules alone route the day
    agreement: str = DEFAULT_AGREEMENT  # mutual-recognition agreement: shipped name or YAML path


@dataclass(frozen=True, slots=True)
class RoutedCrossing:
    """A crossing, its risk assessment and lane decision, what secondary found, and the synthetic truth."""

    crossing: Crossing
    assessment: RiskAssessment
    decision: LaneDecision
    found: bool | None  # None: not inspected in secondary
    contraband: str | None  # truth: what it carried
    listed: tuple[str, ...] = ()  # truth: listed entities aboard
    model_probability: float | None = None  # the crossing model's P(contraband), when a model routed


@dataclass(frozen=True, slots=True)
class GroupInspection:
    """Secondary inspections and finds for one group of crossings."""

    group: str
    crossings: int
    inspected: int
    found: int

    @property
    def inspection_rate(self) -> float:
        return self.inspected / self.crossings if self.crossings else 0.0

    @property
    def hit_rate(self) -> float | None:
        return self.found / self.inspected if self.inspected else None


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    """One routing of the requested day: secondary inspections and what they found, by cause."""

    name: str
    alerts: int
    targeted: int
    audits: int
    found_alert: int
    found_targeted: int
    found_audit: int
    contraband_total: int

    @property
    def secondary(self) -> int:
        return self.alerts + self.targeted + self.audits

    @property
    def found(self) -> int:
        return self.found_alert + self.found_targeted + self.found_audit

    @property
    def released_contraband(self) -> int:
        return self.contraband_total - self.found

    @classmethod
    def of(cls, name: str, records: list[RoutedCrossing]) -> PolicyOutcome:
        causes = Counter(r.decision.cause for r in records)
        found = Counter(r.decision.cause for r in records if r.found)
        return cls(
            name, causes[Cause.ALERT], causes[Cause.TARGETED], causes[Cause.AUDIT], found[Cause.ALERT],
            found[Cause.TARGETED], found[Cause.AUDIT], sum(1 for r in records if r.contraband),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class LearningSummary:
    """What the crossing model learned from, and the requested day routed without and with it.

    `model_version` is None when the earlier days' inspections were too few to learn from (`error` says
    why); the day is then routed by the rules alone and both outcomes are the same.
    """

    days: tuple[date, ...]
    crossings: int
    inspected: int
    found: int
    audits: int
    model_version: str | None
    error: str | None
    rules_only: PolicyOutcome
    with_model: PolicyOutcome
    weighted_found_rate: float | None = None


@dataclass(frozen=True, slots=True)
class MembershipSummary:
    """The trusted programs on the simulated day: who was enrolled, who was expedited, and what it cost.

    `expedited_contraband` is truth only a simulation has (the expedited lane is never inspected);
    `inspections_saved` is expedited crossings x the secondary rate (alerts and referrals apart) of the
    traffic that was routed by score, an estimate of the inspections the trusted lane did not need.
    """

    enrolled: dict[MembershipState, int]
    card_crossings: int  # crossings that presented a programme card
    expedited: int
    expedited_contraband: int
    referred: int
    fast_trucks: int
    certified_trucks: int  # trucks routed with a certified shipper's inspection factor
    inspections_saved: float
    agreement: str

    @property
    def members(self) -> int:
        return sum(self.enrolled.values())


@dataclass(slots=True)
class SimulationReport:
    port: PortParameters
    source: str
    months: tuple[str, ...]
    day: date
    seed: int
    scale: float
    scale_auto: bool
    budget_per_hour: int
    budget_auto: bool
    audit_share: float
    list_size: int
    alert_threshold: float
    expected: dict[Mode, float]
    records: list[RoutedCrossing]
    hours: list[HourUsage]
    estimate: ReleasedEstimate
    parties_screened: int
    timings: dict[str, float] = field(default_factory=dict)
    learning: LearningSummary | None = None
    membership: MembershipSummary | None = None

    @property
    def crossings(self) -> int:
        return len(self.records)

    @property
    def full_day_crossings(self) -> float:
        return sum(self.expected.values()) / self.scale

    def lane_counts(self) -> dict[Mode, dict[Lane, int]]:
        counts = {mode: dict.fromkeys(Lane, 0) for mode in Mode}
        for record in self.records:
            counts[record.crossing.mode][record.decision.lane] += 1
        return counts

    def cause_counts(self) -> Counter[Cause]:
        return Counter(r.decision.cause for r in self.records)

    def catches(self) -> Counter[Cause]:
        """Contraband found in secondary, by why the crossing was there."""
        return Counter(r.decision.cause for r in self.records if r.found)

    @property
    def contraband_total(self) -> int:
        return sum(1 for r in self.records if r.contraband)

    @property
    def missed(self) -> int:
        """Truth: released crossings that carried contraband."""
        return sum(1 for r in self.records if r.contraband and r.decision.released)

    @property
    def missed_covered(self) -> int:
        """Truth: the misses the audit estimate speaks for (released with a positive audit probability)."""
        return sum(
            1
            for r in self.records
            if r.contraband and r.decision.released and r.decision.secondary_probability > 0
        )

    @property
    def listed_crossings(self) -> int:
        return sum(1 for r in self.records if r.listed)

    @property
    def listed_alerted(self) -> int:
        return sum(1 for r in self.records if r.listed and r.decision.cause is Cause.ALERT)

    @property
    def persons(self) -> int:
        return sum(len(r.crossing.travelers) for r in self.records)

    def by_nationality(self, min_crossings: int = 30) -> list[GroupInspection]:
        """Who is sent to secondary, by the nationality of the crossing's first traveler (driver or walker).

        Groups with fewer than `min_crossings` are pooled as `(other)`, so a handful of crossings never
        reads as an extreme rate. A group inspected far more often than the rest at a lower hit rate is
        over-targeted, which is what this table is for.
        """
        totals: dict[str, list[int]] = {}
        for record in self.records:
            travelers = record.crossing.travelers
            group = (travelers[0].nationality if travelers else None) or "(unknown)"
            row = totals.setdefault(group, [0, 0, 0])
            row[0] += 1
            row[1] += record.decision.lane is Lane.SECONDARY
            row[2] += bool(record.found)
        pooled = [0, 0, 0]
        groups: list[GroupInspection] = []
        for group, (crossings, inspected, found) in sorted(totals.items(), key=lambda item: -item[1][0]):
            if crossings < min_crossings:
                pooled = [pooled[0] + crossings, pooled[1] + inspected, pooled[2] + found]
            else:
                groups.append(GroupInspection(group, crossings, inspected, found))
        if pooled[0]:
            groups.append(GroupInspection("(other)", *pooled))
        return groups

    def local_time(self, moment: datetime) -> datetime:
        return moment.astimezone(self.port.zone)

    def examples(self) -> list[RoutedCrossing]:
        """One decision per cause, the first of the day with the most reasons, to show how lanes explain."""
        chosen: dict[Cause, RoutedCrossing] = {}
        for record in self.records:
            cause = record.decision.cause
            best = chosen.get(cause)
            if best is None or len(record.decision.reasons) > len(best.decision.reasons):
                chosen[cause] = record
        return [chosen[c] for c in _EXAMPLE_ORDER if c in chosen]


def auto_scale(port: PortParameters, day: date) -> float:
    """The largest of AUTO_SCALES that keeps the expected day within AUTO_SCALE_CROSSINGS crossings."""
    expected = sum(port.expected_per_day(mode, day) for mode in Mode)
    return next((s for s in AUTO_SCALES if expected * s <= AUTO_SCALE_CROSSINGS), AUTO_SCALES[-1])


def auto_budget(port: PortParameters, day: date, scale: float) -> int:
    expected = sum(port.expected_per_day(mode, day) for mode in Mode) * scale
    return max(1, round(DEFAULT_BUDGET_SHARE * expected / 24))


def run_simulation(
    options: SimulationOptions, *, progress: Callable[[str], None] | None = None
) -> SimulationReport:
    """Generate, screen, score and route a synthetic day at `options.port`; nothing is printed or stored.

    With `options.learn_days`, learn the crossing model from that many earlier days first (module doc).
    """
    say = progress or (lambda _stage: None)
    if options.scale is not None and not 0.0 < options.scale <= 1.0:
        raise InputError("bad_scale", f"--scale must be above 0 and at most 1, got {options.scale}")
    if options.budget_per_hour is not None and options.budget_per_hour < 0:
        raise InputError("bad_budget", f"--budget-per-hour must be 0 or more, got {options.budget_per_hour}")
    if not 0 <= options.learn_days <= MAX_LEARN_DAYS:
        raise InputError(
            "bad_learn_days", f"--learn-days must be 0 to {MAX_LEARN_DAYS}, got {options.learn_days}"
        )
    catalog = load_ports()
    port = find_port(options.port, catalog)
    agreement = load_agreement(options.agreement)
    scale = options.scale if options.scale is not None else auto_scale(port, options.day)
    budget = (
        options.budget_per_hour
        if options.budget_per_hour is not None
        else auto_budget(port, options.day, scale)
    )
    policy = RoutingPolicy(budget_per_hour=budget, audit_share=options.audit_share)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    say("generating the synthetic watchlist")
    watchlist = generate_watchlist(options.seed, options.list_size)
    timings["generate"] = time.perf_counter() - started

    say("building the screening index")
    mark = time.perf_counter()
    matcher = build_matcher(watchlist, options.alert_threshold)
    timings["index"] = time.perf_counter() - mark

    def make_day(on: date) -> TrafficDay:
        return generate_day(
            port, on, options.seed, watchlist, scale=scale, listed_share=options.listed_share,
            near_miss_share=options.near_miss_share,
        )  # fmt: skip

    def cases_of(traffic: TrafficDay, items: list[ScoredInput]) -> tuple[list[RoutingCase], _Standings]:
        """The rules' routing cases, each with its standing looked up in the day's enrolled memberships."""
        start = traffic.crossings[0].arrived_at if traffic.crossings else _midnight(traffic.day)
        directory, enrolled = enrol(traffic.members, agreement, options.seed, start)
        each = [
            crossing_standing(c, directory, agreement, PORT_COUNTRY, c.arrived_at)
            for c in (i.facts.crossing for i in items)
        ]
        standings = _Standings(each, dict(enrolled))
        cases = [
            routing_case(i.facts.crossing, i.assessment, s)
            for i, s in zip(items, standings.each, strict=True)
        ]
        return cases, standings

    def route(
        on: date,
        items: list[ScoredInput],
        cases: list[RoutingCase],
        traffic: TrafficDay,
        scores: list[CrossingModelScore] | None = None,
    ) -> _Routed:
        forecast = {hour: value * scale for hour, value in port.expected_arrivals(on).items()}
        lanes_rng = random.Random(f"cruce-lanes:{options.seed}:{port.code}:{on}")
        return _route(BudgetedRouter(policy, lanes_rng, forecast), items, cases, traffic, scores)

    model: CrossingModel | None = None
    learned: _Learned | None = None
    if options.learn_days:
        mark = time.perf_counter()
        learned = _Learned(tuple(options.day - timedelta(days=k) for k in range(options.learn_days, 0, -1)))
        for on in learned.days:
            say(f"learning: simulating {on} routed by the rules alone")
            traffic = make_day(on)
            items = _assess(traffic, _screen(matcher, traffic.crossings, options.workers), matcher.threshold)
            routed = route(on, items, cases_of(traffic, items)[0], traffic)
            learned.crossings += len(items)
            learned.audits += sum(1 for r in routed.records if r.decision.cause is Cause.AUDIT)
            learned.examples += [
                InspectedCrossing(item, bool(record.found), record.decision.secondary_probability)
                for item, record in zip(items, routed.records, strict=True)
                if record.found is not None
            ]
        say(f"learning: training the crossing model on {len(learned.examples):,} inspected crossings")
        train_mark = time.perf_counter()
        try:
            model = CrossingModel.train(learned.examples, zone=port.zone)
        except TrainingDataError as exc:
            learned.error = exc.message
        timings["train"] = time.perf_counter() - train_mark
        timings["learn"] = time.perf_counter() - mark

    say("generating the day's traffic")
    mark = time.perf_counter()
    traffic = make_day(options.day)
    timings["generate"] += time.perf_counter() - mark

    say(f"screening the parties of {len(traffic.crossings):,} crossings")
    mark = time.perf_counter()
    screened = _screen(matcher, traffic.crossings, options.workers)
    timings["screen"] = time.perf_counter() - mark

    say("scoring and routing")
    mark = time.perf_counter()
    items = _assess(traffic, screened, matcher.threshold)
    rules_cases, standings = cases_of(traffic, items)
    routed = route(options.day, items, rules_cases, traffic)
    learning: LearningSummary | None = None
    if learned is not None:
        rules_only = PolicyOutcome.of("rules only", routed.records)
        if model is not None:
            scores = model.score(items, zone=port.zone)
            cases = [
                combined_case(i.facts.crossing, i.assessment, s, standing)
                for i, s, standing in zip(items, scores, standings.each, strict=True)
            ]
            routed = route(options.day, items, cases, traffic, scores)  # same arrivals, budget and draws
        learning = learned.summary(model, rules_only, PolicyOutcome.of("rules + model", routed.records))
    timings["score_route"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return SimulationReport(
        port=port,
        source=catalog.source,
        months=catalog.months,
        day=options.day,
        seed=options.seed,
        scale=scale,
        scale_auto=options.scale is None,
        budget_per_hour=budget,
        budget_auto=options.budget_per_hour is None,
        audit_share=options.audit_share,
        list_size=options.list_size,
        alert_threshold=matcher.threshold,
        expected=traffic.expected,
        records=routed.records,
        hours=routed.hours,
        estimate=estimate_released_positives((r.decision, r.found) for r in routed.records),
        parties_screened=len(screened),
        timings=timings,
        learning=learning,
        membership=_membership_summary(routed.records, standings, agreement),
    )


@dataclass(slots=True)
class _Standings:
    each: list[ProgramStanding]
    enrolled: dict[MembershipState, int]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _membership_summary(
    records: list[RoutedCrossing], standings: _Standings, agreement: Agreement
) -> MembershipSummary:
    expedited = [r for r in records if r.decision.lane is Lane.EXPEDITED]
    scored = [r for r in records if r.decision.cause not in (Cause.ALERT, Cause.REFERRED, Cause.TRUSTED)]
    rate = sum(1 for r in scored if r.decision.lane is Lane.SECONDARY) / len(scored) if scored else 0.0
    return MembershipSummary(
        enrolled={state: standings.enrolled.get(state, 0) for state in MembershipState},
        card_crossings=sum(1 for r in records if r.crossing.trusted_program),
        expedited=len(expedited),
        expedited_contraband=sum(1 for r in expedited if r.contraband),
        referred=sum(1 for r in records if r.decision.cause is Cause.REFERRED),
        fast_trucks=sum(1 for r in expedited if r.crossing.mode is Mode.COMMERCIAL_TRUCK),
        certified_trucks=sum(1 for s in standings.each if s.inspection_factor < 1.0),
        inspections_saved=len(expedited) * rate,
        agreement=agreement.name,
    )


@dataclass(slots=True)
class _Routed:
    records: list[RoutedCrossing]
    hours: list[HourUsage]


@dataclass(slots=True)
class _Learned:
    """What the earlier days produced for training, gathered day by day."""

    days: tuple[date, ...]
    crossings: int = 0
    audits: int = 0
    examples: list[InspectedCrossing] = field(default_factory=list)
    error: str | None = None

    def summary(
        self, model: CrossingModel | None, rules_only: PolicyOutcome, with_model: PolicyOutcome
    ) -> LearningSummary:
        rate = model.manifest["training"]["weighted_found_rate"] if model is not None else None
        return LearningSummary(
            days=self.days, crossings=self.crossings, inspected=len(self.examples),
            found=sum(1 for e in self.examples if e.found), audits=self.audits,
            model_version=model.version if model is not None else None, error=self.error,
            rules_only=rules_only, with_model=with_model, weighted_found_rate=rate,
        )  # fmt: skip


def _assess(traffic: TrafficDay, screened: dict[str, PartyScreening], threshold: float) -> list[ScoredInput]:
    """The rules' assessment of every crossing, with the facts it was made from (the model reads both)."""
    rules = CrossingRules()
    items = []
    for crossing in traffic.crossings:
        facts = CrossingFacts(
            crossing, _screenings_of(crossing, screened), traffic.history_of(crossing), threshold
        )
        items.append(ScoredInput(facts, rules.assess(facts)))
    return items


def _route(
    router: BudgetedRouter,
    items: list[ScoredInput],
    cases: list[RoutingCase],
    traffic: TrafficDay,
    scores: list[CrossingModelScore] | None = None,
) -> _Routed:
    """Route the day in arrival order; secondary finds what the hidden truth says is there."""
    records: list[RoutedCrossing] = []
    for n, (item, case) in enumerate(zip(items, cases, strict=True)):
        crossing = item.facts.crossing
        decision = router.route(case)
        truth = traffic.contraband.get(crossing.id)
        found = (truth is not None) if decision.lane is Lane.SECONDARY else None
        records.append(
            RoutedCrossing(
                crossing, item.assessment, decision, found, truth, traffic.listed.get(crossing.id, ()),
                scores[n].probability if scores is not None else None,
            )
        )  # fmt: skip
    return _Routed(records, router.hours)


# ---------------------------------------------------------------------------------------------- screening


def _party_queries(crossings: list[Crossing]) -> Iterator[tuple[str, str, Query]]:
    """(key, role, query) for every traveler and each distinct company name (screened once however often)."""
    companies: set[str] = set()
    for crossing in crossings:
        for traveler in crossing.travelers:
            yield traveler.id, traveler.role.value, traveler.query()
        named = list(crossing.cargo.parties()) if crossing.cargo else []
        if crossing.vehicle is not None and crossing.vehicle.carrier:
            named.append(("carrier", crossing.vehicle.carrier))
        for role, name in named:
            if name not in companies:
                companies.add(name)
                key = f"company:{name}"
                yield key, role, Query(name=name, schema=Schema.ORGANIZATION, id=key)


def _screen(matcher: Matcher, crossings: list[Crossing], workers: int) -> dict[str, PartyScreening]:
    parties = list(_party_queries(crossings))
    out: dict[str, PartyScreening] = {}
    results = screen_queries(matcher, (q for _, _, q in parties), top=1, workers=workers)
    for (key, role, query), result in zip(parties, results, strict=True):
        top = result.matches[0] if result.matches else None
        out[key] = PartyScreening(
            role=role,
            name=query.name,
            score=top.score if top else 0.0,
            alert=bool(top and top.alert),
            entity_id=top.entity_id if top else None,
            matched_name=top.matched_name if top else None,
        )
    return out


def _screenings_of(crossing: Crossing, screened: dict[str, PartyScreening]) -> tuple[PartyScreening, ...]:
    found = [screened[t.id] for t in crossing.travelers if t.id in screened]
    names = [n for _, n in crossing.cargo.parties()] if crossing.cargo else []
    if crossing.vehicle is not None and crossing.vehicle.carrier:
        names.append(crossing.vehicle.carrier)
    for name in dict.fromkeys(names):
        party = screened.get(f"company:{name}")
        if party is not None:
            found.append(party)
    return tuple(found)


# ---------------------------------------------------------------------------------------------- output


def write_crossings_csv(report: SimulationReport, path: Path) -> Path:
    """Every crossing's lane, score, probabilities and reasons; written whole or not at all."""
    if path.is_dir():
        raise InputError("bad_output", f"--output {path} is a folder; give a file name, e.g. crossings.csv")
    if not path.parent.is_dir():
        raise InputError("bad_output", f"the folder of --output {path} does not exist; create it first")
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with part.open("w", newline="", encoding="utf-8") as handle:
            writer = csvsafe.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for record in report.records:
                writer.writerow(_row(report, record))
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path


def _row(report: SimulationReport, record: RoutedCrossing) -> list[str]:
    crossing, decision = record.crossing, record.decision
    threshold = decision.threshold
    found = "" if record.found is None else ("true" if record.found else "false")
    return [
        crossing.id,
        crossing.arrived_at.isoformat(timespec="seconds"),
        report.local_time(crossing.arrived_at).isoformat(timespec="seconds"),
        crossing.port_code,
        crossing.mode.value,
        str(len(crossing.travelers)),
        crossing.vehicle.plate if crossing.vehicle else "",
        crossing.trusted_program or "",
        f"{decision.score:.4f}",
        decision.lane.value,
        decision.cause.value,
        f"{decision.secondary_probability:.6f}",
        f"{decision.selection_probability:.6f}",
        "" if threshold is None else ("inf" if threshold == float("inf") else f"{threshold:.4f}"),
        found,
        record.contraband or "",
        " | ".join(decision.reasons),
    ]
