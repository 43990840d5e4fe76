"""Document numbers checked with python-stdnum where it has a validator; other kinds stay unchecked."""

from __future__ import annotations

import pytest
from stdnum.mx import rfc

from cruce.core.identifiers import check_identifier

# A person's RFC with its homoclave (GR) and its check digit.
PERSON_RFC = "GODE561231GR" + rfc.calc_check_digit("GODE561231GR")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("curp", "RAPF700505HSLMRR06"), ("curp", "RAPF-700505-HSLMRR06"), ("rfc", PERSON_RFC),
        ("imo", "9074729"), ("imo", "IMO 9074729"), ("swift", "DEUTDEFF"),
    ],
)  # fmt: skip
def test_well_formed_numbers_pass(kind: str, value: str) -> None:
    assert check_identifier(kind, value).valid is True


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("curp", "RAPF700505HSLMRR09", "check digit"),  # one digit off
        ("curp", "AIMM67125HCHRRG06", "length"),  # as OFAC prints one: 17 characters
        ("curp", "RAPF701305HSLMRR06", "impossible"),  # month 13
        ("rfc", "AIMM-671215-387", "check digit"),
        ("imo", "9074728", "check digit"),
    ],
)
def test_malformed_numbers_fail_with_a_reason(kind: str, value: str, reason: str) -> None:
    check = check_identifier(kind, value)
    assert check.valid is False
    assert reason in check.reason


@pytest.mark.parametrize(
    ("kind", "value"), [("passport", "G1234567"), ("national_id", "123"), ("other", "x")]
)
def test_kinds_without_a_validator_are_unchecked(kind: str, value: str) -> None:
    assert check_identifier(kind, value).valid is None
