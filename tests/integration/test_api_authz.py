"""The authorisation matrix: every API route x role x partner country, allowed or denied as the policy says.

The expected statuses are written out here, by hand, from the policy (`cruce.service.policy.ROLES`
and `cruce.sharing.access`), so that a change to the policy has to change this table too. Resources are
USA's: an alert a USA analyst raised, a USA product, a USA analyst's job, a USA system account. A role
that may not use a route gets 403; a role that may, asking for another country's (or another user's)
resource, gets 404, exactly as for a missing one. A test also checks the table covers every route the
OpenAPI document lists.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from api_fixtures import PARTNERS, ROLES, SUPER, Node, prepare, serve, user_id, wait_job
from programs_fixtures import application
from sharing_fixtures import PASSWORD

from cruce.cases.entities import proposal_id
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

READ = {"analyst", "releasing_officer", "officer"}  # cruce.sharing.access.READING_ROLES
SCREEN = {"officer", "analyst"}
LISTS = {"officer", "analyst", "releasing_officer", "admin"}
WRITE = {"analyst", "releasing_officer"}  # cruce.sharing.release.WRITING_ROLES
NF = "S//NOFORN"
PROGRAM_READ = {"officer", "analyst"}  # cruce.service.program_desk.READERS
CATALOGUE = {"analyst", "releasing_officer", "officer", "admin", "auditor"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # OpenAPI template
    allowed: Callable[[str, str], bool]  # (role, country) -> allowed?
    ok: int = 200
    body: Callable[[str, str], dict[str, Any]] | None = None  # request kwargs for (role, country)
    hidden: Callable[[str, str], bool] | None = None  # (role, country) -> answered 404 (not theirs)?
    params: Callable[[str, str, dict[str, str]], dict[str, str]] | None = None  # path params for a role


def roles(allowed: set[str], country: str | None = None) -> Callable[[str, str], bool]:
    return lambda role, c: role in allowed and (country is None or c == country)


def nobody(_role: str, _country: str) -> bool:
    return False


def everyone(_role: str, _country: str) -> bool:
    return True


def only(role: str, country: str) -> Callable[[str, str], bool]:
    return lambda r, c: (r, c) == (role, country)


def product(role: str, country: str) -> dict[str, Any]:
    """A product that stays in the USA: an analyst may write it without a releasing officer."""
    return {"json": {"product_id": f"report:{country}-{role}", "owner": "USA",
                     "title": {"text": "A title", "marking": "U//NOFORN"},
                     "portions": [{"text": "For the USA", "marking": "S//NOFORN"}]}}  # fmt: skip


def shared_product() -> dict[str, Any]:
    """Released to MEX: written by an account holding both analyst and releasing_officer."""
    return {"product_id": "report:USA-setup", "owner": "USA", "title": {"text": "A title", "marking": "U"},
            "portions": [{"text": "For Mexico", "marking": "S//REL TO USA, MEX"}]}  # fmt: skip


def traveler(passport: str, program: str = "sentri") -> dict[str, Any]:
    """A US national's application (a passport is all the program asks of one)."""
    return {
        "program": program,
        "applicant": {
            "name": f"Traveler {passport}",
            "birth_date": "1980-01-01",
            "nationality": "USA",
            "documents": [
                {"kind": "passport", "number": passport, "country": "USA", "expires": "2032-01-01"}
            ],
        },
    }


def applying(role: str, country: str) -> dict[str, Any]:
    """An application to a program of the caller's country: a traveler's for the USA, Mexico's OEA's file."""
    if country == "MEX":
        return {"json": json.loads(json.dumps(application("oea-company"), default=date.isoformat))}
    return {"json": traveler(f"2000{len(role):05d}")}


def foreign(allowed: set[str]) -> Callable[[str, str], bool]:
    """Roles that may use the route, asking for USA's resource from MEX: it is not there for them."""
    return lambda role, c: role in allowed and c != "USA"


def other_user(role: str, country: str) -> Callable[[str, str], bool]:
    return lambda r, c: r in SCREEN and (r, c) != (role, country)


