"""Tear lines: each partner receives exactly the portions released to it, under a recomputed banner."""

from __future__ import annotations

import pytest

from cruce.core.markings import Marking, MarkingError
from cruce.sharing.products import Portion, Product, ProductKind, tear_line, tear_lines


def portion(text: str, marking: str, owner: str = "USA") -> Portion:
    return Portion(text, Marking.parse(marking, owner=owner))


def report() -> Product:
    return Product(
        product_id="report:2026-0001",
        kind=ProductKind.INTELLIGENCE_REPORT,
        owner="USA",
        title=portion("Tunnel activity near Nogales", "U//FOUO"),
        portions=(
            portion("A tunnel exit was found under a warehouse on Calle Obregón.", "S//REL TO USA, MEX"),
            portion("The source is a cartel accountant.", "S//NOFORN"),
            portion(
                "Trucks of carrier X crossed at Mariposa and at Ambassador Bridge.", "C//REL TO USA, CAN, MEX"
            ),
            portion("The warehouse lease names two Canadian companies.", "C//REL TO USA, CAN"),
        ),
        tearline_summary=portion("Expect tunnel-related seizures at Nogales; check carrier X.", "U//FOUO"),
        author="analyst.usa",
    )


def test_each_partner_gets_only_what_is_released_to_it() -> None:
    versions = tear_lines(report(), ["MEX", "CAN", "USA"])
    mex, can, usa = versions["MEX"], versions["CAN"], versions["USA"]
    assert [p.text[:20] for p in mex.portions] == ["A tunnel exit was fo", "Trucks of carrier X "]
    assert str(mex.banner) == "SECRET//REL TO USA, MEX"
    assert [p.text[:20] for p in can.portions] == ["Trucks of carrier X ", "The warehouse lease "]
    assert str(can.banner) == "CONFIDENTIAL//REL TO USA, CAN"
    assert mex.withheld == 2 and can.withheld == 2
    assert mex.summary is not None and mex.title is not None
    assert "cartel accountant" not in mex.render() and "cartel accountant" not in can.render()
    assert len(usa.portions) == 4 and str(usa.banner) == "SECRET//NOFORN"  # the owner sees everything
    assert str(report().banner) == "SECRET//NOFORN"


def test_partner_with_nothing_released_gets_an_empty_version() -> None:
    product = Product(
        "alert:1",
        ProductKind.ALERT,
        "USA",
        portion("Subject", "S//NOFORN"),
        (portion("Details", "S//NOFORN"),),
    )
    version = tear_line(product, "MEX")
    assert version.is_empty and version.withheld == 2
    assert "nothing" in version.render()


def test_orcon_never_leaves_without_the_originator() -> None:
    product = Product(
        "report:2",
        ProductKind.INTELLIGENCE_REPORT,
        "USA",
        portion("Title", "U"),
        (portion("Controlled", "S//ORCON/REL TO USA, MEX"), portion("Open", "U")),
    )
    assert [p.text for p in tear_line(product, "MEX").portions] == ["Open"]


def test_products_refuse_foreign_portions_and_bad_partners() -> None:
    with pytest.raises(MarkingError, match="must be marked by USA"):
        Product(
            "x", ProductKind.ALERT, "USA", portion("t", "U"), (portion("p", "S//REL TO MEX, USA", "MEX"),)
        )
    with pytest.raises(MarkingError, match="trigraph"):
        tear_line(report(), "MX")
