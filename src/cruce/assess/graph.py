"""Dependencies between assets as a directed acyclic graph, and the cascade plan the simulation runs on.

An edge says a *dependent* needs an *input* from a *provider* (a port needs power from a substation, a
substation telecom for its control), how long the dependent survives without it (`survive_hours`: backup
generators, batteries, storage), the chance the loss reaches it at all (`transmit_probability`: a backup
that may fail to start), and the share of its capacity lost while it is out (`capacity_lost`).

A cycle (A needs B needs A) has no defined cascade order, so it is refused with the cycle spelled out; so
is an edge naming an asset that does not exist. Cascades then run over the DAG in topological order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from cruce.assess.assets import Asset
from cruce.core.errors import InputError


@dataclass(frozen=True, slots=True)
class Dependency:
    dependent: str
    provider: str
    input: str = "service"
    survive_hours: float = 0.0
    transmit_probability: float = 1.0
    capacity_lost: float = 1.0
    where: str = ""  # the row it came from, for error messages

    def __post_init__(self) -> None:
        at = f"{self.where}: " if self.where else ""
        if not self.dependent or not self.provider:
            raise InputError("bad_dependency", f"{at}a dependency needs a dependent and a provider asset id")
        if self.dependent == self.provider:
            raise InputError("bad_dependency", f"{at}asset {self.dependent} cannot depend on itself")
        checks = (
            ("survive_hours", self.survive_hours, 0.0, math.inf),
            ("transmit_probability", self.transmit_probability, 0.0, 1.0),
            ("capacity_lost", self.capacity_lost, 0.0, 1.0),
        )
        for name, value, low, high in checks:
            if not (math.isfinite(value) and low <= value <= high):
                bound = f"between {low:g} and {high:g}" if math.isfinite(high) else f"at least {low:g}"
                raise InputError("bad_dependency", f"{at}{name} {value!r} must be {bound}", {"field": name})


class DependencyError(InputError):
    """Dependencies that cannot form a cascade (unknown asset, cycle), naming the rows at fault."""


@dataclass(frozen=True, slots=True)
class EdgeTable:
    """Dependencies ordered by provider: the out-edges of node i are start[i]:start[i + 1]."""

    start: np.ndarray
    dst: np.ndarray
    survive_hours: np.ndarray  # float32
    transmit_threshold: np.ndarray  # uint32 in 0..65536, compared with uniform 16-bit draws
    capacity_lost: np.ndarray  # float32
    level: np.ndarray  # topological level of every asset (0: needs nothing)

    @property
    def depth(self) -> int:
        return int(self.level.max()) if self.level.size else 0


class DependencyGraph:
    """Assets and their dependencies, validated: every id known, no cycle."""

    def __init__(self, assets: Sequence[Asset], dependencies: Iterable[Dependency] = ()) -> None:
        self.assets = list(assets)
        self.index: dict[str, int] = {}
        for position, asset in enumerate(self.assets):
            if asset.asset_id in self.index:
                raise DependencyError("duplicate_asset", f"asset id {asset.asset_id!r} appears twice")
            self.index[asset.asset_id] = position
        self.dependencies = list(dependencies)
        problems = []
        seen: dict[tuple[str, str, str], str] = {}
        for dep in self.dependencies:
            at = dep.where or f"dependency {dep.dependent} <- {dep.provider}"
            for role in ("dependent", "provider"):
                asset_id = getattr(dep, role)
                if asset_id not in self.index:
                    problems.append(f"{at}: {role} {asset_id!r} is not a known asset id")
            key = (dep.dependent, dep.provider, dep.input)
            if key in seen:
                problems.append(f"{at}: repeats the dependency of {seen[key]}")
            seen[key] = at
        if problems:
            shown = "; ".join(problems[:20])
            raise DependencyError("unknown_asset", f"{len(problems)} bad dependencies: {shown}")
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(range(len(self.assets)))
        for dep in self.dependencies:
            self.graph.add_edge(self.index[dep.provider], self.index[dep.dependent])
        try:
            cycle = nx.find_cycle(self.graph)
        except nx.NetworkXNoCycle:
            cycle = []
        if cycle:
            ids = [self.assets[u].asset_id for u, _ in cycle] + [self.assets[cycle[0][0]].asset_id]
            rows = sorted(
                {
                    d.where
                    for d in self.dependencies
                    if d.where and (self.index[d.provider], self.index[d.dependent]) in set(cycle)
                }
            )
            raise DependencyError(
                "dependency_cycle",
                f"dependency cycle: {' -> '.join(ids)} (each needs the next); break it"
                + (f" ({', '.join(rows)})" if rows else ""),
                {"cycle": ids},
            )
        n = len(self.assets)
        self.src = np.array([self.index[d.provider] for d in self.dependencies], dtype=np.int64)
        self.dst = np.array([self.index[d.dependent] for d in self.dependencies], dtype=np.int64)
        self.survive = np.array([d.survive_hours for d in self.dependencies], dtype=np.float32)
        self.transmit = np.array([d.transmit_probability for d in self.dependencies], dtype=np.float64)
        self.lost = np.array([d.capacity_lost for d in self.dependencies], dtype=np.float32)
        self.level = np.zeros(n, dtype=np.int64)
        for node in nx.topological_sort(self.graph):
            preds = list(self.graph.predecessors(node))
            if preds:
                self.level[node] = 1 + max(int(self.level[p]) for p in preds)
        order = np.argsort(self.src, kind="stable")
        self._out_order = order
        self._out_start = np.searchsorted(self.src[order], np.arange(n + 1))

    def __len__(self) -> int:
        return len(self.assets)

    @property
    def depth(self) -> int:
        return int(self.level.max()) if self.level.size else 0

    def asset(self, asset_id: str) -> Asset:
        try:
            return self.assets[self.index[asset_id]]
        except KeyError:
            raise InputError("unknown_asset", f"no asset with id {asset_id!r}") from None

    def descendants(self, nodes: Iterable[int]) -> np.ndarray:
        """Every asset reachable downstream of `nodes` (them included), by a vectorised frontier walk."""
        n = len(self.assets)
        seen = np.zeros(n, dtype=bool)
        frontier = np.unique(np.fromiter(nodes, dtype=np.int64))
        seen[frontier] = True
        while frontier.size:
            starts, ends = self._out_start[frontier], self._out_start[frontier + 1]
            lengths = ends - starts
            if not lengths.sum():
                break
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            nxt = self.dst[self._out_order[offsets]]
            nxt = np.unique(nxt[~seen[nxt]])
            seen[nxt] = True
            frontier = nxt
        return np.flatnonzero(seen)

    def edge_table(
        self, extra_survive_hours: np.ndarray | None = None, transmit_factor: np.ndarray | None = None
    ) -> EdgeTable:
        """Out-edges by provider (CSR) as the cascade reads them.

        `extra_survive_hours` and `transmit_factor` (per dependency) are how mitigations such as backup
        generators change the cascade without changing the random draws.
        """
        order = self._out_order
        survive = self.survive if extra_survive_hours is None else self.survive + extra_survive_hours
        transmit = (
            self.transmit if transmit_factor is None else np.clip(self.transmit * transmit_factor, 0, 1)
        )
        return EdgeTable(
            start=self._out_start,
            dst=self.dst[order],
            survive_hours=survive[order].astype(np.float32),
            transmit_threshold=np.minimum(np.round(transmit[order] * 65536), 65536).astype(np.uint32),
            capacity_lost=self.lost[order],
            level=self.level,
        )
