"""Console pages of the joint response, in Chromium: a USA releasing officer opens an incident and writes a
sitrep with a NOFORN portion; MEX's analyst reads the board, only its tear line; the rescue heat map."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from api_fixtures import Node, prepare, serve
from test_console import Console, browser  # noqa: F401 - the module-scoped browser fixture

from cruce.service.respond import RespondService
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

SECRET = "The substation's backup was sabotaged, says a source."
SHARED = "Brownsville is closed; traffic diverts to Hidalgo."


@pytest.fixture(scope="module")
def response_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node]]:
    node = prepare(tmp_path_factory.mktemp("e2e-incidents"))
    with open_store(node.settings.resolved_database_url()) as store:
        service = RespondService(RespondStore(store.engine), AuditLog(store.engine))
        usa = SharingStore(store.engine).account("usa.analyst")
        for month, people in ((6, 3), (7, 5), (7, 2)):
            service.record_rescue(
                usa,
                occurred_at=datetime(2026, month, 10, tzinfo=UTC),
                latitude=31.9,
                longitude=-112.8,
                sector="Tucson",
                cause="heat",
                people=people,
                outcome="rescued",
            )
        service.record_rescue(
            usa,
            occurred_at=datetime(2026, 7, 2, tzinfo=UTC),
            latitude=26.1,
            longitude=-98.2,
            sector="Rio Grande Valley",
            cause="drowning",
            people=1,
            outcome="deceased",
        )
    with serve(node, mount_taxii=False) as base:
        yield base, node


@pytest.fixture
def tab(response_node: tuple[str, Node], request: pytest.FixtureRequest) -> Iterator[Console]:
    chromium: Any = request.getfixturevalue("browser")
    console = Console(chromium, response_node[0], request.node.name.removeprefix("test_")[:40])
    try:
        yield console
    finally:
        console.close()


def test_incident_board_shows_each_partner_its_tear_line(tab: Console) -> None:
    from playwright.sync_api import expect

    page = tab.page
    tab.sign_in("usa.releasing_officer")
    page.get_by_role("link", name="Incidents").click()
    page.get_by_label("Kind").select_option("hurricane")
    page.get_by_label("Name").fill("Hurricane Beryl")
    page.get_by_label("Marking").fill("C//REL TO USA, MEX")
    page.get_by_role("button", name="Open the incident").click()
    expect(page.get_by_role("heading", name="Hurricane Beryl")).to_be_visible()
    page.get_by_label("Portion 1 marking").fill("S//NOFORN")
    page.get_by_label("Portion 1 text").fill(SECRET)
    page.get_by_label("Portion 2 marking").fill("S//REL TO USA, MEX")
    page.get_by_label("Portion 2 text").fill(SHARED)
    page.get_by_role("button", name="Write the sitrep").click()
    sitrep = page.locator("article.sitrep").first
    expect(sitrep).to_contain_text(SECRET)
    expect(sitrep).to_contain_text("SECRET//NOFORN")
    tab.shot("usa-board")
    # A bad marking comes back in place, named, with the rows kept.
    tab.expected.append("status of 400")
    page.get_by_label("Portion 1 marking").fill("S//NOFORN//REL TO USA, MEX")
    page.get_by_label("Portion 1 text").fill("not stored")
    page.get_by_role("button", name="Write the sitrep").click()
    expect(page.get_by_role("alert")).to_contain_text("portion 1")
    expect(page.get_by_label("Portion 1 text")).to_have_value("not stored")
    tab.sign_out()

    tab.sign_in("mex.analyst")
    page.get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Hurricane Beryl").click()
    sitrep = page.locator("article.sitrep").first
    expect(sitrep).to_contain_text(SHARED)
    expect(sitrep).not_to_contain_text(SECRET)
    expect(sitrep).to_contain_text("1 portion(s) not released to MEX")
    expect(page.locator("article.sitrep .banner").first).to_have_text("SECRET//REL TO USA, MEX")
    tab.shot("mex-board")


def test_rescue_heat_map_by_sector_and_month(tab: Console) -> None:
    from playwright.sync_api import expect

    page = tab.page
    tab.sign_in("usa.analyst")
    page.get_by_role("link", name="Rescues").click()
    table = page.locator("table.heat")
    expect(table.locator("thead th")).to_have_text(["Sector", "2026-06", "2026-07"])
    tucson = table.locator("tbody tr", has_text="Tucson")
    expect(tucson.locator("td")).to_have_text(["3", "7"])
    expect(tucson.locator("td").nth(1)).to_have_class("heat-5")
    tab.shot("heat-map")
    tab.sign_out()
    tab.sign_in("mex.analyst")  # MEX's heat map holds MEX's rescues only: none
    page.get_by_role("link", name="Rescues").click()
    expect(page.get_by_text("No rescue recorded yet.")).to_be_visible()
