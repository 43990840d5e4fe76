"""A cargo declaration in cruce's own terms, whatever layout it arrived in.

Risk code works on batches, so the canonical form of many declarations is a pandas DataFrame whose columns
are the field names of `Declaration`; one `Declaration` is what the API, the lanes and single-item scoring
pass around. `to_frame` and `from_frame` convert between the two so there is one schema, declared here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

FieldKind = Literal["text", "date", "number", "flag"]

#: The canonical columns of a batch of declarations and the kind of value each holds.
DECLARATION_FIELDS: dict[str, FieldKind] = {
    "declaration_id": "text",
    "date": "date",
    "office_id": "text",
    "process_type": "text",
    "import_type": "text",
    "import_use": "text",
    "payment_type": "text",
    "transport_mode": "text",
    "declarant_id": "text",
    "importer_id": "text",
    "importer_name": "text",
    "seller_id": "text",
    "seller_name": "text",
    "consignee_name": "text",
    "carrier_name": "text",
    "traveler_nationality": "text",  # the driver's or courier's; for fairness reports, never a model input
    "courier_id": "text",
    "hs6_code": "text",
    "departure_country": "text",
    "origin_country": "text",
    "tax_rate_pct": "number",
    "tax_type": "text",
    "origin_indicator": "text",
    "net_mass_kg": "number",
    "declared_value": "number",
    "fraud": "flag",
    "critical_fraud": "flag",
}

#: Fields every declaration must have; the rest may be empty.
REQUIRED_FIELDS = ("declaration_id", "date")

#: Outcome fields: known only after an inspection, never a model input.
OUTCOME_FIELDS = ("fraud", "critical_fraud")

#: Party fields whose names are screened against the watchlists.
PARTY_NAME_FIELDS = ("importer_name", "seller_name", "consignee_name", "carrier_name")


@dataclass(frozen=True, slots=True)
class Declaration:
    """One import declaration; the outcome fields stay None until an inspection says otherwise."""

    declaration_id: str
    date: dt.date
    office_id: str | None = None
    process_type: str | None = None
    import_type: str | None = None
    import_use: str | None = None
    payment_type: str | None = None
    transport_mode: str | None = None
    declarant_id: str | None = None
    importer_id: str | None = None
    importer_name: str | None = None
    seller_id: str | None = None
    seller_name: str | None = None
    consignee_name: str | None = None
    carrier_name: str | None = None
    traveler_nationality: str | None = None
    courier_id: str | None = None
    hs6_code: str | None = None
    departure_country: str | None = None
    origin_country: str | None = None
    tax_rate_pct: float | None = None
    tax_type: str | None = None
    origin_indicator: str | None = None
    net_mass_kg: float | None = None
    declared_value: float | None = None
    fraud: bool | None = None
    critical_fraud: bool | None = None

    @property
    def unit_value_per_kg(self) -> float | None:
        """Declared value per kilogram: the number most undervaluation schemes distort."""
        if self.declared_value is None or not self.net_mass_kg:
            return None
        return self.declared_value / self.net_mass_kg

    def party_names(self) -> dict[str, str]:
        """The named parties present on this declaration, by field."""
        names = {field: getattr(self, field) for field in PARTY_NAME_FIELDS}
        return {field: name for field, name in names.items() if name}


def empty_frame() -> pd.DataFrame:
    """A batch with no rows and every canonical column, typed."""
    return _typed(pd.DataFrame({name: [] for name in DECLARATION_FIELDS}))


def to_frame(declarations: Iterable[Declaration]) -> pd.DataFrame:
    """Declarations as a canonical batch (one row each, columns in DECLARATION_FIELDS order)."""
    rows = [dataclasses.asdict(declaration) for declaration in declarations]
    if not rows:
        return empty_frame()
    return _typed(pd.DataFrame.from_records(rows, columns=list(DECLARATION_FIELDS)))


def from_frame(frame: pd.DataFrame) -> list[Declaration]:
    """A canonical batch back as declarations; missing columns become None."""
    columns = [name for name in DECLARATION_FIELDS if name in frame.columns]
    out: list[Declaration] = []
    for record in frame[columns].to_dict("records"):
        values = {name: _plain(DECLARATION_FIELDS[name], record[name]) for name in columns}
        out.append(Declaration(**values))
    return out


def complete(frame: pd.DataFrame) -> pd.DataFrame:
    """The batch with every canonical column present (absent ones empty) and typed."""
    missing = {
        name: pd.Series([None] * len(frame), index=frame.index)
        for name in DECLARATION_FIELDS
        if name not in frame.columns
    }
    if missing:
        frame = frame.assign(**missing)
    ordered = [*DECLARATION_FIELDS, *(name for name in frame.columns if name not in DECLARATION_FIELDS)]
    return _typed(frame[ordered])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    typed: dict[str, Any] = {}
    for name, kind in DECLARATION_FIELDS.items():
        if name not in frame.columns:
            continue
        column = frame[name]
        if kind == "text":
            typed[name] = column.astype("string")
        elif kind == "date":
            typed[name] = pd.to_datetime(column).astype("datetime64[ns]").dt.normalize()
        elif kind == "number":
            typed[name] = pd.to_numeric(column).astype("float64")
        else:
            typed[name] = column.astype("boolean")
    return frame.assign(**typed)


def _plain(kind: FieldKind, value: Any) -> Any:
    """A frame cell as the plain Python value the dataclass holds (None for every kind of missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind == "number":
        return float(value)
    if kind == "flag":
        return bool(value)
    return str(value)


def declaration_ids(frame: pd.DataFrame) -> Sequence[str]:
    """The ids of a batch, in row order."""
    return [str(value) for value in frame["declaration_id"].tolist()]
