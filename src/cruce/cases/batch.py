"""`cruce resolve IN.csv --output OUT.csv [--pairs PAIRS.csv]` as a function, for the CLI and the benchmark.

Writes `record_id,entity_id` for every record read (none is dropped), and with `pairs` every candidate pair
worth a reviewer's look (probability, weight, whether it is a link, whether both ended in one entity, and the
field-by-field explanation).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cruce.cases.records import ReadResult, read_records
from cruce.cases.resolve import Progress, Resolution, Resolver
from cruce.core import csvsafe
from cruce.core.errors import InputError


@dataclass(frozen=True, slots=True)
class BatchResult:
    read: ReadResult
    resolution: Resolution


def resolve_file(
    source: Path,
    output: Path,
    pairs: Path | None = None,
    *,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
    day_first: bool = True,
) -> BatchResult:
    read = read_records(source, day_first=day_first)
    resolution = (resolver or Resolver()).resolve(read.records, progress)
    try:
        with output.open("w", newline="", encoding="utf-8") as handle:
            w = csvsafe.writer(handle)
            w.writerow(("record_id", "entity_id"))
            w.writerows((r.record_id, resolution.entity_of[r.record_id]) for r in read.records)
        if pairs is not None:
            with pairs.open("w", newline="", encoding="utf-8") as handle:
                w = csvsafe.writer(handle)
                w.writerow(
                    (
                        "record_id_a",
                        "record_id_b",
                        "probability",
                        "weight",
                        "link",
                        "same_entity",
                        "explanation",
                    )
                )
                for p in sorted(resolution.pairs, key=lambda p: -p.weight):
                    w.writerow(
                        (p.a, p.b, f"{p.probability:.4f}", f"{p.weight:.2f}", int(p.matched),
                         int(p.same_entity), p.explanation())
                    )  # fmt: skip
    except OSError as exc:
        raise InputError("unwritable_file", f"cannot write the output: {exc.strerror or exc}") from exc
    return BatchResult(read, resolution)
