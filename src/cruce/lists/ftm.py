"""FollowTheMoney entities as JSON lines (the OpenSanctions export format).

Each line is `{"id", "schema", "properties": {prop: [values]}, ...}`. Parties (Person, Organization,
Company, LegalEntity, Vessel, Airplane...) become entities; `Address` records are folded into the parties
that point at them through `addressEntity` (matched on the address's `id` or its `referents`).

Records that are not parties (Address, Sanction, Ownership, ...) and OpenSanctions records marked
`"target": false` (related parties that are not themselves sanctioned) are *ignored by design*: they are
counted in `ImportResult.ignored` by reason, not reported as skipped rows, because nothing went wrong.
A line that is not JSON at all stops the import (a truncated download must not pass for a shorter list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cruce.core.countries import to_iso2
from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import (
    Address,
    AliasQuality,
    Entity,
    Identifier,
    ListInfo,
    Name,
    NameKind,
    Schema,
)
from cruce.lists._common import clean, detect_script, fail, is_no_country, read_text, unique
from cruce.lists.base import DroppedValue, ImportResult, SkippedRow

PARTY_SCHEMATA: dict[str, Schema] = {
    "Person": Schema.PERSON,
    "Organization": Schema.ORGANIZATION,
    "Company": Schema.ORGANIZATION,
    "PublicBody": Schema.ORGANIZATION,
    "LegalEntity": Schema.UNKNOWN,
    "Vessel": Schema.VESSEL,
    "Airplane": Schema.AIRCRAFT,
    "Vehicle": Schema.VEHICLE,
}

_NAME_PROPS: tuple[tuple[str, NameKind, AliasQuality], ...] = (
    ("name", NameKind.PRIMARY, AliasQuality.STRONG),
    ("alias", NameKind.AKA, AliasQuality.STRONG),
    ("weakAlias", NameKind.AKA, AliasQuality.WEAK),
    ("previousName", NameKind.FKA, AliasQuality.STRONG),
)
# property -> (identifier kind, country implied by the property)
_ID_PROPS: dict[str, tuple[str, str | None]] = {
    "passportNumber": ("passport", None),
    "taxNumber": ("tax_id", None),
    "vatCode": ("tax_id", None),
    "innCode": ("tax_id", "RU"),
    "registrationNumber": ("registration", None),
    "ogrnCode": ("registration", "RU"),
    "okpoCode": ("registration", None),
    "leiCode": ("registration", None),
    "dunsCode": ("registration", None),
    "imoNumber": ("imo", None),
    "mmsi": ("mmsi", None),
    "swiftBic": ("swift", None),
    "icaoCode": ("other", None),
}
_NATIONALITY_PROPS = ("nationality", "citizenship")
_COUNTRY_PROPS = ("country", "jurisdiction", "mainCountry", "flag")
_EXTRA_PROPS = {
    "position": "position",
    "title": "title",
    "callSign": "call_sign",
    "topics": "topics",
    "model": "model",
}
_REGION_CODE = re.compile(r"^([a-z]{2})-[a-z]+$")


@dataclass(frozen=True, slots=True)
class _Record:
    file: str
    line: int
    id: str
    schema: str
    caption: str | None
    properties: dict[str, Any]
    referents: tuple[str, ...]
    target: bool | None


class _Reader:
    def __init__(self, info: ListInfo) -> None:
        self.info = info
        self.skipped: list[SkippedRow] = []
        self.dropped: list[DroppedValue] = []
        self.ignored: dict[str, int] = {}

    def ignore(self, reason: str) -> None:
        self.ignored[reason] = self.ignored.get(reason, 0) + 1

    def records(self, path: Path) -> list[_Record]:
        out: list[_Record] = []
        for number, raw in enumerate(read_text(path).split("\n"), start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except ValueError as exc:
                column = getattr(exc, "colno", None)
                where = f" (column {column})" if column else ""
                raise fail(
                    "bad_json", path, f"invalid JSON{where}: {getattr(exc, 'msg', exc)}", number
                ) from exc
            record = self.record(path, number, data)
            if record is not None:
                out.append(record)
        return out

    def record(self, path: Path, line: int, data: Any) -> _Record | None:
        def skip(reason: str) -> None:
            self.skipped.append(SkippedRow(path.name, line, reason))

        if not isinstance(data, dict):
            skip(f"expected a JSON object, found {type(data).__name__}")
            return None
        entity_id, schema, props = data.get("id"), data.get("schema"), data.get("properties", {})
        if not isinstance(entity_id, str) or not entity_id.strip():
            skip("record without an 'id'")
            return None
        if not isinstance(schema, str) or not schema.strip():
            skip(f"record {entity_id} without a 'schema'")
            return None
        if not isinstance(props, dict):
            skip(f"record {entity_id}: 'properties' must be an object")
            return None
        referents = data.get("referents")
        refs = tuple(r for r in referents if isinstance(r, str)) if isinstance(referents, list) else ()
        target = data.get("target")
        caption = data.get("caption")
        return _Record(
            path.name,
            line,
            entity_id.strip(),
            schema.strip(),
            caption if isinstance(caption, str) else None,
            props,
            refs,
            target if isinstance(target, bool) else None,
        )

    def values(self, rec: _Record, prop: str) -> list[str]:
        """A property's values as clean strings; other JSON types are reported, not guessed at."""
        raw = rec.properties.get(prop)
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        out: list[str] = []
        for item in items:
            if isinstance(item, str):
                text = clean(item)
                if text and text not in out:
                    out.append(text)
            else:
                self.drop(rec, prop, repr(item), "property values must be strings")
        return out

    def drop(self, rec: _Record, prop: str, value: str, reason: str) -> None:
        self.dropped.append(DroppedValue(rec.file, rec.line, f"{self.info.id}:{rec.id}", prop, value, reason))

    def country(self, rec: _Record, prop: str, value: str) -> str | None:
        if is_no_country(value):
            return None
        key = value.lower()
        if m := _REGION_CODE.match(key):  # `ua-cri`, `ge-ab`: a region of a country
            key = m.group(1)
        code = to_iso2(key)
        if code is None:
            self.drop(rec, prop, value, "unknown country code")
        return code

    def address(self, rec: _Record) -> Address | None:
        full = next(iter(self.values(rec, "full")), None)
        city = next(iter(self.values(rec, "city")), None)
        code = None
        for value in self.values(rec, "country"):
            code = self.country(rec, "country", value)
            if code:
                break
        if full is None:
            parts = [
                next(iter(self.values(rec, p)), None) for p in ("street", "postalCode", "city", "region")
            ]
            full = ", ".join(p for p in parts if p) or None
        return Address(full, city=city, country=code) if full else None

    def names(self, rec: _Record, schema: Schema) -> list[Name]:
        last_names = self.values(rec, "lastName") if schema is Schema.PERSON else []
        found: list[Name] = []
        for prop, kind, quality in _NAME_PROPS:
            values = self.values(rec, prop)
            if prop == "name" and rec.caption in values:
                values = [rec.caption, *(v for v in values if v != rec.caption)]  # display name first
            for text in values:
                family, given = _split(text, last_names)
                found.append(Name(text, kind, quality, family, given, detect_script(text)))
        if not found and schema is Schema.PERSON:
            first = " ".join(self.values(rec, "firstName")[:1] + self.values(rec, "middleName")[:1])
            last = next(iter(last_names), None)
            if last:
                text = f"{first} {last}".strip()
                found.append(Name(text, family=last, given=first or None, script=detect_script(text)))
        return list(dict.fromkeys(found))

    def entity(self, rec: _Record, schema: Schema, addresses: dict[str, Address]) -> Entity | None:
        entity_id = f"{self.info.id}:{rec.id}"
        names = self.names(rec, schema)
        if not names:
            self.skipped.append(SkippedRow(rec.file, rec.line, f"{rec.schema} {rec.id} has no name"))
            return None
        birth_dates: list[PartialDate] = []
        for value in self.values(rec, "birthDate"):
            try:
                birth_dates.append(PartialDate.parse(value.split("T", 1)[0]))
            except InputError as exc:
                self.drop(rec, "birthDate", value, exc.message)
        nationalities = [
            c for p in _NATIONALITY_PROPS for v in self.values(rec, p) if (c := self.country(rec, p, v))
        ]
        countries = [c for p in _COUNTRY_PROPS for v in self.values(rec, p) if (c := self.country(rec, p, v))]
        gender = next(iter(self.values(rec, "gender")), "").lower() or None
        if gender not in (None, "male", "female"):
            gender = None  # FtM also allows "other"; the matcher compares only male/female
        identifiers = self.identifiers(rec, schema)
        found_addresses = [Address(a) for a in self.values(rec, "address")]
        for ref in self.values(rec, "addressEntity"):
            if ref in addresses:
                found_addresses.append(addresses[ref])
            # An address that is not in this file is simply unknown to us; the party is still complete.
        for address in found_addresses:
            if address.country:
                countries.append(address.country)
        extra = {
            key: "; ".join(vals) for prop, key in _EXTRA_PROPS.items() if (vals := self.values(rec, prop))
        }
        notes = self.values(rec, "notes")
        return Entity(
            id=entity_id,
            schema=schema,
            names=tuple(names),
            list_id=self.info.id,
            source_id=rec.id,
            birth_dates=unique(birth_dates),
            birth_places=unique(self.values(rec, "birthPlace")),
            nationalities=unique(nationalities),
            countries=unique(countries),
            gender=gender,
            identifiers=identifiers,
            addresses=unique(found_addresses),
            programs=unique(self.values(rec, "program")),
            remarks="\n".join(notes) or None,
            extra=extra,
        )

    def identifiers(self, rec: _Record, schema: Schema) -> tuple[Identifier, ...]:
        found: list[Identifier] = []
        props = dict(_ID_PROPS)
        props["idNumber"] = ("national_id" if schema is Schema.PERSON else "registration", None)
        if schema is Schema.AIRCRAFT:
            props["registrationNumber"] = ("tail_number", None)
            props["serialNumber"] = ("aircraft_serial", None)
        for prop, (kind, country) in props.items():
            for value in self.values(rec, prop):
                text = value.replace(" ", "").upper() if kind in ("curp", "rfc") else value
                found.append(Identifier(kind, text, country))
        return unique(found)


