"""The case network's JSON for the console drawing, over HTTP without a browser: each country gets exactly
its partition (the USA its whole case and MEX's referred tear line, MEX its own case and the USA's tear
line, member by member as the subjects' markings decide), the partner preview cuts the USA's own cases to
MEX's tear line, exports are the same partition, and the role and sign-in checks are the page's."""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from api_fixtures import Node, prepare
from console_fixtures import sign_in
from fastapi.testclient import TestClient

from cruce.core.markings import Marking
from cruce.service.cases import CaseService
from cruce.service.demo import _store_case
from cruce.storage.credentials import FAST_POLICY
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store
from cruce.synthetic.ring import smuggling_ring

RING = smuggling_ring(17)
GRAPH = "/console/cases/network/graph"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """The ring's two cases, each referred to the other side; yields a client and every subject's marking
    by `case_id/subject_id`, as each owner stored it."""
    node: Node = prepare(tmp_path_factory.mktemp("web-network"))
    with open_store(node.settings.resolved_database_url()) as store:
        sharing = SharingStore(store.engine)
        names = ("usa.analyst", "usa.releasing_officer", "mex.analyst", "mex.releasing_officer")
        users = {u: sharing.account(u).user() for u in names}
        service = CaseService(store.engine, sharing=sharing)
        us = _store_case(service, users["usa.analyst"], RING.us)
        mx = _store_case(service, users["mex.analyst"], RING.mx)
        service.refer(users["mex.releasing_officer"], mx, "USA")
        service.refer(users["usa.releasing_officer"], us, "MEX")
        markings = {
            case: {f"{case}/{s.subject_id}": s.marking for s in service.show(users[who], case).subjects}
            for case, who in ((us, "usa.analyst"), (mx, "mex.analyst"))
        }
    from cruce.api.app import create_app

    with TestClient(create_app(node.settings, passwords=FAST_POLICY, mount_taxii=False)) as client:
        yield client, markings


def _members(graph: dict[str, Any]) -> set[str]:
    return {m for n in graph["elements"]["nodes"] for m in n["data"]["members"]}


def _released(markings: dict[str, dict[str, str]], case: str, owner: str, to: str) -> set[str]:
    return {ref for ref, text in markings[case].items() if Marking.parse(text, owner).releasable(to)}


def test_each_country_gets_its_partition(ring: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, markings = ring
    us, mx = sorted(markings, key=lambda c: "USA" not in c)
    assert "USA" in us and "MEX" in mx
    sign_in(client, "usa.analyst")
    usa = client.get(GRAPH).json()
    sign_in(client, "mex.analyst")
    mex_answer = client.get(GRAPH)
    mex = mex_answer.json()
    assert _members(usa) == set(markings[us]) | _released(markings, mx, "MEX", "USA")
    assert _members(mex) == set(markings[mx]) | _released(markings, us, "USA", "MEX")
    withheld = set(markings[us]) - _members(mex)
    assert withheld, "the ring's U.S. case has a NOFORN subject; MEX must miss it"
    for ref in withheld:
        assert ref.split("/", 1)[1] not in mex_answer.text  # not even the subject's id
    assert "Source DELTA" not in mex_answer.text and "Source DELTA" in str(usa)
    page = client.get("/console/cases/network")
    assert page.status_code == 200 and "Source DELTA" not in page.text
    for graph in (usa, mex):  # edges join drawn nodes; a node's cases are its members' cases
        ids = {n["data"]["id"] for n in graph["elements"]["nodes"]}
        assert all({e["data"]["source"], e["data"]["target"]} <= ids for e in graph["elements"]["edges"])
        for n in graph["elements"]["nodes"]:
            assert n["data"]["cases"] == sorted({m.rsplit("/", 1)[0] for m in n["data"]["members"]})
    brokers = [n["data"]["label"] for n in usa["elements"]["nodes"] if n["data"]["broker"]]
    assert brokers == [RING.broker]


def test_partner_preview_and_exports(ring: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, markings = ring
    us = next(c for c in markings if "USA" in c)
    sign_in(client, "usa.analyst")
    preview = client.get(GRAPH, params={"partner": "mex"}).json()
    assert preview["partner"] == "MEX"
    assert _members(preview) == _released(markings, us, "USA", "MEX")  # only the USA's own cases, cut
    page = client.get("/console/cases/network", params={"partner": "MEX"})
    assert "as MEX would receive it" in page.text and "Source DELTA" not in page.text
    sign_in(client, "mex.analyst")
    mex = client.get(GRAPH).json()
    drawn = {n["data"]["id"] for n in mex["elements"]["nodes"]}
    graphml = client.get("/console/cases/network/export.graphml")
    assert graphml.status_code == 200 and "attachment" in graphml.headers["content-disposition"]
    assert set(nx.read_graphml(io.BytesIO(graphml.content)).nodes) == drawn
    as_json = client.get("/console/cases/network/export.json")
    assert {n["id"] for n in as_json.json()["nodes"]} == drawn
    assert "Source DELTA" not in graphml.text + as_json.text


def test_refusals_are_the_pages(ring: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, _ = ring
    client.cookies.clear()
    away = client.get(GRAPH, follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/?next=")
    sign_in(client, "usa.auditor")  # no reading role
    refused = client.get(GRAPH)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert "Source DELTA" not in refused.text
    sign_in(client, "usa.analyst")
    for bad, code in (({"partner": "X1"}, "bad_partner"), ({"partner": "USA"}, "bad_partner"),
                      ({"subject": "nobody"}, "unknown_subject")):  # fmt: skip
        answer = client.get(GRAPH, params=bad)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, answer.text
    assert client.get(GRAPH, params={"hops": 9}).status_code == 422
    assert client.get("/console/cases/network/export.csv").status_code == 400
    answer = client.get(GRAPH)
    assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_the_drawing_is_served_and_packaged(ring: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, _ = ring
    sign_in(client, "usa.analyst")
    page = client.get("/console/cases/network").text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script: the CSP would refuse it
    assert "cdn" not in page.lower()
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(src).status_code == 200, src
    assert "/static/vendor/cytoscape/cytoscape.min.js" in page
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["cruce"]
    static = ROOT / "src/cruce/web/static"
    for path in static.rglob("*"):
        if path.is_file():
            inside = path.relative_to(ROOT / "src/cruce").as_posix()
            assert any(fnmatch(inside, g) and inside.count("/") == g.count("/") for g in globs), inside
