"""The vectorised cascade and Monte Carlo against a slow, obviously correct reference on small graphs.

The reference walks each event node by node in topological order with Python floats and its own random
generator, so the fast path (packed keys, level buckets, counter-based draws) must agree with it exactly
where nothing is random and within Monte Carlo error where something is.
"""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

from cruce.assess.assets import Asset, AssetKind
from cruce.assess.graph import Dependency, DependencyGraph
from cruce.assess.montecarlo import cascade, simulate
from cruce.assess.scenarios import parse_scenarios


def _random_dag(seed: int, n: int = 30, certain: bool = False) -> DependencyGraph:
    """A layered DAG with diamonds (several paths to a node), backups and uncertain transmission."""
    rng = random.Random(seed)
    assets = [
        Asset(f"a{i}", f"a{i}", AssetKind.PORT_OF_ENTRY if i >= n - 8 else AssetKind.POWER_SUBSTATION,
              "USA", 32.0, -110.0, trade_usd_per_day=24.0 * (i + 1), crossings_per_day=float(i % 5))
        for i in range(n)
    ]  # fmt: skip
    deps = []
    for i in range(3, n):
        for j in rng.sample(range(i), k=min(i, rng.choice([1, 2, 3]))):
            deps.append(
                Dependency(
                    f"a{i}",
                    f"a{j}",
                    "power",
                    survive_hours=rng.choice([0.0, 2.0, 6.0, 30.0]),
                    transmit_probability=1.0 if certain else rng.choice([1.0, 0.7, 0.3]),
                    capacity_lost=rng.choice([1.0, 1.0, 0.5]),
                )
            )
    return DependencyGraph(assets, deps)


def _reference_event(
    graph: DependencyGraph, failed: dict[int, float], rnd: random.Random | None
) -> dict[int, float]:
    """Outage hours of every asset in one event, given the directly failed assets and their hours."""
    out = dict(failed)
    for node in nx.topological_sort(graph.graph):
        if node not in out:
            continue
        for dep in (d for d in graph.dependencies if graph.index[d.provider] == node):
            passed = (out[node] - dep.survive_hours) * dep.capacity_lost
            if passed <= 0:
                continue
            if rnd is not None and rnd.random() >= dep.transmit_probability:
                continue
            child = graph.index[dep.dependent]
            out[child] = max(out.get(child, 0.0), passed)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cascade_equals_the_reference_exactly_when_nothing_is_random(seed: int) -> None:
    graph = _random_dag(seed, certain=True)
    targets = np.array([0, 1, 2, 5, 9])
    hours = np.array([10.0, 40.0, 3.0, 100.0])
    out = cascade(graph.edge_table(), targets, np.random.default_rng(seed),
                  vulnerability=np.ones(hours.size), outage_hours=hours)  # fmt: skip
    for event, h in enumerate(hours):
        expected = _reference_event(graph, {int(t): float(h) for t in targets}, None)
        got = {int(n): float(x) for e, n, x in zip(out.event, out.node, out.hours, strict=True) if e == event}
        assert got.keys() == {k for k, v in expected.items() if v > 0}
        for node, value in got.items():
            assert value == pytest.approx(expected[node], rel=1e-5)


def test_cascade_keeps_the_origin_of_the_worst_input() -> None:
    # a0 -> a2 (survive 0) and a1 -> a2 (survive 0): a2's hours and origin come from the longer outage.
    assets = [Asset(f"a{i}", f"a{i}", AssetKind.TELECOM, "USA", 32.0, -110.0) for i in range(3)]
    graph = DependencyGraph(assets, [Dependency("a2", "a0"), Dependency("a2", "a1")])
    longer = np.array([1.0, 3.0], np.float32)
    out = cascade(graph.edge_table(), np.array([0, 1]), np.random.default_rng(0),
                  vulnerability=np.ones(1), outage_hours=np.array([5.0]), omult=longer)  # fmt: skip
    row = int(np.flatnonzero(out.node == 2)[0])
    assert out.hours[row] == pytest.approx(15.0)
    assert out.origin[row] == 1


@pytest.mark.parametrize("seed", [4, 5])
def test_cascade_matches_the_reference_in_distribution(seed: int) -> None:
    graph = _random_dag(seed)
    n = len(graph)
    targets = np.array([0, 1, 2, 4, 7, 11])
    events, v, d = 20_000, 0.5, 24.0
    out = cascade(graph.edge_table(), targets, np.random.default_rng(seed),
                  vulnerability=np.full(events, v), outage_hours=np.full(events, d))  # fmt: skip
    fast_hours = np.bincount(out.node, weights=out.hours, minlength=n) / events
    fast_p = np.bincount(out.node, minlength=n) / events
    rnd = random.Random(seed)
    ref_sum, ref_sq, ref_count = np.zeros(n), np.zeros(n), np.zeros(n)
    for _ in range(events):
        failed = {int(t): d for t in targets if rnd.random() < v}
        for node, hours in _reference_event(graph, failed, rnd).items():
            ref_sum[node] += hours
            ref_sq[node] += hours * hours
            ref_count[node] += 1
    ref_hours = ref_sum / events
    ref_p = ref_count / events
    se = np.sqrt(2 * np.maximum(ref_sq / events - ref_hours**2, 1e-9) / events)
    assert np.all(np.abs(fast_hours - ref_hours) <= 4.5 * se + 1e-6), (fast_hours, ref_hours)
    se_p = np.sqrt(2 * np.maximum(ref_p * (1 - ref_p), 1e-9) / events)
    assert np.all(np.abs(fast_p - ref_p) <= 4.5 * se_p + 1e-6)
    assert ref_p[n - 1] > 0 or fast_p[n - 1] == 0  # the deep end of the graph is reached by both or neither


SCENARIOS = """
scenarios:
  - id: storm
    threat: 0.8
    vulnerability: 0.4
    outage_hours: 30
    targets: {assets: [a0, a1, a3]}
  - id: cut
    threat: 0.3
    vulnerability: 0.9
    outage_hours: 8
    targets: {assets: [a2, a5]}
"""


def test_simulated_annual_loss_matches_a_slow_year_by_year_reference() -> None:
    graph = _random_dag(6)
    scenarios = parse_scenarios(SCENARIOS, "test").scenarios
    run = simulate(graph, scenarios, samples=40_000, seed=11)
    fast = run.total_loss[0].mean()  # trade USD per year
    rates = [a.trade_usd_per_day / 24 for a in graph.assets]
    rnd = random.Random(11)
    years = 40_000
    losses = []
    for _ in range(years):
        loss = 0.0
        for sc in scenarios:
            events = _poisson(rnd, sc.threat.mean)
            for _ in range(events):
                failed = {
                    graph.index[a]: sc.outage_hours.mean
                    for a in sorted(sc.targets.asset_ids)
                    if rnd.random() < sc.vulnerability.mean
                }
                loss += sum(h * rates[n] for n, h in _reference_event(graph, failed, rnd).items())
        losses.append(loss)
    ref = float(np.mean(losses))
    se = float(np.std(losses)) / math.sqrt(years)
    assert abs(fast - ref) <= 4.5 * math.sqrt(2) * se, (fast, ref, se)


def _poisson(rnd: random.Random, lam: float) -> int:
    count, p, threshold = 0, rnd.random(), math.exp(-lam)
    while p > threshold:
        count += 1
        p *= rnd.random()
    return count
