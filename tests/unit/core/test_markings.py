"""Markings as analysts write them: parsing, writing, validation and banner roll-up."""

from __future__ import annotations

import pytest

from cruce.core.markings import ALL, Classification, Marking, MarkingError, roll_up


@pytest.mark.parametrize(
    ("text", "banner", "portion"),
    [
        ("SECRET//REL TO USA, MEX", "SECRET//REL TO USA, MEX", "(S//REL TO USA, MEX)"),
        ("(S//REL TO USA,MEX)", "SECRET//REL TO USA, MEX", "(S//REL TO USA, MEX)"),
        ("s//rel to usa, mex, can", "SECRET//REL TO USA, CAN, MEX", "(S//REL TO USA, CAN, MEX)"),
        ("TS//NF", "TOP SECRET//NOFORN", "(TS//NF)"),
        ("U", "UNCLASSIFIED", "(U)"),
        ("UNCLASSIFIED//FOR OFFICIAL USE ONLY", "UNCLASSIFIED//FOUO", "(U//FOUO)"),
        (
            "C//ORCON/REL TO USA, CAN//LES",
            "CONFIDENTIAL//ORCON/REL TO USA, CAN//LES",
            "(C//OC/REL TO USA, CAN//LES)",
        ),
        ("U//LES/NOFORN", "UNCLASSIFIED//NOFORN//LES", "(U//NF//LES)"),
    ],
)
def test_parse_and_write(text: str, banner: str, portion: str) -> None:
    marking = Marking.parse(text)
    assert str(marking) == banner
    assert marking.portion == portion
    assert Marking.parse(banner) == marking == Marking.parse(portion)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("S//NOFORN/REL TO USA, MEX", "NOFORN and REL TO contradict"),
        ("S//REL TO MEX, USA", "owner country USA first"),
        ("U//REL TO USA, MEX", "REL TO applies to classified information only"),
        ("S//REL TO USA, XYZ", "unknown country trigraph"),
        ("S//REL TO USA, MX", "unknown country trigraph"),
        ("S//FOUO", "FOUO applies to UNCLASSIFIED information only"),
        ("U//ORCON", "ORCON applies to classified"),
        ("S//REL TO USA", "alone releases to no partner"),
        ("SECRET//SPECIAL", "unknown control"),
        ("RESTRICTED", "unknown classification"),
        ("", "empty"),
        ("()", "empty"),
        ("S////NF", "empty control"),
        ("S//REL TO USA, , MEX", "empty country"),
        ("S//REL TO USA, MEX//REL TO USA, CAN", "twice"),
    ],
)
def test_invalid_markings_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(MarkingError, match=message):
        Marking.parse(text)


def test_owner_other_than_usa() -> None:
    marking = Marking.parse("S//REL TO MEX, USA", owner="MEX")
    assert marking.releasable("USA") and marking.releasable("MEX") and not marking.releasable("CAN")
    with pytest.raises(MarkingError, match="owner country MEX first"):
        Marking.parse("S//REL TO USA, MEX", owner="MEX")


def test_releasability() -> None:
    assert Marking.parse("U").releasable_to == {ALL}
    assert Marking.parse("U//FOUO").releasable("CAN")
    assert not Marking.parse("U//NOFORN").releasable("CAN")
    assert not Marking.parse("C").releasable("MEX")  # classified without REL TO stays home
    assert Marking.parse("C").releasable("USA")
    assert not Marking.parse("S//ORCON/REL TO USA, MEX").releasable("MEX")  # originator must consent
    assert Marking.parse("S//REL TO USA, MEX").releasable("MEX")
    assert not Marking.parse("S//REL TO USA, MEX").releasable("CAN")


def test_roll_up() -> None:
    rel_mex_can = Marking.parse("S//REL TO USA, CAN, MEX")
    rel_mex = Marking.parse("C//REL TO USA, MEX")
    assert str(roll_up([rel_mex_can, rel_mex, Marking.parse("U//FOUO")])) == "SECRET//REL TO USA, MEX"
    assert str(roll_up([rel_mex, Marking.parse("U//FOUO")])) == "CONFIDENTIAL//REL TO USA, MEX"
    assert str(roll_up([Marking.parse("U"), Marking.parse("U//FOUO")])) == "UNCLASSIFIED//FOUO"
    assert str(roll_up([rel_mex_can, Marking.parse("TS//NF")])) == "TOP SECRET//NOFORN"
    assert str(roll_up([rel_mex_can, Marking.parse("C")])) == "SECRET//NOFORN"  # C stays home
    assert (
        str(roll_up([rel_mex, Marking.parse("S//REL TO USA, CAN")])) == "SECRET//NOFORN"
    )  # no common partner
    assert (
        str(roll_up([rel_mex, Marking.parse("S//ORCON/REL TO USA, MEX//LES")]))
        == "SECRET//ORCON/REL TO USA, MEX//LES"
    )
    assert roll_up([rel_mex]).classification is Classification.CONFIDENTIAL
    with pytest.raises(MarkingError, match="at least one"):
        roll_up([])
    with pytest.raises(MarkingError, match="one owner"):
        roll_up([rel_mex, Marking.parse("S//REL TO MEX, USA", owner="MEX")])
