"""The screening systems the benchmarks compare: cruce's Matcher and two baselines.

Each system turns a list of queries into ranked hits (entity id, score, alert flag) so that one metrics module
can judge them all. Systems whose threshold is tuned on the evaluation (the baselines) report raw scores; the
quality module sets their alert flags from the chosen threshold.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from anyascii import anyascii

from cruce.core.model import AliasQuality, Entity, Schema
from cruce.matching.types import Query

TOP = 10
"""Hits kept per query. recall@5 reads the first five; alerts count anywhere in these ten."""


@dataclass(frozen=True, slots=True)
class Hit:
    entity_id: str
    score: float
    alert: bool
    name: str = ""


@dataclass(slots=True)
class RunResult:
    system: str
    hits: list[list[Hit]]
    threshold: float | None  # None when the system decides alerts itself
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class System(Protocol):
    name: str

    def run(self, queries: Sequence[Query], workers: int = 1) -> RunResult: ...


# ----------------------------------------------------------------------------------------------------------
# A tiny fork-based parallel map: the big read-only state is inherited by the workers, never pickled.
# ----------------------------------------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _call(item: Any) -> Any:
    return _STATE["fn"](item)


def parallel_map(
    fn: Callable[[Any], Any], items: Sequence[Any], workers: int, chunksize: int = 64
) -> list[Any]:
    """Map in `workers` forked processes (plain loop for one worker or where fork is unavailable)."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(item) for item in items]
    _STATE["fn"] = fn
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_call, items, chunksize=chunksize)
    finally:
        _STATE.pop("fn", None)


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# ----------------------------------------------------------------------------------------------------------
# cruce
# ----------------------------------------------------------------------------------------------------------


class CruceSystem:
    """cruce's Matcher at its own default threshold; alerts are the matcher's own `Match.alert`."""

    name = "cruce"

    def __init__(self, entities: Sequence[Entity]) -> None:
        from cruce.matching.matcher import Matcher

        self.matcher = Matcher(entities)
        self.threshold = float(self.matcher.threshold)

    def screen(self, query: Query, top: int = TOP) -> list[Hit]:
        return [
            Hit(m.entity.id, float(m.score), bool(m.alert), m.matched_name)
            for m in self.matcher.screen(query, top)
        ]

    def _screen_chunk(self, chunk: Sequence[Query]) -> list[list[Hit]]:
        many = getattr(self.matcher, "screen_many", None)
        results = many(list(chunk), TOP) if many is not None else [self.matcher.screen(q, TOP) for q in chunk]
        return [
            [Hit(m.entity.id, float(m.score), bool(m.alert), m.matched_name) for m in ms] for ms in results
        ]

    def run(self, queries: Sequence[Query], workers: int = 1) -> RunResult:
        import time

        started = time.perf_counter()
        parts = parallel_map(self._screen_chunk, _chunks(queries, 200), workers, chunksize=1)
        hits = [h for part in parts for h in part]
        return RunResult(self.name, hits, None, time.perf_counter() - started)


# ----------------------------------------------------------------------------------------------------------
# rapidfuzz WRatio full scan
# ----------------------------------------------------------------------------------------------------------


def rf_normalise(text: str) -> str:
    """Casefolded ASCII with punctuation removed: the baseline's whole normalisation."""
    out = anyascii(text).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in out).split())


_PERSONISH = {Schema.PERSON, Schema.UNKNOWN}
_ORGISH = {Schema.ORGANIZATION, Schema.UNKNOWN}


