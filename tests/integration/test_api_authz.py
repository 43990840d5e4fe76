"""The authorisation matrix: every API route x role x partner country, allowed or denied as the policy says.

The expected statuses are written out here, by hand, from the policy (`cruce.service.operations.ROLES`
and `cruce.sharing.access`), so that a change to the policy has to change this table too. Resources are
USA's: an alert a USA analyst raised, a USA product, a USA analyst's job. A test also checks the table
covers every route the OpenAPI document lists.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from api_fixtures import PARTNERS, ROLES, Node, prepare, serve, user_id, wait_job
from sharing_fixtures import PASSWORD

READ = {"analyst", "releasing_officer", "officer"}  # cruce.sharing.access.READING_ROLES
SCREEN = {"officer", "analyst"}
LISTS = {"officer", "analyst", "releasing_officer", "admin"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # OpenAPI template
    allowed: Callable[[str, str], bool]  # (role, country) -> allowed?
    ok: int = 200
    body: Callable[[str, str], dict[str, Any]] | None = None  # request kwargs for (role, country)


def roles(allowed: set[str], country: str | None = None) -> Callable[[str, str], bool]:
    return lambda role, c: role in allowed and (country is None or c == country)


def nobody(_role: str, _country: str) -> bool:
    return False


def everyone(_role: str, _country: str) -> bool:
    return True


def only(role: str, country: str) -> Callable[[str, str], bool]:
    return lambda r, c: (r, c) == (role, country)


def product(role: str, country: str) -> dict[str, Any]:
    return {"json": {"product_id": f"report:{country}-{role}", "owner": "USA",
                     "title": {"text": "A title", "marking": "U"},
                     "portions": [{"text": "For Mexico", "marking": "S//REL TO USA, MEX"}]}}  # fmt: skip


ROUTES = (
    Route("GET", "/api/v1/health", everyone),
    Route("POST", "/api/v1/token", everyone,
          body=lambda r, c: {"data": {"username": user_id(r, c), "password": PASSWORD}}),
    Route("GET", "/api/v1/users/me", everyone),
    Route("POST", "/api/v1/screen", roles(SCREEN), body=lambda r, c: {"json": {"name": "Aurelio Zambrano"}}),
    Route("POST", "/api/v1/screen/batch", roles({"analyst"}), 202,
          body=lambda r, c: {"files": {"file": ("a.csv", b"id,name\n1,Ana Perez\n", "text/csv")}}),
    Route("GET", "/api/v1/jobs", roles(SCREEN)),
    Route("GET", "/api/v1/jobs/{job_id}", only("analyst", "USA")),
    Route("GET", "/api/v1/jobs/{job_id}/results", only("analyst", "USA")),
    Route("GET", "/api/v1/lists", roles(LISTS)),
    Route("GET", "/api/v1/lists/{list_id}/versions", roles(LISTS)),
    Route("POST", "/api/v1/lists/reload", roles({"admin"})),
    Route("GET", "/api/v1/alerts", roles(SCREEN)),
    Route("GET", "/api/v1/alerts/{alert_id}", roles(SCREEN, "USA")),
    Route("GET", "/api/v1/alerts/{alert_id}/history", roles(SCREEN, "USA")),
    Route("POST", "/api/v1/alerts/{alert_id}/assign", only("analyst", "USA"),
          body=lambda r, c: {"json": {"assignee": None}}),
    Route("POST", "/api/v1/alerts/{alert_id}/comments", only("analyst", "USA"), 201,
          body=lambda r, c: {"json": {"text": f"note by {c} {r}"}}),
    Route("POST", "/api/v1/alerts/{alert_id}/decision", only("analyst", "USA"),
          body=lambda r, c: {"json": {"state": "escalated"}}),
    Route("GET", "/api/v1/ports", roles(READ)),
    Route("POST", "/api/v1/crossings/simulations", roles({"analyst"}), 202,
          body=lambda r, c: {"json": {"port": "Nogales", "scale": 0.002}}),
    Route("POST", "/api/v1/products", only("analyst", "USA"), 201, body=product),  # MEX: not the owner
    Route("GET", "/api/v1/products", roles(READ)),
    Route("GET", "/api/v1/products/{product_id}", roles(READ)),  # MEX readers get the tear line
    Route("GET", "/api/v1/audit/records", roles({"auditor"})),
    Route("GET", "/api/v1/audit/verify", roles({"auditor"})),
    Route("GET", "/api/v1/users", roles({"admin"})),
    Route("POST", "/api/v1/users", only("admin", "USA"), 201,
          body=lambda r, c: {"json": {"user_id": f"new.{c}.{r}", "organisation": "cbp", "country": "USA",
                                      "clearance": "U", "roles": ["officer"]}}),
    Route("POST", "/api/v1/users/{user_id}/api-keys", only("admin", "USA"), 201),
)  # fmt: skip
ROUTES_BY_KEY = {(r.method, r.path): r for r in ROUTES}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node, dict[str, str]]]:
    """A served node with USA resources: an alert, a product, a finished batch job."""
    node = prepare(tmp_path_factory.mktemp("authz"))
    with serve(node) as base, httpx.Client(base_url=base, headers=node.headers("usa.analyst")) as usa:
        alert_id = usa.post("/api/v1/screen", json={"name": "Juan Carlos Hernandez"}).json()["alerts"][0]
        assert usa.post("/api/v1/products", json=product("setup", "USA")["json"]).status_code == 201
        files = {"file": ("a.csv", b"id,name\n1,Juan Carlos Hernandez\n", "text/csv")}
        job = usa.post("/api/v1/screen/batch", files=files).json()
        assert wait_job(usa, f"/api/v1/jobs/{job['job_id']}")["state"] == "done"
        params = {"alert_id": alert_id, "product_id": "report:USA-setup", "job_id": job["job_id"],
                  "list_id": "us-ofac-sdn", "user_id": "usa.officer"}  # fmt: skip
        yield base, node, params


def test_the_matrix_covers_every_route(world: tuple[str, Node, dict[str, str]]) -> None:
    base, _, _ = world
    spec = httpx.get(f"{base}/openapi.json").json()
    listed = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    assert listed == set(ROUTES_BY_KEY)


@pytest.mark.parametrize(
    ("route", "role", "country"),
    [pytest.param(r, role, c, id=f"{r.method} {r.path} {role} {c}")
     for r, role, c in itertools.product(ROUTES, ROLES, PARTNERS)],
)  # fmt: skip
def test_route_role_partner(
    world: tuple[str, Node, dict[str, str]], route: Route, role: str, country: str
) -> None:
    base, node, params = world
    uid = user_id(role, country)
    kwargs = route.body(role, country) if route.body else {}
    headers = {} if route.path == "/api/v1/token" else node.headers(uid)
    response = httpx.request(
        route.method, base + route.path.format(**params), headers=headers, timeout=30, **kwargs
    )
    allowed = route.allowed(role, country)
    expected = route.ok if allowed else 403
    assert response.status_code == expected, f"{uid}: {response.text[:300]}"
    if not allowed:
        assert response.json()["error"]["code"] == "forbidden"
    if route.path == "/api/v1/products/{product_id}" and allowed:
        assert response.json()["view"] == ("full" if country == "USA" else "tear-line")
