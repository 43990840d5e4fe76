"""Reading declarations through mappings: presets, user YAML files, and every kind of bad row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cruce.core.errors import InputError
from cruce.scoring.declarations import DECLARATION_FIELDS, Declaration, from_frame, to_frame
from cruce.scoring.mapping import load_mapping, parse_mapping, preset_names, read_declarations

HEADER = (
    "Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,"
    "Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,"
    "Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud"
)
GOOD = (
    "97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0"
)


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "declarations.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def row(**changes: str) -> str:
    columns = HEADER.split(",")
    values = dict(zip(columns, GOOD.split(","), strict=True))
    values.update(changes)
    return ",".join(values[column] for column in columns)


def test_preset_reads_a_row_into_canonical_fields(tmp_path: Path) -> None:
    mapping = load_mapping("customs-declarations")
    batch = read_declarations(
        write(
            tmp_path,
            GOOD,
            row(**{"Declaration ID": "2", "HS6 Code": "90210", "Critical Fraud": "2", "Fraud": "1"}),
        ),
        mapping,
    )
    assert batch.errors == []
    assert list(batch.frame.columns[: len(DECLARATION_FIELDS)]) == list(DECLARATION_FIELDS)
    first, second = from_frame(batch.frame)
    assert first.declaration_id == "97061800"
    assert first.date == dt.date(2020, 1, 1)
    assert first.hs6_code == "440890"
    assert first.courier_id is None  # empty optional cell is missing, not ""
    assert first.net_mass_kg == pytest.approx(108.0)
    assert first.fraud is False and first.critical_fraud is False
    assert second.hs6_code == "090210"  # spreadsheets drop the leading zero of chapter 09 (tea)
    assert second.fraud is True and second.critical_fraud is True  # Critical Fraud == 2 is the critical class
    assert mapping.output_id_column == "Declaration ID"


def test_critical_fraud_one_is_not_critical(tmp_path: Path) -> None:
    batch = read_declarations(
        write(tmp_path, row(Fraud="1", **{"Critical Fraud": "1"})), load_mapping("customs-declarations")
    )
    assert from_frame(batch.frame)[0].critical_fraud is False


def test_bad_rows_come_back_with_their_line_and_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD,
        row(**{"Declaration ID": "2", "Date": "2020-13-01"}),
        row(**{"Declaration ID": "3", "Net Mass": "heavy"}),
        row(**{"Declaration ID": "4", "Item Price": "-5"}),
        row(**{"Declaration ID": "97061800"}),
        row(**{"Declaration ID": "6", "Importer ID": ""}),
        row(**{"Declaration ID": "7", "Fraud": "maybe"}),
        row(**{"Declaration ID": "8"}),
    )
    batch = read_declarations(path, load_mapping("customs-declarations"))
    found = {(error.line, error.column): error.message for error in batch.errors}
    assert found == {
        (3, "Date"): "is not a date (expected %Y-%m-%d)",
        (4, "Net Mass"): "is not a number",
        (5, "Item Price"): "is below the minimum 0",
        (6, "Declaration ID"): "repeats the id of line 2",
        (7, "Importer ID"): "is empty",
        (8, "Fraud"): "is not one of 1, 0",
    }
    assert batch.rows_read == 8
    assert batch.frame["declaration_id"].tolist() == ["97061800", "8"]  # nothing else silently kept
    assert batch.lines.tolist() == [2, 9]
    assert str(batch.errors[0]) == "line 3: Date '2020-13-01': is not a date (expected %Y-%m-%d)"


def test_quoted_newlines_keep_line_numbers_exact(tmp_path: Path) -> None:
    path = write(
        tmp_path, row(**{"Tax Type": '"FEU1\nsecond line"'}), row(**{"Declaration ID": "2", "Net Mass": "x"})
    )
    batch = read_declarations(path, load_mapping("customs-declarations"))
    assert [(error.line, error.column) for error in batch.errors] == [(4, "Net Mass")]


def test_scoring_input_without_outcome_columns_is_fine(tmp_path: Path) -> None:
    header = HEADER.removesuffix(",Fraud,Critical Fraud")
    path = write(tmp_path, GOOD.removesuffix(",0,0"), header=header)
    batch = read_declarations(path, load_mapping("customs-declarations"))
    assert batch.errors == []
    assert batch.frame["fraud"].isna().all()


def test_missing_column_names_what_is_there(tmp_path: Path) -> None:
    header = HEADER.replace("Net Mass", "Weight")
    with pytest.raises(InputError, match=r"lacks column\(s\) 'Net Mass'.*'Weight'"):
        read_declarations(write(tmp_path, GOOD, header=header), load_mapping("customs-declarations"))


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    text = HEADER + "\n" + GOOD + "\n" + row(**{"Importer ID": "MÉXICO"}) + "\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match=r"line 3: byte 0xc9 is not utf-8"):
        read_declarations(path, load_mapping("customs-declarations"))


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    mapping = load_mapping("customs-declarations")
    with pytest.raises(InputError, match="is empty"):
        read_declarations(empty, mapping)
    with pytest.raises(InputError, match="does not exist"):
        read_declarations(tmp_path / "nope.csv", mapping)


def test_user_mapping_file_reads_another_layout(tmp_path: Path) -> None:
    mapping_file = tmp_path / "broker.yaml"
    mapping_file.write_text(
        "name: broker\n"
        "delimiter: ';'\n"
        "fields:\n"
        "  declaration_id: Entry No\n"
        "  date: {column: Entry Date, format: '%d/%m/%Y'}\n"
        "  importer_name: Importer\n"
        "  hs6_code: {column: Tariff, zero_pad: 6}\n"
        "  declared_value: Value USD\n",
        encoding="utf-8",
    )
    data = tmp_path / "entries.csv"
    data.write_text(
        "Entry No;Entry Date;Importer;Tariff;Value USD\n"
        "E-1;31/01/2025;Importadora del Norte S.A. de C.V.;90210;1500.5\n",
        encoding="utf-8",
    )
    batch = read_declarations(data, load_mapping(mapping_file))
    (declaration,) = from_frame(batch.frame)
    assert declaration == Declaration(
        declaration_id="E-1",
        date=dt.date(2025, 1, 31),
        importer_name="Importadora del Norte S.A. de C.V.",
        hs6_code="090210",
        declared_value=1500.5,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nfields: {date: Date}\n", "must say which column holds declaration_id"),
        ("name: x\nfields: {declaration_id: ID, date: Date, weight: W}\n", "unknown field"),
        ("name: x\nfields: [1, 2]\n", "fields"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("name: x\nfields: {declaration_id: ID, date: Date}\ncolour: red\n", "colour"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_mapping_files_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_mapping(text, "my.yaml")


def test_unknown_preset_lists_the_presets() -> None:
    assert "customs-declarations" in preset_names()
    with pytest.raises(InputError, match="no mapping named 'customs'; shipped: customs-declarations"):
        load_mapping("customs")


def test_frame_round_trip_keeps_every_field() -> None:
    declaration = Declaration(
        declaration_id="D1",
        date=dt.date(2021, 3, 1),
        importer_id="IMP",
        hs6_code="870323",
        net_mass_kg=1200.0,
        declared_value=9000.0,
        fraud=True,
        critical_fraud=False,
        seller_name="Global Trading LLC",
    )
    assert from_frame(to_frame([declaration])) == [declaration]
    assert declaration.unit_value_per_kg == pytest.approx(7.5)


def test_a_semicolon_file_gets_a_hint_about_the_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace(",", ";"), header=HEADER.replace(",", ";"))
    with pytest.raises(InputError, match=r"looks separated by ';'.*delimiter: ';'"):
        read_declarations(path, load_mapping("customs-declarations"))
