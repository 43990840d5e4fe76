"""Batch screening of a file: workers read and screen the rows, the parent writes them in input order."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.service.queries import make_query
from cruce.service.screening import screen_file

_ROWS = """id,name,schema,birth_date,country,gender,documents
1,"HERNANDEZ LOPEZ, Juan Carlos",person,1975-03-02,MX,,

2,Pepe Amezcua,,1964-07-31,,m,
3,Bad Date,,1964-13-45,,,
4,Bad Country,,,Narnia,,
5,Too,many,,,,,,extra
6,Transportes Guzman,organization,,,,
7,Nobody Known,,,,,
8,Doc Bad,,,,,nonsense
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(
        [
            Entity("t:1", Schema.PERSON, (Name("HERNANDEZ LOPEZ, Juan Carlos"),), "t", "1"),
            Entity("t:2", Schema.PERSON, (Name("AMEZCUA CONTRERAS, Jose de Jesus"),), "t", "2"),
            Entity("t:3", Schema.ORGANIZATION, (Name("TRANSPORTES GUZMAN S.A. DE C.V."),), "t", "3"),
        ]
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_rows_come_out_in_order_and_bad_rows_are_listed_by_line(
    matcher: Matcher, tmp_path: Path, workers: int
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(_ROWS, encoding="utf-8")
    output = tmp_path / "out.csv"
    done: list[int] = []
    report = screen_file(matcher, source, output, workers=workers, chunk_rows=2, progress=done.append)
    assert (report.rows, report.queries, report.rejected) == (8, 4, 4)
    assert sum(done) == 8  # every row counts as done, screened or refused
    rows = list(csv.reader(output.open(encoding="utf-8", newline="")))
    # Screened rows give what screening each query alone gives, in input order.
    screened = [
        ("1", "HERNANDEZ LOPEZ, Juan Carlos", "person"),
        ("2", "Pepe Amezcua", None),
        ("6", "Transportes Guzman", "organization"),
        ("7", "Nobody Known", None),
    ]
    expected = []
    for query_id, name, schema in screened:
        matches = matcher.screen(make_query(name, schema=schema), 5)
        expected += [[query_id, m.entity_id] for m in matches] or [[query_id, ""]]
    assert [[r[0], r[2]] for r in rows[1:]] == expected
    assert report.errors_file is not None
    errors = list(csv.reader(report.errors_file.open(encoding="utf-8", newline="")))
    assert [(e[0], e[1]) for e in errors[1:]] == [("5", "3"), ("6", "4"), ("7", "5"), ("10", "8")]
    assert report.first_rejected is not None and report.first_rejected[:2] == (5, "3")
