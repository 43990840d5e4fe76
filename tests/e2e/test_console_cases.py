"""Joint cases in the console, in Debian's chromium: the case list, a case file with its timeline, evidence
and custody (and its check), the partner preview with the guideline, the network view with its broker, and
the same case as Mexico reads it once referred. Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_fixtures import Node, prepare, serve
from test_console import Console, browser

from cruce.service.cases import CaseService
from cruce.service.demo import _store_case
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store
from cruce.synthetic.ring import smuggling_ring

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the browser fixture, shared with the other console tests
RING = smuggling_ring(17)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node]]:
    """A served node holding the ring's two cases: MEX shared its own with the USA, the USA referred its
    own to MEX."""
    node = prepare(tmp_path_factory.mktemp("e2e-cases"))
    with open_store(node.settings.resolved_database_url()) as store:
        sharing = SharingStore(store.engine)
        names = ("usa.analyst", "usa.releasing_officer", "mex.analyst", "mex.releasing_officer")
        users = {u: sharing.account(u).user() for u in names}
        service = CaseService(store.engine, sharing=sharing)
        us = _store_case(service, users["usa.analyst"], RING.us)
        mx = _store_case(service, users["mex.analyst"], RING.mx)
        service.refer(users["mex.releasing_officer"], mx, "USA")
        service.refer(users["usa.releasing_officer"], us, "MEX")
    with serve(node, mount_taxii=False) as base:
        yield base, node


@pytest.fixture
def console(browser: Any, live: tuple[str, Node], request: pytest.FixtureRequest) -> Iterator[Console]:
    tab = Console(browser, live[0], request.node.name.removeprefix("test_")[:40])
    try:
        yield tab
    finally:
        tab.close()


def test_case_file_custody_preview_and_network(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("usa.analyst")
    page.get_by_role("link", name="Cases", exact=True).click()
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(2)
    console.shot("case-list")
    page.get_by_role("link", name="case:USA-ring-tucson").click()
    expect(page.locator("ol.timeline")).to_contain_text("rescue")
    expect(page.locator("table.subjects")).to_contain_text("Source DELTA")  # the owner sees its source
    expect(page.locator("table.custody tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Verify custody").click()
    expect(page.locator("#verify-result")).to_contain_text("Custody intact: 2 entries")
    console.shot("case-file")
    page.get_by_role("link", name="What MEX would receive").click()
    expect(page.locator("#guideline")).to_contain_text("met")
    expect(page.locator("table.subjects")).not_to_contain_text("Source DELTA")
    expect(page.locator("#withheld")).to_contain_text("3 parts withheld")
    console.shot("partner-preview")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Network of your cases").click()
    expect(page.locator("svg.network circle")).not_to_have_count(0)
    expect(page.locator("#brokers li").first).to_contain_text(RING.broker)
    expect(page.locator("#resolved")).to_contain_text("same document")
    page.get_by_label("Ring around").select_option(label=RING.broker)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#ring")).to_contain_text(RING.broker)
    console.shot("network")


def test_mexico_reads_the_referral_as_its_tear_line(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("mex.analyst")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="case:USA-ring-tucson").click()
    expect(page.locator("#case-banner")).to_have_text("SECRET//REL TO USA, MEX")
    expect(page.locator("#case-status")).to_have_text("referred")
    expect(page.locator("main")).not_to_contain_text("Source DELTA")
    expect(page.locator("main")).not_to_contain_text("pays drivers per head")  # the NOFORN note
    expect(page.get_by_role("link", name="Verify custody")).to_have_count(0)
    console.shot("mexico-view")


def _graph_ready(page: Any) -> None:
    """Wait for the Cytoscape drawing: the page's graph fetched, laid out, its canvas in place."""
    from playwright.sync_api import expect

    expect(page.locator("#network-graph")).to_have_attribute("data-ready", "true")
    expect(page.locator("#cy canvas").first).to_be_attached()
    expect(page.locator("svg.network")).to_be_hidden()  # the no-script drawing gives way


