"""Rescues, repatriations, incident heat maps and the privacy rules for migrants' personal data.

Privacy by construction:
- *minimised*: a `PersonRecord` holds only what a rescue, a hand-over or a case needs (a name as given,
  birth year not date, nationality, sex when given); there is no field for anything else;
- *purpose-bound*: each record names the purposes it was collected for (rescue, repatriation, case) and
  `use()` refuses any other purpose — risk scoring above all: these fields are never a risk feature
  (`refuse_risk_features`);
- *retained for a period*: `due_for_deletion` is a pure function that says which records are past every
  purpose's retention (and not under a legal hold) and returns the audit entries to write with the deletion.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from cruce.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


class Purpose(enum.StrEnum):
    RESCUE = "rescue"
    REPATRIATION = "repatriation"
    CASE = "case"


class RescueCause(enum.StrEnum):
    HEAT = "heat"
    DEHYDRATION = "dehydration"
    DROWNING = "drowning"
    INJURY = "injury"
    LOST = "lost"
    VEHICLE = "vehicle"
    ABANDONED = "abandoned"
    OTHER = "other"


class RescueOutcome(enum.StrEnum):
    RESCUED = "rescued"
    INJURED = "injured"
    DECEASED = "deceased"
    MISSING = "missing"


#: Retention per purpose; a record is kept while any of its purposes still needs it.
DEFAULT_RETENTION: dict[Purpose, timedelta] = {
    Purpose.RESCUE: timedelta(days=90),
    Purpose.REPATRIATION: timedelta(days=365),
    Purpose.CASE: timedelta(days=5 * 365),
}

#: Fields of humanitarian records; a risk model or rule that names one is refused.
HUMANITARIAN_FIELDS = frozenset({"person_ref", "given_name", "birth_year", "nationality", "sex", "rescue_id",
                                 "transfer_id", "rescued", "repatriated", "migrant_status"})  # fmt: skip


class PurposeError(InputError):
    """Personal data used for a purpose it was not collected for."""


def refuse_risk_features(features: Iterable[str]) -> None:
    """Raise if any humanitarian field is offered as a risk feature (a rescue must never raise a score)."""
    used = sorted(set(features) & HUMANITARIAN_FIELDS)
    if used:
        raise PurposeError(
            "humanitarian_data_as_risk_feature",
            f"{', '.join(used)} come from humanitarian records and can never be a risk feature",
        )


@dataclass(frozen=True, slots=True)
class PersonRecord:
    person_ref: str  # a pseudonymous id, never a document number
    purposes: frozenset[Purpose]
    collected_at: datetime
    given_name: str = ""
    birth_year: int | None = None
    nationality: str | None = None
    sex: str | None = None
    case_id: str | None = None
    legal_hold: bool = False  # an open case or proceeding: never deleted while it holds

    def __post_init__(self) -> None:
        if not self.purposes:
            raise PurposeError("no_purpose", f"record {self.person_ref}: personal data needs a purpose")
        if self.collected_at.tzinfo is None:
            raise InputError("naive_time", f"record {self.person_ref}: collected_at must be timezone-aware")

    def use(self, purpose: Purpose) -> PersonRecord:
        """The record, for `purpose` only if it was collected for it."""
        if purpose not in self.purposes:
            raise PurposeError(
                "purpose_not_allowed",
                f"record {self.person_ref} was collected for {', '.join(sorted(self.purposes))}, "
                f"not {purpose}",
            )
        return self


@dataclass(frozen=True, slots=True)
class Rescue:
    rescue_id: str
    occurred_at: datetime
    latitude: float
    longitude: float
    sector: str  # a Border Patrol sector or its Mexican counterpart, e.g. "Tucson", "Sonoyta"
    cause: RescueCause
    people: int
    outcome: RescueOutcome
    case_id: str | None = None
    person_refs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.people < 1:
            raise InputError("bad_rescue", f"rescue {self.rescue_id}: people must be at least 1")


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    person_ref: str
    alert: bool
    reasons: str = ""


@dataclass(frozen=True, slots=True)
class Receipt:
    by_country: str
    by_officer: str
    at: datetime
    people_received: int


@dataclass(frozen=True, slots=True)
class Repatriation:
    """A transfer handed over to the partner at a named port and time; the manifest is screened."""

    transfer_id: str
    from_country: str
    to_country: str
    port: str
    handover_at: datetime
    manifest: tuple[PersonRecord, ...]
    screening: tuple[ScreeningResult, ...] = ()
    receipts: tuple[Receipt, ...] = field(default_factory=tuple)

    @property
    def acknowledged(self) -> bool:
        return any(r.by_country == self.to_country for r in self.receipts)

    def screen(self, screen: Callable[[PersonRecord], ScreeningResult]) -> Repatriation:
        """Screen every person as any crossing is (the matcher is passed in), for repatriation only."""
        results = tuple(screen(person.use(Purpose.REPATRIATION)) for person in self.manifest)
        return replace(self, screening=results)

    def acknowledge(self, receipt: Receipt) -> Repatriation:
        if receipt.by_country != self.to_country:
            raise InputError(
                "bad_receipt", f"only {self.to_country} can acknowledge transfer {self.transfer_id}"
            )
        if not self.screening:
            raise InputError("not_screened", f"transfer {self.transfer_id} was not screened before hand-over")
        if receipt.people_received != len(self.manifest):
            raise InputError(
                "manifest_mismatch",
                f"transfer {self.transfer_id}: {receipt.people_received} received, "
                f"{len(self.manifest)} on the manifest",
            )
        return replace(self, receipts=(*self.receipts, receipt))


# ---------------------------------------------------------------- heat map


def heatmap(rescues: Sequence[Rescue], *, people: bool = True) -> pd.DataFrame:
    """Incidents (or people) by sector (rows) and month (columns, YYYY-MM), zeros where none."""
    import pandas as pd  # the assess extra: records and retention work without it

    if not rescues:
        return pd.DataFrame()
    frame = pd.DataFrame(
        {"sector": [r.sector for r in rescues], "month": [r.occurred_at.strftime("%Y-%m") for r in rescues],
         "value": [r.people if people else 1 for r in rescues]}
    )  # fmt: skip
    return frame.pivot_table(index="sector", columns="month", values="value", aggfunc="sum", fill_value=0)


def plot_heatmap(
    table: pd.DataFrame, path: Path | BinaryIO, title: str = "Rescues by sector and month"
) -> None:
    """The heat map as a PNG (a path, or a binary file object)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(max(6, 0.5 * table.shape[1] + 2), 0.4 * table.shape[0] + 1.5))
    image = axis.imshow(table.to_numpy(dtype=np.float64), aspect="auto", cmap="YlOrRd")
    axis.set_xticks(range(table.shape[1]), list(table.columns), rotation=90, fontsize=7)
    axis.set_yticks(range(table.shape[0]), list(table.index), fontsize=8)
    axis.set_title(title)
    figure.colorbar(image, ax=axis)
    figure.savefig(path, dpi=90, bbox_inches="tight", format="png")
    plt.close(figure)


