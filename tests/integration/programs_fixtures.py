"""Invented applications and watchlist entities for the trusted-program tests (no real person or company)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cruce.core.dates import PartialDate
from cruce.core.model import Entity, Identifier, ListInfo, Name, Schema
from cruce.lists.base import ImportResult

APPLICATIONS = Path(__file__).parent.parent / "data" / "programs"
WANTED = ListInfo("mx-wanted", "Personas buscadas (test)", "FGR (invented)", "ftm")


def application(name: str) -> dict[str, Any]:
    """The mapping of `tests/data/programs/<name>.yaml`, fresh each call (tests change it)."""
    data = yaml.safe_load((APPLICATIONS / f"{name}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def listed_person(source_id: str, name: str, family: str, given: str, born: str, **extra: Any) -> Entity:
    return Entity(
        id=f"{WANTED.id}:{source_id}", schema=Schema.PERSON, list_id=WANTED.id, source_id=source_id,
        names=(Name(name, family=family, given=given),), birth_dates=(PartialDate.parse(born),),
        nationalities=("MX",), **extra,
    )  # fmt: skip


HERNANDEZ = listed_person(
    "1", "HERNANDEZ LOPEZ, Juan Carlos", "HERNANDEZ LOPEZ", "Juan Carlos", "1975-03-02",
    identifiers=(Identifier("curp", "HELJ750302HSLRPN03", "MX"),),
)  # fmt: skip
OCAMPO = listed_person("2", "OCAMPO RIVAS, Ernesto", "OCAMPO RIVAS", "Ernesto", "1958-11-11")
CANTU = listed_person("3", "CANTU REYES, Aurelio", "CANTU REYES", "Aurelio", "1969-11-02")


def wanted_list(*entities: Entity) -> ImportResult:
    return ImportResult(list_info=WANTED, entities=list(entities), skipped=[], source_files=["invented"])
