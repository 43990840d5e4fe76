"""Lanes under an inspection budget: where each crossing goes, why, and with what probability.

The policy, in order, for each crossing as it arrives:

1. Any watchlist alert, or a referral (a suspended trusted-program membership) -> secondary, always, even
   over the hour's budget (and it counts against the budget).
2. Standing in a trusted programme that grants the lane here (every traveler an active member with no open
   alert, or a FAST truck: driver, carrier and importer all members; looked up by `cruce.programs.standing`,
   never read from a flag) and no risk signal at all -> expedited.
3. Otherwise by risk score, under a budget of secondary inspections per port per hour: a crossing whose score
   reaches the hour's current threshold goes to secondary; the rest are released after primary, except a
   random audit share that goes to secondary so the released traffic can be evaluated honestly.

**Why a threshold that adapts, not a quota ranked over windows.** A booth decides while the car is at the
window; it cannot wait to compare the car with the next fifty. So the router keeps a threshold it can apply
at once and re-derives it at every arrival from what is left of the hour:

- expected arrivals still to come this hour, m: the port's forecast for the hour (a prior worth a quarter of
  an hour of traffic) updated with the arrivals counted so far, λ = (n + k·λ0) / (f + k), m = λ·(1 - f),
  where f is the fraction of the hour gone;
- inspections left, r = budget - used; from r it sets aside the alerts expected in the rest of the hour
  (the day's alert rate so far x m), the audits (below) and a reserve (10% of the budget), and spends the
  rest, t, on targeting; once only the reserve is left it is paced at a quarter of the rate, so only the
  highest scores still get it and a late high-risk arrival rarely finds the budget used up;
- the threshold is the (1 - t/m) quantile of recent scores (a sliding window of eligible crossings), so
  that about t of the m crossings still to come score above it. A quiet hour lowers it, a rush raises it,
  and a burst of high scores early in the hour uses budget and so raises it for the rest of the hour.
  Scores tie a lot (most crossings score 0, many exactly one rule's weight), so a crossing whose score
  equals the threshold is selected by lot, with the chance that makes the expected share come out right.

The budget holds by construction, not by forecast: a non-alert crossing goes to secondary only while
`used < budget`. Forecast errors only make the router stricter or looser than needed inside that bound.

**Audits and the logged probability.** Among crossings below the threshold, an audit is drawn with
probability p = min(audit_share, max_audit_budget_share x (r - expected alerts - reserve) / m): the
configured share when the budget has room, smaller when it has not, and 0 once only the reserve (10% of
the budget, kept for high scores arriving late in the hour) is left. Every probability
depends only on what happened before the crossing, so each decision logs the exact chance that it was sent
to secondary (`secondary_probability`, in [0, 1]) and the chance of the lane it got
(`selection_probability`, in (0, 1]). Weighting the outcome of every secondary decided by lot (audits and
threshold ties) by 1/p then estimates without bias how much contraband the released traffic carried
(Horvitz-Thompson, `estimate_released_positives`). Released crossings whose p was 0 (trusted-expedited, or
released after the budget ran out) are outside what the draws can speak for; the estimate counts them.

**Certified shippers.** A crossing with an `inspection_factor` f < 1 (a certified importer or shipper's
tier) has its chance of secondary multiplied by f: with t the chance of being targeted (1 above the
threshold, the tie chance at it) and a the audit chance, it is targeted with probability f·t and, if not,
audited with probability f·(1 - t)·a / (1 - f·t), so that P(secondary) = f·(t + (1 - t)·a) exactly. The
benefit only ever removes inspections (the budget holds), and the logged probability is the exact chance
the crossing had: a certified truck above the threshold that was released is a draw like an audit, and
the estimate speaks for it.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cruce.core.errors import InputError


class Lane(StrEnum):
    EXPEDITED = "expedited"  # trusted lane: documents read, no referral
    PRIMARY = "primary"  # primary inspection, then released
    SECONDARY = "secondary"  # referred to secondary inspection


class Cause(StrEnum):
    """Why the lane was chosen; one per decision, for counting (the reasons say it in words)."""

    ALERT = "alert"
    REFERRED = "referred"  # a suspended trusted-program membership: secondary, like an alert
    TARGETED = "targeted"
    AUDIT = "audit"
    TRUSTED = "trusted"
    BELOW_THRESHOLD = "below_threshold"
    BUDGET_USED_UP = "budget_used_up"


@dataclass(frozen=True, slots=True)
class ProgramStanding:
    """What the trusted programs say about a crossing (made by `cruce.programs.standing`, read here).

    `expedite`: the membership(s) granting the trusted or FAST lane at this port, or None;
    `inspection_factor`: a certified shipper's factor on P(secondary) (1: none); `referrals`: reasons
    forcing secondary (a suspended membership); `notes`: why no benefit, or the one applied.
    """

    expedite: str | None = None
    inspection_factor: float = 1.0
    referrals: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


NOT_ENROLLED = ProgramStanding()


@dataclass(frozen=True, slots=True)
class RoutingCase:
    """What the router needs to know about one crossing; `arrived_at` must be timezone-aware.

    `alerts` are the alert sentences (non-empty forces secondary); `hits` counts every risk signal that
    fired, alerts included (a trusted crossing with any hit loses the expedited lane); `reasons` are the
    other risk reasons, appended to the lane decision's own.

    `trusted_program` is the programme whose membership *was looked up and grants the lane here* (see
    `cruce.programs.standing`), never a card or flag taken at face value; `referrals` (a suspended
    membership) force secondary like alerts; `inspection_factor` scales the chance of secondary (a certified
    shipper); `standing` are the programme sentences (why a member was not expedited, the benefit applied).
    """

    crossing_id: str
    arrived_at: datetime
    score: float
    alerts: tuple[str, ...] = ()
    trusted_program: str | None = None
    hits: int = 0
    reasons: tuple[str, ...] = ()
    referrals: tuple[str, ...] = ()
    inspection_factor: float = 1.0
    standing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 < self.inspection_factor <= 1.0:
            raise InputError(
                "bad_inspection_factor", f"inspection factor must be in (0, 1], got {self.inspection_factor}"
            )


@dataclass(frozen=True, slots=True)
class LaneDecision:
    crossing_id: str
    lane: Lane
    cause: Cause
    score: float
    hour: datetime  # UTC start of the budget hour
    secondary_probability: float  # P(secondary) given everything before this crossing, in [0, 1]
    selection_probability: float  # P(this lane), in (0, 1]: the propensity to log for evaluation
    threshold: float | None = None  # the hour's score threshold at this moment (None: not used, inf: no room)
    reasons: tuple[str, ...] = ()

    @property
    def released(self) -> bool:
        return self.lane is not Lane.SECONDARY


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """A port's routing settings.

    `budget_per_hour`: secondary inspections the port can do in an hour (alerts included).
    `audit_share`: probability of a random audit for a crossing below the threshold, budget permitting.
    `max_audit_budget_share`: audits may take at most this share of the budget still free.
    `reserve_share`: audits stop when only this share of the budget is left; the rest is for high scores
    and alerts arriving late in the hour.
    `min_target_score`: a crossing below this score is never targeted, only audited (a score of 0 means
    no rule fired; ranking among those would be ranking noise).
    `score_window`: how many recent eligible scores the threshold quantile is taken over.
    `warmup_scores`, `warmup_threshold`: the threshold used until that many scores have been seen.
    `prior_weight_hours`: how much the forecast counts against the arrivals observed this hour.
    """

    budget_per_hour: int
    audit_share: float = 0.02
    max_audit_budget_share: float = 0.5
    reserve_share: float = 0.1
    min_target_score: float = 0.05
    score_window: int = 2000
    warmup_scores: int = 30
    warmup_threshold: float = 0.5
    prior_weight_hours: float = 0.25

    def __post_init__(self) -> None:
        if self.budget_per_hour < 0:
            raise InputError("bad_budget", f"budget per hour must be 0 or more, got {self.budget_per_hour}")
        if not 0.0 <= self.audit_share <= 1.0:
            raise InputError(
                "bad_audit_share", f"audit share must be between 0 and 1, got {self.audit_share}"
            )
        if not (0.0 <= self.max_audit_budget_share <= 1.0 and 0.0 <= self.reserve_share <= 1.0):
            raise InputError("bad_policy", "max_audit_budget_share and reserve_share must be between 0 and 1")
        if self.score_window < 1 or self.warmup_scores < 0 or self.prior_weight_hours <= 0:
            raise InputError("bad_policy", "score_window >= 1, warmup_scores >= 0, prior_weight_hours > 0")


@dataclass(slots=True)
class HourUsage:
    """One budget hour at the port: arrivals, lanes, and secondary inspections used against the budget."""

    start: datetime
    budget: int
    arrivals: int = 0
    secondary: int = 0
    alerts: int = 0
    targeted: int = 0
    audits: int = 0
    expedited: int = 0
    released: int = 0
    released_budget_used_up: int = 0
    thresholds: list[float] = field(default_factory=list)

    @property
    def over_budget(self) -> int:
        """Secondary inspections beyond the budget: only alerts can cause them."""
        return max(0, self.secondary - self.budget)


Forecast = Mapping[datetime, float] | Callable[[datetime], float | None]


class _ScoreWindow:
    """The last `size` scores, kept sorted for quantiles (insert and evict in O(size), no sort per call)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._order: deque[float] = deque()
        self._sorted: list[float] = []

    def __len__(self) -> int:
        return len(self._sorted)

    def add(self, score: float) -> None:
        self._order.append(score)
        insort(self._sorted, score)
        if len(self._order) > self.size:
            old = self._order.popleft()
            del self._sorted[bisect_left(self._sorted, old)]

    def upper_quantile(self, share: float) -> tuple[float, float]:
        """The score t such that `share` of the window is above t, counting a score equal to t by lot.

        Returns t and the chance to select a score equal to t: scores are often tied (most crossings score
        0, many one rule's weight), and taking every tied score would overshoot the share many times over.
        """
        n = len(self._sorted)
        if share <= 0.0 or n == 0:
            return math.inf, 0.0
        share = min(share, 1.0)
        value = self._sorted[min(math.ceil((1.0 - share) * n), n - 1)]
        low, high = bisect_left(self._sorted, value), bisect_right(self._sorted, value)
        above, equal = n - high, high - low
        return value, min(1.0, max(0.0, (share * n - above) / equal))


