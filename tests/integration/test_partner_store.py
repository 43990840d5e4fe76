"""Partner membership statuses and hit notices on SQLite and PostgreSQL: newest wins, keys find them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cruce.core.markings import Marking
from cruce.programs.model import MembershipState, MembershipStatus
from cruce.sharing.notices import Detail, HitNotice, Subject
from cruce.storage.partners import PartnerStore
from cruce.storage.store import Store, open_store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url) as opened:
        yield opened


T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
STATUS = MembershipStatus(
    "vc-1", "viajero-confiable", "standard", "MEX", MembershipState.ACTIVE, T0,
    expires_at=T0 + timedelta(days=900), documents=("passport:MEX:G1", "passport:MEX:G2"),
)  # fmt: skip
SUBJECT = Subject("Ana Ruiz", "1990-01", ("MX",))


def test_the_newest_status_wins_and_keys_follow_it(store: Store) -> None:
    partners = PartnerStore(store.engine)
    assert partners.put_status(STATUS, SUBJECT, "MEX")
    assert not partners.put_status(STATUS, SUBJECT, "MEX")  # the same version again: nothing
    suspended = replace(STATUS, state=MembershipState.SUSPENDED, changed_at=T0 + timedelta(hours=1),
                        reason="CAN hit notice", documents=("passport:MEX:G2",))  # fmt: skip
    assert partners.put_status(suspended, SUBJECT, "MEX")
    assert not partners.put_status(STATUS, SUBJECT, "MEX")  # an older version read late never rolls back
    found = partners.find(["passport:USA:X", "passport:MEX:G2"])
    assert found == suspended
    assert partners.find(["passport:MEX:G1"]) is None  # the key the newest status no longer names
    held = partners.status("MEX", "vc-1")
    assert held is not None and held.subject == SUBJECT and held.origin == "MEX"
    assert [h.status.membership_id for h in partners.statuses(state=MembershipState.SUSPENDED)] == ["vc-1"]


def notice(*details: Detail) -> HitNotice:
    return HitNotice(
        "CAN", "ca-wanted", "ca-wanted:1", 0.93, T0, Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN"),
        "vc-1", "MEX", "Ana Ruiz", details, ("name agrees",),
    )  # fmt: skip


def test_a_fuller_cut_of_a_notice_replaces_a_thinner_one_never_the_reverse(store: Store) -> None:
    partners = PartnerStore(store.engine)
    name = Detail("name", "RUIZ, Ana", Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN"))
    ident = Detail("identifiers", "passport:G1", Marking.parse("S//REL TO CAN, USA", owner="CAN"))
    assert partners.put_notice(notice(name))
    assert partners.put_notice(notice(name, ident))
    assert not partners.put_notice(notice(name))
    (held,) = partners.notices(membership_id="vc-1")
    assert held.details == (name, ident) and held.marking == Marking.parse("S//REL TO CAN, USA", owner="CAN")
    assert partners.notices(membership_id="other") == []


def test_a_notice_is_an_open_alert_at_the_booth_until_the_vetting_node_acts(store: Store) -> None:
    from cruce.service.coordination import BoothDirectory

    partners = PartnerStore(store.engine)
    partners.put_status(STATUS, SUBJECT, "MEX")
    booth = BoothDirectory(partners)
    assert booth.open_alerts("vc-1") == 0
    partners.put_notice(replace(notice(), matched_at=T0 + timedelta(hours=1)))
    assert booth.open_alerts("vc-1") == 1  # no expedited lane while MEX reviews it
    reinstated = replace(STATUS, changed_at=T0 + timedelta(days=2), reason="reviewed: not the listed person")
    partners.put_status(reinstated, SUBJECT, "MEX")
    assert booth.open_alerts("vc-1") == 0
    assert booth.find(["passport:MEX:G1"]) == reinstated


def test_a_node_speaks_only_for_itself_what_a_partner_relays_is_refused(store: Store) -> None:
    """A CAN notice and a MEX status arriving from the USA node (a relay, or a forgery) are not taken."""
    from cruce.service.coordination import ingest
    from cruce.sharing.notices import notice_objects, org_identity, status_objects
    from cruce.storage.sharing import SharingStore

    sharing = SharingStore(store.engine)
    sharing.add_collection("partners", "Partner coordination")
    core = Marking.parse("C//REL TO CAN, MEX, USA", owner="CAN")
    can_notice = notice(Detail("name", "RUIZ, Ana", core))
    objects = [org_identity("CAN"), *notice_objects(can_notice, "MEX")]
    objects += status_objects(STATUS, SUBJECT, Marking.parse("C//REL TO MEX, USA", owner="MEX"))
    assert not sharing.add_objects("partners", objects, origin="USA").failures
    partners = PartnerStore(store.engine)
    report = ingest(sharing, partners, "partners", "USA")
    assert (report.statuses, report.notices) == ([], [])
    assert any("a CAN notice relayed by USA" in r for r in report.refused), report.refused
    assert any("a MEX membership status relayed by USA" in r for r in report.refused), report.refused
    assert partners.notices() == [] and partners.statuses() == []
    assert ingest(sharing, partners, "partners", "USA").refused == []  # the cursor moved past them
