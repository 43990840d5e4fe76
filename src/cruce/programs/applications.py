"""Applications to a program: who applies, with which documents, and the checks a clerk would make first.

`parse_application(data)` reads the plain mapping of an application file (YAML or JSON); `validate(app,
program, today)` applies the program's rules. Both raise `ApplicationError` (an `InputError`) whose message
starts with the offending field's path (`applicant.documents[1].number: ...`) and whose details carry it,
so a person knows what to fix. Company applications carry the company, its facilities, its officers, its
drivers and its trucks with their owners; every one of them is a party that vetting screens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.identifiers import check_identifier
from cruce.core.model import IDENTIFIER_KINDS, Identifier, Schema
from cruce.matching.types import Query
from cruce.programs.config import ProgramConfig
from cruce.programs.model import Party, PartyRole, ProgramKind

MAX_PARTIES = 500
"""Officers, drivers, trucks and facilities together: a bound on what one application may ask to vet."""


class ApplicationError(InputError):
    """A bad application; `field` is the path of what to fix (`applicant.birth_date`)."""

    def __init__(self, field_path: str, message: str, code: str = "bad_application") -> None:
        super().__init__(code, f"{field_path}: {message}", {"field": field_path})
        self.field = field_path


@dataclass(frozen=True, slots=True)
class Document:
    """A document or registration number: `kind` is a key of `IDENTIFIER_KINDS`, `country` alpha-3."""

    kind: str
    number: str
    country: str | None = None
    expires: date | None = None

    @property
    def key(self) -> str:
        """How lanes and duplicate checks look a document up: `passport:MEX:G12345678`."""
        return document_key(self.kind, self.number, self.country)


def document_key(kind: str, number: str, country: str | None) -> str:
    """`passport:MEX:G12345678`; the country (alpha-3, or alpha-2 converted) only for kinds that need it."""
    compact = "".join(number.split()).replace("-", "").upper()
    issuer = ""
    if kind in NEEDS_ISSUER and country:
        issuer = _alpha3(country) or country.upper()
    return f"{kind}:{issuer}:{compact}"


def identifier_key(identifier: Identifier) -> str:
    """The look-up key of a document as screening carries it (country alpha-2)."""
    return document_key(identifier.kind, identifier.value, identifier.country)


def _alpha3(code: str) -> str | None:
    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if found is None and len(code) == 3:
        found = pycountry.countries.get(alpha_3=code.upper())
    return str(found.alpha_3) if found is not None else None


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    birth_date: PartialDate | None = None
    nationality: str | None = None  # alpha-3
    gender: str | None = None
    documents: tuple[Document, ...] = ()

    def query(self) -> Query:
        return Query(
            name=self.name,
            schema=Schema.PERSON,
            birth_date=self.birth_date,
            countries=_iso2s(self.nationality),
            gender=self.gender,
            identifiers=tuple(_identifier(d) for d in self.documents),
        )


@dataclass(frozen=True, slots=True)
class Facility:
    name: str
    address: str
    country: str  # alpha-3


@dataclass(frozen=True, slots=True)
class Truck:
    plate: str
    plate_region: str  # "MX-BC", "US-CA"
    vin: str
    owner: str  # the owning company's name (the applicant itself, or a lessor)
    owner_identifiers: tuple[Document, ...] = ()


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    country: str  # alpha-3
    identifiers: tuple[Document, ...]
    facilities: tuple[Facility, ...] = ()
    officers: tuple[Person, ...] = ()
    drivers: tuple[Person, ...] = ()
    trucks: tuple[Truck, ...] = ()

    def query(self) -> Query:
        return Query(
            name=self.name,
            schema=Schema.ORGANIZATION,
            countries=_iso2s(self.country),
            identifiers=tuple(_identifier(d) for d in self.identifiers),
        )


@dataclass(frozen=True, slots=True)
class Application:
    """What was applied for: a person's or a company's membership of `program_id` at `tier`."""

    program_id: str
    tier: str | None
    applicant: Person | None = None
    company: Company | None = None
    notes: str = field(default="")

    @property
    def kind(self) -> ProgramKind:
        return ProgramKind.COMPANY if self.company is not None else ProgramKind.PERSON

    @property
    def caption(self) -> str:
        if self.company is not None:
            return self.company.name
        return self.applicant.name if self.applicant is not None else "?"

    def documents(self) -> tuple[Document, ...]:
        """The documents that identify the member (the applicant's, or the company's identifiers)."""
        if self.company is not None:
            return self.company.identifiers
        return self.applicant.documents if self.applicant is not None else ()


def parties(app: Application) -> tuple[Party, ...]:
    """Every party vetting screens: applicant or company, officers, drivers, trucks and their owners,
    facilities. A truck owned by the applying company is not screened twice."""
    found: list[Party] = []
    if app.applicant is not None:
        found.append(Party(PartyRole.APPLICANT, app.applicant.query()))
    company = app.company
    if company is not None:
        found.append(Party(PartyRole.COMPANY, company.query()))
        found.extend(Party(PartyRole.OFFICER, p.query()) for p in company.officers)
        found.extend(Party(PartyRole.DRIVER, p.query()) for p in company.drivers)
        owners: dict[str, Truck] = {}
        for truck in company.trucks:
            found.append(
                Party(PartyRole.VEHICLE, Query(name=f"{truck.plate} {truck.vin}", schema=Schema.VEHICLE))
            )
            if _fold(truck.owner) != _fold(company.name):
                owners.setdefault(_fold(truck.owner), truck)
        for truck in owners.values():
            query = Query(
                name=truck.owner,
                schema=Schema.ORGANIZATION,
                identifiers=tuple(_identifier(d) for d in truck.owner_identifiers),
            )
            found.append(Party(PartyRole.VEHICLE_OWNER, query))
        found.extend(
            Party(
                PartyRole.FACILITY,
                Query(name=f.name, schema=Schema.ORGANIZATION, countries=_iso2s(f.country)),
            )
            for f in company.facilities
        )
    return tuple(found)


# ---------------------------------------------------------------------------------------------- validation


def validate(app: Application, program: ProgramConfig, today: date) -> None:
    """The program's rules on an application: the right kind of applicant, the required documents present,
    well formed (CURP and RFC by python-stdnum) and not expired. The first problem raises, naming its
    field."""
    if app.program_id != program.id:
        raise ApplicationError("program", f"the application is for {app.program_id!r}, not {program.id!r}")
    try:
        program.tier(app.tier)
    except InputError as exc:
        raise ApplicationError("tier", exc.message.removeprefix("tier: "), exc.code) from exc
    if program.kind is ProgramKind.PERSON:
        if app.applicant is None or app.company is not None:
            raise ApplicationError("applicant", f"{program.id} is a program for people: give an applicant")
        _check_person(
            app.applicant, "applicant", program.documents.for_nationality(app.applicant.nationality), today
        )
        return
    company = app.company
    if company is None or app.applicant is not None:
        raise ApplicationError("company", f"{program.id} is a program for companies: give a company")
    _check_documents(company.identifiers, "company.identifiers", program.company_identifiers, today)
    if not company.officers:
        raise ApplicationError("company.officers", "a company application names at least one officer")
    for group, people in (("officers", company.officers), ("drivers", company.drivers)):
        for i, person in enumerate(people):
            _check_person(person, f"company.{group}[{i}]", (), today)
    if len(parties(app)) > MAX_PARTIES:
        raise ApplicationError(
            "company", f"at most {MAX_PARTIES} parties (officers, drivers, trucks, facilities)"
        )


def _check_person(person: Person, path: str, required: Sequence[str], today: date) -> None:
    if person.birth_date is None:
        raise ApplicationError(f"{path}.birth_date", "a birth date is required")
    if person.birth_date.precision != "day":
        raise ApplicationError(f"{path}.birth_date", "give the full birth date (YYYY-MM-DD)")
    if date(person.birth_date.year, person.birth_date.month or 1, person.birth_date.day or 1) > today:
        raise ApplicationError(f"{path}.birth_date", f"{person.birth_date} is in the future")
    if person.nationality is None:
        raise ApplicationError(f"{path}.nationality", "a nationality is required")
    _check_documents(person.documents, f"{path}.documents", required, today)


NEEDS_ISSUER = frozenset({"passport", "national_id", "drivers_license"})
"""Document kinds whose number means something only with the issuing country (the look-up key holds it)."""


def _check_documents(documents: Sequence[Document], path: str, required: Sequence[str], today: date) -> None:
    for i, doc in enumerate(documents):
        if doc.kind in NEEDS_ISSUER and doc.country is None:
            raise ApplicationError(
                f"{path}[{i}].country", f"the issuing country of the {doc.kind} is required"
            )
        check = check_identifier(doc.kind, doc.number)
        if check.valid is False:
            label = IDENTIFIER_KINDS.get(doc.kind, doc.kind)
            raise ApplicationError(
                f"{path}[{i}].number",
                f"{label} {doc.number!r} is invalid: {check.reason}",
                "invalid_document",
            )
        if doc.expires is not None and doc.expires < today:
            raise ApplicationError(
                f"{path}[{i}].expires",
                f"the {doc.kind} expired on {doc.expires.isoformat()}",
                "expired_document",
            )
    present = {d.kind for d in documents}
    for kind in required:
        if kind not in present:
            raise ApplicationError(
                path, f"a {IDENTIFIER_KINDS.get(kind, kind)} ({kind}) is required", "missing_document"
            )


# ---------------------------------------------------------------------------------------------- parsing


def parse_application(data: Any) -> Application:
    """An application from the mapping an application file holds; errors name the field."""
    root = _mapping(data, "application")
    _only(root, "application", {"program", "tier", "applicant", "company", "notes"})
    program = _text(root, "program", "program")
    tier = _optional_text(root, "tier", "tier")
    notes = _optional_text(root, "notes", "notes") or ""
    has_person, has_company = root.get("applicant") is not None, root.get("company") is not None
    if has_person == has_company:
        raise ApplicationError("applicant", "give exactly one of applicant (a person) or company")
    if has_person:
        return Application(program, tier, applicant=_person(root["applicant"], "applicant"), notes=notes)
    return Application(program, tier, company=_company(root["company"], "company"), notes=notes)


def _person(data: Any, path: str) -> Person:
    row = _mapping(data, path)
    _only(row, path, {"name", "birth_date", "nationality", "gender", "documents"})
    birth = _optional_text(row, "birth_date", f"{path}.birth_date")
    try:
        birth_date = PartialDate.parse(birth) if birth else None
    except InputError as exc:
        raise ApplicationError(f"{path}.birth_date", exc.message) from exc
    gender = _optional_text(row, "gender", f"{path}.gender")
    genders = {"m": "male", "male": "male", "h": "male", "f": "female", "female": "female", "mujer": "female"}
    if gender is not None and gender.lower() not in genders:
        raise ApplicationError(f"{path}.gender", f"unknown gender {gender!r}; use male or female")
    nationality = _optional_text(row, "nationality", f"{path}.nationality")
    return Person(
        name=_text(row, "name", f"{path}.name"),
        birth_date=birth_date,
        nationality=_country(nationality, f"{path}.nationality") if nationality else None,
        gender=genders[gender.lower()] if gender else None,
        documents=_documents(row.get("documents"), f"{path}.documents"),
    )


def _company(data: Any, path: str) -> Company:
    row = _mapping(data, path)
    _only(row, path, {"name", "country", "identifiers", "facilities", "officers", "drivers", "trucks"})
    facilities = tuple(
        _facility(item, f"{path}.facilities[{i}]") for i, item in enumerate(_list(row, "facilities", path))
    )
    trucks = tuple(_truck(item, f"{path}.trucks[{i}]") for i, item in enumerate(_list(row, "trucks", path)))
    return Company(
        name=_text(row, "name", f"{path}.name"),
        country=_country(_text(row, "country", f"{path}.country"), f"{path}.country"),
        identifiers=_documents(row.get("identifiers"), f"{path}.identifiers"),
        facilities=facilities,
        officers=tuple(
            _person(p, f"{path}.officers[{i}]") for i, p in enumerate(_list(row, "officers", path))
        ),
        drivers=tuple(_person(p, f"{path}.drivers[{i}]") for i, p in enumerate(_list(row, "drivers", path))),
        trucks=trucks,
    )


def _facility(data: Any, path: str) -> Facility:
    row = _mapping(data, path)
    _only(row, path, {"name", "address", "country"})
    return Facility(
        _text(row, "name", f"{path}.name"),
        _text(row, "address", f"{path}.address"),
        _country(_text(row, "country", f"{path}.country"), f"{path}.country"),
    )


def _truck(data: Any, path: str) -> Truck:
    row = _mapping(data, path)
    _only(row, path, {"plate", "plate_region", "vin", "owner", "owner_identifiers"})
    return Truck(
        plate=_text(row, "plate", f"{path}.plate"),
        plate_region=_text(row, "plate_region", f"{path}.plate_region"),
        vin=_text(row, "vin", f"{path}.vin"),
        owner=_text(row, "owner", f"{path}.owner"),
        owner_identifiers=_documents(row.get("owner_identifiers"), f"{path}.owner_identifiers"),
    )


def _documents(data: Any, path: str) -> tuple[Document, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ApplicationError(path, "must be a list of documents")
    found = []
    for i, item in enumerate(data):
        where = f"{path}[{i}]"
        row = _mapping(item, where)
        _only(row, where, {"kind", "number", "country", "expires"})
        kind = _text(row, "kind", f"{where}.kind").lower()
        if kind not in IDENTIFIER_KINDS:
            raise ApplicationError(
                f"{where}.kind", f"unknown kind {kind!r}; use one of {', '.join(IDENTIFIER_KINDS)}"
            )
        country = _optional_text(row, "country", f"{where}.country")
        expires_text = _optional_text(row, "expires", f"{where}.expires")
        try:
            expires = date.fromisoformat(expires_text) if expires_text else None
        except ValueError as exc:
            raise ApplicationError(
                f"{where}.expires", f"{expires_text!r} is not a date (YYYY-MM-DD)"
            ) from exc
        number = _text(row, "number", f"{where}.number")
        found.append(
            Document(kind, number, _country(country, f"{where}.country") if country else None, expires)
        )
    return tuple(found)


def _mapping(data: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ApplicationError(path, "must be a mapping of fields")
    return data


def _only(row: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    unknown = sorted(str(k) for k in row if k not in allowed)
    if unknown:
        raise ApplicationError(
            f"{path}.{unknown[0]}", f"unknown field; expected one of {', '.join(sorted(allowed))}"
        )


def _list(row: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = row.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApplicationError(f"{path}.{key}", "must be a list")
    return value


def _text(row: Mapping[str, Any], key: str, path: str) -> str:
    value = _optional_text(row, key, path)
    if value is None:
        raise ApplicationError(path, "is required")
    return value


def _optional_text(row: Mapping[str, Any], key: str, path: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, date):  # YAML reads 1975-03-02 as a date
        return value.isoformat()
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ApplicationError(path, "must be text")
    text = " ".join(str(value).split())
    return text or None


def _country(text: str, path: str) -> str:
    found = None
    key = text.strip()
    if len(key) == 3:
        found = pycountry.countries.get(alpha_3=key.upper())
    elif len(key) == 2:
        found = pycountry.countries.get(alpha_2=key.upper())
    if found is None:
        raise ApplicationError(path, f"{text!r} is not an ISO 3166 country code (MEX, USA, CAN)")
    return str(found.alpha_3)


def _iso2s(alpha3: str | None) -> tuple[str, ...]:
    if not alpha3:
        return ()
    found = pycountry.countries.get(alpha_3=alpha3)
    return (str(found.alpha_2),) if found is not None else ()


def _identifier(doc: Document) -> Identifier:
    iso2 = _iso2s(doc.country)
    return Identifier(doc.kind, doc.number, iso2[0] if iso2 else None)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


# ---------------------------------------------------------------------------------------------- plain form


def application_to_dict(app: Application) -> dict[str, Any]:
    """The application as the plain mapping `parse_application` reads (stored as JSON)."""
    out: dict[str, Any] = {"program": app.program_id}
    if app.tier is not None:
        out["tier"] = app.tier
    if app.notes:
        out["notes"] = app.notes
    if app.applicant is not None:
        out["applicant"] = _person_dict(app.applicant)
    if app.company is not None:
        c = app.company
        out["company"] = {
            "name": c.name,
            "country": c.country,
            "identifiers": [_doc_dict(d) for d in c.identifiers],
            "facilities": [
                {"name": f.name, "address": f.address, "country": f.country} for f in c.facilities
            ],
            "officers": [_person_dict(p) for p in c.officers],
            "drivers": [_person_dict(p) for p in c.drivers],
            "trucks": [
                {"plate": t.plate, "plate_region": t.plate_region, "vin": t.vin, "owner": t.owner,
                 "owner_identifiers": [_doc_dict(d) for d in t.owner_identifiers]}
                for t in c.trucks
            ],
        }  # fmt: skip
    return out


def _person_dict(p: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "documents": [_doc_dict(d) for d in p.documents]}
    if p.birth_date is not None:
        out["birth_date"] = p.birth_date.iso()
    if p.nationality is not None:
        out["nationality"] = p.nationality
    if p.gender is not None:
        out["gender"] = p.gender
    return out


def _doc_dict(d: Document) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": d.kind, "number": d.number}
    if d.country is not None:
        out["country"] = d.country
    if d.expires is not None:
        out["expires"] = d.expires.isoformat()
    return out
