"""Entity resolution: known duplicates are linked, households and namesakes are not, bad files are refused."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cruce.cases.merges import EntityLedger
from cruce.cases.records import parse_birth_date, read_records
from cruce.cases.resolve import Resolver
from cruce.core.errors import InputError
from cruce.synthetic.people import COLUMNS, generate_people


def _write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for ids in groups.values():
        out |= {(a, b) for a, b in itertools.combinations(sorted(ids), 2)}
    return out


def test_noisy_synthetic_people_are_resolved_with_high_precision_and_recall(tmp_path: Path) -> None:
    rows = generate_people(800, seed=5)
    truth: dict[str, list[str]] = {}
    for r in rows:
        truth.setdefault(r["person_id"], []).append(r["record_id"])
    result = read_records(_write(tmp_path / "people.csv", rows))
    resolution = Resolver().resolve(result.records)
    predicted, expected = _pairs(resolution.entities()), _pairs(truth)
    tp = len(predicted & expected)
    assert tp / len(predicted) > 0.9
    assert tp / len(expected) > 0.85


def test_a_person_written_three_ways_is_one_entity_and_the_sibling_is_not(tmp_path: Path) -> None:
    base = {"address": "calle 5 de mayo 123", "city": "nogales", "postcode": "84000"}
    rows = [
        {"record_id": "a", "given_name": "José", "surname": "Hernández López", "birth_date": "1980-03-12",
         "document": "HELJ800312", **base},
        {"record_id": "b", "given_name": "Pepe", "surname": "HERNANDEZ", "birth_date": "12/03/1980",
         "document": "HELJ800312", **base},
        {"record_id": "c", "given_name": "Jose", "surname": "Hernandes Lopez", "birth_date": "1980-12-03",
         **base},
        {"record_id": "d", "given_name": "María", "surname": "Hernández López", "birth_date": "1984-07-30",
         "document": "HELM840730", **base},
    ]  # fmt: skip
    filler = generate_people(300, seed=2)
    path = _write(tmp_path / "in.csv", rows + filler)
    resolution = Resolver().resolve(read_records(path).records)
    e = resolution.entity_of
    assert e["a"] == e["b"] == e["c"]
    assert e["d"] != e["a"]
    explained = [p for p in resolution.pairs if {p.a, p.b} == {"a", "c"}]
    assert explained and "day and month swapped" in explained[0].explanation()


def test_file_without_record_id_is_refused_with_the_columns_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", [{"given_name": "a"}], ("given_name", "surname"))
    with pytest.raises(InputError, match="no record_id column"):
        read_records(path)


def test_unreadable_dates_are_reported_with_their_line_and_the_record_kept(tmp_path: Path) -> None:
    rows = [
        {"record_id": "1", "given_name": "Ana", "birth_date": "yesterday"},
        {"record_id": "2", "given_name": "Eva", "birth_date": "1990-01-02"},
    ]
    result = read_records(_write(tmp_path / "d.csv", rows))
    assert len(result.records) == 2
    assert [(p.line, p.record_id) for p in result.problems] == [(2, "1")]


@pytest.mark.parametrize(
    ("text", "parts"),
    [("1975-03-02", (1975, 3, 2)), ("19750302", (1975, 3, 2)), ("25/12/1975", (1975, 12, 25)),
     ("12 Mar 1975", (1975, 3, 12)), ("1975", (1975, 0, 0))],
)  # fmt: skip
def test_birth_dates_in_common_forms(text: str, parts: tuple[int, int, int]) -> None:
    value, _ = parse_birth_date(text)
    assert value is not None and (value.year, value.month, value.day) == parts


def test_merge_split_and_undo_replay_to_the_same_partition() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    ledger = EntityLedger({"r1": "entity:r1", "r2": "entity:r2", "r3": "entity:r2"})
    first = ledger.merge(["entity:r1", "entity:r2"], actor="ana", reason="same CURP", at=now)
    assert set(ledger.partition().values()) == {"entity:r1"}
    ledger.split(["r3"], actor="ana", reason="different mother", at=now)
    assert ledger.partition()["r3"] != ledger.partition()["r1"]
    ledger.undo(first.seq, actor="luis", reason="CURP misread", at=now)
    part = ledger.partition()
    assert part["r1"] == "entity:r1" and part["r2"] == "entity:r2" and part["r3"] not in {"entity:r2"}
    assert len(ledger.decisions) == 3
    with pytest.raises(InputError):
        ledger.merge(["entity:r1", "entity:nobody"], actor="ana", reason="x", at=now)
    assert len(ledger.decisions) == 3
