"""A day of inbound traffic at a named port of entry, reproducible from a seed, with a hidden ground truth.

Volumes and mix come from the port's BTS-derived parameters (`cruce.scoring.ports`): each mode's arrivals in
each local hour are Poisson around the expected count x `scale`, persons per vehicle and passengers per bus
follow the port's own ratios, and the share of empty trucks its container counts. The people are the
synthetic travelers of `generate_travelers` (so a known share are listed people presenting perturbed names,
and some are relatives who share a listed person's surnames), and the companies it invents become truck
carriers, shippers, consignees and bus lines.

The truth — which crossings carry contraband — is drawn from a model the rules do not see: a small base rate
per mode, raised by factors some of which the booth can observe (a listed person aboard, a plate with an
earlier seizure, a document problem, an unknown vehicle, goods from a third country) and one it cannot (a
hidden "courier" trait). Signals and truth are therefore correlated but not identical, which is what makes
random audits worth their cost.
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np

from cruce.core.errors import InputError
from cruce.core.model import Entity, Identifier, Schema
from cruce.scoring.crossings import (
    CargoRecord,
    Crossing,
    Mode,
    Role,
    TravelDocument,
    Traveler,
    Vehicle,
    VehicleHistory,
)
from cruce.scoring.ports import PortParameters, local_hour_start
from cruce.synthetic import documents as docs
from cruce.synthetic.travelers import SyntheticTraveler, generate_travelers

CONTRABAND_BASE_RATE: dict[Mode, float] = {
    Mode.PEDESTRIAN: 0.001,
    Mode.PASSENGER_VEHICLE: 0.002,
    Mode.BUS: 0.003,
    Mode.COMMERCIAL_TRUCK: 0.002,
}
"""Chance that a crossing with no risk factor at all carries contraband (synthetic; not a measured rate)."""

CONTRABAND_FACTORS: dict[str, float] = {
    "listed_party": 40.0,
    "prior_seizure": 40.0,
    "document_issue": 6.0,
    "unknown_vehicle": 5.0,
    "transshipment": 5.0,
    "no_bus_carrier": 3.0,
    "hidden_courier": 15.0,  # not observable: keeps the rules from seeing everything
    "trusted": 0.2,
}
"""Multipliers on the base rate for each factor present (the chance is capped at 0.8)."""

TRUSTED_SHARE: dict[Mode, float] = {
    Mode.PEDESTRIAN: 0.12,
    Mode.PASSENGER_VEHICLE: 0.28,
    Mode.BUS: 0.0,
    Mode.COMMERCIAL_TRUCK: 0.35,
}
"""Share of crossings presenting a SENTRI/NEXUS (people) or FAST (trucks) card; generic, not from BTS."""

CERTIFIED_SHARE: dict[str, float] = {"carriers": 0.45, "consignees": 0.35, "shippers": 0.3}
"""Share of each pool of companies that is a certified member (C-TPAT-like), with a tier drawn evenly."""
FAST_CERTIFIED_PARTIES = 0.85
"""Chance that a FAST driver's carrier and importer are certified too (else the truck gets no FAST lane)."""
COMPANY_TIERS = ("tier1", "tier2", "tier3")

_CONTRABAND_KINDS: dict[Mode, tuple[str, ...]] = {
    Mode.PEDESTRIAN: ("fentanyl pills (body carry)", "undeclared currency", "methamphetamine (body carry)"),
    Mode.PASSENGER_VEHICLE: ("methamphetamine (hidden compartment)", "fentanyl powder (gas tank)",
                             "undeclared currency", "firearms and ammunition"),
    Mode.BUS: ("fentanyl pills (luggage)", "undeclared currency"),
    Mode.COMMERCIAL_TRUCK: ("cocaine (commingled with cargo)", "methamphetamine (in produce)",
                            "undeclared goods", "firearms parts"),
}  # fmt: skip