class BudgetedRouter:
    """Routes a stream of crossings at one port, in arrival order, under `policy` (see the module doc).

    `rng` draws the audits (pass a seeded one for a reproducible day); `forecast` gives the expected
    arrivals in the hour starting at a UTC hour start (a mapping or a function); without it, the previous
    hour's count serves as the prior.
    """

    def __init__(self, policy: RoutingPolicy, rng: random.Random, forecast: Forecast | None = None) -> None:
        self.policy = policy
        self.rng = rng
        self._forecast = forecast
        self._window = _ScoreWindow(policy.score_window)
        self._hours: dict[datetime, HourUsage] = {}
        self._current: HourUsage | None = None
        self._previous: HourUsage | None = None
        self._last_arrival: datetime | None = None
        self._arrivals = 0
        self._alerts = 0

    @property
    def hours(self) -> list[HourUsage]:
        return list(self._hours.values())

    def route_all(self, cases: Iterable[RoutingCase]) -> list[LaneDecision]:
        return [self.route(case) for case in cases]

    # -------------------------------------------------------------------------------------------- routing

    def route(self, case: RoutingCase) -> LaneDecision:
        usage, fraction = self._hour_of(case.arrived_at)
        expected_left = self._expected_left(usage, fraction)
        usage.arrivals += 1
        self._arrivals += 1
        if case.alerts or case.referrals:
            return self._alert(case, usage)
        if case.trusted_program and case.hits == 0:
            usage.expedited += 1
            usage.released += 1
            return LaneDecision(
                case.crossing_id, Lane.EXPEDITED, Cause.TRUSTED, case.score, usage.start, 0.0, 1.0, None,
                (f"enrolled in {case.trusted_program}, no hits", *case.standing),
            )  # fmt: skip
        policy = self.policy
        remaining = policy.budget_per_hour - usage.secondary
        alert_rate = self._alerts / self._arrivals
        free = max(0.0, remaining - alert_rate * expected_left)
        audit_p = 0.0
        if remaining >= 1:
            spare = max(0.0, free - policy.reserve_share * policy.budget_per_hour)
            audit_p = min(policy.audit_share, policy.max_audit_budget_share * spare / expected_left)
        reserve = policy.reserve_share * policy.budget_per_hour
        room = free - audit_p * expected_left - reserve
        if remaining < 1:
            share = 0.0
        elif room > 0:
            share = room / expected_left
        else:  # only the reserve is left: keep it for the top of the scores, paced at a quarter of the rate
            share = min(remaining, reserve) / (4.0 * expected_left)
        threshold, tie_p = self._threshold(share)
        warming = len(self._window) < policy.warmup_scores
        usage.thresholds.append(threshold)
        self._window.add(case.score)
        lead: list[str] = list(case.standing)
        if case.trusted_program:
            signals = "1 risk signal" if case.hits == 1 else f"{case.hits} risk signals"
            lead.append(f"enrolled in {case.trusted_program}, but {signals}: routed by score")
        factor = case.inspection_factor
        if remaining < 1:
            usage.released += 1
            usage.released_budget_used_up += 1
            lead.append(
                f"score {case.score:.2f}; the hour's secondary budget is used up "
                f"({usage.secondary} of {policy.budget_per_hour}): released after primary"
            )
            return self._decision(case, usage, Lane.PRIMARY, Cause.BUDGET_USED_UP, 0.0, 1.0, threshold, lead)
        floor = max(threshold, policy.min_target_score)
        name = "the starting threshold" if warming else "the hour's threshold"
        if case.score > floor or (case.score == floor and floor > threshold):
            target_p = 1.0
        elif case.score == threshold and threshold >= policy.min_target_score:
            target_p = tie_p
        else:
            target_p = 0.0
        if factor < 1.0:  # a certified shipper: P(secondary) x factor, split over the two draws exactly
            audit_p = factor * (1.0 - target_p) * audit_p / (1.0 - factor * target_p)
            target_p *= factor
        if target_p >= 1.0:
            usage.secondary += 1
            usage.targeted += 1
            lead.append(f"score {case.score:.2f} above {name} {floor:.2f}")
            return self._decision(case, usage, Lane.SECONDARY, Cause.TARGETED, 1.0, 1.0, threshold, lead)
        secondary_p = target_p + (1.0 - target_p) * audit_p
        if target_p > 0.0 and self.rng.random() < target_p:
            usage.secondary += 1
            usage.targeted += 1
            at = "above" if case.score > floor else "at"
            why = "shared with other crossings" if case.score == threshold else "certified shipper's factor"
            chosen = f"selected by lot (p={_p(secondary_p)})"
            lead.append(f"score {case.score:.2f} {at} {name} {floor:.2f}, {why}: {chosen}")
            return self._decision(
                case, usage, Lane.SECONDARY, Cause.TARGETED, secondary_p, secondary_p, threshold, lead
            )
        if math.isinf(threshold):
            below = f"score {case.score:.2f}: no room left for targeted inspections this hour"
        elif target_p > 0.0:
            at = "above" if case.score > floor else "at"
            below = f"score {case.score:.2f} {at} {name} {floor:.2f}, not drawn (p={_p(target_p)})"
        elif floor > threshold:
            below = f"score {case.score:.2f} below the minimum score for targeting {floor:.2f}"
        else:
            below = f"score {case.score:.2f} below {name} {floor:.2f}"
        if audit_p > 0.0 and self.rng.random() < audit_p:
            usage.secondary += 1
            usage.audits += 1
            lead += [f"random audit (p={_p(audit_p)})", below]
            return self._decision(
                case, usage, Lane.SECONDARY, Cause.AUDIT, secondary_p, secondary_p, threshold, lead
            )
        usage.released += 1
        chance = f"audit chance p={_p(audit_p)}" if audit_p > 0 else "no audit room left this hour"
        lead.append(f"{below}; released after primary ({chance})")
        return self._decision(
            case, usage, Lane.PRIMARY, Cause.BELOW_THRESHOLD, secondary_p, 1.0 - secondary_p, threshold, lead
        )

    def _alert(self, case: RoutingCase, usage: HourUsage) -> LaneDecision:
        """Alerts and referrals: secondary, never held back; both count as alerts against the budget."""
        usage.secondary += 1
        usage.alerts += 1
        self._alerts += 1
        budget = self.policy.budget_per_hour
        over = " (over budget: alerts are never held back)" if usage.secondary > budget else ""
        what = "alerts" if case.alerts else "suspended memberships"
        note = f"{what} always go to secondary: inspection {usage.secondary} of {budget} this hour{over}"
        cause = Cause.ALERT if case.alerts else Cause.REFERRED
        return LaneDecision(
            case.crossing_id, Lane.SECONDARY, cause, case.score, usage.start, 1.0, 1.0, None,
            (*case.alerts, *case.referrals, note, *case.standing, *case.reasons),
        )  # fmt: skip

    def _decision(  # noqa: PLR0917 - one private constructor for the four score-routed outcomes
        self,
        case: RoutingCase,
        usage: HourUsage,
        lane: Lane,
        cause: Cause,
        secondary_p: float,
        selection_p: float,
        threshold: float,
        lead: list[str],
    ) -> LaneDecision:
        return LaneDecision(
            case.crossing_id, lane, cause, case.score, usage.start, secondary_p, selection_p, threshold,
            (*lead, *case.reasons),
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- pacing

    def _hour_of(self, arrived_at: datetime) -> tuple[HourUsage, float]:
        if arrived_at.tzinfo is None:
            raise ValueError("arrived_at must be timezone-aware")
        moment = arrived_at.astimezone(UTC)
        if self._last_arrival is not None and moment < self._last_arrival:
            raise ValueError(
                f"crossings must be routed in arrival order: {moment} after {self._last_arrival}"
            )
        self._last_arrival = moment
        start = moment.replace(minute=0, second=0, microsecond=0)
        usage = self._hours.get(start)
        if usage is None:
            usage = HourUsage(start, self.policy.budget_per_hour)
            self._hours[start] = usage
            self._previous = self._current
            self._current = usage
        fraction = (moment - start) / timedelta(hours=1)
        return usage, fraction

    def _prior(self, start: datetime) -> float | None:
        forecast = self._forecast
        if forecast is not None:
            value = forecast(start) if callable(forecast) else forecast.get(start)
            if value is not None:
                return max(0.0, value)
        previous = self._previous
        if previous is not None and previous.start == start - timedelta(hours=1):
            return float(previous.arrivals)
        return None

    def _expected_left(self, usage: HourUsage, fraction: float) -> float:
        """Expected arrivals from now to the end of the hour, this one included (at least 1)."""
        prior = self._prior(usage.start)
        seen = usage.arrivals
        if prior is None:
            rate = seen / max(fraction, 1 / 12)
        else:
            k = self.policy.prior_weight_hours
            rate = (seen + k * prior) / (fraction + k)
        return max(1.0, rate * (1.0 - fraction))

    def _threshold(self, share: float) -> tuple[float, float]:
        """The threshold for the top `share` of recent scores, and the chance to take a score equal to it."""
        if share <= 0.0:
            return math.inf, 0.0
        if len(self._window) < self.policy.warmup_scores:
            return self.policy.warmup_threshold, 1.0
        return self._window.upper_quantile(share)


def _p(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if value >= 0.001 else f"{value:.1e}"


# ---------------------------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class ReleasedEstimate:
    """How many released crossings carried something, estimated from the crossings sent to secondary by lot.

    `sampled`: secondary inspections decided by a random draw (audits, and ties at the threshold) — the
    only ones that can speak for released traffic; `sampled_positives`: how many of those found something.
    `covered`: released crossings that had a positive chance of secondary (what the estimate speaks for);
    `uncovered`: released with chance 0 (trusted-expedited, or after the budget ran out).
    `estimated_positives` ± `standard_error` is the Horvitz-Thompson estimate of positives among the
    covered released crossings; `rate` is it per covered released crossing.
    """

    released: int
    covered: int
    sampled: int
    sampled_positives: int
    estimated_positives: float
    standard_error: float
    mean_sampling_probability: float = 0.0

    @property
    def uncovered(self) -> int:
        return self.released - self.covered

    @property
    def rate(self) -> float:
        return self.estimated_positives / self.covered if self.covered else 0.0

    @property
    def upper_95(self) -> float:
        """An approximate 95% upper bound on the positives among covered released crossings.

        With no positive draw, the standard error is 0 and says nothing; then the rule of three applies: had
        there been K positives, about K x the mean sampling probability would have been drawn, and seeing
        none bounds that at 3.
        """
        if self.sampled_positives:
            return self.estimated_positives + 1.96 * self.standard_error
        p = self.mean_sampling_probability
        return 3.0 / p if p > 0 else math.inf


def estimate_released_positives(outcomes: Iterable[tuple[LaneDecision, bool | None]]) -> ReleasedEstimate:
    """Inverse-propensity estimate of positives in released traffic, from secondaries drawn by lot.

    `outcomes` pairs every decision with what secondary found (True/False; None when not inspected). A
    crossing sent to secondary with probability p < 1 stands for itself and for (1 - p) / p crossings like
    it that were released: E[S·(1 - p)/p] = 1 - p = E[released], so the sum over positive draws of
    (1 - p)/p is unbiased for the positives among released crossings that could have been drawn. Its error,
    sum of y·(S/p - 1), has variance sum of y·(1 - p)/p, estimated by the sum over positive draws of
    (1 - p)/p². p may change from crossing to crossing (it is fixed before each draw), which keeps both sums
    unbiased.
    """
    released = covered = sampled = positives = 0
    estimate = variance = probability_sum = 0.0
    for decision, found in outcomes:
        p = decision.secondary_probability
        if decision.released:
            released += 1
            if p > 0.0:
                covered += 1
                probability_sum += p
        elif 0.0 < p < 1.0:
            sampled += 1
            probability_sum += p
            if found:
                positives += 1
                estimate += (1.0 - p) / p
                variance += (1.0 - p) / (p * p)
    mean_p = probability_sum / (covered + sampled) if covered + sampled else 0.0
    return ReleasedEstimate(released, covered, sampled, positives, estimate, math.sqrt(variance), mean_p)
