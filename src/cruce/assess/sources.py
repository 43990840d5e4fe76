"""Read a user's assets (CSV or GeoJSON, through a YAML mapping) and dependencies (CSV).

As with declarations, a mapping names the source column of each of cruce's asset fields; presets ship in
`cruce/assess/mappings/` (`assets-default`, `hifld-substations`) and a user passes the path of their own.
Bad rows are never dropped silently: every one is collected with its line (or GeoJSON feature number) and
field, and the import is refused whole with the list, so nothing is half-imported and nothing lost.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cruce.assess.assets import Asset, parse_kind
from cruce.assess.graph import Dependency
from cruce.core.errors import CruceError, InputError
from cruce.scoring.presets import read_definition, shipped_names

PRESET_PACKAGE = "cruce.assess.mappings"
ASSET_FIELDS = {
    "asset_id": "text", "name": "text", "kind": "text", "owner_country": "text", "latitude": "number",
    "longitude": "number", "capacity": "number", "capacity_unit": "text", "serves": "text",
    "crossings_per_day": "number", "trade_usd_per_day": "number", "people_served": "number",
    "port_code": "text",
}  # fmt: skip
REQUIRED_ASSET_FIELDS = ("asset_id", "kind", "owner_country", "latitude", "longitude")
ERRORS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One row that could not be read, and why."""

    where: str  # "line 7" or "feature 3"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


class RowsRefusedError(InputError):
    """A file with bad rows; nothing of it was used. `problems` lists every bad row."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:ERRORS_SHOWN])
        more = f" (and {len(problems) - ERRORS_SHOWN} more)" if len(problems) > ERRORS_SHOWN else ""
        super().__init__(
            "bad_rows",
            f"{source}: {len(problems)} row(s) cannot be read, nothing was imported: {shown}{more}",
            {"problems": [str(p) for p in problems]},
        )
        self.problems = problems


class FieldSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str = Field(min_length=1)
    optional: bool = False


class AssetMapping(BaseModel):
    """Which source column (or GeoJSON property) feeds each asset field; `defaults` fill absent ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    description: str = ""
    encoding: str = "utf-8-sig"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    defaults: dict[str, str | float] = Field(default_factory=dict)
    fields: dict[str, FieldSource]

    @field_validator("fields", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"column": str(v)} if isinstance(v, str | int) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _known(self) -> AssetMapping:
        unknown = sorted((set(self.fields) | set(self.defaults)) - set(ASSET_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(ASSET_FIELDS)}")
        missing = [f for f in REQUIRED_ASSET_FIELDS if f not in self.fields and f not in self.defaults]
        if missing and set(missing) != {"latitude", "longitude"}:
            raise ValueError(f"the mapping must say which column holds {', '.join(missing)}")
        return self


def mapping_names() -> list[str]:
    return shipped_names(PRESET_PACKAGE)


def load_asset_mapping(name_or_path: str | Path = "assets-default") -> AssetMapping:
    text, source = read_definition(name_or_path, PRESET_PACKAGE, "asset mapping")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError("bad_mapping", f"{source} is not valid YAML: {exc}") from exc
    try:
        return AssetMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'mapping'}: {e['msg']}" for e in exc.errors()
        )
        raise InputError("bad_mapping", f"{source}: {problems}") from exc


def read_assets(path: Path, mapping: AssetMapping | None = None) -> list[Asset]:
    """Assets from a CSV or GeoJSON file (by extension); every bad row is reported, none kept."""
    mapping = mapping or load_asset_mapping()
    text = _read_text(path, mapping.encoding)
    if path.suffix.lower() in (".geojson", ".json"):
        return read_assets_geojson(text, mapping, str(path))
    return read_assets_csv(text, mapping, str(path))


def read_assets_csv(text: str, mapping: AssetMapping, source: str) -> list[Asset]:
    reader = csv.DictReader(io.StringIO(text), delimiter=mapping.delimiter)
    header = reader.fieldnames or []
    needed = [f.column for n, f in mapping.fields.items() if not f.optional and n in REQUIRED_ASSET_FIELDS]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(
            "missing_columns",
            f"{source} lacks column(s) {', '.join(repr(c) for c in missing)} that mapping {mapping.name!r} "
            f"needs; the file has: {', '.join(repr(c) for c in header) or 'no header'}",
        )

    def rows() -> Iterator[tuple[str, dict[str, Any], tuple[float, float] | None]]:
        line = reader.line_num + 1
        for row in reader:
            yield f"line {line}", row, None
            line = reader.line_num + 1

    return _build(rows(), mapping, source)


