"""The programs service behind the booth, partner notices and vetting, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from programs_fixtures import CANTU, OCAMPO, application, wanted_list

from cruce.core.dates import PartialDate
from cruce.core.markings import Marking
from cruce.matching.types import Feature
from cruce.programs.model import MembershipState, MembershipStatus, PartyRole
from cruce.programs.recognition import load_agreement
from cruce.programs.revetting import RevetHit
from cruce.programs.standing import document_key
from cruce.programs.vetting import HistoryKind, Recommendation
from cruce.scoring.crossings import Crossing, Mode, Role, TravelDocument, Traveler
from cruce.scoring.lanes import Cause, Lane
from cruce.service.coordination import act_on_notices, booth_lane
from cruce.service.member_ports import (
    ProgramDirectory,
    ProgramSuspender,
    RevetDirectory,
    booth_directory,
    own_statuses,
)
from cruce.service.programs import Actor, ProgramService
from cruce.sharing.notices import Detail, HitNotice
from cruce.storage.audit import AuditLog
from cruce.storage.partners import PartnerStore
from cruce.storage.store import Store, open_store

AGREEMENT = load_agreement()
USA = Actor("ana", "USA")
MEX = Actor("mex.officer", "MEX")
PASSPORT = TravelDocument("passport", "G12345678", "MX", date(2031, 6, 30))
NOW = datetime.now(UTC)
CAN_MARK = Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        opened.save_import(wanted_list(OCAMPO, CANTU))  # vetting screens against the node's lists
        yield opened


def enrol(programs: ProgramService, actor: Actor, name: str) -> str:
    app = programs.apply(actor, application(name))
    assert programs.vet(actor, app.application_id).result.recommendation is Recommendation.CLEAR
    programs.decide(actor, app.application_id, "interview", "vetting clear")
    outcome = programs.decide(actor, app.application_id, "approve", "interviewed")
    assert outcome.membership is not None
    return outcome.membership.membership_id


def crossing(n: int, *documents: TravelDocument) -> Crossing:
    traveler = Traveler(f"t:{n}", "Lucía Fernanda Ibarra Quintero", Role.PEDESTRIAN, "MX",
                        PartialDate.parse("1983-04-23"), documents=documents)  # fmt: skip
    return Crossing(f"crossing:2504:{n}", "2504", "San Ysidro", NOW, Mode.PEDESTRIAN, (traveler,))


def notice(membership_id: str | None, country: str | None, subject: str, **details: str) -> HitNotice:
    return HitNotice(
        sender="CAN", list_id="ca-wanted", entity_id="ca-wanted:77", score=0.93, matched_at=NOW,
        marking=CAN_MARK, membership_id=membership_id, membership_country=country, subject_name=subject,
        details=tuple(Detail(k, v, CAN_MARK) for k, v in details.items()),
    )  # fmt: skip


def test_the_booth_finds_own_members_by_document_and_a_suspension_refers_them(store: Store) -> None:
    programs = ProgramService(store)
    member = enrol(programs, USA, "sentri-applicant")
    directory = ProgramDirectory(programs)
    found = directory.find([document_key("passport", "MX", "G12345678")])
    assert found is not None and found.membership_id == member and found.state is MembershipState.ACTIVE
    # The booth writes every document with its issuer; enrolment keeps a CURP without one: both find it.
    assert directory.find([document_key("curp", "MX", "IAQL830423MSRBNC07")]) == found
    assert directory.find([document_key("passport", "MX", "G00000000")]) is None
    booth = booth_directory(programs, PartnerStore(store.engine))
    first = booth_lane(crossing(1, PASSPORT), booth, AGREEMENT, "USA")
    assert first.lane is Lane.EXPEDITED, first.reasons

    outcome = programs.suspend_for_alert(member, reason="named by a list update")
    assert outcome.moved and outcome.alert_new
    assert directory.open_alerts(member) == 1
    after = booth_lane(crossing(2, PASSPORT), booth, AGREEMENT, "USA")
    assert after.lane is Lane.SECONDARY and after.cause is Cause.REFERRED
    assert f"{member} (USA) suspended" in after.reasons[0] and "named by a list update" in after.reasons[0]


def test_an_open_alert_on_an_active_member_takes_the_expedited_lane_away(store: Store) -> None:
    programs = ProgramService(store)
    member = enrol(programs, USA, "sentri-applicant")
    programs.suspend_for_alert(member, reason="a partner asked")
    programs.reinstate(USA, member, "reviewed, but the alert is still with an analyst")
    booth = booth_directory(programs, PartnerStore(store.engine))
    decision = booth_lane(crossing(3, PASSPORT), booth, AGREEMENT, "USA")
    assert decision.lane is not Lane.EXPEDITED and any("1 open alert" in r for r in decision.reasons)


def test_a_partner_notice_suspends_through_the_programs_service_once(store: Store) -> None:
    programs = ProgramService(store)
    member = enrol(programs, MEX, "viajero-applicant")
    suspender = ProgramSuspender(programs, "MEX")
    assert suspender.current("mex-nobody") is None
    assert suspender.current(member).state is MembershipState.ACTIVE  # type: ignore[union-attr]
    received = [notice(member, "MEX", "Maria Guadalupe Torres Ochoa", name="TORRES OCHOA, Maria Guadalupe")]
    (status,) = act_on_notices(received, suspender, "MEX", MEX.name)
    assert status.state is MembershipState.SUSPENDED and "CAN hit notice" in status.reason
    assert act_on_notices(received, suspender, "MEX", MEX.name) == []
    page = programs.member(MEX, member)
    assert [a.state for a in page.alerts] == [
        "open"
    ] and "CAN hit notice" in page.membership.record.state_reason
    actions = [r.event.action for r in AuditLog(store.engine).latest(3)]
    assert actions[-1] == "programs.suspend_for_alert"
    # What travels to partners is the programs service's status, with the subject they screen.
    ((shared, subject),) = own_statuses(programs, "MEX")
    assert shared.state is MembershipState.SUSPENDED and subject is not None
    assert subject.name == "Maria Guadalupe Torres Ochoa" and subject.birth_date == "1984-03-12"


def test_vetting_counts_the_hit_notices_partners_sent_this_node(store: Store) -> None:
    partners = PartnerStore(store.engine)
    partners.put_status(
        MembershipStatus("can-nexus-1", "nexus", "standard", "CAN", MembershipState.ACTIVE, NOW,
                         documents=(document_key("passport", "MX", "G12345678"),)),
        None, "CAN",
    )  # fmt: skip
    partners.put_notice(notice("can-nexus-1", "CAN", "L. F. Ibarra"))  # found by the member's passport
    partners.put_notice(notice(None, None, "Ernesto Ocampo Rivas", birth_date="1958-11-11"))  # someone else
    programs = ProgramService(store)
    app = programs.apply(USA, application("sentri-applicant"))
    result = programs.vet(USA, app.application_id).result
    assert result.recommendation is Recommendation.REFER
    (event,) = [e for p in result.parties for e in p.history]
    assert event.kind is HistoryKind.PARTNER_NOTICE and event.adverse and "same document" in event.detail
    assert any("CAN hit notice" in r for r in result.reasons)
    # Stored with the application: the officer reads it on the application's page later.
    (stored,) = programs.show(USA, app.application_id).vettings
    assert stored.result.parties[0].history[0].kind is HistoryKind.PARTNER_NOTICE


def test_a_notice_naming_the_applicant_counts_unless_the_birth_date_differs(store: Store) -> None:
    partners = PartnerStore(store.engine)
    partners.put_notice(notice(None, None, "Ibarra Quintero Lucia Fernanda", birth_date="1990-01-01"))
    programs = ProgramService(store)
    app = programs.apply(USA, application("sentri-applicant"))
    assert programs.vet(USA, app.application_id).result.recommendation is Recommendation.CLEAR
    mex_mark = Marking.parse("C//REL TO MEX, USA", owner="MEX")
    partners.put_notice(
        HitNotice(
            sender="MEX", list_id="mx-wanted", entity_id="mx-wanted:9", score=0.9,
            matched_at=NOW + timedelta(minutes=1), marking=mex_mark, membership_id=None,
            membership_country=None, subject_name="Lucía Fernanda Ibarra Quintero",
            details=(Detail("birth_date", "1983-04-23", mex_mark),),
        )
    )  # fmt: skip
    again = programs.vet(USA, app.application_id).result
    assert again.recommendation is Recommendation.REFER
    assert any("same name and birth date" in e.detail for p in again.parties for e in p.history)


def test_a_revetting_hit_delivered_twice_suspends_once_and_queues_one_alert(store: Store) -> None:
    programs = ProgramService(store)
    member = enrol(programs, USA, "sentri-applicant")
    directory = RevetDirectory(programs)
    (parties,) = list(directory.active_member_parties())
    assert parties.membership_id == member
    hit = RevetHit(
        key=f"run:7:{member}:applicant:Lucía Fernanda Ibarra Quintero:mx-wanted:3", run_id=7,
        membership_id=member, program_id="sentri", country="USA", party_role=PartyRole.APPLICANT,
        party_name="Lucía Fernanda Ibarra Quintero", list_id="mx-wanted", entity_id="mx-wanted:3",
        entity_caption="IBARRA QUINTERO, Lucia Fernanda", score=0.97,
        matched_name="IBARRA QUINTERO, Lucia Fernanda", matcher="cruce-names 2.0 @0.80",
        features=(Feature("name", 0.97, "same names in another order"),),
    )  # fmt: skip
    audit = AuditLog(store.engine)
    before = len(audit.latest(100))
    directory.suspend_for_alert(member, hit, "system:revetting")
    directory.suspend_for_alert(member, hit, "system:revetting")  # after a crash: the same hit again
    page = programs.member(USA, member)
    assert page.membership.state is MembershipState.SUSPENDED
    (alert,) = page.alerts
    assert (alert.entity_id, alert.state, alert.created_by) == ("mx-wanted:3", "open", "system:revetting")
    assert len(audit.latest(100)) == before + 1  # the repeat left no trace
    assert "re-vetting: applicant" in page.membership.record.state_reason
    assert list(directory.active_member_parties()) == []  # a suspended member is not re-vetted
