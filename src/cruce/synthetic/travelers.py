"""A day at a US–Mexico port of entry: the parties screened, with a known answer for each one.

Most parties are innocent; a `hit_rate` share are listed parties presenting their name the way people do
(accents lost, maternal surname dropped, a nickname, a typo); a `near_miss_rate` share are relatives who share
both surnames with a listed person and must not alert. Because the truth is recorded on every traveler, the
demo can show precision and recall, and a benchmark can break recall down by perturbation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from cruce.core.dates import PartialDate
from cruce.core.errors import CruceError, InputError
from cruce.core.model import Entity, Identifier, Schema
from cruce.matching.types import Query
from cruce.synthetic import documents as docs
from cruce.synthetic import namedata as nd
from cruce.synthetic.names import (
    ORIGINS,
    TWO_SURNAME_ORIGINS,
    PersonName,
    name_key,
    nicknames,
    split_units,
    strip_accents,
    token_key,
)
from cruce.synthetic.perturb import (
    document_style,
    legal_form_free_key,
    perturb_organization,
    perturb_person,
)
from cruce.synthetic.watchlist import EntityFactory, random_date

ROLES: tuple[str, ...] = ("pedestrian", "driver", "passenger", "shipper", "consignee")
PERSON_ROLES: tuple[tuple[str, int], ...] = (("pedestrian", 40), ("driver", 35), ("passenger", 25))
COMPANY_ROLES: tuple[tuple[str, int], ...] = (("shipper", 50), ("consignee", 50))

# Who crosses: mostly Mexican and US citizens, then Canadians and Central Americans.
_NATIONALITIES: tuple[tuple[str, int], ...] = (
    ("MX", 520),
    ("US", 340),
    ("CA", 30),
    ("GT", 30),
    ("HN", 25),
    ("SV", 20),
    ("CO", 15),
    ("VE", 4),
    ("CU", 4),
    ("NI", 3),
    ("ES", 2),
    ("GB", 2),
    ("DE", 2),
    ("JO", 1),
    ("LB", 1),
    ("EG", 1),
)
_OTHER_ORIGIN = {
    "GT": "cam",
    "HN": "cam",
    "SV": "cam",
    "NI": "cam",
    "CU": "cam",
    "VE": "co",
    "ES": "co",
    "CO": "co",
    "GB": "us",
    "DE": "us",
    "JO": "ar",
    "LB": "ar",
    "EG": "ar",
}
_SHIPPER_COUNTRIES: tuple[tuple[str, int], ...] = (("MX", 65), ("US", 25), ("CA", 5), ("CO", 5))
_CONSIGNEE_COUNTRIES: tuple[tuple[str, int], ...] = (("US", 70), ("MX", 20), ("CA", 7), ("CO", 3))
_RELATIVE_ORIGINS = TWO_SURNAME_ORIGINS | {"ar"}


@dataclass(frozen=True, slots=True)
class SyntheticTraveler:
    """One screened party and the truth about it.

    `planted_entity_id` is the listed entity this party really is (it should alert); `perturbation` names
    what was done to the listed name, `+`-joined (`"maternal_dropped+typo"`). `near_miss_of` is set for a
    relative of a listed person (same surnames, another person), who should not alert.
    """

    query: Query
    role: str
    planted_entity_id: str | None
    perturbation: str | None
    near_miss_of: str | None = None

    @property
    def should_alert(self) -> bool:
        return self.planted_entity_id is not None


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def person_name_of(entity: Entity) -> PersonName:
    """Recover name structure from a listed person, using the `family`/`given` split lists provide."""
    primary = entity.names[0]
    origin = entity.extra.get("name_origin", "")
    if origin not in ORIGINS:
        spanish = {"MX", "CO", "GT", "HN", "SV", "VE", "CU", "NI", "ES", "PE", "AR"}
        origin = "mx" if set(entity.nationalities) & spanish else "us"
    if primary.family:
        surnames = split_units(primary.family)
        given = split_units(primary.given)
    else:
        units = split_units(primary.text)
        split_at = max(1, len(units) - (2 if origin in TWO_SURNAME_ORIGINS and len(units) > 2 else 1))
        given, surnames = units[:split_at], units[split_at:]
    return PersonName(origin, entity.gender or "male", given, surnames)


def _style(text: str, rng: random.Random) -> tuple[str, str | None]:
    """How the document prints names: as typed (accents), upper case plain (MRZ style), or accents lost."""
    roll = rng.random()
    if roll < 0.35:
        return document_style(text), "document_style"
    if roll < 0.45:
        return strip_accents(text), "accents_stripped"
    return text, None


def _dob_from(listed: PartialDate, rng: random.Random) -> PartialDate:
    """A full date a document would carry for someone listed with this (maybe partial) date."""
    if listed.day is not None and listed.month is not None:
        return PartialDate(listed.year, listed.month, listed.day)
    if listed.month is not None:
        return PartialDate(listed.year, listed.month, rng.randint(1, 28))
    born = random_date(rng, date(listed.year, 1, 1), date(listed.year, 12, 31))
    return PartialDate(born.year, born.month, born.day)


class _Day:
    """State for one generated day: generators, listed names to avoid, entities to plant."""

    def __init__(self, seed: int, watchlist: list[Entity]) -> None:
        self.seed = seed
        self.rng = random.Random(f"cruce-synthetic-travelers:{seed}")
        self.companies = EntityFactory(self.rng)
        self.names = self.companies.names
        self.listed_keys: set[str] = set()
        self.listed_tokens: set[tuple[str, ...]] = set()
        for entity in watchlist:
            for name in entity.names:
                self.listed_keys.add(name_key(name.text))
                self.listed_keys.add(legal_form_free_key(name.text))
                self.listed_tokens.add(token_key(name.text))
        self.persons = [e for e in watchlist if e.schema is Schema.PERSON and e.names]
        self.organizations = [e for e in watchlist if e.schema is Schema.ORGANIZATION and e.names]
        self.relatable: list[Entity] = []
        for entity in self.persons:
            person = person_name_of(entity)
            if person.origin in _RELATIVE_ORIGINS and len(person.surnames) >= (
                1 if person.origin == "ar" else 2
            ):
                self.relatable.append(entity)

    def is_listed(self, text: str) -> bool:
        """Whether `text` is a listed name up to case, accents, punctuation, word order and legal form."""
        return (
            name_key(text) in self.listed_keys
            or legal_form_free_key(text) in self.listed_keys
            or token_key(text) in self.listed_tokens
        )

    def unlisted(self, make: Callable[[], str | None]) -> str:
        """The first name from `make` that no listed entity carries (`make` returns None to skip a draw)."""
        for _ in range(200):
            text = make()
            if text is not None and not self.is_listed(text):
                return text
        raise CruceError("synthetic_exhausted", "could not draw a name that is not on the watchlist")

    # --- innocents --------------------------------------------------------------------------------------

    def innocent_person(self, number: int) -> SyntheticTraveler:
        rng = self.rng
        nationality = _weighted(rng, _NATIONALITIES)
        if nationality == "MX":
            origin = "mx"
        elif nationality == "US":
            origin = "us" if rng.random() < 0.6 else "us_hisp"
        elif nationality == "CA":
            origin = "ca_en" if rng.random() < 0.7 else "ca_fr"
        else:
            origin = _OTHER_ORIGIN[nationality]
        gender = "male" if rng.random() < 0.55 else "female"
        text = self.unlisted(lambda: _style(self.names.person(origin, gender).full, rng)[0])
        birth = None
        if rng.random() < 0.88:
            born = random_date(rng, date(1945, 1, 1), date(2006, 12, 31))
            birth = PartialDate(born.year, born.month, born.day)
        identifiers: tuple[Identifier, ...] = ()
        if rng.random() < 0.35:
            identifiers = (Identifier("passport", docs.passport_number(nationality, rng), nationality),)
        query = Query(
            name=text,
            schema=Schema.PERSON,
            birth_date=birth,
            countries=(nationality,),
            gender=gender if rng.random() < 0.9 else None,
            identifiers=identifiers,
            id=self.traveler_id(number),
        )
        return SyntheticTraveler(query, _weighted(rng, PERSON_ROLES), None, None)

    def innocent_company(self, number: int) -> SyntheticTraveler:
        rng = self.rng
        role = _weighted(rng, COMPANY_ROLES)
        country = _weighted(rng, _SHIPPER_COUNTRIES if role == "shipper" else _CONSIGNEE_COUNTRIES)

        def draw() -> str:
            text = self.companies.company_name(country, ())[0]
            return _style(text, rng)[0] if rng.random() < 0.5 else text

        text = self.unlisted(draw)
        query = Query(
            name=text, schema=Schema.ORGANIZATION, countries=(country,), id=self.traveler_id(number)
        )
        return SyntheticTraveler(query, role, None, None)

    # --- planted listed parties -------------------------------------------------------------------------

    def planted_person(self, number: int, entity: Entity) -> SyntheticTraveler:
        rng = self.rng
        name = person_name_of(entity)
        text, labels = perturb_person(name, entity, rng)
        styled, style = _style(text, rng)
        if style and styled != text and style not in labels:
            text = styled
            labels = [label for label in labels if label != "exact"] + [style]
        birth = None
        if entity.birth_dates and rng.random() < 0.55:
            birth = _dob_from(entity.birth_dates[0], rng)
        passports = [i for i in entity.identifiers if i.kind == "passport"]
        identifiers = (rng.choice(passports),) if passports and rng.random() < 0.25 else ()
        countries = entity.nationalities[:1] or entity.countries[:1]
        query = Query(
            name=text,
            schema=Schema.PERSON,
            birth_date=birth,
            countries=countries,
            gender=entity.gender if rng.random() < 0.9 else None,
            identifiers=identifiers,
            id=self.traveler_id(number),
        )
        return SyntheticTraveler(query, _weighted(rng, PERSON_ROLES), entity.id, "+".join(labels))

    def planted_company(self, number: int, entity: Entity) -> SyntheticTraveler:
        rng = self.rng
        text, labels = perturb_organization(entity.names[0].text, rng)
        if rng.random() < 0.3:
            styled = document_style(text)
            if styled != text:
                text = styled
                labels = [label for label in labels if label != "exact"] + ["document_style"]
        country = (entity.countries or entity.nationalities or ("MX",))[0]
        role = "shipper" if country == "MX" and rng.random() < 0.7 else _weighted(rng, COMPANY_ROLES)
        ids = [i for i in entity.identifiers if i.kind in ("rfc", "tax_id", "registration")]
        identifiers = (ids[0],) if ids and rng.random() < 0.2 else ()
        query = Query(
            name=text,
            schema=Schema.ORGANIZATION,
            countries=(country,),
            identifiers=identifiers,
            id=self.traveler_id(number),
        )
        return SyntheticTraveler(query, role, entity.id, "+".join(labels))

    # --- near misses ------------------------------------------------------------------------------------

    def relative(self, number: int, entity: Entity) -> SyntheticTraveler:
        """A sibling, parent or child: the listed surnames (and father's name), another given name."""
        rng = self.rng
        listed = person_name_of(entity)
        gender = "male" if rng.random() < 0.5 else "female"
        banned = {strip_accents(u).casefold() for u in listed.given}
        banned |= {strip_accents(n).casefold() for u in listed.given for n in nicknames(u)}
        banned |= {strip_accents(u).casefold() for u in nd.NICKNAMES if set(nicknames(u)) & set(listed.given)}

        def draw() -> str | None:
            given = self.names.given_for(listed.origin, gender)
            if listed.origin == "ar" and len(listed.given) > 1:
                # A sibling keeps the father's name; only the connector follows the sibling's gender.
                lineage = listed.given[1]
                connector, _, father = lineage.partition(" ")
                if connector in ("bin", "ibn", "bint") and father:
                    lineage = f"{'bint' if gender == 'female' else 'bin'} {father}"
                given = (given[0], lineage)
            if strip_accents(given[0]).casefold() in banned:
                return None
            return _style(PersonName(listed.origin, gender, given, listed.surnames).full, rng)[0]

        text = self.unlisted(draw)
        birth = None
        if entity.birth_dates and rng.random() < 0.7:
            listed_year = entity.birth_dates[0].year
            gap = rng.choice((rng.randint(2, 12), rng.randint(18, 35)))
            year = listed_year + gap * rng.choice((-1, 1))
            year = min(max(year, 1930), 2008)
            if abs(year - listed_year) < 2:
                year = listed_year - gap
            born = random_date(rng, date(year, 1, 1), date(year, 12, 31))
            birth = PartialDate(born.year, born.month, born.day)
        query = Query(
            name=text,
            schema=Schema.PERSON,
            birth_date=birth,
            countries=entity.nationalities[:1],
            gender=gender,
            id=self.traveler_id(number),
        )
        return SyntheticTraveler(
            query, _weighted(rng, PERSON_ROLES), None, "near_miss", near_miss_of=entity.id
        )

    def traveler_id(self, number: int) -> str:
        return f"synthetic-traveler:{self.seed}:{number}"


def _cycle(rng: random.Random, pool: list[Entity], count: int) -> list[Entity]:
    """`count` entities drawn without repeats until the pool is used up, then again."""
    out: list[Entity] = []
    while len(out) < count and pool:
        batch = list(pool)
        rng.shuffle(batch)
        out.extend(batch[: count - len(out)])
    return out


def generate_travelers(
    seed: int,
    watchlist: list[Entity],
    count: int = 5000,
    hit_rate: float = 0.01,
    near_miss_rate: float = 0.005,
) -> list[SyntheticTraveler]:
    """`count` parties screened in a day, `round(count * hit_rate)` of them listed; reproducible from `seed`.

    Roughly 82% are persons (pedestrians, drivers, passengers) and 18% companies (shippers, consignees).
    Planted parties are drawn from the watchlist's persons and companies; near misses from its persons with
    two surnames (or an Arabic family name). No innocent party carries a listed name, even ignoring case,
    accents, punctuation and word order.
    """
    if count < 0:
        raise InputError("bad_count", f"traveler count must be zero or more, got {count}", {"count": count})
    for label, rate in (("hit_rate", hit_rate), ("near_miss_rate", near_miss_rate)):
        if not 0.0 <= rate <= 1.0:
            raise InputError("bad_rate", f"{label} must be between 0 and 1, got {rate}", {label: rate})
    if hit_rate + near_miss_rate > 1.0:
        raise InputError(
            "bad_rate",
            "hit_rate + near_miss_rate must not exceed 1",
            {"hit_rate": hit_rate, "near_miss_rate": near_miss_rate},
        )
    day = _Day(seed, watchlist)
    rng = day.rng
    n_planted = round(count * hit_rate) if (day.persons or day.organizations) else 0
    n_near = round(count * near_miss_rate) if day.relatable else 0
    slots = rng.sample(range(count), n_planted + n_near)
    planted_slots = set(slots[:n_planted])
    near_slots = set(slots[n_planted:])

    n_planted_companies = 0
    if day.organizations:
        n_planted_companies = n_planted if not day.persons else round(n_planted * 0.2)
    planted_persons = iter(_cycle(rng, day.persons, n_planted - n_planted_companies))
    planted_companies = iter(_cycle(rng, day.organizations, n_planted_companies))
    kinds = ["company"] * n_planted_companies + ["person"] * (n_planted - n_planted_companies)
    rng.shuffle(kinds)
    planted_kind = iter(kinds)
    relatives = iter(_cycle(rng, day.relatable, n_near))

    travelers: list[SyntheticTraveler] = []
    for index in range(count):
        number = index + 1
        if index in planted_slots:
            if next(planted_kind) == "company":
                travelers.append(day.planted_company(number, next(planted_companies)))
            else:
                travelers.append(day.planted_person(number, next(planted_persons)))
        elif index in near_slots:
            travelers.append(day.relative(number, next(relatives)))
        elif rng.random() < 0.82:
            travelers.append(day.innocent_person(number))
        else:
            travelers.append(day.innocent_company(number))
    return travelers
