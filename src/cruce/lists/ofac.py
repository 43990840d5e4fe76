"""OFAC legacy CSV: primary file (`sdn.csv`, `cons_prim.csv`), aliases (`alt.csv`), addresses (`add.csv`).

The files have no header, write `-0-` for an empty cell, end with CRLF and a DOS EOF byte, and have been
published in both UTF-8 and Windows-1252. Facts such as birth dates and documents live in the Remarks
column and are read by `cruce.lists.remarks`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cruce.core.countries import to_iso2
from cruce.core.errors import ImportFailedError
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
from cruce.lists._common import clean, fail, is_no_country, read_text, unique
from cruce.lists.base import DroppedValue, ImportResult, SkippedRow
from cruce.lists.remarks import EMPTY, RemarkFacts, parse_remarks, split_person_name

PRIMARY_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "Address", "City/State/Province/Postal Code", "Country", "Add_remarks")

PRIMARY, ALT, ADD = "primary", "alt", "add"
_COLUMNS = {PRIMARY: PRIMARY_COLUMNS, ALT: ALT_COLUMNS, ADD: ADD_COLUMNS}
_ROLE_BY_WIDTH = {len(cols): role for role, cols in _COLUMNS.items()}

_TYPES = {
    "individual": Schema.PERSON,
    "vessel": Schema.VESSEL,
    "aircraft": Schema.AIRCRAFT,
}
_ALT_KINDS = {"aka": NameKind.AKA, "fka": NameKind.FKA, "nka": NameKind.NKA}
_VESSEL_EXTRA = {
    5: "call_sign",
    6: "vessel_type",
    7: "tonnage",
    8: "gross_registered_tonnage",
    10: "vessel_owner",
}
_ENT_NUM = re.compile(r"^\d{1,12}$", re.ASCII)
_TAIL_NUMBER = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{1,3}-?[A-Z0-9]{1,6}$")
_MSN = re.compile(r"^MSN\s+(\S+)$")

MAX_BAD_SHARE = 0.5
"""If more than this share of a file's rows is malformed, the file is the wrong one (an alias file passed
as the primary, a different CSV): we refuse it rather than import a handful of accidental rows."""


def cell(value: str) -> str | None:
    """An OFAC cell: `-0-` and blanks are empty."""
    text = clean(value)
    return None if text is None or text == EMPTY else text


@dataclass(slots=True)
class _Draft:
    """An entry being assembled from the three files; frozen into an Entity at the end."""

    ent_num: int
    line: int
    schema: Schema
    names: list[Name]
    facts: RemarkFacts
    programs: list[str]
    remarks: str | None
    extra: dict[str, str]
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    aliases: list[Name] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)


class _Reader:
    """Reads one list's files, collecting skipped rows and dropped values as it goes."""

    def __init__(self, info: ListInfo) -> None:
        self.info = info
        self.skipped: list[SkippedRow] = []
        self.dropped: list[DroppedValue] = []
        self.drafts: dict[int, _Draft] = {}

    def entity_id(self, ent_num: int) -> str:
        return f"{self.info.id}:{ent_num}"

    def drop(self, path: Path, line: int, ent_num: int, *, column: str, value: str, reason: str) -> None:
        self.dropped.append(DroppedValue(path.name, line, self.entity_id(ent_num), column, value, reason))

    # -- rows ----------------------------------------------------------------------------------------

    def rows(self, path: Path, text: str, role: str) -> Iterator[tuple[int, list[str]]]:
        """Yield (line, cells) for rows of the right width; record the others as skipped.

        Refuses the file (ImportFailedError) when most rows are malformed: then it is not this kind of file.
        """
        width = len(_COLUMNS[role])
        reader = csv.reader(io.StringIO(text, newline=""))
        total = bad = 0
        first_bad: SkippedRow | None = None
        previous = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise fail("bad_csv", path, f"unreadable CSV: {exc}", previous + 1) from exc
            line, previous = previous + 1, reader.line_num
            if not any(c.strip() for c in row):
                continue  # blank line, e.g. after the EOF byte
            if total == 0 and row and row[0].strip().lower() == "ent_num":
                continue  # a header row some re-exports add; not data
            total += 1
            span = f" (row spans lines {line}-{previous}; unbalanced quote?)" if previous > line else ""
            if len(row) != width:
                bad += 1
                skip = SkippedRow(path.name, line, f"expected {width} columns, found {len(row)}{span}")
                first_bad = first_bad or skip
                self.skipped.append(skip)
                continue
            if not _ENT_NUM.match(row[0].strip()):
                bad += 1
                skip = SkippedRow(path.name, line, f"ent_num {row[0].strip()!r} is not a number")
                first_bad = first_bad or skip
                self.skipped.append(skip)
                continue
            yield line, row
        if total and bad / total > MAX_BAD_SHARE:
            first_line = first_bad.line if first_bad else 0
            first_reason = first_bad.reason if first_bad else ""
            raise fail(
                "wrong_file",
                path,
                f"{bad} of {total} rows are malformed (first: line {first_line}, {first_reason}); "
                f"is this an OFAC {role} file with columns {', '.join(_COLUMNS[role])}?",
                first_line,
            )
        if role == PRIMARY and total == 0:
            raise fail("no_entries", path, "the primary file holds no entries")

    # -- the three files -------------------------------------------------------------------------------

    def read_primary(self, path: Path, text: str) -> None:
        for line, row in self.rows(path, text, PRIMARY):
            ent_num = int(row[0])
            if ent_num in self.drafts:
                first = self.drafts[ent_num].line
                self.skipped.append(
                    SkippedRow(path.name, line, f"duplicate ent_num {ent_num} (first on line {first})")
                )
                continue
            name = cell(row[1])
            if name is None:
                self.skipped.append(SkippedRow(path.name, line, f"ent_num {ent_num} has no name"))
                continue
            self.drafts[ent_num] = self.primary_draft(path, line, ent_num, name, row)

    def primary_draft(self, path: Path, line: int, ent_num: int, name: str, row: list[str]) -> _Draft:
        type_text = cell(row[2])
        if type_text is None:
            schema = Schema.ORGANIZATION
        elif type_text.lower() in _TYPES:
            schema = _TYPES[type_text.lower()]
        else:
            schema = Schema.UNKNOWN
            self.drop(
                path,
                line,
                ent_num,
                column="SDN_Type",
                value=type_text,
                reason="unknown type; read as LegalEntity",
            )
        person = schema is Schema.PERSON
        family, given = split_person_name(name) if person else (None, None)
        remarks = cell(row[11])
        facts = parse_remarks(remarks, person=person)
        for column, value, reason in facts.problems:
            self.drop(path, line, ent_num, column=column, value=value, reason=reason)
        extra: dict[str, str] = {}
        if title := cell(row[4]):
            extra["title"] = title
        for index, key in _VESSEL_EXTRA.items():
            if cell_value := cell(row[index]):
                extra[key] = cell_value
        draft = _Draft(
            ent_num=ent_num,
            line=line,
            schema=schema,
            names=[Name(name, family=family, given=given)],
            facts=facts,
            programs=_programs(cell(row[3])),
            remarks=remarks,
            extra=extra,
        )
        flag = cell(row[9])
        if flag is not None and not is_no_country(flag):
            code = to_iso2(flag)
            if code is None:
                self.drop(path, line, ent_num, column="Vess_flag", value=flag, reason="unknown country")
            else:
                draft.countries.append(code)
        if schema is Schema.AIRCRAFT:
            # Aircraft are listed under their registration mark (`EP-GOM`) or serial (`MSN 391`).
            if m := _MSN.match(name):
                draft.identifiers.append(Identifier("aircraft_serial", m.group(1)))
            elif _TAIL_NUMBER.match(name):
                draft.identifiers.append(Identifier("tail_number", name))
        return draft

    def read_alt(self, path: Path, text: str) -> None:
        for line, row in self.rows(path, text, ALT):
            ent_num = int(row[0])
            draft = self.drafts.get(ent_num)
            if draft is None:
                self.skipped.append(SkippedRow(path.name, line, f"alias for unknown ent_num {ent_num}"))
                continue
            alt_type = (cell(row[2]) or "").lower().replace(".", "")
            kind = _ALT_KINDS.get(alt_type)
            if kind is None:
                self.skipped.append(SkippedRow(path.name, line, f"unknown alt_type {row[2].strip()!r}"))
                continue
            text_name = cell(row[3])
            if text_name is None:
                self.skipped.append(SkippedRow(path.name, line, f"empty alias for ent_num {ent_num}"))
                continue
            quality = AliasQuality.WEAK if "weak" in (cell(row[4]) or "").lower() else AliasQuality.STRONG
            family, given = split_person_name(text_name) if draft.schema is Schema.PERSON else (None, None)
            draft.aliases.append(Name(text_name, kind, quality, family, given))

    def read_add(self, path: Path, text: str) -> None:
        for line, row in self.rows(path, text, ADD):
            ent_num = int(row[0])
            draft = self.drafts.get(ent_num)
            if draft is None:
                self.skipped.append(SkippedRow(path.name, line, f"address for unknown ent_num {ent_num}"))
                continue
            street, city, country = cell(row[2]), cell(row[3]), cell(row[4])
            if street is None and city is None and country is None:
                continue  # OFAC writes an all-empty address row for entries without one
            code: str | None = None
            if country is not None and not is_no_country(country):
                code = to_iso2(country)
                if code is None:
                    self.drop(path, line, ent_num, column="Country", value=country, reason="unknown country")
                else:
                    draft.countries.append(code)
            full = ", ".join(p for p in (street, city, country) if p)
            address = Address(full, city=city, country=code)
            if address not in draft.addresses:
                draft.addresses.append(address)

    # -- result ------------------------------------------------------------------------------------------

    def entity(self, draft: _Draft) -> Entity:
        facts = draft.facts
        names = list(draft.names)
        seen = {n.text.casefold() for n in names}
        # Alt-file aliases first: they are OFAC's considered aliases; remarks aliases are nicknames.
        for alias in (*draft.aliases, *facts.aliases):
            if alias.text.casefold() not in seen:
                seen.add(alias.text.casefold())
                names.append(alias)
        extra = dict(draft.extra)
        for key, values in facts.extra.items():
            extra[key] = "; ".join(values)
        return Entity(
            id=self.entity_id(draft.ent_num),
            schema=draft.schema,
            names=tuple(names),
            list_id=self.info.id,
            source_id=str(draft.ent_num),
            birth_dates=unique(list(facts.birth_dates)),
            birth_places=unique(facts.birth_places),
            nationalities=unique(facts.nationalities),
            countries=unique([*draft.countries, *facts.countries]),
            gender=facts.gender,
            identifiers=unique([*draft.identifiers, *facts.identifiers]),
            addresses=tuple(draft.addresses),
            programs=tuple(draft.programs),
            linked_to=unique(facts.linked_to),
            remarks=draft.remarks,
            extra=extra,
        )


