"""Transparent risk rules for a crossing's people and vehicle, combined into one score in [0, 1].

Each rule is a row in `DEFAULT_RULES`: a name, a weight in (0, 1], a sentence saying what it looks for, and
a check that returns the reason it fired (a sentence about this crossing) or None. The score combines the
weights of the rules that fired as independent pieces of evidence (noisy-OR: 1 - prod(1 - w)), so:

- one rule alone scores its own weight, and reading the reasons explains the score without arithmetic;
- every extra signal raises the score, never past 1; a rule of weight 1 (a watchlist alert) makes it 1;
- changing a weight moves only the crossings that rule fires on.

The rules see what a booth sees (screening results, documents, the vehicle's history, the cargo record),
never the simulator's hidden truth. Declaration rules for cargo live elsewhere (`cruce.scoring.rules`);
these stay few and hand-weighted on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from cruce.matching.types import DEFAULT_ALERT_THRESHOLD
from cruce.scoring.crossings import Crossing, Mode, VehicleHistory
from cruce.scoring.lanes import NOT_ENROLLED, ProgramStanding, RoutingCase

NEAR_THRESHOLD_MARGIN = 0.15
"""A screening score this far below the alert threshold (0.65-0.80 by default) is worth a second look."""

PARTNER_COUNTRIES = frozenset({"US", "MX", "CA"})


@dataclass(frozen=True, slots=True)
class PartyScreening:
    """A screened party's best candidate: who (role, name) and what the matcher said."""

    role: str  # "driver", "passenger", "pedestrian", "shipper", "consignee", "importer", "carrier"
    name: str
    score: float
    alert: bool
    entity_id: str | None = None
    matched_name: str | None = None


@dataclass(frozen=True, slots=True)
class CrossingFacts:
    """Everything the rules may look at for one crossing.

    `vehicle_history` is None when the vehicle is not in the port's records (or there is no vehicle).
    """

    crossing: Crossing
    screenings: tuple[PartyScreening, ...] = ()
    vehicle_history: VehicleHistory | None = None
    alert_threshold: float = DEFAULT_ALERT_THRESHOLD

    @property
    def day(self) -> date:
        return self.crossing.arrived_at.date()


Check = Callable[[CrossingFacts], str | None]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    weight: float
    description: str
    check: Check = field(repr=False, compare=False)
    alert: bool = False  # when it fires, the crossing must go to secondary whatever its score


@dataclass(frozen=True, slots=True)
class RuleHit:
    name: str
    weight: float
    reason: str
    alert: bool = False


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """The score, and every rule that fired with its reason; `alerts` are the hits that force secondary."""

    score: float
    hits: tuple[RuleHit, ...] = ()

    @property
    def alerts(self) -> tuple[RuleHit, ...]:
        return tuple(h for h in self.hits if h.alert)

    @property
    def reasons(self) -> list[str]:
        return [f"{h.reason} (+{h.weight:.2f})" for h in sorted(self.hits, key=lambda h: -h.weight)]


# ---------------------------------------------------------------------------------------------- checks


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _quote(name: str) -> str:
    return f"'{name}'"


def _watchlist_alert(facts: CrossingFacts) -> str | None:
    alerts = [s for s in facts.screenings if s.alert]
    if not alerts:
        return None
    parts = [
        f"{s.role} {_quote(s.name)} matches {_quote(s.matched_name or '?')} "
        f"({s.entity_id}, score {s.score:.2f})"
        for s in sorted(alerts, key=lambda s: -s.score)
    ]
    return "watchlist alert: " + "; ".join(parts)


def _near_threshold(facts: CrossingFacts) -> str | None:
    low = facts.alert_threshold - NEAR_THRESHOLD_MARGIN
    near = [s for s in facts.screenings if not s.alert and low <= s.score < facts.alert_threshold]
    if not near:
        return None
    best = max(near, key=lambda s: s.score)
    more = f" (and {len(near) - 1} more)" if len(near) > 1 else ""
    return (
        f"near-threshold screening: {best.role} {_quote(best.name)} scores {best.score:.2f} against "
        f"{_quote(best.matched_name or '?')} (alert at {facts.alert_threshold:.2f}){more}"
    )


def _expired_document(facts: CrossingFacts) -> str | None:
    day = facts.day
    for traveler in facts.crossing.travelers:
        valid = [d for d in traveler.documents if not d.expired_on(day)]
        expired = [d for d in traveler.documents if d.expired_on(day)]
        if expired and not valid:
            doc = expired[0]
            return (
                f"expired document: {traveler.role} {_quote(traveler.name)} presented {_a(doc.label)} "
                f"that expired on {doc.expires}"
            )
    return None


def _missing_document(facts: CrossingFacts) -> str | None:
    missing = [t for t in facts.crossing.travelers if not t.documents]
    if not missing:
        return None
    names = ", ".join(f"{t.role} {_quote(t.name)}" for t in missing[:3])
    return f"no travel document: {names}{' and others' if len(missing) > 3 else ''}"


