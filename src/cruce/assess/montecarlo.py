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

import itertools
import math
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from cruce.assess.graph import DependencyGraph, EdgeTable
from cruce.assess.scenarios import AssetColumns, Mitigation, Scenario
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
    rates: tuple[np.ndarray, ...]  # per asset: trade USD per hour, crossings per hour, people served
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
    outages: int = 0  # (event, asset) outages simulated, cascades included: the work done

    @property
    def outages_per_year(self) -> float:
        return self.outages / max(1, self.samples)

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
    columns = AssetColumns.of(graph.assets)
    prepared = tuple(_prepare(graph, columns, s, mitigation) for s in scenarios)
    groups = min(MAX_GROUPS, samples // 10)
    group_size = samples // groups
    # Cells (events × touched assets) expected per simulated year bound how many years fit in a chunk.
    per_year = max(sum(p.targets.size * p.scenario.threat.mean for p in prepared), 1e-9)
    groups_per_chunk = int(max(1, min(groups, CHUNK_CELLS // max(1.0, per_year * group_size))))
    chunks = math.ceil(groups / groups_per_chunk)
    seeds = tuple(np.random.SeedSequence(seed).spawn(chunks))
    job = _Job(
        prepared,
        len(graph),
        tuple(np.ascontiguousarray(consequence_rates(graph).T)),
        groups,
        group_size,
        groups_per_chunk,
        seeds,
    )
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
    outages = 0
    for part in parts:
        for chunk, values in part.items():
            g0 = chunk * groups_per_chunk
            g = slice(g0, min(groups, g0 + groups_per_chunk))
            threat[:, g], vuln[:, g], outage[:, g] = values[0], values[1], values[2]
            scenario_loss[:, :, g] = values[3]
            asset_loss[:, g, :] = values[4]
            asset_hours[g, :] = values[5]
            outages += int(values[6][0])
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
        outages=outages,
    )


def _prepare(
    graph: DependencyGraph, columns: AssetColumns, scenario: Scenario, mitigation: Mitigation | None
) -> _Prepared:
    assets = graph.assets
    targets = scenario.targets.select(columns).astype(np.int64)
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
    outages = 0
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
        hours = out.hours
        outages += hours.size
        contributions = np.empty((3, hours.size), np.float64)
        np.multiply(hours, job.rates[0][out.node], out=contributions[0])
        np.multiply(hours, job.rates[1][out.node], out=contributions[1])
        contributions[2] = job.rates[2][out.node]
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
    done = np.array([outages], np.int64)
    return factors[0], factors[1], factors[2], scenario_loss, asset_loss, asset_hours, done


@dataclass(frozen=True, slots=True)
class Outages:
    """Every (event, asset) that is out, for how many hours, and which failed target caused it."""

    event: np.ndarray  # int64 index of the event
    node: np.ndarray  # global asset index
    hours: np.ndarray  # float64
    origin: np.ndarray  # global asset index of the directly failed asset behind it


_BLOCK_CELLS = 1 << 22  # events × assets per propagation block: the dedupe key's pair part fits 22 bits


def _into_buckets(
    buckets: list[list[tuple[np.ndarray, ...]]], level: np.ndarray, part: tuple[np.ndarray, ...]
) -> None:
    """File outages under the DAG level of their asset (a level is final once all lower ones are done).

    Levels are small integers (int8/int16), so the stable argsort is numpy's one-pass radix sort.
    """
    levels = level[part[1]]
    if levels.size == 0:
        return
    counts = np.bincount(levels)
    present = np.flatnonzero(counts)
    if present.size == 1:
        buckets[int(present[0])].append(part)
        return
    order = np.argsort(levels, kind="stable")
    bounds = np.cumsum(counts)
    for lev in present.tolist():
        idx = order[bounds[lev] - counts[lev] : bounds[lev]]
        buckets[lev].append(tuple(a[idx] for a in part))


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
    edge), its worst input deciding; the pass runs level by level over the DAG on failures only, in blocks
    of events small enough that the worst-input dedupe is a scatter into a dense scratch, not a sort.
    """
    e, k = vulnerability.size, targets.size
    n = edges.level.size
    vmult = np.ones(k, np.float32) if vmult is None else vmult
    omult = np.ones(k, np.float32) if omult is None else omult
    thresholds = (vulnerability.astype(np.float32) * np.float32(65536.0))[:, None] * vmult[None, :]
    salt = np.uint64(rng.integers(0, 2**63))
    ev, col = np.nonzero(_uint16(rng, (e, k)) < thresholds)  # ev ascending
    node = targets[col]
    hours = (outage_hours.astype(np.float32)[ev] * omult[col]).astype(np.float32)
    keep = hours > 0
    ev, node, hours = ev[keep].astype(np.int64), node[keep].astype(np.int64), hours[keep]
    if not ev.size:
        empty = np.zeros(0, np.int64)
        return Outages(empty, empty, np.zeros(0), empty)
    if n >= 1 << _ORIGIN_BITS:
        raise InputError("too_many_assets", f"at most {(1 << _ORIGIN_BITS) - 1:,} assets per assessment")
    plan = _Plan(edges, salt, n)
    block = max(1, _BLOCK_CELLS // max(1, n))
    cuts = np.searchsorted(ev, np.arange(0, e + block, block))
    done: list[tuple[np.ndarray, ...]] = []
    for b, (lo, hi) in enumerate(itertools.pairwise(cuts)):
        if hi > lo:
            done += plan.propagate(b * block, ev[lo:hi], node[lo:hi], hours[lo:hi])
    evo = np.concatenate([p[0] for p in done])
    return Outages(
        event=evo >> _ORIGIN_BITS,
        node=np.concatenate([p[1] for p in done]).astype(np.int64),
        hours=np.concatenate([p[2] for p in done]).astype(np.float64),
        origin=evo & _ORIGIN_MASK,
    )


_ORIGIN_BITS = 24  # an outage carries (event << 24 | origin) in one int64: one gather, not two
_ORIGIN_MASK = (1 << _ORIGIN_BITS) - 1
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


class _Plan:
    """The per-call state of a cascade: level keys and the keys of the transmission draws."""

    def __init__(self, edges: EdgeTable, salt: np.uint64, n: int) -> None:
        self.edges = edges
        self.n = n
        self.depth = edges.depth
        self.level = edges.level.astype(np.int8 if self.depth < 127 else np.int16)
        self.salt = salt

    def _draws(self, event_keys: np.ndarray, ev: np.ndarray, edge: np.ndarray) -> np.ndarray:
        """Transmission draws keyed on (event, edge): a key per event (from this call's salt) mixed with a
        fixed key per edge, so an edge's draw in an event does not depend on what else failed."""
        z = event_keys[ev] ^ _edge_keys(self.edges.dst.size)[edge]
        z *= _MIX1
        z ^= z >> np.uint64(31)
        z *= _MIX2
        return np.asarray(z >> np.uint64(48))

    @staticmethod
    def _worst(pair: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Rows keeping the longest outage of each (event, asset) pair (one of them on a near-tie).

        One in-place sort of packed int64 keys (pair | hours' float bits | row), not an argsort: positive
        float32 bit patterns order like their values, truncated to the bits left over (≥ 8).
        """
        m = pair.size
        row_bits = max(1, (m - 1).bit_length())
        pair_bits = max(1, int(pair.max()).bit_length())
        hour_bits = min(31, 63 - row_bits - pair_bits)
        if hour_bits < 8:
            order = np.lexsort((-hours, pair))
            first = np.ones(m, dtype=bool)
            first[1:] = pair[order][1:] != pair[order][:-1]
            return np.asarray(order[first])
        key = pair << (hour_bits + row_bits)
        key |= (hours.view(np.int32).astype(np.int64) >> (31 - hour_bits)) << row_bits
        key |= np.arange(m, dtype=np.int64)
        key.sort()
        group = key >> (hour_bits + row_bits)
        last = np.ones(m, dtype=bool)
        last[:-1] = group[1:] != group[:-1]
        return np.asarray(key[last] & ((1 << row_bits) - 1))

    def propagate(
        self, e0: int, ev: np.ndarray, node: np.ndarray, hours: np.ndarray
    ) -> list[tuple[np.ndarray, ...]]:
        """Cascade the direct failures of one block of events (global event ids from `e0`)."""
        edges, n, depth = self.edges, self.n, self.depth
        buckets: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
        _into_buckets(buckets, self.level, ((ev << _ORIGIN_BITS) | node, node, hours))
        done: list[tuple[np.ndarray, ...]] = []
        direct = True  # level 0's only part is the direct failures: unique (event, target) already
        base = np.int64(e0) * n
        last = int(ev[-1]) + 1
        event_keys = _hash64(self.salt, np.arange(e0, last, dtype=np.uint64))  # this block's events
        for level in range(depth + 1):
            parts = buckets[level]
            if not parts:
                continue
            if len(parts) == 1:
                lev_evo, lev_node, lev_hours = parts[0]
            else:
                lev_evo, lev_node, lev_hours = (np.concatenate([p[i] for p in parts]) for i in range(3))
            buckets[level] = []
            if not (direct and len(parts) == 1):
                pair = (lev_evo >> _ORIGIN_BITS) * n
                pair += lev_node
                pair -= base
                chosen = self._worst(pair, lev_hours)
                if chosen.size < lev_evo.size:
                    lev_evo, lev_node, lev_hours = lev_evo[chosen], lev_node[chosen], lev_hours[chosen]
            direct = False
            done.append((lev_evo, lev_node, lev_hours))
            if level == depth:
                break
            # Pass the outage on along every out-edge.
            starts = edges.start[lev_node]
            lengths = edges.start[lev_node + 1] - starts
            total = int(lengths.sum())
            if not total:
                continue
            row = np.repeat(np.arange(lev_node.size), lengths)
            edge = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            edge += np.arange(total)
            passed = lev_hours[row]
            passed -= edges.survive_hours[edge]
            passed *= edges.capacity_lost[edge]
            hit = np.flatnonzero(passed > 0)
            row, edge, passed = row[hit], edge[hit], passed[hit]
            threshold = edges.transmit_threshold[edge]
            uncertain = np.flatnonzero(threshold < 65536)
            evo = lev_evo[row]
            if uncertain.size:
                draws = self._draws(event_keys, (evo[uncertain] >> _ORIGIN_BITS) - e0, edge[uncertain])
                kept = np.ones(row.size, dtype=bool)
                kept[uncertain] = draws < threshold[uncertain]
                evo, edge, passed = evo[kept], edge[kept], passed[kept]
            if evo.size:
                _into_buckets(buckets, self.level, (evo, edges.dst[edge], passed))
        return done


_EDGE_KEYS = np.zeros(0, np.uint64)


def _edge_keys(count: int) -> np.ndarray:
    """Fixed pseudo-random keys for edges 0..count-1 (grown on demand; same values in every process)."""
    global _EDGE_KEYS  # noqa: PLW0603 - a deterministic cache: every value is a pure function of its index
    keys = _EDGE_KEYS
    if keys.size < count:
        keys = _hash64(np.uint64(0x5851F42D4C957F2D), np.arange(max(count, 2 * keys.size), dtype=np.uint64))
        _EDGE_KEYS = keys
    return keys


def _hash64(salt: np.uint64, counter: np.ndarray) -> np.ndarray:
    """64 well-mixed bits from (salt, counter) by the splitmix64 finaliser (vectorised, wrapping uint64)."""
    z = counter * np.uint64(0x9E3779B97F4A7C15)
    z += salt
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    return np.asarray(z)
