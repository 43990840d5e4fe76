"""The shipped example (`cruce assess run --example`) and a scalable synthetic network for benchmarks.

The example's ports of entry are real (locations and volumes from the shipped BTS-derived data); the
power, telecom, water, bridge and rail assets beside them and every number about those are SYNTHETIC,
invented to show the method: no real utility's layout is implied.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from cruce.assess.assets import Asset, AssetKind, port_assets
from cruce.assess.graph import Dependency, DependencyGraph
from cruce.assess.scenarios import ScenarioSet, parse_scenarios

_MEXICAN_SIDE_KM = 0.03  # degrees south of the port for its Mexican-side counterpart assets


def example_assets() -> tuple[list[Asset], list[Dependency]]:
    """US–Mexico ports (real, derived from BTS) with a synthetic grid, telecom, water, bridges and rail."""
    ports = port_assets(border="US-Mexico")
    assets: list[Asset] = list(ports)
    deps: list[Dependency] = []
    regions: dict[str, list[Asset]] = {}
    for port in ports:
        regions.setdefault(port.serves.rsplit(", ", 1)[-1], []).append(port)
    for state, members in regions.items():
        key = state.lower().replace(" ", "-")
        lat = float(np.mean([p.latitude for p in members]))
        lon = float(np.mean([p.longitude for p in members]))
        plant = Asset(
            f"gen:{key}",
            f"{state} border generation (synthetic)",
            AssetKind.POWER_GENERATION,
            "USA",
            lat + 0.4,
            lon,
            900,
            "MW",
            f"ports of entry in {state}",
        )
        grid = Asset(
            f"tx:{key}",
            f"{state} transmission hub (synthetic)",
            AssetKind.POWER_SUBSTATION,
            "USA",
            lat + 0.2,
            lon,
            345,
            "kV",
            f"distribution in {state}",
        )
        mex = Asset(
            f"ic:{key}",
            f"{state}–Mexico interconnect (synthetic)",
            AssetKind.POWER_INTERCONNECT,
            "MEX",
            lat - 0.1,
            lon,
            150,
            "MW",
            "Mexican-side border cities",
        )
        telecom = Asset(
            f"tel:{key}",
            f"{state} fibre backbone node (synthetic)",
            AssetKind.TELECOM,
            "USA",
            lat + 0.1,
            lon,
            100,
            "Gbps",
            f"ports and control systems in {state}",
        )
        assets += [plant, grid, mex, telecom]
        deps += [
            Dependency(grid.asset_id, plant.asset_id, "power", 0.0),
            Dependency(mex.asset_id, grid.asset_id, "power", 0.0),
            Dependency(telecom.asset_id, grid.asset_id, "power", 8.0, 0.5),  # batteries, backup may fail
        ]
        for port in members:
            code = port.port_code or port.asset_id
            sub = Asset(
                f"sub:{code}",
                f"{port.name} substation (synthetic)",
                AssetKind.POWER_SUBSTATION,
                "USA",
                port.latitude + 0.02,
                port.longitude + 0.02,
                69,
                "kV",
                f"{port.name} port and town",
                people_served=round(port.people_served * 0.5),
            )
            water = Asset(
                f"water:{code}",
                f"{port.name} water plant (synthetic)",
                AssetKind.WATER,
                "USA",
                port.latitude + 0.03,
                port.longitude - 0.02,
                20_000,
                "m3/day",
                f"{port.name} town and port facilities",
                people_served=round(port.people_served * 0.3),
            )
            assets += [sub, water]
            deps += [
                Dependency(sub.asset_id, grid.asset_id, "power", 0.0),
                Dependency(water.asset_id, sub.asset_id, "power", 12.0, 0.7),
                Dependency(port.asset_id, sub.asset_id, "power", 4.0, 0.6),  # port backup generator
                Dependency(port.asset_id, telecom.asset_id, "telecom", 2.0, 1.0, 0.5),  # manual processing
                Dependency(port.asset_id, water.asset_id, "water", 48.0),
            ]
            if state == "Texas":
                bridge = Asset(
                    f"bridge:{code}",
                    f"{port.name} international bridge (synthetic)",
                    AssetKind.BRIDGE,
                    "MEX",
                    port.latitude - _MEXICAN_SIDE_KM,
                    port.longitude,
                    port.capacity,
                    "crossings/day",
                    f"{port.name} crossings",
                )
                assets.append(bridge)
                deps.append(Dependency(port.asset_id, bridge.asset_id, "access", 0.0))
    for name, lat, lon, port_code in (
        ("Laredo", 27.5, -99.51, "2304"),
        ("El Paso", 31.76, -106.45, "2402"),
        ("Eagle Pass", 28.71, -100.5, "2303"),
        ("Nogales", 31.33, -110.94, "2604"),
    ):
        rail = Asset(
            f"rail:{port_code}",
            f"{name} rail crossing (synthetic volumes)",
            AssetKind.RAIL_CROSSING,
            "USA",
            lat,
            lon,
            40,
            "trains/day",
            f"{name} rail freight",
            trade_usd_per_day=40 * 1_500_000.0,
        )
        assets.append(rail)
        sub_id = f"sub:{port_code}"
        if any(a.asset_id == sub_id for a in assets):
            deps.append(Dependency(rail.asset_id, sub_id, "power", 24.0, 0.5))
    pipe = Asset(
        "pipe:waha-mx",
        "Cross-border gas pipeline (synthetic)",
        AssetKind.PIPELINE,
        "USA",
        29.6,
        -104.4,
        1400,
        "MMcf/day",
        "Mexican northern generation",
    )
    assets.append(pipe)
    for asset in list(assets):
        if asset.kind is AssetKind.POWER_INTERCONNECT:
            deps.append(Dependency(asset.asset_id, pipe.asset_id, "fuel", 72.0, 0.5, 0.5))
    return assets, deps


def example_graph() -> DependencyGraph:
    assets, deps = example_assets()
    return DependencyGraph(assets, deps)


def example_scenarios() -> ScenarioSet:
    text = resources.files("cruce.assess").joinpath("data/example-scenarios.yaml").read_text("utf-8")
    return parse_scenarios(text, "example scenarios")


# ---------------------------------------------------------------- synthetic scale network (benchmarks)

_LAYERS = (  # kind, share of assets, owner pool
    (AssetKind.POWER_GENERATION, 0.01),
    (AssetKind.POWER_SUBSTATION, 0.05),  # transmission
    (AssetKind.POWER_SUBSTATION, 0.24),  # distribution
    (AssetKind.TELECOM, 0.2),
    (AssetKind.WATER, 0.1),
    (AssetKind.PORT_OF_ENTRY, 0.4),  # ports, bridges, rail: what loses crossings and trade
)


def synthetic_network(n_assets: int, seed: int = 0) -> tuple[list[Asset], list[Dependency]]:
    """A border-long network of `n_assets` with dependency depth 5 (generation → … → crossing points).

    Each layer takes its inputs from the nearest assets (by longitude) of the layers above: a cheap stand-in
    for geography that gives realistic fan-in (2–3 inputs) and fan-out.
    """
    rng = np.random.default_rng(seed)
    counts = [max(1, round(n_assets * share)) for _, share in _LAYERS]
    counts[-1] = max(1, n_assets - sum(counts[:-1]))
    assets: list[Asset] = []
    layer_nodes: list[tuple[np.ndarray, list[str]]] = []
    for layer, ((kind, _), count) in enumerate(zip(_LAYERS, counts, strict=True)):
        lon = np.sort(rng.uniform(-117.0, -97.2, count))
        lat = 32.6 - (lon + 117.0) / 19.8 * 6.8 + rng.normal(0, 0.3, count)
        owners = rng.choice(np.array(["USA", "MEX"]), count)
        ids = []
        for i in range(count):
            asset_id = f"L{layer}-{i}"
            consequence = kind is AssetKind.PORT_OF_ENTRY
            crossings = float(rng.lognormal(7.5, 1.0)) if consequence else 0.0
            assets.append(
                Asset(
                    asset_id,
                    asset_id,
                    kind,
                    str(owners[i]),
                    float(lat[i]),
                    float(lon[i]),
                    crossings_per_day=crossings,
                    trade_usd_per_day=crossings * 0.2 * 50_000,
                    people_served=float(rng.lognormal(8, 1)) if layer in (2, 4) else crossings * 1.5,
                )
            )
            ids.append(asset_id)
        layer_nodes.append((lon, ids))
    deps: list[Dependency] = []
    inputs = {
        1: ((0, "power"),),
        2: ((1, "power"),),
        3: ((2, "power"),),
        4: ((2, "power"), (3, "telecom")),
        5: ((2, "power"), (3, "telecom"), (4, "water")),
    }
    for layer, sources in inputs.items():
        lon, ids = layer_nodes[layer]
        for source, what in sources:
            s_lon, s_ids = layer_nodes[source]
            nearest = np.clip(np.searchsorted(s_lon, lon), 0, len(s_ids) - 1)
            second = np.clip(nearest - 1, 0, len(s_ids) - 1)
            survive = rng.choice(np.array([0.0, 4.0, 12.0, 48.0]), len(ids))
            transmit = rng.choice(np.array([1.0, 1.0, 0.7, 0.4]), len(ids))
            for i, asset_id in enumerate(ids):
                deps.append(
                    Dependency(asset_id, s_ids[nearest[i]], what, float(survive[i]), float(transmit[i]))
                )
                if second[i] != nearest[i] and rng.random() < 0.5:
                    deps.append(Dependency(asset_id, s_ids[second[i]], what, float(survive[i]) + 6.0))
    return assets, deps


def synthetic_scenarios(n_assets: int, seed: int = 0) -> ScenarioSet:
    """Regional hazards tiling the border plus cyber and accidental scenarios: each asset is exposed to
    about one scenario, as in a real register (most assets face one or two dominant threats)."""
    rng = np.random.default_rng(seed + 1)
    lines = ["scenarios:"]
    tiles = 40
    for i in range(tiles):
        lon = -117.0 + (i + 0.5) * 19.8 / tiles
        lat = 32.6 - (lon + 117.0) / 19.8 * 6.8
        kind = ("hurricane", "flood", "earthquake", "wildfire")[i % 4]
        lines += [
            f"  - id: {kind}-{i}",
            "    category: natural",
            f"    threat: {{pert: [0.01, {0.03 + 0.05 * rng.random():.3f}, 0.2]}}",
            "    vulnerability: {pert: [0.02, 0.1, 0.3]}",
            "    outage_hours: {lognormal: {median: 36, p95: 240}}",
            f"    targets: {{area: {{latitude: {lat:.3f}, longitude: {lon:.3f}, radius_km: 40}}}}",
        ]
    lines += [
        "  - id: cyber-grid",
        "    category: cyber",
        "    threat: {triangular: [0.05, 0.2, 0.5]}",
        "    vulnerability: {pert: [0.01, 0.03, 0.1]}",
        "    outage_hours: {lognormal: {median: 12, p95: 96}}",
        "    targets: {kinds: [power_generation], owners: [MEX]}",
        "  - id: telecom-outage",
        "    category: accidental",
        "    threat: {triangular: [0.5, 1, 2]}",
        "    vulnerability: {pert: [0.0, 0.01, 0.05]}",
        "    outage_hours: {lognormal: {median: 6, p95: 48}}",
        "    targets: {kinds: [telecom], owners: [USA]}",
    ]
    return parse_scenarios("\n".join(lines), f"synthetic scenarios ({n_assets} assets)")
