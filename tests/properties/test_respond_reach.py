"""Incidents and sitreps never reach a partner their marking does not release to, whatever the marking."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.errors import InputError
from cruce.core.markings import Classification, Marking
from cruce.service.respond import _sees
from cruce.sharing.access import Role
from cruce.sharing.release import reach_of
from cruce.storage.assess import reach_back, reach_text
from cruce.storage.sharing import Account

LEVELS = ["U", "C", "S", "TS"]
CONTROLS = ["", "//NOFORN", "//REL TO USA, MEX", "//REL TO USA, CAN", "//REL TO USA, MEX, CAN", "//FOUO"]


@settings(max_examples=300, deadline=None)
@given(
    level=st.sampled_from(LEVELS),
    control=st.sampled_from(CONTROLS),
    reader=st.sampled_from(["USA", "MEX", "CAN"]),
    nationality=st.sampled_from(["USA", "MEX", "CAN"]),
    clearance=st.sampled_from(list(Classification)),
)
def test_a_partner_sees_only_what_the_marking_releases_to_it(
    level: str, control: str, reader: str, nationality: str, clearance: Classification
) -> None:
    try:
        marking = Marking.parse(level + control, "USA")
    except InputError:
        return
    reach = reach_of([marking])
    stored = reach_back(reach_text(reach), int(reach.level), reach.noforn)  # as the row gives it back
    account = Account("x", "org", reader, nationality, clearance, frozenset({Role.ANALYST}))
    seen = _sees(account, "USA", stored)
    if seen:
        assert clearance >= marking.classification
        for country in {reader, nationality} - {"USA"}:
            assert marking.releasable(country)
    else:
        assert (
            clearance < marking.classification
            or any(not marking.releasable(c) for c in {reader, nationality} - {"USA"})
            or (reader == "USA" and nationality != "USA")
        )
