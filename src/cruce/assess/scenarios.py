"""Threat scenarios against assets, and mitigations to compare, read from YAML.

A scenario is one kind of event (natural, accidental, deliberate, cyber) with three uncertain factors:

- `threat`: how often it happens, events per year (for a deliberate attack: attempts per year);
- `vulnerability`: the chance that a targeted asset fails when it happens (0–1);
- `outage_hours`: how long a failed asset stays out.

Its targets are chosen by a selector (asset ids, kinds, owners, an area), intersected. The consequence is
not given: it follows from the assets' rates and the cascade over their dependencies.

    scenarios:
      - id: hurricane-gulf
        name: Category 3+ hurricane landfall, lower Rio Grande
        category: natural
        threat: {pert: [0.05, 0.12, 0.3]}
        vulnerability: {pert: [0.1, 0.35, 0.7]}
        outage_hours: {lognormal: {median: 48, p95: 240}}
        targets: {kinds: [power_substation, telecom],
                  area: {latitude: 26.1, longitude: -97.5, radius_km: 150}}
        vulnerability_by_kind: {telecom: 0.6}
    mitigations:
      - id: backup-power-ports
        name: 72 h backup generation at ports
        cost_usd: 4000000
        add_survive_hours: {hours: 72, input: power, dependents: {kinds: [port_of_entry]}}
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from cruce.assess.assets import EARTH_RADIUS_KM, Asset, AssetKind, check_location, parse_kind
from cruce.assess.distributions import Distribution, parse_distribution
from cruce.assess.graph import DependencyGraph
from cruce.core.errors import CruceError, InputError


class ThreatCategory(enum.StrEnum):
    NATURAL = "natural"
    ACCIDENTAL = "accidental"
    DELIBERATE = "deliberate"
    CYBER = "cyber"


@dataclass(frozen=True, slots=True)
class Area:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class Selector:
    """Which assets: all filters given must hold (ids, kinds, owner countries, inside an area)."""

    asset_ids: frozenset[str] = frozenset()
    kinds: frozenset[AssetKind] = frozenset()
    owners: frozenset[str] = frozenset()
    area: Area | None = None

    def select(self, assets: Sequence[Asset] | AssetColumns) -> np.ndarray:
        """Indices of the selected assets (vectorised; pass `AssetColumns` to select many times)."""
        cols = assets if isinstance(assets, AssetColumns) else AssetColumns.of(assets)
        mask = np.ones(cols.size, dtype=bool)
        if self.asset_ids:
            mask &= np.isin(cols.ids, np.array(sorted(self.asset_ids), dtype=object))
        if self.kinds:
            mask &= np.isin(cols.kinds, np.array(sorted(k.value for k in self.kinds), dtype=object))
        if self.owners:
            mask &= np.isin(cols.owners, np.array(sorted(self.owners), dtype=object))
        if self.area is not None:
            mask &= within_km(cols.latitude, cols.longitude, self.area)
        return np.flatnonzero(mask)


@dataclass(frozen=True, slots=True)
class AssetColumns:
    """The asset fields selectors read, as arrays built once (10,000 assets × 40 scenarios adds up)."""

    ids: np.ndarray
    kinds: np.ndarray
    owners: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray

    @property
    def size(self) -> int:
        return int(self.ids.size)

    @classmethod
    def of(cls, assets: Sequence[Asset]) -> AssetColumns:
        return cls(
            ids=np.array([a.asset_id for a in assets], dtype=object),
            kinds=np.array([a.kind.value for a in assets], dtype=object),
            owners=np.array([a.owner_country for a in assets], dtype=object),
            latitude=np.array([a.latitude for a in assets], dtype=np.float64),
            longitude=np.array([a.longitude for a in assets], dtype=np.float64),
        )


def within_km(lat: np.ndarray, lon: np.ndarray, area: Area) -> np.ndarray:
    p1, p2 = np.radians(area.latitude), np.radians(lat)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - area.longitude) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0))) <= area.radius_km)


@dataclass(frozen=True, slots=True)
class Scenario:
    scenario_id: str
    name: str
    category: ThreatCategory
    threat: Distribution  # events per year
    vulnerability: Distribution  # P(a targeted asset fails | event)
    outage_hours: Distribution
    targets: Selector
    vulnerability_by_kind: dict[AssetKind, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mitigation:
    """A measure and its cost; its effects change factors, never the random draws (common random numbers)."""

    mitigation_id: str
    name: str
    cost_usd: float
    vulnerability_factor: float = 1.0  # on `assets`
    outage_factor: float = 1.0  # on `assets`' own restoration time
    assets: Selector | None = None
    add_survive_hours: float = 0.0  # on dependencies of `dependents` for `input`
    input: str | None = None
    dependents: Selector | None = None
    transmit_factor: float = 1.0  # on those same dependencies (a backup that starts more often)

    def asset_factors(self, assets: Sequence[Asset]) -> tuple[np.ndarray, np.ndarray]:
        """(vulnerability factor, outage factor) per asset."""
        v = np.ones(len(assets), dtype=np.float32)
        o = np.ones(len(assets), dtype=np.float32)
        if self.assets is not None:
            chosen = self.assets.select(assets)
            v[chosen] = self.vulnerability_factor
            o[chosen] = self.outage_factor
        return v, o

    def edge_changes(self, graph: DependencyGraph) -> tuple[np.ndarray, np.ndarray]:
        """(extra survive hours, transmit factor) per dependency."""
        extra = np.zeros(len(graph.dependencies), dtype=np.float32)
        factor = np.ones(len(graph.dependencies), dtype=np.float64)
        if self.dependents is None:
            return extra, factor
        chosen = np.zeros(len(graph.assets), dtype=bool)
        chosen[self.dependents.select(graph.assets)] = True
        on = chosen[graph.dst]
        if self.input:
            on &= np.array([d.input == self.input for d in graph.dependencies], dtype=bool)
        extra[on] = self.add_survive_hours
        factor[on] = self.transmit_factor
        return extra, factor


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    scenarios: tuple[Scenario, ...]
    mitigations: tuple[Mitigation, ...] = ()


# ---------------------------------------------------------------- reading


def load_scenarios(path: Path) -> ScenarioSet:
    if not path.is_file():
        raise InputError("file_not_found", f"{path} does not exist or is not a file")
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("unreadable_file", f"cannot read {path}: {exc}") from exc
    return parse_scenarios(text, str(path))


def parse_scenarios(text: str, source: str) -> ScenarioSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError("bad_scenarios", f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list) or not data["scenarios"]:
        raise InputError(
            "bad_scenarios", f"{source} must hold a list `scenarios:` with at least one scenario"
        )
    scenarios = []
    ids: set[str] = set()
    for number, item in enumerate(data["scenarios"], start=1):
        where = f"{source}: scenarios[{number}]"
        scenario = _scenario(item, where)
        if scenario.scenario_id in ids:
            raise InputError("bad_scenarios", f"{where}: id {scenario.scenario_id!r} appears twice")
        ids.add(scenario.scenario_id)
        scenarios.append(scenario)
    mitigations = [
        _mitigation(item, f"{source}: mitigations[{n}]")
        for n, item in enumerate(data.get("mitigations") or [], start=1)
    ]
    return ScenarioSet(tuple(scenarios), tuple(mitigations))


def _scenario(item: Any, where: str) -> Scenario:
    if not isinstance(item, dict):
        raise InputError("bad_scenarios", f"{where}: must be a mapping with id, threat, vulnerability…")
    _known_keys(item, where, {"id", "name", "category", "threat", "vulnerability", "outage_hours", "targets",
                              "vulnerability_by_kind"})  # fmt: skip
    scenario_id = _text(item, "id", where)
    where = f"{where} ({scenario_id})"
    try:
        category = ThreatCategory(str(item.get("category", "natural")).strip().lower())
    except ValueError:
        known = ", ".join(c.value for c in ThreatCategory)
        raise InputError("bad_scenarios", f"{where}: category must be one of {known}") from None
    for key in ("threat", "vulnerability", "outage_hours"):
        if key not in item:
            raise InputError("bad_scenarios", f"{where}: {key} is missing")
    by_kind = {}
    for kind, factor in (item.get("vulnerability_by_kind") or {}).items():
        value = _float(factor, f"{where}.vulnerability_by_kind.{kind}")
        if not 0 <= value <= 1:
            raise InputError("bad_scenarios", f"{where}.vulnerability_by_kind.{kind}: must be in [0, 1]")
        by_kind[parse_kind(str(kind), f"{where}.vulnerability_by_kind")] = value
    return Scenario(
        scenario_id=scenario_id,
        name=str(item.get("name") or scenario_id),
        category=category,
        threat=parse_distribution(item["threat"], f"{where}.threat").check_within(
            f"{where}.threat", 0.0, math.inf
        ),
        vulnerability=parse_distribution(item["vulnerability"], f"{where}.vulnerability").check_within(
            f"{where}.vulnerability", 0.0, 1.0
        ),
        outage_hours=parse_distribution(item["outage_hours"], f"{where}.outage_hours").check_within(
            f"{where}.outage_hours", 0.0, math.inf
        ),
        targets=parse_selector(item.get("targets"), f"{where}.targets"),
        vulnerability_by_kind=by_kind,
    )


def _mitigation(item: Any, where: str) -> Mitigation:
    if not isinstance(item, dict):
        raise InputError("bad_scenarios", f"{where}: must be a mapping with id, cost_usd and an effect")
    _known_keys(item, where, {"id", "name", "cost_usd", "harden", "add_survive_hours"})
    mitigation_id = _text(item, "id", where)
    where = f"{where} ({mitigation_id})"
    cost = _float(item.get("cost_usd"), f"{where}.cost_usd")
    if cost <= 0:
        raise InputError("bad_scenarios", f"{where}.cost_usd: must be a positive amount in USD")
    kwargs: dict[str, Any] = {}
    harden = item.get("harden")
    if harden is not None:
        if not isinstance(harden, dict):
            raise InputError("bad_scenarios", f"{where}.harden: a mapping with assets and factors")
        kwargs["assets"] = parse_selector(harden.get("assets"), f"{where}.harden.assets")
        for key, name in (
            ("vulnerability_factor", "vulnerability_factor"),
            ("outage_factor", "outage_factor"),
        ):
            if key in harden:
                value = _float(harden[key], f"{where}.harden.{key}")
                if value < 0:
                    raise InputError("bad_scenarios", f"{where}.harden.{key}: must not be negative")
                kwargs[name] = value
    backup = item.get("add_survive_hours")
    if backup is not None:
        if not isinstance(backup, dict):
            raise InputError("bad_scenarios", f"{where}.add_survive_hours: {{hours, input, dependents}}")
        kwargs["add_survive_hours"] = _float(backup.get("hours"), f"{where}.add_survive_hours.hours")
        kwargs["input"] = str(backup["input"]) if backup.get("input") else None
        kwargs["dependents"] = parse_selector(
            backup.get("dependents"), f"{where}.add_survive_hours.dependents"
        )
        if "transmit_factor" in backup:
            kwargs["transmit_factor"] = _float(backup["transmit_factor"], f"{where}.transmit_factor")
    if harden is None and backup is None:
        raise InputError("bad_scenarios", f"{where}: give an effect: harden or add_survive_hours")
    return Mitigation(mitigation_id, str(item.get("name") or mitigation_id), cost, **kwargs)


def parse_selector(value: Any, where: str) -> Selector:
    if value is None:
        return Selector()
    if not isinstance(value, dict):
        raise InputError("bad_selector", f"{where}: a mapping with assets, kinds, owners and/or area")
    _known_keys(value, where, {"assets", "kinds", "owners", "area"})
    area = None
    if value.get("area") is not None:
        raw = value["area"]
        if not isinstance(raw, dict):
            raise InputError("bad_selector", f"{where}.area: {{latitude, longitude, radius_km}}")
        lat = _float(raw.get("latitude"), f"{where}.area.latitude")
        lon = _float(raw.get("longitude"), f"{where}.area.longitude")
        try:
            check_location(lat, lon, f"{where}.area")
        except CruceError as exc:
            raise InputError("bad_selector", exc.message) from exc
        radius = _float(raw.get("radius_km"), f"{where}.area.radius_km")
        if radius <= 0:
            raise InputError("bad_selector", f"{where}.area.radius_km: must be positive")
        area = Area(lat, lon, radius)
    return Selector(
        asset_ids=frozenset(str(v) for v in _list(value.get("assets"))),
        kinds=frozenset(parse_kind(str(v), f"{where}.kinds") for v in _list(value.get("kinds"))),
        owners=frozenset(str(v).upper() for v in _list(value.get("owners"))),
        area=area,
    )


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _known_keys(item: dict[str, Any], where: str, known: set[str]) -> None:
    unknown = sorted(set(map(str, item)) - known)
    if unknown:
        raise InputError(
            "bad_scenarios",
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
        )


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None or not str(value).strip():
        raise InputError("bad_scenarios", f"{where}: {key} is missing")
    return str(value).strip()


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError("bad_scenarios", f"{where}: {value!r} is not a number")
    return float(value)
