"""An assistance request sent to a partner never carries a portion the partner may not read, its envelope
admits exactly the two countries, and a received object is believed only from the node that took the step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.release import reach_of
from cruce.sharing.respond import (
    ASSISTANCE_TYPE,
    AssistanceStep,
    IncidentRef,
    MarkedText,
    RepatriationStep,
    RespondSyncError,
    assistance_objects,
    cut_request,
    envelope,
    read_assistance,
    read_repatriation,
    repatriation_objects,
)
from cruce.sharing.stix import read_markings

OTHERS = ("MEX", "CAN", "GBR")
AT = datetime(2026, 12, 3, 14, 0, tzinfo=UTC).isoformat()


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    level = draw(st.sampled_from(list(Classification)))
    classified = level > Classification.UNCLASSIFIED
    noforn = draw(st.booleans()) if classified else False
    rel_to: list[str] = []
    if classified and not noforn and draw(st.booleans()):
        rel_to = ["USA", *draw(st.lists(st.sampled_from(OTHERS), min_size=1, max_size=3, unique=True))]
    orcon = classified and draw(st.integers(0, 5)) == 0
    return Marking.of(level, "USA", rel_to, noforn=noforn, orcon=orcon)


def _asked(what: Marking, portions: list[Marking], incident: Marking) -> AssistanceStep:
    return AssistanceStep(
        "assist:1", "USA", "MEX", "asked", AT, "usa.officer",
        IncidentRef("incident:1", "hurricane", "Beryl", incident), MarkedText("water tankers", what),
        tuple(MarkedText(f"portion {i} {m}", m) for i, m in enumerate(portions)),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(markings(), st.lists(markings(), max_size=5), markings())
def test_a_request_carries_only_what_the_partner_may_read(
    what: Marking, portions: list[Marking], incident: Marking
) -> None:
    step = _asked(what, portions, incident)
    if not reach_of([what]).admits("MEX"):
        with pytest.raises(InputError):
            cut_request(step)
        return
    objects = assistance_objects(cut_request(step))
    obj = objects[-1]
    text = json.dumps(obj)
    for i, mark in enumerate(portions):
        assert (f"portion {i} {mark}" in text) == reach_of([mark]).admits("MEX")
    assert ("Beryl" in text) == reach_of([incident]).admits("MEX")
    # the envelope: the two countries only, at the highest level carried
    definitions = read_markings({o["id"]: o for o in objects if o["type"] == "marking-definition"})
    (banner,) = [definitions[r] for r in obj["object_marking_refs"]]
    assert banner is not None and banner.releasable_to == frozenset({"USA", "MEX"})
    assert ALL not in banner.releasable_to
    # what MEX receives reads back, and MEX would refuse nothing of it
    back = read_assistance(obj, "USA")
    assert back.portions == tuple(p for p in cut_request(step).portions)


def test_a_step_is_believed_only_from_the_node_that_took_it() -> None:
    mark = Marking.parse("C//REL TO USA, MEX")
    (obj,) = [
        o for o in assistance_objects(cut_request(_asked(mark, [], mark))) if o["type"] == ASSISTANCE_TYPE
    ]
    with pytest.raises(RespondSyncError, match="relayed by CAN"):
        read_assistance(obj, "CAN")  # USA's request served by a CAN node
    offered = AssistanceStep("assist:1", "USA", "MEX", "offered", AT, "usa.officer")
    (forged,) = [o for o in assistance_objects(offered) if o["type"] == ASSISTANCE_TYPE]
    forged["created_by_ref"] = obj["created_by_ref"]  # USA claiming MEX's offer
    with pytest.raises(RespondSyncError):
        read_assistance(forged, "USA")
    assert envelope(offered).owner == "MEX"


def test_a_hand_over_carrying_more_than_it_needs_is_refused() -> None:
    step = RepatriationStep("transfer:1", "USA", "MEX", "handover", AT, "usa.officer", "Nogales", AT, 1,
                            ({"given_name": "Ana", "birth_year": 2004, "case_id": "case:9"},))  # fmt: skip
    (obj,) = [o for o in repatriation_objects(step) if o["type"] == "x-cruce-repatriation"]
    assert obj["manifest"] == [{"given_name": "Ana", "birth_year": 2004}]  # minimised when written
    obj["manifest"][0]["screening"] = "possible list match"
    with pytest.raises(RespondSyncError, match="more than a hand-over needs: screening"):
        read_repatriation(obj, "USA")
    obj["manifest"][0].pop("screening")
    assert read_repatriation(obj, "USA").people == 1
    obj["people"] = 2
    with pytest.raises(RespondSyncError, match="2 people but 1 on the manifest"):
        read_repatriation(obj, "USA")
