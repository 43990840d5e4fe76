"""Re-vetting speed (issue 16): a list diff and a full re-vetting screened in reverse against N members.

`python -m benchmarks revetting [--members N] [--workers W]`. Members are synthetic (names, birth dates and
documents of `cruce.synthetic` people recombined; some planted after listed persons, the hits to find). The
lists are the real OFAC SDN and consolidated lists when ../shared holds them, else a synthetic list. Prints
one table: member generation, index build time and memory, a 500-entry diff re-vetted, a full re-vetting,
and the forward baseline (re-screening every member), measured on a sample in the same run and scaled to
N (stated in the table). Wall time and CPU seconds (this process and its workers) are both shown: on a
shared machine the wall time mostly measures the other tenants, and the ratios are taken on CPU.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import resource
import time
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from benchmarks.data import DataMissingError, load_lists
from benchmarks.report import console, write_json
from cruce.core.model import Entity, Schema
from cruce.matching.matcher import Matcher
from cruce.programs.reverse import MemberIndex, screen_parallel
from cruce.synthetic.members import generate_members
from cruce.synthetic.watchlist import generate_watchlist

DEFAULT_MEMBERS = 50_000
DIFF_SIZE = 500
PLANTED = 50
FORWARD_SAMPLE = 2_000
DIFF_TARGET_S = 10.0
FULL_TARGET_S = 300.0


@dataclass(frozen=True, slots=True)
class Row:
    step: str
    seconds: float
    detail: str
    cpu: float = 0.0  # CPU seconds of this process and its workers: the machine may be shared


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lists() -> tuple[list[Entity], str]:
    try:
        lists = load_lists(("us-ofac-sdn", "us-ofac-cons"))
        return list(lists.entities), "OFAC SDN + consolidated (../shared)"
    except DataMissingError:
        return generate_watchlist(16, 20_000), "synthetic list (../shared absent)"


def run_revetting(members: int = DEFAULT_MEMBERS, workers: int = 2, seed: int = 0, full: bool = True) -> int:
    out = console()
    rows: list[Row] = []
    rng = random.Random(seed)
    listed, source = _lists()
    started, cpu = time.perf_counter(), _cpu()
    matcher = Matcher(listed)
    rows.append(
        Row(
            "forward matcher over the lists",
            time.perf_counter() - started,
            f"{len(listed):,} entities, {source}",
        )
    )
    rows[-1] = dataclasses.replace(rows[-1], cpu=_cpu() - cpu)
    persons = [e for e in listed if e.schema is Schema.PERSON and e.names]
    planted = rng.sample(persons, min(PLANTED, len(persons)))
    started, cpu = time.perf_counter(), _cpu()
    people = list(generate_members(members, seed + 1, planted_from=planted))
    rows.append(
        Row("generate members", time.perf_counter() - started, f"{members:,} members ({PLANTED} planted)")
    )
    rows[-1] = dataclasses.replace(rows[-1], cpu=_cpu() - cpu)
    gc.collect()
    rss = _rss_mb()
    started, cpu = time.perf_counter(), _cpu()
    index = MemberIndex(people)
    bound = index.bind(matcher)
    build = time.perf_counter() - started
    stats = index.stats()
    rows.append(
        Row(
            "build the member index",
            build,
            f"{stats.parties:,} parties, {stats.tokens:,} words, {stats.keys:,} keys; arrays "
            f"{stats.memory_bytes / 2**20:,.0f} MB, process +{_rss_mb() - rss:,.0f} MB",
        )
    )
    rows[-1] = dataclasses.replace(rows[-1], cpu=_cpu() - cpu)
    others = [e for e in listed if e not in set(planted)] if len(listed) < 50_000 else listed
    diff = planted + rng.sample(others, DIFF_SIZE - len(planted))
    rng.shuffle(diff)
    started, cpu = time.perf_counter(), _cpu()
    hits = sum(len(h) for _, h in screen_parallel(bound, diff, workers))
    diff_s = time.perf_counter() - started
    diff_pairs = bound.pairs_scored
    rows.append(
        Row(
            f"re-vet a {DIFF_SIZE}-entry diff ({workers} workers)",
            diff_s,
            f"{hits} hits; {diff_pairs:,} pairs scored of {members * DIFF_SIZE:,}; "
            f"{'PASS' if diff_s < DIFF_TARGET_S else 'FAIL'} (< {DIFF_TARGET_S:.0f} s; CPU / workers "
            f"{(_cpu() - cpu) / max(workers, 1):.1f} s)",
        )
    )
    rows[-1] = dataclasses.replace(rows[-1], cpu=_cpu() - cpu)
    diff_cpu = rows[-1].cpu
    # Forward baseline: screen a sample of members against the whole list and scale to every member.
    sample = rng.sample(people, min(FORWARD_SAMPLE, len(people)))
    started, cpu = time.perf_counter(), _cpu()
    for member in sample:
        for party in member.parties:
            matcher.screen(party.query)
    per_member = (time.perf_counter() - started) / len(sample)
    per_member_cpu = (_cpu() - cpu) / len(sample)
    forward_s = per_member * members / max(workers, 1)
    forward_cpu = per_member_cpu * members
    rows.append(
        Row(
            "forward: re-screen every member (estimated)",
            forward_s,
            f"{per_member * 1000:.2f} ms ({per_member_cpu * 1000:.2f} ms CPU) per member on {len(sample):,} "
            f"sampled, x {members:,} / {workers} workers; the diff costs {forward_cpu / diff_cpu:,.0f}x "
            f"less CPU ({forward_s / diff_s:,.0f}x less time)",
            forward_cpu,
        )
    )
    full_s = None
    if full:
        before = bound.pairs_scored
        started, cpu = time.perf_counter(), _cpu()
        full_hits = sum(len(h) for _, h in screen_parallel(bound, listed, workers))
        full_s = time.perf_counter() - started
        full_cpu = _cpu() - cpu
        rows.append(
            Row(
                f"full re-vetting: every member x every listed entity ({workers} workers)",
                full_s,
                f"{full_hits} hits; {bound.pairs_scored - before:,} pairs scored; "
                f"{'PASS' if full_s < FULL_TARGET_S else 'FAIL'} (< {FULL_TARGET_S:.0f} s); "
                f"{forward_cpu / full_cpu:,.1f}x less CPU than forward",
                full_cpu,
            )
        )
    table = Table(title=f"Re-vetting {members:,} members (seed {seed})")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("CPU s", justify="right")
    table.add_column("detail")
    for row in rows:
        table.add_row(row.step, f"{row.seconds:,.2f}", f"{row.cpu:,.1f}", row.detail)
    out.print(table)
    result: dict[str, Any] = {
        "members": members,
        "workers": workers,
        "lists": source,
        "listed_entities": len(listed),
        "index_build_s": round(build, 2),
        "index_memory_bytes": stats.memory_bytes,
        "diff_entities": DIFF_SIZE,
        "diff_s": round(diff_s, 3),
        "diff_hits": hits,
        "forward_estimate_s": round(forward_s, 1),
        "full_s": None if full_s is None else round(full_s, 1),
        "rows": [
            {"step": r.step, "seconds": round(r.seconds, 3), "cpu_s": round(r.cpu, 2), "detail": r.detail}
            for r in rows
        ],
    }
    path = write_json(f"revetting-{members}", result)
    out.print(f"[dim]results written to {path}[/]")
    return 0 if diff_s < DIFF_TARGET_S and (full_s is None or full_s < FULL_TARGET_S) else 1
