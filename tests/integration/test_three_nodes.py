"""Three partner nodes on one machine (USA, MEX, CAN), each its own database and TAXII server.

Enrol in MEX; cross in the USA (expedited: the USA recognises MEX's program); a list update in CAN names
the member: CAN's hit notice reaches MEX and the USA, each cut to what it may receive; MEX suspends; the
suspension reaches the US booth over the sync, and the next US crossing goes to secondary with the reason.
The receiving USA node runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from programs_fixtures import OCAMPO, application, wanted_list
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD, serve

from cruce.core.dates import PartialDate
from cruce.core.markings import Marking
from cruce.core.model import Entity, Identifier, Name, Schema
from cruce.programs.model import MembershipState, MembershipStatus
from cruce.programs.recognition import load_agreement
from cruce.programs.standing import document_key
from cruce.scoring.crossings import Crossing, Mode, Role, TravelDocument, Traveler
from cruce.scoring.lanes import Cause, Lane
from cruce.service.coordination import (
    BoothDirectory,
    NoticePolicy,
    act_on_notices,
    booth_lane,
    ingest,
    publish_notices,
    publish_statuses,
    screen_members,
)
from cruce.service.member_ports import ProgramSuspender, own_statuses
from cruce.service.programs import Actor, ProgramService
from cruce.service.sharing import Remote, pull
from cruce.sharing.notices import Subject
from cruce.storage.audit import AuditLog
from cruce.storage.partners import PartnerStore
from cruce.storage.sharing import SharingStore
from cruce.storage.store import Store, open_store

COLLECTION = "partners"
COUNTRIES = ("USA", "MEX", "CAN")
AGREEMENT = load_agreement()
T0 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
PASSPORT = TravelDocument("passport", "G48213377", "MX", date(2031, 5, 1))
MEMBER = MembershipStatus(
    membership_id="vc-000417",
    program_id="viajero-confiable",
    tier="standard",
    country="MEX",
    state=MembershipState.ACTIVE,
    changed_at=T0 - timedelta(days=200),
    expires_at=T0 + timedelta(days=1500),
    documents=(document_key("passport", "MX", "G48213377"),),
)
SUBJECT = Subject("Maria Guadalupe Torres Ochoa", "1984-03-12", ("MX",))
CAN_POLICY = NoticePolicy(
    core=Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN"),
    details={
        "name": Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN"),
        "birth_date": Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN"),
        "identifiers": Marking.parse("S//REL TO CAN, USA", owner="CAN"),  # not for MEX
        "remarks": Marking.parse("S//NOFORN", owner="CAN"),  # never leaves CAN
    },
)


@dataclass
class Node:
    country: str
    url: str
    base: str
    store: Store

    @property
    def sharing(self) -> SharingStore:
        return SharingStore(self.store.engine)

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.store.engine)

    @property
    def partners(self) -> PartnerStore:
        return PartnerStore(self.store.engine)

    def officer(self) -> str:
        return f"{self.country.lower()}.officer"

    def pull_from(self, other: Node) -> int:
        remote = Remote(f"{other.base}/cruce/", user=f"{self.country.lower()}.sync", password=PASSWORD,
                        country=other.country)  # fmt: skip
        report = pull(self.sharing, self.audit, remote, COLLECTION, node_country=self.country)
        return report.added


def _setup(url: str, country: str) -> None:
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        sharing.add_account(
            f"{country.lower()}.officer", organisation=f"{country.lower()}-border", country=country,
            clearance="S", roles=("analyst", "releasing_officer"), password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
        )  # fmt: skip
        sharing.add_collection(COLLECTION, "Partner coordination", "membership statuses and hit notices")
        sharing.grant(COLLECTION, f"user:{country.lower()}.officer", read=True, write=True)
        for partner in COUNTRIES:
            if partner == country:
                continue
            sharing.add_account(
                f"{partner.lower()}.sync", organisation=f"{partner.lower()}-border", country=partner,
                clearance="S", roles=("analyst",), password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
            )  # fmt: skip
            sharing.grant(COLLECTION, f"user:{partner.lower()}.sync", read=True, write=False)


@pytest.fixture
def nodes(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[dict[str, Node]]:
    """USA on `database_url` (SQLite, then PostgreSQL), MEX and CAN on SQLite files; each one served."""
    urls = {
        "USA": database_url,
        "MEX": f"sqlite:///{tmp_path_factory.mktemp('mex') / 'mex.db'}",
        "CAN": f"sqlite:///{tmp_path_factory.mktemp('can') / 'can.db'}",
    }
    with ExitStack() as stack:
        out: dict[str, Node] = {}
        for country, url in urls.items():
            store = stack.enter_context(open_store(url))
            _setup(url, country)
            base = stack.enter_context(serve(url, node_country=country))
            out[country] = Node(country, url, base, store)
        yield out


def crossing(n: int, at: datetime) -> Crossing:
    traveler = Traveler(f"t:{n}", SUBJECT.name, Role.PEDESTRIAN, "MX", PartialDate.parse("1984-03-12"),
                        documents=(PASSPORT,))  # fmt: skip
    return Crossing(f"crossing:2504:{n}", "2504", "San Ysidro", at, Mode.PEDESTRIAN, (traveler,))


def wanted() -> list[Entity]:
    return [
        Entity(
            id="ca-wanted:77", schema=Schema.PERSON, names=(Name("TORRES OCHOA, Maria Guadalupe"),),
            list_id="ca-wanted", source_id="77", birth_dates=(PartialDate.parse("1984-03-12"),),
            nationalities=("MX",), identifiers=(Identifier("passport", "G48213377", "MX"),),
            remarks="informant-derived: handled by RCMP unit 7",
        ),
        Entity(id="ca-wanted:78", schema=Schema.PERSON, names=(Name("Somebody Else Entirely"),),
               list_id="ca-wanted", source_id="78"),
    ]  # fmt: skip


def test_a_mexican_suspension_after_a_canadian_hit_reaches_the_us_booth(nodes: dict[str, Node]) -> None:
    usa, mex, can = nodes["USA"], nodes["MEX"], nodes["CAN"]
    mex_account = mex.sharing.account(mex.officer())
    mex.store.save_import(wanted_list(OCAMPO))  # MEX vets against a list of its own
    # MEX's programs service keeps the story's time (enrolled an hour before T0), not the wall clock: a
    # notice counts as open only when it is newer than the membership's last change.
    story = [T0 - timedelta(hours=1)]
    programs = ProgramService(mex.store, clock=lambda: story[0])
    member = enrol(programs, Actor(mex.officer(), "MEX"))

    # 1. MEX enrols the member (its programs service) and releases the status (to USA, which recognises
    #    the program, and CAN, whose hit notices MEX subscribes to).
    ((status, subject),) = own_statuses(programs, "MEX")
    assert status.documents == ("curp::TOOM840312MBCRCR03", MEMBER.documents[0])  # sorted
    assert subject == SUBJECT
    release = publish_statuses(mex.sharing, mex.audit, mex_account, COLLECTION, [(status, subject)],
                               agreement=AGREEMENT)  # fmt: skip
    assert release.released == {member: ("CAN", "USA")}
    assert usa.pull_from(mex) > 0 and can.pull_from(mex) > 0
    assert [s.membership_id for s in ingest(usa.sharing, usa.partners, COLLECTION, "USA").statuses] == [
        member
    ]
    ingest(can.sharing, can.partners, COLLECTION, "CAN")

    # 2. The member crosses in the USA: expedited, thanks to recognition of MEX's program.
    booth = BoothDirectory(usa.partners)
    first = booth_lane(crossing(1, T0), booth, AGREEMENT, "USA")
    assert first.lane is Lane.EXPEDITED, first.reasons
    assert f"viajero-confiable {member} (MEX's, recognised by USA)" in first.reasons[0]

    # 3. CAN's list update names the member: CAN screens the partner members it holds and sends notices.
    held = [(h.status, h.subject) for h in can.partners.statuses()]
    notices = screen_members(wanted(), held, sender="CAN", policy=CAN_POLICY, at=T0 + timedelta(hours=1))
    assert [(n.entity_id, n.membership_id) for n in notices] == [("ca-wanted:77", member)]
    sent = publish_notices(can.sharing, can.audit, can.sharing.account(can.officer()), COLLECTION, notices,
                           agreement=AGREEMENT)  # fmt: skip
    assert sorted(next(iter(sent.released.values()))) == ["MEX", "USA"]
    releases = [
        r for r in can.audit.latest(10) if r.event.action == "release" and r.event.details.get("partner")
    ]
    withheld = {r.event.details["partner"]: r.event.details["withheld"] for r in releases}
    assert withheld == {"MEX": ["identifiers", "remarks"], "USA": ["remarks"]}

    assert mex.pull_from(can) > 0 and usa.pull_from(can) > 0
    mex_in = ingest(mex.sharing, mex.partners, COLLECTION, "MEX")
    usa_in = ingest(usa.sharing, usa.partners, COLLECTION, "USA")
    assert len(mex_in.notices) == 1 and len(usa_in.notices) == 1, (mex_in, usa_in)
    (mex_notice,) = mex_in.notices
    (usa_notice,) = usa_in.notices
    assert mex_notice.detail("name") == "TORRES OCHOA, Maria Guadalupe"
    assert mex_notice.detail("identifiers") is None and mex_notice.detail("remarks") is None  # MEX's cut
    assert usa_notice.detail("identifiers") == "passport:G48213377"  # the USA may see the passport...
    assert usa_notice.detail("remarks") is None  # ...but CAN's NOFORN remarks never left CAN
    for node in (mex, usa):
        texts = [o.data for o in node.sharing.page(COLLECTION, _all(), None).objects]
        assert not any("RCMP" in t for t in texts)

    # 4. The notice alone already takes the expedited lane away at the US booth (an open alert).
    pending = booth_lane(crossing(2, T0 + timedelta(hours=2)), booth, AGREEMENT, "USA")
    assert pending.lane is not Lane.EXPEDITED and any("1 open alert" in r for r in pending.reasons)

    # 5. MEX acts on the notice about its member: suspended, audited, and the status released again.
    story[0] = T0 + timedelta(hours=2, minutes=30)
    suspender = ProgramSuspender(programs, "MEX")
    (suspended,) = act_on_notices(mex_in.notices, suspender, "MEX", mex.officer())
    assert suspended.state is MembershipState.SUSPENDED and "CAN hit notice" in suspended.reason
    assert act_on_notices(mex_in.notices, suspender, "MEX", mex.officer()) == []  # once only
    assert [r.event.action for r in mex.audit.latest(1)] == ["programs.suspend_for_alert"]
    page = programs.member(Actor(mex.officer(), "MEX"), member)
    assert [a.state for a in page.alerts] == ["open"]  # the alert waits in MEX's queue with the member
    publish_statuses(
        mex.sharing,
        mex.audit,
        mex_account,
        COLLECTION,
        own_statuses(programs, "MEX", [member]),
        agreement=AGREEMENT,
    )

    # 6. The suspension reaches the US booth; the next crossing goes to secondary with the reason.
    assert usa.pull_from(mex) > 0
    assert [s.state for s in ingest(usa.sharing, usa.partners, COLLECTION, "USA").statuses] == [
        MembershipState.SUSPENDED
    ]
    after = booth_lane(crossing(3, T0 + timedelta(hours=3)), booth, AGREEMENT, "USA")
    assert after.lane is Lane.SECONDARY and after.cause is Cause.REFERRED
    assert f"{member} (MEX) suspended" in after.reasons[0] and "CAN hit notice" in after.reasons[0]

    # A re-read changes nothing: the newest status wins, nothing is duplicated.
    again = ingest(usa.sharing, usa.partners, COLLECTION, "USA")
    assert (again.statuses, again.notices) == ([], [])
    assert usa.partners.status("MEX", member).status.state is MembershipState.SUSPENDED  # type: ignore[union-attr]


def enrol(programs: ProgramService, officer: Actor) -> str:
    """The member applies to MEX's program, is vetted, interviewed and approved; the membership id."""
    app = programs.apply(officer, application("viajero-applicant"))
    assert programs.vet(officer, app.application_id).result.recommendation.value == "clear"
    programs.decide(officer, app.application_id, "interview", "vetting clear")
    outcome = programs.decide(officer, app.application_id, "approve", "interviewed in Tijuana")
    assert outcome.membership is not None
    return outcome.membership.membership_id


def _all():  # type: ignore[no-untyped-def]
    from cruce.sharing.exchange import ObjectFilter, VersionPick

    return ObjectFilter(picks=frozenset({VersionPick.ALL}))
