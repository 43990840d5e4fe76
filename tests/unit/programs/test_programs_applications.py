"""Applications: reading the file, and the checks whose errors must name the field to fix."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.core.model import Schema
from cruce.programs.applications import (
    ApplicationError,
    application_to_dict,
    parse_application,
    parties,
    validate,
)
from cruce.programs.config import program_catalogue
from cruce.programs.model import PartyRole

TODAY = date(2026, 3, 1)
PERSON: dict[str, Any] = {
    "program": "sentri",
    "applicant": {
        "name": "Lucía Fernanda Ibarra Quintero",
        "birth_date": "1983-04-23",
        "nationality": "MEX",
        "documents": [
            {"kind": "passport", "number": "G12345678", "country": "MEX", "expires": "2031-06-30"},
            {"kind": "curp", "number": "IAQL830423MSRBNC07"},
        ],
    },
}
COMPANY: dict[str, Any] = {
    "program": "oea",
    "tier": "oea-aaa",
    "company": {
        "name": "Fletes Rojo del Oeste, S.A. de C.V.",
        "country": "MEX",
        "identifiers": [{"kind": "rfc", "number": "FRO050607Q20"}],
        "officers": [{"name": "Aurelio Cantu Reyes", "birth_date": "1969-11-02", "nationality": "MEX"}],
        "drivers": [{"name": "Ernesto Ocampo Rivas", "birth_date": "1958-11-11", "nationality": "MX"}],
        "trucks": [
            {"plate": "7ABC123", "plate_region": "MX-BC", "vin": "1FUJGLDR5CSBM1234",
             "owner": "FLETES ROJO DEL OESTE, S.A. DE C.V."},
            {"plate": "8XYZ999", "plate_region": "MX-BC", "vin": "3AKJGLDR7HSHE5678",
             "owner": "Arrendadora Norte, S.A. de C.V."},
        ],
        "facilities": [{"name": "Patio Mesa de Otay", "address": "Tijuana", "country": "MEX"}],
    },
}  # fmt: skip
PROGRAMS = program_catalogue()


def check(data: dict[str, Any]) -> None:
    app = parse_application(data)
    program = PROGRAMS.get(app.program_id)
    if program is None:  # the service says so (`ProgramService.program`), naming the field
        raise ApplicationError("program", f"no program {app.program_id!r}")
    validate(app, program, TODAY)


def changed(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


DELETE = object()


def test_good_applications_pass_and_round_trip() -> None:
    for data in (PERSON, COMPANY):
        check(data)
        app = parse_application(data)
        assert parse_application(application_to_dict(app)) == app


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("applicant", "documents", 1, "number"), "IAQL830423MSRBNC08", "applicant.documents[1].number",
         "check digit is wrong"),
        (("applicant", "documents", 0, "expires"), "2025-12-31", "applicant.documents[0].expires", "expired"),
        (("applicant", "documents", 1), DELETE, "applicant.documents", "CURP (Mexico) (curp) is required"),
        (("applicant", "documents", 0, "country"), DELETE, "applicant.documents[0].country", "issuing"),
        (("applicant", "birth_date"), "1983", "applicant.birth_date", "full birth date"),
        (("applicant", "birth_date"), "2030-01-01", "applicant.birth_date", "in the future"),
        (("applicant", "birth_date"), "03/04/1983", "applicant.birth_date", "day/month or month/day"),
        (("applicant", "nationality"), "Atlantis", "applicant.nationality", "not an ISO 3166"),
        (("applicant", "nationality"), DELETE, "applicant.nationality", "required"),
        (("applicant", "name"), "  ", "applicant.name", "required"),
        (("applicant", "documents", 0, "kind"), "pasport", "applicant.documents[0].kind", "unknown kind"),
        (("applicant", "documents", 0, "expires"), "soon", "applicant.documents[0].expires", "not a date"),
        (("applicant", "hobby"), "chess", "applicant.hobby", "unknown field"),
        (("tier",), "gold", "tier", "no tier 'gold'"),
        (("program",), "oea", "company", "give a company"),
    ],
)  # fmt: skip
def test_a_bad_person_application_names_the_field(
    path: tuple[Any, ...], value: Any, field: str, words: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        check(changed(PERSON, path, value))
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: ")
    assert words in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("company", "identifiers", 0, "number"), "FRO050607Q21", "company.identifiers[0].number", "RFC"),
        (("company", "identifiers"), [], "company.identifiers", "RFC (Mexico tax id) (rfc) is required"),
        (("company", "officers"), [], "company.officers", "at least one officer"),
        (("company", "drivers", 0, "birth_date"), DELETE, "company.drivers[0].birth_date", "required"),
        (("company", "trucks", 1, "vin"), DELETE, "company.trucks[1].vin", "required"),
        (("company", "trucks"), {"plate": "x"}, "company.trucks", "must be a list"),
    ],
)
def test_a_bad_company_application_names_the_field(
    path: tuple[Any, ...], value: Any, field: str, words: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        check(changed(COMPANY, path, value))
    assert caught.value.field == field
    assert words in caught.value.message


def test_every_party_of_a_company_is_a_party_and_its_own_trucks_owner_is_not_screened_twice() -> None:
    found = parties(parse_application(COMPANY))
    roles = [(p.role, p.query.name) for p in found]
    assert roles == [
        (PartyRole.COMPANY, "Fletes Rojo del Oeste, S.A. de C.V."),
        (PartyRole.OFFICER, "Aurelio Cantu Reyes"),
        (PartyRole.DRIVER, "Ernesto Ocampo Rivas"),
        (PartyRole.VEHICLE, "7ABC123 1FUJGLDR5CSBM1234"),
        (PartyRole.VEHICLE, "8XYZ999 3AKJGLDR7HSHE5678"),
        (PartyRole.VEHICLE_OWNER, "Arrendadora Norte, S.A. de C.V."),
        (PartyRole.FACILITY, "Patio Mesa de Otay"),
    ]
    assert found[0].query.schema is Schema.ORGANIZATION and found[2].query.countries == ("MX",)
    assert [(i.kind, i.value) for i in found[0].query.identifiers] == [("rfc", "FRO050607Q20")]


def test_exactly_one_of_applicant_or_company() -> None:
    with pytest.raises(ApplicationError, match="exactly one") as caught:
        parse_application(
            {"program": "sentri", "applicant": PERSON["applicant"], "company": COMPANY["company"]}
        )
    assert caught.value.field == "applicant"
    with pytest.raises(ApplicationError) as top:
        parse_application(["not", "a", "mapping"])
    assert top.value.field == "application"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a plain mapping, for mutating one place of a good application."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = [("person", p) for p in _paths(PERSON)] + [("company", p) for p in _paths(COMPANY)]
VALUES = st.one_of(
    st.just(DELETE), st.none(), st.booleans(), st.integers(), st.text(max_size=24),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), VALUES)
def test_a_damaged_application_fails_only_with_an_error_naming_a_field(
    where: tuple[str, tuple[Any, ...]], value: Any
) -> None:
    base, path = where
    data = changed(PERSON if base == "person" else COMPANY, path, value)
    try:
        check(data)
    except ApplicationError as exc:
        assert exc.field and exc.message.startswith(f"{exc.field}: ")
        assert exc.field.split(".")[0].split("[")[0] in {
            "application",
            "program",
            "tier",
            "notes",
            "applicant",
            "company",
            *data,
        }
