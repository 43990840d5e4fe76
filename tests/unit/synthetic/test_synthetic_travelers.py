"""A synthetic border day is reproducible and its recorded truth is trustworthy for measuring a matcher."""

from __future__ import annotations

from collections import Counter

import pytest

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import Entity, Name, Schema
from cruce.synthetic import SyntheticTraveler, generate_travelers
from cruce.synthetic.names import name_key, split_units, strip_accents, token_key
from cruce.synthetic.perturb import ORGANIZATION_PERTURBATIONS, PERSON_PERTURBATIONS, legal_form_free_key


def _by_id(watchlist: list[Entity]) -> dict[str, Entity]:
    return {e.id: e for e in watchlist}


def test_same_seed_same_day_and_different_seed_different_day(
    watchlist: list[Entity], travelers: list[SyntheticTraveler]
) -> None:
    assert generate_travelers(7, watchlist, count=5000, hit_rate=0.01) == travelers
    other = generate_travelers(8, watchlist, count=5000, hit_rate=0.01)
    assert [t.query.name for t in other] != [t.query.name for t in travelers]


def test_count_ids_and_roles(travelers: list[SyntheticTraveler]) -> None:
    assert len(travelers) == 5000
    assert len({t.query.id for t in travelers}) == 5000
    for traveler in travelers:
        if traveler.query.schema is Schema.PERSON:
            assert traveler.role in ("pedestrian", "driver", "passenger")
        else:
            assert traveler.query.schema is Schema.ORGANIZATION
            assert traveler.role in ("shipper", "consignee")
    roles = Counter(t.role for t in travelers)
    assert all(roles[r] > 200 for r in ("pedestrian", "driver", "passenger", "shipper", "consignee"))


def test_planted_share_matches_hit_rate_and_references_listed_entities(
    watchlist: list[Entity], travelers: list[SyntheticTraveler]
) -> None:
    planted = [t for t in travelers if t.planted_entity_id is not None]
    assert len(planted) == 50
    ids = _by_id(watchlist)
    for traveler in planted:
        entity = ids[traveler.planted_entity_id or ""]
        assert traveler.should_alert
        assert entity.schema is traveler.query.schema
    assert len({t.planted_entity_id for t in planted}) == len(planted), "each planted party is someone else"
    assert any(ids[t.planted_entity_id or ""].schema is Schema.ORGANIZATION for t in planted)


@pytest.mark.parametrize("hit_rate", [0.0, 0.003, 0.05, 0.2])
def test_hit_rate_is_honoured(watchlist: list[Entity], hit_rate: float) -> None:
    day = generate_travelers(3, watchlist, count=1000, hit_rate=hit_rate)
    planted = sum(t.planted_entity_id is not None for t in day)
    assert planted == round(1000 * hit_rate)


def test_no_innocent_traveler_carries_a_listed_name(
    watchlist: list[Entity], travelers: list[SyntheticTraveler]
) -> None:
    listed = {name_key(n.text) for e in watchlist for n in e.names}
    listed_tokens = {token_key(n.text) for e in watchlist for n in e.names}
    # A company differing only in its legal form ("S.A. de C.V." vs "LLC") carries the same name.
    listed_companies = {legal_form_free_key(n.text) for e in watchlist for n in e.names}
    innocents = [t for t in travelers if t.planted_entity_id is None]
    assert len(innocents) == 4950
    for traveler in innocents:
        assert name_key(traveler.query.name) not in listed, traveler
        assert token_key(traveler.query.name) not in listed_tokens, traveler
        assert legal_form_free_key(traveler.query.name) not in listed_companies, traveler


def test_near_misses_are_relatives_sharing_both_surnames(
    watchlist: list[Entity], travelers: list[SyntheticTraveler]
) -> None:
    ids = _by_id(watchlist)
    near = [t for t in travelers if t.near_miss_of is not None]
    assert len(near) == 25
    for traveler in near:
        assert not traveler.should_alert
        assert traveler.perturbation == "near_miss"
        listed = ids[traveler.near_miss_of or ""].names[0]
        family = name_key(listed.family or "")
        presented = name_key(traveler.query.name)
        assert presented.endswith(" " + family), (presented, family)
        assert presented.split()[0] != name_key(listed.given or "").split()[0]
        if ids[traveler.near_miss_of or ""].extra["name_origin"] != "ar":
            assert len(split_units(listed.family)) == 2


