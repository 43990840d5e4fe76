"""A crossing at a land port of entry: who crossed, in what, carrying what — plain values, no behaviour.

Screening, risk rules and lane routing all read these objects and none of them owns them, so they are frozen
dataclasses in one module. The lane a crossing is sent to is not stored here: it is the router's decision
(`cruce.scoring.lanes.LaneDecision`), kept beside the crossing so that a crossing is what was presented
and the decision is what cruce made of it.

A truck's `CargoRecord` is a small declaration-like record for simulated trucks; the cargo model
(`cruce.scoring.declarations`) is the full declaration and will take its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from cruce.core.dates import PartialDate
from cruce.core.model import Identifier, Schema
from cruce.matching.types import Query


class Mode(StrEnum):
    """How a crossing presents itself at the port: each mode has its own booths and traffic pattern."""

    PEDESTRIAN = "pedestrian"
    PASSENGER_VEHICLE = "passenger_vehicle"
    BUS = "bus"
    COMMERCIAL_TRUCK = "commercial_truck"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Role(StrEnum):
    PEDESTRIAN = "pedestrian"
    DRIVER = "driver"
    PASSENGER = "passenger"


DOCUMENT_KINDS: dict[str, str] = {
    "passport": "passport",
    "passport_card": "US passport card",
    "border_crossing_card": "border crossing card",
    "permanent_resident_card": "permanent resident card",
    "enhanced_drivers_license": "enhanced driver's licence",
    "sentri_card": "SENTRI card",
    "nexus_card": "NEXUS card",
    "fast_card": "FAST card",
}
"""Documents accepted for entry at a land port (WHTI-compliant), with the words used in reasons."""


@dataclass(frozen=True, slots=True)
class TravelDocument:
    kind: str  # a key of DOCUMENT_KINDS
    number: str
    country: str  # issuing country, ISO alpha-2
    expires: date | None = None

    def expired_on(self, day: date) -> bool:
        return self.expires is not None and self.expires < day

    @property
    def label(self) -> str:
        return DOCUMENT_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class Traveler:
    """A person in a crossing; `identifiers` are numbers known besides the documents (a CURP, say)."""

    id: str
    name: str
    role: Role
    nationality: str | None = None
    birth_date: PartialDate | None = None
    gender: str | None = None
    documents: tuple[TravelDocument, ...] = ()
    identifiers: tuple[Identifier, ...] = ()

    def query(self) -> Query:
        """What screening sees: the name, birth date, nationality and every document number presented."""
        numbers = [
            Identifier("passport", d.number, d.country) for d in self.documents if d.kind == "passport"
        ]
        return Query(
            name=self.name,
            schema=Schema.PERSON,
            birth_date=self.birth_date,
            countries=(self.nationality,) if self.nationality else (),
            gender=self.gender,
            identifiers=tuple(dict.fromkeys((*numbers, *self.identifiers))),
            id=self.id,
        )


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A conveyance: plate (with the issuing state or province), VIN, and the carrier that operates it."""

    plate: str
    plate_region: str  # "US-CA", "MX-BC", "CA-ON"
    vin: str
    kind: str  # "car", "bus", "truck"
    carrier: str | None = None

    @property
    def plate_key(self) -> str:
        """The plate as a history lookup key: the same plate in two regions is two vehicles."""
        return f"{self.plate_region}:{self.plate.replace(' ', '').replace('-', '').upper()}"


@dataclass(frozen=True, slots=True)
class VehicleHistory:
    """What earlier crossings say about a plate; an unknown plate has no history at all (None)."""

    prior_crossings: int
    prior_seizures: int = 0
    last_seizure: date | None = None


@dataclass(frozen=True, slots=True)
class CargoRecord:
    """The few declaration facts a booth sees for a loaded truck (HS6 code, parties, mass and value)."""

    importer: str
    shipper: str
    consignee: str
    carrier: str
    hs6: str
    description: str
    origin_country: str
    departure_country: str
    net_mass_kg: float
    declared_value_usd: float

    def parties(self) -> tuple[tuple[str, str], ...]:
        """(role, name) of every company named, each name once, for screening."""
        seen: dict[str, str] = {}
        for role, name in (
            ("shipper", self.shipper),
            ("consignee", self.consignee),
            ("importer", self.importer),
            ("carrier", self.carrier),
        ):
            seen.setdefault(name, role)
        return tuple((role, name) for name, role in seen.items())


@dataclass(frozen=True, slots=True)
class Crossing:
    """One inbound crossing at a port of entry.

    `arrived_at` is timezone-aware UTC; `trusted_program` is the trusted-programme card the crossing presented
    (SENTRI, NEXUS, FAST), or None: a claim, which the booth checks against the memberships
    (`cruce.programs.standing`); the lanes never take it at face value.
    """

    id: str
    port_code: str
    port_name: str
    arrived_at: datetime
    mode: Mode
    travelers: tuple[Traveler, ...]
    vehicle: Vehicle | None = None
    cargo: CargoRecord | None = None
    trusted_program: str | None = None

    @property
    def driver(self) -> Traveler | None:
        return next((t for t in self.travelers if t.role is Role.DRIVER), None)

    @property
    def empty_truck(self) -> bool:
        return self.mode is Mode.COMMERCIAL_TRUCK and self.cargo is None
