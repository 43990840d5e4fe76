"""The Spark benchmark's bounded-memory pieces: declarations written in chunks, the scorer run in parts."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from benchmarks.batchdata import head_lines, write_declarations

pytest.importorskip("lightgbm")


def test_declarations_are_written_in_chunks_with_unique_ids(tmp_path: Path) -> None:
    from cruce.synthetic.declarations import generate_declarations

    path = tmp_path / "d.csv"
    write_declarations(path, 2500, seed=3, start=dt.date(2026, 3, 1), days=30, chunk_rows=1000)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == 2500
    assert frame["Declaration ID"].is_unique
    assert "Fraud" not in frame.columns
    whole = generate_declarations(1000, seed=3, start=dt.date(2026, 3, 1), days=30)
    first = whole.drop(columns=["Fraud", "Critical Fraud"]).astype(str)
    # the first chunk is the generator's own file of that size
    pd.testing.assert_frame_equal(
        frame.head(1000).reset_index(drop=True), first.reset_index(drop=True), check_dtype=False
    )
    second = frame.iloc[1000:2000].drop(columns="Declaration ID").to_numpy()
    assert (second != first.drop(columns="Declaration ID").to_numpy()).any()  # its own population


def test_head_lines_keeps_the_header_and_the_first_rows(tmp_path: Path) -> None:
    source, head = tmp_path / "s.csv", tmp_path / "h.csv"
    source.write_text("a,b\n1,2\n3,4\n5,6\n", encoding="utf-8")
    head_lines(source, head, 2)
    assert head.read_text(encoding="utf-8") == "a,b\n1,2\n3,4\n"
    head_lines(source, head, 10)
    assert head.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_scoring_in_parts_gives_the_whole_files_scores_and_errors(tmp_path: Path) -> None:
    from benchmarks.spark import score_in_parts

    from cruce.service.risk import score_file, train_model
    from cruce.synthetic.declarations import generate_declarations

    train = tmp_path / "train.csv"
    generate_declarations(3000, seed=5, days=200).to_csv(train, index=False)
    model = tmp_path / "model"
    train_model(train, model)
    source = tmp_path / "later.csv"
    write_declarations(source, 1000, seed=6, start=dt.date(2026, 3, 1), days=30)
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    date_at = lines[0].split(",").index("Date")
    bad = lines[700].split(",")
    bad[date_at] = "2026-13-45"
    lines[700] = ",".join(bad)  # line 701 of the file: a row the scorer cannot read
    source.write_text("".join(lines), encoding="utf-8")

    whole = score_file(model, source, tmp_path / "whole.csv")
    parts = score_in_parts(model, source, tmp_path / "parts.csv", part_rows=300)
    assert (parts.rows, parts.errors, parts.parts) == (whole.rows, whole.errors, 4)
    assert parts.errors == 1
    assert (tmp_path / "parts.csv").read_text(encoding="utf-8") == (tmp_path / "whole.csv").read_text(
        encoding="utf-8"
    )
    with (tmp_path / "parts.errors.csv").open(encoding="utf-8", newline="") as handle:
        errors = list(csv.reader(handle))
    with (tmp_path / "whole.errors.csv").open(encoding="utf-8", newline="") as handle:
        assert errors == list(csv.reader(handle))
    assert errors[1][0] == "701"
