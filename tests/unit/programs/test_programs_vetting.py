"""Vetting, pure: every party against the lists and its history; it recommends with reasons, never decides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from cruce.core.dates import PartialDate
from cruce.core.model import Entity, Identifier, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.matching.types import Query
from cruce.programs.model import Party, PartyRole
from cruce.programs.vetting import HistoryEvent, HistoryKind, NoHistory, Recommendation, vet

T0 = datetime(2026, 3, 1, tzinfo=UTC)
LISTED = Entity(
    id="mx-wanted:1", schema=Schema.PERSON, list_id="mx-wanted", source_id="1",
    names=(Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos"),),
    birth_dates=(PartialDate(1975, 3, 2),), nationalities=("MX",),
    identifiers=(Identifier("curp", "HELJ750302HSLRPN03", "MX"),),
)  # fmt: skip
COMPANY = Entity(id="mx-wanted:2", schema=Schema.ORGANIZATION, list_id="mx-wanted", source_id="2",
                 names=(Name("TRANSPORTES DEL NORTE ALFA, S.A. DE C.V."),))  # fmt: skip
MATCHER = Matcher([LISTED, COMPANY])


def person(name: str, born: PartialDate | None = None, *ids: Identifier) -> Query:
    return Query(name, schema=Schema.PERSON, birth_date=born, countries=("MX",), identifiers=ids)


class Recorded:
    """A history port holding events by party name."""

    def __init__(self, events: dict[str, list[HistoryEvent]]) -> None:
        self.events = events
        self.asked: list[str] = []

    def events_for(self, party: Party) -> Sequence[HistoryEvent]:
        self.asked.append(party.query.name)
        return self.events.get(party.query.name, [])


def test_a_listed_party_is_found_with_the_matchers_reasons_and_the_rest_is_clear() -> None:
    parties = [
        Party(PartyRole.COMPANY, Query("Fletes Rojo del Oeste", schema=Schema.ORGANIZATION)),
        Party(PartyRole.OFFICER, person("Juan Carlos Hernández", PartialDate(1975, 3, 2),
                                        Identifier("curp", "HELJ750302HSLRPN03", "MX"))),
        Party(PartyRole.DRIVER, person("Lucía Fernanda Ibarra Quintero", PartialDate(1983, 4, 23))),
    ]  # fmt: skip
    history = Recorded({})
    result = vet(parties, MATCHER, history, lists=["mx-wanted@1"], at=T0)
    assert result.recommendation is Recommendation.REFER
    assert [p.role for p in result.parties] == [PartyRole.COMPANY, PartyRole.OFFICER, PartyRole.DRIVER]
    assert history.asked == [p.query.name for p in parties]  # every party's history was read
    company, officer, driver = result.parties
    assert company.hits == () and driver.hits == ()
    (hit,) = officer.alerts
    assert hit.entity_id == LISTED.id and hit.list_id == "mx-wanted" and hit.score >= MATCHER.threshold
    assert hit.reasons[0].startswith(("name:", "identifier:"))
    assert any("birth date 1975-03-02 agrees" in r for r in hit.reasons)
    expected = "officer 'Juan Carlos Hernández' matches 'HERNANDEZ LOPEZ, Juan Carlos' (mx-wanted:1)"
    assert result.reasons == (f"{expected} at {hit.score:.2f}",)
    assert result.lists == ("mx-wanted@1",) and result.entities == 2 and result.alerts == 1
    assert result.matcher.startswith("cruce-names")


def test_a_namesake_born_decades_apart_is_not_an_alert() -> None:
    result = vet([Party(PartyRole.APPLICANT, person("Juan Carlos Hernández López", PartialDate(2001, 7, 9)))],
                 MATCHER, NoHistory(), lists=[], at=T0)  # fmt: skip
    assert result.alerts == 0


def test_adverse_history_refers_and_harmless_history_is_listed_only() -> None:
    name = "Lucía Fernanda Ibarra Quintero"
    events = {
        name: [
            HistoryEvent(HistoryKind.CROSSING, date(2025, 1, 5), "San Ysidro, primary, released"),
            HistoryEvent(
                HistoryKind.INSPECTION, date(2025, 2, 1), "secondary at Otay Mesa", outcome="no finding"
            ),
        ]
    }
    party = Party(PartyRole.APPLICANT, person(name, PartialDate(1983, 4, 23)))
    clear = vet([party], MATCHER, Recorded(events), lists=[], at=T0)
    assert clear.recommendation is Recommendation.CLEAR and len(clear.parties[0].history) == 2
    assert clear.reasons == ("no list hit and no adverse history for 1 party",)
    events[name].append(
        HistoryEvent(HistoryKind.SEIZURE, date(2025, 6, 1), "undeclared currency", adverse=True)
    )
    referred = vet([party], MATCHER, Recorded(events), lists=[], at=T0)
    assert referred.recommendation is Recommendation.REFER
    assert referred.reasons == (f"applicant {name!r}: seizure on 2025-06-01: undeclared currency",)