def write_heatmap_report(table: pd.DataFrame, path: Path, *, country: str, generated: datetime) -> None:
    """One self-contained HTML file (the plot embedded as a data URI, no network): the heat map of people
    rescued by sector and month, the same numbers as a table, and the totals (where patrols and water
    stations are needed)."""
    import base64
    import html
    import io

    buffer = io.BytesIO()
    plot_heatmap(table, buffer, title=f"People rescued by sector and month ({country})")
    image = base64.b64encode(buffer.getvalue()).decode()
    months = [str(m) for m in table.columns]
    head = "".join(f"<th scope='col'>{html.escape(m)}</th>" for m in months)
    body = "".join(
        f"<tr><th scope='row'>{html.escape(str(sector))}</th>"
        + "".join(f"<td>{int(v)}</td>" for v in values)
        + f"<td>{int(sum(values))}</td></tr>"
        for sector, values in zip(table.index, table.to_numpy(), strict=True)
    )
    total = int(table.to_numpy().sum())
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Rescues by sector and month ({html.escape(country)})</title>"
        "<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2rem .5rem}td{text-align:right}</style></head><body>"
        f"<h1>Rescues by sector and month ({html.escape(country)})</h1>"
        f"<p>{total} people rescued in {len(table.index)} sector(s) over {len(months)} month(s); "
        f"generated {generated:%Y-%m-%d %H:%M} UTC. Darker cells: more people.</p>"
        f"<img alt='Heat map of people rescued by sector and month' src='data:image/png;base64,{image}'>"
        f"<table><thead><tr><th scope='col'>Sector</th>{head}<th scope='col'>Total</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError("cannot_write", f"cannot write the report to {path}: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------- retention


@dataclass(frozen=True, slots=True)
class AuditEntry:
    person_ref: str
    action: str  # "delete" or "keep"
    reason: str


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    delete: tuple[str, ...]
    keep: tuple[str, ...]
    audit: tuple[AuditEntry, ...]


def due_for_deletion(
    records: Sequence[PersonRecord],
    now: datetime,
    retention: dict[Purpose, timedelta] | None = None,
) -> RetentionDecision:
    """Which records are past every purpose's retention (and under no hold); what to audit. Pure."""
    if now.tzinfo is None:
        raise InputError("naive_time", "now must be timezone-aware")
    retention = retention or DEFAULT_RETENTION
    delete, keep, audit = [], [], []
    for record in records:
        until = max(record.collected_at + retention[p] for p in record.purposes)
        if record.legal_hold:
            keep.append(record.person_ref)
            audit.append(AuditEntry(record.person_ref, "keep", "legal hold"))
        elif now >= until:
            delete.append(record.person_ref)
            purposes = ", ".join(sorted(record.purposes))
            reason = f"retention for {purposes} ended {until.astimezone(UTC):%Y-%m-%d}"
            audit.append(AuditEntry(record.person_ref, "delete", reason))
        else:
            keep.append(record.person_ref)
    return RetentionDecision(tuple(delete), tuple(keep), tuple(audit))