# HS6 code, description, typical USD per kg: common northbound truck freight on each border.
_HS6_MX: tuple[tuple[str, str, float], ...] = (
    ("870899", "motor vehicle parts", 9.0), ("854442", "insulated electric conductors", 12.0),
    ("852872", "television receivers", 8.0), ("847150", "computer processing units", 60.0),
    ("070960", "fresh peppers", 1.8), ("080440", "avocados", 2.4), ("070200", "tomatoes", 1.2),
    ("081010", "strawberries", 3.0), ("220300", "beer", 1.1), ("940190", "seat parts", 6.0),
    ("940360", "wooden furniture", 4.0), ("392690", "plastic articles", 8.0),
    ("730890", "steel structures", 2.5), ("620342", "cotton trousers", 25.0),
    ("841810", "refrigerator-freezers", 3.5), ("300490", "medicaments", 80.0),
)  # fmt: skip
_HS6_CA: tuple[tuple[str, str, float], ...] = (
    ("440711", "coniferous lumber", 0.4), ("870323", "passenger cars", 15.0), ("760110", "aluminium", 2.6),
    ("300490", "medicaments", 80.0), ("040690", "cheese", 9.0), ("190590", "bakery products", 4.0),
    ("020130", "fresh boneless beef", 8.0), ("310420", "potassium chloride", 0.3),
    ("390120", "polyethylene", 1.3), ("870899", "motor vehicle parts", 9.0),
)  # fmt: skip
_THIRD_COUNTRIES = ("CN", "KR", "TW", "VN", "DE", "IN", "JP", "TH")

_US_STATES = {
    "Alaska": "AK", "Arizona": "AZ", "California": "CA", "Idaho": "ID", "Maine": "ME", "Michigan": "MI",
    "Minnesota": "MN", "Montana": "MT", "New Mexico": "NM", "New York": "NY", "North Dakota": "ND",
    "Texas": "TX", "Vermont": "VT", "Washington": "WA",
}  # fmt: skip
_ACROSS = {
    "California": "MX-BC", "Arizona": "MX-SON", "New Mexico": "MX-CHIH", "Texas": "MX-TAMPS",
    "Washington": "CA-BC", "Idaho": "CA-BC", "Montana": "CA-AB", "North Dakota": "CA-MB",
    "Minnesota": "CA-ON", "Michigan": "CA-ON", "New York": "CA-ON", "Vermont": "CA-QC", "Maine": "CA-NB",
    "Alaska": "CA-YT",
}  # fmt: skip
_ACROSS_PORT = {
    "El Paso": "MX-CHIH", "Ysleta": "MX-CHIH", "Tornillo": "MX-CHIH", "Presidio": "MX-CHIH",
    "Eagle Pass": "MX-COAH", "Del Rio": "MX-COAH", "Champlain Rouses Point": "CA-QC", "Massena": "CA-QC",
    "Trout River": "CA-QC",
}  # fmt: skip

_VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6,
                                                   7, 8, 9), strict=True))  # fmt: skip
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_WMI = {"car": ("1FT", "1GC", "3GN", "3VW", "JTD", "5YJ", "1HG", "3N1", "KMH", "2T1"),
        "truck": ("1XK", "1FU", "3AK", "1XP", "4V4", "3HS"), "bus": ("1M8", "2B1", "4RK")}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticMember:
    """A member of the synthetic population: a person who carries a programme card, or a certified company.

    Not a membership: `cruce.service.simulate` enrols these into real membership records, which the booth
    then looks up by the documents presented (a person) or the company name declared.
    """

    program: str  # preset ids: sentri, nexus, fast (persons), ctpat (companies)
    name: str
    documents: tuple[TravelDocument, ...] = ()
    tier: str = "standard"
    company: bool = False


@dataclass(slots=True)
class TrafficDay:
    """A generated day: crossings in arrival order, what the port's records know, and the hidden truth.

    `vehicle_history` is what the port knows about plates from earlier days (a plate absent from it has
    never crossed). `contraband` (crossing id -> what it hides) and `listed` (crossing id -> listed entity
    ids aboard) are the truth a real port never has; only evaluation may read them.
    """

    port: PortParameters
    day: date
    seed: int
    scale: float
    crossings: list[Crossing]
    vehicle_history: dict[str, VehicleHistory]
    contraband: dict[str, str]
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expected: dict[Mode, float] = field(default_factory=dict)
    members: list[SyntheticMember] = field(default_factory=list)

    def history_of(self, crossing: Crossing) -> VehicleHistory | None:
        vehicle = crossing.vehicle
        return None if vehicle is None else self.vehicle_history.get(vehicle.plate_key)

    def count(self, mode: Mode) -> int:
        return sum(1 for c in self.crossings if c.mode is mode)


def make_vin(kind: str, rng: random.Random) -> str:
    """A 17-character VIN with a valid check digit in position 9 (North American rule)."""
    body = list(rng.choice(_WMI.get(kind, _WMI["car"])))
    body += [rng.choice(_VIN_ALPHABET) for _ in range(5)] + ["0"]
    body += [rng.choice("PRSTVWXY123456789"), rng.choice(_VIN_ALPHABET)]
    body += [rng.choice(string.digits) for _ in range(6)]
    body[8] = vin_check_digit("".join(body))
    return "".join(body)


