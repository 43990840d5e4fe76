"""UN Security Council Consolidated List (XML): INDIVIDUAL and ENTITY records.

Entity ids use REFERENCE_NUMBER (`un-sc:QDi.001`): it is the permanent reference the UN publishes in press
releases and sanctions committee documents, and other lists cite it. DATAID is an internal database key
and is used only when a record has no reference number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

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
from cruce.lists._common import (
    clean,
    detect_script,
    expand_range,
    fail,
    is_no_country,
    parse_dates,
    read_bytes,
    unique,
)
from cruce.lists.base import DroppedValue, ImportResult, SkippedRow

Element = Any  # lxml ships no type information here; keep the annotations honest about that

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ALIAS_KINDS: dict[str, tuple[NameKind, AliasQuality]] = {
    "": (NameKind.AKA, AliasQuality.STRONG),
    "good": (NameKind.AKA, AliasQuality.STRONG),
    "a.k.a.": (NameKind.AKA, AliasQuality.STRONG),
    "low": (NameKind.AKA, AliasQuality.WEAK),
    "f.k.a.": (NameKind.FKA, AliasQuality.STRONG),
    "n.k.a.": (NameKind.NKA, AliasQuality.STRONG),
}


_NUMBER_IN_TYPE = re.compile(r"\bnumber:?\s+(\d[\d/-]*)$", re.IGNORECASE)


def _document_kind(main: str, detail: str) -> str:
    """Map UN document types (English, French and Spanish variants, plus the free-text second type)."""
    text = f"{main} {detail}".lower()
    if "driver" in text:
        return "drivers_license"
    if "voter" in text or "electoral" in text:
        return "voter_id"
    if "fiscal code" in text or "tax" in text:
        return "tax_id"
    if "passport" in text or "passeport" in text or "pasaporte" in text:
        return "passport"
    if any(w in text for w in ("identification", "identity", "identité", "identidad", "national number")):
        return "national_id"
    if "social security" in text:
        return "national_id"
    return "other"


def _text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    return clean(child.text) if child is not None else None


def _values(parent: Element, tag: str) -> list[str]:
    out: list[str] = []
    for wrapper in parent.iterfind(tag):
        for value in wrapper.iterfind("VALUE"):
            text = clean(value.text)
            if text:
                out.append(text)
    return out


@dataclass(slots=True)
class _Record:
    """Facts gathered from one INDIVIDUAL or ENTITY element."""

    names: list[Name] = field(default_factory=list)
    birth_dates: list[PartialDate] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)


class _Reader:
    def __init__(self, info: ListInfo, path: Path, seen: dict[str, str]) -> None:
        self.info = info
        self.path = path
        self.seen = seen  # entity id -> where it was first read, across all files of the import
        self.skipped: list[SkippedRow] = []
        self.dropped: list[DroppedValue] = []

    def drop(self, elem: Element, entity_id: str, column: str, value: str, reason: str) -> None:
        self.dropped.append(
            DroppedValue(self.path.name, elem.sourceline or 0, entity_id, column, value, reason)
        )

    def country(self, elem: Element, entity_id: str, column: str, text: str | None) -> str | None:
        if text is None or is_no_country(text):
            return None
        code = to_iso2(text)
        if code is None:
            self.drop(elem, entity_id, column, text, "unknown country")
        return code

    def read(self, root: Element) -> list[Entity]:
        entities: list[Entity] = []
        for elem in root.iter("INDIVIDUAL", "ENTITY"):
            entity = self.record(elem)
            if entity is None:
                continue
            where = f"{self.path.name}:{elem.sourceline}"
            if entity.id in self.seen:
                reason = f"duplicate id {entity.source_id} (first at {self.seen[entity.id]})"
                self.skipped.append(SkippedRow(self.path.name, elem.sourceline or 0, reason))
                continue
            self.seen[entity.id] = where
            entities.append(entity)
        return entities

    def record(self, elem: Element) -> Entity | None:
        line = elem.sourceline or 0
        is_person = elem.tag == "INDIVIDUAL"
        source_id = _text(elem, "REFERENCE_NUMBER") or _text(elem, "DATAID")
        if source_id is None:
            self.skipped.append(
                SkippedRow(self.path.name, line, f"{elem.tag} without REFERENCE_NUMBER or DATAID")
            )
            return None
        name = clean(" ".join(t for t in (_text(elem, p) for p in _NAME_PARTS) if t))
        if name is None:
            self.skipped.append(SkippedRow(self.path.name, line, f"{elem.tag} {source_id} has no name"))
            return None
        entity_id = f"{self.info.id}:{source_id}"
        rec = _Record(names=[Name(name)])
        for original in elem.iterfind("NAME_ORIGINAL_SCRIPT"):
            text = clean(original.text)
            if text:
                rec.names.append(Name(text, script=detect_script(text)))
        if is_person:
            self.person_facts(elem, entity_id, rec)
        prefix = "INDIVIDUAL" if is_person else "ENTITY"
        for alias in elem.iterfind(f"{prefix}_ALIAS"):
            self.alias(alias, entity_id, rec, is_person)
        for address in elem.iterfind(f"{prefix}_ADDRESS"):
            self.address(address, entity_id, rec)
        extra: dict[str, str] = {}
        for key, tag in (("un_dataid", "DATAID"), ("listed_on", "LISTED_ON")):
            if value := _text(elem, tag):
                extra[key] = value
        for key, tag in (("title", "TITLE"), ("designation", "DESIGNATION")):
            if values := _values(elem, tag):
                extra[key] = "; ".join(values)
        gender = (_text(elem, "GENDER") or "").lower()
        if gender and gender not in ("male", "female"):
            self.drop(elem, entity_id, "GENDER", gender, "expected Male or Female")
        program = _text(elem, "UN_LIST_TYPE")
        names = list(dict.fromkeys(rec.names))
        return Entity(
            id=entity_id,
            schema=Schema.PERSON if is_person else Schema.ORGANIZATION,
            names=tuple(names),
            list_id=self.info.id,
            source_id=source_id,
            birth_dates=unique(rec.birth_dates),
            birth_places=unique(rec.birth_places),
            nationalities=unique(rec.nationalities),
            countries=unique(rec.countries),
            gender=gender if gender in ("male", "female") else None,
            identifiers=unique(rec.identifiers),
            addresses=unique(rec.addresses),
            programs=(program,) if program else (),
            remarks=_text(elem, "COMMENTS1"),
            extra=extra,
        )

    def alias(self, elem: Element, entity_id: str, rec: _Record, is_person: bool) -> None:
        text = _text(elem, "ALIAS_NAME")
        if text is None:
            return  # the UN writes an empty <INDIVIDUAL_ALIAS> for "no alias"
        quality = (_text(elem, "QUALITY") or "").lower()
        if quality not in _ALIAS_KINDS:
            self.drop(elem, entity_id, "QUALITY", quality, "unknown alias quality; read as a.k.a.")
        kind, grade = _ALIAS_KINDS.get(quality, (NameKind.AKA, AliasQuality.STRONG))
        rec.names.append(Name(text, kind, grade, script=detect_script(text)))
        if is_person:
            # Some aliases come with the birth date and place used under that identity; they are the
            # person's too, and screening a traveler with the alias passport needs them.
            if dob := _text(elem, "DATE_OF_BIRTH"):
                self.dates(elem, entity_id, dob, rec)
            place = clean(
                ", ".join(t for t in (_text(elem, "CITY_OF_BIRTH"), _text(elem, "COUNTRY_OF_BIRTH")) if t)
            )
            if place:
                rec.birth_places.append(place)

    def dates(
        self, elem: Element, entity_id: str, text: str, rec: _Record, approximate: bool = False
    ) -> None:
        try:
            found = parse_dates(text)
        except InputError as exc:
            self.drop(elem, entity_id, "DATE_OF_BIRTH", text, exc.message)
            return
        for d in found:
            rec.birth_dates.append(PartialDate(d.year, d.month, d.day, approximate or d.approximate))

    def birth_date(self, elem: Element, entity_id: str, rec: _Record) -> None:
        kind = (_text(elem, "TYPE_OF_DATE") or "").upper()
        note = _text(elem, "NOTE")
        approximate = kind == "APPROXIMATELY" or (note or "").lower().startswith("approx")
        exact = _text(elem, "DATE") or _text(elem, "YEAR")
        start, end = _text(elem, "FROM_YEAR"), _text(elem, "TO_YEAR")
        if exact:
            self.dates(elem, entity_id, exact, rec, approximate)
        elif start and end:
            try:
                rec.birth_dates.extend(
                    expand_range(PartialDate.parse(start), PartialDate.parse(end), approximate)
                )
            except InputError as exc:
                self.drop(elem, entity_id, "DATE_OF_BIRTH", f"{start} to {end}", exc.message)
        elif note:
            # Month-and-year dates sometimes sit only in the note (`Nov. 1973`); others are prose.
            self.dates(elem, entity_id, note, rec, approximate)

    def person_facts(self, elem: Element, entity_id: str, rec: _Record) -> None:
        for dob in elem.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
            self.birth_date(dob, entity_id, rec)
        for pob in elem.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
            parts = [_text(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
            place = ", ".join(p for p in parts if p)
            if place:
                rec.birth_places.append(place)
        for value in _values(elem, "NATIONALITY"):
            code = self.country(elem, entity_id, "NATIONALITY", value)
            if code:
                rec.nationalities.append(code)
        for doc in elem.iterfind("INDIVIDUAL_DOCUMENT"):
            self.document(doc, entity_id, rec)

    def document(self, elem: Element, entity_id: str, rec: _Record) -> None:
        main = _text(elem, "TYPE_OF_DOCUMENT") or ""
        detail = _text(elem, "TYPE_OF_DOCUMENT2") or ""
        number = _text(elem, "NUMBER")
        if not (main or detail or number):
            return  # empty <INDIVIDUAL_DOCUMENT/>
        if number is None and (m := _NUMBER_IN_TYPE.search(detail)):
            # `Afghan national identification card (tazkira) number 545167`: the number sits in the type.
            number = m.group(1)
        if number is None:
            self.drop(
                elem,
                entity_id,
                "INDIVIDUAL_DOCUMENT",
                f"{main} {detail}".strip(),
                "document without a number",
            )
            return
        issuer = _text(elem, "ISSUING_COUNTRY") or _text(elem, "COUNTRY_OF_ISSUE")
        country = self.country(elem, entity_id, "ISSUING_COUNTRY", issuer)
        rec.identifiers.append(Identifier(_document_kind(main, detail), number, country))

    def address(self, elem: Element, entity_id: str, rec: _Record) -> None:
        street, city = _text(elem, "STREET"), _text(elem, "CITY")
        state, postal, country = (
            _text(elem, "STATE_PROVINCE"),
            _text(elem, "ZIP_CODE"),
            _text(elem, "COUNTRY"),
        )
        full = ", ".join(p for p in (street, city, state, postal, country) if p)
        if not full:
            return
        code = self.country(elem, entity_id, "COUNTRY", country)
        if code:
            rec.countries.append(code)
        rec.addresses.append(Address(full, city=city, country=code))


def _parser() -> Any:
    # No entity expansion, no network, no DTD: a list file must not be able to read local files (XXE).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def read_un(info: ListInfo, paths: Sequence[Path]) -> ImportResult:
    """Import one or more UN consolidated XML files (ids must not repeat across them)."""
    entities: list[Entity] = []
    skipped: list[SkippedRow] = []
    dropped: list[DroppedValue] = []
    seen: dict[str, str] = {}
    for path in paths:
        data = read_bytes(path)
        try:
            root = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) else None
            raise fail("bad_xml", path, f"invalid XML: {exc.msg}", line) from exc
        if root is None or root.tag != "CONSOLIDATED_LIST":
            tag = getattr(root, "tag", None)
            raise fail("bad_format", path, f"root element is <{tag}>, expected <CONSOLIDATED_LIST>", 1)
        reader = _Reader(info, path, seen)
        entities.extend(reader.read(root))
        skipped.extend(reader.skipped)
        dropped.extend(reader.dropped)
    return ImportResult(info, entities, skipped, [str(p) for p in paths], dropped)
