"""Read the facts OFAC packs into its free-text Remarks column.

OFAC's legacy CSV has no columns for birth dates, documents or nationality; they sit in `Remarks` as
`;`-separated phrases (`DOB 12 Jan 1970; POB Culiacan, Sinaloa, Mexico; C.U.R.P. ABCD700112HSLRRN09
(Mexico); a.k.a. 'EL FLACO'; Linked To: X.`). Screening is only as good as these facts, so each phrase kind
that occurs in the real list is recognised here; anything else stays in the remarks text untouched.

`parse_remarks` never raises: an unreadable value is reported in `problems` and the rest still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cruce.core.countries import to_iso2
from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import AliasQuality, Identifier, Name, NameKind
from cruce.lists._common import clean, is_no_country, parse_dates

EMPTY = "-0-"


@dataclass(slots=True)
class RemarkFacts:
    """What the remarks say about one entry; lists keep the order the remarks give."""

    birth_dates: list[PartialDate] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)  # ISO alpha-2, nationality and citizenship
    countries: list[str] = field(default_factory=list)  # other linked countries (registration, flags)
    gender: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    aliases: list[Name] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (field, value, reason)

    def add_extra(self, key: str, value: str) -> None:
        values = self.extra.setdefault(key, [])
        if value not in values:
            values.append(value)


# Identifier phrases as they occur in the SDN and consolidated lists, mapped to IDENTIFIER_KINDS codes.
_ID_KEYS: dict[str, str] = {
    "passport": "passport",
    "diplomatic passport": "passport",
    "travel document number": "passport",
    "c.u.r.p.": "curp",
    "curp": "curp",
    "r.f.c.": "rfc",
    "rfc": "rfc",
    "cedula no.": "cedula",
    "cédula no.": "cedula",
    "cedula": "cedula",
    "national id no.": "national_id",
    "national id number": "national_id",
    "national identification number": "national_id",
    "d.n.i.": "national_id",
    "identification number": "national_id",
    "personal id card": "national_id",
    "turkish identification number": "national_id",
    "numero de identidad": "national_id",
    "citizen's card number": "national_id",
    "kenyan id no.": "national_id",
    "c.u.i.": "national_id",
    "le number": "national_id",
    "ssn": "national_id",
    "tax id no.": "tax_id",
    "v.a.t. number": "tax_id",
    "italian fiscal code": "tax_id",
    "c.u.i.t.": "tax_id",
    "nit": "tax_id",
    "rtn": "tax_id",
    "us fein": "tax_id",
    "registration id": "registration",
    "registration number": "registration",
    "company number": "registration",
    "uk company number": "registration",
    "commercial registry number": "registration",
    "business registration document": "registration",
    "business registration number": "registration",
    "folio mercantil no.": "registration",
    "matricula mercantil no.": "registration",
    "matricula mercantil no": "registration",
    "government gazette number": "registration",
    "trade license no.": "registration",
    "c.r. no.": "registration",
    "chamber of commerce number": "registration",
    "certificate of incorporation number": "registration",
    "legal entity number": "registration",
    "enterprise number": "registration",
    "branch unit number": "registration",
    "unified social credit code (uscc)": "registration",
    "united social credit code certificate (usccc)": "registration",
    "d-u-n-s number": "registration",
    "registered charity no.": "registration",
    "dubai chamber of commerce membership no.": "registration",
    "vessel registration identification": "imo",
    "mmsi": "mmsi",
    "aircraft construction number (also called l/n or s/n or f/n)": "aircraft_serial",
    "aircraft manufacturer's serial number (msn)": "aircraft_serial",
    "aircraft tail number": "tail_number",
    "previous aircraft tail number": "tail_number",
    "driver's license no.": "drivers_license",
    "electoral registry no.": "voter_id",
    "credencial electoral": "voter_id",
    "i.f.e.": "voter_id",
    "swift/bic": "swift",
    "c.u.i.p.": "other",
    "cartilla de servicio militar nacional": "other",
    "visanumberid": "other",
    "residency number": "other",
    "birth certificate number": "other",
    "public security and immigration no.": "other",
    "bik (ru)": "other",
}

# Phrases that carry a fact other than an identifier; the value is the handler name.
_FACT_KEYS: dict[str, str] = {
    "dob": "dob",
    "pob": "pob",
    "nationality of registration": "registration_country",
    "nationality": "nationality",
    "citizen": "nationality",
    "gender": "gender",
    "a.k.a.": "aka",
    "f.k.a.": "fka",
    "n.k.a.": "nka",
    "linked to": "linked",
    "former vessel flag": "former_flag",
    "other vessel flag": "other_flag",
    "other vessel call sign": "x:call_sign",
    "other vessel type": "x:vessel_type",
    "aircraft model": "x:aircraft_model",
    "aircraft operator": "x:aircraft_operator",
    "aircraft manufacture date": "x:aircraft_manufacture_date",
    "website": "x:website",
    "email address": "x:email",
    "email": "x:email",
    "telephone no.": "x:phone",
    "telephone": "x:phone",
    "phone no.": "x:phone",
    "phone": "x:phone",
    "digital currency address": "x:digital_currency_address",
}

_ALL_KEYS = {**_ID_KEYS, **_FACT_KEYS}
# One alternation, longest key first so `Diplomatic Passport` wins over `Passport` and `C.U.I.T.` over
# `C.U.I.`; the key must not run into a letter (`RFC` is not the start of `RFCX`).
_PHRASE = re.compile(
    r"^(?:alt\.\s*)?(?P<key>"
    + "|".join(re.escape(k) for k in sorted(_ALL_KEYS, key=len, reverse=True))
    + r")(?![A-Za-z])[\s:#\-]*(?P<value>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TRAILING_DATES = re.compile(
    r"\s+(?:issued|expires|issue date|expiration date|valid until)\b.*$", re.IGNORECASE
)
_TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_GENERATIONAL = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_QUOTED = re.compile(r"^'(.*)'$", re.DOTALL)


def split_person_name(text: str) -> tuple[str | None, str | None]:
    """`LAST, First Middle` -> (`LAST`, `First Middle`); no comma -> (None, None).

    Generational suffixes (`DELOS REYES, Feliciano, Jr.`) are dropped from the split, not the text.
    """
    if "," not in text:
        return None, None
    family, _, rest = text.partition(",")
    given_parts = [p.strip() for p in rest.split(",") if p.strip() and p.strip().lower() not in _GENERATIONAL]
    return clean(family), clean(" ".join(given_parts))


_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.)+$")
# Company forms and honorifics that end in a dot of their own.
_ABBREVIATED_WORDS = frozenset(
    ("co", "inc", "ltd", "corp", "jr", "sr", "llc", "plc", "bhd", "pvt", "est", "no", "st", "cia")
)


def strip_full_stop(value: str) -> str:
    """Drop the sentence's full stop that OFAC puts after the last phrase, but keep the dot of a trailing
    abbreviation: `Linked To: PETROLEOS DE VENEZUELA, S.A.` must still name `..., S.A.`."""
    value = value.strip()
    if not value.endswith("."):
        return value
    last = value.rsplit(None, 1)[-1]
    if _ABBREVIATION.match(last) or last[:-1].lower() in _ABBREVIATED_WORDS:
        return value
    return value[:-1].rstrip()


def _split_phrases(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def parse_remarks(text: str | None, *, person: bool = False) -> RemarkFacts:
    """Parse an OFAC Remarks cell. `person` makes in-remarks aliases split as `LAST, First` names.

    Never raises; values it recognises but cannot read go to `problems`.
    """
    facts = RemarkFacts()
    if text is None or text.strip() in ("", EMPTY):
        return facts
    for phrase in _split_phrases(text):
        try:
            _apply(facts, phrase, person)
        except InputError as exc:  # a bad value in one phrase must not cost the others
            facts.problems.append(("Remarks", phrase, exc.message))
    return facts


def _apply(facts: RemarkFacts, phrase: str, person: bool) -> None:
    m = _PHRASE.match(phrase)
    if m is None:
        return
    key = m.group("key").lower()
    value = m.group("value").strip()
    value = strip_full_stop(value)
    if key in _ID_KEYS:
        _identifier(facts, _ID_KEYS[key], m.group("key"), value)
        return
    handler = _FACT_KEYS[key]
    if not value:
        facts.problems.append((m.group("key"), phrase, "no value"))
        return
    if handler == "dob":
        try:
            dates = parse_dates(value)
        except InputError as exc:
            facts.problems.append(("DOB", value, exc.message))
            return
        facts.birth_dates.extend(d for d in dates if d not in facts.birth_dates)
    elif handler == "pob":
        place = clean(value)
        if place and place not in facts.birth_places:
            facts.birth_places.append(place)
    elif handler in ("nationality", "registration_country", "other_flag"):
        _country(facts, m.group("key"), value, handler)
    elif handler == "gender":
        gender = value.lower()
        if gender not in ("male", "female"):
            facts.problems.append(("Gender", value, "expected Male or Female"))
        else:
            facts.gender = gender
    elif handler in ("aka", "fka", "nka"):
        _alias(facts, handler, value, person)
    elif handler == "linked":
        target = clean(value)
        if target and target not in facts.linked_to:
            facts.linked_to.append(target)
    elif handler == "former_flag":
        if not is_no_country(value):
            facts.add_extra("former_flags", value)
    elif handler.startswith("x:"):
        facts.add_extra(handler[2:], value.lstrip("- ").strip())


def _country(facts: RemarkFacts, key: str, value: str, handler: str) -> None:
    text = re.sub(r"^possibly\s+", "", value, flags=re.IGNORECASE)
    if is_no_country(text):
        return
    code = to_iso2(text)
    if code is None:
        facts.problems.append((key, value, "unknown country"))
        return
    target = facts.nationalities if handler == "nationality" else facts.countries
    if code not in target:
        target.append(code)


def _alias(facts: RemarkFacts, handler: str, value: str, person: bool) -> None:
    quoted = _QUOTED.match(value)
    text = clean(quoted.group(1) if quoted else value.strip("'"))
    if not text:
        return
    family, given = split_person_name(text) if person else (None, None)
    name = Name(
        text,
        kind={"aka": NameKind.AKA, "fka": NameKind.FKA, "nka": NameKind.NKA}[handler],
        # OFAC puts nicknames and partial names in the remarks and full aliases in the alt file;
        # a remarks alias alone is weak evidence.
        quality=AliasQuality.WEAK,
        family=family,
        given=given,
    )
    if name not in facts.aliases:
        facts.aliases.append(name)


def parse_identifier(kind: str, value: str) -> Identifier:
    """`ABCD700112HSLRRN09 (Mexico) issued 2005` -> Identifier(kind, value, country).

    The printed value is kept (dashes and dots included: the matcher decides how to compare), but CURP and
    RFC, whose official form is upper case without spaces, come out that way. Raises InputError when empty.
    """
    text = _TRAILING_DATES.sub("", value).strip(" .,;")
    country: str | None = None
    if m := _TRAILING_PAREN.search(text):
        code = to_iso2(m.group(1))
        if code is not None:
            country = code
            text = text[: m.start()].strip(" .,;")
    if kind == "imo":
        text = re.sub(r"^IMO\s*", "", text, flags=re.IGNORECASE)
    text = " ".join(text.split())
    if kind in ("curp", "rfc"):
        text = text.replace(" ", "").upper()
        country = country or "MX"
    if not text:
        raise InputError("bad_identifier", "identifier without a number")
    return Identifier(kind, text, country)


def _identifier(facts: RemarkFacts, kind: str, key: str, value: str) -> None:
    try:
        ident = parse_identifier(kind, value)
    except InputError as exc:
        facts.problems.append((key, value, exc.message))
        return
    if ident not in facts.identifiers:
        facts.identifiers.append(ident)


def parse_dob(text: str) -> tuple[PartialDate, ...]:
    """The date part of a `DOB ...` phrase (`12 Jan 1970`, `circa 1951`, `1960 to 1962`).

    Raises InputError, and only InputError, when the text is not a date or names an impossible one.
    """
    return parse_dates(text)
