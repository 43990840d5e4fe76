"""Seeded, vectorised Monte Carlo of threat × vulnerability × consequence with cascades.

How a run is organised (and why it is fast):

- A sample is one simulated year. Years come in *groups*; each group samples the uncertain factors once
  per scenario — threat frequency T (events/year), vulnerability V, outage hours D — and then simulates its
  years with them: how many events (Poisson T), which targets fail (Bernoulli V each), how the outage
  cascades (edges transmit with their probability), what is lost. A group's mean is the expected annual
  loss *given* its factors, so the spread of group means is the uncertainty of the expected loss: the 90%
  intervals reported are its 5th and 95th percentiles (with the Monte Carlo noise of a group included).
- Only years in which a scenario's event happens are simulated for it, and only its targets are drawn
  ("sampling only assets with nonzero threat").
- The cascade is a max-plus pass over the DAG in topological order, level by level, on the *failures
  only* (event, asset, hours, origin as flat arrays): a dependent is out for (provider's outage − its
  survive time) × capacity lost when the loss transmits, its worst input deciding. Work grows with what
  fails, not with the size of the graph, so a fibre cut that takes out 20 of 1,000 telecom nodes costs 20.
- Bernoulli draws compare 16-bit slices of raw 64-bit generator output with thresholds; state is float32.
- Chunks of draws are independent (their own child seed), so 1 or 2 worker processes give the same result.

Mitigations change thresholds, survive times and durations, never the random stream, so a mitigated run
with the same seed uses common random numbers and its difference to the baseline has little noise.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from cruce.assess.graph import DependencyGraph, EdgeTable
from cruce.assess.scenarios import Mitigation, Scenario
from cruce.core.errors import InputError

METRICS = ("trade_usd", "crossings", "people")
"""Consequences counted: trade value delayed (USD), crossings delayed, people affected."""

METRIC_LABELS = {
    "trade_usd": "trade value delayed (USD/yr)",
    "crossings": "crossings delayed (/yr)",
    "people": "people affected (/yr)",
}
MAX_GROUPS = 200
CHUNK_CELLS = 3_000_000  # draws × touched assets per chunk: bounds memory (~12 MB of float32 per array)
MAX_SAMPLES = 10_000_000


@dataclass(frozen=True, slots=True)
class _Prepared:
    targets: np.ndarray  # global indices of the assets the scenario strikes
    vmult: np.ndarray  # float32 per target: vulnerability by kind × mitigation
    omult: np.ndarray  # float32 per target: outage factor of a mitigation
    edges: EdgeTable
    scenario: Scenario


@dataclass(frozen=True, slots=True)
class _Job:
    prepared: tuple[_Prepared, ...]
    n_assets: int
    rates: np.ndarray  # (N, 3) trade USD per hour, crossings per hour, people served
    groups: int
    group_size: int
    groups_per_chunk: int
    seeds: tuple[np.random.SeedSequence, ...]


@dataclass(frozen=True, slots=True)
class Simulation:
    """Group-level results of one run (G groups of `group_size` draws each)."""

    samples: int
    group_size: int
    seed: int
    seconds: float
    threat: np.ndarray  # (S, G) factors drawn per group
    vulnerability: np.ndarray  # (S, G)
    outage_hours: np.ndarray  # (S, G)
    scenario_loss: np.ndarray  # (3, S, G) expected annual loss given the group's factors
    asset_loss: np.ndarray  # (3, G, N) by the asset whose failure started the cascade that caused it
    asset_outage_hours: np.ndarray  # (G, N) expected annual outage hours of each asset, cascades included
    touched: int  # asset-scenario pairs exposed (targets of each scenario)

    @property
    def groups(self) -> int:
        return int(self.threat.shape[1])

    @property
    def total_loss(self) -> np.ndarray:
        """(3, G): every scenario's expected annual loss added (independent events)."""
        return np.asarray(self.scenario_loss.sum(axis=1))


