"""Cross-source resolution never crosses the country partition: properties over generated records.

Whatever the names, dates and identifiers (drawn from small pools so that records of different countries
do share them), a viewer's proposals only pair records that viewer may see, their explanations carry no
value that only another country's record holds, and adding or changing another country's records changes
nothing the viewer gets.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.cases.entities import PUBLIC, SourceRecord, propose

COUNTRIES = ("USA", "MEX", "CAN")
NAMES = (
    "Juan Hernández",
    "Juan Hernandez Lopez",
    "Ma. Guadalupe Hernández López",
    "María Guadalupe Hernandez",
    "Pedro Soto",
    "José Luis Soto Ramírez",
)
DATES = ("", "1980-03-02", "1980-03", "1975-01-01")
IDS = (
    ("passport", "G1234567"),
    ("pasaporte", "G-1234567"),
    ("passport", "K7654321"),
    ("phone", "+52 55 1234 5678"),
    ("plate", "ABC-1234"),
)


@st.composite
def record(draw: st.DrawFn, k: int) -> SourceRecord:
    seen = draw(st.sets(st.sampled_from((*COUNTRIES, PUBLIC)), min_size=1, max_size=2))
    ids = tuple(draw(st.lists(st.sampled_from(IDS), max_size=2)))
    # a value only this record holds, so a leak into another partition's explanation would show
    secret = ("passport", f"S{k:07d}{''.join(sorted(seen)).replace('*', 'P')}")
    return SourceRecord(
        f"r{k}",
        "list" if seen == {PUBLIC} else "case",
        draw(st.sampled_from(NAMES)),
        frozenset(seen),
        draw(st.sampled_from(DATES)),
        (*ids, secret),
    )


records = st.integers(min_value=0, max_value=10).flatmap(lambda n: st.tuples(*(record(k) for k in range(n))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, st.sampled_from(COUNTRIES))
def test_proposals_stay_in_the_viewers_partition(found: tuple[SourceRecord, ...], viewer: str) -> None:
    visible = [r for r in found if r.visible(viewer)]
    hidden = [r for r in found if not r.visible(viewer)]
    proposals = propose(found, viewer)
    refs = {r.ref for r in visible}
    for p in proposals:
        assert {p.a, p.b} <= refs
        text = p.explanation() + " ".join(p.labels)
        for r in hidden:
            assert r.identifiers[-1][1] not in text
    assert proposals == propose(visible, viewer)  # the other partitions change nothing


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, records, st.sampled_from(COUNTRIES))
def test_another_countrys_records_never_change_a_viewers_proposals(
    mine: tuple[SourceRecord, ...], theirs: tuple[SourceRecord, ...], viewer: str
) -> None:
    others = [c for c in COUNTRIES if c != viewer]
    foreign = [
        SourceRecord(f"x{k}", "case", r.name, frozenset(others), r.birth_date, r.identifiers)
        for k, r in enumerate(theirs)
    ]
    assert propose([*mine, *foreign], viewer) == propose(mine, viewer)
