"""The entity model every list importer produces and the matcher consumes.

Plain frozen dataclasses so that domain packages stay free of ORM and web types; storage maps them to rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError


class Schema(StrEnum):
    """What kind of thing an entity is; screening compares only compatible schemata."""

    PERSON = "Person"
    ORGANIZATION = "Organization"
    VESSEL = "Vessel"
    AIRCRAFT = "Aircraft"
    VEHICLE = "Vehicle"
    UNKNOWN = "LegalEntity"

    @classmethod
    def parse(cls, text: str | None) -> Schema:
        """Read a schema from user input (`person`, `org`, `Vessel`...); unknown text is an error upstream."""
        if text is None or not text.strip():
            return cls.UNKNOWN
        key = text.strip().lower()
        aliases = {
            "person": cls.PERSON,
            "individual": cls.PERSON,
            "organization": cls.ORGANIZATION,
            "organisation": cls.ORGANIZATION,
            "org": cls.ORGANIZATION,
            "company": cls.ORGANIZATION,
            "entity": cls.ORGANIZATION,
            "vessel": cls.VESSEL,
            "ship": cls.VESSEL,
            "aircraft": cls.AIRCRAFT,
            "vehicle": cls.VEHICLE,
            "legalentity": cls.UNKNOWN,
            "any": cls.UNKNOWN,
        }
        if key not in aliases:
            raise InputError(
                "bad_schema",
                f"unknown schema {text!r}; use one of person, organization, vessel, aircraft, vehicle",
            )
        return aliases[key]


class NameKind(StrEnum):
    PRIMARY = "primary"
    AKA = "aka"
    FKA = "fka"
    NKA = "nka"


class AliasQuality(StrEnum):
    """OFAC and UN grade aliases: a weak alias is a nickname or partial name, poor evidence on its own."""

    STRONG = "strong"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Name:
    text: str
    kind: NameKind = NameKind.PRIMARY
    quality: AliasQuality = AliasQuality.STRONG
    # Lists written `LAST, First` carry the surname split; keep it, the matcher uses it.
    family: str | None = None
    given: str | None = None
    script: str | None = None  # e.g. "Arab", "Cyrl" when the name is in original script


@dataclass(frozen=True, slots=True)
class Identifier:
    """A document or registration number; `kind` is a short code from `IDENTIFIER_KINDS`."""

    kind: str
    value: str
    country: str | None = None  # ISO 3166-1 alpha-2 where known


IDENTIFIER_KINDS: dict[str, str] = {
    "passport": "Passport",
    "national_id": "National ID",
    "curp": "CURP (Mexico)",
    "rfc": "RFC (Mexico tax id)",
    "cedula": "Cedula (Colombia)",
    "tax_id": "Tax ID",
    "registration": "Company registration",
    "imo": "IMO ship number",
    "mmsi": "MMSI",
    "tail_number": "Aircraft tail number",
    "aircraft_serial": "Aircraft serial",
    "drivers_license": "Driver's licence",
    "voter_id": "Voter ID",
    "swift": "SWIFT/BIC",
    "other": "Other identifier",
}


@dataclass(frozen=True, slots=True)
class Address:
    full: str
    city: str | None = None
    country: str | None = None  # ISO alpha-2


@dataclass(frozen=True, slots=True)
class Entity:
    """One listed party. `id` is namespaced and stable: `<list>:<source id>`, e.g. `us-ofac-sdn:306`."""

    id: str
    schema: Schema
    names: tuple[Name, ...]
    list_id: str
    source_id: str
    birth_dates: tuple[PartialDate, ...] = ()
    birth_places: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # ISO alpha-2, includes citizenships
    countries: tuple[str, ...] = ()  # other linked countries (addresses, flags, registration)
    gender: str | None = None  # "male" / "female"
    identifiers: tuple[Identifier, ...] = ()
    addresses: tuple[Address, ...] = ()
    programs: tuple[str, ...] = ()
    linked_to: tuple[str, ...] = ()
    remarks: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=True, hash=False)

    @property
    def caption(self) -> str:
        return self.names[0].text if self.names else self.id

    def all_countries(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for code in (*self.nationalities, *self.countries):
            seen.setdefault(code, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class ListInfo:
    """A watchlist as cruce knows it: `us-ofac-sdn`, `un-sc`, ..., with who publishes it."""

    id: str
    title: str
    publisher: str
    format: str
    url: str | None = None
