"""Shared infrastructure assets: what they are, who owns them, where they are, and what they serve.

Ports of entry come from the port parameters shipped with cruce (derived from the public BTS Border
Crossing Entry data by scripts/derive_port_parameters.py): their location and daily volumes. Their
consequence rates follow from those volumes: crossings per day, persons per day, and trade value per day
from loaded trucks times `TRADE_USD_PER_LOADED_TRUCK` (an assumption, stated here, since BTS counts trucks,
not their cargo's value). Other assets (bridges, rail crossings, power, pipelines, telecom, water) are the
partners' own and are imported from CSV or GeoJSON through a mapping, like declarations.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from cruce.core.errors import InputError
from cruce.core.markings import is_country_trigraph
from cruce.scoring.ports import PortCatalog, PortParameters, load_ports

#: Mean customs value of one loaded truck crossing northbound, USD. An assumption (order of magnitude of
#: US–Mexico surface trade by truck over loaded truck crossings); a user's own assets may give their own.
TRADE_USD_PER_LOADED_TRUCK = 50_000.0


class AssetKind(enum.StrEnum):
    PORT_OF_ENTRY = "port_of_entry"
    BRIDGE = "bridge"
    RAIL_CROSSING = "rail_crossing"
    POWER_GENERATION = "power_generation"
    POWER_INTERCONNECT = "power_interconnect"
    POWER_SUBSTATION = "power_substation"
    PIPELINE = "pipeline"
    TELECOM = "telecom"
    WATER = "water"


_KIND_ALIASES = {
    "port": AssetKind.PORT_OF_ENTRY,
    "poe": AssetKind.PORT_OF_ENTRY,
    "rail": AssetKind.RAIL_CROSSING,
    "substation": AssetKind.POWER_SUBSTATION,
    "interconnect": AssetKind.POWER_INTERCONNECT,
    "power_plant": AssetKind.POWER_GENERATION,
    "generation": AssetKind.POWER_GENERATION,
    "gas_pipeline": AssetKind.PIPELINE,
    "telecommunications": AssetKind.TELECOM,
    "water_plant": AssetKind.WATER,
}


def parse_kind(text: str, field: str = "kind") -> AssetKind:
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return AssetKind(key)
    except ValueError:
        if key in _KIND_ALIASES:
            return _KIND_ALIASES[key]
    known = ", ".join(kind.value for kind in AssetKind)
    raise InputError("bad_asset_kind", f"{field}: unknown asset kind {text!r}; known kinds: {known}")


@dataclass(frozen=True, slots=True)
class Asset:
    """One asset and its consequence rates (what is lost per day while it is out)."""

    asset_id: str
    name: str
    kind: AssetKind
    owner_country: str
    latitude: float
    longitude: float
    capacity: float = 0.0
    capacity_unit: str = ""
    serves: str = ""
    crossings_per_day: float = 0.0
    trade_usd_per_day: float = 0.0
    people_served: float = 0.0
    port_code: str | None = None
    border: str = ""

    def __post_init__(self) -> None:
        if not self.asset_id.strip():
            raise InputError("bad_asset", "an asset needs an asset_id")
        if not is_country_trigraph(self.owner_country):
            raise InputError(
                "bad_asset",
                f"asset {self.asset_id}: owner_country {self.owner_country!r} is not an ISO 3166 trigraph "
                "(USA, MEX, CAN)",
            )
        check_location(self.latitude, self.longitude, f"asset {self.asset_id}")
        for name in ("capacity", "crossings_per_day", "trade_usd_per_day", "people_served"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError("bad_asset", f"asset {self.asset_id}: {name} {value!r} must be ≥ 0")

    @property
    def has_consequence(self) -> bool:
        return self.crossings_per_day > 0 or self.trade_usd_per_day > 0 or self.people_served > 0


def check_location(latitude: float, longitude: float, where: str) -> None:
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise InputError("no_location", f"{where}: has no location (latitude and longitude are required)")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InputError(
            "bad_location", f"{where}: latitude {latitude} / longitude {longitude} is not on Earth"
        )


def port_asset(port: PortParameters) -> Asset:
    """A port of entry as an asset, its rates from its BTS daily means."""
    if port.latitude is None or port.longitude is None:
        raise InputError("no_location", f"port {port.name} ({port.code}) has no location in the port data")
    daily = port.daily_mean
    persons = (
        daily.get("pedestrians", 0.0)
        + daily.get("personal_vehicle_passengers", 0.0)
        + daily.get("bus_passengers", 0.0)
    )
    loaded = daily.get("trucks", 0.0) * (1 - port.empty_truck_share)
    return Asset(
        asset_id=f"port:{port.code}",
        name=port.name,
        kind=AssetKind.PORT_OF_ENTRY,
        owner_country="USA",
        latitude=port.latitude,
        longitude=port.longitude,
        capacity=round(port.crossings_per_day, 1),
        capacity_unit="crossings/day",
        serves=f"{port.border} border crossings, {port.state}",
        crossings_per_day=port.crossings_per_day,
        trade_usd_per_day=loaded * TRADE_USD_PER_LOADED_TRUCK,
        people_served=persons,
        port_code=port.code,
        border=port.border,
    )


def port_assets(catalog: PortCatalog | None = None, border: str | None = None) -> list[Asset]:
    """Every shipped port of entry as an asset (optionally one border: "US-Mexico" or "US-Canada")."""
    catalog = catalog or load_ports()
    return [
        port_asset(port)
        for port in catalog.ports
        if port.latitude is not None and (border is None or port.border == border)
    ]


EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
