"""UN Security Council consolidated XML import."""

from __future__ import annotations

from pathlib import Path

import pytest
from lists_fixtures import UN_XML

from cruce.core.dates import PartialDate
from cruce.core.errors import ImportFailedError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.lists import ImportResult, SkippedRow, load_list


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`, so tests survive fixture edits."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture
def result(un_file: Path) -> ImportResult:
    return load_list("un-sc", [un_file])


def by_id(result: ImportResult) -> dict[str, Entity]:
    return {e.id: e for e in result.entities}


def test_ids_use_the_un_reference_number(result: ImportResult) -> None:
    assert [e.id for e in result.entities] == ["un-sc:QDi.006", "un-sc:KPi.999", "un-sc:CDe.001"]
    assert result.list_info.url == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"


def test_individual_with_original_script_aliases_dates_and_documents(result: ImportResult) -> None:
    person = by_id(result)["un-sc:QDi.006"]
    assert person.schema is Schema.PERSON
    assert person.names == (
        Name("AIMAN MUHAMMED RABI AL-ZAWAHIRI"),
        Name("أيمن محمد ربيع الظواهري", script="Arab"),
        Name("Ayman Al-Zawahari", NameKind.AKA, AliasQuality.STRONG),
        Name("Abu Fatma", NameKind.AKA, AliasQuality.WEAK),
        Name("Ahmed Fuad Salim", NameKind.AKA, AliasQuality.STRONG),
    )
    assert all(n.family is None for n in person.names)  # the UN gives no reliable surname split
    assert person.birth_dates == (
        PartialDate(1951, 6, 19),
        PartialDate(1953, approximate=True),
        PartialDate(1954, approximate=True),
        PartialDate(1952, 2, 3),  # the date used under the alias `Ahmed Fuad Salim`
    )
    assert person.birth_places == ("Giza, Egypt", "Cairo, Egypt")
    assert person.nationalities == ("EG",)
    assert person.identifiers == (Identifier("passport", "1084010", "EG"), Identifier("passport", "19820215"))
    assert person.addresses == (Address("Kabul, Afghanistan", city="Kabul", country="AF"),)
    assert person.countries == ("AF",)
    assert person.gender == "male"
    assert person.programs == ("Al-Qaida",)
    assert person.remarks == "Leader of Al-Qaida (QDe.004)."
    assert person.extra == {"un_dataid": "111923", "listed_on": "2001-01-25", "title": "Doctor"}


def test_approximate_years_notes_and_bad_dates(result: ImportResult) -> None:
    kim = by_id(result)["un-sc:KPi.999"]
    assert kim.names == (Name("KIM CHOL"), Name("KIM CHOL-SU", NameKind.FKA))
    assert kim.birth_dates == (PartialDate(1966, approximate=True), PartialDate(1973, 11))
    # the number sat in the free-text document type
    assert kim.identifiers == (Identifier("national_id", "545167"),)
    assert [(d.line, d.entity_id, d.field, d.value) for d in result.dropped] == [
        (line_of(UN_XML, "1967-02-30") - 1, "un-sc:KPi.999", "DATE_OF_BIRTH", "1967-02-30"),
    ]


def test_record_without_name_is_skipped_with_its_line(result: ImportResult) -> None:
    line = line_of(UN_XML, "<DATAID>6908001</DATAID>") - 1
    assert result.skipped == [SkippedRow("consolidated.xml", line, "INDIVIDUAL XXi.001 has no name")]


def test_entity_with_aliases_and_address(result: ImportResult) -> None:
    adf = by_id(result)["un-sc:CDe.001"]
    assert adf.schema is Schema.ORGANIZATION
    assert adf.names == (
        Name("ADF"),
        Name("Allied Democratic Forces", NameKind.AKA),
        Name("ADF/NALU", NameKind.FKA),
    )
    assert adf.addresses == (Address("North Kivu, Democratic Republic of the Congo", country="CD"),)
    assert adf.birth_dates == ()


def test_broken_xml_fails_with_line(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_text(
        UN_XML[: UN_XML.index("</INDIVIDUALS>")] + "<INDIVIDUAL><FIRST_NAME>X</FIRST", encoding="utf-8"
    )
    with pytest.raises(ImportFailedError) as info:
        load_list("un-sc", [path])
    assert info.value.code == "bad_xml"
    assert info.value.details["file"] == "consolidated.xml"
    assert isinstance(info.value.details["line"], int)
    assert info.value.message.startswith(f"consolidated.xml:{info.value.details['line']}: invalid XML")


def test_wrong_root_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<SANCTIONS><!-- not a CONSOLIDATED_LIST --></SANCTIONS>", encoding="utf-8")
    with pytest.raises(ImportFailedError, match="expected <CONSOLIDATED_LIST>"):
        load_list("un-sc", [path])


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    path = tmp_path / "consolidated.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>XXi.1</REFERENCE_NUMBER>"
        "<FIRST_NAME>A &xxe;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    result = load_list("un-sc", [path])
    assert "TOP-SECRET-VALUE" not in repr(result)


def test_the_same_reference_in_two_files_is_skipped_once(un_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xml"
    copy.write_text(UN_XML, encoding="utf-8")
    result = load_list("un-sc", [un_file, copy])
    assert len(result.entities) == 3
    duplicates = [s for s in result.skipped if "duplicate" in s.reason]
    assert [s.file for s in duplicates] == ["copy.xml"] * 3
    assert duplicates[0].reason.startswith("duplicate id QDi.006 (first at consolidated.xml:")
