"""Cross-source resolution and task completion over real HTTP: a USA reviewer accepts and splits a merge,
MEX sees nothing of it, a task is completed; bad requests get clear errors."""

from __future__ import annotations

from pathlib import Path

import httpx
from api_fixtures import SUPER, prepare, serve
from test_api_authz import traveler

NF = "S//NOFORN"


def test_resolution_and_tasks_over_http(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    with serve(node) as base, httpx.Client(base_url=base, timeout=60) as http:
        usa, ro, mex = (node.headers(u) for u in ("usa.analyst", "usa.releasing_officer", "mex.analyst"))
        assert (
            http.post(
                "/api/v1/cases", json={"title": "R", "marking": NF, "case_id": "c1"}, headers=usa
            ).status_code
            == 201
        )
        assert (
            http.post(
                "/api/v1/cases", json={"title": "M", "marking": NF, "case_id": "m1"}, headers=mex
            ).status_code
            == 201
        )
        for case, sid, name, born, who in (
            ("c1", "s1", "Ma. Guadalupe Hernández López", "1980-03-02", usa),
            ("c1", "s2", "María Guadalupe Hernandez", "", usa),
            ("c1", "s3", "Juan Hernández", "1970-01-01", usa),
            ("c1", "s4", "Juan Hernández", "1985-05-05", usa),
            ("m1", "s9", "María Guadalupe Hernández", "1980-03-02", mex),
            ("c1", "s5", "Aurelio Zambrano Fuentes", "", usa),
        ):
            body = {"kind": "person", "name": name, "marking": NF, "subject_id": sid, "birth_date": born}
            assert http.post(f"/api/v1/cases/{case}/subjects", json=body, headers=who).status_code == 201
        found = http.get("/api/v1/cases/resolution", headers=usa).json()
        by_pair = {(p["a"], p["b"]): p for p in found}
        cases_only = {pair for pair in by_pair if not pair[1].startswith("list:")}
        assert cases_only == {("c1/s1", "c1/s2"), ("c1/s3", "c1/s4")}
        listed = by_pair["c1/s5", "list:us-ofac-sdn:9103"]  # the loaded list is a source too
        assert (listed["source_a"], listed["source_b"], listed["verdict"]) == ("case", "list", "review")
        lupe, juan = by_pair["c1/s1", "c1/s2"], by_pair["c1/s3", "c1/s4"]
        assert (lupe["verdict"], juan["verdict"]) == ("review", "blocked")
        theirs = http.get("/api/v1/cases/resolution", headers=mex).json()
        assert {r for p in theirs for r in (p["a"], p["b"])} == {
            "m1/s9",
            "list:us-ofac-sdn:9102",
        }  # no USA subject
        unblocked = http.get("/api/v1/cases/resolution?blocked=false", headers=usa).json()
        assert lupe in unblocked and juan not in unblocked

        def decide(pid: str, body: dict[str, str], who: dict[str, str]) -> httpx.Response:
            return http.post(f"/api/v1/cases/resolution/{pid}/decision", json=body, headers=who)

        refused = decide(juan["proposal_id"], {"state": "accepted"}, usa)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "blocked_proposal"
        assert decide(lupe["proposal_id"], {"state": "accepted"}, mex).status_code == 404
        assert decide(lupe["proposal_id"], {"state": "merged"}, usa).status_code == 422
        accepted = decide(lupe["proposal_id"], {"state": "accepted", "reason": "same photo"}, usa)
        assert accepted.status_code == 201 and accepted.json()["joined"] is True
        net = http.get("/api/v1/cases/network", headers=usa).json()
        assert any({"c1/s1", "c1/s2"} <= set(e["members"]) for e in net["entities"])
        split = decide(lupe["proposal_id"], {"state": "split", "reason": "two women"}, ro)
        assert split.status_code == 201 and split.json()["joined"] is False
        net = http.get("/api/v1/cases/network", headers=usa).json()
        assert not any({"c1/s1", "c1/s2"} <= set(e["members"]) for e in net["entities"])
        trail = http.get("/api/v1/cases/resolution/history", headers=usa).json()
        assert [(d["state"], d["actor"]) for d in trail] == [
            ("accepted", "usa.analyst"),
            ("split", "usa.releasing_officer"),
        ]
        assert http.get("/api/v1/cases/resolution/history", headers=mex).json() == []

        made = http.post("/api/v1/cases/c1/tasks", json={"text": "call the lab", "marking": NF}, headers=usa)
        assert made.status_code == 201
        task = made.json()["tasks"][0]["task_id"]
        done = http.post(f"/api/v1/cases/c1/tasks/{task}/complete", json={"note": "called"}, headers=ro)
        assert done.status_code == 200 and done.json()["done_by"] == "usa.releasing_officer"
        again = http.post(f"/api/v1/cases/c1/tasks/{task}/complete", json={}, headers=usa)
        assert again.status_code == 400 and again.json()["error"]["code"] == "task_done"
        assert http.post(f"/api/v1/cases/c1/tasks/{task}/complete", json={}, headers=mex).status_code == 404


def test_program_members_are_resolved_only_for_their_own_country(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    with serve(node) as base, httpx.Client(base_url=base, timeout=60) as http:
        su, usa, mex = (node.headers(u) for u in (SUPER, "usa.analyst", "mex.analyst"))
        api = "/api/v1/programs/applications"
        made = http.post(api, json=traveler("100000001"), headers=su)
        assert made.status_code == 201, made.text
        app_id = made.json()["application_id"]
        assert http.post(f"{api}/{app_id}/vet", headers=su).status_code == 200
        for decision in ("interview", "approve"):
            done = http.post(
                f"{api}/{app_id}/decision", json={"decision": decision, "reason": "ok"}, headers=su
            )
            assert done.status_code == 200, done.text
        member = done.json()["membership"]["membership_id"]
        for who, case in ((usa, "c1"), (mex, "m1")):
            assert (
                http.post(
                    "/api/v1/cases", json={"title": "T", "marking": NF, "case_id": case}, headers=who
                ).status_code
                == 201
            )
            body = {
                "kind": "person",
                "name": "Traveller 100000001",
                "marking": NF,
                "subject_id": "s1",
                "identifiers": {"pasaporte": "100000001"},
            }
            assert http.post(f"/api/v1/cases/{case}/subjects", json=body, headers=who).status_code == 201
        found = http.get("/api/v1/cases/resolution", headers=usa).json()
        pair = next(p for p in found if p["b"].startswith("member:"))
        assert pair["a"] == "c1/s1" and pair["b"] == f"member:{member}/0"
        assert (pair["source_b"], pair["verdict"]) == ("program", "merge")
        assert "passport 100000001" in pair["agreed"]
        theirs = http.get("/api/v1/cases/resolution", headers=mex).json()
        assert not any(r.startswith("member:") for p in theirs for r in (p["a"], p["b"]))  # a USA member
        ro = http.get("/api/v1/cases/resolution", headers=node.headers("usa.releasing_officer")).json()
        assert not any(p["b"].startswith("member:") for p in ro)  # the program desk's readers only
