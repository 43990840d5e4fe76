"""Markings and tear lines never leak: properties checked over many generated markings and products.

The product test draws batches of products; with the default profile it checks well over 100,000 products
(`CRUCE_MARKING_EXAMPLES` raises it for a dedicated long run).
"""

from __future__ import annotations

import contextlib
import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.core.markings import ALL, Classification, Marking, MarkingError, roll_up
from cruce.sharing.products import Portion, Product, ProductKind, tear_line
from cruce.sharing.stix import export_product, import_bundle

PARTNERS = ("USA", "MEX", "CAN")
OTHERS = ("GBR", "COL", "GTM")
BATCHES = int(os.environ.get("CRUCE_MARKING_EXAMPLES", "1100"))
PRODUCTS_PER_BATCH = 100


def random_marking(rng: random.Random, owner: str) -> Marking:
    """A valid marking, drawn so every control and level combination appears often."""
    level = rng.choice(list(Classification))
    classified = level > Classification.UNCLASSIFIED
    noforn = rng.random() < 0.15
    rel_to: list[str] = []
    if classified and not noforn and rng.random() < 0.8:
        others = [c for c in PARTNERS + OTHERS if c != owner]
        rel_to = [owner, *rng.sample(others, rng.randint(1, 3))]
    return Marking.of(
        level,
        owner,
        rel_to,
        noforn=noforn,
        orcon=classified and rng.random() < 0.1,
        fouo=not classified and rng.random() < 0.3,
        les=rng.random() < 0.1,
    )


def random_product(rng: random.Random, number: int) -> Product:
    owner = rng.choice(PARTNERS)
    portions = tuple(Portion(f"portion {i}", random_marking(rng, owner)) for i in range(rng.randint(1, 8)))
    summary = Portion("summary", random_marking(rng, owner)) if rng.random() < 0.7 else None
    return Product(
        f"p{number}",
        rng.choice(list(ProductKind)),
        owner,
        Portion("title", random_marking(rng, owner)),
        portions,
        summary,
        author=rng.choice(["", "analyst.usa"]),
        need_to_know=frozenset(rng.sample(["tunnels", "finance", "sources"], rng.randint(0, 2))),
    )


def may_receive(portion_mark: str, owner: str, partner: str) -> bool:
    """The releasability rule read straight off the written portion mark, independently of cruce's code.

    The owner receives everything; ORCON goes nowhere without the originator; NOFORN stays home; a REL TO
    list names who may receive; unclassified text without NOFORN goes to anyone; classified text without
    REL TO stays home.
    """
    if partner == owner:
        return True
    parts = portion_mark.strip("()").split("//")
    level, controls = parts[0], "/".join(parts[1:]).split("/")
    if "OC" in controls or "NF" in controls:
        return False
    for control in controls:
        if control.startswith("REL TO "):
            return partner in [code.strip() for code in control.removeprefix("REL TO ").split(",")]
    return level == "U"


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    return random_marking(random.Random(draw(st.integers(0, 2**32))), draw(st.sampled_from(PARTNERS)))


@given(markings())
def test_written_markings_parse_back_to_themselves(marking: Marking) -> None:
    assert Marking.parse(str(marking), owner=marking.owner) == marking
    assert Marking.parse(marking.portion, owner=marking.owner) == marking


@given(st.text(max_size=60))
def test_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(MarkingError):
        Marking.parse(text)


@given(
    st.lists(
        st.sampled_from(
            [
                "S",
                "SECRET",
                "U",
                "TS",
                "C",
                "NF",
                "NOFORN",
                "REL TO",
                "USA",
                "MEX",
                "CAN",
                "XXX",
                "//",
                "/",
                ",",
                " ",
                "FOUO",
                "ORCON",
                "LES",
                "(",
                ")",
            ]
        ),
        max_size=12,
    )
)
def test_parser_never_crashes_on_near_markings(parts: list[str]) -> None:
    try:
        marking = Marking.parse("".join(parts))
    except MarkingError:
        return
    assert Marking.parse(str(marking)) == marking


@given(st.integers(0, 2**32), st.sampled_from(PARTNERS))
def test_roll_up_is_order_independent_and_dominates_every_portion(seed: int, owner: str) -> None:
    rng = random.Random(seed)
    portions = [random_marking(rng, owner) for _ in range(rng.randint(1, 10))]
    banner = roll_up(portions)
    shuffled = portions[:]
    rng.shuffle(shuffled)
    assert roll_up(shuffled) == banner
    assert roll_up(portions + portions[:2]) == banner  # repeating a portion changes nothing
    for portion in portions:
        assert banner.dominates(portion)
        assert banner.classification >= portion.classification
    Marking.of(
        banner.classification,
        banner.owner,
        banner.rel_to,
        noforn=banner.noforn,
        orcon=banner.orcon,
        fouo=banner.fouo,
        les=banner.les,
    )  # the banner is itself a valid marking


@settings(max_examples=BATCHES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_tear_lines_never_leak(seed: int) -> None:
    rng = random.Random(seed)
    for number in range(PRODUCTS_PER_BATCH):
        product = random_product(rng, number)
        for partner in PARTNERS:
            version = tear_line(product, partner)
            given_portions = version.all_portions
            for portion in given_portions:
                assert may_receive(portion.marking.portion, product.owner, partner), (
                    product,
                    partner,
                    portion,
                )
            withheld = [
                p for p in product.all_portions if not may_receive(p.marking.portion, product.owner, partner)
            ]
            assert version.withheld == len(withheld)
            assert len(given_portions) + len(withheld) == len(product.all_portions)
            if version.banner is None:
                assert not given_portions
                continue
            assert (
                partner == product.owner
                or ALL in version.banner.releasable_to
                or partner in version.banner.releasable_to
            )
            for portion in given_portions:
                assert version.banner.dominates(portion.marking)
            assert product.banner.dominates(version.banner)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32))
def test_stix_round_trip_keeps_every_marking_and_tear_lines_stay_torn(seed: int) -> None:
    rng = random.Random(seed)
    product = random_product(rng, 0)
    assert import_bundle(export_product(product).serialize()) == [product]
    for partner in PARTNERS:
        version = tear_line(product, partner)
        if not version.portions and version.summary is None:
            continue  # at most a title: nothing worth a bundle (export refuses it)
        (received,) = import_bundle(export_product(version).serialize())
        assert received.portions == version.portions and received.tearline_summary == version.summary
        assert received.title == version.title or version.title is None
        assert all(portion.marking.releasable(partner) for portion in received.all_portions)
