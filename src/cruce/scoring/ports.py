"""Ports of entry and their traffic: the parameters derived from BTS counts, and finding a port by name.

`ports.json` ships with cruce (written by scripts/derive_port_parameters.py from the public BTS Border
Crossing Entry Data); the BTS file itself does not. The expected volume of a mode on a day is the port's
12-month daily mean x the calendar month's factor x a generic weekday factor; its hour-of-day shape is a
generic profile (BTS publishes monthly totals only). The simulator draws traffic around these expectations
and the router uses them as its prior for how much traffic is still to come in an hour.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from cruce.core.errors import InputError
from cruce.scoring.crossings import Mode

_MODE_MEASURE: dict[Mode, str] = {
    Mode.PEDESTRIAN: "pedestrians",
    Mode.PASSENGER_VEHICLE: "personal_vehicles",
    Mode.BUS: "buses",
    Mode.COMMERCIAL_TRUCK: "trucks",
}
_MODE_GROUP: dict[Mode, str] = {
    Mode.PEDESTRIAN: "personal",
    Mode.PASSENGER_VEHICLE: "personal",
    Mode.BUS: "personal",
    Mode.COMMERCIAL_TRUCK: "commercial",
}


@dataclass(frozen=True, slots=True)
class TrafficShape:
    """Generic hour-of-day weights (local time, sum 1) and weekday factors (Monday first, mean 1) by group."""

    hourly: dict[str, tuple[float, ...]]
    weekday: dict[str, tuple[float, ...]]


@dataclass(frozen=True, slots=True)
class PortParameters:
    code: str
    name: str
    state: str
    border: str  # "US-Mexico" or "US-Canada"
    timezone: str
    latitude: float | None
    longitude: float | None
    daily_mean: dict[str, float]  # BTS measure (snake case) -> mean per day
    month_factors: dict[str, tuple[float, ...]]  # "personal"/"commercial" -> 12 factors, January first
    shape: TrafficShape

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"

    @property
    def crossings_per_day(self) -> float:
        """Mean crossings per day over the derivation window, all simulated modes."""
        return sum(self.daily_mean.get(m, 0.0) for m in _MODE_MEASURE.values())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def mean_per_day(self, mode: Mode) -> float:
        return self.daily_mean.get(_MODE_MEASURE[mode], 0.0)

    def expected_per_day(self, mode: Mode, day: date) -> float:
        """Expected crossings of `mode` on `day`: mean x calendar-month factor x weekday factor."""
        group = _MODE_GROUP[mode]
        month = self.month_factors[group][day.month - 1]
        weekday = self.shape.weekday[group][day.weekday()]
        return self.mean_per_day(mode) * month * weekday

    def expected_by_hour(self, mode: Mode, day: date) -> tuple[float, ...]:
        """Expected crossings of `mode` in each local hour of `day` (24 values)."""
        total = self.expected_per_day(mode, day)
        return tuple(total * w for w in self.shape.hourly[_MODE_GROUP[mode]])

    @property
    def persons_per_vehicle(self) -> float:
        """Persons in a personal vehicle, driver included (BTS counts every occupant as a passenger)."""
        vehicles = self.daily_mean.get("personal_vehicles", 0.0)
        return (
            max(1.0, self.daily_mean.get("personal_vehicle_passengers", 0.0) / vehicles) if vehicles else 1.0
        )

    @property
    def passengers_per_bus(self) -> float:
        buses = self.daily_mean.get("buses", 0.0)
        return max(1.0, self.daily_mean.get("bus_passengers", 0.0) / buses) if buses else 1.0

    @property
    def empty_truck_share(self) -> float:
        """Empty containers over all truck containers: the share of trucks that carry no cargo."""
        loaded = self.daily_mean.get("truck_containers_loaded", 0.0)
        empty = self.daily_mean.get("truck_containers_empty", 0.0)
        return empty / (loaded + empty) if loaded + empty else 0.2

    def expected_arrivals(self, day: date, modes: tuple[Mode, ...] = tuple(Mode)) -> dict[datetime, float]:
        """Expected arrivals per UTC hour start over `day` (local), all `modes`: the router's prior."""
        out: dict[datetime, float] = {}
        for mode in modes:
            for hour, value in enumerate(self.expected_by_hour(mode, day)):
                start = local_hour_start(self, day, hour)
                out[start] = out.get(start, 0.0) + value
        return out


