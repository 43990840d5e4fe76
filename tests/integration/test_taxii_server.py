"""cruce's TAXII 2.1 server over real HTTP (uvicorn on loopback), on SQLite: endpoints, pagination, filters,
authentication on every route, permissions, marking enforcement, and the reference taxii2-client."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sharing_fixtures import (
    COLLECTION,
    FAST_SCRYPT_N,
    FORBIDDEN_TO_MEX,
    PASSWORD,
    REL_MEX,
    marked_object,
    marked_objects,
    product,
    serve,
    setup_accounts,
)

from cruce.api.taxii import ROUTES
from cruce.core.errors import CruceError
from cruce.service.sharing import TAXII_MEDIA, partner_report_id, publish
from cruce.sharing.audit import Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.products import ProductStore
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

PRODUCTS = 4
OBJECTS = 2500


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A node with 4 published products and 2,500 marked indicators (+ a second version of one), serving."""
    url = f"sqlite:///{tmp_path_factory.mktemp('taxii') / 'node.db'}"
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        setup_accounts(sharing)
        usa = sharing.account("usa.analyst")
        for i in range(PRODUCTS):
            publish(sharing, AuditLog(store.engine), usa, COLLECTION, product(i))
        result = sharing.add_objects(
            COLLECTION, [*marked_objects(OBJECTS), marked_object(2, REL_MEX, version=5)]
        )
        assert not result.failures
    with serve(url) as base:
        yield base, url


def client(user: str = "usa.analyst") -> httpx.Client:
    return httpx.Client(auth=(user, PASSWORD), headers={"Accept": TAXII_MEDIA}, timeout=30)


def objects_url(base: str) -> str:
    return f"{base}/cruce/collections/{COLLECTION}/objects/"


def all_pages(base: str, user: str, params: dict[str, Any], limit: int = 1000) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    query = {**params, "limit": limit}
    with client(user) as http:
        while True:
            response = http.get(objects_url(base), params=query)
            assert response.status_code == 200, response.text
            envelope = response.json()
            got += envelope.get("objects", [])
            if not envelope["more"]:
                return got
            query = {**params, "limit": limit, "next": envelope["next"]}


def test_discovery_api_root_and_collections(node: tuple[str, str]) -> None:
    base, _ = node
    with client() as http:
        discovery = http.get(f"{base}/taxii2/")
        assert discovery.headers["content-type"] == TAXII_MEDIA
        assert discovery.json()["api_roots"] == [f"{base}/cruce/"]
        root = http.get(f"{base}/cruce/").json()
        assert root["versions"] == [TAXII_MEDIA] and root["max_content_length"] > 0
        listed = http.get(f"{base}/cruce/collections/").json()["collections"]
        assert [(c["id"], c["can_read"], c["can_write"]) for c in listed] == [(COLLECTION, True, True)]
    with client("mex.officer") as http:
        one = http.get(f"{base}/cruce/collections/{COLLECTION}/").json()
        assert (one["can_read"], one["can_write"]) == (True, False)


def test_pagination_returns_every_object_exactly_once_in_order(node: tuple[str, str]) -> None:
    base, _ = node
    got = all_pages(base, "usa.analyst", {"match[version]": "all", "match[type]": "indicator"})
    assert len(got) == OBJECTS + 1
    assert len({(o["id"], o["modified"]) for o in got}) == OBJECTS + 1
    with client() as http:
        first = http.get(objects_url(base), params={"limit": 1000, "match[type]": "indicator"})
    assert first.headers["X-TAXII-Date-Added-First"] < first.headers["X-TAXII-Date-Added-Last"]
    assert first.json()["more"] is True and len(first.json()["objects"]) == 1000


def test_added_after_and_match_filters(node: tuple[str, str]) -> None:
    base, _ = node
    with client() as http:
        page = http.get(objects_url(base), params={"limit": 10, "match[type]": "indicator"})
        cut = page.headers["X-TAXII-Date-Added-Last"]
        after = all_pages(base, "usa.analyst", {"added_after": cut, "match[type]": "indicator"})
        assert len(after) == OBJECTS - 10  # the default is the last version: indicator 2 counts once
        target = marked_object(7, REL_MEX)["id"]
        by_id = http.get(objects_url(base), params={"match[id]": target}).json()["objects"]
        assert [o["id"] for o in by_id] == [target]
        two = marked_object(2, REL_MEX)["id"]
        last = http.get(objects_url(base), params={"match[id]": two}).json()["objects"]
        first = http.get(objects_url(base), params={"match[id]": two, "match[version]": "first"}).json()
        every = http.get(objects_url(base), params={"match[id]": two, "match[version]": "all"}).json()
        exact = http.get(
            objects_url(base), params={"match[id]": two, "match[version]": "2026-01-01T00:00:00.000Z"}
        ).json()
        assert [o["modified"] for o in last] == ["2026-01-01T00:05:00.000Z"]
        assert [o["modified"] for o in first["objects"]] == ["2026-01-01T00:00:00.000Z"]
        assert len(every["objects"]) == 2 and exact["objects"] == first["objects"]
        none = http.get(objects_url(base), params={"match[spec_version]": "2.0", "limit": 5}).json()
        assert none == {"more": False, "objects": []}
        bad = http.get(objects_url(base), params={"added_after": "yesterday"})
        assert bad.status_code == 400 and bad.json()["http_status"] == "400"