def test_planted_names_are_changed_as_labelled(
    watchlist: list[Entity], travelers: list[SyntheticTraveler]
) -> None:
    ids = _by_id(watchlist)
    for traveler in (t for t in travelers if t.planted_entity_id):
        entity = ids[traveler.planted_entity_id or ""]
        labels = (traveler.perturbation or "").split("+")
        known = PERSON_PERTURBATIONS if entity.schema is Schema.PERSON else ORGANIZATION_PERTURBATIONS
        assert set(labels) <= set(known), labels
        primary: Name = entity.names[0]
        if labels == ["exact"]:
            assert traveler.query.name == primary.text
        else:
            assert traveler.query.name != primary.text
        if labels[0] == "maternal_dropped" and primary.family:
            _paternal, maternal = split_units(primary.family)
            key = name_key(traveler.query.name)
            assert name_key(maternal) not in key.split()
        if labels == ["accents_stripped"]:
            assert traveler.query.name == strip_accents(primary.text)


def test_perturbations_cover_the_usual_ways_names_change(watchlist: list[Entity]) -> None:
    day = generate_travelers(11, watchlist, count=5000, hit_rate=0.2)
    seen = Counter(label for t in day if t.perturbation for label in t.perturbation.split("+"))
    expected = set(PERSON_PERTURBATIONS + ORGANIZATION_PERTURBATIONS) - {"abbreviation", "alias"}
    assert expected <= set(seen), expected - set(seen)


def test_planted_persons_sometimes_present_the_listed_birth_date(
    watchlist: list[Entity], travelers: list[SyntheticTraveler]
) -> None:
    ids = _by_id(watchlist)
    with_dob = 0
    for traveler in travelers:
        if traveler.planted_entity_id and traveler.query.birth_date is not None:
            listed = ids[traveler.planted_entity_id].birth_dates[0]
            presented: PartialDate = traveler.query.birth_date
            assert presented.year == listed.year
            if listed.month is not None:
                assert presented.month == listed.month
            if listed.day is not None:
                assert presented.day == listed.day
            with_dob += 1
    assert with_dob > 5


def test_nationalities_look_like_the_us_mexico_border(travelers: list[SyntheticTraveler]) -> None:
    countries = Counter(t.query.countries[0] for t in travelers if t.query.countries)
    total = sum(countries.values())
    assert (countries["MX"] + countries["US"]) / total > 0.8
    assert countries["MX"] > countries["US"] > countries["CA"]
    for code in ("CA", "CO", "GT", "HN", "SV"):
        assert countries[code] > 10, code


def test_works_with_a_list_that_is_not_synthetic() -> None:
    listed = [
        Entity(
            id="test:1",
            schema=Schema.PERSON,
            names=(Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos"),),
            list_id="test",
            source_id="1",
            nationalities=("MX",),
        ),
        Entity(id="test:2", schema=Schema.ORGANIZATION, names=(Name("ACME S.A. DE C.V."),), list_id="test",
               source_id="2"),
    ]  # fmt: skip
    day = generate_travelers(1, listed, count=200, hit_rate=0.1, near_miss_rate=0.05)
    assert sum(t.planted_entity_id is not None for t in day) == 20
    assert sum(t.near_miss_of == "test:1" for t in day) == 10


def test_empty_list_gives_an_innocent_day() -> None:
    day = generate_travelers(1, [], count=100)
    assert len(day) == 100
    assert all(t.planted_entity_id is None and t.near_miss_of is None for t in day)


@pytest.mark.parametrize(("count", "hit_rate", "near"), [(-1, 0.01, 0.0), (10, 1.5, 0.0), (10, 0.6, 0.6)])
def test_bad_arguments_are_input_errors(count: int, hit_rate: float, near: float) -> None:
    with pytest.raises(InputError):
        generate_travelers(1, [], count=count, hit_rate=hit_rate, near_miss_rate=near)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Grupo Halcón, S.A. de C.V.", "GRUPO HALCON S. DE R.L. DE C.V."),
        ("Lone Star Trading LLC", "Lone Star Trading, Inc."),
        ("Maple Leaf Freight Ltd.", "MAPLE LEAF FREIGHT LIMITED"),
    ],
)
def test_legal_forms_do_not_make_a_different_company(a: str, b: str) -> None:
    assert legal_form_free_key(a) == legal_form_free_key(b)