def simulate(
    graph: DependencyGraph,
    scenarios: Sequence[Scenario],
    *,
    samples: int,
    seed: int,
    workers: int = 1,
    mitigation: Mitigation | None = None,
) -> Simulation:
    """Run `samples` draws of every scenario over the graph (optionally with a mitigation in place)."""
    if samples < 20 or samples > MAX_SAMPLES:
        raise InputError("bad_samples", f"samples must be between 20 and {MAX_SAMPLES:,}, not {samples:,}")
    if not scenarios:
        raise InputError("no_scenarios", "an assessment needs at least one scenario")
    started = time.perf_counter()
    prepared = tuple(_prepare(graph, s, mitigation) for s in scenarios)
    groups = min(MAX_GROUPS, samples // 10)
    group_size = samples // groups
    # Cells (events × touched assets) expected per simulated year bound how many years fit in a chunk.
    per_year = max(sum(p.targets.size * p.scenario.threat.mean for p in prepared), 1e-9)
    groups_per_chunk = int(max(1, min(groups, CHUNK_CELLS // max(1.0, per_year * group_size))))
    chunks = math.ceil(groups / groups_per_chunk)
    seeds = tuple(np.random.SeedSequence(seed).spawn(chunks))
    job = _Job(prepared, len(graph), consequence_rates(graph), groups, group_size, groups_per_chunk, seeds)
    workers = max(1, min(workers, chunks))
    if workers == 1:
        parts = [_run_chunks(job, list(range(chunks)))]
    else:
        slices = [list(range(chunks))[i::workers] for i in range(workers)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_set_job, initargs=(job,)) as pool:
            parts = list(pool.map(_run_in_worker, slices))
    s, n = len(prepared), len(graph)
    threat = np.zeros((s, groups), np.float64)
    vuln = np.zeros((s, groups), np.float64)
    outage = np.zeros((s, groups), np.float64)
    scenario_loss = np.zeros((3, s, groups), np.float64)
    asset_loss = np.zeros((3, groups, n), np.float64)
    asset_hours = np.zeros((groups, n), np.float64)
    for part in parts:
        for chunk, values in part.items():
            g0 = chunk * groups_per_chunk
            g = slice(g0, min(groups, g0 + groups_per_chunk))
            threat[:, g], vuln[:, g], outage[:, g] = values[0], values[1], values[2]
            scenario_loss[:, :, g] = values[3]
            asset_loss[:, g, :] = values[4]
            asset_hours[g, :] = values[5]
    return Simulation(
        samples=groups * group_size,
        group_size=group_size,
        seed=seed,
        seconds=time.perf_counter() - started,
        threat=threat,
        vulnerability=vuln,
        outage_hours=outage,
        scenario_loss=scenario_loss,
        asset_loss=asset_loss,
        asset_outage_hours=asset_hours,
        touched=sum(int(p.targets.size) for p in prepared),
    )


def _prepare(graph: DependencyGraph, scenario: Scenario, mitigation: Mitigation | None) -> _Prepared:
    assets = graph.assets
    targets = scenario.targets.select(assets).astype(np.int64)
    if mitigation is not None:
        extra, transmit = mitigation.edge_changes(graph)
        edges = graph.edge_table(extra, transmit)
        v_all, o_all = mitigation.asset_factors(assets)
    else:
        edges = graph.edge_table()
        v_all = o_all = np.ones(len(assets), dtype=np.float32)
    by_kind = np.array(
        [scenario.vulnerability_by_kind.get(assets[i].kind, 1.0) for i in targets], dtype=np.float32
    )
    return _Prepared(
        targets=targets,
        vmult=(by_kind * v_all[targets]).astype(np.float32),
        omult=o_all[targets].astype(np.float32),
        edges=edges,
        scenario=scenario,
    )


def consequence_rates(graph: DependencyGraph) -> np.ndarray:
    """(N, 3): trade USD and crossings lost per hour out, and people affected by an outage, per asset."""
    return np.array(
        [(a.trade_usd_per_day / 24, a.crossings_per_day / 24, a.people_served) for a in graph.assets],
        dtype=np.float64,
    ).reshape(-1, 3)


_JOB: _Job | None = None


def _set_job(job: _Job) -> None:
    global _JOB  # noqa: PLW0603 - a worker process's read-only copy of the job, set once at fork
    _JOB = job


def _run_in_worker(chunks: list[int]) -> dict[int, tuple[np.ndarray, ...]]:
    assert _JOB is not None
    return _run_chunks(_JOB, chunks)


def _uint16(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniform 16-bit integers, four per raw 64-bit output (the cheapest Bernoulli source numpy has)."""
    count = shape[0] * shape[1]
    raw = rng.bit_generator.random_raw((count + 3) // 4)
    return np.asarray(raw).view(np.uint16)[:count].reshape(shape)


def _run_chunks(job: _Job, chunks: list[int]) -> dict[int, tuple[np.ndarray, ...]]:
    out = {}
    for chunk in chunks:
        g0 = chunk * job.groups_per_chunk
        gpc = min(job.groups, g0 + job.groups_per_chunk) - g0
        out[chunk] = _run_chunk(job, np.random.Generator(np.random.PCG64(job.seeds[chunk])), gpc)
    return out


def _run_chunk(job: _Job, rng: np.random.Generator, gpc: int) -> tuple[np.ndarray, ...]:
    """Simulate `gpc` groups of years; only years in which a scenario's event happens are touched."""
    gs = job.group_size
    c = gpc * gs
    n = job.n_assets
    s_count = len(job.prepared)
    factors = np.zeros((3, s_count, gpc), np.float64)
    scenario_loss = np.zeros((3, s_count, gpc), np.float64)
    asset_loss = np.zeros((3, gpc, n), np.float64)
    asset_hours = np.zeros((gpc, n), np.float64)
    by_origin: list[tuple[np.ndarray, np.ndarray]] = []
    by_node: list[tuple[np.ndarray, np.ndarray]] = []
    for s, prep in enumerate(job.prepared):
        scenario = prep.scenario
        t = scenario.threat.sample(rng, gpc)
        v = scenario.vulnerability.sample(rng, gpc)
        d = scenario.outage_hours.sample(rng, gpc)
        factors[:, s, :] = t, v, d
        # Events per simulated year: Poisson with the group's frequency; a year may see none, or several.
        counts = rng.poisson(np.repeat(t.astype(np.float64), gs))
        group = np.repeat(np.arange(c) // gs, counts)  # the group of each event, in order
        if prep.targets.size == 0 or group.size == 0:
            continue
        out = cascade(
            prep.edges,
            prep.targets,
            rng,
            vulnerability=v[group],
            outage_hours=d[group],
            vmult=prep.vmult,
            omult=prep.omult,
        )
        g = group[out.event]
        rates = job.rates[out.node]
        contributions = np.stack([out.hours * rates[:, 0], out.hours * rates[:, 1], rates[:, 2]])
        for m in range(3):
            scenario_loss[m, s, :] = np.bincount(g, weights=contributions[m], minlength=gpc) / gs
        by_origin.append((g * n + out.origin, contributions))
        by_node.append((g * n + out.node, out.hours))
    if by_origin:  # one pass per chunk, not per scenario: these arrays are groups × assets
        keys = np.concatenate([k for k, _ in by_origin])
        weights = np.concatenate([w for _, w in by_origin], axis=1)
        for m in range(3):
            asset_loss[m] = np.bincount(keys, weights=weights[m], minlength=gpc * n).reshape(gpc, n) / gs
        keys = np.concatenate([k for k, _ in by_node])
        hours = np.concatenate([h for _, h in by_node])
        asset_hours = np.bincount(keys, weights=hours, minlength=gpc * n).reshape(gpc, n) / gs
    return factors[0], factors[1], factors[2], scenario_loss, asset_loss, asset_hours


@dataclass(frozen=True, slots=True)
class Outages:
    """Every (event, asset) that is out, for how many hours, and which failed target caused it."""

    event: np.ndarray  # int64 index of the event
    node: np.ndarray  # global asset index
    hours: np.ndarray  # float64
    origin: np.ndarray  # global asset index of the directly failed asset behind it


def _hash16(salt: np.uint64, counter: np.ndarray) -> np.ndarray:
    """16 uniform bits from (salt, counter) by the splitmix64 finaliser (vectorised, wrapping uint64)."""
    z = counter.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + salt
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) >> np.uint64(48)


_RANK_BITS = 21
_RANK_MAX = (1 << _RANK_BITS) - 1  # outage hours ranked in 1/100 h up to ~20,000 h (ties beyond: either)


def _into_buckets(
    buckets: list[list[tuple[np.ndarray, ...]]], level: np.ndarray, part: tuple[np.ndarray, ...]
) -> None:
    """File outages under the DAG level of their asset (a level is final once all lower ones are done)."""
    levels = level[part[1]]
    present = np.unique(levels)
    if present.size == 1:
        buckets[int(present[0])].append(part)
        return
    order = np.argsort(levels, kind="stable")
    bounds = np.searchsorted(levels[order], present)
    for lev, lo, hi in zip(present, bounds, [*bounds[1:], order.size], strict=True):
        idx = order[lo:hi]
        buckets[int(lev)].append(tuple(a[idx] for a in part))


def cascade(
    edges: EdgeTable,
    targets: np.ndarray,
    rng: np.random.Generator,
    *,
    vulnerability: np.ndarray,
    outage_hours: np.ndarray,
    vmult: np.ndarray | None = None,
    omult: np.ndarray | None = None,
) -> Outages:
    """What is out in each of len(`vulnerability`) events that strike `targets`, cascades included.

    Each target fails with probability vulnerability × vmult and stays out outage_hours × omult; a dependent
    is out for (provider's hours − survive hours) × capacity lost when the loss transmits (probability per
    edge), its worst input deciding; the pass runs level by level over the DAG on failures only.
    """
    e, k = vulnerability.size, targets.size
    n = edges.level.size
    vmult = np.ones(k, np.float32) if vmult is None else vmult
    omult = np.ones(k, np.float32) if omult is None else omult
    thresholds = (vulnerability.astype(np.float32) * np.float32(65536.0))[:, None] * vmult[None, :]
    salt = np.uint64(rng.integers(0, 2**63))
    n_edges = max(1, edges.dst.size)
    ev, col = np.nonzero(_uint16(rng, (e, k)) < thresholds)
    node = targets[col]
    hours = (outage_hours.astype(np.float32)[ev] * omult[col]).astype(np.float32)
    keep = hours > 0
    depth = edges.depth
    buckets: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
    _into_buckets(buckets, edges.level, (ev[keep].astype(np.int64), node[keep], hours[keep], node[keep]))
    done: list[tuple[np.ndarray, ...]] = []
    for level in range(depth + 1):
        if not buckets[level]:
            continue
        lev_ev, lev_node, lev_hours, lev_origin = (
            np.concatenate([p[i] for p in buckets[level]]) for i in range(4)
        )
        buckets[level] = []
        # The worst input decides: one sort on (event, asset, longest outage first) packed in an int64.
        pair = lev_ev * n + lev_node
        rank = np.minimum(lev_hours * 100.0, _RANK_MAX).astype(np.int64)
        order = np.argsort((pair << _RANK_BITS) | (_RANK_MAX - rank))
        pair = pair[order]
        first = np.ones(pair.size, dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        chosen = order[first]
        lev_ev, lev_node, lev_hours, lev_origin = (
            a[chosen] for a in (lev_ev, lev_node, lev_hours, lev_origin)
        )
        done.append((lev_ev, lev_node, lev_hours, lev_origin))
        if level == depth:
            break
        # Pass the outage on along every out-edge.
        starts, ends = edges.start[lev_node], edges.start[lev_node + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if not total:
            continue
        row = np.repeat(np.arange(lev_node.size), lengths)
        edge = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        passed = (lev_hours[row] - edges.survive_hours[edge]) * edges.capacity_lost[edge]
        hit = passed > 0
        uncertain = hit & (edges.transmit_threshold[edge] < 65536)
        if uncertain.any():
            # Counter-based draws keyed on (event, edge): the same edge in the same event gets the same
            # number whatever else failed, so a mitigated run keeps its common random numbers.
            draws = _hash16(salt, lev_ev[row[uncertain]] * n_edges + edge[uncertain])
            hit[uncertain] = draws < edges.transmit_threshold[edge[uncertain]]
        if hit.any():
            row, edge = row[hit], edge[hit]
            _into_buckets(buckets, edges.level, (lev_ev[row], edges.dst[edge], passed[hit], lev_origin[row]))
    if not done:
        empty = np.zeros(0, np.int64)
        return Outages(empty, empty, np.zeros(0), empty)
    return Outages(
        event=np.concatenate([p[0] for p in done]).astype(np.int64),
        node=np.concatenate([p[1] for p in done]).astype(np.int64),
        hours=np.concatenate([p[2] for p in done]).astype(np.float64),
        origin=np.concatenate([p[3] for p in done]).astype(np.int64),
    )