ROUTES = (
    Route("GET", "/api/v1/health", everyone),
    Route("POST", "/api/v1/token", everyone,
          body=lambda r, c: {"data": {"username": user_id(r, c), "password": PASSWORD}}),
    Route("GET", "/api/v1/users/me", everyone),
    Route("POST", "/api/v1/screen", roles(SCREEN), body=lambda r, c: {"json": {"name": "Aurelio Zambrano"}}),
    Route("POST", "/api/v1/screen/batch", roles({"analyst"}), 202,
          body=lambda r, c: {"files": {"file": ("a.csv", b"id,name\n1,Ana Perez\n", "text/csv")}}),
    Route("GET", "/api/v1/matcher", everyone),  # the scorer's documentation: any signed-in account
    Route("GET", "/api/v1/jobs", roles(SCREEN)),
    Route("GET", "/api/v1/jobs/{job_id}", only("analyst", "USA"), hidden=other_user("analyst", "USA")),
    Route("GET", "/api/v1/jobs/{job_id}/results", only("analyst", "USA"),
          hidden=other_user("analyst", "USA")),
    Route("GET", "/api/v1/lists", roles(LISTS)),
    Route("GET", "/api/v1/lists/{list_id}/versions", roles(LISTS)),
    Route("POST", "/api/v1/lists/reload", roles({"admin"})),
    Route("GET", "/api/v1/alerts", roles(SCREEN)),
    Route("GET", "/api/v1/alerts/{alert_id}", roles(SCREEN, "USA"), hidden=foreign(SCREEN)),
    Route("GET", "/api/v1/alerts/{alert_id}/history", roles(SCREEN, "USA"), hidden=foreign(SCREEN)),
    Route("POST", "/api/v1/alerts/{alert_id}/assign", only("analyst", "USA"),
          body=lambda r, c: {"json": {"assignee": None}}, hidden=foreign({"analyst"})),
    Route("POST", "/api/v1/alerts/{alert_id}/comments", only("analyst", "USA"), 201,
          body=lambda r, c: {"json": {"text": f"note by {c} {r}"}}, hidden=foreign({"analyst"})),
    Route("POST", "/api/v1/alerts/{alert_id}/decision", only("analyst", "USA"),
          body=lambda r, c: {"json": {"state": "escalated"}}, hidden=foreign({"analyst"})),
    Route("GET", "/api/v1/ports", roles(READ)),
    Route("POST", "/api/v1/crossings/simulations", roles({"analyst"}), 202,
          body=lambda r, c: {"json": {"port": "Nogales", "scale": 0.002}}),
    Route("POST", "/api/v1/products", only("analyst", "USA"), 201, body=product),  # MEX: not the owner
    Route("GET", "/api/v1/products", roles(READ)),
    Route("GET", "/api/v1/products/{product_id}", roles(READ)),  # MEX readers get the tear line
    Route("GET", "/api/v1/incidents", roles(READ)),
    Route("POST", "/api/v1/incidents", roles(WRITE), 201,
          body=lambda r, c: {"json": {"kind": "flood", "name": f"flood {c} {r}", "marking": "C"}}),
    Route("GET", "/api/v1/incidents/{incident_id}", roles(READ, "USA"), hidden=foreign(READ)),
    Route("POST", "/api/v1/incidents/{incident_id}/sitreps", roles(WRITE, "USA"), 201,
          body=lambda r, c: {"json": {"portions": [{"marking": "C", "text": f"sitrep by {c} {r}"}]}},
          hidden=foreign(WRITE)),
    Route("GET", "/api/v1/rescues/heatmap", roles(READ)),
    Route("GET", "/api/v1/assessments", roles(READ)),
    Route("GET", "/api/v1/assets", roles(READ)),
    Route("GET", "/api/v1/assessments/{assessment_id}", roles(READ, "USA"), hidden=foreign(READ)),
    Route("GET", "/api/v1/audit/records", roles({"auditor"})),
    Route("GET", "/api/v1/audit/verify", roles({"auditor"})),
    Route("GET", "/api/v1/users", roles({"admin"})),
    Route("POST", "/api/v1/users", only("admin", "USA"), 201,
          body=lambda r, c: {"json": {"user_id": f"new.{c}.{r}", "organisation": "cbp", "country": "USA",
                                      "clearance": "U", "roles": ["officer"]}}),
    Route("POST", "/api/v1/users/{user_id}/api-keys", only("admin", "USA"), 201, hidden=foreign({"admin"})),
    Route("POST", "/api/v1/users/{user_id}/sign-out", only("admin", "USA"), hidden=foreign({"admin"})),
    # Joint cases: a USA case, not referred; MEX readers find nothing (404), as for a missing case.
    Route("GET", "/api/v1/cases", roles(READ)),
    Route("POST", "/api/v1/cases", roles(WRITE), 201,  # each country opens its own
          body=lambda r, c: {"json": {"title": f"case by {r}", "marking": "S//NOFORN"}}),
    Route("GET", "/api/v1/cases/network", roles(READ)),  # each country's readable cases only
    Route("GET", "/api/v1/cases/resolution", roles(READ)),  # each country's partition only
    Route("GET", "/api/v1/cases/resolution/history", roles(READ)),
    # a USA proposal (Juan Perez / Juan Pérez, no birth dates): MEX writers cannot see it (404)
    Route("POST", "/api/v1/cases/resolution/{proposal_id}/decision", roles(WRITE, "USA"), 201,
          body=lambda r, c: {"json": {"state": "accepted"} if r == "analyst"
                             else {"state": "rejected", "reason": "two men"}},
          hidden=foreign(WRITE)),
    Route("GET", "/api/v1/cases/{case_id}", roles(READ, "USA"), hidden=foreign(READ)),
    Route("POST", "/api/v1/cases/{case_id}/subjects", roles(WRITE, "USA"), 201, hidden=foreign(READ),
          body=lambda r, c: {"json": {"kind": "phone", "name": f"+1 520 {len(r):04d}", "marking": NF}}),
    Route("POST", "/api/v1/cases/{case_id}/events", roles(WRITE, "USA"), 201, hidden=foreign(READ),
          body=lambda r, c: {"json": {"kind": "seizure", "at": "2026-03-01T10:00:00Z", "marking": NF}}),
    Route("POST", "/api/v1/cases/{case_id}/evidence", roles(WRITE, "USA"), 201, hidden=foreign(READ),
          body=lambda r, c: {"json": {"description": "photo", "marking": NF, "content_base64": "aGk="}}),
    Route("POST", "/api/v1/cases/{case_id}/notes", roles(WRITE, "USA"), 201, hidden=foreign(READ),
          body=lambda r, c: {"json": {"text": "a note", "marking": "S//NOFORN"}}),
    Route("POST", "/api/v1/cases/{case_id}/tasks", roles(WRITE, "USA"), 201, hidden=foreign(READ),
          body=lambda r, c: {"json": {"text": f"task by {r}", "marking": NF}}),
    Route("POST", "/api/v1/cases/{case_id}/tasks/{task_id}/complete", roles(WRITE, "USA"),
          hidden=foreign(READ), body=lambda r, c: {"json": {"note": f"done by {r}"}},
          params=lambda r, c, p: {"task_id": p["task_id" if r == "analyst" else "task_id_2"]}),
    Route("POST", "/api/v1/cases/{case_id}/handovers", roles(WRITE, "USA"), 201, hidden=foreign(READ),
          body=lambda r, c: {"json": {"evidence_id": "ev-1", "purpose": "analysis",
                                      **({"from_holder": "agent-a", "to_holder": "lab"} if r == "analyst"
                                         else {"from_holder": "lab", "to_holder": "court"})}}),
    Route("GET", "/api/v1/cases/{case_id}/custody/verify", roles(READ, "USA"), hidden=foreign(READ)),
    Route("GET", "/api/v1/cases/{case_id}/guidelines/{partner}", roles(READ, "USA"), hidden=foreign(READ)),
    Route("GET", "/api/v1/cases/{case_id}/preview/{partner}", roles(READ, "USA"), hidden=foreign(READ)),
    Route("GET", "/api/v1/cases/{case_id}/stix/{partner}", only("releasing_officer", "USA"),
          hidden=foreign(READ)),  # an export is a release
    Route("POST", "/api/v1/cases/{case_id}/status", roles(WRITE, "USA"), hidden=foreign(READ),
          body=lambda r, c: {"json": {"to": "investigation" if r == "analyst" else "closed"}}),
    # Trusted programs: a USA application in vetting and a USA membership; MEX finds neither (404).
    Route("GET", "/api/v1/programs", roles(CATALOGUE)),
    Route("GET", "/api/v1/programs/applications", roles(PROGRAM_READ)),
    Route("POST", "/api/v1/programs/applications", roles({"analyst"}), 201, body=applying),
    Route("GET", "/api/v1/programs/applications/{application_id}", roles(PROGRAM_READ, "USA"),
          hidden=foreign(PROGRAM_READ)),
    Route("POST", "/api/v1/programs/applications/{application_id}/vet", only("analyst", "USA"),
          hidden=foreign({"analyst"})),
    Route("POST", "/api/v1/programs/applications/{application_id}/decision", only("analyst", "USA"),
          body=lambda r, c: {"json": {"decision": "interview", "reason": "vetted"}},
          hidden=foreign({"analyst"})),
    Route("GET", "/api/v1/programs/memberships", roles(PROGRAM_READ)),
    Route("GET", "/api/v1/programs/memberships/{membership_id}", roles(PROGRAM_READ, "USA"),
          hidden=foreign(PROGRAM_READ)),
    Route("POST", "/api/v1/programs/memberships/{membership_id}/{action}", only("analyst", "USA"),
          body=lambda r, c: {"json": {"reason": "a review"}}, hidden=foreign({"analyst"})),
    Route("POST", "/api/v1/token/revoke", everyone, body=lambda r, c: {"data": {"token": "cruce_unknown"}}),
    # Last: signing out everywhere revokes the caller's own keys, which the routes above use.
    Route("POST", "/api/v1/users/me/sign-out", everyone),
)  # fmt: skip
ROUTES_BY_KEY = {(r.method, r.path): r for r in ROUTES}