def local_hour_start(port: PortParameters, day: date, hour: int) -> datetime:
    """The UTC instant at which local `hour` of `day` begins at `port`."""
    local = datetime.combine(day, time(hour), tzinfo=port.zone)
    return local.astimezone(UTC)


def local_day_bounds(port: PortParameters, day: date) -> tuple[datetime, datetime]:
    """UTC start and end of the port's local `day`."""
    start = datetime.combine(day, time(0), tzinfo=port.zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=port.zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PortCatalog:
    source: str
    months: tuple[str, ...]
    ports: tuple[PortParameters, ...]
    notes: tuple[str, ...] = ()

    def find(self, text: str) -> PortParameters:
        return find_port(text, self)


def _normalise(hours: list[float]) -> tuple[float, ...]:
    total = sum(hours)
    return tuple(h / total for h in hours)


def parse_catalog(data: dict[str, Any]) -> PortCatalog:
    """A catalog from the JSON written by scripts/derive_port_parameters.py."""
    shape = TrafficShape(
        hourly={group: _normalise(values) for group, values in data["hourly_profiles"].items()},
        weekday={group: tuple(values) for group, values in data["weekday_factors"].items()},
    )
    ports = tuple(
        PortParameters(
            code=p["code"],
            name=p["name"],
            state=p["state"],
            border=p["border"],
            timezone=p["timezone"],
            latitude=p.get("latitude"),
            longitude=p.get("longitude"),
            daily_mean={k: float(v) for k, v in p["daily_mean"].items()},
            month_factors={k: tuple(float(x) for x in v) for k, v in p["month_factors"].items()},
            shape=shape,
        )
        for p in data["ports"]
    )
    return PortCatalog(
        source=data["source"], months=tuple(data["months"]), ports=ports, notes=tuple(data.get("notes", ()))
    )


@cache
def load_ports() -> PortCatalog:
    """The ports shipped with cruce (package data `cruce/scoring/data/ports.json`), read once."""
    text = resources.files("cruce.scoring").joinpath("data/ports.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def find_port(text: str, catalog: PortCatalog | None = None) -> PortParameters:
    """The port named `text`: its name, `name, state`, or BTS port code, ignoring case, accents, punctuation.

    An unknown or ambiguous name is an InputError that lists the closest port names, so a typo at the
    command line is fixed at once ("San Isidro" -> did you mean San Ysidro?).
    """
    catalog = catalog or load_ports()
    wanted = _key(text)
    if not wanted:
        raise InputError("unknown_port", "give a port name, e.g. San Ysidro, Laredo or Detroit")
    by_label = {_key(p.label): p for p in catalog.ports}
    if wanted in by_label:
        return by_label[wanted]
    exact = [p for p in catalog.ports if _key(p.name) == wanted or p.code == text.strip()]
    if len(exact) == 1:
        return exact[0]
    candidates = exact or [p for p in catalog.ports if _key(p.name).startswith(wanted)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        names = ", ".join(repr(p.label) for p in candidates[:8])
        raise InputError(
            "ambiguous_port", f"port {text.strip()!r} is ambiguous: {names}", {"candidates": names}
        )
    labels = {_key(p.name): p for p in catalog.ports}
    close = difflib.get_close_matches(wanted, list(labels), n=5, cutoff=0.6)
    close += [k for k in labels if wanted in k and k not in close]
    if close:
        hint = "did you mean " + ", ".join(labels[k].name for k in close[:5]) + "?"
    else:
        biggest = ", ".join(p.name for p in catalog.ports[:8])
        hint = f"the largest known ports are {biggest}"
    known = f"{len(catalog.ports)} ports known, from {catalog.source.split(';')[0]}"
    raise InputError(
        "unknown_port",
        f"unknown port {text.strip()!r}; {hint} ({known})",
        {"port": text},
    )
