"""The decision check that holds a matcher speed-up to the reference's decisions."""

from __future__ import annotations

import copy
from typing import Any

from benchmarks.decisions import decisions, differences

from cruce.core.model import Entity, Schema
from cruce.matching.types import Query


def _queries() -> list[Query]:
    return [
        Query("Juan Carlos Hernandez Lopez", schema=Schema.PERSON),
        Query("Jesus Amezcua", schema=Schema.PERSON),
        Query("Mohamed Husein al Tikriti", schema=Schema.PERSON),
        Query("Korean National Insurance Co", schema=Schema.ORGANIZATION),
        Query("Nobody Anybody", schema=Schema.PERSON),
    ]


def test_the_same_matcher_twice_decides_the_same(small_entities: list[Entity]) -> None:
    first = decisions(small_entities, _queries())
    assert any(q["hits"] for q in first)  # the check compares real hits, not empty answers
    assert differences(first, decisions(small_entities, _queries())) == []


def test_a_changed_score_alert_or_hit_is_a_difference(small_entities: list[Entity]) -> None:
    reference = decisions(small_entities, _queries())
    no, hit_query = next((i, q) for i, q in enumerate(reference) if q["hits"])

    def changed(edit: Any) -> list[dict[str, Any]]:
        other = copy.deepcopy(reference)
        edit(other[no])
        return other

    def nudge_name_score(q: dict[str, Any], by: float) -> None:
        entity = next(iter(q["name_scores"]))
        q["name_scores"][entity] += by

    def drop_reported(q: dict[str, Any]) -> None:
        q["name_scores"].pop(next(iter(q["name_scores"])))

    assert differences(reference, changed(lambda q: q["hits"][0].update(alert=not q["hits"][0]["alert"])))
    assert differences(reference, changed(lambda q: q["hits"][0].update(score=q["hits"][0]["score"] + 1e-4)))
    assert differences(reference, changed(lambda q: q["hits"].pop()))
    assert differences(reference, changed(lambda q: nudge_name_score(q, 1e-6)))
    assert differences(reference, changed(drop_reported))
    assert differences(reference, reference[:-1])
    # Below the tolerance a name score counts as the same (float sums in another order).
    assert differences(reference, changed(lambda q: nudge_name_score(q, 1e-12))) == []
    assert hit_query["name_scores"]