def _usa_only_assessment(store: Any) -> str:
    """A stored assessment marked NOFORN throughout: MEX readers are told it does not exist."""
    from cruce.assess.example import example_graph, example_scenarios
    from cruce.assess.product import AssessmentMarkings
    from cruce.assess.results import assess
    from cruce.service.assess import AssessService
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    result = assess(example_graph(), example_scenarios(), samples=200, seed=1, workers=1, mitigations=())
    secret = "S//NOFORN"
    fields = {"title": "U//NOFORN", "summary": secret, "scenarios": secret, "mitigations": secret}
    markings = AssessmentMarkings.from_dict({**fields, "assets": {"default": secret}})
    account = SharingStore(store.engine).account(SUPER)
    service = AssessService(RespondStore(store.engine), AuditLog(store.engine))
    saved = service.save(account, result, markings, "USA only")
    return saved.assessment_id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node, dict[str, str]]]:
    """A served node with USA resources: an alert, a product, a finished batch job."""
    node = prepare(tmp_path_factory.mktemp("authz"))
    with serve(node) as base, httpx.Client(base_url=base, headers=node.headers("usa.analyst")) as usa:
        alert_id = usa.post("/api/v1/screen", json={"name": "Juan Carlos Hernandez"}).json()["alerts"][0]
        written = usa.post("/api/v1/products", json=shared_product(), headers=node.headers(SUPER))
        assert written.status_code == 201, written.text
        files = {"file": ("a.csv", b"id,name\n1,Juan Carlos Hernandez\n", "text/csv")}
        job = usa.post("/api/v1/screen/batch", files=files).json()
        assert wait_job(usa, f"/api/v1/jobs/{job['job_id']}")["state"] == "done"
        with open_store(node.settings.resolved_database_url()) as store:
            SharingStore(store.engine).add_account(
                "usa.sync", organisation="cbp", country="USA", clearance="S", roles=["officer"], kind="system"
            )
            assessment_id = _usa_only_assessment(store)
        case = "case-usa-1"
        opened = usa.post(
            "/api/v1/cases",
            headers=node.headers(SUPER),
            json={"title": "Ring", "marking": "S//REL TO USA, MEX", "case_id": case},
        )
        assert opened.status_code == 201, opened.text
        usa.post(
            f"/api/v1/cases/{case}/subjects",
            headers=node.headers(SUPER),
            json={"kind": "person", "name": "Juan Perez", "marking": "S//REL TO USA, MEX"},
        )
        for sid, name in (("s-juan-1", "Juan Perez"), ("s-juan-2", "Juan Pérez")):
            added = usa.post(
                f"/api/v1/cases/{case}/subjects",
                headers=node.headers(SUPER),
                json={"kind": "person", "name": name, "marking": "S//NOFORN", "subject_id": sid},
            )
            assert added.status_code == 201, added.text
        tasks = []
        for text in ("call the lab", "write to the prosecutor"):
            added = usa.post(
                f"/api/v1/cases/{case}/tasks", headers=node.headers(SUPER), json={"text": text, "marking": NF}
            )
            assert added.status_code == 201, added.text
            tasks.append(added.json()["tasks"][-1]["task_id"])
        usa.post(
            f"/api/v1/cases/{case}/evidence",
            headers=node.headers(SUPER),
            json={
                "description": "phone",
                "marking": "S//REL TO USA, MEX",
                "content_base64": "aGk=",
                "evidence_id": "ev-1",
                "holder": "agent-a",
            },
        )
        opened = usa.post("/api/v1/incidents", json={"kind": "hurricane", "name": "USA only", "marking": "C"})
        assert opened.status_code == 201, opened.text
        programs = _programs(usa, node)
        params = {**programs, "alert_id": alert_id, "product_id": "report:USA-setup", "job_id": job["job_id"],
                  "list_id": "us-ofac-sdn", "user_id": "usa.sync", "case_id": case, "partner": "MEX",
                  "incident_id": opened.json()["incident_id"], "assessment_id": assessment_id,
                  "task_id": tasks[0], "task_id_2": tasks[1],
                  "proposal_id": proposal_id(f"{case}/s-juan-1", f"{case}/s-juan-2")}  # fmt: skip
        yield base, node, params


