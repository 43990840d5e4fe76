"""The JSON codec must give back an entity equal to the one stored, whatever the importer put in it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cruce.core.dates import MAX_YEAR, MIN_YEAR, PartialDate
from cruce.core.errors import StorageError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.storage.codec import date_from_text, date_to_text, entity_from_dict, entity_to_dict

text = st.text(max_size=30)
opt_text = st.none() | text
country = st.none() | st.sampled_from(["MX", "US", "CO", "KP", "IR"])


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31)))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    return PartialDate(
        day.year,
        day.month if precision != "year" else None,
        day.day if precision == "day" else None,
        approximate=draw(st.booleans()),
    )


names = st.builds(
    Name,
    text=text,
    kind=st.sampled_from(NameKind),
    quality=st.sampled_from(AliasQuality),
    family=opt_text,
    given=opt_text,
    script=st.none() | st.sampled_from(["Latn", "Cyrl", "Arab"]),
)
identifiers = st.builds(
    Identifier, kind=st.sampled_from(["passport", "curp", "rfc"]), value=text, country=country
)
addresses = st.builds(Address, full=text, city=opt_text, country=country)
str_tuples = st.lists(text, max_size=3).map(tuple)

entities = st.builds(
    Entity,
    id=text,
    schema=st.sampled_from(Schema),
    names=st.lists(names, max_size=4).map(tuple),
    list_id=text,
    source_id=text,
    birth_dates=st.lists(partial_dates(), max_size=3).map(tuple),
    birth_places=str_tuples,
    nationalities=str_tuples,
    countries=str_tuples,
    gender=st.none() | st.sampled_from(["male", "female"]),
    identifiers=st.lists(identifiers, max_size=3).map(tuple),
    addresses=st.lists(addresses, max_size=3).map(tuple),
    programs=str_tuples,
    linked_to=str_tuples,
    remarks=opt_text,
    extra=st.dictionaries(text, text, max_size=3),
)


@given(entities)
def test_round_trip_through_json_gives_back_an_equal_entity(entity: Entity) -> None:
    stored = json.loads(json.dumps(entity_to_dict(entity)))
    back = entity_from_dict(stored)
    assert back == entity
    # Equality of frozen dataclasses compares values; also make sure the containers are the right types,
    # since the matcher hashes tuples and checks enum identity.
    assert isinstance(back.names, tuple)
    assert all(isinstance(n.kind, NameKind) and isinstance(n.quality, AliasQuality) for n in back.names)
    assert isinstance(back.schema, Schema)


@given(partial_dates())
def test_partial_dates_keep_precision_and_approximation(value: PartialDate) -> None:
    back = date_from_text(date_to_text(value))
    assert back == value
    assert back.precision == value.precision


def test_stored_form_is_readable_and_omits_defaults() -> None:
    entity = Entity(
        id="us-ofac-sdn:306",
        schema=Schema.PERSON,
        names=(Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos"),),
        list_id="us-ofac-sdn",
        source_id="306",
        birth_dates=(PartialDate(1962, approximate=True), PartialDate(1970, 1, 12)),
    )
    data = entity_to_dict(entity)
    assert data["birth_dates"] == ["~1962", "1970-01-12"]
    assert data["names"] == [
        {"text": "HERNANDEZ LOPEZ, Juan Carlos", "family": "HERNANDEZ LOPEZ", "given": "Juan Carlos"}
    ]
    assert "identifiers" not in data and "extra" not in data


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: d.pop("names"), "names"),
        (lambda d: d.update(schema="Spaceship"), "Spaceship"),
        (lambda d: d.update(birth_dates=["12 Jan 1970"]), "12 Jan 1970"),
        (lambda d: d.update(birth_dates=["1970-02-30"]), "1970-2-30"),
        (lambda d: d.update(v=99), "codec version"),
    ],
)
def test_damaged_rows_raise_a_storage_error_naming_the_entity(damage: object, expected: str) -> None:
    entity = Entity(
        id="un-sc:QDi.1", schema=Schema.PERSON, names=(Name("X"),), list_id="un-sc", source_id="QDi.1"
    )
    data = entity_to_dict(entity)
    damage(data)  # type: ignore[operator]
    with pytest.raises(StorageError) as caught:
        entity_from_dict(data)
    assert caught.value.code == "bad_entity_data"
    assert "un-sc:QDi.1" in caught.value.message
    assert expected in caught.value.message