def _programs(text: str | None) -> list[str]:
    """`NPWMD] [IFSR` (OFAC strips the outer brackets of `[NPWMD] [IFSR]`) -> [`NPWMD`, `IFSR`]."""
    if text is None:
        return []
    return [p.strip() for p in re.split(r"\]\s*\[", text.strip("[] ")) if p.strip()]


def file_role(path: Path, text: str) -> str:
    """Primary, alias or address file: by the publisher's name (`sdn.csv`, `cons_alt.csv`...) when it
    says, else by the width of the first row (12, 5 or 6 columns)."""
    stem = path.name.lower().split(".", 1)[0]
    if stem.endswith("alt"):
        return ALT
    if stem.endswith("add"):
        return ADD
    if stem.endswith(("sdn", "prim")):
        return PRIMARY
    for row in csv.reader(io.StringIO(text[:65536], newline="")):
        if any(c.strip() for c in row):
            role = _ROLE_BY_WIDTH.get(len(row))
            if role is not None:
                return role
            break
    raise fail(
        "bad_format",
        path,
        "cannot tell whether this is the primary, alias or address file: name it like sdn.csv, alt.csv, "
        "add.csv or give it 12, 5 or 6 columns",
    )


def read_ofac(info: ListInfo, paths: Sequence[Path]) -> ImportResult:
    """Import an OFAC list from its primary file and, optionally, its alias and address files."""
    by_role: dict[str, tuple[Path, str]] = {}
    for path in paths:
        text = read_text(path)
        role = file_role(path, text)
        if role in by_role:
            raise fail(
                "duplicate_file", path, f"two {role} files given ({by_role[role][0].name} and {path.name})"
            )
        by_role[role] = (path, text)
    if PRIMARY not in by_role:
        names = ", ".join(p.name for p in paths)
        raise ImportFailedError(
            "no_primary",
            f"no primary file (sdn.csv / cons_prim.csv) among the files given: {names}",
            {"files": [p.name for p in paths]},
        )
    reader = _Reader(info)
    reader.read_primary(*by_role[PRIMARY])
    if ALT in by_role:
        reader.read_alt(*by_role[ALT])
    if ADD in by_role:
        reader.read_add(*by_role[ADD])
    entities = [reader.entity(d) for d in reader.drafts.values()]
    return ImportResult(
        list_info=info,
        entities=entities,
        skipped=reader.skipped,
        source_files=[str(p) for p in paths],
        dropped=reader.dropped,
    )