def _programs(usa: httpx.Client, node: Node) -> dict[str, str]:
    """A USA membership (applied, vetted, interviewed, approved) and a USA application in vetting."""
    api, who = "/api/v1/programs/applications", node.headers(SUPER)
    ids = []
    for passport in ("100000001", "100000002"):
        made = usa.post(api, json=traveler(passport), headers=who)
        assert made.status_code == 201, made.text
        ids.append(made.json()["application_id"])
        assert usa.post(f"{api}/{ids[-1]}/vet", headers=who).status_code == 200
    for decision in ("interview", "approve"):
        done = usa.post(f"{api}/{ids[0]}/decision", json={"decision": decision, "reason": "ok"}, headers=who)
        assert done.status_code == 200, done.text
    member = done.json()["membership"]["membership_id"]
    return {"application_id": ids[1], "membership_id": member, "action": "suspend"}


def test_the_matrix_covers_every_route(world: tuple[str, Node, dict[str, str]]) -> None:
    base, _, _ = world
    spec = httpx.get(f"{base}/openapi.json", timeout=60).json()  # the first build is slow under load
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
    path = route.path.format(**{**params, **(route.params(role, country, params) if route.params else {})})
    response = httpx.request(route.method, base + path, headers=headers, timeout=30, **kwargs)
    allowed = route.allowed(role, country)
    hidden = not allowed and route.hidden is not None and route.hidden(role, country)
    expected = route.ok if allowed else 404 if hidden else 403
    assert response.status_code == expected, f"{uid}: {response.text[:300]}"
    if not allowed:
        code = response.json()["error"]["code"]
        assert code.endswith("_not_found") if hidden else code == "forbidden"
    if route.path == "/api/v1/products/{product_id}" and allowed:
        assert response.json()["view"] == ("full" if country == "USA" else "tear-line")
