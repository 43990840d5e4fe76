"""A screening query from what a person typed: name, schema, birth date, countries, gender, documents.

Every door builds its queries here (the API, the console, a batch file's rows), so a value is read the same
way whichever door it came through, and a bad one is an InputError naming it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cruce.core.countries import to_iso2
from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import IDENTIFIER_KINDS, Identifier, Schema
from cruce.matching.types import Query


def make_query(
    name: str,
    *,
    schema: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    query_id: str | None = None,
    gender: str | None = None,
    documents: str | Sequence[str] | None = None,
) -> Query:
    """A Query from user text; a bad schema, date, country, gender or document is an InputError naming it.

    `documents` are `kind:number` (curp:RAPF700505HSLMRR09, passport:G12345678), one string each or several
    in one string separated by `;`.
    """
    if not name or not name.strip():
        raise InputError("empty_name", "a name is needed to screen")
    countries: tuple[str, ...] = ()
    if country and country.strip():
        codes = []
        whole = to_iso2(country)  # "Korea, North" is one country; "MX, US" is two
        parts = [country] if whole else country.replace(";", ",").split(",")
        for part in parts:
            if not part.strip():
                continue
            code = to_iso2(part)
            if code is None:
                raise InputError(
                    "bad_country",
                    f"unknown country {part.strip()!r}; use a country name or ISO code (MX, MEX)",
                )
            codes.append(code)
        countries = tuple(dict.fromkeys(codes))
    dob = _parse_birth_date(birth_date) if birth_date and birth_date.strip() else None
    return Query(
        name=name.strip(),
        schema=Schema.parse(schema),
        birth_date=dob,
        countries=countries,
        id=query_id,
        gender=_parse_gender(gender),
        identifiers=_parse_documents(documents),
    )


_GENDERS = {"m": "male", "male": "male", "h": "male", "hombre": "male", "f": "female", "female": "female",
            "mujer": "female"}  # fmt: skip


def _parse_gender(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    gender = _GENDERS.get(text.strip().lower())
    if gender is None:
        raise InputError(
            "bad_gender", f"unknown gender {text.strip()!r}; use male/female (M/F, H/M in Spanish)"
        )
    return gender


def _parse_documents(documents: str | Sequence[str] | None) -> tuple[Identifier, ...]:
    if not documents:
        return ()
    items = (
        documents.split(";") if isinstance(documents, str) else [p for d in documents for p in d.split(";")]
    )
    found: list[Identifier] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        kind, sep, number = item.partition(":")
        kind = kind.strip().lower()
        if not sep or not number.strip() or kind not in IDENTIFIER_KINDS:
            raise InputError(
                "bad_document",
                f"document {item!r} should be kind:number with kind one of {', '.join(IDENTIFIER_KINDS)}",
            )
        found.append(Identifier(kind, number.strip()))
    return tuple(found)


def _parse_birth_date(text: str) -> PartialDate:
    """PartialDate.parse, with the offending text and the accepted forms always in the message."""
    try:
        return PartialDate.parse(text)
    except InputError as exc:
        raw = text.strip()
        if repr(raw) in exc.message:
            raise
        raise InputError(
            exc.code, f"bad birth date {raw!r}: {exc.message}; use YYYY-MM-DD, YYYY-MM or YYYY", exc.details
        ) from exc
