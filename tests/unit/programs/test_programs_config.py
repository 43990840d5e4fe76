"""Shipped program presets and the errors a bad program file gets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cruce.core.errors import InputError
from cruce.programs.config import load_program, parse_program, program_catalogue
from cruce.programs.model import ProgramKind


def test_the_shipped_catalogue_has_person_and_company_programs_of_the_three_partners() -> None:
    catalogue = program_catalogue()
    assert {"sentri", "nexus", "global-entry", "ctpat", "oea", "pip", "fast"} <= set(catalogue)
    assert {p.country for p in catalogue.values()} == {"USA", "MEX", "CAN"}
    assert catalogue["oea"].kind is ProgramKind.COMPANY and catalogue["oea"].company_identifiers == ("rfc",)
    # Tiers carry their benefit: a higher C-TPAT-like tier is inspected less.
    factors = [t.inspection_rate_factor for t in catalogue["ctpat"].tiers]
    assert factors == sorted(factors, reverse=True) and factors[-1] < factors[0]
    assert catalogue["sentri"].documents.for_nationality("MEX") == ("passport", "curp")
    assert catalogue["sentri"].documents.for_nationality("USA") == ("passport",)
    assert catalogue["fast"].fast is not None and "oea" in catalogue["fast"].fast.company_programs
    assert all(p.validity_years == 5 for p in catalogue.values())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("country: MX", "country: 'MX' is not an ISO 3166 alpha-3"),
        ("default_tier: gold", "default_tier 'gold' is not one of the tiers"),
        ("kind: vessel", "kind:"),
        ("validity_years: 0", "validity_years:"),
        (
            "documents: {required: [passprot]}",
            "documents.required: unknown document kind 'passprot'",
        ),
        ("colour: blue", "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_program_names_the_field(change: str, field: str) -> None:
    data = yaml.safe_load(load_program_text())
    data.update(yaml.safe_load(change))
    with pytest.raises(InputError) as caught:
        parse_program(yaml.safe_dump(data), "my.yaml")
    assert caught.value.message.startswith("my.yaml: ")
    assert field in caught.value.message


def load_program_text() -> str:
    from importlib import resources

    return resources.files("cruce.programs.presets").joinpath("sentri.yaml").read_text("utf-8")


def test_a_company_program_without_identifiers_and_a_fast_program_naming_no_company_program(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError, match="company_identifiers"):
        parse_program(
            "id: x\nname: X\nkind: company\ncountry: MEX\n"
            "tiers: [{id: a, name: A, inspection_rate_factor: 1}]\n"
            "default_tier: a\n",
            "x.yaml",
        )
    path = tmp_path / "fast2.yaml"
    path.write_text(
        "id: fast2\nname: F\nkind: person\ncountry: USA\n"
        "tiers: [{id: a, name: A, inspection_rate_factor: 0.3}]\n"
        "default_tier: a\nfast: {company_programs: [sentri]}\n",
        "utf-8",
    )
    with pytest.raises(InputError, match="'sentri', which is not a company program"):
        program_catalogue((load_program(path),))
    with pytest.raises(InputError, match="no program named 'nope'"):
        load_program("nope")
    with pytest.raises(InputError, match="not valid YAML"):
        parse_program("id: [", "broken.yaml")
