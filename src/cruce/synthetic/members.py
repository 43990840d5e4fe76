"""Synthetic program members for re-vetting tests and benchmarks, some of them planted on a list.

A million members cannot come from Faker one by one in reasonable time, so the names, birth dates and
documents of a few thousand people from `generate_people` are recombined at random (given names, paternal
and maternal surnames drawn independently): the name frequencies stay those of the border's population.
`planted` members are written as a listed person is (maternal surname dropped, a typo, the listed birth
date): the hits re-vetting must find.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator, Sequence

from cruce.core.dates import PartialDate
from cruce.core.errors import CruceError
from cruce.core.model import Entity, Identifier, Schema
from cruce.matching.types import Query
from cruce.programs.model import MemberParties, Party, PartyRole
from cruce.synthetic.people import generate_people
from cruce.synthetic.perturb import typo

_COUNTRIES = ("MX", "MX", "MX", "US", "US", "CA")
_PROGRAMS = (("sentri", "USA"), ("nexus", "CAN"), ("viajero-confiable", "MEX"))


def _pool(seed: int, people: int) -> tuple[list[str], list[str], list[PartialDate]]:
    given: list[str] = []
    surnames: list[str] = []
    births: list[PartialDate] = []
    for row in generate_people(people, seed):
        if row["given_name"].strip():
            given.append(row["given_name"].strip().title())
        surnames.extend(w.title() for w in row["surname"].split() if len(w) > 1)
        with contextlib.suppress(ValueError, CruceError):  # a date that reads both ways is left out
            births.append(PartialDate.parse(row["birth_date"]))
    return given, surnames, births


def generate_members(
    count: int,
    seed: int = 7,
    *,
    planted_from: Sequence[Entity] = (),
    pool_people: int = 2000,
) -> Iterator[MemberParties]:
    """`count` members (ids `member:1`...); the first ones written after the listed persons `planted_from`."""
    rng = random.Random(f"cruce-members:{seed}")
    given, surnames, births = _pool(seed, pool_people)
    planted = [e for e in planted_from if e.schema is Schema.PERSON and e.names]
    for number in range(1, count + 1):
        program, country = _PROGRAMS[number % len(_PROGRAMS)]
        if number <= len(planted):
            query = _planted_query(planted[number - 1], rng)
        else:
            name = f"{rng.choice(given)} {rng.choice(surnames)}"
            if rng.random() < 0.6:
                name += f" {rng.choice(surnames)}"
            ids: tuple[Identifier, ...] = ()
            if rng.random() < 0.5:
                ids = (Identifier("passport", f"P{rng.randrange(10**8):08d}", _COUNTRIES[number % 6]),)
            query = Query(
                name,
                Schema.PERSON,
                _birth(rng) if rng.random() < 0.8 else rng.choice(births),
                (rng.choice(_COUNTRIES),),
                rng.choice(("male", "female")),
                ids,
            )
        yield MemberParties(f"member:{number}", program, country, (Party(PartyRole.APPLICANT, query),))


def _birth(rng: random.Random) -> PartialDate:
    return PartialDate(rng.randint(1940, 2007), rng.randint(1, 12), rng.randint(1, 28))


def _planted_query(entity: Entity, rng: random.Random) -> Query:
    name = entity.names[0]
    text = name.text
    if name.family and name.given:
        family = name.family.split()
        if len(family) > 1 and rng.random() < 0.5:
            family = family[:1]  # the maternal surname dropped, as at a booth
        text = f"{name.given} {' '.join(family)}"
    if rng.random() < 0.3:
        text = typo(text, rng)
    birth = entity.birth_dates[0] if entity.birth_dates and rng.random() < 0.7 else None
    countries = entity.nationalities[:1]
    return Query(text, Schema.PERSON, birth, countries, entity.gender)
