"""The entry point: list registry, format detection and the errors a user sees before any parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruce.core.errors import ImportFailedError, InputError
from cruce.lists import FORMATS, KNOWN_LISTS, detect_format, load_list


def test_registry_holds_the_lists_we_import() -> None:
    assert set(KNOWN_LISTS) == {"us-ofac-sdn", "us-ofac-cons", "un-sc", "ftm"}
    sdn = KNOWN_LISTS["us-ofac-sdn"]
    assert sdn.files == ("sdn.csv", "alt.csv", "add.csv")
    assert sdn.urls[0] == "https://www.treasury.gov/ofac/downloads/sdn.csv"
    assert sdn.info.format == "ofac-csv"
    assert KNOWN_LISTS["us-ofac-cons"].files == ("cons_prim.csv", "cons_alt.csv", "cons_add.csv")
    assert KNOWN_LISTS["un-sc"].info.format == "un-xml"
    assert KNOWN_LISTS["ftm"].generic
    assert all(spec.info.id == key and spec.info.format in FORMATS for key, spec in KNOWN_LISTS.items())


def test_detects_each_format(ofac_trio: list[Path], un_file: Path, ftm_file: Path) -> None:
    assert [detect_format(p) for p in ofac_trio] == ["ofac-csv"] * 3
    assert detect_format(un_file) == "un-xml"
    assert detect_format(ftm_file) == "ftm-json"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "file is empty"),
        ("hello world\n", "not an OFAC CSV, UN XML or FollowTheMoney JSON file"),
        ("<html><body/></html>", "XML but not a UN consolidated list"),
        ('{"DATA_SOURCE": "X", "RECORD_ID": "1"}\n', "JSON but not FollowTheMoney"),
    ],
)
def test_unknown_formats_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "list.dat"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFailedError, match=message) as info:
        detect_format(path)
    assert info.value.details["file"] == "list.dat"


def test_known_list_in_the_wrong_format_is_refused(ftm_file: Path) -> None:
    with pytest.raises(ImportFailedError) as info:
        load_list("un-sc", [ftm_file])
    assert info.value.code == "wrong_format"
    assert "un-sc is published as un-xml" in info.value.message


def test_mixed_formats_are_refused(ofac_trio: list[Path], un_file: Path) -> None:
    with pytest.raises(ImportFailedError, match="different formats"):
        load_list("my-list", [ofac_trio[0], un_file])


@pytest.mark.parametrize("list_id", ["", "US-OFAC", "my list", "a:b", "-x", "x" * 80])
def test_bad_list_ids_are_refused(list_id: str, ftm_file: Path) -> None:
    with pytest.raises(InputError) as info:
        load_list(list_id, [ftm_file])
    assert info.value.code == "bad_list_id"


def test_no_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no files given"):
        load_list("us-ofac-sdn", [])


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFailedError, match="is a directory"):
        load_list("us-ofac-sdn", [tmp_path])


def test_alias_file_alone_is_refused(ofac_trio: list[Path]) -> None:
    with pytest.raises(ImportFailedError) as info:
        load_list("us-ofac-sdn", [ofac_trio[1]])
    assert info.value.code == "no_primary"


def test_user_named_list_in_ofac_format(ofac_trio: list[Path]) -> None:
    result = load_list("mx-uif-lpb", ofac_trio[:1])
    assert result.entities[0].id == "mx-uif-lpb:36"
    assert result.list_info.publisher == "user supplied"


def test_summary_line(ofac_trio: list[Path]) -> None:
    assert load_list("us-ofac-sdn", ofac_trio).summary() == (
        "us-ofac-sdn: 7 entities, 4 rows skipped, 3 values dropped"
    )
