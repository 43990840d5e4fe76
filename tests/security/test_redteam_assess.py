"""Red team of stored assessments and the asset register: one regression test per finding, named after the
OWASP ASVS 4.0 requirement it covers. The real app runs in process (FastAPI TestClient)."""

from __future__ import annotations

from pathlib import Path

from api_fixtures import prepare
from fastapi.testclient import TestClient
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD

from cruce.storage.credentials import FAST_POLICY
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

TITLE = "Sabotage of the Laredo substation: what our source inside the utility says"


def test_asvs_4_2_1_an_assessments_noforn_title_is_not_read_by_a_partner_or_below_its_level(
    tmp_path: Path,
) -> None:
    from cruce.api.app import create_app
    from cruce.assess.example import example_graph, example_scenarios
    from cruce.assess.product import AssessmentMarkings
    from cruce.assess.results import assess
    from cruce.service.assess import AssessService
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    node = prepare(tmp_path)
    with open_store(node.settings.resolved_database_url()) as store:
        sharing = SharingStore(store.engine)
        sharing.add_account(
            "usa.conf", organisation="cbp", country="USA", clearance="C", roles=["officer"],
            password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
        )  # fmt: skip
        node.keys["usa.conf"] = sharing.issue_token("usa.conf")
        result = assess(example_graph(), example_scenarios(), samples=100, seed=3, workers=1, mitigations=())
        markings = AssessmentMarkings.from_dict({"title": "S//NOFORN"})  # the rest: S//REL TO USA, CAN, MEX
        stored = AssessService(RespondStore(store.engine), AuditLog(store.engine)).save(
            sharing.account("usa.releasing_officer"), result, markings, TITLE
        )
    with TestClient(create_app(node.settings, passwords=FAST_POLICY)) as client:

        def title(user: str) -> str:
            one = client.get(f"/api/v1/assessments/{stored.assessment_id}", headers=node.headers(user))
            assert one.status_code == 200, one.text
            listed = client.get("/api/v1/assessments", headers=node.headers(user))
            assert [a["title"] for a in listed.json()] == [one.json()["title"]]
            assert (TITLE in one.text) == (TITLE in listed.text) == (one.json()["title"] == TITLE)
            return str(one.json()["title"])

        assert title("usa.analyst") == TITLE
        assert title("mex.analyst") == "(title not releasable)"  # reads the REL TO portions, not the title
        assert title("usa.conf") == "(title not releasable)"  # cleared CONFIDENTIAL


def test_asvs_4_2_1_a_partners_assessment_does_not_stand_in_for_the_registering_countrys_risk(
    tmp_path: Path,
) -> None:
    from cruce.assess.example import example_assets, example_graph, example_scenarios
    from cruce.assess.product import AssessmentMarkings
    from cruce.assess.results import assess
    from cruce.service.assess import AssessService
    from cruce.service.assets import AssetRegister
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    node = prepare(tmp_path)
    with open_store(node.settings.resolved_database_url()) as store:
        accounts = SharingStore(store.engine)
        respond, audit = RespondStore(store.engine), AuditLog(store.engine)
        assessments = AssessService(respond, audit)
        register = AssetRegister(respond, audit, assessments)
        assets, deps = example_assets()
        register.register(
            accounts.account("usa.releasing_officer"), assets, deps, {"default": "C//REL TO USA, MEX"}
        )
        result = assess(example_graph(), example_scenarios(), samples=100, seed=3, workers=1, mitigations=())
        shared = "S//REL TO MEX, USA"
        theirs = AssessmentMarkings.from_dict(
            {"owner": "MEX", "title": "U", "summary": "U", "scenarios": shared, "mitigations": shared,
             "assets": {"default": shared}}
        )  # fmt: skip
        mex = assessments.save(accounts.account("mex.releasing_officer"), result, theirs, "MEX's numbers")
        assert mex.assets  # USA reads MEX's assessment and its asset rows...
        usa = accounts.account("usa.analyst")
        rows = register.table(usa)
        assert rows and all(
            r.assessment_id is None and r.expected is None for r in rows
        )  # ...not as USA's risk
        ours = assessments.save(
            accounts.account("usa.releasing_officer"), result, AssessmentMarkings(), "USA's"
        )
        assert {r.assessment_id for r in register.table(usa) if r.expected is not None} == {
            ours.assessment_id
        }
