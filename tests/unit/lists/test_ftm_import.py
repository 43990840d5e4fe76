"""FollowTheMoney JSON-lines import."""

from __future__ import annotations

from pathlib import Path

import pytest
from lists_fixtures import FTM_LINES

from cruce.core.dates import PartialDate
from cruce.core.errors import ImportFailedError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.lists import ImportResult, SkippedRow, load_list

LIST = "opensanctions-eu-fsf"


@pytest.fixture
def result(ftm_file: Path) -> ImportResult:
    return load_list(LIST, [ftm_file])


def by_id(result: ImportResult) -> dict[str, Entity]:
    return {e.id: e for e in result.entities}


def test_user_named_list_and_ids(result: ImportResult) -> None:
    assert [e.id for e in result.entities] == [
        f"{LIST}:NK-kuz",
        f"{LIST}:NK-org",
        f"{LIST}:NK-ship",
        f"{LIST}:NK-plane",
    ]
    assert result.list_info.id == LIST
    assert result.list_info.format == "ftm-json"
    assert result.list_info.publisher == "OpenSanctions"


def test_person_with_names_in_several_scripts(result: ImportResult) -> None:
    person = by_id(result)[f"{LIST}:NK-kuz"]
    assert person.schema is Schema.PERSON
    assert person.source_id == "NK-kuz"
    assert person.names == (
        Name("Vitaly Yurievich KUZMENKO", family="KUZMENKO", given="Vitaly Yurievich"),
        Name("Vitalij Kuzmenko", family="Kuzmenko", given="Vitalij"),
        Name("Виталий Юрьевич КУЗЬМЕНКО", family="КУЗЬМЕНКО", given="Виталий Юрьевич", script="Cyrl"),
        Name("Vitaly Kuzmenko", NameKind.AKA, AliasQuality.STRONG, family="Kuzmenko", given="Vitaly"),
        Name("Vitya", NameKind.AKA, AliasQuality.WEAK),
        Name("Vitaly Ivanov", NameKind.FKA),
    )
    assert person.birth_dates == (PartialDate(1971, 1, 22),)
    assert person.birth_places == ("Tula",)
    assert person.nationalities == ("RU", "BY")
    assert person.gender == "male"
    assert person.identifiers == (
        Identifier("passport", "7501 123456"),
        Identifier("tax_id", "366510784303", "RU"),
    )
    assert person.extra == {"position": "General Director"}
    assert person.remarks == "Plant director"


def test_address_records_are_resolved_through_referents(result: ImportResult) -> None:
    org = by_id(result)[f"{LIST}:NK-org"]
    assert org.schema is Schema.ORGANIZATION  # FtM Company
    assert org.names == (
        Name("LLC “Inter Tobacco”"),
        Name("Εταιρία περιορισμένης ευθύνης “Inter Tobacco”", script="Grek"),
    )
    assert org.addresses == (Address("Minsk Free Economic Zone, Minsk", city="Minsk", country="BY"),)
    assert org.countries == ("BY",)
    assert org.identifiers == (Identifier("registration", "808000714"),)


def test_vessel_and_airplane(result: ImportResult) -> None:
    entities = by_id(result)
    ship = entities[f"{LIST}:NK-ship"]
    assert ship.schema is Schema.VESSEL
    assert ship.identifiers == (Identifier("imo", "9187629"),)
    assert ship.countries == ("IR",)
    assert ship.extra == {"call_sign": "T2EU4"}
    plane = entities[f"{LIST}:NK-plane"]
    assert plane.schema is Schema.AIRCRAFT
    assert plane.identifiers == (
        Identifier("tail_number", "EP-GOM"),
        Identifier("aircraft_serial", "1023409321"),
    )


def test_skipped_rows_are_exact(result: ImportResult) -> None:
    file = "eu_fsf.ftm.json"
    assert result.skipped == [
        SkippedRow(file, 7, "record without an 'id'"),
        SkippedRow(file, 8, "expected a JSON object, found list"),
        SkippedRow(file, 9, "duplicate id NK-kuz (first at eu_fsf.ftm.json:1)"),
        SkippedRow(file, 12, "LegalEntity NK-noname has no name"),
    ]


def test_non_parties_and_non_targets_are_counted_not_skipped(result: ImportResult) -> None:
    assert result.ignored == {"schema Address": 1, "schema Sanction": 1, "not a target (Person)": 1}


def test_bad_values_are_dropped_visibly(result: ImportResult) -> None:
    assert [(d.line, d.entity_id, d.field, d.value, d.reason) for d in result.dropped] == [
        (1, f"{LIST}:NK-kuz", "birthDate", "1971-13-40", "month 13 is not 1-12"),
        (10, f"{LIST}:NK-ship", "country", "qq", "unknown country code"),
    ]


def test_truncated_json_line_stops_the_import(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    lines = [FTM_LINES[0], FTM_LINES[1], FTM_LINES[2][:40]]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ImportFailedError) as info:
        load_list(LIST, [path])
    assert info.value.code == "bad_json"
    assert info.value.details == {"file": "entities.ftm.json", "path": str(path), "line": 3}
    assert info.value.message.startswith("entities.ftm.json:3: invalid JSON")


def test_non_string_values_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text(
        '{"id": "x1", "schema": "Person", "properties": {"name": ["Ana Ruiz", 42], "birthDate": "1980"}}\n',
        encoding="utf-8",
    )
    result = load_list("my-list", [path])
    assert result.entities[0].names == (Name("Ana Ruiz"),)
    assert result.entities[0].birth_dates == (PartialDate(1980),)  # a bare string is read as one value
    assert [(d.field, d.value) for d in result.dropped] == [("name", "42")]
    assert result.list_info.publisher == "user supplied"


def test_person_without_name_property_uses_first_and_last_name(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text(
        '{"id": "p", "schema": "Person", "properties": {"firstName": ["Juan"], "lastName": ["PEREZ"]}}\n',
        encoding="utf-8",
    )
    entity = load_list("my-list", [path]).entities[0]
    assert entity.names == (Name("Juan PEREZ", family="PEREZ", given="Juan"),)


def test_line_separator_characters_inside_a_value_do_not_split_the_record(tmp_path: Path) -> None:
    # JSON allows U+2028/U+2029 unescaped in strings; they are not record separators.
    record = (
        '{"id": "p1", "schema": "Person", "target": true, '
        '"properties": {"name": ["Ana Ruiz"], "notes": ["first\u2028second\u2029third"]}}'
    )
    path = tmp_path / "sep.ftm.json"
    path.write_text(record + "\n", encoding="utf-8")
    imported = load_list("sep-test", [path])
    assert [e.caption for e in imported.entities] == ["Ana Ruiz"]
