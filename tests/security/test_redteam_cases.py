"""Red team of joint cases (resolution, previews, the network's inputs): one regression test per finding, each
named after the OWASP ASVS 4.0 requirement it covers.

The real app runs in process (FastAPI TestClient) on the integration fixtures, with accounts the fixtures
lack: a TS releasing officer, a CONFIDENTIAL officer and a Mexican national working for the US agency.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_fixtures import Node, prepare
from fastapi.testclient import TestClient
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD

from cruce.storage.credentials import FAST_POLICY
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

EXTRA = (  # user, organisation, country, nationality, clearance, roles
    ("usa.ts", "cbp", "USA", "USA", "TS", ["analyst", "releasing_officer"]),
    ("usa.conf", "cbp", "USA", "USA", "C", ["officer"]),
    ("usa.mexnat", "cbp", "USA", "MEX", "S", ["analyst"]),
)
TOP = "Ma. Guadalupe Hernández López"
"""A TS//NOFORN subject's name: no account below TS, and nobody foreign, may read it or anything about it."""


@dataclass
class World:
    node: Node
    client: TestClient

    def get(self, user: str, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.node.headers(user), **kwargs)

    def post(self, user: str, path: str, **kwargs: Any) -> Any:
        response = self.client.post(path, headers=self.node.headers(user), **kwargs)
        return response


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from cruce.api.app import create_app

    node = prepare(tmp_path_factory.mktemp("redteam-cases"))
    with open_store(node.settings.resolved_database_url()) as store:
        sharing = SharingStore(store.engine)
        for uid, org, country, nationality, clearance, roles in EXTRA:
            sharing.add_account(
                uid, organisation=org, country=country, nationality=nationality, clearance=clearance,
                roles=roles, password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
            )  # fmt: skip
            node.keys[uid] = sharing.issue_token(uid)
    with TestClient(create_app(node.settings, passwords=FAST_POLICY)) as client:
        yield World(node, client)


