"""A hit notice never carries more than its marking allows: over many generated notices and partners."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.notices import (
    DETAIL_FIELDS,
    Detail,
    HitNotice,
    notice_objects,
    read_notice,
    release_to,
)
from cruce.sharing.release import reach_of
from cruce.sharing.stix import read_markings

PARTNERS = ("USA", "MEX", "CAN")
OTHERS = ("GBR", "COL")


@st.composite
def markings(draw: st.DrawFn, owner: str) -> Marking:
    level = draw(st.sampled_from(list(Classification)))
    classified = level > Classification.UNCLASSIFIED
    noforn = draw(st.booleans()) if classified else False
    rel_to: list[str] = []
    if classified and not noforn and draw(st.booleans()):
        others = [c for c in PARTNERS + OTHERS if c != owner]
        rel_to = [owner, *draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))]
    orcon = classified and draw(st.integers(0, 9)) == 0
    fouo = not classified and draw(st.booleans())
    return Marking.of(level, owner, rel_to, noforn=noforn, orcon=orcon, fouo=fouo)


@st.composite
def notices(draw: st.DrawFn) -> HitNotice:
    sender = draw(st.sampled_from(PARTNERS))
    fields = draw(st.lists(st.sampled_from(DETAIL_FIELDS), unique=True, max_size=len(DETAIL_FIELDS)))
    details = tuple(
        Detail(name, f"secret-{name}-{i}-{draw(st.integers(0, 10**6))}", draw(markings(sender)))
        for i, name in enumerate(fields)
    )
    return HitNotice(
        sender=sender,
        list_id=f"{sender.lower()}-wanted",
        entity_id=f"{sender.lower()}-wanted:{draw(st.integers(1, 999))}",
        score=draw(st.floats(0.8, 1.0)),
        matched_at=datetime(2026, 12, 3, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**6))),
        marking=draw(markings(sender)),
        membership_id=f"m:{draw(st.integers(1, 99))}",
        membership_country=draw(st.sampled_from(PARTNERS)),
        subject_name="Ana Ruiz",
        details=details,
    )


@settings(max_examples=400, deadline=None)
@given(notice=notices(), partner=st.sampled_from(PARTNERS + OTHERS))
def test_a_released_notice_carries_only_what_its_marking_allows(notice: HitNotice, partner: str) -> None:
    version = release_to(notice, partner)
    if not reach_of([notice.marking]).admits(partner):
        assert version is None  # not even "there was a hit"
        return
    assert version is not None
    objects = notice_objects(version, partner)
    text = json.dumps(objects)
    for detail in notice.details:
        if reach_of([detail.marking]).admits(partner):
            assert detail.value in text  # nothing releasable is lost
        else:
            assert detail.value not in text, (detail, partner)  # nothing else leaves
    definitions = {o["id"]: o for o in objects if o["type"] == "marking-definition"}
    marked = read_markings(definitions)
    for obj in objects:
        if obj["type"] == "marking-definition":
            continue
        reach = reach_of(marked[ref] for ref in obj["object_marking_refs"])
        assert reach.admits(partner)  # the store serves it to the partner it was cut for...
        for part in (version.marking, *(d.marking for d in version.details)):
            own = reach_of([part])
            # ...and to nobody any part of it is not releasable to, never below any part's level
            assert reach.countries <= own.countries or ALL in own.countries
            assert reach.level >= own.level
    sighting = next(o for o in objects if o["type"] == "sighting")
    back = read_notice(sighting, next(o["name"] for o in objects if o["type"] == "identity"))
    assert back.details == version.details and back.marking == version.marking
    assert back.key == notice.key
