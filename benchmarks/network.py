"""Network analysis speed and quality: communities on 100,000 entities / 1,000,000 links, 3-hop rings.

A graph with planted rings (20-80 members each, about a third of each ring's pairs linked) covering every
node, plus random links between rings (a fifth of all links), built with a seeded generator. Timed on
`cruce.cases.network.Network` (igraph): building the graph, Leiden (CPM) communities, how well the planted
rings come back (NMI, and the share of rings recovered with Jaccard ≥ 0.8), and the 3-hop ring around 200
random subjects (median and 95th percentile). Targets (issue 17): communities < 30 s, 3-hop ring < 100 ms.
`--quick` uses a tenth of the size.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from rich.console import Console
from rich.table import Table

TARGETS = {"communities_s": 30.0, "ring_3hop_ms": 100.0}


def planted(n: int, links: int, seed: int) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Edges and each node's planted ring."""
    rng = np.random.default_rng(seed)
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(20, 81)))
    sizes[-1] -= sum(sizes) - n
    if sizes[-1] < 2:
        sizes[-2] += sizes.pop()
    label = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    inner = int(links * 0.8)
    pairs_per_ring = np.array([s * (s - 1) / 2 for s in sizes])
    share = pairs_per_ring / pairs_per_ring.sum()
    edges: list[tuple[int, int]] = []
    for ring, (start, size) in enumerate(zip(starts, sizes, strict=True)):
        k = round(float(inner * share[ring]))
        a = rng.integers(0, size, k) + start
        b = rng.integers(0, size, k) + start
        edges.extend(zip(a.tolist(), b.tolist(), strict=True))
    outer = links - len(edges)
    a = rng.integers(0, n, outer)
    b = rng.integers(0, n, outer)
    edges.extend(zip(a.tolist(), b.tolist(), strict=True))
    return edges, label


def run_network(console: Console, *, quick: bool = False, seed: int = 7) -> int:
    from sklearn.metrics import normalized_mutual_info_score

    from cruce.cases.network import Network

    n, links = (10_000, 100_000) if quick else (100_000, 1_000_000)
    started = time.perf_counter()
    edges, label = planted(n, links, seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    net = Network.from_edges(n, edges)
    _ = net.graph
    built = time.perf_counter() - started
    started = time.perf_counter()
    groups = net.communities()
    communities_s = time.perf_counter() - started
    found = np.empty(n, dtype=np.int64)
    for k, members in enumerate(groups):
        for member in members:
            found[int(member)] = k
    nmi = float(normalized_mutual_info_score(label, found))
    rings: dict[int, set[int]] = {}
    for node, ring in enumerate(label.tolist()):
        rings.setdefault(ring, set()).add(node)
    best = {k: {int(m) for m in members} for k, members in enumerate(groups)}
    by_node = {node: k for k, members in best.items() for node in members}
    recovered = 0
    for members in rings.values():
        counts: dict[int, int] = {}
        for node in members:
            counts[by_node[node]] = counts.get(by_node[node], 0) + 1
        top = max(counts, key=lambda k: counts[k])
        jaccard = counts[top] / len(members | best[top])
        recovered += jaccard >= 0.8
    rng = np.random.default_rng(seed + 1)
    times = []
    sizes = []
    for subject in rng.integers(0, n, 200).tolist():
        t = time.perf_counter()
        sizes.append(len(net.ring(str(subject), hops=3)))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    median_ms = statistics.median(times)
    p95_ms = times[int(len(times) * 0.95) - 1]
    table = Table(title=f"network: {n:,} entities, {len(edges):,} links (seed {seed})")
    for column in ("measure", "value", "target"):
        table.add_column(column)
    table.add_row("generate graph", f"{generated:.1f} s", "")
    table.add_row("build igraph", f"{built:.1f} s", "")
    table.add_row(
        "Leiden (CPM 0.05) communities", f"{communities_s:.1f} s", f"< {TARGETS['communities_s']:g} s"
    )
    table.add_row("communities found / rings planted", f"{len(groups):,} / {len(rings):,}", "")
    table.add_row("NMI against planted rings", f"{nmi:.3f}", "")
    table.add_row("rings recovered (Jaccard ≥ 0.8)", f"{recovered / len(rings):.1%}", "")
    table.add_row("3-hop ring, median", f"{median_ms:.1f} ms", f"< {TARGETS['ring_3hop_ms']:g} ms")
    table.add_row("3-hop ring, p95", f"{p95_ms:.1f} ms", "")
    table.add_row("3-hop ring size, median", f"{statistics.median(sizes):,.0f} entities", "")
    console.print(table)
    ok = communities_s < TARGETS["communities_s"] and median_ms < TARGETS["ring_3hop_ms"]
    return 0 if ok else 1
