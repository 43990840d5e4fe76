"""Joint emergencies: an incident, the assets it hits, the cascade, and what happens at the border.

An incident (hurricane, earthquake, flood, pandemic, telecom outage, cyber attack, hazmat) has an area, the
kinds of asset it strikes, the chance a struck asset fails (`severity`) and how long it stays out. The
cascade over dependencies is computed exactly as the assessment does (`montecarlo.cascade`, here over a
few hundred seeded draws), giving each asset a probability of being out and its expected outage.

At the border: a port whose expected lost capacity is most of it *closes*, a smaller loss *slows* it. Its
traffic diverts to the open ports of the same border within reach, shared by capacity over distance (BTS
volumes and locations), and each receiving port's expected wait follows a simple queue: wait grows as
ρ/(1−ρ) with utilisation ρ, from a normal wait at normal load, and once demand exceeds capacity the
backlog grows through the incident. These are planning estimates, stated as such, not a traffic model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from cruce.assess.assets import Asset, AssetKind, distance_km
from cruce.assess.graph import DependencyGraph
from cruce.assess.montecarlo import cascade
from cruce.assess.scenarios import Area, Selector
from cruce.core.errors import InputError


class IncidentKind(enum.StrEnum):
    HURRICANE = "hurricane"
    EARTHQUAKE = "earthquake"
    FLOOD = "flood"
    PANDEMIC = "pandemic"
    TELECOM_OUTAGE = "telecom_outage"
    CYBER_ATTACK = "cyber_attack"
    HAZMAT = "hazmat"


#: What each kind of incident strikes when the incident does not say.
DEFAULT_KINDS: dict[IncidentKind, frozenset[AssetKind]] = {
    IncidentKind.HURRICANE: frozenset({AssetKind.POWER_SUBSTATION, AssetKind.TELECOM, AssetKind.WATER,
                                       AssetKind.POWER_INTERCONNECT, AssetKind.BRIDGE}),
    IncidentKind.EARTHQUAKE: frozenset(AssetKind),
    IncidentKind.FLOOD: frozenset({AssetKind.POWER_SUBSTATION, AssetKind.WATER, AssetKind.BRIDGE,
                                   AssetKind.RAIL_CROSSING}),
    IncidentKind.PANDEMIC: frozenset({AssetKind.PORT_OF_ENTRY}),  # staff absence slows processing
    IncidentKind.TELECOM_OUTAGE: frozenset({AssetKind.TELECOM}),
    IncidentKind.CYBER_ATTACK: frozenset({AssetKind.POWER_SUBSTATION, AssetKind.TELECOM, AssetKind.PIPELINE}),
    IncidentKind.HAZMAT: frozenset({AssetKind.PORT_OF_ENTRY, AssetKind.RAIL_CROSSING, AssetKind.BRIDGE}),
}  # fmt: skip

NORMAL_WAIT_MIN = 30.0
NORMAL_UTILISATION = 0.8
SATURATION = 0.95
DIVERT_SHARE = 0.7  # of a closed port's traffic; the rest waits or stays home
MAX_DIVERT_KM = 300.0
CLOSED_AT = 0.6  # expected share of capacity lost from which a port counts as closed


@dataclass(frozen=True, slots=True)
class Incident:
    incident_id: str
    kind: IncidentKind
    name: str
    area: Area | None
    duration_hours: float
    severity: float = 0.8  # chance a struck asset fails
    asset_ids: frozenset[str] = frozenset()  # struck explicitly, whatever the area
    kinds: frozenset[AssetKind] | None = None
    capacity_lost: float = 1.0  # share of a struck asset's capacity lost (a pandemic slows, a flood closes)
    daily_cases: dict[str, list[float]] = field(default_factory=dict)  # pandemic: port → counts

    def __post_init__(self) -> None:
        if not 0 <= self.severity <= 1:
            raise InputError("bad_incident", f"incident {self.incident_id}: severity must be in [0, 1]")
        if self.duration_hours <= 0:
            raise InputError("bad_incident", f"incident {self.incident_id}: duration_hours must be positive")
        if not 0 < self.capacity_lost <= 1:
            raise InputError("bad_incident", f"incident {self.incident_id}: capacity_lost must be in (0, 1]")
        if self.area is None and not self.asset_ids:
            raise InputError("bad_incident", f"incident {self.incident_id}: give an area or asset ids")

    def struck(self, assets: list[Asset]) -> np.ndarray:
        kinds = self.kinds if self.kinds is not None else DEFAULT_KINDS[self.kind]
        in_area = (
            Selector(kinds=frozenset(kinds), area=self.area).select(assets) if self.area else np.zeros(0, int)
        )
        named = Selector(asset_ids=self.asset_ids).select(assets) if self.asset_ids else np.zeros(0, int)
        return np.union1d(in_area, named).astype(np.int64)


@dataclass(frozen=True, slots=True)
class AssetImpact:
    asset: Asset
    probability_out: float
    expected_outage_hours: float
    cause: str  # the struck asset most often behind it ("" when struck itself)
    struck: bool


@dataclass(frozen=True, slots=True)
class PortImpact:
    asset: Asset
    status: str  # closed, slowed, open (receiving), normal
    capacity_lost: float  # expected share of capacity lost
    diverted_out_per_day: float
    diverted_in_per_day: float
    expected_wait_min: float
    normal_wait_min: float = NORMAL_WAIT_MIN


@dataclass(frozen=True, slots=True)
class IncidentResult:
    incident: Incident
    impacts: list[AssetImpact]  # every asset with a chance of being out, most likely first
    ports: list[PortImpact]  # closed and slowed ports, then the ports receiving their traffic
    draws: int

    def closed(self) -> list[PortImpact]:
        return [p for p in self.ports if p.status == "closed"]


def expected_wait_min(utilisation: float, duration_hours: float) -> float:
    """Queue wait at a utilisation, scaled so normal load gives the normal wait; backlog past saturation."""
    normal = NORMAL_UTILISATION / (1 - NORMAL_UTILISATION)
    rho = min(utilisation, SATURATION)
    wait = NORMAL_WAIT_MIN * (rho / (1 - rho)) / normal
    if utilisation > SATURATION:  # demand beyond capacity: the queue grows all incident long
        wait += (utilisation - SATURATION) / utilisation * duration_hours * 60 / 2
    return float(wait)


def run_incident(
    graph: DependencyGraph, incident: Incident, *, seed: int, draws: int = 400
) -> IncidentResult:
    """The incident's cascade over the dependency graph and its effect on the ports of entry."""
    rng = np.random.default_rng(seed)
    targets = incident.struck(graph.assets)
    n = len(graph)
    p_out = np.zeros(n)
    hours = np.zeros(n)
    lost_share = np.zeros(n)
    cause = np.full(n, -1, dtype=np.int64)
    if targets.size:
        out = cascade(
            graph.edge_table(),
            targets,
            rng,
            vulnerability=np.full(draws, incident.severity),
            outage_hours=np.full(draws, incident.duration_hours),
        )
        p_out = np.bincount(out.node, minlength=n) / draws
        hours = np.bincount(out.node, weights=out.hours, minlength=n) / draws
        # Share of capacity lost: outage hours relative to the incident (cascaded hours carry capacity lost).
        lost_share = np.minimum(1.0, hours / incident.duration_hours)
        direct = np.zeros(n, dtype=bool)
        direct[targets] = True
        lost_share[direct] *= incident.capacity_lost
        pairs = out.node * n + out.origin
        values, counts = np.unique(pairs, return_counts=True)
        order = np.lexsort((-counts, values // n))
        nodes = values[order] // n
        first = np.ones(nodes.size, dtype=bool)
        first[1:] = nodes[1:] != nodes[:-1]
        cause[nodes[first]] = values[order][first] % n
    struck = set(targets.tolist())
    impacts = [
        AssetImpact(graph.assets[i], float(p_out[i]), float(hours[i]),
                    "" if cause[i] in (-1, i) else graph.assets[int(cause[i])].asset_id, i in struck)
        for i in np.argsort(-p_out, kind="stable") if p_out[i] > 0
    ]  # fmt: skip
    return IncidentResult(incident, impacts, _ports(graph, lost_share, incident), draws)


def _ports(graph: DependencyGraph, lost_share: np.ndarray, incident: Incident) -> list[PortImpact]:
    ports = [
        i for i, a in enumerate(graph.assets) if a.kind is AssetKind.PORT_OF_ENTRY and a.crossings_per_day > 0
    ]
    hit = [i for i in ports if lost_share[i] > 0.05]
    open_ports = [i for i in ports if lost_share[i] <= 0.05]
    inflow = dict.fromkeys(ports, 0.0)
    outflow = dict.fromkeys(ports, 0.0)
    for i in hit:
        source = graph.assets[i]
        volume = source.crossings_per_day * lost_share[i] * DIVERT_SHARE
        outflow[i] = volume
        reach = [
            (
                j,
                distance_km(
                    source.latitude, source.longitude, graph.assets[j].latitude, graph.assets[j].longitude
                ),
            )
            for j in open_ports
            if graph.assets[j].border == source.border
        ]
        reach = [(j, d) for j, d in reach if d <= MAX_DIVERT_KM]
        if not reach:
            continue
        weights = np.array([graph.assets[j].crossings_per_day / max(d, 5.0) for j, d in reach])
        for (j, _), share in zip(reach, weights / weights.sum(), strict=True):
            inflow[j] += volume * share
    out = []
    for i in ports:
        if lost_share[i] <= 0.05 and inflow[i] == 0:
            continue
        asset = graph.assets[i]
        capacity = asset.crossings_per_day / NORMAL_UTILISATION * (1 - lost_share[i])
        demand = asset.crossings_per_day * (1 - lost_share[i] * DIVERT_SHARE) + inflow[i]
        status = "closed" if lost_share[i] >= CLOSED_AT else "slowed" if lost_share[i] > 0.05 else "receiving"
        wait = (
            float("inf") if capacity <= 0 else expected_wait_min(demand / capacity, incident.duration_hours)
        )
        out.append(PortImpact(asset, status, float(lost_share[i]), outflow[i], inflow[i], wait))
    rank = {"closed": 0, "slowed": 1, "receiving": 2}
    return sorted(out, key=lambda p: (rank[p.status], -p.asset.crossings_per_day))
