"""Screening decisions on a fixed query set, written to a file, so two versions of a matcher can be compared.

A speed change to the matcher must not change what it decides. Write the decisions of the reference code and
of the changed code over the same evaluation set, then compare:

    PYTHONPATH=/path/to/main/src python -m benchmarks.decisions dump ref.json
    python -m benchmarks.decisions dump new.json
    python -m benchmarks.decisions compare ref.json new.json

Per query the file keeps the top hits (entity, final score, alert, matched name and every feature with its
reason) and the name score of every entity the matcher would report before the top cut. Hits must be equal;
name scores may differ by at most 1e-9 (`compare` exits 1 otherwise and shows the first differences).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NAME_SCORE_TOLERANCE = 1e-9
TOP = 10


def decisions(entities: Sequence[Any], queries: Sequence[Any]) -> list[dict[str, Any]]:
    """The matcher's answer to each query: its top hits and its unrounded name score per reported entity."""
    from cruce.matching.matcher import Matcher

    matcher = Matcher(entities, memo=0)
    out: list[dict[str, Any]] = []
    for query in queries:
        found = matcher._candidates_of(query.name, query.schema)
        best = {} if found is None else found[0]
        # Keyed by entity number and id: two lists may use one id.
        name_scores = {f"{e}:{matcher.entities[e].id}": v[0] for e, v in best.items()}
        hits = [
            {
                "entity": m.entity.id,
                "score": m.score,
                "alert": m.alert,
                "matched_name": m.matched_name,
                "features": [[f.name, f.value, f.detail] for f in m.features],
            }
            for m in matcher.screen(query, TOP)
        ]
        out.append(
            {"name": query.name, "schema": query.schema.value, "hits": hits, "name_scores": name_scores}
        )
    return out


def differences(reference: Sequence[dict[str, Any]], changed: Sequence[dict[str, Any]]) -> list[str]:
    """Every way `changed` decides otherwise than `reference` (empty when they agree)."""
    if len(reference) != len(changed):
        return [f"{len(reference)} queries in the reference, {len(changed)} in the other"]
    found: list[str] = []
    for no, (ref, new) in enumerate(zip(reference, changed, strict=True)):
        where = f"query {no} ({ref['name']!r})"
        if (ref["name"], ref["schema"]) != (new["name"], new["schema"]):
            found.append(f"{where}: another query ({new['name']!r}): not the same query set")
            continue
        if ref["hits"] != new["hits"]:
            found.append(f"{where}: hits differ: {ref['hits']} != {new['hits']}")
        ref_scores, new_scores = ref["name_scores"], new["name_scores"]
        if set(ref_scores) != set(new_scores):
            found.append(f"{where}: reported entities differ: {sorted(set(ref_scores) ^ set(new_scores))}")
            continue
        for entity, score in ref_scores.items():
            if not math.isclose(score, new_scores[entity], rel_tol=0.0, abs_tol=NAME_SCORE_TOLERANCE):
                found.append(f"{where}: name score of {entity}: {score!r} != {new_scores[entity]!r}")
    return found


def _dump(path: Path, *, quick: bool, seed: int) -> int:
    from benchmarks.__main__ import _evalset
    from benchmarks.data import DataMissingError, load_lists

    try:
        lists = load_lists()
    except DataMissingError as exc:
        print(f"decisions skipped: {exc}")
        return 0
    evalset = _evalset(lists.entities, seed, quick)
    result = decisions(lists.entities, [q.query for q in evalset.queries])
    path.write_text(json.dumps({"seed": seed, "quick": quick, "queries": result}), encoding="utf-8")
    hits = sum(len(q["hits"]) for q in result)
    alerts = sum(h["alert"] for q in result for h in q["hits"])
    print(f"{len(result):,} queries, {hits:,} hits, {alerts:,} alerts written to {path}")
    return 0


def _compare(reference: Path, changed: Path) -> int:
    ref = json.loads(reference.read_text(encoding="utf-8"))["queries"]
    new = json.loads(changed.read_text(encoding="utf-8"))["queries"]
    found = differences(ref, new)
    for line in found[:10]:
        print(line)
    alerts = sum(h["alert"] for q in ref for h in q["hits"])
    if found:
        print(f"{len(found)} differences over {len(ref):,} queries")
        return 1
    print(f"identical: {len(ref):,} queries, {alerts:,} alerts, name scores within {NAME_SCORE_TOLERANCE}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decisions", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("dump", help="write the decisions of the importable cruce")
    dump.add_argument("output", type=Path)
    dump.add_argument("--quick", action="store_true", help="the small evaluation set")
    dump.add_argument("--seed", type=int, default=0)
    compare = commands.add_parser("compare", help="compare two decision files")
    compare.add_argument("reference", type=Path)
    compare.add_argument("changed", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        return _dump(args.output, quick=args.quick, seed=args.seed)
    for path in (args.reference, args.changed):
        if not path.is_file():
            print(f"no such file: {path}")
            return 2
    return _compare(args.reference, args.changed)


if __name__ == "__main__":
    sys.exit(main())
