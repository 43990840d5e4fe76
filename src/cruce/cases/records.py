"""Person records for entity resolution: reading a CSV, normalising each field, reporting what was unreadable.

A record is a bag of optional fields (names, birth date, address, city, postcode, phone, document, region,
sex). Column names vary between sources, so each field accepts a few aliases (`surname`, `last_name`,
`family_name`...); unknown columns are ignored and missing ones allowed. A value that cannot be read (a birth
date no pattern fits) is reported with its line number and counted, never dropped silently: the record stays,
compared on its other fields.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cruce.core.errors import InputError
from cruce.matching.text import ascii_fold

FIELDS = (
    "given_name",
    "surname",
    "birth_date",
    "address",
    "city",
    "postcode",
    "phone",
    "document",
    "region",
    "sex",
)

ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("record_id", "rec_id", "id", "unique_id", "recid", "record"),
    "given_name": ("given_name", "first_name", "firstname", "forename", "given", "first", "given_names"),
    "surname": ("surname", "last_name", "lastname", "family_name", "last", "surnames"),
    "middle_name": ("middle_name", "middlename", "middle"),
    "full_name": ("name", "full_name", "fullname", "person_name"),
    "birth_date": ("birth_date", "date_of_birth", "dob", "birthdate", "born", "birth"),
    "street_number": ("street_number", "house_number", "street_no", "number"),
    "address": ("address", "address_1", "address1", "street", "street_address", "addr"),
    "address_2": ("address_2", "address2", "address_line_2", "locality"),
    "city": ("city", "suburb", "town", "municipality", "place"),
    "postcode": ("postcode", "postal_code", "zip", "zipcode", "zip_code", "cp"),
    "phone": ("phone", "phone_number", "telephone", "tel", "mobile", "cell"),
    "document": (
        "document", "document_number", "soc_sec_id", "ssn", "passport", "passport_number", "curp",
        "national_id", "id_number", "doc",
    ),
    "region": ("region", "state", "province", "estado"),
    "sex": ("sex", "gender"),
}  # fmt: skip

_NOT_DIGIT = re.compile(r"\D+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_DIGITS = re.compile(r"\d+")
_ADDRESS_WORDS = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "ct": "court", "cres": "crescent", "pl": "place", "dr": "drive", "ln": "lane", "hwy": "highway",
    "calle": "calle", "c": "calle", "col": "colonia", "no": "", "num": "", "apt": "apartment",
    "cir": "circuit", "pde": "parade", "tce": "terrace",
}  # fmt: skip
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "jan ene",
            "feb",
            "mar",
            "apr abr",
            "may",
            "jun",
            "jul",
            "aug ago",
            "sep set",
            "oct",
            "nov",
            "dec dic",
        )
    )
    for m in names.split()
}
MIN_YEAR, MAX_YEAR = 1880, 2100


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as written, split into parts; parts may be 0 (unknown) and need not form a real date
    (a typed `1975-13-02` is kept: its year and day still say something)."""

    year: int
    month: int = 0
    day: int = 0

    def digits(self) -> str:
        return f"{self.year:04d}{self.month:02d}{self.day:02d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One source's view of a person. Text fields are normalised (lower-case ASCII, single spaces)."""

    record_id: str
    given_name: str = ""
    surname: str = ""
    birth_date: BirthDate | None = None
    address: str = ""
    city: str = ""
    postcode: str = ""
    phone: str = ""
    document: str = ""
    region: str = ""
    sex: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class ReadProblem:
    line: int
    record_id: str
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.record_id}): {self.column} {self.value!r}: {self.reason}"


@dataclass(slots=True)
class ReadResult:
    records: list[PersonRecord] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    """Field -> the column it was read from."""
    ignored: list[str] = field(default_factory=list)


def parse_birth_date(text: str, *, day_first: bool = True) -> tuple[BirthDate | None, str]:
    """(the date, "") or (None, why); also (date, warning) when the parts do not form a calendar date."""
    raw = text.strip()
    if not raw:
        return None, ""
    low = raw.lower()
    year = month = day = 0
    if m := re.fullmatch(r"(\d{4})[-/. ]?(\d{1,2})[-/. ]?(\d{1,2})(?:[t ].*)?", low):
        if len(m.group(2)) == 1 and not re.search(r"[-/. ]", low):
            return None, "cannot tell month from day"
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})", low):
        first, second = int(m.group(1)), int(m.group(2))
        if second > 12 or (not day_first and first <= 12):
            month, day = first, second
        else:
            day, month = first, second
        year = int(m.group(3))
    elif m := re.fullmatch(r"(\d{1,2})[- ]([a-z]{3})[a-z]*\.?[- ,]*(\d{4})", low):
        day, year = int(m.group(1)), int(m.group(3))
        month = _MONTHS.get(m.group(2), -1)
    elif m := re.fullmatch(r"([a-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})", low):
        month, day, year = _MONTHS.get(m.group(1), -1), int(m.group(2)), int(m.group(3))
    elif m := re.fullmatch(r"(\d{4})(?:[-/](\d{1,2}))?", low):
        year, month = int(m.group(1)), int(m.group(2) or 0)
    else:
        return None, "no date pattern fits (use YYYY-MM-DD)"
    if month < 0:
        return None, "unknown month name"
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, f"year {year} out of range"
    if month > 99 or day > 99:
        return None, "no date pattern fits (use YYYY-MM-DD)"
    value = BirthDate(year, month, day)
    if not (0 <= month <= 12 and 0 <= day <= 31) or (month == 0 and day):
        return value, "not a calendar date (kept for comparison)"
    return value, ""


