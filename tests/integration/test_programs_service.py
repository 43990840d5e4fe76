"""Trusted programs through `ProgramService` on a real database (SQLite, and PostgreSQL when it answers):
enrolment, vetting, decisions, the member's life, the country partition, and what re-vetting and lanes use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from programs_fixtures import CANTU, HERNANDEZ, OCAMPO, application, listed_person, wanted_list
from sqlalchemy import func, select

from cruce.core.errors import InputError, NotFoundError
from cruce.core.model import Identifier
from cruce.matching.types import Query
from cruce.programs.applications import ApplicationError
from cruce.programs.lifecycle import TransitionError
from cruce.programs.model import ApplicationState, MembershipState, PartyRole
from cruce.programs.vetting import Recommendation
from cruce.service.programs import Actor, ProgramService
from cruce.storage.alerts import AlertStore
from cruce.storage.audit import AuditLog
from cruce.storage.store import Store, open_store
from cruce.storage.tables import ProgramTransitionRow

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
USA = Actor("officer.usa", "USA")
MEX = Actor("oficial.mex", "MEX")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        opened.save_import(wanted_list(HERNANDEZ, OCAMPO, CANTU))
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(store: Store, clock: Clock) -> ProgramService:
    return ProgramService(store, clock=clock)


def enrol(service: ProgramService, name: str = "sentri-applicant", actor: Actor = USA) -> str:
    """Apply, vet, interview, approve: the membership id."""
    record = service.apply(actor, application(name))
    service.vet(actor, record.application_id)
    service.decide(actor, record.application_id, "interview", "vetting clear")
    outcome = service.decide(actor, record.application_id, "approve", "interviewed, documents seen")
    assert outcome.membership is not None
    return outcome.membership.membership_id


def test_an_application_goes_from_submitted_to_an_active_membership_with_every_step_recorded(
    service: ProgramService, store: Store, clock: Clock
) -> None:
    record = service.apply(USA, application("sentri-applicant"))
    assert record.state is ApplicationState.SUBMITTED and record.country == "USA"
    vetted = service.vet(USA, record.application_id)
    assert vetted.application.state is ApplicationState.VETTING
    assert vetted.result.recommendation is Recommendation.CLEAR
    assert vetted.result.lists == ("mx-wanted@1",)
    service.decide(USA, record.application_id, "interview", "vetting clear")
    outcome = service.decide(USA, record.application_id, "approve", "interviewed, documents seen")
    membership = outcome.membership
    assert membership is not None and membership.state is MembershipState.ACTIVE
    assert membership.membership_id.startswith("usa-sentri-")
    # Five years by default.
    assert membership.record.expires_at.year == membership.record.issued_at.year + 5
    detail = service.show(USA, record.application_id)
    moves = [(t.subject.value, t.from_state, t.to_state, t.actor) for t in detail.transitions]
    assert moves == [
        ("application", None, "submitted", "officer.usa"),
        ("application", "submitted", "vetting", "officer.usa"),
        ("application", "vetting", "interview", "officer.usa"),
        ("application", "interview", "approved", "officer.usa"),
        ("membership", None, "active", "officer.usa"),
    ]
    assert [t.reason for t in detail.transitions][-1] == "interviewed, documents seen"
    actions = [r.event.action for r in AuditLog.of(store).records(country="USA")]
    assert actions == [
        "programs.apply",
        "programs.vet",
        "programs.interview",
        "programs.approve",
        "programs.grant",
    ]


def test_vetting_finds_a_listed_applicant_with_the_matchers_reasons_and_only_recommends(
    service: ProgramService,
) -> None:
    record = service.apply(USA, application("listed-applicant"))
    result = service.vet(USA, record.application_id).result
    (stored,) = service.show(USA, record.application_id).vettings
    assert stored.result == result and stored.vetted_by == "officer.usa"  # kept whole
    assert result.recommendation is Recommendation.REFER
    (party,) = result.parties
    (hit,) = party.alerts
    assert hit.entity_id == HERNANDEZ.id
    assert any(r.startswith("name:") for r in hit.reasons)
    assert any("HELJ750302HSLRPN03" in r for r in hit.reasons)  # the CURP matched, and it says so
    # The officer decides: a referral does not deny by itself, and a denial needs a reason.
    assert service.show(USA, record.application_id).record.state is ApplicationState.VETTING
    with pytest.raises(TransitionError, match="reason"):
        service.decide(USA, record.application_id, "deny", "  ")
    denied = service.decide(USA, record.application_id, "deny", "confirmed match on the wanted list")
    assert denied.application.state is ApplicationState.DENIED and denied.membership is None


def test_every_party_of_a_company_application_is_screened(service: ProgramService) -> None:
    record = service.apply(MEX, application("oea-company"))
    result = service.vet(MEX, record.application_id).result
    roles = {p.role for p in result.parties}
    assert roles == {PartyRole.COMPANY, PartyRole.OFFICER, PartyRole.DRIVER, PartyRole.VEHICLE,
                     PartyRole.VEHICLE_OWNER, PartyRole.FACILITY}  # fmt: skip
    alerted = {(p.role, h.entity_id) for p in result.parties for h in p.alerts}
    assert alerted == {(PartyRole.DRIVER, OCAMPO.id), (PartyRole.OFFICER, CANTU.id)}
    assert result.recommendation is Recommendation.REFER


def test_approval_needs_vetting_and_an_interview(service: ProgramService) -> None:
    record = service.apply(USA, application("sentri-applicant"))
    with pytest.raises(TransitionError, match="cannot become approved"):
        service.decide(USA, record.application_id, "approve", "looks fine")
    with pytest.raises(TransitionError, match="cannot become interview"):
        service.decide(USA, record.application_id, "interview", "skip vetting")
    assert service.show(USA, record.application_id).record.state is ApplicationState.SUBMITTED


def test_another_countrys_application_and_membership_are_not_found(service: ProgramService) -> None:
    membership_id = enrol(service)
    application_id = service.member(USA, membership_id).application.application_id
    for call in (
        lambda: service.show(MEX, application_id),
        lambda: service.vet(MEX, application_id),
        lambda: service.decide(MEX, application_id, "deny", "no"),
        lambda: service.member(MEX, membership_id),
        lambda: service.suspend(MEX, membership_id, "no"),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        # "not yours" reads exactly like "missing"
        assert caught.value.message in (
            f"no application {application_id!r}",
            f"no membership {membership_id!r}",
        )
    assert service.applications(MEX).items == []
    assert service.memberships(MEX).items == []
    with pytest.raises(NotFoundError) as missing:
        service.show(USA, "application:nope")
    assert missing.value.message == "no application 'application:nope'"


def test_a_duplicate_of_an_active_member_names_the_document(service: ProgramService) -> None:
    membership_id = enrol(service)
    with pytest.raises(ApplicationError) as caught:
        service.apply(USA, application("sentri-applicant"))
    assert caught.value.field == "applicant.documents[0].number"
    assert membership_id in caught.value.message
    # Once revoked, the person may apply again.
    service.revoke(USA, membership_id, "fraudulent address")
    again = service.apply(USA, application("sentri-applicant"))
    # ...and vetting shows the revocation as adverse history.
    result = service.vet(USA, again.application_id).result
    assert result.recommendation is Recommendation.REFER
    assert [e.kind.value for e in result.parties[0].adverse] == ["revocation"]


def test_a_program_of_another_country_is_refused(service: ProgramService) -> None:
    with pytest.raises(ApplicationError, match="run by USA") as caught:
        service.apply(MEX, application("sentri-applicant"))
    assert caught.value.field == "program"


def test_membership_life_suspend_reinstate_renew_revoke(service: ProgramService, clock: Clock) -> None:
    membership_id = enrol(service)
    assert service.suspend(USA, membership_id, "pending review").state is MembershipState.SUSPENDED
    with pytest.raises(TransitionError, match="only an active or expired"):
        service.renew(USA, membership_id, "renew")
    assert service.reinstate(USA, membership_id, "cleared").state is MembershipState.ACTIVE
    with pytest.raises(TransitionError, match="renewal opens"):
        service.renew(USA, membership_id, "too early")
    clock.now += timedelta(days=5 * 365 + 30)  # past the expiry
    view = service.memberships(USA).items[0]
    assert view.state is MembershipState.EXPIRED  # read as expired before housekeeping records it
    assert [v.membership_id for v in service.expire_due()] == [membership_id]
    renewed = service.renew(USA, membership_id, "renewal after interview")
    assert renewed.state is MembershipState.ACTIVE and renewed.record.expires_at > clock.now + timedelta(
        days=4 * 365
    )
    assert service.revoke(USA, membership_id, "fraud").state is MembershipState.REVOKED
    for move in (service.reinstate, service.suspend, service.renew, service.revoke):
        with pytest.raises(TransitionError):
            move(USA, membership_id, "again")
    states = [
        t.to_state for t in service.member(USA, membership_id).transitions if t.subject.value == "membership"
    ]
    assert states == ["active", "suspended", "active", "expired", "active", "revoked"]


def test_suspend_for_alert_suspends_queues_the_alert_with_context_and_audits_at_once(
    service: ProgramService, store: Store
) -> None:
    membership_id = enrol(service)
    party = next(iter(service.active_member_parties()))
    assert party.membership_id == membership_id
    from cruce.matching.matcher import Matcher

    # A list update names the member: what re-vetting would find, screening the member's party against it.
    listed = listed_person(
        "9", "IBARRA QUINTERO, Lucia Fernanda", "IBARRA QUINTERO", "Lucia Fernanda", "1983-04-23"
    )
    (match,) = Matcher([listed]).screen(party.parties[0].query, top=1)
    assert match.alert
    outcome = service.suspend_for_alert(membership_id, reason="named on mx-wanted@2", match=match,
                                        party=party.parties[0])  # fmt: skip
    assert outcome.moved and outcome.membership.state is MembershipState.SUSPENDED and outcome.alert_new
    alert = AlertStore(store.engine).alert(outcome.alert_id or "")
    assert alert.country == "USA" and alert.kind == "membership"
    assert alert.person["membership_id"] == membership_id and alert.person["program_id"] == "sentri"
    assert alert.entity_id == listed.id
    page = service.member(USA, membership_id)
    assert [a.alert_id for a in page.alerts] == [outcome.alert_id]
    assert page.transitions[-1].actor == "re-vetting"
    assert list(service.active_member_parties()) == []
    # Suspended already: no second move, the alert is the same open one.
    again = service.suspend_for_alert(
        membership_id, reason="named again", match=match, party=party.parties[0]
    )
    assert not again.moved and again.alert_id == outcome.alert_id and not again.alert_new
    actions = [r.event.action for r in AuditLog.of(store).records(country="USA")][-2:]
    assert actions == ["programs.suspend_for_alert", "programs.suspend_for_alert"]


def test_a_failed_audit_append_leaves_the_membership_as_it_was(
    service: ProgramService, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    membership_id = enrol(service)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(AuditLog, "append_on", broken)
    with pytest.raises(RuntimeError):
        service.suspend(USA, membership_id, "pending review")
    monkeypatch.undo()
    assert service.member(USA, membership_id).membership.state is MembershipState.ACTIVE
    with store.engine.connect() as conn:
        moves = conn.scalar(select(func.count()).select_from(ProgramTransitionRow))
    assert moves == 5  # apply, vet, interview, approve, grant: no orphan suspension


def test_membership_for_finds_a_member_by_document_or_name(service: ProgramService) -> None:
    membership_id = enrol(service)
    by_doc = service.membership_for(documents=[Identifier("passport", "G 1234-5678", "MX")])
    assert [m.membership.membership_id for m in by_doc] == [membership_id]
    assert by_doc[0].membership.tier.inspection_rate_factor == 0.2
    assert service.membership_for(documents=[Identifier("passport", "G12345678", "US")]) == []
    by_name = service.membership_for(name="lucía fernanda  IBARRA quintero")
    assert [(m.membership.membership_id, m.matched_on) for m in by_name] == [(membership_id, "name")]
    status = service.status(membership_id)
    assert status.documents == ("curp::IAQL830423MSRBNC07", "passport:MEX:G12345678")
    assert status.expires_at == by_doc[0].membership.record.expires_at
    assert (
        status.state is MembershipState.ACTIVE and status.country == "USA" and status.program_id == "sentri"
    )
    service.suspend(USA, membership_id, "pending review")
    assert (
        service.membership_for(documents=["curp::IAQL830423MSRBNC07"])[0].membership.state
        is MembershipState.SUSPENDED
    )


def test_two_officers_deciding_at_once_cannot_both_win(service: ProgramService, store: Store) -> None:
    record = service.apply(USA, application("sentri-applicant"))
    service.vet(USA, record.application_id)
    other = ProgramService(store)
    stale = other.db.application(record.application_id, "USA")
    service.decide(USA, record.application_id, "deny", "incomplete interview")
    from cruce.programs.lifecycle import move_application

    transition = move_application(record.application_id, stale.state, ApplicationState.INTERVIEW,
                                  actor="officer.two", reason="ok", at=T0, vetted=True)  # fmt: skip
    with pytest.raises(InputError, match="denied now, not vetting") as caught:
        other.db.move_application(record.application_id, "USA", transition, [])
    assert caught.value.code == "conflict"


def test_active_member_parties_carry_every_party_of_a_company(service: ProgramService) -> None:
    record = service.apply(MEX, application("oea-company"))
    service.vet(MEX, record.application_id)
    service.decide(MEX, record.application_id, "interview", "officers and driver cleared in interview")
    service.decide(MEX, record.application_id, "approve", "site visit done")
    (member,) = list(service.active_member_parties(country="MEX"))
    assert member.country == "MEX" and member.program_id == "oea"
    assert [p.role.value for p in member.parties] == [
        "company", "officer", "driver", "vehicle", "vehicle", "vehicle_owner", "facility",
    ]  # fmt: skip
    assert member.parties[0].query == Query(
        "Fletes Rojo del Oeste, S.A. de C.V.", schema=member.parties[0].query.schema, countries=("MX",),
        identifiers=(Identifier("rfc", "FRO050607Q20", None),),
    )  # fmt: skip
    assert list(service.active_member_parties(country="USA")) == []
