"""Read declarations in other people's column layouts through a named mapping (YAML).

Customs offices, brokers and datasets each name their columns differently. A mapping says which source
column feeds each canonical field (`cruce.scoring.declarations.DECLARATION_FIELDS`) and how to read it
(date format, zero padding, which strings mean true). Presets ship in `cruce/scoring/mappings/`; a user
passes the path of their own YAML file for any other layout.

Reading never drops a row silently: every row that cannot be read comes back as a `RowError` with its
file line, and the caller decides whether that stops the job (training) or goes to an errors file (scoring).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cruce.core.errors import InputError
from cruce.scoring.declarations import DECLARATION_FIELDS, OUTCOME_FIELDS, REQUIRED_FIELDS, complete
from cruce.scoring.presets import read_definition, shipped_names

PRESET_PACKAGE = "cruce.scoring.mappings"


class FieldSource(BaseModel):
    """How one canonical field is read from the source file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    optional: bool = False
    format: str | None = None  # dates: a strptime format; default ISO 8601
    zero_pad: int | None = Field(default=None, ge=1, le=32)  # codes that lose leading zeros in spreadsheets
    minimum: float | None = None  # numbers: smallest acceptable value
    true_values: tuple[str, ...] = ("1", "true", "yes", "y", "t")
    false_values: tuple[str, ...] = ("0", "false", "no", "n", "f")


class Mapping(BaseModel):
    """A named column layout: which source column feeds which canonical declaration field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    id_column: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    fields: dict[str, FieldSource]

    @field_validator("fields", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        """`field: Column Name` is short for `field: {column: Column Name}`."""
        if isinstance(value, dict):
            return {
                key: {"column": str(source)} if isinstance(source, str | int) else source
                for key, source in value.items()
            }
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> Mapping:
        unknown = sorted(set(self.fields) - set(DECLARATION_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)}; known fields: {', '.join(DECLARATION_FIELDS)}"
            )
        missing = [name for name in REQUIRED_FIELDS if name not in self.fields]
        if missing:
            raise ValueError(f"the mapping must say which column holds {', '.join(missing)}")
        return self

    @property
    def output_id_column(self) -> str:
        """The id column's name in files written back to the user: theirs, so the rows line up."""
        return self.id_column or self.fields["declaration_id"].column


@dataclass(frozen=True, slots=True)
class RowError:
    """One source row that could not be read, and why."""

    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        shown = f" {self.value!r}" if self.value else ""
        return f"line {self.line}: {self.column}{shown}: {self.message}"


@dataclass(frozen=True, slots=True)
class MappedBatch:
    """The readable rows of a file as a canonical batch, plus every row that was not readable."""

    frame: pd.DataFrame
    errors: list[RowError]
    rows_read: int
    lines: np.ndarray  # the file line of each row of `frame`


def preset_names() -> list[str]:
    """Names of the mapping presets that ship with cruce."""
    return shipped_names(PRESET_PACKAGE)


def load_mapping(name_or_path: str | Path) -> Mapping:
    """A preset by name, or the user's own YAML mapping file by path."""
    text, source = read_definition(name_or_path, PRESET_PACKAGE, "mapping")
    return parse_mapping(text, source)