def vin_check_digit(vin: str) -> str:
    total = sum(
        (int(c) if c.isdigit() else _VIN_VALUES[c]) * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)
    )
    return "X" if total % 11 == 10 else str(total % 11)


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def make_plate(region: str, rng: random.Random) -> str:
    """A plate in the shape its region issues (Mexican AAA-000-A, Canadian ABCD 123, US 7ABC123 style)."""
    country = region.split("-", 1)[0]
    if country == "MX":
        return f"{_letters(rng, 3)}-{_digits(rng, 3)}-{_letters(rng, 1)}"
    if country == "CA":
        return f"{_letters(rng, 4)} {_digits(rng, 3)}"
    if region == "US-CA":
        return f"{rng.randint(5, 9)}{_letters(rng, 3)}{_digits(rng, 3)}"
    return f"{_letters(rng, 3)}{_digits(rng, 4)}"


# ---------------------------------------------------------------------------------------------- generation


class _Generator:
    def __init__(self, port: PortParameters, day: date, seed: int, scale: float) -> None:
        self.port = port
        self.day = day
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(f"cruce-traffic:{seed}:{port.code}:{day.isoformat()}")
        self.np_rng = np.random.default_rng(self.rng.getrandbits(64))
        self.us_region = f"US-{_US_STATES.get(port.state, 'TX')}"
        self.foreign_region = _ACROSS_PORT.get(port.name, _ACROSS.get(port.state, "MX-BC"))
        self.mexico = port.border == "US-Mexico"
        self.history: dict[str, VehicleHistory] = {}
        self.counter = 0

    def arrivals(self) -> list[tuple[datetime, Mode]]:
        """Each mode's arrivals: Poisson per local hour around the expected count, uniform in the hour."""
        out: list[tuple[datetime, Mode]] = []
        for mode in Mode:
            for hour, expected in enumerate(self.port.expected_by_hour(mode, self.day)):
                n = int(self.np_rng.poisson(expected * self.scale))
                if not n:
                    continue
                start = local_hour_start(self.port, self.day, hour)
                for seconds in self.np_rng.uniform(0.0, 3600.0, n):
                    out.append((start + timedelta(seconds=float(seconds)), mode))
        out.sort(key=lambda item: (item[0], item[1].value))
        return out

    def occupants(self, mode: Mode) -> int:
        rng = self.np_rng
        if mode is Mode.PEDESTRIAN:
            return 1
        if mode is Mode.PASSENGER_VEHICLE:
            return 1 + min(6, int(rng.poisson(self.port.persons_per_vehicle - 1.0)))
        if mode is Mode.BUS:
            return 1 + max(1, int(rng.poisson(self.port.passengers_per_bus)))
        return 2 if self.rng.random() < 0.08 else 1

    def program(self, mode: Mode) -> str | None:
        if self.rng.random() >= TRUSTED_SHARE[mode]:
            return None
        if mode is Mode.COMMERCIAL_TRUCK:
            return "fast"
        return "sentri" if self.mexico else "nexus"

    # --- people ------------------------------------------------------------------------------------------

    def documents(
        self, party: SyntheticTraveler, nationality: str, program: str | None, mode: Mode
    ) -> tuple[TravelDocument, ...]:
        rng, day = self.rng, self.day
        listed = party.planted_entity_id is not None
        if rng.random() < (0.04 if listed else 0.003):
            return ()
        expired = rng.random() < (0.06 if listed else 0.012)

        def expiry() -> date:
            if expired:
                return day - timedelta(days=rng.randint(1, 900))
            return day + timedelta(days=rng.randint(20, 3650))

        passports = [i for i in party.query.identifiers if i.kind == "passport"]
        found: list[TravelDocument] = []
        if program is not None:
            card = {"sentri": "sentri_card", "nexus": "nexus_card", "fast": "fast_card"}[program]
            found.append(
                TravelDocument(card, f"{_digits(rng, 9)}", "US", day + timedelta(days=rng.randint(30, 1800)))
            )
        if passports:
            doc = passports[0]
            found.append(TravelDocument("passport", doc.value, doc.country or nationality, expiry()))
        elif not found or rng.random() < 0.3:
            found.append(self.primary_document(nationality, mode, expiry()))
        return tuple(found)

    def primary_document(self, nationality: str, mode: Mode, expires: date) -> TravelDocument:
        rng = self.rng
        roll = rng.random()
        if nationality == "MX":
            if roll < 0.55:
                return TravelDocument(
                    "border_crossing_card", f"{_letters(rng, 3)}{_digits(rng, 9)}", "US", expires
                )
            if roll < 0.93:
                return TravelDocument("passport", docs.passport_number("MX", rng), "MX", expires)
            return TravelDocument(
                "permanent_resident_card", f"{_letters(rng, 3)}{_digits(rng, 10)}", "US", expires
            )
        if nationality == "US":
            if roll < 0.35 and mode is not Mode.PEDESTRIAN:
                return TravelDocument("enhanced_drivers_license", _digits(rng, 9), "US", expires)
            if roll < 0.6:
                return TravelDocument("passport_card", f"C{_digits(rng, 8)}", "US", expires)
        return TravelDocument("passport", docs.passport_number(nationality, rng), nationality, expires)

    def traveler(
        self,
        party: SyntheticTraveler,
        crossing_id: str,
        seat: int,
        *,
        role: Role,
        program: str | None,
        mode: Mode,
    ) -> Traveler:
        query = party.query
        nationality = query.countries[0] if query.countries else ("MX" if self.mexico else "CA")
        others: tuple[Identifier, ...] = tuple(i for i in query.identifiers if i.kind != "passport")
        return Traveler(
            id=f"{crossing_id}:p{seat}",
            name=query.name,
            role=role,
            nationality=nationality,
            birth_date=query.birth_date,
            gender=query.gender,
            documents=self.documents(party, nationality, program, mode),
            identifiers=others,
        )

    # --- vehicles ----------------------------------------------------------------------------------------

    def vehicle(self, mode: Mode, program: str | None, carrier: str | None, risky: bool) -> Vehicle:
        rng = self.rng
        kind = {Mode.PASSENGER_VEHICLE: "car", Mode.BUS: "bus"}.get(mode, "truck")
        foreign_share = 0.55 if mode is not Mode.COMMERCIAL_TRUCK else (0.7 if self.mexico else 0.5)
        region = self.foreign_region if rng.random() < foreign_share else self.us_region
        vehicle = Vehicle(make_plate(region, rng), region, make_vin(kind, rng), kind, carrier)
        unknown = 0.2 if risky else {"car": 0.06, "truck": 0.04, "bus": 0.03}[kind]
        if program is not None:
            self.history[vehicle.plate_key] = VehicleHistory(rng.randint(20, 400))
        elif rng.random() >= unknown:
            seized = rng.random() < (0.05 if risky else 0.0025)
            count = (2 if rng.random() < 0.1 else 1) if seized else 0
            last = self.day - timedelta(days=rng.randint(30, 1500)) if seized else None
            self.history[vehicle.plate_key] = VehicleHistory(
                1 + int(self.np_rng.geometric(0.05)), count, last
            )
        return vehicle

    def cargo(self, carrier: str, shippers: list[str], consignees: list[str]) -> CargoRecord:
        rng = self.rng
        table = _HS6_MX if self.mexico else _HS6_CA
        hs6, description, usd_per_kg = rng.choice(table)
        departure = "MX" if self.mexico else "CA"
        roll = rng.random()
        origin = departure if roll < 0.88 else ("US" if roll < 0.92 else rng.choice(_THIRD_COUNTRIES))
        mass = min(24_000.0, max(200.0, float(self.np_rng.lognormal(math.log(9_000), 0.6))))
        value = mass * usd_per_kg * float(self.np_rng.lognormal(0.0, 0.35))
        consignee = rng.choice(consignees)
        importer = consignee if rng.random() < 0.7 else rng.choice(consignees)
        return CargoRecord(
            importer=importer,
            shipper=rng.choice(shippers),
            consignee=consignee,
            carrier=carrier,
            hs6=hs6,
            description=description,
            origin_country=origin,
            departure_country=departure,
            net_mass_kg=round(mass, 1),
            declared_value_usd=round(value, 2),
        )


