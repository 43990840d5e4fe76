"""Crossing risk rules: each fires on what it says, says why in a sentence, and the score combines them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cruce.scoring.crossing_rules import (
    DEFAULT_RULES,
    CrossingFacts,
    CrossingRules,
    PartyScreening,
    combine,
    routing_case,
)
from cruce.scoring.crossings import (
    CargoRecord,
    Crossing,
    Mode,
    Role,
    TravelDocument,
    Traveler,
    Vehicle,
    VehicleHistory,
)
from cruce.scoring.lanes import ProgramStanding

DAY = datetime(2025, 6, 4, 15, 30, tzinfo=UTC)
VALID = TravelDocument("passport", "G12345678", "MX", date(2030, 1, 1))
EXPIRED = TravelDocument("border_crossing_card", "ABC123456789", "US", date(2024, 3, 15))
CAR = Vehicle("8ABC123", "US-CA", "1FTFW1E50JFA00000", "car")
KNOWN = VehicleHistory(prior_crossings=40)


def traveler(
    name: str = "Ana Ruiz Soto", role: Role = Role.DRIVER, docs: tuple[TravelDocument, ...] = (VALID,)
) -> Traveler:
    return Traveler(f"t:{name}", name, role, "MX", documents=docs)


def crossing(
    *travelers: Traveler,
    mode: Mode = Mode.PASSENGER_VEHICLE,
    vehicle: Vehicle | None = CAR,
    cargo: CargoRecord | None = None,
    trusted: str | None = None,
) -> Crossing:
    return Crossing(
        "crossing:t:1", "2504", "San Ysidro", DAY, mode, travelers or (traveler(),), vehicle, cargo, trusted
    )


def assess(facts: CrossingFacts) -> dict[str, str]:
    return {h.name: h.reason for h in CrossingRules().assess(facts).hits}


def test_a_clean_known_crossing_scores_zero_with_no_reasons() -> None:
    result = CrossingRules().assess(CrossingFacts(crossing(), (), KNOWN))
    assert result.score == 0.0 and result.hits == () and result.reasons == []


def test_watchlist_alert_scores_one_is_an_alert_and_names_who_matched_whom() -> None:
    screening = PartyScreening(
        "passenger", "MAURO RIOS P.", 0.94, True, "synthetic-watchlist:468", "Mauro Ríos Peralta"
    )
    result = CrossingRules().assess(CrossingFacts(crossing(), (screening,), KNOWN))
    assert result.score == 1.0
    assert [h.name for h in result.alerts] == ["watchlist_alert"]
    assert result.alerts[0].reason == (
        "watchlist alert: passenger 'MAURO RIOS P.' matches 'Mauro Ríos Peralta' "
        "(synthetic-watchlist:468, score 0.94)"
    )


@pytest.mark.parametrize(("score", "fires"), [(0.64, False), (0.65, True), (0.79, True), (0.80, False)])
def test_near_threshold_screening_fires_just_below_the_alert_threshold(score: float, fires: bool) -> None:
    screening = PartyScreening("driver", "Juan Sandoval", score, score >= 0.8, "l:1", "Juan Sandoval Cortés")
    hits = assess(CrossingFacts(crossing(), (screening,), KNOWN, alert_threshold=0.80))
    assert ("near_threshold_screening" in hits) is fires
    if fires:
        assert (
            f"scores {score:.2f} against 'Juan Sandoval Cortés' (alert at 0.80)"
            in hits["near_threshold_screening"]
        )


def test_document_rules_expired_only_when_no_valid_document_and_missing_when_none() -> None:
    expired_only = traveler("Eva Luna", docs=(EXPIRED,))
    with_valid = traveler("Eva Luna", docs=(EXPIRED, VALID))
    hits = assess(CrossingFacts(crossing(expired_only), (), KNOWN))
    assert hits["expired_document"] == (
        "expired document: driver 'Eva Luna' presented a border crossing card that expired on 2024-03-15"
    )
    assert "expired_document" not in assess(CrossingFacts(crossing(with_valid), (), KNOWN))
    passenger = traveler("Leo Paz", Role.PASSENGER, docs=())
    hits = assess(CrossingFacts(crossing(traveler(), passenger), (), KNOWN))
    assert hits["missing_document"] == "no travel document: passenger 'Leo Paz'"


def test_vehicle_rules_prior_seizure_and_unknown_vehicle() -> None:
    seized = VehicleHistory(prior_crossings=12, prior_seizures=1, last_seizure=date(2023, 2, 1))
    hits = assess(CrossingFacts(crossing(), (), seized))
    assert hits["prior_seizure_vehicle"] == "plate 8ABC123 (US-CA) was seized once before, last on 2023-02-01"
    hits = assess(CrossingFacts(crossing(), (), None))
    assert hits == {"unknown_vehicle": "first crossing of an unknown vehicle: plate 8ABC123 (US-CA)"}
    assert assess(CrossingFacts(crossing(mode=Mode.PEDESTRIAN, vehicle=None), (), None)) == {}


def test_transshipment_fires_on_goods_from_outside_the_three_partners() -> None:
    def cargo(origin: str) -> CargoRecord:
        return CargoRecord(
            "Imp", "Ship", "Cons", "Carr", "852872", "television receivers", origin, "MX", 9000.0, 72000.0
        )

    truck = Vehicle("ABC-123-A", "MX-BC", "1XKAD49X0CJ000000", "truck", "Carr")
    assert "transshipment" in assess(CrossingFacts(crossing(vehicle=truck, cargo=cargo("VN")), (), KNOWN))
    assert "transshipment" not in assess(CrossingFacts(crossing(vehicle=truck, cargo=cargo("MX")), (), KNOWN))


def test_score_is_a_noisy_or_of_the_weights_and_reasons_come_strongest_first() -> None:
    facts = CrossingFacts(crossing(traveler(docs=(EXPIRED,))), (), None)  # expired 0.30 + unknown 0.15
    result = CrossingRules().assess(facts)
    assert result.score == pytest.approx(1 - 0.7 * 0.85)
    assert result.reasons[0].startswith("expired document") and result.reasons[0].endswith("(+0.30)")
    assert combine([]) == 0.0 and combine([1.0, 0.3]) == 1.0


def test_weights_can_be_changed_by_name_and_bad_rules_are_refused() -> None:
    rules = CrossingRules().with_weights({"unknown_vehicle": 0.5})
    assert rules.assess(CrossingFacts(crossing(), (), None)).score == 0.5
    with pytest.raises(ValueError, match="unknown rules"):
        CrossingRules().with_weights({"nope": 0.1})
    with pytest.raises(ValueError, match="weight"):
        CrossingRules().with_weights({"unknown_vehicle": 0.0})
    assert all(r.description and 0 < r.weight <= 1 for r in DEFAULT_RULES)


def test_routing_case_keeps_alerts_apart_and_counts_every_hit() -> None:
    screening = PartyScreening("driver", "X", 0.9, True, "l:1", "Y")
    c = crossing(trusted="SENTRI")
    result = CrossingRules().assess(CrossingFacts(c, (screening,), None))
    assert routing_case(c, result).trusted_program is None  # a presented card alone is only a claim
    standing = ProgramStanding("SENTRI sentri:USA:1", 0.5, ("driver: suspended",), ("a note",))
    routed = routing_case(c, result, standing)
    assert routed.alerts == (result.alerts[0].reason,)
    assert routed.hits == 2 and routed.trusted_program == "SENTRI sentri:USA:1"
    assert (routed.referrals, routed.inspection_factor, routed.standing) == (
        ("driver: suspended",),
        0.5,
        ("a note",),
    )
    assert routed.reasons == ("first crossing of an unknown vehicle: plate 8ABC123 (US-CA) (+0.15)",)
