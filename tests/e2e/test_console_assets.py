"""The asset page in Chromium: the register's assets with their assessed risk, sortable, and each partner
seeing only the assets (and risk rows) released to it: MEX never sees a USA-only (NOFORN) asset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_fixtures import Node, prepare, serve
from test_console import Console, browser  # noqa: F401 - the module-scoped browser fixture

from cruce.service.assess import AssessService
from cruce.service.assets import AssetRegister
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

pytest.importorskip("scipy")

REGISTER_MARKINGS = {
    "default": "C//REL TO USA, MEX",
    "kind:power_substation": "U//NOFORN",  # USA's substations stay home
    "asset:tel:texas": "U//NOFORN",
}
USA_ONLY = ("sub:2305", "tel:texas")


@pytest.fixture(scope="module")
def asset_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node, int, int]]:
    from cruce.assess.example import example_assets, example_scenarios
    from cruce.assess.graph import DependencyGraph
    from cruce.assess.product import AssessmentMarkings
    from cruce.assess.results import assess

    node = prepare(tmp_path_factory.mktemp("e2e-assets"))
    assets, deps = example_assets()
    result = assess(DependencyGraph(assets, deps), example_scenarios(), samples=400, seed=3, workers=1)
    with open_store(node.settings.resolved_database_url()) as store:
        respond, audit = RespondStore(store.engine), AuditLog(store.engine)
        officer = SharingStore(store.engine).account("usa.releasing_officer")
        register = AssetRegister(respond, audit, AssessService(respond, audit))
        register.register(officer, assets, deps, REGISTER_MARKINGS)
        markings = AssessmentMarkings.from_dict(
            {"assets": {"default": "S//REL TO USA, MEX", "kind:power_substation": "S//NOFORN",
                        "asset:tel:texas": "S//NOFORN"}}
        )  # fmt: skip
        AssessService(respond, audit).save(officer, result, markings, "Joint infrastructure risk")
    hidden = sum(1 for a in assets if a.kind == "power_substation" or a.asset_id == "tel:texas")
    with serve(node, mount_taxii=False) as base:
        yield base, node, len(assets), len(assets) - hidden


@pytest.fixture
def tab(asset_node: tuple[str, Node, int, int], request: pytest.FixtureRequest) -> Iterator[Console]:
    chromium: Any = request.getfixturevalue("browser")
    console = Console(chromium, asset_node[0], request.node.name.removeprefix("test_")[:40])
    try:
        yield console
    finally:
        console.close()


def _expected(tab: Console) -> list[float]:
    """The expected-loss column as numbers, assessed rows only, in page order."""
    cells = tab.page.locator("table.assets tbody tr td:nth-child(7)").all_inner_texts()
    return [float(c.split()[0].replace(",", "")) for c in cells if c.strip() != "not assessed"]


def test_usa_sees_every_asset_with_its_risk_and_sorts(
    tab: Console, asset_node: tuple[str, Node, int, int]
) -> None:
    from playwright.sync_api import expect

    page = tab.page
    tab.sign_in("usa.analyst")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Assets").click()
    expect(page.get_by_role("heading", name="Assets")).to_be_visible()
    rows = page.locator("table.assets tbody tr")
    expect(rows).to_have_count(asset_node[2])
    for asset_id in USA_ONLY:
        expect(page.locator(f'tr[data-asset="{asset_id}"]')).to_have_count(1)
    substation = page.locator('tr[data-asset="sub:2305"]')
    expect(substation.locator("td").nth(0)).to_have_text("power_substation")
    expect(substation.locator("td").nth(7)).to_have_text("UNCLASSIFIED//NOFORN")
    risk = _expected(tab)
    assert len(risk) >= 10
    assert risk == sorted(risk, reverse=True)  # the default: most expected loss first
    expect(page.locator(".asset-map circle")).to_have_count(asset_node[2])
    tab.shot("usa-assets")

    page.get_by_role("link", name="Expected loss/yr").click()  # the current column: reverse the order
    expect(page.get_by_role("columnheader", name="Expected loss/yr ▲")).to_be_visible()
    ascending = _expected(tab)
    assert ascending == sorted(risk)
    page.get_by_role("link", name="Depends on").click()
    deps = [int(c) for c in page.locator("table.assets tbody tr td:nth-child(6)").all_inner_texts()]
    assert deps == sorted(deps, reverse=True) and deps[0] > deps[-1]


def test_mex_sees_only_the_assets_released_to_it(
    tab: Console, asset_node: tuple[str, Node, int, int]
) -> None:
    from playwright.sync_api import expect

    page = tab.page
    tab.sign_in("mex.analyst")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Assets").click()
    rows = page.locator("table.assets tbody tr")
    expect(rows).to_have_count(asset_node[3])
    for asset_id in USA_ONLY:
        expect(page.locator(f'tr[data-asset="{asset_id}"]')).to_have_count(0)
    expect(page.get_by_text("Hidalgo substation")).to_have_count(0)
    bridge = page.locator('tr[data-asset="bridge:2304"]')
    expect(bridge.locator("td").nth(1)).to_have_text("MEX")
    expect(bridge.locator("td").nth(6)).not_to_have_text("not assessed")
    assert page.locator("table.assets").inner_text().count("NOFORN") == 0
    expect(page.locator(".asset-map circle")).to_have_count(asset_node[3])
    tab.shot("mex-assets")

    tab.expected.append("status of 400")
    page.goto("/console/assets?sort=given_name")
    expect(page.get_by_role("alert")).to_contain_text("sort by one of")