def _pool(items: Iterator[SyntheticTraveler], size: int) -> list[SyntheticTraveler]:
    return [next(items) for _ in range(size)]


def generate_day(
    port: PortParameters,
    day: date,
    seed: int,
    watchlist: list[Entity],
    *,
    scale: float = 1.0,
    listed_share: float = 0.001,
    near_miss_share: float = 0.002,
) -> TrafficDay:
    """A day of inbound crossings at `port` (local `day`), `scale` times its expected volume.

    The same (port, day, seed, watchlist, scale, shares) always gives the same day. `listed_share` of the
    parties are listed entities in disguise, `near_miss_share` relatives of listed persons.
    """
    if not 0.0 < scale <= 1.0:
        raise InputError("bad_scale", f"scale must be above 0 and at most 1, got {scale}")
    gen = _Generator(port, day, seed, scale)
    rng = gen.rng
    arrivals = gen.arrivals()
    plan = [(at, mode, gen.occupants(mode), gen.program(mode)) for at, mode in arrivals]
    persons_needed = sum(n for _, _, n, _ in plan)
    trucks = sum(1 for _, mode, _, _ in plan if mode is Mode.COMMERCIAL_TRUCK)
    buses = sum(1 for _, mode, _, _ in plan if mode is Mode.BUS)
    sizes = {
        "carriers": max(3, math.ceil(trucks / 15)),
        "shippers": max(3, math.ceil(trucks / 4)),
        "consignees": max(3, math.ceil(trucks / 5)),
        "bus_lines": max(2, math.ceil(buses / 10)),
    }
    persons, companies = _parties(
        seed, rng, watchlist, persons_needed=persons_needed, companies_needed=sum(sizes.values()),
        listed_share=listed_share, near_miss_share=near_miss_share, keep=_KEEP[port.border],
    )  # fmt: skip
    company_iter = iter(companies)
    pools = {name: _pool(company_iter, size) for name, size in sizes.items()}
    names = {name: [p.query.name for p in pool] for name, pool in pools.items()}
    listed_company = {
        p.query.name: p.planted_entity_id for pool in pools.values() for p in pool if p.planted_entity_id
    }
    member_rng = random.Random(f"cruce-members:{seed}:{port.code}:{day.isoformat()}")  # the day's draws stay
    certified = {
        name: member_rng.choice(COMPANY_TIERS)
        for pool, share in CERTIFIED_SHARE.items()
        for name in names[pool]
        if name not in listed_company and member_rng.random() < share
    }
    certified_of = {pool: [n for n in names[pool] if n in certified] for pool in CERTIFIED_SHARE}
    members = [SyntheticMember("ctpat", name, tier=tier, company=True) for name, tier in certified.items()]
    member_ids: set[str] = set()

    trusted_seats = sum(n for _, _, n, program in plan if program)
    innocents = [p for p in persons if p.planted_entity_id is None and p.near_miss_of is None]
    reserved = {id(p) for p in innocents[:trusted_seats]}
    trusted_people = iter(innocents[:trusted_seats])
    other_people = iter([p for p in persons if id(p) not in reserved])

    crossings: list[Crossing] = []
    contraband: dict[str, str] = {}
    listed: dict[str, tuple[str, ...]] = {}
    stamp = f"{port.code}:{day:%Y%m%d}"
    for number, (at, mode, occupants, program) in enumerate(plan, start=1):
        crossing_id = f"crossing:{stamp}:{number}"
        parties = [
            (next(trusted_people, None) if program else None) or next(other_people) for _ in range(occupants)
        ]
        aboard = [p.planted_entity_id for p in parties if p.planted_entity_id]
        if mode is Mode.PEDESTRIAN:
            roles = [Role.PEDESTRIAN]
        else:
            roles = [Role.DRIVER] + [Role.PASSENGER] * (occupants - 1)
        travelers = tuple(
            gen.traveler(p, crossing_id, seat, role=role, program=program, mode=mode)
            for seat, (p, role) in enumerate(zip(parties, roles, strict=True), start=1)
        )
        vehicle = cargo = None
        if mode is Mode.BUS:
            line = rng.choice(names["bus_lines"]) if rng.random() >= 0.03 else None
            vehicle = gen.vehicle(mode, program, line, bool(aboard))
        elif mode is Mode.PASSENGER_VEHICLE:
            vehicle = gen.vehicle(mode, program, None, bool(aboard))
        elif mode is Mode.COMMERCIAL_TRUCK:
            carrier = rng.choice(names["carriers"])
            fast_parties = program == "fast" and member_rng.random() < FAST_CERTIFIED_PARTIES
            if fast_parties and carrier not in certified and certified_of["carriers"]:
                carrier = member_rng.choice(certified_of["carriers"])
            vehicle = gen.vehicle(mode, program, carrier, bool(aboard))
            if rng.random() >= port.empty_truck_share:
                cargo = gen.cargo(carrier, names["shippers"], names["consignees"])
                if fast_parties and cargo.importer not in certified and certified_of["consignees"]:
                    cargo = replace(cargo, importer=member_rng.choice(certified_of["consignees"]))
                aboard += [e for n, _ in cargo.parties() if (e := listed_company.get(n))]
        if program is not None:
            for traveler in travelers:
                if traveler.id not in member_ids and any(d.kind in _CARDS for d in traveler.documents):
                    member_ids.add(traveler.id)
                    members.append(SyntheticMember(program, traveler.name, traveler.documents))
        crossing = Crossing(crossing_id, port.code, port.name, at, mode, travelers, vehicle, cargo, program)
        crossings.append(crossing)
        if aboard:
            listed[crossing_id] = tuple(dict.fromkeys(aboard))
        kind = _contraband(gen, crossing, bool(aboard))
        if kind is not None:
            contraband[crossing_id] = kind
    expected = {mode: port.expected_per_day(mode, day) * scale for mode in Mode}
    return TrafficDay(port, day, seed, scale, crossings, gen.history, contraband, listed, expected, members)


