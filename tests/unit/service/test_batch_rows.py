"""One reading of batch-screening CSV rows for the CLI and the API's jobs."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.errors import InputError
from cruce.service.batch_rows import read_header, read_rows, row_query
from cruce.service.screen_jobs import batch_header

CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=12))
def test_every_non_blank_row_comes_back_once_in_order(rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name"])
    writer.writerows(rows)
    reader = csv.reader(io.StringIO(out.getvalue()))
    assert read_header(reader) == ["id", "name"]
    got = list(read_rows(reader))
    assert [raw for _, raw in got] == [r for r in rows if any(c.strip() for c in r)]
    lines = [line for line, _ in got]
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)


def test_the_api_and_the_cli_refuse_a_header_alike() -> None:
    with pytest.raises(InputError) as api:
        batch_header("id,nombre\n1,Juan\n")
    with pytest.raises(InputError) as cli:
        read_header(csv.reader(io.StringIO("id,nombre\n")), "people.csv")
    assert api.value.code == cli.value.code == "missing_column"
    assert "missing column(s) name" in api.value.message
    assert cli.value.message == f"people.csv: {api.value.message}"
    with pytest.raises(InputError, match="is empty") as empty:
        batch_header("\n")
    assert empty.value.code == "empty_input"


def test_a_row_longer_than_the_header_or_with_a_bad_value_is_refused_alone() -> None:
    with pytest.raises(InputError, match="3 values but the header has 2 columns"):
        row_query(["id", "name"], ["1", "Juan", "extra"])
    with pytest.raises(InputError) as bad:
        row_query(["id", "name", "birth_date"], ["2", "Rosa", "31/31/99"])
    assert "31/31/99" in bad.value.message
    assert row_query(["id", "name"], [" 7 ", "Ana Lopez"]).id == "7"


def test_a_broken_quote_names_its_line() -> None:
    reader = csv.reader(io.StringIO('id,name\n1,Juan\n2,"Ro\x00sa\n'), strict=True)
    read_header(reader)
    with pytest.raises(InputError) as bad:
        list(read_rows(reader, "in.csv"))
    assert bad.value.code == "bad_csv" and bad.value.message.startswith("in.csv: line ")
