"""Trusted programs in the console, in Debian's chromium: a USA analyst vets an application from the review
queue (and reads the matcher's reasons for a listed applicant), sends a clean one to interview, approves it
and lands on the new member's page; Mexico's analyst asking for that USA member gets the not-found page, the
same as for a member that does not exist. Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_fixtures import Node, prepare, serve
from programs_fixtures import application
from test_console import Console, browser

from cruce.service.programs import Actor, ProgramService
from cruce.storage.store import open_store

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the browser fixture, shared with the other console tests
CLEAN = "Lucía Fernanda Ibarra Quintero"
LISTED = "Juan Carlos Hernandez"  # on the fixture OFAC list


@dataclass(frozen=True)
class World:
    base: str
    member_id: str  # a USA member made before the browser comes


def traveler(name: str, passport: str) -> dict[str, Any]:
    passport_row = {"kind": "passport", "number": passport, "country": "USA", "expires": "2032-01-01"}
    person = {"name": name, "birth_date": "1975-03-02", "nationality": "USA", "documents": [passport_row]}
    return {"program": "sentri", "applicant": person}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A served node with three USA applications: a clean one and a listed one waiting in the queue, and
    one already approved (its member is what Mexico must not find)."""
    node: Node = prepare(tmp_path_factory.mktemp("e2e-programs"))
    with open_store(node.settings.resolved_database_url()) as store:
        service = ProgramService(store)
        usa = Actor("usa.analyst", "USA")
        service.apply(usa, application("sentri-applicant"))
        service.apply(usa, traveler(LISTED, "300000001"))
        done = service.apply(usa, traveler("Marta Inventada Solis", "300000002"))
        service.vet(usa, done.application_id)
        service.decide(usa, done.application_id, "interview", "clean vetting")
        member = service.decide(usa, done.application_id, "approve", "interviewed").membership
        assert member is not None
        # The next morning a list names her: re-vetting suspends the membership and queues an alert.
        service.suspend_for_alert(member.membership_id, reason="named on a list update")
    with serve(node, mount_taxii=False) as base:
        yield World(base, member.membership_id)


@pytest.fixture
def console(browser: Any, live: World, request: pytest.FixtureRequest) -> Iterator[Console]:
    tab = Console(browser, live.base, request.node.name.removeprefix("test_")[:40])
    try:
        yield tab
    finally:
        tab.close()


def test_analyst_vets_approves_and_reads_the_member_page(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("usa.analyst")
    page.get_by_role("link", name="Programs", exact=True).click()
    queue = page.locator("table.applications tbody tr")
    expect(queue).to_have_count(2)
    console.shot("queue")

    # The listed applicant: vetted from the queue, the file shows the hit and the matcher's reasons.
    page.get_by_role("button", name=f"Vet {LISTED}").click()
    expect(page.locator("#application-state")).to_have_text("vetting")
    hit = page.locator("table.checks tr.hit").first
    expect(hit).to_contain_text("HERNANDEZ")
    expect(hit.locator("li").first).not_to_be_empty()  # the matcher's reasons, strongest first
    expect(page.locator(".recommendation").first).to_have_text("refer")  # vetting recommends, no more
    console.shot("listed-vetting")

    # The clean applicant: vet, interview, approve; the approval lands on the member's page.
    page.get_by_role("link", name="Programs", exact=True).click()
    row = page.locator("table.applications tbody tr", has_text=CLEAN)
    row.get_by_role("link").click()
    expect(page.locator("table.parties")).to_contain_text("IAQL830423MSRBNC07")
    page.get_by_role("button", name="Vet now").click()
    expect(page.locator("#application-state")).to_have_text("vetting")
    expect(page.locator("table.checks")).to_contain_text("nothing found")
    page.get_by_label("Reason (kept in the history)").fill("vetting clean; documents seen")
    page.get_by_role("button", name="Interview").click()
    expect(page.locator("#application-state")).to_have_text("interview")
    page.get_by_label("Reason (kept in the history)").fill("interviewed at San Ysidro")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/console/programs/members/*")
    expect(page.locator("#membership-state")).to_have_text("active")
    expect(page.locator("#member-caption")).to_have_text(CLEAN)
    history = page.locator("ol.transitions li")
    expect(history).to_have_count(5)
    expect(history.last).to_contain_text("interviewed at San Ysidro")
    expect(page.locator("#vettings ~ article.vetting")).to_have_count(1)
    console.shot("member")

    # Suspended from its page, with a reason: the history says so.
    page.get_by_label("Reason (kept in the history)").fill("pending a document check")
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("#membership-state")).to_have_text("suspended")
    expect(page.locator("ol.transitions li").last).to_contain_text("pending a document check")
    page.get_by_role("link", name="Programs", exact=True).click()
    expect(page.locator("table.applications tbody tr", has_text=CLEAN)).to_have_count(0)  # left the queue


def test_a_member_suspended_by_re_vetting_shows_the_alert(console: Console, live: World) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("usa.analyst")
    page.get_by_role("link", name="Programs", exact=True).click()
    page.get_by_role("link", name=live.member_id).click()
    expect(page.locator("#membership-state")).to_have_text("suspended")
    alerts = page.locator("table.member-alerts tbody tr")
    expect(alerts).to_have_count(1)
    expect(alerts.first).to_contain_text("open")
    expect(page.locator("ol.transitions li").last).to_contain_text("named on a list update")
    expect(page.get_by_role("button", name="Reinstate")).to_be_visible()  # what a suspension offers
    expect(page.get_by_role("button", name="Suspend")).to_have_count(0)
    console.shot("suspended-member")
    alerts.first.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text(live.member_id)  # the alert carries the member's context


def test_mexico_gets_the_not_found_page_for_a_usa_member(console: Console, live: World) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("mex.analyst")
    console.expected.append("404")  # the browser logs the not-found answers
    answer = page.goto(f"/console/programs/members/{live.member_id}")
    assert answer is not None and answer.status == 404
    theirs = page.locator("main p.error").inner_text()
    assert live.member_id in theirs
    console.shot("mexico-not-found")
    nobody = "usa-sentri-0000000000"
    missing = page.goto(f"/console/programs/members/{nobody}")
    assert missing is not None and missing.status == 404
    assert page.locator("main p.error").inner_text() == theirs.replace(live.member_id, nobody)
    expect(page.locator("main")).not_to_contain_text("Marta")
    page.get_by_role("link", name="Programs", exact=True).click()
    expect(page.locator("table.members tbody tr")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No membership yet.")
