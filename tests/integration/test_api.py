"""The REST API over real HTTP (uvicorn on loopback): sign-in, screening with reasons, the alert work queue
with its false-positive memory, batch jobs, products and tear lines, pagination, and the error envelope.
The alert flow runs on SQLite and once on PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fixtures import SUPER, Node, prepare, serve, wait_job
from sharing_fixtures import PASSWORD

from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

HERNANDEZ = {"name": "Juan Carlos Hernandez", "birth_date": "1975-03-02", "country": "MX"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node]]:
    node = prepare(tmp_path_factory.mktemp("api"))
    with serve(node) as base:
        yield base, node


def client(base: str, node: Node, user: str = "usa.analyst") -> httpx.Client:
    return httpx.Client(base_url=base, headers=node.headers(user), timeout=30)


def assert_envelope(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return dict(body["error"])


def test_token_flow_gives_an_expiring_bearer_token(api: tuple[str, Node]) -> None:
    base, _ = api
    got = httpx.post(f"{base}/api/v1/token", data={"username": "usa.analyst", "password": PASSWORD})
    assert got.status_code == 200, got.text
    token = got.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    me = httpx.get(f"{base}/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["user_id"] == "usa.analyst"
    assert me.json()["roles"] == ["analyst"]
    wrong = httpx.post(f"{base}/api/v1/token", data={"username": "usa.analyst", "password": "nope"})
    assert_envelope(wrong, 401, "unauthenticated")
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    forged = httpx.get(f"{base}/api/v1/users/me", headers={"Authorization": "Bearer cruce_at_forged"})
    assert_envelope(forged, 401)


def test_an_expired_token_is_refused(tmp_path: Path) -> None:
    from datetime import timedelta

    node = prepare(tmp_path)
    with serve(node, token_ttl=timedelta(seconds=-1)) as base:
        token = httpx.post(f"{base}/api/v1/token", data={"username": "usa.analyst", "password": PASSWORD})
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert_envelope(httpx.get(f"{base}/api/v1/users/me", headers=bearer), 401)


def test_api_key_flow_for_systems(api: tuple[str, Node]) -> None:
    base, node = api
    with client(base, node, "usa.admin") as admin:
        booth = {"user_id": "usa.booth-7", "organisation": "cbp", "country": "USA", "clearance": "U",
                 "roles": ["officer"], "kind": "system"}  # fmt: skip
        made = admin.post("/api/v1/users", json=booth)
        assert made.status_code == 201, made.text
        key = admin.post("/api/v1/users/usa.booth-7/api-keys").json()["api_key"]
        foreign = admin.post("/api/v1/users/mex.officer/api-keys")
        assert_envelope(foreign, 404, "account_not_found")  # another country's account is not there
        assert_envelope(admin.post("/api/v1/users/usa.officer/api-keys"), 403, "forbidden")  # a person
    me = httpx.get(f"{base}/api/v1/users/me", headers={"X-API-Key": key})
    assert me.json()["user_id"] == "usa.booth-7"
    screened = httpx.post(f"{base}/api/v1/screen", json=HERNANDEZ, headers={"X-API-Key": key})
    assert screened.status_code == 200
    assert_envelope(httpx.get(f"{base}/api/v1/users/me", headers={"X-API-Key": key + "x"}), 401)


def test_screening_ranks_the_listed_person_first_with_reasons(api: tuple[str, Node]) -> None:
    base, node = api
    with client(base, node, "usa.officer") as http:
        got = http.post("/api/v1/screen", json={**HERNANDEZ, "documents": ["curp:HELJ750302HSLRPN09"]})
        assert got.status_code == 200, got.text
        first = got.json()["candidates"][0]
        assert first["entity_id"] == "us-ofac-sdn:9101" and first["alert"] is True
        names = {f["name"] for f in first["features"]}
        assert {"name", "birth_date"} <= names
        assert "1975-03-02" in first["reasons"]
        sister = http.post("/api/v1/screen", json={"name": "Maria Guadalupe Hernandez Lopez"}).json()
        assert sister["candidates"][0]["entity_id"] == "us-ofac-sdn:9102"
        nobody = http.post("/api/v1/screen", json={"name": "Zxqv Plomb"}).json()
        assert nobody["alerts"] == [] and all(not c["alert"] for c in nobody["candidates"])


def alert_flow(base: str, node: Node) -> None:
    """Alert -> assign -> comment -> false positive -> not again -> new date of birth -> alerts again."""
    person = {"name": "Ernesto Ocampo Rivas", "birth_date": "1958-11-11"}
    with client(base, node) as http:
        first = http.post("/api/v1/screen", json=person).json()
        assert first["candidates"][0]["entity_id"] == "us-ofac-sdn:9106"
        (alert_id,) = first["alerts"]
        again = http.post("/api/v1/screen", json=person).json()
        assert again["alerts"] == [alert_id]  # still under review: the same alert, not a second one
        alert = http.get(f"/api/v1/alerts/{alert_id}").json()
        assert alert["state"] == "open" and alert["person"]["birth_date"] == "1958-11-11"
        assert alert["features"] and alert["country"] == "USA"
        assigned = http.post(f"/api/v1/alerts/{alert_id}/assign", json={"assignee": "usa.analyst"})
        assert assigned.status_code == 200, assigned.text
        said = http.post(
            f"/api/v1/alerts/{alert_id}/comments", json={"text": "different person: CURP differs"}
        )
        assert said.status_code == 201
        decided = http.post(f"/api/v1/alerts/{alert_id}/decision", json={"state": "false_positive"})
        assert decided.status_code == 200 and decided.json()["state"] == "false_positive"
        assert_envelope(
            http.post(f"/api/v1/alerts/{alert_id}/decision", json={"state": "escalated"}),
            400,
            "bad_transition",
        )
        history = http.get(f"/api/v1/alerts/{alert_id}/history").json()["items"]
        assert [e["kind"] for e in history] == ["created", "assigned", "commented", "decided"]
        assert history[1]["details"]["assignee"] == "usa.analyst"
        assert history[2]["text"] == "different person: CURP differs"
        quiet = http.post("/api/v1/screen", json=person).json()
        assert quiet["alerts"] == [] and quiet["suppressed"] == [alert_id]
        assert quiet["candidates"][0]["alert"] is False
        changed = http.post("/api/v1/screen", json={**person, "birth_date": "1958-11-12"}).json()
        assert len(changed["alerts"]) == 1 and changed["alerts"][0] != alert_id
        open_now = http.get("/api/v1/alerts", params={"state": "open"}).json()["items"]
        assert changed["alerts"][0] in {a["alert_id"] for a in open_now}
    with client(base, node, "mex.analyst") as mex:
        assert_envelope(mex.get(f"/api/v1/alerts/{alert_id}"), 404, "alert_not_found")
        assert alert_id not in {a["alert_id"] for a in mex.get("/api/v1/alerts").json()["items"]}


def test_alert_review_and_false_positive_memory(api: tuple[str, Node]) -> None:
    alert_flow(*api)


@pytest.mark.postgres
def test_alert_flow_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    node = prepare(tmp_path, postgres_url)
    with serve(node, mount_taxii=False) as base:
        alert_flow(base, node)


def test_pagination_returns_every_item_exactly_once(api: tuple[str, Node]) -> None:
    base, node = api
    with client(base, node, "mex.analyst") as http:
        for i in range(23):  # each a different person: 23 alerts for MEX
            got = http.post(
                "/api/v1/screen", json={**HERNANDEZ, "id": str(i), "birth_date": f"1975-03-{i + 1:02d}"}
            )
            assert got.status_code == 200
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 5}
        pages = 0
        while True:
            page = http.get("/api/v1/alerts", params=params).json()
            seen += [a["alert_id"] for a in page["items"]]
            pages += 1
            if page["next"] is None:
                break
            params = {"limit": 5, "cursor": page["next"]}
        whole = http.get("/api/v1/alerts", params={"limit": 500}).json()
        assert whole["next"] is None
        assert len(seen) == len(set(seen)) == len(whole["items"]) >= 20
        assert seen == [a["alert_id"] for a in whole["items"]] and pages == -(-len(seen) // 5)
    with client(base, node, "usa.officer") as officer:  # USA records of its own, whatever ran before
        for i in range(21):
            assert officer.post("/api/v1/screen", json={"name": f"Persona Nadie {i}"}).status_code == 200
    with client(base, node, "usa.auditor") as auditor:
        records: list[int] = []
        cursor = None
        while True:
            page = auditor.get(
                "/api/v1/audit/records", params={"limit": 50, **({"cursor": cursor} if cursor else {})}
            )
            records += [r["seq"] for r in page.json()["items"]]
            cursor = page.json()["next"]
            if cursor is None:
                break
        # USA's records only (other countries' are gaps): each once, in order.
        assert records == sorted(set(records)) and len(records) > 20
        assert auditor.get("/api/v1/audit/verify").json()["ok"] is True


def test_error_envelope_on_every_kind_of_error(api: tuple[str, Node]) -> None:
    base, node = api
    with client(base, node) as http:
        assert_envelope(http.post("/api/v1/screen", json={"name": "Juan", "birth_date": "31/31/99"}), 400)
        assert_envelope(http.get("/api/v1/alerts", params={"cursor": "not-a-cursor"}), 400, "bad_cursor")
        assert_envelope(httpx.get(f"{base}/api/v1/alerts"), 401, "unauthenticated")
        assert_envelope(http.get("/api/v1/audit/records"), 403, "forbidden")
        assert_envelope(http.get("/api/v1/alerts/alert:nope"), 404, "alert_not_found")
        assert_envelope(http.get("/api/v1/products/report:none"), 404, "product_not_found")
        bad = assert_envelope(
            http.post("/api/v1/screen", json={"name": "x", "top": 999}), 422, "invalid_request"
        )
        assert bad["details"]["errors"][0]["loc"] == ["body", "top"]
        assert_envelope(
            http.post("/api/v1/screen", content=b"{", headers={"content-type": "application/json"}), 422
        )
        assert_envelope(http.get("/api/v1/nowhere"), 404)


def test_products_full_for_the_owner_and_a_tear_line_for_the_partner(api: tuple[str, Node]) -> None:
    base, node = api
    product = {
        "product_id": "report:api-1", "owner": "USA",
        "title": {"text": "Tunnel activity near Nogales", "marking": "U"},
        "portions": [{"text": "Shared with Mexico", "marking": "S//REL TO USA, MEX"},
                     {"text": "Source detail", "marking": "S//NOFORN"}],
        "tearline_summary": {"text": "Expect more tunnel activity", "marking": "U"},
    }  # fmt: skip
    with client(base, node) as analyst:  # the REL TO portion and the U title reach MEX: a release
        assert_envelope(analyst.post("/api/v1/products", json=product), 403)
    with client(base, node, SUPER) as usa:  # an analyst who is also a releasing officer
        made = usa.post("/api/v1/products", json=product)
        assert made.status_code == 201, made.text
        assert_envelope(usa.post("/api/v1/products", json=product), 409, "product_exists")
        full = usa.get("/api/v1/products/report:api-1").json()
        assert full["view"] == "full" and len(full["portions"]) == 2
    with client(base, node, "mex.officer") as mex:
        torn = mex.get("/api/v1/products/report:api-1").json()
        assert torn["view"] == "tear-line" and torn["partner"] == "MEX"
        assert [p["text"] for p in torn["portions"]] == ["Shared with Mexico"]
        assert "NOFORN" not in str(torn) and "Source detail" not in str(torn)
        listed = mex.get("/api/v1/products").json()["items"]
        assert [(p["product_id"], p["view"]) for p in listed] == [("report:api-1", "tear-line")]
    with client(base, node, "mex.analyst") as mex_analyst:
        assert_envelope(mex_analyst.post("/api/v1/products", json={**product, "product_id": "x"}), 403)
        own = {  # a Mexican product: its REL TO lists start with MEX
            "product_id": "informe:mex-1", "owner": "MEX",
            "title": {"text": "Túnel en Nogales", "marking": "U"},
            "portions": [{"text": "Compartido con EE. UU.", "marking": "S//REL TO MEX, USA"},
                         {"text": "Fuente", "marking": "S//NOFORN"}],
        }  # fmt: skip
        assert_envelope(mex_analyst.post("/api/v1/products", json=own), 403)  # a release: not an analyst's
    with open_store(node.settings.resolved_database_url()) as store:
        SharingStore(store.engine).add_account(
            "mex.analyst-releaser", organisation="sat", country="MEX", clearance="S",
            roles=["analyst", "releasing_officer"],
        )  # fmt: skip
        node.keys["mex.analyst-releaser"] = SharingStore(store.engine).issue_token("mex.analyst-releaser")
    with client(base, node, "mex.analyst-releaser") as mex_releaser:
        made = mex_releaser.post("/api/v1/products", json=own)
        assert made.status_code == 201, made.text
    with client(base, node, "usa.officer") as usa_officer:
        torn = usa_officer.get("/api/v1/products/informe:mex-1").json()
        assert torn["view"] == "tear-line"
        assert [p["text"] for p in torn["portions"]] == ["Compartido con EE. UU."]


def test_batch_screening_job_reports_progress_and_results(api: tuple[str, Node]) -> None:
    base, node = api
    rows = [
        "id,name,birth_date",
        "1,Juan Carlos Hernandez,1975-03-02",
        "2,Rosa Nadie,",
        "3,Bad Date,31/31/99",
    ]
    rows += [f"{i},Persona Numero {i}," for i in range(4, 600)]
    with client(base, node) as http:
        started = http.post(
            "/api/v1/screen/batch", files={"file": ("in.csv", "\n".join(rows).encode(), "text/csv")}
        )
        assert started.status_code == 202, started.text
        job = wait_job(http, f"/api/v1/jobs/{started.json()['job_id']}")
        assert job["state"] == "done", job
        assert job["total"] == 599 and job["done"] == 599 and job["progress"] == 1.0
        summary = job["summary"]
        assert isinstance(summary, dict) and summary["rejected"] == 1 and summary["errors"][0]["line"] == 4
        results = http.get(str(job["results"]))
        assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
        lines = results.text.splitlines()
        assert lines[0].startswith("query_id,rank,entity_id") and lines[1].startswith("1,1,us-ofac-sdn:9101")
        table = list(csv.DictReader(io.StringIO(results.text)))
        about = http.get("/api/v1/matcher").json()
        label = f"{about['name']} {about['version']} @{about['threshold']:.2f}"
        assert {row["matcher"] for row in table} == {label}  # every row says which scorer judged it
        assert_envelope(
            http.post("/api/v1/screen/batch", files={"file": ("x.csv", b"a,b\n1,2", "text/csv")}), 400
        )
    with client(base, node, "usa.officer") as other:
        assert_envelope(other.get(f"/api/v1/jobs/{job['job_id']}"), 404, "job_not_found")


def test_the_matcher_documents_itself_and_alerts_record_it(api: tuple[str, Node]) -> None:
    base, node = api
    assert_envelope(httpx.get(f"{base}/api/v1/matcher"), 401, "unauthenticated")
    with client(base, node, "usa.officer") as http:
        about = http.get("/api/v1/matcher")
        assert about.status_code == 200, about.text
        body = about.json()
        assert body["name"] == "cruce-names" and body["version"] and 0 < body["threshold"] <= 1
        assert any(f["name"] == "birth_date" for f in body["features"]) and body["config"]["threshold"]
        assert body["runs"] in {"compiled (mypyc)", "pure Python"}
        if os.environ.get("CRUCE_REQUIRE_COMPILED"):  # CI's install compiles the matcher
            assert body["runs"] == "compiled (mypyc)"
        first = http.post("/api/v1/screen", json=HERNANDEZ).json()["candidates"][0]
        recorded = next(f for f in first["features"] if f["name"] == "matcher")
        assert recorded["detail"].startswith("cruce-names ") and recorded["value"] == body["threshold"]