def normalise_phone(text: str) -> str:
    """Digits only, the last ten (country codes and trunk prefixes vary between sources)."""
    return _NOT_DIGIT.sub("", text)[-10:]


def normalise_document(text: str) -> str:
    return _NOT_ALNUM.sub("", text.upper())


def normalise_address(text: str) -> str:
    words = ascii_fold(text).split()
    return " ".join(w for w in (_ADDRESS_WORDS.get(w, w) for w in words) if w)


def _pick(header: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    by_folded = {re.sub(r"[^a-z0-9]+", "_", h.strip().lower()).strip("_"): h for h in header}
    chosen: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_folded and by_folded[alias] not in chosen.values():
                chosen[name] = by_folded[alias]
                break
    ignored = [h for h in header if h not in chosen.values()]
    return chosen, ignored


def _split_full_name(full: str) -> tuple[str, str]:
    if "," in full:
        surname, _, given = full.partition(",")
        return given, surname
    words = full.split()
    if len(words) < 2:
        return "", full
    return " ".join(words[:-1]), words[-1]


def record_from_row(
    row: Mapping[str, str | None],
    columns: Mapping[str, str],
    line: int,
    problems: list[ReadProblem],
    *,
    day_first: bool = True,
) -> PersonRecord:
    def get(name: str) -> str:
        column = columns.get(name)
        value = row.get(column) if column is not None else None
        return (value or "").strip()

    record_id = get("record_id")
    given, surname = get("given_name"), get("surname")
    if not given and not surname and get("full_name"):
        given, surname = _split_full_name(get("full_name"))
    middle = get("middle_name")
    if middle:
        given = f"{given} {middle}"
    raw_date = get("birth_date")
    birth, why = parse_birth_date(raw_date, day_first=day_first)
    if why:
        problems.append(ReadProblem(line, record_id, columns.get("birth_date", "birth_date"), raw_date, why))
    address = " ".join(x for x in (get("street_number"), get("address"), get("address_2")) if x)
    return PersonRecord(
        record_id=record_id,
        given_name=ascii_fold(given),
        surname=ascii_fold(surname),
        birth_date=birth,
        address=normalise_address(address),
        city=ascii_fold(get("city")),
        postcode=normalise_document(get("postcode")),
        phone=normalise_phone(get("phone")),
        document=normalise_document(get("document")),
        region=ascii_fold(get("region")),
        sex=ascii_fold(get("sex"))[:1],
        line=line,
    )


def read_records(path: Path, *, day_first: bool = True) -> ReadResult:
    """Read a CSV of person records. Raises InputError for a file that cannot be used at all (missing, not
    text, no record_id column, duplicate or empty record ids); value-level problems go to `problems`."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot open {path}: {exc.strerror or exc}") from exc
    with handle:
        try:
            sample = handle.read(65536)
            handle.seek(0)
            try:
                dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            reader = csv.DictReader(handle, dialect=dialect)
            header = reader.fieldnames or []
            columns, ignored = _pick(header)
            if "record_id" not in columns:
                raise InputError(
                    "missing_column",
                    f"{path} has no record_id column (columns: {', '.join(header) or 'none'}); "
                    "name one of them record_id",
                )
            result = ReadResult(columns=dict(columns), ignored=ignored)
            seen: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                record = record_from_row(row, columns, line, result.problems, day_first=day_first)
                if not record.record_id:
                    raise InputError("empty_record_id", f"{path} line {line}: empty record_id")
                if record.record_id in seen:
                    raise InputError(
                        "duplicate_record_id",
                        f"{path} line {line}: record_id {record.record_id!r} already on line "
                        f"{seen[record.record_id]}",
                    )
                seen[record.record_id] = line
                result.records.append(record)
        except UnicodeDecodeError as exc:
            raise InputError("not_text", f"{path} is not UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise InputError("bad_csv", f"{path}: {exc}") from exc
    return result
