"""Make the repository's `benchmarks` package importable however pytest is started."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cruce.core.dates import PartialDate
from cruce.core.model import Entity, Name, NameKind, Schema

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _person(
    source_id: str,
    family: str,
    given: str,
    *,
    dobs: tuple[PartialDate, ...] = (),
    countries: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    list_id: str = "us-ofac-sdn",
) -> Entity:
    names = [Name(f"{family}, {given}", family=family, given=given)]
    names += [Name(a, kind=NameKind.AKA) for a in aliases]
    return Entity(
        id=f"{list_id}:{source_id}",
        schema=Schema.PERSON,
        names=tuple(names),
        list_id=list_id,
        source_id=source_id,
        birth_dates=dobs,
        nationalities=countries,
    )


def _org(source_id: str, name: str, countries: tuple[str, ...] = ()) -> Entity:
    return Entity(
        id=f"us-ofac-sdn:{source_id}",
        schema=Schema.ORGANIZATION,
        names=(Name(name),),
        list_id="us-ofac-sdn",
        source_id=source_id,
        countries=countries,
    )


def _entities() -> list[Entity]:
    return [
        _person("1", "HERNANDEZ LOPEZ", "Juan Carlos", dobs=(PartialDate(1970, 1, 12),), countries=("MX",)),
        _person(
            "2",
            "AMEZCUA CONTRERAS",
            "Jose de Jesus",
            dobs=(PartialDate(1964, 7, 31), PartialDate(1965, 7, 31)),
            countries=("MX",),
            aliases=("AMEZCUA CONTRERAS, Jesus", "AMEZCUA, Chuy"),
        ),
        _person(
            "3", "AMEZCUA CONTRERAS", "Luis Ignacio", dobs=(PartialDate(1964, 2, 22),), countries=("MX",)
        ),
        _person("4", "GARCIA ABREGO", "Francisco", dobs=(PartialDate(1944),), countries=("MX",)),
        _person("5", "DE LA CRUZ RAMIREZ", "Guadalupe", dobs=(PartialDate(1975, 3, 3),), countries=("CO",)),
        _person(
            "6", "RODRIGUEZ OREJUELA", "Miguel Angel", dobs=(PartialDate(1943, 8, 15),), countries=("CO",)
        ),
        _person(
            "7",
            "AL-TIKRITI",
            "Mohammed Hussein",
            dobs=(PartialDate(1950, 4, 28),),
            countries=("IQ",),
            aliases=("AL-TIKRITI, Muhammad Husayn",),
        ),
        _person("8", "IVANOV", "Vladimir Petrovich", dobs=(PartialDate(1961, 5, 5),), countries=("RU",)),
        _person("9", "SMITH", "William Robert", dobs=(PartialDate(1980, 10, 1),), countries=("US",)),
        Entity(
            id="un-sc:10",
            schema=Schema.PERSON,
            names=(
                Name("ABD AL-RAHMAN MUHAMMAD ZAFIR AL-DUBAYSI"),
                Name("عبد الرحمن محمد ظافر الدبيسي", kind=NameKind.AKA, script="Arab"),
            ),
            list_id="un-sc",
            source_id="10",
            birth_dates=(PartialDate(1969, 6, 1),),
            nationalities=("SA",),
        ),
        _org("11", "SERVICIOS EMPRESARIALES FICIE, S.A. DE C.V.", ("MX",)),
        _org("12", "KOREAN NATIONAL INSURANCE COMPANY", ("KP",)),
        _org("13", "GREEN LEAF GENERAL TRADING LLC", ("AE",)),
        _org("14", "INTERNATIONAL GOLDEN SERVICES LIMITED", ("AE",)),
    ]


@pytest.fixture(scope="session")
def small_entities() -> list[Entity]:
    """Fourteen listed parties covering every perturbation kind: Mexican, Colombian, Arabic (with an
    original-script name), Russian and English persons, and companies with legal forms."""
    return _entities()