def _prior_seizure(facts: CrossingFacts) -> str | None:
    history, vehicle = facts.vehicle_history, facts.crossing.vehicle
    if vehicle is None or history is None or history.prior_seizures <= 0:
        return None
    when = f", last on {history.last_seizure}" if history.last_seizure else ""
    times = "once" if history.prior_seizures == 1 else f"{history.prior_seizures} times"
    return f"plate {vehicle.plate} ({vehicle.plate_region}) was seized {times} before{when}"


def _unknown_vehicle(facts: CrossingFacts) -> str | None:
    vehicle = facts.crossing.vehicle
    if vehicle is None or (facts.vehicle_history is not None and facts.vehicle_history.prior_crossings > 0):
        return None
    return f"first crossing of an unknown vehicle: plate {vehicle.plate} ({vehicle.plate_region})"


def _transshipment(facts: CrossingFacts) -> str | None:
    cargo = facts.crossing.cargo
    if cargo is None or cargo.origin_country in PARTNER_COUNTRIES:
        return None
    return (
        f"transshipment: {cargo.description} (HS {cargo.hs6}) of origin {cargo.origin_country} "
        f"arriving from {cargo.departure_country}"
    )


def _bus_unmanifested(facts: CrossingFacts) -> str | None:
    crossing = facts.crossing
    if crossing.mode is not Mode.BUS or crossing.vehicle is None or crossing.vehicle.carrier:
        return None
    return "bus with no carrier named"


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("watchlist_alert", 1.0, "a traveler, driver or cargo party alerts on a watchlist",
         _watchlist_alert, alert=True),
    Rule("near_threshold_screening", 0.35,
         f"a party's best screening score is within {NEAR_THRESHOLD_MARGIN} below the alert threshold",
         _near_threshold),
    Rule("missing_document", 0.40, "a traveler presents no travel document", _missing_document),
    Rule("expired_document", 0.30, "a traveler's only documents are expired", _expired_document),
    Rule("prior_seizure_vehicle", 0.60, "the plate was seen in an earlier seizure", _prior_seizure),
    Rule("unknown_vehicle", 0.15, "the vehicle has never crossed before", _unknown_vehicle),
    Rule("transshipment", 0.15, "a truck's goods come from outside US, Mexico, Canada", _transshipment),
    Rule("bus_without_carrier", 0.20, "a bus with no operating carrier on record", _bus_unmanifested),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CrossingRules:
    """A rule set; `assess` scores one crossing. Weights can be changed by name with `with_weights`."""

    rules: tuple[Rule, ...] = DEFAULT_RULES

    def __post_init__(self) -> None:
        for rule in self.rules:
            if not 0.0 < rule.weight <= 1.0:
                raise ValueError(f"rule {rule.name}: weight must be in (0, 1], got {rule.weight}")
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("rule names must be unique")

    def with_weights(self, weights: dict[str, float]) -> CrossingRules:
        unknown = set(weights) - {r.name for r in self.rules}
        if unknown:
            raise ValueError(f"unknown rules: {', '.join(sorted(unknown))}")
        return CrossingRules(tuple(replace(r, weight=weights.get(r.name, r.weight)) for r in self.rules))

    def assess(self, facts: CrossingFacts) -> RiskAssessment:
        hits = []
        for rule in self.rules:
            reason = rule.check(facts)
            if reason is not None:
                hits.append(RuleHit(rule.name, rule.weight, reason, rule.alert))
        return RiskAssessment(combine(h.weight for h in hits), tuple(hits))


def combine(weights: Iterable[float]) -> float:
    """Noisy-OR of rule weights: 1 - prod(1 - w); 0 when nothing fired."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return min(1.0, max(0.0, 1.0 - remaining))


def routing_case(
    crossing: Crossing, assessment: RiskAssessment, standing: ProgramStanding = NOT_ENROLLED
) -> RoutingCase:
    """What the lane router needs from a scored crossing: alerts apart, the other reasons strongest first.

    The trusted lane comes from `standing` (the membership lookup, `cruce.programs.standing`), never from
    the card the crossing presented: without a standing, nobody is expedited.
    """
    others = [h for h in sorted(assessment.hits, key=lambda h: -h.weight) if not h.alert]
    return RoutingCase(
        crossing_id=crossing.id,
        arrived_at=crossing.arrived_at,
        score=assessment.score,
        alerts=tuple(h.reason for h in assessment.alerts),
        trusted_program=standing.expedite,
        hits=len(assessment.hits),
        reasons=tuple(f"{h.reason} (+{h.weight:.2f})" for h in others),
        referrals=standing.referrals,
        inspection_factor=standing.inspection_factor,
        standing=standing.notes,
    )
