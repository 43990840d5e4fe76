"""`cruce report` analytics: the DuckDB breakdowns agree with counting the files by hand."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pytest

from cruce.batch.report import kind_of, scoring_summary, screening_summary
from cruce.core.errors import InputError

pytest.importorskip("duckdb")

OUTPUT = """query_id,rank,entity_id,score,alert,matched_name,reasons,matcher
a,1,us-ofac-sdn:1,0.9500,true,X,r,m
a,2,un-sc:7,0.8100,true,Y,r,m
b,1,us-ofac-sdn:2,0.8800,true,Z,r,m
b,2,us-ofac-sdn:9,0.5000,false,W,r,m
c,0,,0.0000,false,,no candidate,m
d,1,us-ofac-sdn:3,0.9000,true,V,r,m
e,1,us-ofac-sdn:4,0.4000,false,U,r,m
"""
INPUT = """id,name,country,time
a,A,mx,2026-11-02 08:15:00
b,B,US,2026-11-02 08:45:00
c,C,MX,2026-11-02 09:05:00
d,D,,2026-11-02 11:59:59
e,E,CA,not a time
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_screening_breakdowns_match_a_hand_count(tmp_path: Path) -> None:
    output = _write(tmp_path, "out.csv", OUTPUT)
    source = _write(tmp_path, "in.csv", INPUT)
    assert kind_of(output) == "screening"
    summary = screening_summary(output, source)
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    alerts = [r for r in rows if r["alert"] == "true"]
    assert (summary.queries, summary.alerts) == (5, len(alerts))
    assert summary.queries_with_alert == len({r["query_id"] for r in alerts})
    by_list = Counter(r["entity_id"].split(":")[0] for r in alerts)
    assert {c.key: c.alerts for c in summary.by_list} == dict(by_list)
    assert summary.by_list[0].key == "us-ofac-sdn"  # biggest first
    assert {c.key: (c.alerts, c.queries) for c in summary.by_country or []} == {
        "MX": (2, 1),
        "US": (1, 1),
        "(none)": (1, 1),
    }
    assert {c.key: c.alerts for c in summary.by_hour or []} == {"2026-11-02 08:00": 3, "2026-11-02 11:00": 1}
    assert summary.time_column == "time"


def test_without_the_input_only_lists_are_reported(tmp_path: Path) -> None:
    summary = screening_summary(_write(tmp_path, "out.csv", OUTPUT))
    assert summary.by_country is None and summary.by_hour is None
    assert sum(c.alerts for c in summary.by_list) == 4


def test_inspection_curve_of_a_scored_file(tmp_path: Path) -> None:
    scores = [0.9, 0.05, 0.6, 0.3, 0.01, 0.2, 0.02, 0.4, 0.03, 0.1]
    lines = ["Declaration ID,score,critical_score,reasons"] + [
        f"d{i},{s},{s / 10},x" for i, s in enumerate(scores)
    ]
    scored = _write(tmp_path, "scores.csv", "\n".join(lines) + "\n")
    assert kind_of(scored) == "scoring"
    summary = scoring_summary(scored, rates=(0.1, 0.2, 0.5))
    ranked = sorted(scores, reverse=True)
    assert summary.items == 10 and summary.alerts == 2
    for point, rate in zip(summary.curve, (0.1, 0.2, 0.5), strict=True):
        n = math.ceil(rate * 10)
        assert point.inspected == n
        assert point.min_score == pytest.approx(ranked[n - 1])
        assert point.expected_share == pytest.approx(sum(ranked[:n]) / sum(scores))
        assert point.critical_share == pytest.approx(sum(ranked[:n]) / sum(scores))


def test_a_file_of_neither_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither a screening output"):
        kind_of(_write(tmp_path, "x.csv", "a,b\n1,2\n"))
