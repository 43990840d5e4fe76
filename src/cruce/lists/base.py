"""The one door into the importers: known lists, format detection, and what an import returns.

An import either returns every entity it could read plus an exact account of what it could not
(`skipped` rows and `dropped` values, each with file and line), or raises `ImportFailedError` when the
file as a whole is unusable (missing, undecodable, not the format we expect, broken XML/JSON). Nothing is
ever dropped silently: a person reviewing a list update must be able to see why an entry is missing.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cruce.core.errors import ImportFailedError, InputError
from cruce.core.model import Entity, ListInfo
from cruce.lists._common import fail, read_head

OFAC_CSV = "ofac-csv"
UN_XML = "un-xml"
FTM_JSON = "ftm-json"
FORMATS = (OFAC_CSV, UN_XML, FTM_JSON)


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A source row (CSV line, XML element, JSON line) that produced no entity, or no alias/address."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class DroppedValue:
    """A value we could not use (impossible date, unknown country...) on an entity that *was* imported.

    Kept apart from `SkippedRow` so that `len(result.skipped)` stays an exact count of lost rows.
    """

    file: str
    line: int
    entity_id: str
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.entity_id} {self.field} {self.value!r}: {self.reason}"


@dataclass(slots=True)
class ImportResult:
    """Everything one import produced. `ignored` counts records left out by design (e.g. FtM `Address`
    records, which are folded into the parties that reference them), keyed by a readable reason."""

    list_info: ListInfo
    entities: list[Entity]
    skipped: list[SkippedRow]
    source_files: list[str]
    dropped: list[DroppedValue] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{len(self.entities)} entities", f"{len(self.skipped)} rows skipped"]
        if self.dropped:
            parts.append(f"{len(self.dropped)} values dropped")
        if self.ignored:
            parts.append(f"{sum(self.ignored.values())} records ignored")
        return f"{self.list_info.id}: " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ListSpec:
    """A list cruce knows how to fetch and read. `files` are the publisher's file names in the order
    primary, aliases, addresses; `generic` marks a format entry whose list id the user chooses."""

    info: ListInfo
    files: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    generic: bool = False


_OFAC = "https://www.treasury.gov/ofac/downloads"
KNOWN_LISTS: dict[str, ListSpec] = {
    "us-ofac-sdn": ListSpec(
        ListInfo(
            "us-ofac-sdn",
            "OFAC Specially Designated Nationals and Blocked Persons",
            "US Treasury, Office of Foreign Assets Control",
            OFAC_CSV,
            f"{_OFAC}/sdn.csv",
        ),
        files=("sdn.csv", "alt.csv", "add.csv"),
        urls=(f"{_OFAC}/sdn.csv", f"{_OFAC}/alt.csv", f"{_OFAC}/add.csv"),
    ),
    "us-ofac-cons": ListSpec(
        ListInfo(
            "us-ofac-cons",
            "OFAC Consolidated Sanctions List (non-SDN)",
            "US Treasury, Office of Foreign Assets Control",
            OFAC_CSV,
            f"{_OFAC}/consolidated/cons_prim.csv",
        ),
        files=("cons_prim.csv", "cons_alt.csv", "cons_add.csv"),
        urls=(
            f"{_OFAC}/consolidated/cons_prim.csv",
            f"{_OFAC}/consolidated/cons_alt.csv",
            f"{_OFAC}/consolidated/cons_add.csv",
        ),
    ),
    "un-sc": ListSpec(
        ListInfo(
            "un-sc",
            "UN Security Council Consolidated List",
            "United Nations Security Council",
            UN_XML,
            "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
        ),
        files=("consolidated.xml",),
        urls=("https://scsanctions.un.org/resources/xml/en/consolidated.xml",),
    ),
    "ftm": ListSpec(
        ListInfo("ftm", "FollowTheMoney entities", "user supplied", FTM_JSON),
        files=("entities.ftm.json",),
        generic=True,
    ),
}

_LIST_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def list_info_for(list_id: str, fmt: str) -> ListInfo:
    """The ListInfo for a list id: the registry's for known lists, a plain one for user-named lists."""
    spec = KNOWN_LISTS.get(list_id)
    if spec is not None and not spec.generic:
        return spec.info
    publisher = "OpenSanctions" if list_id.startswith("opensanctions-") else "user supplied"
    return ListInfo(list_id, list_id, publisher, fmt)


def detect_format(path: Path | str) -> str:
    """Which importer reads this file (`ofac-csv`, `un-xml`, `ftm-json`), from its content, not its name.

    Raises ImportFailedError when the file is missing or none of the formats fits.
    """
    path = Path(path)
    head = read_head(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Spreadsheet "Unicode text" exports; the importers decode them, so sniff the decoded text.
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x1a")
    if not text:
        raise fail("bad_format", path, "file is empty")
    if text.startswith(b"<"):
        if b"CONSOLIDATED_LIST" in text:
            return UN_XML
        raise fail("bad_format", path, "XML but not a UN consolidated list (no <CONSOLIDATED_LIST>)")
    if text.startswith(b"{"):
        first = text.split(b"\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:
            # A first line longer than our window still looks like FtM if the keys are there.
            record = {"schema": None, "properties": None} if b'"schema"' in first else None
        if isinstance(record, dict) and "schema" in record and "properties" in record:
            return FTM_JSON
        raise fail(
            "bad_format", path, "JSON but not FollowTheMoney entities (need 'id', 'schema', 'properties')"
        )
    if re.match(rb'^"?(?:\d+|ent_num)"?\s*,', text, re.IGNORECASE):
        return OFAC_CSV
    raise fail("bad_format", path, "not an OFAC CSV, UN XML or FollowTheMoney JSON file")


def load_list(list_id: str, paths: Sequence[Path | str]) -> ImportResult:
    """Import a watchlist from its files. Entity ids are `<list_id>:<source id>`.

    `us-ofac-sdn` / `us-ofac-cons` take the primary CSV plus, optionally, the alias and address CSVs (told
    apart by name, else by column count); `un-sc` takes the UN XML; any other id (e.g.
    `opensanctions-eu-fsf`) is read in whatever format its files are in, typically FollowTheMoney JSON.
    """
    if not _LIST_ID.match(list_id):
        raise InputError(
            "bad_list_id",
            f"list id {list_id!r} must be lower-case letters, digits, '.', '_' or '-' (e.g. us-ofac-sdn)",
            {"list_id": list_id},
        )
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no_files", f"no files given for list {list_id}", {"list_id": list_id})
    formats = {path: detect_format(path) for path in files}
    found = set(formats.values())
    if len(found) > 1:
        listing = ", ".join(f"{p.name} ({f})" for p, f in formats.items())
        raise ImportFailedError("mixed_formats", f"files for {list_id} are in different formats: {listing}")
    fmt = found.pop()
    spec = KNOWN_LISTS.get(list_id)
    if spec is not None and not spec.generic and spec.info.format != fmt:
        raise ImportFailedError(
            "wrong_format",
            f"{list_id} is published as {spec.info.format} but {files[0].name} looks like {fmt}",
            {"file": files[0].name, "expected": spec.info.format, "found": fmt},
        )
    info = list_info_for(list_id, fmt)
    if fmt == OFAC_CSV:
        from cruce.lists.ofac import read_ofac

        return read_ofac(info, files)
    if fmt == UN_XML:
        from cruce.lists.un import read_un

        return read_un(info, files)
    from cruce.lists.ftm import read_ftm

    return read_ftm(info, files)
