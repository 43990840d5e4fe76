"""Joint response on real SQLite and real PostgreSQL: incidents partitioned by country, sitreps at the tear
line, assistance between partners, rescues, repatriation receipts, migrants' data for its purpose only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Classification
from cruce.respond.humanitarian import PersonRecord, Purpose, ScreeningResult
from cruce.service.respond import RespondForbiddenError, RespondService
from cruce.sharing.access import Role
from cruce.storage import open_store
from cruce.storage.assess import TABLES, RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import Account

S, C = Classification.SECRET, Classification.CONFIDENTIAL


def _account(user: str, country: str, clearance: Classification = S, *roles: Role) -> Account:
    return Account(user, f"{country.lower()}-gov", country, country, clearance,
                   frozenset(roles or (Role.ANALYST, Role.RELEASING_OFFICER)))  # fmt: skip


USA = _account("ana", "USA")
USA_LOW = _account("carl", "USA", C, Role.ANALYST)
MEX = _account("maria", "MEX")
CAN = _account("claire", "CAN")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def node(database_url: str) -> Iterator[tuple[RespondService, Clock, AuditLog]]:
    clock = Clock()
    with open_store(database_url) as store:
        audit = AuditLog(store.engine)
        yield RespondService(RespondStore(store.engine), audit, clock=clock), clock, audit


def _count(service: RespondService, table: str) -> int:
    with service.store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(TABLES[table])) or 0)


def test_sitrep_partner_reads_its_tear_line_and_a_noforn_incident_is_not_found(node) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = node
    shared = service.open_incident(
        USA, kind="hurricane", name="Hurricane Beryl", marking="C//REL TO USA, MEX, CAN"
    )
    report = service.write_sitrep(USA, shared.incident_id, "Sitrep 1", [
        ("S//NOFORN", "Substation 2301's backup generator failed to start."),
        ("S//REL TO USA, MEX", "Brownsville is closed; traffic diverts to Hidalgo and Progreso."),
        ("U", "Expect waits of three hours at Hidalgo."),
    ])  # fmt: skip
    assert len(report.portions) == 3
    mex = service.sitreps(MEX, shared.incident_id)
    assert [text for _, text in mex[0].portions] == [
        "Brownsville is closed; traffic diverts to Hidalgo and Progreso.",
        "Expect waits of three hours at Hidalgo.",
    ]
    assert mex[0].withheld == 1 and "NOFORN" not in mex[0].banner and mex[0].banner.startswith("SECRET")
    can = service.sitreps(CAN, shared.incident_id)
    assert [text for _, text in can[0].portions] == ["Expect waits of three hours at Hidalgo."]
    assert all("backup generator" not in e.text for e in service.timeline(MEX, shared.incident_id))

    home = service.open_incident(USA, kind="cyber_attack", name="Grid intrusion", marking="S//NOFORN")
    with pytest.raises(NotFoundError) as not_yours:
        service.incident(MEX, home.incident_id)
    with pytest.raises(NotFoundError) as missing:
        service.incident(MEX, "incident:doesnotexist")
    assert type(not_yours.value) is type(missing.value)
    assert [i.incident_id for i in service.incidents(MEX)] == [shared.incident_id]
    assert {i.incident_id for i in service.incidents(USA)} == {shared.incident_id, home.incident_id}
    with pytest.raises(NotFoundError):
        service.sitreps(MEX, home.incident_id)


def test_sitrep_above_the_writers_clearance_is_refused_audited_and_nothing_stored(node) -> None:  # type: ignore[no-untyped-def]
    service, _, audit = node
    incident = service.open_incident(USA_LOW, kind="flood", name="Rio Grande flood", marking="C")
    with pytest.raises(RespondForbiddenError, match="clearance CONFIDENTIAL is below the content's SECRET"):
        service.write_sitrep(USA_LOW, incident.incident_id, "Sitrep", [("S", "levee breach at mile 12")])
    assert service.sitreps(USA, incident.incident_id) == []
    assert _count(service, "incident_entries") == 0
    denied = [r.event for r in audit.records() if r.event.outcome == "denied"]
    assert denied and "clearance" in denied[-1].reason and denied[-1].country == "USA"
    # An analyst without the releasing-officer role cannot release to a partner either.
    with pytest.raises(RespondForbiddenError, match="releasing_officer"):
        service.write_sitrep(
            USA_LOW, incident.incident_id, "Sitrep", [("C//REL TO USA, MEX", "bridge closed")]
        )
    with pytest.raises(InputError, match="portion 1"):
        service.write_sitrep(USA, incident.incident_id, "Sitrep", [("S//NOFORN//REL TO USA, MEX", "x")])


def test_assistance_goes_asked_offered_accepted_delivered_between_the_two_partners_only(node) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = node
    incident = service.open_incident(USA, kind="hurricane", name="Beryl", marking="C//REL TO USA, MEX, CAN")
    asked = service.request_assistance(USA, incident.incident_id, "MEX", "two water tankers at Brownsville")
    with pytest.raises(InputError, match="only when offered"):
        service.advance(USA, asked.request_id, "accepted")
    with pytest.raises(RespondForbiddenError, match="of MEX"):
        service.advance(USA, asked.request_id, "offered")
    service.advance(MEX, asked.request_id, "offered")
    service.advance(USA, asked.request_id, "accepted")
    done = service.advance(MEX, asked.request_id, "delivered")
    assert [s for s, _, _ in done.history] == ["asked", "offered", "accepted", "delivered"]
    assert [a.request_id for a in service.assistance_of(MEX)] == [asked.request_id]
    with pytest.raises(NotFoundError):
        service.assistance(CAN, asked.request_id)
    assert service.assistance_of(CAN) == []


def test_rescue_data_is_read_for_its_purpose_only_and_deleted_after_retention(node) -> None:  # type: ignore[no-untyped-def]
    service, clock, _ = node
    rescue = service.record_rescue(
        USA, occurred_at=clock.now - timedelta(days=2), latitude=31.9, longitude=-112.8, sector="Tucson",
        cause="heat", people=2, outcome="rescued",
        persons=[{"given_name": "Ana", "birth_year": 1990, "nationality": "GTM"},
                 {"given_name": "Luis", "nationality": "HND", "legal_hold": True}],
    )  # fmt: skip
    assert rescue.people == 2
    with pytest.raises(InputError, match="not kept: passport_number"):
        service.record_rescue(USA, occurred_at=clock.now, latitude=31.9, longitude=-112.8, sector="Tucson",
                              cause="heat", people=1, outcome="rescued",
                              persons=[{"given_name": "X", "passport_number": "G123"}])  # fmt: skip
    with pytest.raises(InputError, match="no location"):
        service.record_rescue(USA, occurred_at=clock.now, latitude=float("nan"), longitude=-112.8,
                              sector="Tucson", cause="heat", people=1, outcome="rescued")  # fmt: skip
    with service.store.engine.connect() as conn:
        refs = [r.person_ref for r in conn.execute(select(TABLES["person_records"]).order_by("given_name"))]
    person = service.person(USA, refs[0], "rescue")
    assert isinstance(person, PersonRecord) and person.given_name == "Ana"
    with pytest.raises(RespondForbiddenError, match="collected for rescue, not repatriation"):
        service.person(USA, refs[0], "repatriation")
    with pytest.raises(NotFoundError):
        service.person(MEX, refs[0], "rescue")
    assert service.heatmap(USA).loc["Tucson"].sum() == 2
    assert service.heatmap(MEX).empty

    clock.now += timedelta(days=100)  # past the 90 days of a rescue
    result = service.purge(USA)
    assert result.deleted == (refs[0],) and result.held == (refs[1],)
    assert _count(service, "person_records") == 1
    with pytest.raises(NotFoundError):
        service.person(USA, refs[0], "rescue")
    assert _count(service, "rescues") == 1  # the rescue itself (no personal data) stays for the heat map


def test_repatriation_is_screened_and_acknowledged_by_the_receiving_partner(node) -> None:  # type: ignore[no-untyped-def]
    service, clock, _ = node

    def screen(person: PersonRecord) -> ScreeningResult:
        assert Purpose.REPATRIATION in person.purposes
        return ScreeningResult(person.person_ref, person.given_name == "Flagged", "list hit")

    transfer = service.repatriate(
        USA, to_country="MEX", port="Nogales", handover_at=clock.now + timedelta(hours=3),
        manifest=[{"given_name": "Rosa", "nationality": "MEX"},
                  {"given_name": "Flagged", "nationality": "MEX"}],
        screen=screen,
    )  # fmt: skip
    assert transfer.people == 2 and transfer.alerts == 1 and not transfer.acknowledged
    with pytest.raises(NotFoundError):
        service.repatriation(CAN, transfer.transfer_id)
    with pytest.raises(RespondForbiddenError, match="only MEX"):
        service.acknowledge(USA, transfer.transfer_id, 2)
    with pytest.raises(InputError, match="1 received, 2 on the manifest"):
        service.acknowledge(MEX, transfer.transfer_id, 1)
    receipt = service.acknowledge(MEX, transfer.transfer_id, 2)
    assert receipt.acknowledged and receipt.receipt_by == "maria"
    assert service.repatriation(USA, transfer.transfer_id).acknowledged  # the sender sees the receipt
    with pytest.raises(InputError, match="already"):
        service.acknowledge(MEX, transfer.transfer_id, 2)


def test_a_published_sitrep_holds_each_partners_tear_line_as_stix_for_sync(node) -> None:  # type: ignore[no-untyped-def]
    import json

    from cruce.service.sharing import ForbiddenError
    from cruce.sharing.exchange import ObjectFilter
    from cruce.storage.sharing import SharingStore

    service, _, audit = node
    sharing = SharingStore(service.store.engine)
    sharing.add_collection("border", "Border partners")
    for user in ("ana", "carl"):
        sharing.grant("border", f"user:{user}", read=True, write=True)
    incident = service.open_incident(USA, kind="hurricane", name="Beryl", marking="C//REL TO USA, MEX")
    report = service.write_sitrep(USA, incident.incident_id, "Sitrep 1", [
        ("S//NOFORN", "The source inside the utility says the backup was sabotaged."),
        ("S//REL TO USA, MEX", "Brownsville is closed; traffic diverts to Hidalgo."),
    ])  # fmt: skip
    published = service.publish_sitrep(USA, report.entry_id, sharing, "border")
    assert published.released_to == ("MEX",)
    reports = [
        json.loads(o.data)
        for o in sharing.page("border", ObjectFilter(types=frozenset({"report"})), None).objects
    ]
    mex = [r for r in reports if r.get("x_cruce_partner") == "MEX"]
    assert len(mex) == 1 and mex[0]["x_cruce_product_id"] == report.entry_id
    assert "Brownsville is closed; traffic diverts to Hidalgo." in json.dumps(mex[0])
    assert "sabotaged" not in json.dumps(mex[0])
    with pytest.raises(ForbiddenError, match="releasing_officer"):
        service.publish_sitrep(USA_LOW, report.entry_id, sharing, "border")
    with pytest.raises(NotFoundError):
        service.publish_sitrep(MEX, report.entry_id, sharing, "border")
    assert any(r.event.action == "publish" and r.event.outcome == "denied" for r in audit.records())


def test_a_stored_assessment_is_read_at_each_countrys_tear_line(node) -> None:  # type: ignore[no-untyped-def]
    from cruce.assess.example import example_graph, example_scenarios
    from cruce.assess.product import AssessmentMarkings
    from cruce.assess.results import assess
    from cruce.service.assess import AssessService

    service, _, audit = node
    assessments = AssessService(service.store, audit)
    result = assess(example_graph(), example_scenarios(), samples=400, seed=3, workers=1, mitigations=())
    markings = AssessmentMarkings.from_dict(
        {"assets": {"default": "S//REL TO USA, CAN, MEX", "kind:power_substation": "S//NOFORN"}}
    )
    stored = assessments.save(USA, result, markings, "Border infrastructure 2026")
    assert any(a.kind == "power_substation" for a in stored.assets)
    mex = assessments.assessment(MEX, stored.assessment_id)
    assert mex.assets and not any(a.kind == "power_substation" for a in mex.assets)
    assert not any("power_substation" in text for _, text in mex.portions) and mex.withheld > 0
    assert "NOFORN" not in mex.banner
    with pytest.raises(RespondForbiddenError, match="releasing_officer"):
        assessments.save(USA_LOW, result, markings, "refused: a release needs a releasing officer")
    secret = "S//NOFORN"
    home = AssessmentMarkings.from_dict({"title": "U//NOFORN", "summary": secret, "scenarios": secret,
                                         "mitigations": secret, "assets": {"default": secret}})  # fmt: skip
    with pytest.raises(RespondForbiddenError, match="clearance CONFIDENTIAL is below the content's SECRET"):
        assessments.save(USA_LOW, result, home, "refused: above the writer's clearance")
    kept = assessments.save(USA, result, home, "USA only")
    with pytest.raises(NotFoundError):
        assessments.assessment(MEX, kept.assessment_id)
    assert [a.assessment_id for a in assessments.assessments(MEX)] == [stored.assessment_id]
    assert len(assessments.assessments(USA)) == 2
