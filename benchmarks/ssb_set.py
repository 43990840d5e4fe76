"""Our own instance of `sanctions-screening-benchmark` (PyPI, MIT) built from the local OFAC SDN files.

The package generates benign, adversarial and degraded variants of listed names plus negative controls
(cross pairs, token swaps, edits beyond match distance). Its own `build` takes the first N individuals by id
and fetches the list over the network; here the list is read from the local files and the entity sample is
our own (a seeded random sample), so this instance is a development set, never the one cruce is judged on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cruce.matching.types import Query

DEV_SEED = 20240611
DEV_SAMPLE = 500
ID_PREFIX = "us-ofac-sdn:"


@dataclass(frozen=True, slots=True)
class SsbCase:
    query: str
    expected: str | None  # cruce entity id, None for a negative control
    kind: str  # the package's perturbation or negative class
    family: str  # benign / adversarial / degraded / negative


def build_ssb(directory: Path, seed: int = DEV_SEED, sample: int = DEV_SAMPLE) -> list[SsbCase]:
    """Cases of one benchmark instance; empty when the package is not installed."""
    try:
        from ssb import benchmark, sources
    except ImportError:
        return []
    text = (directory / "ofac_sdn_sdn.csv").read_text(encoding="utf-8", errors="replace")
    entities = sources._parse_sdn(text)
    alt = directory / "ofac_sdn_alt.csv"
    if alt.is_file():
        sources._parse_alt(alt.read_text(encoding="utf-8", errors="replace"), entities)
    every = list(entities.values())
    people = [e for e in every if e.entity_type.lower().startswith("individual")]
    people = [e for e in people if len(e.primary_name.split()) >= 2]
    rng = random.Random(seed)
    chosen = rng.sample(people, min(sample, len(people)))
    snapshot = sources.ListSnapshot("ofac_sdn", "local", chosen, str(directory))
    # The package checks negatives against every listed name, not only the sample's.
    full = sources.ListSnapshot("ofac_sdn", "local", every, str(directory))
    snapshot.name_index = full.name_index  # type: ignore[method-assign]
    bench = benchmark.build(snapshot, limit=None, seed=seed, max_per_class=2)
    return [
        SsbCase(c.query, None if c.expected_entity_id is None else ID_PREFIX + c.expected_entity_id,
                c.perturbation, c.family)
        for c in bench.cases
    ]  # fmt: skip


def ssb_queries(cases: Sequence[SsbCase]) -> list[Query]:
    return [Query(c.query) for c in cases]