def test_manifest_versions_object_and_status(node: tuple[str, str]) -> None:
    base, _ = node
    two = marked_object(2, REL_MEX)["id"]
    with client() as http:
        manifest = http.get(f"{base}/cruce/collections/{COLLECTION}/manifest/", params={"limit": 3}).json()
        assert len(manifest["objects"]) == 3 and manifest["more"] is True
        assert set(manifest["objects"][0]) == {"id", "date_added", "version", "media_type"}
        versions = http.get(objects_url(base) + f"{two}/versions/").json()
        assert versions["versions"] == ["2026-01-01T00:00:00.000000Z", "2026-01-01T00:05:00.000000Z"]
        one = http.get(objects_url(base) + f"{two}/").json()["objects"]
        assert [o["modified"] for o in one] == ["2026-01-01T00:05:00.000Z"]
        assert (
            http.get(objects_url(base) + "indicator--00000000-0000-4000-8000-000000000000/").status_code
            == 404
        )
        new = marked_object(90_001, REL_MEX)
        posted = http.post(
            objects_url(base),
            content=json.dumps({"objects": [new, new, {"type": "indicator"}]}),
            headers={"Content-Type": TAXII_MEDIA},
        )
        assert posted.status_code == 202
        status = posted.json()
        assert (status["status"], status["success_count"], status["failure_count"]) == ("complete", 2, 1)
        again = http.post(
            objects_url(base), content=json.dumps({"objects": [new]}), headers={"Content-Type": TAXII_MEDIA}
        ).json()
        assert again["successes"][0]["message"] == "already present"  # re-posting is a no-op
        fetched = http.get(f"{base}/cruce/status/{status['id']}/").json()
        assert fetched == status
        stored = http.get(objects_url(base), params={"match[id]": new["id"], "match[version]": "all"})
        assert len(stored.json()["objects"]) == 1


def _route_url(base: str, route: str) -> str:
    return base + route.format(collection=COLLECTION, object="indicator--x", status="s")


@pytest.mark.parametrize(("method", "route"), ROUTES)
@pytest.mark.parametrize(
    "auth", [None, ("usa.analyst", "wrong password"), ("nobody", PASSWORD), "Bearer nope"]
)
def test_every_endpoint_refuses_without_valid_credentials(
    node: tuple[str, str], method: str, route: str, auth: Any
) -> None:
    base, _ = node
    headers = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA}
    kwargs: dict[str, Any] = {}
    if isinstance(auth, str):
        headers["Authorization"] = auth
    elif auth is not None:
        kwargs["auth"] = auth
    body = b'{"objects": []}' if method == "POST" else None
    response = httpx.request(
        method, _route_url(base, route), headers=headers, content=body, timeout=30, **kwargs
    )
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]
    assert response.headers["content-type"] == TAXII_MEDIA


def test_a_token_authenticates_and_is_stored_only_hashed(node: tuple[str, str]) -> None:
    base, url = node
    with open_store(url) as store:
        token = SharingStore(store.engine).issue_token("can.analyst")
        stored = [
            row[0] for row in store.engine.connect().exec_driver_sql("SELECT token_sha256 FROM share_tokens")
        ]
    assert token not in stored and all(len(s) == 64 for s in stored)
    response = httpx.get(objects_url(base), headers={"Authorization": f"Bearer {token}"}, params={"limit": 1})
    assert response.status_code == 200


def test_no_permission_is_403_and_audited(node: tuple[str, str]) -> None:
    base, url = node
    with client("outsider") as http:
        assert http.get(objects_url(base)).status_code == 403
        assert http.get(f"{base}/cruce/collections/{COLLECTION}/").status_code == 403
        assert http.get(f"{base}/cruce/collections/").json() == {}
    with client("mex.officer") as http:
        posted = http.post(
            objects_url(base), content=b'{"objects": []}', headers={"Content-Type": TAXII_MEDIA}
        )
        assert posted.status_code == 403
    with open_store(url) as store:
        denials = [r.event for r in AuditLog.of(store).latest(50) if r.event.outcome is Outcome.DENIED]
    assert {e.actor for e in denials} >= {"outsider", "mex.officer"}


def _marking_names(objects: list[dict[str, Any]]) -> dict[str, str]:
    return {o["id"]: o.get("name", "") for o in objects if o["type"] == "marking-definition"}


