"""`POST /api/v1/screen` served by `ScreenFastPath` (credentials in the token cache, a valid JSON body)
answers exactly as the FastAPI route does (which serves a key's first request, before the cache knows it),
is audited the same, and hands everything else to the app (422, 401, other content types) unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_fixtures import Node, prepare, serve, user_id

from cruce.sharing.audit import Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

LISTED = {"name": "Juan Carlos Hernandez", "birth_date": "1975-03-02", "country": "MX"}
NOBODY = {"name": "Zxqv Plomb", "documents": ["passport:X1"], "top": 3}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node]]:
    node = prepare(tmp_path_factory.mktemp("fast"))
    with serve(node) as base:
        yield base, node


def fresh_key(node: Node) -> str:
    """A new API key of the USA officer: the server's token cache has never seen it."""
    with open_store(node.settings.resolved_database_url()) as store:
        return SharingStore(store.engine).issue_token(user_id("officer", "USA"))


def screen_records(node: Node) -> list[Any]:
    with open_store(node.settings.resolved_database_url()) as store:
        return [r for r in AuditLog.of(store).records() if r.event.action == "screen"]


@pytest.mark.parametrize("query", [LISTED, NOBODY], ids=["alerting", "no-match"])
def test_the_fast_path_answers_and_audits_as_the_route_does(
    api: tuple[str, Node], query: dict[str, Any]
) -> None:
    base, node = api
    key = fresh_key(node)
    before = len(screen_records(node))
    with httpx.Client(base_url=base, headers={"X-API-Key": key}) as http:
        by_route = http.post("/api/v1/screen", json=query)  # a key the cache has not seen: FastAPI's route
        by_fast_path = http.post("/api/v1/screen", json=query)
    assert by_route.status_code == by_fast_path.status_code == 200
    assert by_fast_path.json() == by_route.json()
    assert by_fast_path.json()["candidates"] or query is NOBODY
    assert by_fast_path.headers["content-type"] == by_route.headers["content-type"]
    assert by_fast_path.headers["x-request-id"] != by_route.headers["x-request-id"]
    records = screen_records(node)[before:]
    assert len(records) == 2
    assert [r.event.outcome for r in records] == [Outcome.ALLOWED, Outcome.ALLOWED]
    assert records[0].event.resource == records[1].event.resource == f"person:{query['name']}"
    assert records[0].event.reason == records[1].event.reason


def test_what_the_fast_path_cannot_serve_gets_the_apps_own_answer(api: tuple[str, Node]) -> None:
    base, node = api
    key = node.keys[user_id("officer", "USA")]
    with httpx.Client(base_url=base, headers={"X-API-Key": key}) as http:
        assert http.post("/api/v1/screen", json=NOBODY).status_code == 200  # the key is cached now
        unknown_field = http.post("/api/v1/screen", json={**NOBODY, "nickname": "x"})
        assert unknown_field.status_code == 422
        assert unknown_field.json()["error"]["code"] == "invalid_request"
        broken = http.post(
            "/api/v1/screen", content=b'{"name": ', headers={"Content-Type": "application/json"}
        )
        assert broken.status_code == 422
        assert broken.json()["error"]["code"] == "invalid_request"
        bad_top = http.post("/api/v1/screen", json={**NOBODY, "top": 0})
        assert bad_top.status_code == 422
    unknown = httpx.post(f"{base}/api/v1/screen", json=NOBODY, headers={"X-API-Key": "not-a-key"})
    assert unknown.status_code == 401
    assert unknown.headers["www-authenticate"] == 'Bearer realm="cruce"'
    nobody = httpx.post(f"{base}/api/v1/screen", json=NOBODY)
    assert nobody.status_code == 401


def test_a_role_without_screening_is_refused_and_audited(api: tuple[str, Node]) -> None:
    base, node = api
    auditor = user_id("auditor", "USA")
    with httpx.Client(base_url=base, headers=node.headers(auditor)) as http:
        answers = [http.post("/api/v1/screen", json=NOBODY) for _ in range(2)]  # the second one: cached key
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()
    denied = [r for r in screen_records(node) if r.event.actor == auditor]
    assert [r.event.outcome for r in denied[-2:]] == [Outcome.DENIED, Outcome.DENIED]
