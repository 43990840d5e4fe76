"""One set of program ids: the agreement's programs and tiers are the shipped presets' (enrolment's)."""

from __future__ import annotations

from cruce.programs.config import program_catalogue
from cruce.programs.recognition import load_agreement


def test_every_agreement_program_is_a_preset_with_the_same_country_kind_and_tiers() -> None:
    catalogue = program_catalogue()
    agreement = load_agreement()
    assert set(agreement.programs) == set(catalogue)
    for program_id, program in agreement.programs.items():
        preset = catalogue[program_id]
        assert (program.country, program.kind) == (preset.country, preset.kind), program_id
        assert set(program.tiers) == {t.id for t in preset.tiers}, program_id


def test_every_partner_runs_a_person_program_the_others_can_recognise() -> None:
    agreement = load_agreement()
    for country in ("USA", "MEX", "CAN"):
        own = [p for p in program_catalogue().values() if p.country == country and p.kind.value == "person"]
        assert own, country
        assert any(agreement.benefit(p.id, p.default_tier, country)[0].expedited for p in own), country