_CARDS = frozenset({"sentri_card", "nexus_card", "fast_card"})


_KEEP: dict[str, dict[str, float]] = {
    "US-Mexico": {},
    "US-Canada": {"CA": 1.0, "US": 0.6, "MX": 0.15, "": 0.25},
}
"""Share of innocent travelers kept per nationality ("" = any other): `generate_travelers` draws the mix
of a US-Mexico port, so a US-Canada port thins out the Mexican and Central American crowd."""


def _parties(
    seed: int,
    rng: random.Random,
    watchlist: list[Entity],
    *,
    persons_needed: int,
    companies_needed: int,
    listed_share: float,
    near_miss_share: float,
    keep: dict[str, float],
) -> tuple[list[SyntheticTraveler], list[SyntheticTraveler]]:
    """Enough synthetic persons and companies, drawn in rounds of `generate_travelers` (82% are persons).

    Listed parties and relatives are always kept (their share is what the caller asked for); innocents are
    thinned by nationality according to `keep`.
    """
    persons: list[SyntheticTraveler] = []
    companies: list[SyntheticTraveler] = []
    acceptance = 0.8
    round_no = 0
    while len(persons) < persons_needed or len(companies) < companies_needed:
        short = max((persons_needed - len(persons)) / acceptance, (companies_needed - len(companies)) / 0.16)
        count = math.ceil(short * 1.05) + 20
        round_seed = rng.getrandbits(31) + round_no
        kept = 0
        for party in generate_travelers(round_seed, watchlist, count, listed_share, near_miss_share):
            if party.query.schema is not Schema.PERSON:
                companies.append(party)
                continue
            innocent = party.planted_entity_id is None and party.near_miss_of is None
            country = party.query.countries[0] if party.query.countries else ""
            if keep and innocent and rng.random() >= keep.get(country, keep.get("", 1.0)):
                continue
            persons.append(party)
            kept += 1
        acceptance = max(0.05, kept / count)
        round_no += 1
    return persons, companies