def read_assets_geojson(text: str, mapping: AssetMapping, source: str) -> list[Asset]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("bad_geojson", f"{source} is not JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError("bad_geojson", f"{source} must be a GeoJSON FeatureCollection")
    features = data.get("features") or []

    def rows() -> Iterator[tuple[str, dict[str, Any], tuple[float, float] | None]]:
        for number, feature in enumerate(features, start=1):
            properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            yield f"feature {number}", properties, _centre(geometry)

    return _build(rows(), mapping, source)


def _centre(geometry: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a Point, or the mean of a line's or polygon's coordinates."""
    if not isinstance(geometry, dict):
        return None
    points: list[tuple[float, float]] = []

    def walk(node: Any) -> None:
        if (
            isinstance(node, list | tuple)
            and len(node) >= 2
            and all(isinstance(v, int | float) for v in node)
        ):
            points.append((float(node[1]), float(node[0])))
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)

    walk(geometry.get("coordinates"))
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _build(
    rows: Iterable[tuple[str, dict[str, Any], tuple[float, float] | None]], mapping: AssetMapping, source: str
) -> list[Asset]:
    assets: list[Asset] = []
    problems: list[RowProblem] = []
    seen: dict[str, str] = {}
    for where, row, centre in rows:
        values: dict[str, Any] = dict(mapping.defaults)
        bad = False
        for name, field in mapping.fields.items():
            raw = row.get(field.column)
            text = "" if raw is None else str(raw).strip()
            if not text:
                if (
                    name in REQUIRED_ASSET_FIELDS
                    and not field.optional
                    and name not in ("latitude", "longitude")
                ):
                    problems.append(RowProblem(where, field.column, f"{name} is empty"))
                    bad = True
                continue
            if ASSET_FIELDS[name] == "number":
                try:
                    number = float(text)
                except ValueError:
                    problems.append(RowProblem(where, field.column, f"{text!r} is not a number"))
                    bad = True
                    continue
                if not math.isfinite(number):
                    problems.append(RowProblem(where, field.column, f"{text!r} is not a finite number"))
                    bad = True
                    continue
                values[name] = number
            else:
                values[name] = text
        if centre is not None:
            values.setdefault("latitude", centre[0])
            values.setdefault("longitude", centre[1])
        if bad:
            continue
        if "latitude" not in values or "longitude" not in values:
            column = mapping.fields["latitude"].column if "latitude" in mapping.fields else "geometry"
            problems.append(
                RowProblem(where, column, "has no location (latitude and longitude are required)")
            )
            continue
        asset_id = str(values["asset_id"])
        if asset_id in seen:
            problems.append(RowProblem(where, "asset_id", f"{asset_id!r} repeats the id of {seen[asset_id]}"))
            continue
        try:
            kind = parse_kind(str(values.pop("kind")), "kind")
            values["owner_country"] = str(values["owner_country"]).upper()
            values["name"] = str(values.get("name") or asset_id)
            asset = Asset(kind=kind, **{k: v for k, v in values.items() if k != "kind"})
        except CruceError as exc:
            problems.append(RowProblem(where, _field_of(exc.message), exc.message))
            continue
        seen[asset_id] = where
        assets.append(asset)
    if problems:
        raise RowsRefusedError(source, problems)
    if not assets:
        raise InputError("empty_file", f"{source} holds no assets")
    return assets


def _field_of(message: str) -> str:
    for name in ASSET_FIELDS:
        if name in message:
            return name
    return "row"


# ---------------------------------------------------------------- dependencies

DEPENDENCY_COLUMNS = ("dependent", "provider")


def read_dependencies(path: Path) -> list[Dependency]:
    return read_dependencies_text(_read_text(path, "utf-8-sig"), str(path))


def read_dependencies_text(text: str, source: str) -> list[Dependency]:
    """Rows `dependent,provider[,input,survive_hours,transmit_probability,capacity_lost]`.

    `survive_hours`: how long the dependent keeps working without this input (backup generator, battery,
    storage), default 0. `transmit_probability`: the chance the loss does reach it (a backup that may fail
    to start), default 1. `capacity_lost`: the share of its capacity lost while the input is out, default 1.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in DEPENDENCY_COLUMNS if c not in header]
    if missing:
        raise InputError(
            "missing_columns",
            f"{source} lacks column(s) {', '.join(missing)}; a dependencies file has columns dependent, "
            "provider, input, survive_hours, transmit_probability, capacity_lost",
        )
    out: list[Dependency] = []
    problems: list[RowProblem] = []
    line = reader.line_num + 1
    for row in reader:
        where = f"line {line}"
        line = reader.line_num + 1
        try:
            out.append(
                Dependency(
                    dependent=(row.get("dependent") or "").strip(),
                    provider=(row.get("provider") or "").strip(),
                    input=(row.get("input") or "").strip() or "service",
                    survive_hours=_number(row, "survive_hours", 0.0),
                    transmit_probability=_number(row, "transmit_probability", 1.0),
                    capacity_lost=_number(row, "capacity_lost", 1.0),
                    where=where,
                )
            )
        except CruceError as exc:
            problems.append(RowProblem(where, exc.details.get("field", "row"), exc.message))
    if problems:
        raise RowsRefusedError(source, problems)
    return out


def _number(row: dict[str, Any], column: str, default: float) -> float:
    text = (row.get(column) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError("bad_number", f"{column} {text!r} is not a number", {"field": column}) from None
    return value


def _read_text(path: Path, encoding: str) -> str:
    if not path.is_file():
        raise InputError("file_not_found", f"{path} does not exist or is not a file")
    try:
        return path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            "bad_encoding", f"{path}: not {encoding} text (byte {exc.start}); save as UTF-8"
        ) from exc
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {path}: {exc.strerror or exc}") from exc
