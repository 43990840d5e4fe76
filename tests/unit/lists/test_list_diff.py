"""Comparing two versions of a list."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lists_fixtures import SDN_ROWS, write_ofac_file

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.lists import FieldChange, diff_versions, load_list


def person(entity_id: str, *names: Name, **fields: object) -> Entity:
    base = Entity(id=entity_id, schema=Schema.PERSON, names=names, list_id="t", source_id=entity_id)
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


OLD = [
    person("t:1", Name("PEREZ, Juan"), birth_dates=(PartialDate(1970),)),
    person("t:2", Name("LOPEZ, Ana"), Name("ANITA", NameKind.AKA, AliasQuality.WEAK)),
    person("t:3", Name("GONE, Person")),
]


def test_identical_versions_have_no_changes() -> None:
    diff = diff_versions(OLD, list(OLD))
    assert diff.is_empty
    assert diff.unchanged == 3
    assert diff.summary() == "0 added, 0 removed, 0 changed, 3 unchanged"


def test_added_removed_and_changed_with_field_detail() -> None:
    new = [
        person(
            "t:1",
            Name("PEREZ, Juan"),
            Name("PEREZ, J.", NameKind.AKA),
            birth_dates=(PartialDate(1971),),
            identifiers=(Identifier("curp", "PEJX700101HDFRRN09", "MX"),),
            gender="male",
        ),
        person("t:2", Name("ANITA", NameKind.AKA, AliasQuality.WEAK), Name("LOPEZ, Ana")),  # reordered only
        person("t:4", Name("NEW, Person")),
    ]
    diff = diff_versions(OLD, new)
    assert [e.id for e in diff.added] == ["t:4"]
    assert [e.id for e in diff.removed] == ["t:3"]
    assert diff.unchanged == 1
    assert [c.entity_id for c in diff.changed] == ["t:1"]
    change = diff.change_for("t:1")
    assert change is not None
    assert change.changes == (
        FieldChange("gender", before=None, after="male"),
        FieldChange("names", added=("PEREZ, J. (aka)",)),
        FieldChange("birth_dates", added=("1971",), removed=("1970",)),
        FieldChange("identifiers", added=("curp PEJX700101HDFRRN09 (MX)",)),
    )
    assert str(change) == (
        "t:1: gender: None -> 'male'; names: +'PEREZ, J. (aka)'; birth_dates: +'1971' -'1970'; "
        "identifiers: +'curp PEJX700101HDFRRN09 (MX)'"
    )


def test_alias_quality_change_is_a_change() -> None:
    new = [OLD[0], person("t:2", Name("LOPEZ, Ana"), Name("ANITA", NameKind.AKA)), OLD[2]]
    (change,) = diff_versions(OLD, new).changed
    assert str(change) == "t:2: names: +'ANITA (aka)' -'ANITA (aka, weak)'"


def test_extra_fields_are_compared_per_key() -> None:
    old = [dataclasses.replace(OLD[0], extra={"call_sign": "T2EU4", "title": "Mr"})]
    new = [dataclasses.replace(OLD[0], extra={"call_sign": "9HDQ9"})]
    (change,) = diff_versions(old, new).changed
    assert [str(c) for c in change.changes] == [
        "extra.call_sign: 'T2EU4' -> '9HDQ9'",
        "extra.title: 'Mr' -> None",
    ]


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(InputError, match="appears twice in the new version"):
        diff_versions(OLD, [OLD[0], OLD[0]])


def test_diff_of_two_imported_versions(tmp_path: Path) -> None:
    """The way storage will use it: import yesterday's and today's files, compare."""
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    today = [r.replace("DOB 31 Jul 1965", "DOB 31 Jul 1966") for r in SDN_ROWS if not r.startswith("36,")]
    old = load_list("us-ofac-sdn", [write_ofac_file(old_dir / "sdn.csv", SDN_ROWS)])
    new = load_list("us-ofac-sdn", [write_ofac_file(new_dir / "sdn.csv", today)])
    diff = diff_versions(old.entities, new.entities)
    assert [e.id for e in diff.removed] == ["us-ofac-sdn:36"]
    assert diff.added == ()
    (change,) = diff.changed
    assert change.entity_id == "us-ofac-sdn:6703"
    assert [c.field for c in change.changes] == ["birth_dates", "remarks"]
    assert str(change.changes[0]) == "birth_dates: +'1966-07-31' -'1965-07-31'"