def _contraband(gen: _Generator, crossing: Crossing, listed_aboard: bool) -> str | None:
    """The hidden truth for one crossing: what it carries, or None."""
    rng = gen.rng
    factors = CONTRABAND_FACTORS
    chance = CONTRABAND_BASE_RATE[crossing.mode]
    if listed_aboard:
        chance *= factors["listed_party"]
    vehicle = crossing.vehicle
    if vehicle is not None:
        history = gen.history.get(vehicle.plate_key)
        if history is None:
            chance *= factors["unknown_vehicle"]
        elif history.prior_seizures:
            chance *= factors["prior_seizure"]
        if crossing.mode is Mode.BUS and not vehicle.carrier:
            chance *= factors["no_bus_carrier"]
    day = crossing.arrived_at.date()
    if any(not t.documents or all(d.expired_on(day) for d in t.documents) for t in crossing.travelers):
        chance *= factors["document_issue"]
    if crossing.cargo is not None and crossing.cargo.origin_country not in ("US", "MX", "CA"):
        chance *= factors["transshipment"]
    if rng.random() < 0.005:
        chance *= factors["hidden_courier"]
    if crossing.trusted_program:
        chance *= factors["trusted"]
    if rng.random() < min(chance, 0.8):
        return rng.choice(_CONTRABAND_KINDS[crossing.mode])
    return None