def _split(text: str, last_names: list[str]) -> tuple[str | None, str | None]:
    """Family/given split of a full name using the record's `lastName` values, when one fits."""
    folded = text.casefold()
    for last in last_names:
        key = last.casefold()
        if folded.endswith(" " + key):
            return text[-len(last) :], clean(text[: -len(last)].strip(" ,"))
        if folded.startswith(key + " ") or folded.startswith(key + ","):
            return text[: len(last)], clean(text[len(last) :].strip(" ,"))
    return None, None


def read_ftm(info: ListInfo, paths: Sequence[Path]) -> ImportResult:
    """Import FollowTheMoney JSON lines; addresses are resolved across all files of the import."""
    reader = _Reader(info)
    records = [rec for path in paths for rec in reader.records(path)]
    addresses: dict[str, Address] = {}
    for rec in records:
        if rec.schema == "Address" and (address := reader.address(rec)) is not None:
            for key in (rec.id, *rec.referents):
                addresses.setdefault(key, address)
    entities: list[Entity] = []
    seen: dict[str, str] = {}
    for rec in records:
        schema = PARTY_SCHEMATA.get(rec.schema)
        if schema is None:
            reader.ignore(f"schema {rec.schema}")
            continue
        if rec.target is False:
            reader.ignore(f"not a target ({rec.schema})")
            continue
        if rec.id in seen:
            reader.skipped.append(
                SkippedRow(rec.file, rec.line, f"duplicate id {rec.id} (first at {seen[rec.id]})")
            )
            continue
        entity = reader.entity(rec, schema, addresses)
        if entity is not None:
            seen[rec.id] = f"{rec.file}:{rec.line}"
            entities.append(entity)
    return ImportResult(
        list_info=info,
        entities=entities,
        skipped=sorted(reader.skipped, key=lambda s: (s.file, s.line)),
        source_files=[str(p) for p in paths],
        dropped=reader.dropped,
        ignored=reader.ignored,
    )