@pytest.mark.parametrize("user", ["mex.officer", "mex.conf"])
def test_a_mex_account_never_receives_what_is_not_releasable_to_mex(node: tuple[str, str], user: str) -> None:
    base, _ = node
    everything = all_pages(base, "usa.analyst", {"match[version]": "all"})
    mex = all_pages(base, user, {"match[version]": "all"})
    names = _marking_names(everything)
    forbidden = {i for i, name in names.items() if name in FORBIDDEN_TO_MEX}
    assert forbidden and len(mex) < len(everything)
    for obj in mex:
        refs = set(obj.get("object_marking_refs", [])) | {
            g["marking_ref"] for g in obj.get("granular_markings", [])
        }
        assert not refs & forbidden, obj["id"]
        assert obj["id"] not in forbidden
        assert "Source-derived detail" not in json.dumps(obj) and "Ontario" not in json.dumps(obj)
    served = {o["id"] for o in mex}
    referenced = {r for o in mex for r in o.get("object_marking_refs", [])}
    assert referenced <= served  # every marking a released object uses is released with it
    reports = {o["id"]: o for o in mex if o["type"] == "report"}
    # reports are redacted, not withheld: each reader gets the portions released to them, and no metadata
    # (product id, author, the partner a version was made for) marked beyond them
    for report in reports.values():
        if report.get("x_cruce_partner") != "MEX":
            assert not {"x_cruce_product_id", "x_cruce_author", "x_cruce_partner"} & set(report)
    if user == "mex.officer":
        assert reports[partner_report_id(product(0).product_id, "MEX")]["x_cruce_portions"]
        can = reports[partner_report_id(product(0).product_id, "CAN")]
        assert "x_cruce_portions" not in can  # its only portion is REL TO USA, CAN
    else:  # cleared CONFIDENTIAL: nothing SECRET, so only the unclassified titles
        assert reports and not any({"x_cruce_portions", "description"} & set(r) for r in reports.values())
    can = all_pages(base, "can.analyst", {"match[version]": "all"})
    assert not any("Tunnel near the port" in json.dumps(o) for o in can)


def test_the_reference_taxii2_client_works_against_the_server(node: tuple[str, str]) -> None:
    from taxii2client.v21 import Server, as_pages

    base, _ = node
    server = Server(f"{base}/taxii2/", user="usa.analyst", password=PASSWORD)
    assert server.title == "cruce TAXII server"
    api_root = server.api_roots[0]
    assert api_root.title and [c.id for c in api_root.collections] == [COLLECTION]
    collection = api_root.collections[0]
    assert collection.can_read and collection.can_write
    first = collection.get_objects(limit=5)
    assert len(first["objects"]) == 5 and first["more"] is True
    seen = [
        o["id"]
        for page in as_pages(collection.get_objects, per_request=1000, type="indicator")
        for o in page.get("objects", [])
    ]
    assert len(seen) == len(set(seen)) >= OBJECTS
    new = marked_object(91_000, REL_MEX)
    status = collection.add_objects({"objects": [new]})
    assert status.status == "complete" and status.success_count == 1
    assert collection.get_object(new["id"])["objects"][0]["id"] == new["id"]
    manifest = collection.get_manifest(limit=2)
    assert len(manifest["objects"]) == 2
    versions = collection.object_versions(marked_object(2, REL_MEX)["id"])
    assert len(versions["versions"]) == 2
    mex = Server(f"{base}/taxii2/", user="mex.officer", password=PASSWORD).api_roots[0].collections[0]
    assert not mex.can_write


def test_publishing_needs_a_write_right_the_releasing_role_and_no_need_to_know(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'node.db'}") as store:
        sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
        setup_accounts(sharing)
        sharing.add_account("usa.officer", organisation="cbp-ofo", country="USA", clearance="TS",
                            roles=("officer",), password=PASSWORD, scrypt_n=FAST_SCRYPT_N)  # fmt: skip
        sharing.grant(COLLECTION, "user:usa.officer", read=True, write=True)
        refusals = {
            "outsider": "no write right",  # an analyst with no grant on the collection
            "usa.officer": "releasing_officer is needed",  # a grant, but a read-only role
        }
        for user, reason in refusals.items():
            with pytest.raises(CruceError, match=reason):
                publish(sharing, audit, sharing.account(user), COLLECTION, product(0))
        secret = dataclasses.replace(product(1), need_to_know=frozenset({"tunnels"}))
        with pytest.raises(CruceError, match="need-to-know products are not shared"):
            publish(sharing, audit, sharing.account("usa.analyst"), COLLECTION, secret)
        assert ProductStore(sharing.engine).get(product(0).product_id) is None  # refused: none stored
        denials = [
            r for r in audit.records() if r.event.outcome is Outcome.DENIED and r.event.action == "publish"
        ]
        assert len(denials) == 3
