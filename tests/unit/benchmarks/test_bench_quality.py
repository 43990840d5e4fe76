"""The quality harness scores systems the way its README says, checked with stand-in matchers."""

from __future__ import annotations

import pytest
from benchmarks.evalset import POSITIVE_KINDS, EvalQuery, EvalSet, build_evalset
from benchmarks.perturb import name_key
from benchmarks.quality import evaluate, meets, tune_threshold
from benchmarks.systems import Hit, RapidfuzzSystem

from cruce.core.model import Entity, Schema
from cruce.matching.types import Query


@pytest.fixture(scope="module")
def evalset(small_entities: list[Entity]) -> EvalSet:
    return build_evalset(small_entities, seed=3, positives=66, negatives=60)


class ExactStandIn:
    """A stand-in matcher: alerts when the query's words equal a listed name's words, in any order."""

    def __init__(self, entities: list[Entity]) -> None:
        self.by_key = {name_key(n.text): e.id for e in entities for n in e.names}

    def screen(self, query: Query) -> list[Hit]:
        found = self.by_key.get(name_key(query.name))
        return [Hit(found, 1.0, True)] if found else []


def test_exact_stand_in_finds_exact_queries_and_only_alerts_on_listed_names(
    evalset: EvalSet, small_entities: list[Entity]
) -> None:
    matcher = ExactStandIn(small_entities)
    queries = list(evalset.queries)
    metrics = evaluate(queries, [matcher.screen(q.query) for q in queries], lambda h: h.alert)
    assert metrics.values["alert recall: exact"] == 1.0
    assert metrics.values["alert recall: order_swap"] == 1.0  # same words, other order
    assert metrics.values["alert recall: typo"] == 0.0
    assert metrics.values["FA innocents"] == 0.0
    assert metrics.values["FA near_miss_surname"] == 0.0
    # the exact listed name with a conflicting birth date: a name-only matcher alerts every time
    assert metrics.values["FA near_miss_dob"] == 1.0
    assert meets("FA near_miss_dob", metrics.values["FA near_miss_dob"]) is False
    assert len(metrics.failures["alert recall: typo"]) == metrics.counts["alert recall: typo"]
    failure = metrics.failures["alert recall: typo"][0]
    assert failure["expected"] is not None and failure["top"] is None


def test_recall_at_5_counts_only_the_first_five_hits() -> None:
    query = EvalQuery(Query("x"), "exact", "e:1", "hispanic")
    sixth = [Hit(f"e:{i}", 0.9, False) for i in range(2, 7)] + [Hit("e:1", 0.9, True)]
    metrics = evaluate([query], [sixth], lambda h: h.alert)
    assert metrics.values["recall@5"] == 0.0
    assert metrics.values["alert recall"] == 1.0  # alerted, just ranked sixth


def test_hispanic_anglo_ratio() -> None:
    queries = [EvalQuery(Query(f"h{i}"), "innocent", None, "hispanic") for i in range(10)]
    queries += [EvalQuery(Query(f"a{i}"), "innocent", None, "anglo") for i in range(10)]
    hits = [[Hit("e:1", 0.9, True)] if i in (0, 1, 10) else [] for i in range(20)]
    metrics = evaluate(queries, hits, lambda h: h.alert)
    assert metrics.values["FA innocents hispanic"] == pytest.approx(0.2)
    assert metrics.values["FA innocents anglo"] == pytest.approx(0.1)
    assert metrics.values["hispanic/anglo FA ratio"] == pytest.approx(2.0)
    assert meets("hispanic/anglo FA ratio", 2.0) is False


def test_threshold_tuning_keeps_innocent_false_alerts_within_budget() -> None:
    positives = [EvalQuery(Query(f"p{i}"), "exact", f"e:{i}", "other") for i in range(100)]
    innocents = [EvalQuery(Query(f"n{i}"), "innocent", None, "anglo") for i in range(1000)]
    hits = [[Hit(f"e:{i}", 0.5 + i / 200, False)] for i in range(100)]
    hits += [[Hit("e:x", 0.9 - i / 10000, False)] for i in range(1000)]  # innocents: 0.9 down to 0.8
    tuned = tune_threshold([*positives, *innocents], hits)
    assert tuned.innocent_fa <= 0.005
    assert 0.8995 - 6 / 10000 < tuned.threshold < 0.9 - 4 / 10000  # just above the 6th highest innocent
    assert tuned.alert_recall == pytest.approx(
        sum(0.5 + i / 200 >= tuned.threshold for i in range(100)) / 100
    )
    # a budget no threshold can meet with any recall falls back to best F1
    crowded = [[Hit("e:x", 1.0, False)] for _ in range(1000)]
    fallback = tune_threshold([*positives, *innocents], [*hits[:100], *crowded])
    assert fallback.rule.startswith("best F1")


def test_rapidfuzz_baseline_runs_end_to_end(evalset: EvalSet, small_entities: list[Entity]) -> None:
    system = RapidfuzzSystem(small_entities)
    queries = list(evalset.queries)
    run = system.run([q.query for q in queries])
    assert len(run.hits) == len(queries)
    for q, hits in zip(queries, run.hits, strict=True):
        if q.kind == "exact":
            assert hits[0].entity_id == q.expected_entity_id
            assert hits[0].score == pytest.approx(1.0)
        if q.query.schema is Schema.PERSON:
            assert all(
                h.entity_id.split(":")[1] not in {"11", "12", "13", "14"} for h in hits
            )  # no companies
    tuned = tune_threshold(queries, run.hits)
    metrics = evaluate(queries, run.hits, lambda h: h.score >= tuned.threshold)
    assert metrics.values["FA innocents"] is not None and metrics.values["FA innocents"] <= 0.05
    assert {f"alert recall: {k}" for k in POSITIVE_KINDS} <= set(metrics.values)
    single = system.screen(queries[0].query)
    assert [h.entity_id for h in single] == [h.entity_id for h in run.hits[0]]
