"""Evidence beyond the name: birth date, documents, country, gender. Each returns an adjustment and a reason.

An adjustment either lifts the score towards 1 (agreement: `boost`) or scales it down (conflict: `factor`).
Conflicts are strong on purpose: the same name with a birth date years apart is, in a booth, another person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cruce.core.dates import PartialDate
from cruce.core.identifiers import check_identifier
from cruce.core.model import Entity, Identifier
from cruce.matching.scorer import CONFIG
from cruce.matching.types import Feature

_ID_CLEAN: Final = re.compile(r"[^A-Z0-9]")

# Identifier kinds that may be compared with each other (a passport number may be listed as a national id).
_COMPARABLE: Final = {
    "passport": "passport",
    "national_id": "national_id",
    "cedula": "national_id",
    "curp": "curp",
    "rfc": "rfc",
    "tax_id": "rfc",
    "imo": "imo",
    "mmsi": "mmsi",
    "tail_number": "tail_number",
    "registration": "registration",
    "drivers_license": "drivers_license",
    "voter_id": "voter_id",
}


@dataclass(frozen=True, slots=True)
class Adjustment:
    boost: float  # share of the remaining distance to 1 that agreement adds
    factor: float  # multiplier for conflict (1.0 = none)
    feature: Feature


def normalize_identifier(value: str) -> str:
    return _ID_CLEAN.sub("", value.upper())


def _compare_dates(query: PartialDate, listed: PartialDate) -> tuple[float, float, str]:
    """(boost, factor, detail) of one presented date against one listed date."""
    tolerance = 2 if listed.approximate else 0
    years_apart = abs(query.year - listed.year)
    if years_apart > tolerance:
        factor = (
            CONFIG.birth_date_one_year_factor if years_apart == 1 else CONFIG.birth_date_years_apart_factor
        )
        return 0.0, factor, f"born {query.iso()}, listed {listed} ({years_apart} years apart)"
    if years_apart or listed.approximate:
        return 0.1, 1.0, f"born {query.year}, listed circa {listed.year}"
    if query.month is None or listed.month is None:
        return 0.15, 1.0, f"birth year {query.year} agrees"
    if query.month != listed.month:
        if (
            query.day is not None
            and listed.day is not None
            and (query.day, query.month)
            == (
                listed.month,
                listed.day,
            )
        ):
            return 0.3, 1.0, f"born {query.iso()}, listed {listed.iso()} (day and month swapped)"
        return 0.0, 0.85, f"born {query.iso()}, listed {listed.iso()} (same year, other month)"
    if query.day is None or listed.day is None:
        return 0.25, 1.0, f"birth month {query.year}-{query.month:02d} agrees"
    if query.day != listed.day:
        return 0.0, 0.9, f"born {query.iso()}, listed {listed.iso()} (same month, other day)"
    return CONFIG.birth_date_exact_boost, 1.0, f"birth date {query.iso()} agrees"


def birth_date_adjustment(query: PartialDate | None, entity: Entity) -> Adjustment | None:
    if query is None or not entity.birth_dates:
        return None
    best = max((_compare_dates(query, listed) for listed in entity.birth_dates), key=lambda r: (r[1], r[0]))
    boost, factor, detail = best
    value = boost if factor == 1.0 else factor - 1.0
    return Adjustment(boost, factor, Feature("birth_date", round(value, 3), detail))


def identifier_adjustment(query_ids: Sequence[Identifier], entity: Entity) -> Adjustment | None:
    """An exact document match is strong evidence; another number of that kind, strong counter-evidence."""
    if not query_ids or not entity.identifiers:
        return None
    listed_by_kind: dict[str, set[str]] = {}
    for ident in entity.identifiers:
        kind = _COMPARABLE.get(ident.kind, ident.kind)
        listed_by_kind.setdefault(kind, set()).add(normalize_identifier(ident.value))
    all_listed = {v for values in listed_by_kind.values() for v in values}
    conflict: str | None = None
    for ident in query_ids:
        value = normalize_identifier(ident.value)
        if not value:
            continue
        if value in all_listed:
            # The same number on both sides is strong evidence whether or not its check digit holds (lists
            # and documents carry mistyped numbers verbatim); a failed check is said, for the officer.
            check = check_identifier(ident.kind, value)
            note = f" (its check digit fails: {check.reason})" if check.valid is False else ""
            return Adjustment(
                CONFIG.identifier_match_boost,
                1.0,
                Feature(
                    "identifier",
                    CONFIG.identifier_match_boost,
                    f"{ident.kind} {ident.value} is on the list{note}",
                ),
            )
        kind = _COMPARABLE.get(ident.kind, ident.kind)
        if kind in listed_by_kind and kind in ("curp", "rfc", "passport", "national_id", "imo"):
            conflict = (
                f"{ident.kind} {ident.value} differs from listed {', '.join(sorted(listed_by_kind[kind]))}"
            )
    if conflict:
        f = CONFIG.identifier_conflict_factor
        return Adjustment(0.0, f, Feature("identifier", round(f - 1.0, 3), conflict))
    return None


def country_adjustment(query_countries: Sequence[str], entity: Entity) -> Adjustment | None:
    listed = set(entity.all_countries())
    if not query_countries or not listed:
        return None
    shared = listed.intersection(query_countries)
    if shared:
        b = CONFIG.country_agrees_boost
        return Adjustment(b, 1.0, Feature("country", b, f"country {', '.join(sorted(shared))} agrees"))
    return Adjustment(
        0.0,
        CONFIG.country_differs_factor,
        Feature(
            "country",
            round(CONFIG.country_differs_factor - 1.0, 3),
            f"country {', '.join(query_countries)} vs listed {', '.join(sorted(listed))}",
        ),
    )


def gender_adjustment(query_gender: str | None, entity: Entity) -> Adjustment | None:
    if not query_gender or not entity.gender:
        return None
    q, listed = query_gender.strip().lower()[:1], entity.gender.strip().lower()[:1]
    if q == listed:
        b = CONFIG.gender_agrees_boost
        return Adjustment(b, 1.0, Feature("gender", b, f"gender {entity.gender} agrees"))
    f = CONFIG.gender_differs_factor
    return Adjustment(
        0.0, f, Feature("gender", round(f - 1.0, 3), f"gender {query_gender} vs listed {entity.gender}")
    )
