"""Network analysis: planted rings come back, the broker between two rings is found, co-travel is detected."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sklearn.metrics import normalized_mutual_info_score

from cruce.cases.network import Crossing, Network, co_travel
from cruce.core.errors import InputError


def planted_rings(n: int, seed: int, degree: int = 12, outside: float = 0.1) -> tuple[Network, list[int]]:
    rng = random.Random(seed)
    truth: list[int] = []
    ring = 0
    while len(truth) < n:
        truth.extend([ring] * min(rng.randint(20, 80), n - len(truth)))
        ring += 1
    members: dict[int, list[int]] = {}
    for node, r in enumerate(truth):
        members.setdefault(r, []).append(node)
    edges = []
    for node, r in enumerate(truth):
        for _ in range(degree // 2):
            if rng.random() < outside:
                edges.append((node, rng.randrange(n)))
            else:
                edges.append((node, rng.choice(members[r])))
    return Network.from_edges(n, edges), truth


def test_planted_rings_of_20_to_80_come_back() -> None:
    net, truth = planted_rings(5000, seed=3)
    label = {}
    for k, group in enumerate(net.communities()):
        for node in group:
            label[int(node)] = k
    nmi = normalized_mutual_info_score(truth, [label[i] for i in range(len(truth))])
    assert nmi > 0.95


def test_broker_between_two_rings_ranks_first_and_paths_go_through_it(tmp_path: Path) -> None:
    net = Network()
    for ring in ("a", "b"):
        names = [f"{ring}{k}" for k in range(6)]
        for x in names:
            for y in names:
                if x < y:
                    net.add_link(x, y, "phone")
    net.add_link("a0", "broker", "co-travel")
    net.add_link("broker", "b0", "address")
    assert net.brokers(top=1)[0][0] == "broker"
    assert net.shortest_paths("a3", "b4") == [["a3", "a0", "broker", "b0", "b4"]]
    assert "broker" in net.ring("a3", hops=2) and "b4" not in net.ring("a3", hops=2)
    net.write(tmp_path / "g.graphml")
    net.write(tmp_path / "g.json")
    assert "broker" in (tmp_path / "g.graphml").read_text()
    with pytest.raises(InputError, match="unknown link kind"):
        net.add_link("a", "b", "telepathy")
    with pytest.raises(InputError, match="no entity"):
        net.ring("nobody")


def test_co_travel_needs_repetition() -> None:
    t0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
    crossings = []
    for day in range(3):  # driver and recruiter cross together at Nogales three days running
        at = t0 + timedelta(days=day)
        crossings += [
            Crossing("driver", "nogales", at, "ABC123"),
            Crossing("recruiter", "nogales", at, "ABC123"),
        ]
    crossings += [Crossing("tourist", "nogales", t0 + timedelta(minutes=1))]  # once, by chance
    found = co_travel(crossings)
    assert found == [("driver", "recruiter", 3)]
