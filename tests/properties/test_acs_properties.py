"""ACS 3.0 definitions from any producer: cruce never releases content further than the content says.

For generated ACS extensions (permits and denies of nationalities, `control_set.permitted_nationalities`,
`further_sharing`, NOFORN, SCI), a country that receives the marked content is one every restriction in the
content allows, or the owner; and cruce's own export reads back as the marking it was made from.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cruce.core.markings import ALL, Marking
from cruce.sharing.definitions import DefinitionError, acs_marking
from cruce.sharing.stix import acs_extension

COUNTRIES = ["USA", "MEX", "CAN", "GBR", "ALL", "XXA"]
nationalities = st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True)


@st.composite
def extensions(draw: st.DrawFn) -> dict[str, Any]:
    owner = draw(st.sampled_from(["USA", "MEX", "CAN"]))
    control: dict[str, Any] = {"classification": draw(st.sampled_from(["U", "C", "S", "TS"]))}
    if draw(st.booleans()):
        control["formal_determination"] = ["NF"]
    if draw(st.booleans()):
        control["permitted_nationalities"] = draw(nationalities)
    if draw(st.integers(0, 9)) == 0:
        control["sci_controls"] = ["SI"]
    acs: dict[str, Any] = {
        "extension_type": "property-extension",
        "identifier": "isa:guide.19001.ACS3-6d8f1c2e-3a4b-4c5d-8e6f-7a8b9c0d1e01",
        "create_date_time": "2026-01-01T00:00:00Z",
        "responsible_entity_custodian": f"{owner}.GOV",
        "responsible_entity_originator": f"{owner}.GOV.X",
        "policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault="
        + draw(st.sampled_from(["deny", "permit"]))
        + "&sharedefault=deny",
        "control_set": control,
    }
    rules = draw(st.lists(st.tuples(nationalities, st.sampled_from(["permit", "deny"])), max_size=3))
    if rules:
        acs["access_privilege"] = [
            {"privilege_action": "ALL", "privilege_scope": {"permitted_nationalities": n}, "rule_effect": e}
            for n, e in rules
        ]
    if draw(st.booleans()):
        scopes = draw(
            st.lists(st.sampled_from(["USA.DHS", "MEX.SSPC", "CAN.CBSA", "FOREIGNGOV"]), min_size=1)
        )
        acs["further_sharing"] = [{"sharing_scope": scopes, "rule_effect": "permit"}]
    return acs


def _allowed_by(acs: dict[str, Any], country: str) -> bool:
    """An independent reading of the restrictions: may `country` read, by each of them?"""
    owner = acs["responsible_entity_originator"].split(".")[0]
    control = acs["control_set"]
    if country == owner:
        return True
    if "NF" in control.get("formal_determination", []) or control.get("sci_controls"):
        return False
    if "permitted_nationalities" in control and not {"ALL", country} & set(
        control["permitted_nationalities"]
    ):
        return False
    rules = acs.get("access_privilege")
    if rules:
        permitted = {
            c
            for r in rules
            if r["rule_effect"] == "permit"
            for c in r["privilege_scope"]["permitted_nationalities"]
        }
        denied = {
            c
            for r in rules
            if r["rule_effect"] == "deny"
            for c in r["privilege_scope"]["permitted_nationalities"]
        }
        if not {"ALL", country} & permitted or {"ALL", country} & denied:
            return False
    elif "privdefault=deny" in acs["policy_reference"] and "further_sharing" not in acs:
        return False
    if "further_sharing" in acs:
        scopes = set(acs["further_sharing"][0]["sharing_scope"])
        if "FOREIGNGOV" not in scopes and not any(s.startswith(country + ".") for s in scopes):
            return False
    return True


@given(extensions())
def test_content_is_never_released_further_than_the_acs_content_says(acs: dict[str, Any]) -> None:
    try:
        marking = acs_marking(acs)
    except DefinitionError:
        return
    for country in ("USA", "MEX", "CAN", "GBR", "FRA"):
        if marking.releasable(country):
            assert _allowed_by(acs, country), (country, str(marking))
    assert marking.owner == acs["responsible_entity_originator"][:3]


@given(
    st.sampled_from(
        [
            "U",
            "U//FOUO",
            "U//NOFORN",
            "C//REL TO USA, MEX",
            "S//NOFORN",
            "S",
            "S//OC/REL TO USA, CAN",
            "TS//REL TO USA, CAN, MEX//LES",
            "S//ORCON/NOFORN",
        ]
    ),
    st.sampled_from(["USA", "MEX"]),
)
def test_cruce_export_reads_back_as_the_same_marking(text: str, owner: str) -> None:
    rel = text.replace("USA", "@").replace("MEX", "USA").replace("@", "MEX") if owner == "MEX" else text
    marking = Marking.parse(rel, owner=owner)
    assert acs_marking(acs_extension(marking)) == marking
    assert ALL not in marking.releasable_to or marking.classification == 0
