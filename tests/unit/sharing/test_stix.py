"""STIX 2.1 export and import of marked products: round trips keep every marking; bad bundles are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cruce.core.markings import Marking
from cruce.sharing.definitions import read_definition
from cruce.sharing.products import Portion, Product, ProductKind, tear_line
from cruce.sharing.release import reach_of
from cruce.sharing.stix import ACS_EXTENSION, TLP2_IDS, StixImportError, export_product, import_bundle


def portion(text: str, marking: str) -> Portion:
    return Portion(text, Marking.parse(marking))


def product() -> Product:
    return Product(
        "report:2026-7",
        ProductKind.INTELLIGENCE_REPORT,
        "USA",
        portion("Tunnel near Nogales", "U//FOUO"),
        (
            portion("Tunnel exit under a warehouse.", "S//REL TO USA, MEX"),
            portion("Source is a cartel accountant.", "S//NOFORN"),
            portion("Carrier X trucks at Mariposa.", "C//ORCON/REL TO USA, CAN, MEX//LES"),
        ),
        portion("Expect seizures at Nogales.", "U//FOUO"),
        author="analyst.usa",
    )


def bundle_dict(item: Any) -> dict[str, Any]:
    return dict(json.loads(export_product(item).serialize()))


def _unmark_portion_and_object(d: dict[str, Any]) -> None:
    """A portion with no granular marking and no object-level ACS marking to inherit: unmarked."""
    _report(d)["granular_markings"].pop(1)
    _report(d)["object_marking_refs"] = [TLP2_IDS["red"]]


def test_round_trip_keeps_every_portion_and_marking() -> None:
    original = product()
    assert import_bundle(export_product(original).serialize()) == [original]


def test_export_is_stix_with_acs_and_tlp_markings() -> None:
    data = bundle_dict(product())
    (report,) = [o for o in data["objects"] if o["type"] == "report"]
    definitions = {o["id"]: o for o in data["objects"] if o["type"] == "marking-definition"}
    # object-level markings cover every property, so the full product carries there only its TLP label and
    # the envelope of its portions (here the U//FOUO title reaches everyone); its banner marks the metadata
    envelope_ref, tlp_ref = report["object_marking_refs"]
    assert tlp_ref == TLP2_IDS["red"]
    assert definitions[envelope_ref]["name"] == "UNCLASSIFIED"
    selectors = {
        s: definitions[g["marking_ref"]]["name"] for g in report["granular_markings"] for s in g["selectors"]
    }
    assert selectors["x_cruce_portions.[0]"] == "SECRET//REL TO USA, MEX"
    assert selectors["name"] == "UNCLASSIFIED//FOUO"
    banner = definitions[
        next(g["marking_ref"] for g in report["granular_markings"] if "x_cruce_author" in g["selectors"])
    ]
    assert banner["name"] == "SECRET//ORCON/NOFORN//LES"
    control_set = banner["extensions"][ACS_EXTENSION]["control_set"]
    assert control_set["classification"] == "S" and control_set["formal_determination"] == ["NF"]
    rel = definitions[
        next(
            g["marking_ref"]
            for g in report["granular_markings"]
            if g["selectors"] == ["x_cruce_portions.[0]"]
        )
    ]
    scope = rel["extensions"][ACS_EXTENSION]["access_privilege"][0]["privilege_scope"]
    assert scope["permitted_nationalities"] == ["MEX", "USA"]


def test_same_product_gets_the_same_ids() -> None:
    first, second = bundle_dict(product()), bundle_dict(product())
    assert [o["id"] for o in first["objects"]] == [o["id"] for o in second["objects"]]


def test_a_partners_tear_line_export_holds_only_its_portions() -> None:
    data = json.dumps(bundle_dict(tear_line(product(), "MEX")))
    assert "cartel accountant" not in data and "Carrier X" not in data  # NOFORN, and ORCON needs consent
    (version,) = import_bundle(data)
    assert [p.text for p in version.portions] == ["Tunnel exit under a warehouse."]
    assert str(version.banner) == "SECRET//REL TO USA, MEX"


def tampered(change: Any) -> str:
    data = bundle_dict(product())
    change(data)
    return json.dumps(data)


def _named(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in _definitions(data) if d["name"] == name)


def _definitions(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        o
        for o in data["objects"]
        if o["type"] == "marking-definition" and ACS_EXTENSION in o.get("extensions", {})
    ]


def _report(data: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in data["objects"] if o["type"] == "report")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _named(d, "SECRET//REL TO USA, MEX").update(
                name="SECRET//REL TO USA, CAN", id="marking-definition--4c9e7c8b-1b5a-4a1e-8f6a-0c2d3e4f5a6c"
            ),
            "disagrees",  # another producer's id (not derived from content): the name must match the content
        ),
        (
            lambda d: _named(d, "SECRET//REL TO USA, MEX")["extensions"][ACS_EXTENSION]["control_set"].update(
                classification="TS"
            ),
            "must be derived from its content",  # a changed content no longer hashes to cruce's id
        ),
        (
            lambda d: d["objects"].append(
                {
                    "type": "marking-definition",
                    "spec_version": "2.1",
                    "id": "marking-definition--4c9e7c8b-1b5a-4a1e-8f6a-0c2d3e4f5a6b",
                    "created": "2026-01-01T00:00:00Z",
                    "definition_type": "internal",
                    "definition": {"handling": "internal"},
                }
            ),
            "valid marking type",  # stix2 itself refuses a definition type it does not know
        ),
        (_unmark_portion_and_object, r"x_cruce_portions\.\[0\] needs at least one"),
        (lambda d: d["objects"].remove(_definitions(d)[0]), "referenced but not defined"),
        (lambda d: _report(d).update(labels=["something"]), "product kind"),
        (lambda d: d.update(type="report"), "expected a STIX bundle"),
    ],
)
def test_bad_bundles_are_refused_whole_with_the_object_named(change: Any, message: str) -> None:
    with pytest.raises(StixImportError, match=message):
        import_bundle(tampered(change))


def test_not_json_is_refused() -> None:
    with pytest.raises(StixImportError, match="not JSON"):
        import_bundle("{not json")


def test_a_product_with_nothing_for_a_partner_is_withheld_whole_from_it() -> None:
    """The envelope at object level keeps the report itself (not only its parts) from MEX."""
    secret = Product(
        "prod-nf", ProductKind.INTELLIGENCE_REPORT, "USA",
        portion("Operation name", "S//NOFORN"), (portion("Source detail.", "TS//NOFORN"),),
    )  # fmt: skip
    data = bundle_dict(secret)
    (report,) = [o for o in data["objects"] if o["type"] == "report"]
    definitions = {o["id"]: o for o in data["objects"] if o["type"] == "marking-definition"}
    whole = [read_definition(definitions[r]).marking for r in report["object_marking_refs"]]
    reach = reach_of(whole)
    assert not reach.admits("MEX") and not reach.admits("CAN") and reach.admits("USA")
    # and the round trip keeps each portion's own marking, not the envelope's
    assert import_bundle(export_product(secret).serialize()) == [secret]


def test_mixed_levels_give_an_unclassified_envelope_for_the_partners_only() -> None:
    mixed = Product(
        "prod-mixed", ProductKind.INTELLIGENCE_REPORT, "USA",
        portion("Title", "U//NOFORN"), (portion("Tunnel.", "S//REL TO USA, MEX"),),
    )  # fmt: skip
    data = bundle_dict(mixed)
    (report,) = [o for o in data["objects"] if o["type"] == "report"]
    definitions = {o["id"]: o for o in data["objects"] if o["type"] == "marking-definition"}
    reach = reach_of(read_definition(definitions[r]).marking for r in report["object_marking_refs"])
    assert reach.admits("MEX") and not reach.admits("CAN")
    assert import_bundle(export_product(mixed).serialize()) == [mixed]
