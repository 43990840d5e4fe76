"""The batch's speed-ups change no byte of its output.

The reference is worked out here, the plain way: every row read on its own, screened by a matcher that
remembers nothing between queries, each match written with `Match.reasons()`. The batch under test reuses
names across rows (the matcher's memo), formats on forked workers and ships chunks back; its file must
have the same digest.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from cruce.core import csvsafe
from cruce.core.errors import InputError
from cruce.matching.matcher import Matcher
from cruce.matching.scorer import CruceScorer
from cruce.service.batch_rows import read_header, read_rows, row_query
from cruce.service.screening import BATCH_MATCHER_COLUMN, BATCH_OUTPUT_COLUMNS, screen_file
from cruce.synthetic.travelers import generate_travelers
from cruce.synthetic.watchlist import generate_watchlist

_DATES = ("", "1975-03-02", "1964", "1980-07", "1990-01-15")
_COUNTRIES = ("", "MX", "US", "CO;MX", "CA")


@pytest.fixture(scope="module")
def listed() -> tuple[Matcher, Matcher, list[list[str]]]:
    """A synthetic list, the same matcher with and without its memo, and rows naming people repeatedly."""
    entities = generate_watchlist(11, 600)
    pool = [t.query for t in generate_travelers(11, entities, 150, hit_rate=0.2, near_miss_rate=0.1)]
    rows = []
    for i in range(900):
        query = pool[(i * 7) % len(pool)]
        # The same name comes back with other evidence: the memo must weigh dates and countries afresh.
        rows.append([f"q{i}", query.name, query.schema.value.lower(), _DATES[i % len(_DATES)],
                     _COUNTRIES[(i // 3) % len(_COUNTRIES)], "MF"[i % 2] if i % 3 else "", ""])  # fmt: skip
    rows.insert(40, ["bad1", "Bad Date", "person", "1975-13-45", "", "", ""])
    rows.insert(300, ["bad2", "Nowhere", "person", "", "Atlantis", "", ""])
    return Matcher(entities, memo=0), Matcher(entities), rows


def _write_input(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csvsafe.writer(handle)
        writer.writerow(("id", "name", "schema", "birth_date", "country", "gender", "documents"))
        writer.writerows(rows)


def _reference(matcher: Matcher, source: Path) -> bytes:
    """The output as the plain per-row computation writes it."""
    buffer = io.StringIO(newline="")
    writer = csvsafe.writer(buffer)
    writer.writerow((*BATCH_OUTPUT_COLUMNS, BATCH_MATCHER_COLUMN))
    label = CruceScorer.label(matcher.threshold)
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = read_header(reader)
        for _line, raw in read_rows(reader):
            try:
                query = row_query(header, raw)
            except InputError:
                continue
            matches = matcher.screen(query, 5)
            if not matches:
                writer.writerow([query.id, "0", "", "0.0000", "false", "", "no candidate", label])
            for rank, m in enumerate(matches, start=1):
                alert = "true" if m.alert else "false"
                score = f"{m.score:.4f}"
                writer.writerow(
                    [query.id, str(rank), m.entity_id, score, alert, m.matched_name, m.reasons(), label]
                )
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(("workers", "chunk_rows"), [(1, 250), (2, 64)])
def test_batch_output_digest_equals_the_plain_computation(
    listed: tuple[Matcher, Matcher, list[list[str]]], tmp_path: Path, workers: int, chunk_rows: int
) -> None:
    plain, remembering, rows = listed
    source = tmp_path / "in.csv"
    _write_input(source, rows)
    expected = _reference(plain, source)
    output = tmp_path / "out.csv"
    report = screen_file(remembering, source, output, workers=workers, chunk_rows=chunk_rows)
    assert report.rejected == 2
    assert report.alerts > 0  # the list's planted travellers alert: the rows are not all "no candidate"
    assert hashlib.sha256(output.read_bytes()).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_a_remembered_name_weighs_each_query_s_own_evidence(
    listed: tuple[Matcher, Matcher, list[list[str]]],
) -> None:
    plain, remembering, rows = listed
    header = ["id", "name", "schema", "birth_date", "country", "gender", "documents"]
    queries = [row_query(header, raw) for raw in rows[:300] if not raw[0].startswith("bad")]
    assert len({q.name for q in queries}) < len(queries)  # names repeat
    for query in queries:
        assert remembering.screen(query, 5) == plain.screen(query, 5)
    assert remembering._memo  # the names were remembered
    assert not plain._memo
