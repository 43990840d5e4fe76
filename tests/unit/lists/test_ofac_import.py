"""OFAC legacy CSV import, on a small trio of files in the real layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from lists_fixtures import ADD_ROWS, ALT_ROWS, SDN_ROWS, E, write_ofac_file

from cruce.core.dates import PartialDate
from cruce.core.errors import ImportFailedError, InputError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.lists import DroppedValue, ImportResult, SkippedRow, load_list


@pytest.fixture
def result(ofac_trio: list[Path]) -> ImportResult:
    return load_list("us-ofac-sdn", ofac_trio)


def by_id(result: ImportResult) -> dict[str, Entity]:
    return {e.id: e for e in result.entities}


def test_imports_every_good_row_with_namespaced_ids(result: ImportResult) -> None:
    assert [e.id for e in result.entities] == [
        "us-ofac-sdn:36",
        "us-ofac-sdn:6703",
        "us-ofac-sdn:9338",
        "us-ofac-sdn:15036",
        "us-ofac-sdn:15431",
        "us-ofac-sdn:7001",
        "us-ofac-sdn:7002",
    ]
    assert result.list_info.id == "us-ofac-sdn"
    assert result.list_info.format == "ofac-csv"
    assert all(e.list_id == "us-ofac-sdn" for e in result.entities)
    assert by_id(result)["us-ofac-sdn:6703"].source_id == "6703"


def test_reports_exactly_the_skipped_rows_with_file_and_line(result: ImportResult) -> None:
    assert result.skipped == [
        SkippedRow("sdn.csv", 4, "expected 12 columns, found 3"),
        SkippedRow("sdn.csv", 5, "ent_num 'ABC' is not a number"),
        SkippedRow("alt.csv", 4, "alias for unknown ent_num 99999"),
        SkippedRow("alt.csv", 5, "unknown alt_type 'xyz'"),
    ]


def test_bad_values_are_dropped_visibly_and_the_entity_kept(result: ImportResult) -> None:
    assert [(d.file, d.line, d.entity_id, d.field, d.value) for d in result.dropped] == [
        ("sdn.csv", 8, "us-ofac-sdn:7001", "DOB", "31 Feb 1970"),
        ("sdn.csv", 8, "us-ofac-sdn:7001", "nationality", "Atlantis"),
        ("add.csv", 4, "us-ofac-sdn:15036", "Country", "Atlantis"),
    ]
    assert "not a date" in result.dropped[0].reason
    febrero = by_id(result)["us-ofac-sdn:7001"]
    assert febrero.birth_dates == (PartialDate(1971, approximate=True),)
    assert febrero.birth_places == ("Tijuana, Baja California, Mexico",)
    assert febrero.nationalities == ()


def test_individual_names_split_and_aliases_from_alt_file(result: ImportResult) -> None:
    amezcua = by_id(result)["us-ofac-sdn:6703"]
    assert amezcua.schema is Schema.PERSON
    assert amezcua.names == (
        Name("AMEZCUA CONTRERAS, Jose de Jesus", family="AMEZCUA CONTRERAS", given="Jose de Jesus"),
        Name("AMESCUA, Chuey", NameKind.AKA, AliasQuality.STRONG, family="AMESCUA", given="Chuey"),
        Name("AMEZCUA, Chuy", NameKind.AKA, AliasQuality.WEAK, family="AMEZCUA", given="Chuy"),
    )
    # `DOB X; alt. DOB X; alt. DOB Y` gives two candidate dates, not three
    assert amezcua.birth_dates == (PartialDate(1964, 7, 31), PartialDate(1965, 7, 31))
    assert amezcua.birth_places == ("Mexico",)
    # the all-empty address row OFAC writes is not an address
    assert amezcua.addresses == ()


def test_mexican_identifiers_come_out_normalised_with_country(result: ImportResult) -> None:
    arriola = by_id(result)["us-ofac-sdn:9338"]
    assert arriola.identifiers == (
        Identifier("rfc", "AIMM-671215-387", "MX"),
        Identifier("curp", "AIMM671215HCHRRG06", "MX"),
        Identifier("passport", "12345678", "MX"),
    )
    assert arriola.nationalities == ("MX",)
    assert arriola.gender == "male"
    assert arriola.programs == ("SDNTK", "SDNT")
    assert arriola.birth_dates == (PartialDate(1967, 12, 15),)
    assert arriola.linked_to == ("AUTO EXPRESS DORADOS, S.A. DE C.V.",)
    assert Name("EL TIO", NameKind.AKA, AliasQuality.WEAK) in arriola.names
    assert arriola.addresses == (
        Address("Calle Mina No. 15, Saucillo, Chihuahua, Mexico", city="Saucillo, Chihuahua", country="MX"),
    )
    assert arriola.countries == ("MX",)
    assert arriola.remarks is not None and arriola.remarks.startswith("DOB 15 Dec 1967;")


def test_vessel_fields(result: ImportResult) -> None:
    ship = by_id(result)["us-ofac-sdn:15036"]
    assert ship.schema is Schema.VESSEL
    assert ship.identifiers == (Identifier("imo", "9187629"), Identifier("mmsi", "572469210"))
    assert ship.countries == ("IR",)
    assert ship.extra == {
        "call_sign": "T2EU4",
        "vessel_type": "Crude/Oil Products Tanker",
        "tonnage": "99,144",
        "gross_registered_tonnage": "56,068",
        "former_flags": "Malta",
    }
    assert [(n.text, n.kind, n.quality) for n in ship.names] == [
        ("ARTAVIL", NameKind.PRIMARY, AliasQuality.STRONG),
        ("ABADAN", NameKind.FKA, AliasQuality.STRONG),
        ("ALPHA", NameKind.FKA, AliasQuality.WEAK),
    ]
    assert ship.addresses == (Address("Atlantis"),)
    assert ship.linked_to == ("NATIONAL IRANIAN TANKER COMPANY",)


def test_aircraft_and_organization(result: ImportResult) -> None:
    entities = by_id(result)
    plane = entities["us-ofac-sdn:15431"]
    assert plane.schema is Schema.AIRCRAFT
    assert plane.identifiers == (Identifier("tail_number", "EP-GOM"), Identifier("aircraft_serial", "8401"))
    assert plane.extra == {"aircraft_model": "IL76-TD"}
    org = entities["us-ofac-sdn:36"]
    assert org.schema is Schema.ORGANIZATION
    assert org.names == (Name("AEROCARIBBEAN AIRLINES"),)
    assert org.addresses == (Address("Havana, Cuba", city="Havana", country="CU"),)
    assert org.remarks is None


def test_birth_year_ranges_expand_to_each_year(result: ImportResult) -> None:
    rango = by_id(result)["us-ofac-sdn:7002"]
    assert rango.birth_dates == (PartialDate(1960), PartialDate(1961), PartialDate(1962))
    assert rango.identifiers == (Identifier("cedula", "16247821", "CO"),)


def test_primary_file_alone_is_enough(ofac_trio: list[Path]) -> None:
    result = load_list("us-ofac-sdn", ofac_trio[:1])
    assert len(result.entities) == 7
    assert all(not e.addresses for e in result.entities)


def test_cp1252_file_is_decoded(tmp_path: Path) -> None:
    rows = [f'1,"PEÑA NIETO, José",-0- ,"SDNTK",{E},{E},{E},{E},{E},{E},{E},"POB Mérida, Yucatán, México."']
    path = write_ofac_file(tmp_path / "sdn.csv", rows, encoding="cp1252")
    entity = load_list("us-ofac-sdn", [path]).entities[0]
    assert entity.names[0].text == "PEÑA NIETO, José"
    assert entity.birth_places == ("Mérida, Yucatán, México",)


def test_utf16_export_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(("\r\n".join(SDN_ROWS[:2]) + "\r\n").encode("utf-16"))
    result = load_list("us-ofac-sdn", [path])
    assert [e.caption for e in result.entities] == [
        "AEROCARIBBEAN AIRLINES",
        "AMEZCUA CONTRERAS, Jose de Jesus",
    ]


def test_utf8_bom_and_header_row_are_tolerated(tmp_path: Path) -> None:
    header = ",".join(["ent_num", "SDN_Name", "SDN_Type", *["x"] * 9])
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (header + "\r\n" + SDN_ROWS[0] + "\r\n").encode())
    result = load_list("us-ofac-sdn", [path])
    assert [e.id for e in result.entities] == ["us-ofac-sdn:36"]
    assert result.skipped == []


def test_undecodable_file_fails_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(SDN_ROWS[0].encode() + b"\r\n" + b'2,"BAD \x81 BYTE",-0- ' + b"\r\n")
    with pytest.raises(ImportFailedError) as info:
        load_list("us-ofac-sdn", [path])
    assert info.value.code == "bad_encoding"
    assert info.value.message.startswith("sdn.csv:2: ")
    assert info.value.details["line"] == 2
    assert info.value.details["file"] == "sdn.csv"


def test_missing_file_fails_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ImportFailedError) as info:
        load_list("us-ofac-sdn", [tmp_path / "sdn.csv"])
    assert info.value.code == "file_missing"
    assert "sdn.csv" in info.value.message
    assert isinstance(info.value, InputError)  # exit code 2 in the CLI, not a traceback


def test_alias_file_given_as_primary_is_refused(tmp_path: Path) -> None:
    path = write_ofac_file(tmp_path / "sdn.csv", ALT_ROWS)
    with pytest.raises(ImportFailedError) as info:
        load_list("us-ofac-sdn", [path])
    assert info.value.code == "wrong_file"
    assert "5 of 5 rows are malformed" in info.value.message
    assert info.value.details["line"] == 1


def test_address_file_with_extra_columns_is_refused(tmp_path: Path) -> None:
    primary = write_ofac_file(tmp_path / "sdn.csv", SDN_ROWS)
    widened = [row + ',"extra"' for row in ADD_ROWS]
    add = write_ofac_file(tmp_path / "add.csv", widened)
    with pytest.raises(ImportFailedError, match=r"add\.csv:1: 4 of 4 rows are malformed"):
        load_list("us-ofac-sdn", [primary, add])


def test_unbalanced_quote_is_reported_with_the_lines_it_swallowed(tmp_path: Path) -> None:
    # The opening quote on line 3 is never closed: the csv reader swallows the rest of the file.
    rows = [SDN_ROWS[0], SDN_ROWS[1], '77,"BROKEN NAME', f"78,LOST,{E},CUBA", f"79,ALSO LOST,{E},CUBA"]
    result = load_list("us-ofac-sdn", [write_ofac_file(tmp_path / "sdn.csv", rows)])
    assert [e.id for e in result.entities] == ["us-ofac-sdn:36", "us-ofac-sdn:6703"]
    assert result.skipped == [
        SkippedRow("sdn.csv", 3, "expected 12 columns, found 2 (row spans lines 3-5; unbalanced quote?)")
    ]


def test_duplicate_ent_num_keeps_the_first(tmp_path: Path) -> None:
    rows = [SDN_ROWS[0], SDN_ROWS[0].replace("AEROCARIBBEAN AIRLINES", "OTHER NAME")]
    result = load_list("us-ofac-sdn", [write_ofac_file(tmp_path / "sdn.csv", rows)])
    assert [e.caption for e in result.entities] == ["AEROCARIBBEAN AIRLINES"]
    assert result.skipped == [SkippedRow("sdn.csv", 2, "duplicate ent_num 36 (first on line 1)")]


def test_unknown_type_is_kept_as_legal_entity(tmp_path: Path) -> None:
    rows = [SDN_ROWS[0].replace(f'{E},"CUBA"', '"spaceship","CUBA"', 1)]
    result = load_list("us-ofac-sdn", [write_ofac_file(tmp_path / "sdn.csv", rows)])
    assert result.entities[0].schema is Schema.UNKNOWN
    assert result.dropped == [
        DroppedValue(
            "sdn.csv", 1, "us-ofac-sdn:36", "SDN_Type", "spaceship", "unknown type; read as LegalEntity"
        )
    ]


def test_empty_primary_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"\r\n\x1a")
    with pytest.raises(ImportFailedError, match=r"sdn\.csv: file is empty"):
        load_list("us-ofac-sdn", [path])


def test_primary_file_with_only_a_header_fails(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"ent_num,SDN_Name,SDN_Type,Program,Title,a,b,c,d,e,f,Remarks\r\n")
    with pytest.raises(ImportFailedError) as info:
        load_list("us-ofac-sdn", [path])
    assert info.value.code == "no_entries"


def test_files_are_told_apart_by_width_when_names_do_not_say(tmp_path: Path) -> None:
    primary = write_ofac_file(tmp_path / "2024-05-01-a.csv", SDN_ROWS)
    aliases = write_ofac_file(tmp_path / "2024-05-01-b.csv", ALT_ROWS)
    result = load_list("us-ofac-sdn", [aliases, primary])
    amezcua = by_id(result)["us-ofac-sdn:6703"]
    assert len(amezcua.names) == 3


def test_two_primary_files_are_refused(tmp_path: Path) -> None:
    one = write_ofac_file(tmp_path / "sdn.csv", SDN_ROWS)
    two = write_ofac_file(tmp_path / "cons_prim.csv", SDN_ROWS)
    with pytest.raises(ImportFailedError, match="two primary files"):
        load_list("us-ofac-sdn", [one, two])


def test_consolidated_list_uses_its_own_namespace(ofac_trio: list[Path], tmp_path: Path) -> None:
    cons = write_ofac_file(tmp_path / "cons_prim.csv", SDN_ROWS[:1])
    result = load_list("us-ofac-cons", [cons])
    assert [e.id for e in result.entities] == ["us-ofac-cons:36"]
    assert result.list_info.title.startswith("OFAC Consolidated")
