"""Trusted programs over the real HTTP server: a USA analyst takes an application (the CLI's file format, as
JSON), vets it, sends it to interview, approves it and suspends the member; the member page shows the
history. Mexico's users find none of it (404, like a missing id), officers read but may not work (403),
and bad applications are refused naming the field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_fixtures import SUPER, Node, prepare, serve
from cli_fixtures import write_ofac
from programs_fixtures import application

from cruce.service.lists import import_list
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

API = "/api/v1/programs"


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The YAML file's mapping as a client would send it (dates as text)."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=date.isoformat))
    return loaded


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node]]:
    node = prepare(tmp_path_factory.mktemp("programs-api"))
    with serve(node, mount_taxii=False) as base:
        yield base, node


def client(live: tuple[str, Node], user: str) -> httpx.Client:
    base, node = live
    return httpx.Client(base_url=base, headers=node.headers(user), timeout=30)


def test_apply_vet_interview_approve_suspend(live: tuple[str, Node]) -> None:
    _whole_path(live)


@pytest.mark.postgres
def test_the_whole_path_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    node = prepare(tmp_path, postgres_url)
    with serve(node, mount_taxii=False) as base:
        _whole_path((base, node))


def _whole_path(live: tuple[str, Node]) -> None:
    with client(live, "usa.analyst") as usa:
        catalogue = usa.get(API)
        assert catalogue.status_code == 200
        assert {"sentri", "oea"} <= {p["id"] for p in catalogue.json()}

        submitted = usa.post(f"{API}/applications", json=as_json(application("sentri-applicant")))
        assert submitted.status_code == 201, submitted.text
        app_id = submitted.json()["application_id"]
        assert submitted.json()["state"] == "submitted"
        queue = usa.get(f"{API}/applications", params={"state": ["submitted", "vetting", "interview"]})
        assert app_id in [a["application_id"] for a in queue.json()["items"]]

        early = usa.post(
            f"{API}/applications/{app_id}/decision", json={"decision": "approve", "reason": "ok"}
        )
        assert early.status_code == 409, early.text  # not interviewed: the lifecycle refuses

        vetted = usa.post(f"{API}/applications/{app_id}/vet")
        assert vetted.status_code == 200, vetted.text
        body = vetted.json()
        assert body["application"]["state"] == "vetting"
        assert body["vetting"]["lists"] and body["vetting"]["entities"] > 0
        assert [p["role"] for p in body["vetting"]["parties"]] == ["applicant"]

        interview = usa.post(
            f"{API}/applications/{app_id}/decision", json={"decision": "interview", "reason": "clean vetting"}
        )
        assert interview.json()["application"]["state"] == "interview"
        approved = usa.post(
            f"{API}/applications/{app_id}/decision", json={"decision": "approve", "reason": "interviewed"}
        )
        assert approved.status_code == 200, approved.text
        member = approved.json()["membership"]
        assert member["state"] == "active" and member["program_id"] == "sentri"
        member_id = member["membership_id"]

        listed = usa.get(f"{API}/memberships", params={"state": "active"}).json()
        assert member_id in [m["membership_id"] for m in listed["items"]]

        suspended = usa.post(f"{API}/memberships/{member_id}/suspend", json={"reason": "pending a review"})
        assert suspended.status_code == 200, suspended.text
        assert suspended.json()["state"] == "suspended"
        again = usa.post(f"{API}/memberships/{member_id}/suspend", json={"reason": "twice"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "bad_transition"

        page = usa.get(f"{API}/memberships/{member_id}").json()
        assert page["membership"]["state"] == "suspended"
        moves = [(t["subject"], t["to_state"]) for t in page["transitions"]]
        assert moves == [
            ("application", "submitted"), ("application", "vetting"), ("application", "interview"),
            ("application", "approved"), ("membership", "active"), ("membership", "suspended"),
        ]  # fmt: skip
        assert len(page["vettings"]) == 1
        detail = usa.get(f"{API}/applications/{app_id}").json()
        assert detail["membership"]["membership_id"] == member_id
        assert detail["parties"][0]["name"] == "Lucía Fernanda Ibarra Quintero"

    _mexico_and_roles(live, app_id, member_id)
    _audited(live, member_id)


def _mexico_and_roles(live: tuple[str, Node], app_id: str, member_id: str) -> None:
    with client(live, "mex.analyst") as mex:
        for path in (f"{API}/applications/{app_id}", f"{API}/memberships/{member_id}"):
            theirs, missing = mex.get(path), mex.get(path.rsplit("/", 1)[0] + "/nothing-here")
            assert theirs.status_code == missing.status_code == 404
            assert theirs.json()["error"]["code"] == missing.json()["error"]["code"]
        assert mex.post(f"{API}/applications/{app_id}/vet").status_code == 404
        reinstate = mex.post(f"{API}/memberships/{member_id}/reinstate", json={"reason": "x"})
        assert reinstate.status_code == 404
        assert mex.get(f"{API}/applications").json()["items"] == []
        assert mex.get(f"{API}/memberships").json()["items"] == []
        # A USA program's application is not Mexico's to take.
        refused = mex.post(f"{API}/applications", json=as_json(application("sentri-applicant")))
        assert refused.status_code == 400 and refused.json()["error"]["details"]["field"] == "program"
    with client(live, "usa.officer") as officer:
        assert officer.get(f"{API}/memberships/{member_id}").status_code == 200  # the booth reads
        refused = officer.post(f"{API}/memberships/{member_id}/reinstate", json={"reason": "x"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    with client(live, "usa.auditor") as auditor:
        assert auditor.get(API).status_code == 200
        assert auditor.get(f"{API}/memberships/{member_id}").status_code == 403


def _audited(live: tuple[str, Node], member_id: str) -> None:
    _, node = live
    with open_store(node.settings.resolved_database_url()) as store:
        records = list(AuditLog(store.engine).records())
    actions = {(r.event.actor, r.event.action, r.event.outcome.value) for r in records}
    assert ("usa.analyst", "programs.suspend", "allowed") in actions
    assert ("usa.analyst", "programs.read", "allowed") in actions  # the member page is a read of a file
    assert ("usa.officer", "programs.reinstate", "denied") in actions
    mexico = [r.event for r in records if r.event.actor == "mex.analyst"]
    assert all(e.country == "MEX" for e in mexico)
    assert not any(member_id in e.resource and e.outcome.value == "allowed" for e in mexico)
    probes = {(e.action, e.outcome.value) for e in mexico if e.resource == f"membership:{member_id}"}
    assert probes == {("programs.read", "denied"), ("programs.reinstate", "denied")}  # the log knows


def test_bad_applications_name_the_field(live: tuple[str, Node]) -> None:
    with client(live, "usa.analyst") as usa:
        bad_curp = as_json(application("sentri-applicant"))
        bad_curp["applicant"]["documents"][1]["number"] = "IAQL830423MSRBNC0X"
        answer = usa.post(f"{API}/applications", json=bad_curp)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["details"]["field"] == "applicant.documents[1].number"

        unknown = as_json(application("sentri-applicant"))
        unknown["applicant"]["nickname"] = "Lu"
        answer = usa.post(f"{API}/applications", json=unknown)
        assert answer.status_code == 422
        assert "applicant.nickname" in answer.json()["error"]["message"]

        too_long = as_json(application("sentri-applicant"))
        too_long["applicant"]["name"] = "x" * 301
        assert usa.post(f"{API}/applications", json=too_long).status_code == 422

        no_reason = usa.post(f"{API}/applications/application:none/decision", json={"decision": "deny"})
        assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["message"]
        bad_state = usa.get(f"{API}/applications", params={"state": "pending"})
        assert bad_state.status_code == 422 and "state" in bad_state.json()["error"]["message"]


def test_keyset_paging_walks_every_application_once(live: tuple[str, Node]) -> None:
    with client(live, "usa.analyst") as usa:
        made = set()
        for i in range(3):
            data = as_json(application("sentri-applicant"))
            data["applicant"]["nationality"] = "USA"  # a US national needs a passport only
            data["applicant"]["documents"] = [
                {"kind": "passport", "number": f"5{i:08d}", "country": "USA", "expires": "2031-01-01"}
            ]
            data["applicant"]["name"] = f"Persona Inventada {i}"
            made_one = usa.post(f"{API}/applications", json=data)
            assert made_one.status_code == 201, made_one.text
            made.add(made_one.json()["application_id"])
        seen: list[str] = []
        after = None
        while True:
            params: dict[str, Any] = {"limit": 1, **({"after": after} if after is not None else {})}
            page = usa.get(f"{API}/applications", params=params).json()
            seen.extend(a["application_id"] for a in page["items"])
            after = page["next_after"]
            if after is None:
                break
        assert len(seen) == len(set(seen)) and made <= set(seen)


def test_vetting_screens_and_records_what_the_server_has_loaded(live: tuple[str, Node]) -> None:
    """A list version imported but not yet loaded is not claimed by a vetting; after the reload it is."""
    _, node = live
    with open_store(node.settings.resolved_database_url()) as store:
        import_list(store, "us-ofac-sdn", write_ofac(node.settings.data_dir / "files-v2", 2))
    with client(live, "usa.analyst") as usa:
        data = as_json(application("sentri-applicant"))
        data["applicant"]["nationality"] = "USA"
        data["applicant"]["documents"] = [
            {"kind": "passport", "number": "611111111", "country": "USA", "expires": "2031-01-01"}
        ]
        app_id = usa.post(f"{API}/applications", json=data).json()["application_id"]
        before = usa.post(f"{API}/applications/{app_id}/vet").json()["vetting"]["lists"]
        assert before == ["us-ofac-sdn@1"]
        reloaded = usa.post("/api/v1/lists/reload", headers=node.headers(SUPER))
        assert reloaded.status_code == 200, reloaded.text
        after = usa.post(f"{API}/applications/{app_id}/vet").json()["vetting"]["lists"]
        assert after == ["us-ofac-sdn@2"]
