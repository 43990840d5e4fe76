"""CURP, RFC and IMO numbers follow the issuers' rules, so format checks and check digits can be trusted."""

from __future__ import annotations

import random
from datetime import date

import pytest

from cruce.synthetic.documents import (
    CURP_PATTERN,
    RFC_COMPANY_PATTERN,
    RFC_PERSON_PATTERN,
    curp_check_digit,
    imo_is_valid,
    imo_number,
    make_curp,
    make_rfc_company,
    make_rfc_person,
    rfc_check_digit,
)


def test_curp_matches_the_renapo_worked_example() -> None:
    # RENAPO's published example: Gloria Hernández García, born 27 Apr 1956 in Veracruz.
    curp = make_curp(
        "Hernández", "García", "Gloria", birth=date(1956, 4, 27), male=False, state="VZ", rng=random.Random(0)
    )
    assert curp[:16] == "HEGG560427MVZRRL"
    assert curp_check_digit("HEGG560427MVZRRL0") == "4"
    assert CURP_PATTERN.match(curp)


@pytest.mark.parametrize(
    ("paternal", "maternal", "given", "expected_prefix"),
    [
        # María and José are skipped when another given name follows.
        ("López", "Ruiz", "María Guadalupe", "LORG"),
        ("López", "Ruiz", "José de Jesús", "LORJ"),
        # Particles in a surname are skipped; a missing maternal surname is X.
        ("de la Cruz", None, "Pedro", "CUXP"),
        # The first letters must not spell a word RENAPO refuses: the second letter becomes X.
        ("Pérez", "Domínguez", "Óscar", "PXDO"),
        # Ñ is written X.
        ("Ñúñez", "Soto", "Luis", "XUSL"),
    ],
)
def test_curp_letters_follow_the_rules(
    paternal: str, maternal: str | None, given: str, expected_prefix: str
) -> None:
    curp = make_curp(
        paternal, maternal, given, birth=date(1990, 1, 2), male=True, state="SL", rng=random.Random(1)
    )
    assert curp.startswith(expected_prefix)
    assert CURP_PATTERN.match(curp)


def test_curp_differentiator_is_a_letter_from_2000() -> None:
    curp = make_curp(
        "Soto", "Ruiz", "Ana", birth=date(2003, 5, 6), male=False, state="BC", rng=random.Random(2)
    )
    assert curp[16].isalpha()
    assert curp[17] == curp_check_digit(curp[:17])


def test_rfc_check_digit_matches_the_sat_example() -> None:
    assert rfc_check_digit("GODE561231GR") == "8"


def test_person_and_company_rfc_shapes() -> None:
    rng = random.Random(3)
    person = make_rfc_person("Hernández", "García", "Gloria", date(1956, 4, 27), rng)
    assert RFC_PERSON_PATTERN.match(person)
    assert person.startswith("HEGG560427")
    assert person[-1] == rfc_check_digit(person[:-1])
    company = make_rfc_company("Transportes Halcón del Norte, S.A. de C.V.", date(2005, 3, 4), rng)
    assert RFC_COMPANY_PATTERN.match(company)
    assert company.startswith("THN050304")
    assert company[-1] == rfc_check_digit(company[:-1])


def test_imo_numbers_carry_a_valid_check_digit() -> None:
    rng = random.Random(4)
    assert all(imo_is_valid(imo_number(rng)) for _ in range(200))
    assert imo_is_valid("9074729")
    assert not imo_is_valid("9074728")
