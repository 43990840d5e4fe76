"""The lane router: the budget holds online, alerts and trusted travelers go where the policy says, the
logged probabilities are real probabilities, and the audits give an unbiased estimate of what was released.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.errors import InputError
from cruce.scoring.lanes import (
    BudgetedRouter,
    Cause,
    Lane,
    LaneDecision,
    RoutingCase,
    RoutingPolicy,
    estimate_released_positives,
)

START = datetime(2025, 6, 4, 7, tzinfo=UTC)


def case(
    n: int,
    seconds: float,
    score: float = 0.0,
    *,
    alert: bool = False,
    trusted: str | None = None,
    hits: int = 0,
) -> RoutingCase:
    return RoutingCase(
        crossing_id=f"crossing:test:{n}",
        arrived_at=START + timedelta(seconds=seconds),
        score=1.0 if alert else score,
        alerts=("watchlist alert: driver 'X' matches 'Y'",) if alert else (),
        trusted_program=trusted,
        hits=hits + alert if score or alert else hits,
    )


def check_budget(cases: list[RoutingCase], decisions: list[LaneDecision], budget: int) -> None:
    """Replay each hour: a non-alert secondary only ever happens while fewer than `budget` are used."""
    used: dict[datetime, int] = defaultdict(int)
    for routed, decision in zip(cases, decisions, strict=True):
        if decision.lane is Lane.SECONDARY:
            if decision.cause is not Cause.ALERT:
                assert used[decision.hour] < budget, (decision, used[decision.hour])
            used[decision.hour] += 1
        assert decision.hour == routed.arrived_at.replace(minute=0, second=0, microsecond=0)


arrival = st.tuples(
    st.floats(0, 3 * 3600 - 1, allow_nan=False),
    st.floats(0, 1),
    st.booleans(),  # trusted
    st.integers(0, 2),  # hits
    st.integers(0, 40),  # alert when 0
)


@settings(max_examples=150, deadline=None)
@given(
    arrivals=st.lists(arrival, max_size=400),
    budget=st.integers(0, 15),
    audit_share=st.floats(0, 1),
    forecast=st.one_of(st.none(), st.floats(0, 5000)),
    seed=st.integers(0, 2**16),
)
def test_budget_never_exceeded_in_any_hour_and_probabilities_are_logged(
    arrivals: list[tuple[float, float, bool, int, int]],
    budget: int,
    audit_share: float,
    forecast: float | None,
    seed: int,
) -> None:
    ordered = sorted(arrivals, key=lambda a: a[0])
    cases = [
        case(n, t, score, alert=roll == 0, trusted="SENTRI" if trusted else None, hits=hits if score else 0)
        for n, (t, score, trusted, hits, roll) in enumerate(ordered)
    ]
    router = BudgetedRouter(
        RoutingPolicy(budget_per_hour=budget, audit_share=audit_share),
        random.Random(seed),
        (lambda _hour: forecast) if forecast is not None else None,
    )
    decisions = router.route_all(cases)
    check_budget(cases, decisions, budget)
    for routed, decision in zip(cases, decisions, strict=True):
        assert 0.0 < decision.selection_probability <= 1.0
        assert 0.0 <= decision.secondary_probability <= 1.0
        expected = (
            decision.secondary_probability
            if decision.lane is Lane.SECONDARY
            else 1 - decision.secondary_probability
        )
        assert decision.selection_probability == pytest.approx(expected)
        assert decision.reasons, decision
        if routed.alerts:
            assert decision.lane is Lane.SECONDARY and decision.cause is Cause.ALERT
        elif routed.trusted_program and routed.hits == 0:
            assert decision.lane is Lane.EXPEDITED
    for hour in router.hours:
        assert hour.secondary - hour.alerts <= budget
        assert hour.over_budget <= hour.alerts


def test_a_burst_early_in_the_hour_leaves_room_and_the_budget_is_used_when_traffic_allows() -> None:
    """400 risky crossings in the first 5 minutes: the router must not spend the whole hour on them."""
    rng = random.Random(1)
    cases = [case(n, rng.uniform(0, 300), rng.choice((0.15, 0.3, 0.5))) for n in range(400)]
    cases += [case(400 + n, 300 + n * 3, rng.choice((0.0, 0.0, 0.15, 0.6))) for n in range(1000)]
    cases.sort(key=lambda c: c.arrived_at)
    router = BudgetedRouter(
        RoutingPolicy(budget_per_hour=20, audit_share=0.0), random.Random(2), {START: 1400}
    )
    decisions = router.route_all(cases)
    check_budget(cases, decisions, 20)
    early = sum(
        1
        for c, d in zip(cases, decisions, strict=True)
        if d.lane is Lane.SECONDARY and c.arrived_at < START + timedelta(minutes=5)
    )
    assert early <= 13, early  # the warm-up (a third of the first 30 score 0.5) and then ~5/60 of the rest
    assert router.hours[0].secondary >= 15  # and most of it is spent


def test_alerts_go_to_secondary_even_over_budget_and_count_against_it() -> None:
    cases = [
        case(0, 10, 0.9),
        case(1, 20, 0.9),
        case(2, 30, alert=True),
        case(3, 40, alert=True),
        case(4, 50, 0.95),
    ]
    router = BudgetedRouter(
        RoutingPolicy(budget_per_hour=2, audit_share=0.0, warmup_threshold=0.5), random.Random(0)
    )
    decisions = router.route_all(cases)
    assert [d.lane for d in decisions] == [Lane.SECONDARY] * 4 + [Lane.PRIMARY]
    assert [d.cause for d in decisions[2:4]] == [Cause.ALERT, Cause.ALERT]
    assert decisions[4].cause is Cause.BUDGET_USED_UP
    assert "budget is used up (4 of 2)" in decisions[4].reasons[0]
    assert any("over budget" in r for r in decisions[3].reasons)
    assert router.hours[0].secondary == 4 and router.hours[0].over_budget == 2


def test_an_alert_uses_the_budget_other_crossings_would_have_had() -> None:
    router = BudgetedRouter(RoutingPolicy(budget_per_hour=1, audit_share=0.0), random.Random(0))
    alert, risky = router.route_all([case(0, 10, alert=True), case(1, 20, 0.99)])
    assert alert.lane is Lane.SECONDARY and risky.lane is Lane.PRIMARY


def test_trusted_without_hits_is_expedited_and_with_hits_is_routed_by_score() -> None:
    router = BudgetedRouter(RoutingPolicy(budget_per_hour=5, audit_share=1.0), random.Random(0))
    clean = router.route(case(0, 1, trusted="FAST"))
    assert clean.lane is Lane.EXPEDITED and clean.reasons == ("enrolled in FAST, no hits",)
    assert clean.secondary_probability == 0.0 and clean.selection_probability == 1.0
    flagged = router.route(case(1, 2, 0.9, trusted="FAST", hits=1))
    assert flagged.lane is Lane.SECONDARY
    assert flagged.reasons[0] == "enrolled in FAST, but 1 risk signal: routed by score"
    assert "above the starting threshold" in flagged.reasons[1]
    alerted = router.route(case(2, 3, alert=True, trusted="SENTRI"))
    assert alerted.lane is Lane.SECONDARY and alerted.cause is Cause.ALERT


def test_reasons_name_the_threshold_and_the_audit_probability() -> None:
    router = BudgetedRouter(
        RoutingPolicy(budget_per_hour=1000, audit_share=0.5, warmup_scores=0),
        random.Random(3),
        {START: 200.0},
    )
    decisions = router.route_all([case(n, n, 0.0) for n in range(200)])
    audits = [d for d in decisions if d.cause is Cause.AUDIT]
    released = [d for d in decisions if d.cause is Cause.BELOW_THRESHOLD]
    assert audits and released
    assert audits[0].reasons[0] == "random audit (p=0.5)"
    assert "released after primary (audit chance p=0.5)" in released[0].reasons[0]
    assert all(d.secondary_probability == 0.5 for d in audits + released)


def test_observed_audit_share_matches_the_configured_share() -> None:
    share = 0.02
    router = BudgetedRouter(RoutingPolicy(budget_per_hour=10_000, audit_share=share), random.Random(11))
    cases = [case(n, n * 0.2, 0.0) for n in range(50_000)]  # low-risk traffic over ~3 hours
    decisions = router.route_all(cases)
    audits = sum(d.cause is Cause.AUDIT for d in decisions)
    sd = (len(cases) * share * (1 - share)) ** 0.5
    assert abs(audits - len(cases) * share) < 4 * sd


def test_the_inverse_propensity_estimate_of_released_positives_is_unbiased() -> None:
    """A population whose truth is known, routed many times under a binding budget (so p varies)."""
    rng = random.Random(5)
    population = []
    for n in range(1500):
        score = rng.choice((0.0, 0.0, 0.0, 0.15, 0.3, 0.6))
        positive = rng.random() < 0.01 + 0.3 * score
        population.append((case(n, n * 7.0, score), positive))  # 1500 crossings over ~3 hours
    errors, estimates = [], []
    for rep in range(300):
        router = BudgetedRouter(RoutingPolicy(budget_per_hour=40, audit_share=0.1), random.Random(1000 + rep))
        outcomes = []
        truth = 0
        for routed, positive in population:
            decision = router.route(routed)
            found = positive if decision.lane is Lane.SECONDARY else None
            outcomes.append((decision, found))
            truth += positive and decision.released and decision.secondary_probability > 0
        estimate = estimate_released_positives(outcomes)
        errors.append(estimate.estimated_positives - truth)
        estimates.append(estimate)
    mean_error = statistics.fmean(errors)
    assert abs(mean_error) < 3 * statistics.stdev(errors) / len(errors) ** 0.5
    assert statistics.fmean(e.covered for e in estimates) > 1000
    # the estimated standard error is about the observed spread of the error
    assert 0.6 < statistics.fmean(e.standard_error for e in estimates) / statistics.stdev(errors) < 1.5


def test_crossings_must_come_in_time_order_and_with_a_time_zone() -> None:
    router = BudgetedRouter(RoutingPolicy(budget_per_hour=1), random.Random(0))
    router.route(case(0, 100))
    with pytest.raises(ValueError, match="arrival order"):
        router.route(case(1, 50))
    naive = RoutingCase("crossing:test:x", datetime(2025, 6, 4, 9), 0.0)
    with pytest.raises(ValueError, match="timezone"):
        router.route(naive)


@pytest.mark.parametrize("kwargs", [{"budget_per_hour": -1}, {"budget_per_hour": 1, "audit_share": 1.5}])
def test_bad_policy_values_are_input_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError):
        RoutingPolicy(**kwargs)  # type: ignore[arg-type]