def made(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def subject(sid: str, name: str, marking: str, born: str = "") -> dict[str, Any]:
    return {"kind": "person", "name": name, "marking": marking, "subject_id": sid, "birth_date": born}


def test_asvs_4_2_1_resolution_history_names_only_records_the_caller_may_read(world: World) -> None:
    made(world.post("usa.ts", "/api/v1/cases", json={"title": "H", "marking": "U", "case_id": "hist-1"}))
    for body in (
        subject("t1", TOP, "TS//NOFORN", "1980-03-02"),
        subject("t2", "María Guadalupe Hernandez", "TS//NOFORN", "1980-03-02"),
        subject("n1", "Pedro Nofornio", "S//NOFORN"),
        subject("n2", "Pedro Nofornio", "S//NOFORN"),
    ):
        made(world.post("usa.ts", "/api/v1/cases/hist-1/subjects", json=body))
    proposals = made(world.get("usa.ts", "/api/v1/cases/resolution"))
    pair = {(p["a"], p["b"]): p["proposal_id"] for p in proposals}
    secret = "the TS source Guadalupe is ours"
    for pid, reason in (
        (pair["hist-1/t1", "hist-1/t2"], secret),
        (pair["hist-1/n1", "hist-1/n2"], "same man"),
    ):
        made(
            world.post(
                "usa.ts",
                f"/api/v1/cases/resolution/{pid}/decision",
                json={"state": "rejected", "reason": reason},
            )
        )

    def trail(user: str) -> list[tuple[str, str]]:
        return [(d["a"], d["b"]) for d in made(world.get(user, "/api/v1/cases/resolution/history"))]

    assert trail("usa.ts") == [("hist-1/t1", "hist-1/t2"), ("hist-1/n1", "hist-1/n2")]
    assert trail("usa.analyst") == [("hist-1/n1", "hist-1/n2")]  # S: the NOFORN pair, not the TS one
    assert trail("usa.conf") == []  # CONFIDENTIAL: neither
    for user in ("usa.mexnat", "mex.analyst"):  # a Mexican national of the US agency, and MEX itself
        text = world.get(user, "/api/v1/cases/resolution/history").text
        assert json.loads(text) == [] and "hist-1" not in text and "Guadalupe" not in text


def test_asvs_4_1_3_a_partner_preview_and_guideline_check_hold_nothing_above_the_callers_clearance(
    world: World,
) -> None:
    made(world.post("usa.ts", "/api/v1/cases", json={"title": "P", "marking": "U", "case_id": "prev-1"}))
    made(
        world.post("usa.ts", "/api/v1/cases/prev-1/subjects", json=subject("s1", TOP, "TS//REL TO USA, MEX"))
    )
    made(
        world.post(
            "usa.ts",
            "/api/v1/cases/prev-1/subjects",
            json=subject("s2", "Pedro Relmex", "S//REL TO USA, MEX"),
        )
    )
    event = {
        "kind": "apprehension",
        "at": "2026-01-02T00:00Z",
        "marking": "TS//REL TO USA, MEX",
        "migrants": 40,
    }
    made(world.post("usa.ts", "/api/v1/cases/prev-1/events", json=event))
    whole = made(world.get("usa.ts", "/api/v1/cases/prev-1/preview/MEX"))
    assert {s["name"] for s in whole["subjects"]} == {TOP, "Pedro Relmex"} and whole["withheld"] == 0
    for user, names in (("usa.analyst", {"Pedro Relmex"}), ("usa.conf", set())):
        preview = made(world.get(user, "/api/v1/cases/prev-1/preview/MEX"))
        assert {s["name"] for s in preview["subjects"]} == names
        assert preview["events"] == [] and TOP not in json.dumps(preview)
        assert preview["withheld"] == 3 - len(names)  # counted, as in the caller's own view of the case
        check = made(world.get(user, "/api/v1/cases/prev-1/guidelines/MEX"))
        assert all(r["value"] == 0 for r in check["aggravating"] if r["fact"] == "migrants"), check


def test_asvs_4_2_1_an_event_names_no_subject_its_reader_may_not_read(world: World) -> None:
    made(world.post("usa.ts", "/api/v1/cases", json={"title": "E", "marking": "U", "case_id": "ev-1"}))
    made(
        world.post(
            "usa.ts", "/api/v1/cases/ev-1/subjects", json=subject("informant-delta", "Delta", "TS//NOFORN")
        )
    )
    made(world.post("usa.ts", "/api/v1/cases/ev-1/subjects", json=subject("s2", "Pedro", "S//NOFORN")))
    event = {
        "kind": "interview",
        "at": "2026-01-01T00:00Z",
        "marking": "S//NOFORN",
        "subjects": ["informant-delta", "s2"],
    }
    made(world.post("usa.ts", "/api/v1/cases/ev-1/events", json=event))
    assert made(world.get("usa.ts", "/api/v1/cases/ev-1"))["events"][0]["subjects"] == [
        "informant-delta",
        "s2",
    ]
    seen = made(world.get("usa.analyst", "/api/v1/cases/ev-1"))
    assert seen["events"][0]["subjects"] == ["s2"] and "informant-delta" not in json.dumps(seen)


def test_asvs_4_2_1_the_case_list_gives_no_title_above_the_readers_clearance(world: World) -> None:
    title = "Informant DELTA inside the Laredo cell"
    made(
        world.post(
            "usa.ts", "/api/v1/cases", json={"title": title, "marking": "TS//NOFORN", "case_id": "ttl-1"}
        )
    )

    def listed(user: str) -> str:
        (row,) = [c for c in made(world.get(user, "/api/v1/cases")) if c["case_id"] == "ttl-1"]
        page = made(world.get(user, "/api/v1/cases/ttl-1"))
        assert page["title"] == row["title"]  # the list says what the case page says
        return str(row["title"])

    assert listed("usa.ts") == title
    assert listed("usa.analyst") == listed("usa.conf") == "(title not releasable)"


def test_asvs_4_1_3_a_writer_cannot_probe_or_use_parts_above_their_clearance(world: World) -> None:
    made(world.post("usa.ts", "/api/v1/cases", json={"title": "W", "marking": "U", "case_id": "wr-1"}))
    made(world.post("usa.ts", "/api/v1/cases/wr-1/subjects", json=subject("delta", "Delta", "TS//NOFORN")))
    item = {
        "description": "source tape",
        "marking": "TS//NOFORN",
        "content_base64": "dGFwZQ==",
        "evidence_id": "tape",
    }
    made(world.post("usa.ts", "/api/v1/cases/wr-1/evidence", json=item))
    event = {"kind": "interview", "at": "2026-01-01T00:00Z", "marking": "S//NOFORN"}
    named = world.post("usa.analyst", "/api/v1/cases/wr-1/events", json={**event, "subjects": ["delta"]})
    missing = world.post("usa.analyst", "/api/v1/cases/wr-1/events", json={**event, "subjects": ["nobody"]})
    assert named.status_code == missing.status_code == 400
    assert named.json()["error"]["message"] == missing.json()["error"]["message"].replace("nobody", "delta")
    move = {"evidence_id": "tape", "from_holder": "usa.ts", "to_holder": "court", "purpose": "trial"}
    moved = world.post("usa.analyst", "/api/v1/cases/wr-1/handovers", json=move)
    assert moved.status_code == 400 and moved.json()["error"]["code"] == "unknown_evidence"
    assert made(world.post("usa.ts", "/api/v1/cases/wr-1/handovers", json=move))["to_holder"] == "court"


def test_asvs_4_2_1_a_custody_check_names_no_item_above_the_callers_clearance(world: World) -> None:
    from sqlalchemy import update

    from cruce.storage.case_tables import CaseEvidenceContentRow

    made(world.post("usa.ts", "/api/v1/cases", json={"title": "V", "marking": "U", "case_id": "ver-1"}))
    item = {
        "description": "tape",
        "marking": "TS//NOFORN",
        "content_base64": "dGFwZQ==",
        "evidence_id": "delta-tape",
    }
    made(world.post("usa.ts", "/api/v1/cases/ver-1/evidence", json=item))
    with open_store(world.node.settings.resolved_database_url()) as store, store.engine.begin() as conn:
        conn.execute(
            update(CaseEvidenceContentRow)
            .where(CaseEvidenceContentRow.evidence_id == "delta-tape")
            .values(content=b"edited")
        )
    whole = made(world.get("usa.ts", "/api/v1/cases/ver-1/custody/verify"))
    assert not whole["ok"] and any("delta-tape" in p for p in whole["problems"])
    below = made(world.get("usa.analyst", "/api/v1/cases/ver-1/custody/verify"))
    assert not below["ok"] and len(below["problems"]) == len(whole["problems"])
    assert "delta-tape" not in json.dumps(below)
