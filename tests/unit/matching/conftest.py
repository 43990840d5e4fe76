"""A small hand-written list that exercises the hard cases of border screening."""

from __future__ import annotations

import pytest

from cruce.core.dates import PartialDate
from cruce.core.model import AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.matching.matcher import Matcher


def person(
    source_id: str,
    family: str,
    given: str,
    *,
    dob: str | None = None,
    aliases: tuple[str, ...] = (),
    weak: tuple[str, ...] = (),
    nationality: tuple[str, ...] = (),
    gender: str | None = None,
    ids: tuple[Identifier, ...] = (),
) -> Entity:
    names = [Name(f"{family}, {given}", family=family, given=given)]
    names += [Name(a, kind=NameKind.AKA) for a in aliases]
    names += [Name(w, kind=NameKind.AKA, quality=AliasQuality.WEAK) for w in weak]
    return Entity(
        id=f"test:{source_id}",
        schema=Schema.PERSON,
        names=tuple(names),
        list_id="test",
        source_id=source_id,
        birth_dates=(PartialDate.parse(dob),) if dob else (),
        nationalities=nationality,
        gender=gender,
        identifiers=ids,
    )


def org(source_id: str, name: str, *aliases: str, schema: Schema = Schema.ORGANIZATION) -> Entity:
    names = (Name(name), *(Name(a, kind=NameKind.AKA) for a in aliases))
    return Entity(id=f"test:{source_id}", schema=schema, names=names, list_id="test", source_id=source_id)


LISTED = [
    person("1", "AMEZCUA CONTRERAS", "Jose de Jesus", dob="1964-07-31", nationality=("MX",), gender="male"),
    person("2", "AMEZCUA CONTRERAS", "Luis Ignacio", dob="1964-02-22", nationality=("MX",), gender="male"),
    person("3", "HERNANDEZ LOPEZ", "Juan Carlos", dob="1975-03-02", nationality=("MX",)),
    person("4", "GUZMAN LOERA", "Joaquin", dob="1957-04-04", weak=("EL CHAPO",), nationality=("MX",)),
    person("5", "BIN LADEN", "Usama", aliases=("Usama bin Muhammad bin Awad BIN LADIN",), dob="1957"),
    person("6", "AL-ZAWAHIRI", "Ayman", aliases=("Ayman Muhammad Rabi AL-ZAWAHIRI",), dob="1951-06-19"),
    person("7", "ZAMBADA GARCIA", "Ismael", dob="1948-01-01", nationality=("MX",)),
    person("8", "GUADALUPE TORRES", "Maria Guadalupe", dob="1980-12-12", gender="female"),
    person(
        "9",
        "RAMIREZ PEREZ",
        "Francisco Javier",
        dob="1970-05-05",
        ids=(Identifier("curp", "RAPF700505HSLMRR06", "MX"), Identifier("passport", "G12345678", "MX")),
    ),
    person("10", "SMITH", "John Robert", dob="1966-09-09", nationality=("US",)),
    person("11", "ABD AL-RAHMAN", "Hamid", dob="1960"),
    person("12", "KHAN", "Mohammed Qasim", dob="1971-03-03"),
    org("20", "TRANSPORTES GUZMAN S.A. DE C.V."),
    org("21", "BANCO NACIONAL DE CUBA", "NATIONAL BANK OF CUBA"),
    org("22", "GLOBAL TRADING COMPANY LIMITED MADRID BRANCH"),
    org("23", "CONSTRUCTORA E INMOBILIARIA LOS PINOS S. DE R.L. DE C.V."),
    org("24", "MV SEA STAR", schema=Schema.VESSEL),
]


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher(LISTED)
