"""Red team of assistance and repatriation between nodes (x-cruce-assistance, x-cruce-repatriation): one
regression test per finding, named after the OWASP ASVS 4.0 requirement it covers.

A partner's account posts objects to this node's TAXII server (as a partner node's push, or a sync, would
bring them); `receive` then applies them to the node's own tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from trust_fixtures import SHARED, node

from cruce.core.errors import InputError
from cruce.core.markings import Marking
from cruce.service.respond import RespondService, person_values
from cruce.service.respond_sync import receive
from cruce.sharing.respond import (
    REPATRIATION_TYPE,
    AssistanceStep,
    IncidentRef,
    MarkedText,
    RepatriationStep,
    assistance_objects,
    repatriation_objects,
    step_id,
)
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

AT = "2026-06-01T12:00:00+00:00"
REL = "C//REL TO MEX, USA"


def asked(request_id: str) -> list[dict[str, Any]]:
    mark = Marking.parse(REL, "MEX")
    step = AssistanceStep(
        request_id, "MEX", "USA", "asked", AT, "mex.ro",
        IncidentRef(f"inc-{request_id}", "flood", "Rio Bravo", mark), MarkedText("two boats", mark),
        (MarkedText("at the dam", mark),),
    )  # fmt: skip
    return assistance_objects(step)


def handover(transfer_id: str, person: dict[str, Any]) -> list[dict[str, Any]]:
    step = RepatriationStep(transfer_id, "MEX", "USA", "handover", AT, "mex.ro", "Laredo", AT, 1, (person,))
    return repatriation_objects(step)


def poisoned(objects: list[dict[str, Any]], **changes: Any) -> list[dict[str, Any]]:
    *definitions, obj = objects
    return [*definitions, {**obj, **changes}]


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("asked", {"portions": 5}),  # not a list: a TypeError stopped every later object
        ("asked", {"by": {"user": "mex.ro"}}),
        ("handover", {"manifest": [{"given_name": "Ana", "sex": {"f": 1}}]}),  # the database refused it
        ("handover", {"manifest": [{"given_name": "Ana", "sex": "Female, pregnant, HIV+"}]}),
        ("handover", {"manifest": [{"given_name": ["Ana", "passport G1234567"]}]}),
        ("handover", {"manifest": [{"given_name": "Ana", "birth_year": "1990-01-01"}]}),
        ("handover-id", {}),  # an id longer than the column that keeps it
    ],
)
def test_asvs_5_1_4_a_partners_malformed_step_is_refused_alone_and_the_rest_is_received(
    tmp_path: Path, kind: str, change: dict[str, Any]
) -> None:
    good = [*asked("req-good"), *handover("tr-good", {"given_name": "Ana", "birth_year": 1990, "sex": "F"})]
    if kind == "asked":
        bad = poisoned(asked("req-bad"), **change)
    elif kind == "handover":
        bad = poisoned(handover("tr-bad", {"given_name": "Eva"}), **change)
    else:
        long_id = "t" * 5000
        bad = poisoned(
            handover("tr-bad", {"given_name": "Eva"}),
            transfer_id=long_id,
            id=step_id(REPATRIATION_TYPE, long_id, "handover"),
        )
    with node(tmp_path) as usa:
        usa.post("mex.ro", [*bad, *good])  # the bad one first: it must not stop the good ones
        with open_store(usa.url) as store:
            service = RespondService(RespondStore(store.engine), AuditLog(store.engine))
            done = receive(service, SharingStore(store.engine), SHARED, "USA")
            assert sorted(done.applied) == ["req-good asked from MEX", "tr-good handover from MEX"]
            assert len(done.refused) == 1, done.refused
            people = service.store.rows("person_records", where={"country": "USA"})
            assert [(p["given_name"], p["sex"]) for p in people] == [("Ana", "F")]
            assert service.store.find("assistance", "request_id", "req-bad") is None


def test_asvs_5_1_4_a_kept_personal_record_holds_only_typed_minimised_values() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 6, 1, tzinfo=UTC)
    kept = person_values("USA", {"given_name": "Ana", "sex": "f"}, ["repatriation"], now)
    assert (kept["given_name"], kept["sex"]) == ("Ana", "F")
    for person in ({"given_name": {"first": "Ana"}}, {"given_name": "Ana", "sex": "female"}, {"sex": 1}):
        with pytest.raises(InputError):
            person_values("USA", person, ["repatriation"], now)


def test_asvs_4_2_1_what_a_request_for_assistance_asks_is_read_only_at_its_marking(tmp_path: Path) -> None:
    from api_fixtures import prepare
    from fastapi.testclient import TestClient
    from sharing_fixtures import FAST_SCRYPT_N, PASSWORD

    from cruce.api.app import create_app
    from cruce.storage.credentials import FAST_POLICY

    api = prepare(tmp_path)
    with open_store(api.settings.resolved_database_url()) as store:
        sharing = SharingStore(store.engine)
        for uid, nationality, clearance, roles in (
            ("usa.ts", "USA", "TS", ["analyst", "releasing_officer"]),
            ("usa.conf", "USA", "C", ["officer"]),
            ("usa.mexnat", "MEX", "S", ["analyst"]),  # a Mexican national of the US agency
        ):
            sharing.add_account(
                uid, organisation="cbp", country="USA", nationality=nationality, clearance=clearance,
                roles=roles, password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
            )  # fmt: skip
            api.keys[uid] = sharing.issue_token(uid)
        service = RespondService(RespondStore(store.engine), AuditLog(store.engine))
        ts = sharing.account("usa.ts")
        incident = service.open_incident(ts, kind="flood", name="Rio Bravo", marking="U")
        secret = "two helicopters to lift the informant out"
        service.request_assistance(ts, incident.incident_id, "CAN", secret, marking="S//REL TO USA, CAN")
    with TestClient(create_app(api.settings, passwords=FAST_POLICY)) as client:

        def asked(user: str) -> str:
            board = client.get(f"/api/v1/incidents/{incident.incident_id}", headers=api.headers(user))
            assert board.status_code == 200, board.text
            (request,) = board.json()["assistance"]
            assert request["to_country"] == "CAN"
            assert request["what"] == secret or secret not in board.text  # nowhere else on the board
            return str(request["what"])

        assert asked("usa.ts") == secret and asked("usa.officer") == secret  # cleared S, USA only
        assert asked("usa.conf") == "(not releasable)"  # cleared CONFIDENTIAL
        assert asked("usa.mexnat") == "(not releasable)"  # not released to MEX


def test_asvs_4_2_1_a_sitrep_title_is_read_at_its_marking_at_home_and_abroad(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'usa.db'}"
    from cruce.core.markings import Classification
    from cruce.sharing.access import Role
    from cruce.storage.accounts import Account

    def account(user: str, country: str, clearance: Classification) -> Account:
        return Account(user, f"{country.lower()}-gov", country, country, clearance,
                       frozenset({Role.ANALYST, Role.RELEASING_OFFICER}))  # fmt: skip

    ts = account("ana", "USA", Classification.TOP_SECRET)
    conf = account("carl", "USA", Classification.CONFIDENTIAL)
    mex_conf = account("maria", "MEX", Classification.CONFIDENTIAL)
    title = "Beryl: the source inside the utility"
    with open_store(url) as store:
        service = RespondService(RespondStore(store.engine), AuditLog(store.engine))
        incident = service.open_incident(ts, kind="hurricane", name="Beryl", marking="U")
        service.write_sitrep(ts, incident.incident_id, title, [("C//REL TO USA, MEX", "Brownsville closed")],
                             title_marking="S//REL TO USA, MEX")  # fmt: skip
        assert [s.title for s in service.sitreps(ts, incident.incident_id)] == [title]
        for reader in (conf, mex_conf):  # both read the C portion, neither the S title
            (seen,) = service.sitreps(reader, incident.incident_id)
            assert seen.portions and seen.title != title and title not in repr(seen)
            board = [e.text for e in service.timeline(reader, incident.incident_id)]
            assert not any(title in text for text in board)
