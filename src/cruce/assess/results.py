"""An assessment: the baseline run, one run per mitigation (same seed), and what they say.

Rankings carry the expected annual loss and its 90% interval (5th–95th percentile over the groups of
draws, i.e. over the uncertain factors). The tornado says which factor moves the total most: the expected
total when a factor is in its lowest decile against its highest decile. A mitigation's value is the
expected loss it avoids per USD spent, with the interval of the same ratio over the groups; the runs
share their random numbers, so the difference is the mitigation's effect, not noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cruce.assess.graph import DependencyGraph
from cruce.assess.montecarlo import METRICS, Simulation, simulate
from cruce.assess.scenarios import Mitigation, Scenario, ScenarioSet
from cruce.core.errors import InputError


@dataclass(frozen=True, slots=True)
class Estimate:
    mean: float
    low: float  # 5th percentile
    high: float  # 95th percentile

    @classmethod
    def of(cls, values: np.ndarray) -> Estimate:
        low, high = np.percentile(values, [5, 95])
        return cls(float(np.mean(values)), float(low), float(high))


@dataclass(frozen=True, slots=True)
class RankedAsset:
    asset_id: str
    name: str
    kind: str
    owner_country: str
    loss: dict[str, Estimate]  # by metric, caused by this asset's failure (its cascade included)
    outage_hours_per_year: float  # expected hours out per year, as a target or through a cascade


@dataclass(frozen=True, slots=True)
class RankedScenario:
    scenario_id: str
    name: str
    category: str
    loss: dict[str, Estimate]


@dataclass(frozen=True, slots=True)
class TornadoBar:
    factor: str  # "<scenario id>: threat|vulnerability|outage hours"
    low: float  # expected total when the factor is in its lowest decile
    high: float  # … in its highest decile

    @property
    def swing(self) -> float:
        return abs(self.high - self.low)


@dataclass(frozen=True, slots=True)
class MitigationResult:
    mitigation_id: str
    name: str
    cost_usd: float
    avoided: Estimate  # expected annual loss avoided (primary metric)
    avoided_per_usd: Estimate


@dataclass(frozen=True, slots=True)
class Assessment:
    graph: DependencyGraph
    scenarios: tuple[Scenario, ...]
    baseline: Simulation
    mitigation_runs: tuple[tuple[Mitigation, Simulation], ...]
    metric: str = "trade_usd"

    @property
    def m(self) -> int:
        return METRICS.index(self.metric)

    def total(self, metric: str | None = None) -> Estimate:
        return Estimate.of(self.baseline.total_loss[METRICS.index(metric or self.metric)])

    def scenario_ranking(self) -> list[RankedScenario]:
        out = [
            RankedScenario(
                s.scenario_id,
                s.name,
                s.category.value,
                {metric: Estimate.of(self.baseline.scenario_loss[i, j]) for i, metric in enumerate(METRICS)},
            )
            for j, s in enumerate(self.scenarios)
        ]
        return sorted(out, key=lambda r: -r.loss[self.metric].mean)

    def asset_ranking(self, top: int | None = None) -> list[RankedAsset]:
        """Assets by the loss their own failure causes, cascades included (criticality), then outage."""
        primary = self.baseline.asset_loss[self.m].mean(axis=0)
        hours = self.baseline.asset_outage_hours.mean(axis=0)
        order = np.lexsort((-hours, -primary))
        if top is not None:
            order = order[:top]
        ranked = []
        for i in order:
            asset = self.graph.assets[int(i)]
            ranked.append(
                RankedAsset(
                    asset.asset_id,
                    asset.name,
                    asset.kind.value,
                    asset.owner_country,
                    {
                        metric: Estimate.of(self.baseline.asset_loss[k][:, int(i)])
                        for k, metric in enumerate(METRICS)
                    },
                    float(hours[int(i)]),
                )
            )
        return ranked

    def tornado(self, bars: int = 10) -> list[TornadoBar]:
        total = self.baseline.total_loss[self.m]
        out = []
        names = (("threat", self.baseline.threat), ("vulnerability", self.baseline.vulnerability),
                 ("outage hours", self.baseline.outage_hours))  # fmt: skip
        for label, values in names:
            for j, scenario in enumerate(self.scenarios):
                factor = values[j]
                if np.ptp(factor) == 0:
                    continue
                low_cut, high_cut = np.percentile(factor, [10, 90])
                low, high = total[factor <= low_cut], total[factor >= high_cut]
                if low.size and high.size:
                    out.append(
                        TornadoBar(f"{scenario.scenario_id}: {label}", float(low.mean()), float(high.mean()))
                    )
        return sorted(out, key=lambda b: -b.swing)[:bars]

    def mitigations(self) -> list[MitigationResult]:
        base = self.baseline.total_loss[self.m]
        out = []
        for mitigation, run in self.mitigation_runs:
            avoided = base - run.total_loss[self.m]
            out.append(
                MitigationResult(
                    mitigation.mitigation_id,
                    mitigation.name,
                    mitigation.cost_usd,
                    Estimate.of(avoided),
                    Estimate.of(avoided / mitigation.cost_usd),
                )
            )
        return sorted(out, key=lambda r: -r.avoided_per_usd.mean)


def assess(
    graph: DependencyGraph,
    scenario_set: ScenarioSet,
    *,
    samples: int,
    seed: int,
    workers: int = 1,
    metric: str = "trade_usd",
    mitigations: Sequence[Mitigation] | None = None,
) -> Assessment:
    """Baseline and every mitigation, each with the same seed (common random numbers)."""
    if metric not in METRICS:
        raise InputError("bad_metric", f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    scenarios = scenario_set.scenarios
    chosen = scenario_set.mitigations if mitigations is None else tuple(mitigations)
    baseline = simulate(graph, scenarios, samples=samples, seed=seed, workers=workers)
    runs = tuple(
        (m, simulate(graph, scenarios, samples=samples, seed=seed, workers=workers, mitigation=m))
        for m in chosen
    )
    return Assessment(graph, tuple(scenarios), baseline, runs, metric)
