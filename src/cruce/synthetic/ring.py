"""A seeded smuggling ring seen from both sides of the border, as two case files that do not know each other.

The ring: a coordinator (the broker) who talks to recruiters in Sonora and to drivers in Arizona, two stash
houses (one each side), phones, vehicles, crossings at several ports (drivers crossing together, again and
again, in the ring's vehicles), and a rescue of migrants abandoned in the desert (one death, minors).

* The **U.S. case** (owner USA) holds the drivers (with passports), their phones and vehicles, the Tucson
  stash house, the crossings, the rescue and an apprehension, the coordinator only as a phone number found
  in the drivers' phones (a seizure), evidence (a phone extraction, a rescue report) and a NOFORN source.
* The **Mexican case** (owner MEX) holds the recruiters, the coordinator by name with that phone number, the
  Nogales stash house, and one driver stopped in Nogales, Sonora, recorded with his passport.

So nothing in either case names the coordinator as a link between them: entity resolution joins the driver
(same passport) and the coordinator's phone (same number), and the network then finds the coordinator as
the broker between the recruiters' side and the drivers' side. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cruce.cases.casefile import (
    Case,
    CaseStatus,
    Event,
    EventKind,
    Evidence,
    Note,
    StatusChange,
    Subject,
    SubjectKind,
)
from cruce.cases.custody import content_sha256
from cruce.core.markings import Marking

_GIVEN = ["Juan", "José", "Luis", "Miguel", "Jesús", "Carlos", "Francisco", "Alejandro", "Ramón", "Héctor"]
_SURNAMES = ["Hernández", "García", "López", "Martínez", "Ramírez", "Flores", "Soto", "Valenzuela", "Ochoa"]
PORTS = ("Nogales", "Lukeville", "San Luis", "Sasabe", "Douglas")
START = datetime(2026, 2, 2, 6, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RingCase:
    """A case file ready to be stored part by part, with the content of each evidence item."""

    case: Case
    contents: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SmugglingRing:
    us: RingCase
    mx: RingCase
    broker: str  # the coordinator's name (the answer the network should find)
    shared_driver_passport: str
    broker_phone: str


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(_GIVEN)} {rng.choice(_SURNAMES)} {rng.choice(_SURNAMES)}"
        if name not in used:
            used.add(name)
            return name


def _phone(rng: random.Random, country: str) -> str:
    prefix = "+1 520" if country == "USA" else "+52 631"
    return f"{prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"


def smuggling_ring(seed: int = 17, drivers: int = 4, recruiters: int = 3) -> SmugglingRing:
    """The ring and its two case files (see the module's notes)."""
    rng = random.Random(seed)
    used: set[str] = set()
    us_rel = Marking.parse("S//REL TO USA, MEX", "USA")
    us_nf = Marking.parse("S//NOFORN", "USA")
    mx_rel = Marking.parse("S//REL TO MEX, USA", "MEX")
    broker = _name(rng, used)
    broker_phone = _phone(rng, "MEX")
    driver_names = [_name(rng, used) for _ in range(drivers)]
    passports = [f"G{rng.randint(10_000_000, 99_999_999)}" for _ in range(drivers)]
    driver_phones = [_phone(rng, "USA") for _ in range(drivers)]
    plates = [f"AZ-{rng.randint(100, 999)}{rng.choice('ABCDEFGH')}{rng.choice('JKLMNPRS')}" for _ in range(2)]

    # -- the U.S. case -------------------------------------------------------------------------------
    us_subjects: list[Subject] = []
    for i, name in enumerate(driver_names):
        us_subjects.append(
            Subject(
                f"s-driver-{i + 1}",
                SubjectKind.PERSON,
                name,
                us_rel,
                {"passport": passports[i]},
                f"19{rng.randint(70, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "MEX",
                rng.choice([0, 0, 1]),
                "driver",
            )
        )
        us_subjects.append(
            Subject(f"s-phone-d{i + 1}", SubjectKind.PHONE, driver_phones[i], us_rel, role="driver's phone")
        )
    for j, plate in enumerate(plates):
        us_subjects.append(
            Subject(f"s-vehicle-{j + 1}", SubjectKind.VEHICLE, plate, us_rel, {"plate": plate})
        )
    us_subjects.append(
        Subject(
            "s-stash-tucson", SubjectKind.ADDRESS, "1420 S Calle Polar, Tucson AZ", us_rel, role="stash house"
        )
    )
    us_subjects.append(
        Subject(
            "s-phone-coordinator", SubjectKind.PHONE, broker_phone, us_rel, role="number in drivers' phones"
        )
    )
    us_subjects.append(Subject("s-source", SubjectKind.PERSON, "Source DELTA", us_nf, role="informant"))
    us_events: list[Event] = []
    when = START
    for trip in range(6):  # pairs of drivers cross together in the ring's vehicles, again and again
        pair = (trip % 2) * 2
        port = PORTS[trip % 3]
        vehicle = f"s-vehicle-{trip % 2 + 1}"
        us_events.append(
            Event(
                f"e-crossing-{trip + 1}",
                EventKind.CROSSING,
                when,
                port,
                f"northbound at {port}",
                us_rel,
                (f"s-driver-{pair + 1}", f"s-driver-{pair + 2}", vehicle),
                migrants=rng.randint(3, 8),
            )
        )
        when += timedelta(days=rng.randint(2, 5), minutes=rng.randint(0, 90))
    us_events.append(
        Event(
            "e-rescue",
            EventKind.RESCUE,
            when,
            "Sasabe, desert 12 km west of the port",
            "14 migrants abandoned by their guides; one found dead, three minors",
            us_rel,
            ("s-driver-1",),
            migrants=14,
            minors=3,
            deaths=1,
            endangered=True,
        )
    )
    us_events.append(
        Event(
            "e-apprehension",
            EventKind.APPREHENSION,
            when + timedelta(days=1),
            "Tucson",
            "drivers arrested at the stash house",
            us_rel,
            ("s-driver-1", "s-driver-2", "s-stash-tucson"),
            migrants=9,
        )
    )
    us_events.append(
        Event(
            "e-seizure",
            EventKind.SEIZURE,
            when + timedelta(days=1),
            "Tucson",
            "phones seized; the coordinator's number in every one",
            us_rel,
            (
                *(f"s-driver-{i + 1}" for i in range(drivers)),
                *(f"s-phone-d{i + 1}" for i in range(drivers)),
                "s-phone-coordinator",
            ),
            seized_usd=18_500.0,
        )
    )
    us_events.append(
        Event(
            "e-interview",
            EventKind.INTERVIEW,
            when + timedelta(days=2),
            "Tucson",
            "source interview",
            us_nf,
            ("s-source", "s-driver-2"),
        )
    )
    contents = {
        "ev-phone-extraction": f"extraction of {driver_phones[0]}: calls to {broker_phone}".encode(),
        "ev-rescue-report": b"Border Patrol search and rescue report, Sasabe",
    }
    at = when + timedelta(days=1, hours=2)
    us_evidence = [
        Evidence(
            "ev-phone-extraction",
            "forensic extraction of the first driver's phone",
            us_rel,
            content_sha256(contents["ev-phone-extraction"]),
            len(contents["ev-phone-extraction"]),
            at,
            "usa.analyst",
            "agent-tucson",
            "application/octet-stream",
        ),
        Evidence(
            "ev-rescue-report",
            "search and rescue report",
            us_rel,
            content_sha256(contents["ev-rescue-report"]),
            len(contents["ev-rescue-report"]),
            at,
            "usa.analyst",
            "agent-tucson",
            "text/plain",
        ),
    ]
    us_case = Case(
        "case:USA-ring-tucson",
        "USA",
        "Tucson drivers and the Sasabe rescue",
        us_rel,
        CaseStatus.OPEN,
        "usa.analyst",
        START,
        subjects=tuple(us_subjects),
        events=tuple(us_events),
        evidence=tuple(us_evidence),
        notes=(
            Note("n-source", "DELTA says the coordinator pays drivers per head", us_nf, "usa.analyst", at),
        ),
        history=(StatusChange(1, None, CaseStatus.OPEN, "usa.analyst", START),),
    )

    # -- the Mexican case ----------------------------------------------------------------------------
    mx_subjects: list[Subject] = [
        Subject(
            "s-coordinator",
            SubjectKind.PERSON,
            broker,
            mx_rel,
            {"phone": broker_phone},
            f"19{rng.randint(60, 85)}-1{rng.randint(0, 2)}-0{rng.randint(1, 9)}",
            "MEX",
            2,
            "coordinator",
        ),
    ]
    for k in range(recruiters):
        mx_subjects.append(
            Subject(
                f"s-recruiter-{k + 1}",
                SubjectKind.PERSON,
                _name(rng, used),
                mx_rel,
                {"phone": _phone(rng, "MEX")},
                role="recruiter",
            )
        )
    mx_subjects.append(
        Subject(
            "s-stash-nogales",
            SubjectKind.ADDRESS,
            "Calle Obregón 88, Nogales, Sonora",
            mx_rel,
            role="stash house",
        )
    )
    mx_subjects.append(
        Subject(
            "s-driver-stopped",
            SubjectKind.PERSON,
            driver_names[0].upper(),
            mx_rel,
            {"pasaporte": passports[0]},
            role="driver stopped at a checkpoint",
        )
    )
    mx_events = [
        Event(
            "e-mx-transfer",
            EventKind.TRANSFER,
            START - timedelta(days=3),
            "Nogales, Sonora",
            "migrants moved to the stash house by the recruiters",
            mx_rel,
            ("s-coordinator", *(f"s-recruiter-{k + 1}" for k in range(recruiters)), "s-stash-nogales"),
            migrants=22,
            minors=4,
        )
    ]
    mx_events.append(
        Event(
            "e-mx-checkpoint",
            EventKind.APPREHENSION,
            START + timedelta(days=9),
            "Nogales, Sonora",
            "driver stopped at a checkpoint with migrants; released",
            mx_rel,
            ("s-driver-stopped", "s-coordinator"),
            migrants=6,
        )
    )
    mx_contents = {"ev-mx-statement": b"declaracion de testigos, Nogales Sonora"}
    mx_case = Case(
        "case:MEX-ring-nogales",
        "MEX",
        "Reclutadores en Nogales, Sonora",
        mx_rel,
        CaseStatus.OPEN,
        "mex.analyst",
        START,
        subjects=tuple(mx_subjects),
        events=tuple(mx_events),
        evidence=(
            Evidence(
                "ev-mx-statement",
                "witness statements",
                mx_rel,
                content_sha256(mx_contents["ev-mx-statement"]),
                len(mx_contents["ev-mx-statement"]),
                START + timedelta(days=10),
                "mex.analyst",
                "fgr-nogales",
                "text/plain",
            ),
        ),
        history=(StatusChange(1, None, CaseStatus.OPEN, "mex.analyst", START),),
    )
    return SmugglingRing(
        RingCase(us_case, contents), RingCase(mx_case, mx_contents), broker, passports[0], broker_phone
    )
