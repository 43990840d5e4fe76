"""The booth's membership lookup: who is expedited, who is referred, and what a certified shipper gets."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.programs.model import MembershipState, MembershipStatus
from cruce.programs.recognition import AgreementError, load_agreement, parse_agreement
from cruce.programs.standing import InMemoryDirectory, company_key, crossing_standing, document_key
from cruce.scoring.crossings import CargoRecord, Crossing, Mode, Role, TravelDocument, Traveler, Vehicle
from cruce.scoring.lanes import BudgetedRouter, Cause, Lane, RoutingCase, RoutingPolicy

AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
AGREEMENT = load_agreement()


def person(name: str, *docs: TravelDocument, role: Role = Role.DRIVER) -> Traveler:
    return Traveler(f"t:{name}", name, role, "MX", documents=docs)


SENTRI = TravelDocument("sentri_card", "123456789", "US", date(2030, 1, 1))
PASSPORT_MX = TravelDocument("passport", "G 1234-5678", "MX", date(2030, 1, 1))
FAST_CARD = TravelDocument("fast_card", "555000111", "US", date(2030, 1, 1))


def status(  # noqa: PLR0917 - a test's shorthand
    membership_id: str,
    program: str,
    tier: str,
    country: str,
    keys: tuple[str, ...],
    state: MembershipState = MembershipState.ACTIVE,
    **more: object,
) -> MembershipStatus:
    return MembershipStatus(
        membership_id,
        program,
        tier,
        country,
        state,
        AT - timedelta(days=3),
        documents=keys,
        **more,  # type: ignore[arg-type]
    )


def car(*travelers: Traveler) -> Crossing:
    return Crossing("crossing:x:1", "2504", "San Ysidro", AT, Mode.PASSENGER_VEHICLE, travelers)


def truck(
    driver: Traveler, carrier: str = "Carrier SA", importer: str = "Importer LLC", shipper: str = "Ship SA"
) -> Crossing:
    cargo = CargoRecord(importer, shipper, importer, carrier, "870899", "parts", "MX", "MX", 9000.0, 80000.0)
    vehicle = Vehicle("ABC-123-D", "MX-BC", "1XKAD49X0XJ000000", "truck", carrier)
    return Crossing("crossing:x:2", "2506", "Otay Mesa", AT, Mode.COMMERCIAL_TRUCK, (driver,), vehicle, cargo)


def test_document_keys_fold_country_codes_and_spacing() -> None:
    assert document_key("passport", "MX", "G 1234-5678") == "passport:MEX:G12345678"
    assert document_key("Passport", "MEX", "g12345678") == "passport:MEX:G12345678"
    assert company_key("  ACME  Freight ") == company_key("acme freight")


def test_an_active_member_is_expedited_a_card_alone_is_not() -> None:
    directory = InMemoryDirectory()
    traveler = person("Ana Ruiz", SENTRI)
    assert crossing_standing(car(traveler), directory, AGREEMENT, "USA", AT).expedite is None
    directory.put(
        status("sentri:1", "sentri", "standard", "USA", (document_key("sentri_card", "US", "123456789"),))
    )
    standing = crossing_standing(car(traveler), directory, AGREEMENT, "USA", AT)
    assert standing.expedite is not None and "sentri:1" in standing.expedite
    assert standing.referrals == ()


def test_every_traveler_must_be_a_member_and_open_alerts_take_the_lane_away() -> None:
    key = document_key("sentri_card", "US", "123456789")
    directory = InMemoryDirectory()
    directory.put(status("sentri:1", "sentri", "standard", "USA", (key,)))
    both = car(person("Ana Ruiz", SENTRI), person("Luis Paz", PASSPORT_MX, role=Role.PASSENGER))
    standing = crossing_standing(both, directory, AGREEMENT, "USA", AT)
    assert standing.expedite is None and any("Luis Paz not enrolled" in n for n in standing.notes)
    directory.alerts["sentri:1"] = 1
    alone = crossing_standing(car(person("Ana Ruiz", SENTRI)), directory, AGREEMENT, "USA", AT)
    assert alone.expedite is None and any("1 open alert" in n for n in alone.notes)


@pytest.mark.parametrize(
    ("state", "expires", "referred", "word"),
    [
        (MembershipState.SUSPENDED, None, True, "suspended"),
        (MembershipState.REVOKED, None, False, "revoked"),
        (MembershipState.EXPIRED, None, False, "expired"),
        (MembershipState.ACTIVE, AT - timedelta(days=1), False, "expired"),
    ],
)
def test_a_member_not_in_good_standing_is_never_expedited_and_the_reason_is_shown(
    state: MembershipState, expires: datetime | None, referred: bool, word: str
) -> None:
    directory = InMemoryDirectory()
    key = document_key("sentri_card", "US", "123456789")
    directory.put(
        status(
            "sentri:1", "sentri", "standard", "USA", (key,), state, reason="partner hit", expires_at=expires
        )
    )
    standing = crossing_standing(car(person("Ana Ruiz", SENTRI)), directory, AGREEMENT, "USA", AT)
    assert standing.expedite is None
    said = standing.referrals if referred else standing.notes
    assert len(said) == 1 and word in said[0] and "sentri:1" in said[0]
    assert bool(standing.referrals) is referred


def test_a_partner_program_counts_only_where_it_is_recognised() -> None:
    directory = InMemoryDirectory()
    directory.put(
        status(
            "vc:MEX:9", "viajero-confiable", "standard", "MEX", (document_key("passport", "MX", "G12345678"),)
        )
    )
    crossing = car(person("Ana Ruiz", PASSPORT_MX))
    at_us = crossing_standing(crossing, directory, AGREEMENT, "USA", AT)
    assert at_us.expedite is not None and "recognised by USA" in at_us.expedite
    at_can = crossing_standing(crossing, directory, AGREEMENT, "CAN", AT)  # CAN recognises no Mexican program
    assert at_can.expedite is None and any("does not recognise" in n for n in at_can.notes)
    directory.put(replace(directory.statuses["vc:MEX:9"], state=MembershipState.SUSPENDED, changed_at=AT))
    assert crossing_standing(crossing, directory, AGREEMENT, "USA", AT).referrals


def test_fast_needs_driver_carrier_and_importer_and_a_certified_shipper_gets_its_factor() -> None:
    directory = InMemoryDirectory()
    driver = person("Rosa Gil", FAST_CARD)
    directory.put(status("fast:1", "fast", "driver", "USA", (document_key("fast_card", "US", "555000111"),)))
    directory.put(status("ctpat:c", "ctpat", "tier3", "USA", (company_key("Carrier SA"),)))
    partial = crossing_standing(truck(driver), directory, AGREEMENT, "USA", AT)
    assert partial.expedite is None and any("importer" in n for n in partial.notes)
    assert partial.inspection_factor == 1.0
    directory.put(status("oea:i", "oea", "oea-aaa", "MEX", (company_key("Importer LLC"),)))
    fast = crossing_standing(truck(driver), directory, AGREEMENT, "USA", AT)
    assert fast.expedite is not None and fast.expedite.startswith("FAST")
    no_card = crossing_standing(truck(person("Otro", PASSPORT_MX)), directory, AGREEMENT, "USA", AT)
    assert no_card.expedite is None and no_card.inspection_factor == 0.5  # OEA aaa recognised by USA at 0.5


def test_agreement_errors_name_the_entry() -> None:
    with pytest.raises(AgreementError, match=r"program X: .*ISO 3166"):
        parse_agreement({"programs": {"X": {"country": "Mexico", "tiers": {"a": {}}}}}, "t")
    with pytest.raises(AgreementError, match="inspection_factor"):
        parse_agreement(
            {"programs": {"X": {"country": "MEX", "tiers": {"a": {"inspection_factor": 2}}}}}, "t"
        )
    with pytest.raises(AgreementError, match="no tier 'gold'"):
        parse_agreement(
            {
                "programs": {"X": {"country": "MEX", "tiers": {"a": {}}}},
                "recognition": {"USA": [{"program": "X", "tiers": ["gold"]}]},
            },
            "t",
        )
    assert AGREEMENT.subscribers_of("CAN") == {"USA", "MEX"}


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(st.floats(0, 1), min_size=1, max_size=300),
    factor=st.floats(0.05, 1.0),
    budget=st.integers(0, 10),
    seed=st.integers(0, 2**16),
)
def test_a_certified_shippers_factor_keeps_logged_probabilities_exact_and_the_budget(
    scores: list[float], factor: float, budget: int, seed: int
) -> None:
    """With the factor, every logged p is still the chance of the lane taken, at most the factor, and the
    budget holds."""
    router = BudgetedRouter(RoutingPolicy(budget_per_hour=budget, audit_share=0.3), random.Random(seed))
    start = AT.replace(minute=0)
    cases = [
        RoutingCase(f"c:{i}", start + timedelta(seconds=i * 10), s, inspection_factor=factor)
        for i, s in enumerate(scores)
    ]
    decisions = router.route_all(cases)
    for hour in router.hours:
        assert hour.secondary - hour.alerts <= budget
    for decision in decisions:
        assert decision.secondary_probability <= factor + 1e-12
        chance = (
            decision.secondary_probability
            if decision.lane is Lane.SECONDARY
            else 1 - decision.secondary_probability
        )
        assert decision.selection_probability == pytest.approx(chance)
        assert decision.cause is not Cause.ALERT


def test_a_referral_goes_to_secondary_like_an_alert_with_its_reason() -> None:
    router = BudgetedRouter(RoutingPolicy(budget_per_hour=0), random.Random(1))
    decision = router.route(RoutingCase("c:1", AT, 0.0, referrals=("membership m:1 suspended by MEX",)))
    assert decision.lane is Lane.SECONDARY and decision.cause is Cause.REFERRED
    assert decision.reasons[0] == "membership m:1 suspended by MEX"
    assert decision.secondary_probability == 1.0
