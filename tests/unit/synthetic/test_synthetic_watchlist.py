"""The synthetic list is reproducible, clearly synthetic, and has the structure real lists have."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cruce.core.errors import InputError
from cruce.core.model import AliasQuality, Entity, NameKind, Schema
from cruce.synthetic import LIST_ID, PROGRAM, generate_watchlist
from cruce.synthetic.documents import CURP_PATTERN, RFC_PERSON_PATTERN, curp_check_digit, imo_is_valid
from cruce.synthetic.names import name_key, split_units
from cruce.synthetic.places import MX_STATES


def _persons(watchlist: list[Entity], origin: str | None = None) -> list[Entity]:
    return [
        e
        for e in watchlist
        if e.schema is Schema.PERSON and (origin is None or e.extra.get("name_origin") == origin)
    ]


def test_same_seed_same_list_and_different_seed_different_list(watchlist: list[Entity]) -> None:
    assert generate_watchlist(7, 2000) == watchlist
    other = generate_watchlist(8, 2000)
    assert [e.caption for e in other] != [e.caption for e in watchlist]
    assert sum(a.caption == b.caption for a, b in zip(other, watchlist, strict=True)) < 20


def test_ids_are_namespaced_and_every_entry_says_it_is_synthetic(watchlist: list[Entity]) -> None:
    assert [e.id for e in watchlist] == [f"{LIST_ID}:{n}" for n in range(1, 2001)]
    for entity in watchlist:
        assert entity.list_id == LIST_ID
        assert entity.programs == (PROGRAM,)
        assert entity.remarks and "synthetic" in entity.remarks
        assert entity.extra["synthetic"] == "true"


def test_schema_mix_is_mostly_persons_with_companies_vessels_and_aircraft(watchlist: list[Entity]) -> None:
    counts = Counter(e.schema for e in watchlist)
    assert counts[Schema.PERSON] == 1600
    assert counts[Schema.ORGANIZATION] == 320
    assert counts[Schema.VESSEL] == 40
    assert counts[Schema.AIRCRAFT] == 40


def test_primary_names_are_unique(watchlist: list[Entity]) -> None:
    keys = [name_key(e.caption) for e in watchlist]
    assert len(set(keys)) == len(keys)


def test_mexican_persons_carry_two_surnames(watchlist: list[Entity]) -> None:
    mexicans = _persons(watchlist, "mx")
    assert len(mexicans) > 500
    for person in mexicans:
        primary = person.names[0]
        assert primary.family and primary.given
        assert len(split_units(primary.family)) == 2, primary
        assert primary.text == f"{primary.given} {primary.family}"
    families = [p.names[0].family or "" for p in mexicans]
    assert any(f.startswith(("de la ", "del ", "de ")) or " de" in f for f in families), "particle surnames"


def test_spanish_naming_conventions_appear(watchlist: list[Entity]) -> None:
    hispanic = _persons(watchlist, "mx") + _persons(watchlist, "co")
    givens = [p.names[0].given or "" for p in hispanic]
    assert any(re.fullmatch(r"José de \w+", g) for g in givens)
    assert any(g.startswith("María ") for g in givens)
    married = [n for p in hispanic for n in p.names if n.kind is NameKind.AKA and " de " in (n.family or "")]
    assert married and all(p.gender == "female" for p in hispanic if any(n in p.names for n in married))


def test_curp_is_well_formed_and_agrees_with_birth_date_gender_and_state(watchlist: list[Entity]) -> None:
    state_by_name = {name: code for code, name, _cities, _w in MX_STATES}
    checked = 0
    for person in _persons(watchlist):
        for identifier in person.identifiers:
            if identifier.kind != "curp":
                continue
            curp = identifier.value
            assert CURP_PATTERN.match(curp), curp
            assert curp[17] == curp_check_digit(curp[:17])
            birth = person.birth_dates[0]
            assert birth.day is not None and birth.month is not None
            assert curp[4:10] == f"{birth.year % 100:02d}{birth.month:02d}{birth.day:02d}"
            assert curp[10] == ("H" if person.gender == "male" else "M")
            assert (curp[16].isdigit()) == (birth.year < 2000)
            if person.birth_places:
                state_name = person.birth_places[0].split(", ")[-2]
                assert curp[11:13] == state_by_name[state_name]
            checked += 1
    assert checked > 150


def test_rfc_agrees_with_the_birth_date(watchlist: list[Entity]) -> None:
    checked = 0
    for person in _persons(watchlist):
        for identifier in person.identifiers:
            if identifier.kind == "rfc":
                birth = person.birth_dates[0]
                assert RFC_PERSON_PATTERN.match(identifier.value)
                assert identifier.value[4:10] == f"{birth.year % 100:02d}{birth.month:02d}{birth.day:02d}"
                checked += 1
    assert checked > 50


def test_birth_dates_mix_full_dates_and_years(watchlist: list[Entity]) -> None:
    precisions = Counter(p.birth_dates[0].precision for p in _persons(watchlist) if p.birth_dates)
    assert precisions["day"] > precisions["year"] > 100
    assert any(len(p.birth_dates) > 1 for p in _persons(watchlist))


def test_every_naming_culture_is_represented(watchlist: list[Entity]) -> None:
    origins = Counter(p.extra["name_origin"] for p in _persons(watchlist))
    for origin in ("mx", "co", "cam", "us", "us_hisp", "ca_en", "ca_fr", "ar"):
        assert origins[origin] > 20, origin
    arabic = _persons(watchlist, "ar")
    assert any(" bin " in p.caption or " bint " in p.caption for p in arabic)
    assert any("al-" in p.caption for p in arabic)
    assert any(n.script == "Arab" for p in arabic for n in p.names)
    assert any(p.caption.startswith(("Mohammed", "Abdul")) for p in arabic)
    assert any("-" in (p.names[0].given or "") for p in _persons(watchlist, "ca_fr"))


def test_weak_aliases_are_nicknames_not_full_names(watchlist: list[Entity]) -> None:
    weak = [n for p in _persons(watchlist) for n in p.names if n.quality is AliasQuality.WEAK]
    assert len(weak) > 200
    assert any(n.text.startswith(("EL ", "LA ")) for n in weak)
    assert any(n.text.startswith("Abu ") for n in weak)


def test_companies_carry_their_legal_forms(watchlist: list[Entity]) -> None:
    companies = [e for e in watchlist if e.schema is Schema.ORGANIZATION]
    mexican = [c.caption for c in companies if c.countries == ("MX",)]
    assert all(c.endswith(("C.V.", "S.C.", "S.A.")) for c in mexican)
    assert any(c.endswith("S. de R.L. de C.V.") for c in mexican)
    us = [c.caption for c in companies if c.countries == ("US",)]
    assert all(c.endswith(("LLC", "L.L.C.", "Inc.", "Corp.", "Co.", "LP")) for c in us)
    canadian = [c.caption for c in companies if c.countries == ("CA",)]
    assert any(c.endswith("Ltée") for c in canadian) and any(c.endswith("Ltd.") for c in canadian)
    ids = {e.id for e in watchlist}
    assert any(c.linked_to for c in companies)
    assert all(link in ids for c in companies for link in c.linked_to)


def test_vessels_and_aircraft_have_valid_identifiers(watchlist: list[Entity]) -> None:
    for vessel in (e for e in watchlist if e.schema is Schema.VESSEL):
        imo = next(i.value for i in vessel.identifiers if i.kind == "imo")
        assert imo_is_valid(imo)
    for aircraft in (e for e in watchlist if e.schema is Schema.AIRCRAFT):
        tail = next(i.value for i in aircraft.identifiers if i.kind == "tail_number")
        assert aircraft.caption == tail
        assert re.fullmatch(r"X[ABC]-[A-Z]{3}|N\d{1,5}[A-Z]{0,2}|HK-\d{4}[A-Z]?|C-[FG][A-Z]{3}", tail)


def test_small_and_bad_sizes() -> None:
    assert generate_watchlist(1, 0) == []
    assert len(generate_watchlist(1, 5)) == 5
    with pytest.raises(InputError):
        generate_watchlist(1, -1)