def _click_node(page: Any, label: str) -> str:
    """Click, with the mouse, the node labelled `label` where Cytoscape drew it; returns its id."""
    found = page.evaluate(
        """label => {
            const node = window.cy.nodes().filter(n => n.data("label") === label)[0];
            if (!node) { return null; }
            const at = node.renderedPosition();
            const r = node.renderedWidth() / 3;
            const box = document.getElementById("cy").getBoundingClientRect();
            const covered = (x, y) => window.cy.nodes().some(other => {
                if (other.id() === node.id()) { return false; }
                const b = other.renderedBoundingBox({includeLabels: false});
                return x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2;
            });
            // the centre, or a point of the node's body no other node's body covers
            const spots = [[0, 0], [r, 0], [-r, 0], [0, r], [0, -r], [r, r], [-r, -r], [r, -r], [-r, r]];
            const spot = spots.find(([dx, dy]) => !covered(at.x + dx, at.y + dy)) || [0, 0];
            return {id: node.id(), x: box.left + at.x + spot[0], y: box.top + at.y + spot[1]};
        }""",
        label,
    )
    assert found is not None, f"no node labelled {label!r}"
    page.mouse.click(found["x"], found["y"])
    return str(found["id"])


def test_the_network_is_an_interactive_graph(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("usa.analyst")
    page.goto("/console/cases/network?hops=1")
    _graph_ready(page)
    graph = json.loads(page.locator("body").evaluate("() => JSON.stringify(window.cy.json().elements)"))
    labels = {n["data"]["label"] for n in graph["nodes"]}
    assert {RING.broker, "Source DELTA"} <= labels  # the owner's own view holds its source
    assert graph["edges"], "no links drawn"
    broker = next(n for n in graph["nodes"] if n["data"]["label"] == RING.broker)
    assert broker["data"]["broker"] is True
    biggest = page.evaluate("() => window.cy.nodes().max(n => n.width()).ele.data('label')")
    assert biggest == RING.broker  # sized by betweenness
    node_id = _click_node(page, RING.broker)
    details = page.locator("#node-details")
    expect(details.locator("#node-title")).to_have_text(RING.broker)
    expect(details).to_contain_text("case:USA-ring-tucson")  # the cases it is in, both sides of the ring
    expect(details).to_contain_text("case:MEX-ring-nogales")
    expect(details).to_contain_text("strongest broker")
    # the ring of one hop: exactly the broker's neighbours stay lit, the rest fade
    neighbours = page.evaluate(
        "id => window.cy.getElementById(id).neighborhood('node').map(n => n.id()).sort()", node_id
    )
    lit = page.evaluate("() => window.cy.nodes('.hop').map(n => n.id()).sort()")
    assert lit == sorted([*neighbours, node_id])
    assert page.evaluate("() => window.cy.nodes('.faded').length") == len(graph["nodes"]) - len(lit)
    expect(page.get_by_role("link", name="GraphML")).to_have_attribute(
        "href", "/console/cases/network/export.graphml"
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="GraphML").click()
    assert "<graphml" in download.value.path().read_text(encoding="utf-8")
    console.shot("network-graph")


def test_mexico_draws_only_its_tear_line_of_the_network(console: Console) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("mex.analyst")
    page.goto("/console/cases/network")
    _graph_ready(page)
    expect(page.locator("main")).not_to_contain_text("Source DELTA")
    assert "Source DELTA" not in page.content()  # not in an attribute either
    assert "s-source" not in page.content()
    answer = page.request.get("/console/cases/network/graph?hops=2")
    assert answer.ok
    assert "Source DELTA" not in answer.text() and "s-source" not in answer.text()
    drawn = page.evaluate("() => window.cy.nodes().map(n => n.id()).sort()")
    sent = sorted(n["data"]["id"] for n in answer.json()["elements"]["nodes"])
    assert drawn == sent and RING.broker in page.evaluate("() => window.cy.nodes().map(n => n.data('label'))")
    _click_node(page, RING.broker)
    expect(page.locator("#node-title")).to_have_text(RING.broker)
    expect(page.locator("#node-details")).not_to_contain_text("s-source")
    console.shot("network-mexico")