class RapidfuzzSystem:
    """`rapidfuzz` WRatio against every listed name (weak aliases left out), best name per entity.

    Only compatible schemata are compared (a person query never hits a company), as in cruce. The threshold is
    not the library's: it is tuned on the evaluation by the quality module.
    """

    name = "rapidfuzz WRatio"

    def __init__(self, entities: Sequence[Entity]) -> None:
        import numpy as np

        self.names: list[str] = []
        owner: list[int] = []
        schema_of: list[Schema] = []
        self.entity_ids = [e.id for e in entities]
        for entity_no, entity in enumerate(entities):
            seen: set[str] = set()
            for name in entity.names:
                if name.quality is AliasQuality.WEAK:
                    continue
                norm = rf_normalise(name.text)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                self.names.append(norm)
                owner.append(entity_no)
                schema_of.append(entity.schema)
        self.owner = np.asarray(owner, dtype=np.int64)
        self.person_mask = np.asarray([s in _PERSONISH for s in schema_of])
        self.org_mask = np.asarray([s in _ORGISH for s in schema_of])

    def _mask(self, schema: Schema) -> Any:
        if schema is Schema.PERSON:
            return self.person_mask
        if schema is Schema.ORGANIZATION:
            return self.org_mask
        return None

    def _rank(self, row: Any, schema: Schema, top: int = TOP) -> list[Hit]:
        import numpy as np

        mask = self._mask(schema)
        if mask is not None:
            row = np.where(mask, row, 0.0)
        keep = min(len(row), 400)
        best = np.argpartition(-row, keep - 1)[:keep]
        best = best[np.lexsort((best, -row[best]))]
        hits: list[Hit] = []
        seen: set[int] = set()
        for name_no in best:
            score = float(row[name_no])
            if score <= 0:
                break
            entity_no = int(self.owner[name_no])
            if entity_no in seen:
                continue
            seen.add(entity_no)
            hits.append(Hit(self.entity_ids[entity_no], score / 100.0, False, self.names[name_no]))
            if len(hits) >= top:
                break
        return hits

    def screen(self, query: Query, top: int = TOP) -> list[Hit]:
        """One query, one core: `process.extract` over every name, then the best name per entity."""
        import numpy as np
        from rapidfuzz import fuzz, process

        norm = rf_normalise(query.name)
        row = np.zeros(len(self.names), dtype=np.float32)
        for _, score, idx in process.extract(
            norm, self.names, scorer=fuzz.WRatio, limit=400, score_cutoff=40
        ):
            row[idx] = score
        return self._rank(row, query.schema, top)

    def run(self, queries: Sequence[Query], workers: int = 1) -> RunResult:
        import time

        from rapidfuzz import fuzz, process

        started = time.perf_counter()
        norms = [rf_normalise(q.name) for q in queries]
        hits: list[list[Hit]] = []
        for start in range(0, len(queries), 256):
            matrix = process.cdist(
                norms[start : start + 256], self.names, scorer=fuzz.WRatio, workers=workers, score_cutoff=40
            )
            for offset, row in enumerate(matrix):
                hits.append(self._rank(row, queries[start + offset].schema))
        return RunResult(self.name, hits, None, time.perf_counter() - started)


# ----------------------------------------------------------------------------------------------------------
# nomenklatura logic-v2
# ----------------------------------------------------------------------------------------------------------

NOMENKLATURA_THRESHOLD = 0.70
"""yente (OpenSanctions' matching API built on nomenklatura) marks a result as a match at score >= 0.70."""

_FTM_SCHEMA = {
    Schema.PERSON: "Person",
    Schema.ORGANIZATION: "Organization",
    Schema.VESSEL: "Vessel",
    Schema.AIRCRAFT: "Airplane",
    Schema.VEHICLE: "Vehicle",
    Schema.UNKNOWN: "LegalEntity",
}


def _ftm_props(entity: Entity) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {"name": [], "alias": [], "weakAlias": []}
    for i, name in enumerate(entity.names):
        key = "name" if i == 0 else "weakAlias" if name.quality is AliasQuality.WEAK else "alias"
        props[key].append(name.text)
    countries = [c.lower() for c in entity.all_countries()]
    if entity.schema is Schema.PERSON:
        props["birthDate"] = [d.iso() for d in entity.birth_dates]
        props["nationality"] = [c.lower() for c in entity.nationalities]
        props["country"] = [c.lower() for c in entity.countries]
        if entity.gender:
            props["gender"] = [entity.gender]
        primary = entity.names[0] if entity.names else None
        if primary is not None and primary.family and primary.given:
            props["firstName"] = [primary.given]
            props["lastName"] = [primary.family]
    else:
        props["country"] = countries
    for identifier in entity.identifiers:
        key = (
            "passportNumber"
            if identifier.kind == "passport" and entity.schema is Schema.PERSON
            else "idNumber"
        )
        if entity.schema is Schema.ORGANIZATION and key == "idNumber":
            key = "registrationNumber"
        props.setdefault(key, []).append(identifier.value)
    return {k: v for k, v in props.items() if v}


