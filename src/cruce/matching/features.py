"""Evidence beyond the name: birth date, documents, country, gender. Each returns an adjustment and a reason.

An adjustment either lifts the score towards 1 (agreement: `boost`) or scales it down (conflict: `factor`).
Conflicts are strong on purpose: the same name with a birth date years apart is, in a booth, another person.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final, final

from cruce.core.dates import PartialDate
from cruce.core.identifiers import check_identifier
from cruce.core.model import Entity, Identifier
from cruce.matching.scorer import CONFIG
from cruce.matching.types import Feature, Match

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


@final
class Adjustment:
    """What one piece of evidence does to a score, and why. Its fields are final; not a frozen dataclass,
    whose generated `__init__` would run in the interpreter for every candidate (see `NameTokens`)."""

    def __init__(self, boost: float, factor: float, feature: Feature) -> None:
        self.boost: Final = boost  # share of the remaining distance to 1 that agreement adds
        self.factor: Final = factor  # multiplier for conflict (1.0 = none)
        self.feature: Final = feature

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Adjustment) and (self.boost, self.factor, self.feature) == (
            other.boost,
            other.factor,
            other.feature,
        )

    def __hash__(self) -> int:
        return hash((self.boost, self.factor, self.feature))

    def __repr__(self) -> str:
        return f"Adjustment(boost={self.boost!r}, factor={self.factor!r}, feature={self.feature!r})"


_NEAR_HALF: Final = 1e-6
_EXACT_UP_TO: Final = 1e9  # far below 2**53: the product is exact to well within `_NEAR_HALF`


def rounded(value: float, digits: int) -> float:
    """`round(value, digits)`, the same float, without the decimal conversion `round` makes every time (a
    reported score is rounded several times per match). Only a value within a hair of a half, where the
    product with the power of ten may round either way, is left to `round`."""
    scale = 10.0**digits
    scaled = value * scale
    if not -_EXACT_UP_TO < scaled < _EXACT_UP_TO:  # also inf and nan
        return round(value, digits)
    whole = math.floor(scaled)
    rest = scaled - whole
    if abs(rest - 0.5) < _NEAR_HALF:
        return round(value, digits)
    result = (whole + 1 if rest > 0.5 else whole) / scale
    return result if result != 0.0 else math.copysign(0.0, value)  # round(-0.0001, 3) is -0.0


_SET_FIELD: Final = object.__setattr__


def new_feature(name: str, value: float, detail: str) -> Feature:
    """`Feature(name, value, detail)`: the same frozen object, its fields set as the dataclass's generated
    `__init__` sets them, without running that `__init__` in the interpreter (several per reported match)."""
    made: Feature = object.__new__(Feature)
    _SET_FIELD(made, "name", name)
    _SET_FIELD(made, "value", value)
    _SET_FIELD(made, "detail", detail)
    return made


def new_match(
    entity: Entity,
    score: float,
    alert: bool,
    matched_name: str,
    *,
    features: tuple[Feature, ...],
    threshold: float,
) -> Match:
    """`Match(...)` with every field given, made as `new_feature` makes a feature."""
    made: Match = object.__new__(Match)
    _SET_FIELD(made, "entity", entity)
    _SET_FIELD(made, "score", score)
    _SET_FIELD(made, "alert", alert)
    _SET_FIELD(made, "matched_name", matched_name)
    _SET_FIELD(made, "features", features)
    _SET_FIELD(made, "threshold", threshold)
    return made


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
    return Adjustment(boost, factor, new_feature("birth_date", rounded(value, 3), detail))


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
                new_feature(
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
        return Adjustment(0.0, f, new_feature("identifier", rounded(f - 1.0, 3), conflict))
    return None


def country_adjustment(query_countries: Sequence[str], entity: Entity) -> Adjustment | None:
    if not query_countries:
        return None
    listed = set(entity.all_countries())
    if not listed:
        return None
    shared = listed.intersection(query_countries)
    if shared:
        b = CONFIG.country_agrees_boost
        return Adjustment(b, 1.0, new_feature("country", b, f"country {', '.join(sorted(shared))} agrees"))
    return Adjustment(
        0.0,
        CONFIG.country_differs_factor,
        new_feature(
            "country",
            rounded(CONFIG.country_differs_factor - 1.0, 3),
            f"country {', '.join(query_countries)} vs listed {', '.join(sorted(listed))}",
        ),
    )


def gender_adjustment(query_gender: str | None, entity: Entity) -> Adjustment | None:
    if not query_gender or not entity.gender:
        return None
    q, listed = query_gender.strip().lower()[:1], entity.gender.strip().lower()[:1]
    if q == listed:
        b = CONFIG.gender_agrees_boost
        return Adjustment(b, 1.0, new_feature("gender", b, f"gender {entity.gender} agrees"))
    f = CONFIG.gender_differs_factor
    return Adjustment(
        0.0, f, new_feature("gender", rounded(f - 1.0, 3), f"gender {query_gender} vs listed {entity.gender}")
    )