def parse_mapping(text: str, source: str) -> Mapping:
    """A mapping from YAML text; errors name the source and the offending key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError("bad_mapping", f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError("bad_mapping", f"{source} must be a YAML mapping with keys name and fields")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'mapping'}: {error['msg']}" for error in exc.errors()
        )
        raise InputError("bad_mapping", f"{source}: {problems}") from exc


def read_declarations(path: Path, mapping: Mapping, needed: Iterable[str] = ()) -> MappedBatch:
    """Every row of a declarations file as canonical fields, with the rows that could not be read.

    `needed` names fields the job cannot do without (the risk model's inputs): the mapping must give them,
    and a row that leaves one empty is a bad row like any other, reported with its line.
    """
    if not path.is_file():
        raise InputError("file_not_found", f"{path} does not exist or is not a file")
    return read_declarations_text(_read_text(path, mapping.encoding), mapping, str(path), needed)


def read_declarations_text(
    text: str, mapping: Mapping, source: str, needed: Iterable[str] = ()
) -> MappedBatch:
    """As `read_declarations`, from text already decoded."""
    unmapped = [name for name in needed if name not in mapping.fields]
    if unmapped:
        raise InputError(
            "mapping_incomplete",
            f"mapping {mapping.name!r} gives no column for {', '.join(unmapped)}, which the risk model needs",
        )
    if not text.strip():
        raise InputError("empty_file", f"{source} is empty")
    try:
        raw = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, sep=mapping.delimiter, engine="c"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError("bad_csv", f"{source} is not a readable CSV file: {exc}") from exc
    _check_columns(raw.columns, mapping, source)
    lines = _line_numbers(text, len(raw), mapping.delimiter)
    reader = _ColumnReader(raw, lines)
    columns: dict[str, pd.Series[Any]] = {}
    needed = set(needed)
    for name, field in mapping.fields.items():
        if field.column not in raw.columns:
            if name in needed:
                raise InputError(
                    "missing_columns",
                    f"{source} lacks column {field.column!r} ({name}), which the risk model needs",
                )
            continue  # an optional column the file does not have
        columns[name] = reader.read(name, field, required=name in needed)
    frame = pd.DataFrame(columns, index=raw.index)
    reader.check_duplicate_ids(frame.get("declaration_id"), mapping.fields["declaration_id"].column)
    bad_rows = sorted({error.line for error in reader.errors})
    keep = ~np.isin(lines, bad_rows)
    frame = complete(frame.loc[keep].reset_index(drop=True))
    errors = sorted(reader.errors, key=lambda error: (error.line, error.column))
    return MappedBatch(frame=frame, errors=errors, rows_read=len(raw), lines=lines[keep])


def require_outcomes(batch: MappedBatch, source: str, purpose: str = "training") -> None:
    """Training and backtests need labels: refuse a file whose mapping or columns give none."""
    for name in OUTCOME_FIELDS:
        if batch.frame[name].isna().any():
            raise InputError(
                "missing_outcomes",
                f"{source} has no {name} outcome for some rows; {purpose} needs labelled declarations "
                f"(check the mapping's {name} column)",
            )


class _ColumnReader:
    """Converts source columns to canonical values, vectorised, collecting a RowError per bad cell."""

    def __init__(self, raw: pd.DataFrame, lines: np.ndarray) -> None:
        self.raw = raw
        self.lines = lines
        self.errors: list[RowError] = []

    def read(self, name: str, field: FieldSource, required: bool = False) -> pd.Series[Any]:
        values = self.raw[field.column].str.strip()
        empty = values == ""
        required = required or name in REQUIRED_FIELDS or (not field.optional and name not in OUTCOME_FIELDS)
        if required:
            self._flag(empty, field.column, values, "is empty")
        kind = DECLARATION_FIELDS[name]
        if kind == "text":
            out = values.mask(empty)
            if field.zero_pad:
                out = out.str.zfill(field.zero_pad)
            return out.astype("string")
        if kind == "date":
            parsed = pd.to_datetime(values.mask(empty), format=field.format or "ISO8601", errors="coerce")
            expected = field.format or "YYYY-MM-DD"
            self._flag(parsed.isna() & ~empty, field.column, values, f"is not a date (expected {expected})")
            return parsed
        if kind == "number":
            numbers = pd.to_numeric(values.mask(empty), errors="coerce")
            self._flag(numbers.isna() & ~empty, field.column, values, "is not a number")
            self._flag(~np.isfinite(numbers.fillna(0.0)), field.column, values, "is not a finite number")
            if field.minimum is not None:
                self._flag(
                    numbers < field.minimum, field.column, values, f"is below the minimum {field.minimum:g}"
                )
            return numbers.astype("float64")
        lowered = values.str.lower()
        truthy = lowered.isin([value.lower() for value in field.true_values])
        falsy = lowered.isin([value.lower() for value in field.false_values])
        allowed = ", ".join([*field.true_values, *field.false_values])
        self._flag(~truthy & ~falsy & ~empty, field.column, values, f"is not one of {allowed}")
        return truthy.astype("boolean").mask(empty)

    def check_duplicate_ids(self, ids: pd.Series[Any] | None, column: str) -> None:
        if ids is None:
            return
        duplicated = ids.notna() & ids.duplicated(keep="first")
        if not duplicated.any():
            return
        reversed_pairs = zip(ids.tolist()[::-1], self.lines[::-1], strict=True)
        first_line = {value: int(line) for value, line in reversed_pairs}
        for position in np.flatnonzero(duplicated.to_numpy()):
            value = str(ids.iloc[position])
            self.errors.append(
                RowError(
                    int(self.lines[position]), column, value, f"repeats the id of line {first_line[value]}"
                )
            )

    def _flag(self, mask: pd.Series[Any], column: str, values: pd.Series[Any], message: str) -> None:
        for position in np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool)):
            value = str(values.iloc[position])
            self.errors.append(RowError(int(self.lines[position]), column, value, message))


def _check_columns(present: Iterable[str], mapping: Mapping, source: str) -> None:
    needed = [
        field.column
        for name, field in mapping.fields.items()
        if not field.optional and name not in OUTCOME_FIELDS
    ]
    present = list(present)
    missing = [column for column in needed if column not in present]
    if missing and len(present) == 1:
        for other in (";", "\t", "|", ","):
            if other != mapping.delimiter and other in present[0]:
                shown = {"\t": "a tab"}.get(other, repr(other))
                raise InputError(
                    "wrong_delimiter",
                    f"{source} looks separated by {shown}, not {mapping.delimiter!r} (spreadsheets often "
                    f"save CSV so): set `delimiter: {other!r}` in your mapping file",
                )
    if missing:
        raise InputError(
            "missing_columns",
            f"{source} lacks column(s) {', '.join(repr(c) for c in missing)} that mapping "
            f"{mapping.name!r} needs; the file has: {', '.join(repr(c) for c in present)}",
        )


def _line_numbers(text: str, rows: int, delimiter: str) -> np.ndarray:
    """The file line where each data row starts (quoted fields may span lines, so count when they do)."""
    simple = np.arange(2, rows + 2)
    if '"' not in text:
        return simple
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    line = reader.line_num + 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    if len(starts) != rows:  # pandas and csv disagree on the rows: fall back to one row per line
        return simple
    return np.asarray(starts)


def _read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            "bad_encoding",
            f"{path} line {line}: byte 0x{data[exc.start]:02x} is not {encoding}; save the file "
            "as UTF-8 or set `encoding:` in the mapping",
        ) from exc
    except LookupError as exc:
        raise InputError("bad_encoding", f"unknown encoding {encoding!r} in the mapping") from exc