class NomenklaturaSystem:
    """nomenklatura's `logic-v2` scoring (`nomenklatura.matching.LogicV2`) over candidates from
    nomenklatura's own blocking index (`nomenklatura.blocker.Index`, DuckDB, default options: at most 75
    candidates per query). List entities become FollowTheMoney entities: primary name as `name`, strong
    aliases as `alias`, weak ones as `weakAlias`, birth dates, nationalities, gender, identifiers.
    """

    name = "nomenklatura logic-v2"

    def __init__(self, entities: Sequence[Entity]) -> None:
        import logging

        from followthemoney import Dataset, StatementEntity
        from nomenklatura.blocker import Index
        from nomenklatura.matching import LogicV2
        from nomenklatura.resolver.linker import Linker
        from nomenklatura.store.memory import MemoryStore

        logging.getLogger("nomenklatura").setLevel(logging.WARNING)
        self._entity_class = StatementEntity
        self.algorithm = LogicV2
        self.config = LogicV2.default_config()
        self.dataset = Dataset.make({"name": "cruce_bench", "title": "cruce benchmark"})
        store: Any = MemoryStore(self.dataset, Linker({}))
        self.entities: dict[str, Any] = {}
        with store.writer() as writer:
            for entity in entities:
                ftm = StatementEntity.from_data(
                    self.dataset,
                    {"id": entity.id, "schema": _FTM_SCHEMA[entity.schema], "properties": _ftm_props(entity)},
                )
                self.entities[entity.id] = ftm
                for statement in ftm.statements:
                    writer.add_statement(statement)
        self._tmp = tempfile.TemporaryDirectory(prefix="cruce-bench-nk-")
        self.index = Index(store.default_view(), Path(self._tmp.name))
        self.index.build()

    def close(self) -> None:
        self.index.close()
        self._tmp.cleanup()

    def query_entity(self, query: Query, key: str) -> Any:
        props: dict[str, list[str]] = {"name": [query.name]}
        if query.birth_date is not None:
            props["birthDate"] = [query.birth_date.iso()]
        if query.countries:
            props["country"] = [c.lower() for c in query.countries]
        if query.gender:
            props["gender"] = [query.gender]
        return self._entity_class.from_data(
            self.dataset, {"id": key, "schema": _FTM_SCHEMA[query.schema], "properties": props}
        )

    def candidates(self, query_entities: Sequence[Any]) -> dict[str, list[str]]:
        """The blocker's candidates for every query, in one batch (that is how the index is built to run)."""
        return {
            subject.id: [c.id for c, _ in matches]
            for subject, matches in self.index.match_entities(query_entities)
        }

    def score(self, query_entity: Any, candidate_ids: Sequence[str], top: int = TOP) -> list[Hit]:
        scored: list[Hit] = []
        for cid in candidate_ids:
            result = self.algorithm.compare(query_entity, self.entities[cid], self.config)
            scored.append(Hit(cid, float(result.score), False, self.entities[cid].caption))
        scored.sort(key=lambda h: (-h.score, h.entity_id))
        return scored[:top]

    def run(self, queries: Sequence[Query], workers: int = 1) -> RunResult:
        import time

        started = time.perf_counter()
        query_entities = [self.query_entity(q, f"query-{i}") for i, q in enumerate(queries)]
        cands = self.candidates(query_entities)
        blocked = time.perf_counter()

        def score_one(i: int) -> list[Hit]:
            return self.score(query_entities[i], cands.get(f"query-{i}", []))

        hits = parallel_map(score_one, list(range(len(queries))), workers, chunksize=32)
        extra = {
            "candidates": [cands.get(f"query-{i}", []) for i in range(len(queries))],
            "blocking_seconds": blocked - started,
        }
        return RunResult(self.name, hits, NOMENKLATURA_THRESHOLD, time.perf_counter() - started, extra)
