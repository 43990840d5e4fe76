"""Who a stored STIX object may go to, read from its markings; TAXII filters and page tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.exchange import (
    MarkingIndex,
    ObjectFilter,
    PagePosition,
    VersionPick,
    decode_releasable,
    describe,
    encode_releasable,
    redact,
)
from cruce.sharing.products import Portion, Product, ProductKind, tear_line
from cruce.sharing.stix import StixImportError, export_product, marking_definition

REL_MEX = Marking.parse("S//REL TO USA, MEX")
NOFORN = Marking.parse("S//NOFORN")
REL_CAN = Marking.parse("S//REL TO USA, CAN")
U = Marking.parse("U")
PRODUCT = Product(
    "report:1",
    ProductKind.ALERT,
    "USA",
    Portion("Tunnel", U),
    (Portion("for Mexico", REL_MEX), Portion("ours", NOFORN), Portion("for Canada", REL_CAN)),
)


def objects(bundle: Any) -> list[dict[str, Any]]:
    return [json.loads(o.serialize()) for o in bundle.objects]


def reach(objs: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    index = MarkingIndex()
    described = {o["type"]: describe(o, index).releasable_to for o in objs}  # definitions come first
    return {kind: described[kind] for kind in ("report", "identity")}


def test_the_full_report_is_redacted_per_reader_and_a_tear_line_report_goes_to_its_partner() -> None:
    index = MarkingIndex()
    infos = [(describe(o, index), o) for o in objects(export_product(PRODUCT))]
    info, report = next((i, o) for i, o in infos if i.object_type == "report")
    assert info.releasable_to == {ALL}  # object level: only its TLP label; the portions carry the markings
    served = json.loads(redact(json.dumps(report), info.redactions_text, {"MEX"}, Classification.SECRET))
    assert served["x_cruce_portions"] == ["for Mexico"] and "x_cruce_product_id" not in served
    kept = {s for g in served["granular_markings"] for s in g["selectors"]}
    assert kept == {"name", "x_cruce_portions.[0]"}
    home = redact(json.dumps(report), info.redactions_text, {"USA"}, Classification.SECRET)
    assert json.loads(home) == report
    mex = reach(objects(export_product(tear_line(PRODUCT, "MEX"))))
    assert mex["report"] == {ALL} and mex["identity"] == {ALL}


def test_a_definition_reaches_where_its_marking_does_and_orcon_stays_home() -> None:
    index = MarkingIndex()
    noforn = json.loads(marking_definition(NOFORN).serialize())
    orcon = json.loads(marking_definition(Marking.parse("S//OC/REL TO USA, MEX")).serialize())
    info = describe(noforn, index)
    assert info.releasable_to == {"USA"} and info.classification is Classification.SECRET
    assert describe(orcon, index).releasable_to == {"USA"}


def test_an_unknown_marking_is_refused_not_guessed() -> None:
    obj = {"type": "indicator", "id": "indicator--1", "object_marking_refs": ["marking-definition--nope"]}
    with pytest.raises(StixImportError, match="not known"):
        describe(obj, MarkingIndex())


def test_filters_and_tokens() -> None:
    flt = ObjectFilter.from_query(
        [("match[type]", "indicator,report"), ("match[version]", "all"), ("limit", "5000")]
    )
    assert flt.types == {"indicator", "report"} and flt.picks == {VersionPick.ALL} and flt.limit == 1000
    with pytest.raises(InputError):
        ObjectFilter.from_query([("match[colour]", "red")])
    with pytest.raises(InputError):
        ObjectFilter.from_query([("next", "not-a-token")])
    position = PagePosition(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), 42)
    assert PagePosition.decode(position.encode()) == position


@given(st.frozensets(st.sampled_from(["USA", "MEX", "CAN", "GBR"]), min_size=1))
def test_releasability_text_round_trips(countries: frozenset[str]) -> None:
    text = encode_releasable(countries)
    assert decode_releasable(text) == countries
    assert all(f" {c} " in text for c in countries)
