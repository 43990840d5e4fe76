"""Trust between partners, the API and accounts half (issue 13): one regression test per finding, each named
after the OWASP ASVS (v4.0.3, or v5.0 where v4 has no such requirement) requirement it covers.

The real app runs in process (FastAPI TestClient: API, console and the TAXII server mounted under /taxii2)
on the integration fixtures, with a clock the tests move and cheap argon2id parameters.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_fixtures import SUPER, Node, prepare, wait_job
from console_fixtures import SIGNIN
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD

from cruce.core import csvsafe
from cruce.core.errors import ThrottledError
from cruce.service.signin import ThrottlePolicy
from cruce.storage.credentials import FAST_POLICY, PasswordHasher, PasswordPolicy
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

PERSON = {"name": "Ernesto Ocampo Rivas", "birth_date": "1958-11-11"}
THROTTLE = ThrottlePolicy(account_failures=3, address_failures=1000, lockout_s=60, window_s=3600)
CLASSIFIED_WORDS = (
    "SECRET",
    "TOP",
    "NOFORN",
    "CONFIDENTIAL",
    "REL TO",
    "clearance TS",
    "clearance S ",
    "MEX",
)


@dataclass
class Clock:
    now: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    node: Node
    client: TestClient
    clock: Clock

    def as_(self, user: str) -> dict[str, str]:
        return self.node.headers(user)

    def get(self, user: str, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.as_(user), **kwargs)

    def post(self, user: str, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.as_(user), **kwargs)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from cruce.api.app import create_app

    node = prepare(tmp_path_factory.mktemp("trust"))
    with open_store(node.settings.resolved_database_url()) as store:
        sharing = SharingStore(store.engine)
        for uid, country, clearance, roles in (
            ("usa.ts-analyst", "USA", "TS", ["analyst"]),
            ("mex.releaser", "MEX", "S", ["analyst", "releasing_officer"]),
        ):
            sharing.add_account(
                uid,
                organisation="cbp" if country == "USA" else "sat",
                country=country,
                clearance=clearance,
                roles=roles,
                password=PASSWORD,
                scrypt_n=FAST_SCRYPT_N,
            )
            node.keys[uid] = sharing.issue_token(uid)
    clock = Clock()
    app = create_app(node.settings, clock=clock, passwords=FAST_POLICY, throttle=THROTTLE)
    with TestClient(app) as client:
        yield World(node, client, clock)


def envelope(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def product(product_id: str, marking: str, title: str = "U//NOFORN") -> dict[str, Any]:
    return {
        "product_id": product_id,
        "owner": "USA",
        "title": {"text": "A title", "marking": title},
        "portions": [{"text": f"text of {product_id}", "marking": marking}],
    }


def audit_records(world: World, auditor: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = world.get(
            auditor,
            "/api/v1/audit/records",
            params={"limit": 500, "cursor": cursor} if cursor else {"limit": 500},
        ).json()
        out += page["items"]
        cursor = page["next"]
        if cursor is None:
            return out


# -- 5. partitions by country ----------------------------------------------------------------------------


def test_asvs_4_2_1_a_partners_false_positive_neither_quiets_nor_names_another_countrys_alert(
    world: World,
) -> None:
    mex = world.post("mex.analyst", "/api/v1/screen", json=PERSON).json()
    (mex_alert,) = mex["alerts"]
    decided = world.post(
        "mex.analyst", f"/api/v1/alerts/{mex_alert}/decision", json={"state": "false_positive"}
    )
    assert decided.status_code == 200, decided.text
    assert world.post("mex.analyst", "/api/v1/screen", json=PERSON).json()["suppressed"] == [mex_alert]
    usa = world.post("usa.analyst", "/api/v1/screen", json=PERSON).json()
    assert usa["suppressed"] == [] and len(usa["alerts"]) == 1 and usa["alerts"][0] != mex_alert
    assert mex_alert not in json.dumps(usa)
    assert usa["candidates"][0]["alert"] is True
    # MEX's alert id, asked for by a USA analyst, is simply not there.
    assert envelope(world.get("usa.analyst", f"/api/v1/alerts/{mex_alert}"), 404)["code"] == "alert_not_found"


def test_asvs_4_2_1_an_auditor_reads_its_own_countrys_audit_records_and_an_admin_none(world: World) -> None:
    secret_name = "Ximena Quetzal Usaonly"
    world.post("usa.analyst", "/api/v1/screen", json={"name": secret_name})
    world.post("usa.ts-analyst", "/api/v1/products", json=product("report:usa-ts-1", "TS//NOFORN"))
    mex = audit_records(world, "mex.auditor")
    assert mex and all(r["country"] == "MEX" for r in mex)
    text = json.dumps(mex)
    assert secret_name not in text and "report:usa-ts-1" not in text and "usa." not in text
    usa = audit_records(world, "usa.auditor")
    assert all(r["country"] == "USA" for r in usa)
    assert any(secret_name in r["resource"] for r in usa)
    for admin in ("usa.admin", SUPER):  # SUPER holds admin and auditor: still no audit log
        assert envelope(world.get(admin, "/api/v1/audit/records"), 403)["code"] == "forbidden"


def test_asvs_4_2_1_product_pages_are_built_from_readable_products_and_cursors_name_only_those(
    world: World,
) -> None:
    for i in range(7):
        made = world.post(
            "usa.analyst", "/api/v1/products", json=product(f"report:page-{i}-home", "S//NOFORN")
        )
        assert made.status_code == 201, made.text
    for i in range(3):
        shared = product(f"report:page-{i}-shared", "S//REL TO USA, MEX", title="U")
        assert world.post(SUPER, "/api/v1/products", json=shared).status_code == 201
    readable = {p for p in _all_products(world, "mex.analyst", 100)}
    assert {f"report:page-{i}-shared" for i in range(3)} <= readable
    assert not any(p.endswith("-home") or p.startswith("report:usa-ts") for p in readable)
    seen: list[str] = []
    cursor = None
    while True:
        page = world.get(
            "mex.analyst", "/api/v1/products", params={"limit": 1, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [p["product_id"] for p in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
        assert len(page["items"]) == 1  # a full page, unreadable products skipped while building it
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["k"]
        assert key == page["items"][-1]["product_id"] and key in readable
    assert seen == sorted(readable)


def _all_products(world: World, user: str, limit: int) -> list[str]:
    return [
        p["product_id"] for p in world.get(user, "/api/v1/products", params={"limit": limit}).json()["items"]
    ]


def test_asvs_7_4_1_not_yours_looks_missing_and_no_denial_names_a_level_or_a_foreign_account(
    world: World,
) -> None:
    world.post("usa.ts-analyst", "/api/v1/products", json=product("report:usa-ts-2", "TS//NOFORN"))
    missing = envelope(world.get("mex.analyst", "/api/v1/products/report:nothing-here"), 404)
    for user in ("mex.analyst", "usa.analyst"):  # a partner, and a USA reader cleared below TS
        hidden = envelope(world.get(user, "/api/v1/products/report:usa-ts-2"), 404)
        assert hidden["code"] == missing["code"]
        assert hidden["message"] == missing["message"].replace("report:nothing-here", "report:usa-ts-2")
    job = world.post(
        "usa.analyst",
        "/api/v1/screen/batch",
        files={"file": ("a.csv", b"id,name\n1,Ana Perez\n", "text/csv")},
    ).json()
    other = envelope(world.get("usa.officer", f"/api/v1/jobs/{job['job_id']}"), 404)
    assert other["code"] == envelope(world.get("usa.officer", "/api/v1/jobs/job:nope"), 404)["code"]
    key = envelope(world.post("usa.admin", "/api/v1/users/mex.officer/api-keys"), 404)
    assert key == envelope(world.post("usa.admin", "/api/v1/users/nobody.at.all/api-keys"), 404) | {
        "message": key["message"]
    }
    too_high = world.post("usa.analyst", "/api/v1/products", json=product("report:too-high", "TS//NOFORN"))
    refusals = [envelope(too_high, 403)["message"], key["message"]]
    assigned = world.post("usa.analyst", "/api/v1/screen", json={"name": "Juan Carlos Hernandez"}).json()
    bad = world.post(
        "usa.analyst", f"/api/v1/alerts/{assigned['alerts'][0]}/assign", json={"assignee": "mex.analyst"}
    )
    refusals.append(envelope(bad, 400)["message"])
    for message in refusals[:2]:
        assert not any(word in message for word in CLASSIFIED_WORDS), message
    # Only the name the caller typed, in the same words as for an account that does not exist.
    unknown = world.post(
        "usa.analyst", f"/api/v1/alerts/{assigned['alerts'][0]}/assign", json={"assignee": "no.such.analyst"}
    )
    assert refusals[-1] == envelope(unknown, 400)["message"].replace("no.such.analyst", "mex.analyst")


# -- 6. administrators' limits ---------------------------------------------------------------------------


def test_asvs_4_1_3_admins_key_only_system_accounts_cleared_no_higher_than_themselves(world: World) -> None:
    def new(body: dict[str, Any]) -> Any:
        base = {"organisation": "cbp", "country": "USA", "clearance": "U", "roles": ["officer"]}
        return world.post("usa.admin", "/api/v1/users", json={**base, **body})

    assert new({"user_id": "usa.person-1"}).status_code == 201
    assert (
        envelope(world.post("usa.admin", "/api/v1/users/usa.person-1/api-keys"), 403)["code"] == "forbidden"
    )
    assert new({"user_id": "usa.sync-1", "kind": "system"}).status_code == 201
    key = world.post("usa.admin", "/api/v1/users/usa.sync-1/api-keys")
    assert (
        key.status_code == 201
        and world.client.get("/api/v1/users/me", headers={"X-API-Key": key.json()["api_key"]}).json()["kind"]
        == "system"
    )
    # usa.admin is cleared S: no TS account, and no key for one made by an operator.
    assert envelope(new({"user_id": "usa.ts-1", "clearance": "TS", "kind": "system"}), 403)[
        "message"
    ].endswith("an administrator grants at most its own clearance")
    world.post(SUPER, "/api/v1/users", json={})  # (nothing: SUPER is an admin, but fields are missing)
    assert (
        envelope(world.post("usa.admin", "/api/v1/users/usa.ts-analyst/api-keys"), 403)["code"] == "forbidden"
    )
    for roles in (["admin", "auditor"], ["admin", "releasing_officer"], ["auditor", "releasing_officer"]):
        refused = new({"user_id": f"usa.{'-'.join(roles)}", "roles": roles})
        assert envelope(refused, 403)["code"] == "forbidden", roles
    assert envelope(new({"user_id": "usa.sys-admin", "roles": ["admin"], "kind": "system"}), 403)
    assert envelope(new({"user_id": "mex.made-by-usa", "country": "MEX"}), 403)
    records = audit_records(world, "usa.auditor")
    acts = [r for r in records if r["actor"] == "usa.admin" and r["action"] in ("create", "issue_key")]
    allowed = [r for r in acts if r["outcome"] == "allowed"]
    assert {r["details"]["on_behalf_of"] for r in allowed} >= {"usa.person-1", "usa.sync-1"}
    assert any(r["outcome"] == "denied" and "TOP SECRET" in r["reason"] for r in records)  # kept for audit


def test_asvs_3_3_4_sign_out_everywhere_and_revoke_end_sessions_at_once(world: World) -> None:
    def token() -> str:
        got = world.client.post(
            "/api/v1/token", data={"username": "usa.releasing_officer", "password": PASSWORD}
        )
        assert got.status_code == 200, got.text
        return str(got.json()["access_token"])

    one, two = token(), token()
    bearer = {"Authorization": f"Bearer {one}"}
    revoked = world.client.post("/api/v1/token/revoke", data={"token": two}, headers=bearer)
    assert revoked.json() == {"revoked": 1}
    assert world.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {two}"}).status_code == 401
    someone_elses = world.client.post(
        "/api/v1/token/revoke", data={"token": world.node.keys["usa.officer"]}, headers=bearer
    )
    assert someone_elses.json() == {"revoked": 0}  # the same answer as for an unknown token
    assert world.get("usa.officer", "/api/v1/users/me").status_code == 200
    three = token()
    out = world.client.post("/api/v1/users/me/sign-out", headers=bearer)
    assert out.status_code == 200 and out.json()["revoked"] >= 2
    for gone in (one, three):
        assert (
            world.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {gone}"}).status_code
            == 401
        )
    # An administrator signs out an account of its own country; another country's is not there.
    world.node.keys["usa.releasing_officer"] = ""
    assert world.post("usa.admin", "/api/v1/users/mex.officer/sign-out").status_code == 404
    assert world.post("usa.admin", "/api/v1/users/usa.analyst/sign-out").status_code == 200
    assert world.get("usa.analyst", "/api/v1/users/me").status_code == 401
    with open_store(world.node.settings.resolved_database_url()) as store:
        world.node.keys["usa.analyst"] = SharingStore(store.engine).issue_token("usa.analyst")


# -- 7. sign-in abuse ------------------------------------------------------------------------------------


def _taxii_basic(world: World, user: str, password: str) -> int:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    return world.client.get("/taxii2/taxii2/", headers={"Authorization": f"Basic {auth}"}).status_code


def _console(world: World, user: str, password: str) -> Any:
    world.client.cookies.clear()
    form = world.client.get("/")
    nonce = SIGNIN.search(form.text)
    assert nonce, form.text
    return world.client.post(
        "/sign-in",
        data={"username": user, "password": password, "signin": nonce.group(1)},
        follow_redirects=False,
    )


def test_asvs_2_2_1_wrong_passwords_lock_the_account_at_every_door_with_429_and_retry_after(
    world: World,
) -> None:
    user = "can.nobody-yet"  # unknown accounts lock the same way (lockouts do not reveal accounts)
    target = "usa.officer"
    assert (
        world.client.post("/api/v1/token", data={"username": target, "password": "wrong 1"}).status_code
        == 401
    )
    assert _taxii_basic(world, target, "wrong 2") == 401
    assert _console(world, target, "wrong 3").status_code == 401  # the third failure, at the third door
    for door in ("api", "taxii", "console"):
        if door == "api":
            got = world.client.post("/api/v1/token", data={"username": target, "password": PASSWORD})
            assert envelope(got, 429)["code"] == "too_many_attempts"
            status, retry = got.status_code, int(got.headers["Retry-After"])
        elif door == "taxii":
            auth = base64.b64encode(f"{target}:{PASSWORD}".encode()).decode()
            got = world.client.get("/taxii2/taxii2/", headers={"Authorization": f"Basic {auth}"})
            status, retry = got.status_code, int(got.headers["Retry-After"])
        else:
            got = _console(world, target, PASSWORD)
            status, retry = got.status_code, int(got.headers["Retry-After"])
        assert status == 429 and 0 < retry <= 60, door  # even the right password waits out the lock
    world.clock.advance(61)
    assert (
        world.client.post("/api/v1/token", data={"username": target, "password": PASSWORD}).status_code == 200
    )
    for n in range(3):
        world.client.post("/api/v1/token", data={"username": user, "password": f"guess {n}"})
    assert world.client.post("/api/v1/token", data={"username": user, "password": "x"}).status_code == 429
    world.clock.advance(61)
    world.client.post("/api/v1/token", data={"username": user, "password": "guess 4"})  # locked again, longer
    late = world.client.post("/api/v1/token", data={"username": user, "password": "x"})
    assert late.status_code == 429 and int(late.headers["Retry-After"]) > 60  # progressive
    lockouts = [r for r in audit_records(world, "usa.auditor") if r["action"] == "lockout"]
    assert any(r["actor"] == target and "user:usa.officer" in r["reason"] for r in lockouts)


def test_asvs_2_2_1_failures_from_one_address_lock_that_address(tmp_path: Any) -> None:
    from cruce.api.app import create_app

    node = prepare(tmp_path)
    clock = Clock()
    policy = ThrottlePolicy(account_failures=100, address_failures=4, lockout_s=30)
    with TestClient(
        create_app(node.settings, clock=clock, passwords=FAST_POLICY, throttle=policy, mount_taxii=False)
    ) as client:
        for n in range(4):  # four different accounts, one address
            got = client.post("/api/v1/token", data={"username": f"user-{n}", "password": "guess"})
            assert got.status_code == 401
        assert (
            client.post("/api/v1/token", data={"username": "usa.analyst", "password": PASSWORD}).status_code
            == 429
        )
        clock.advance(31)
        assert (
            client.post("/api/v1/token", data={"username": "usa.analyst", "password": PASSWORD}).status_code
            == 200
        )


def test_asvs_2_4_1_passwords_are_argon2id_and_old_scrypt_hashes_upgrade_at_sign_in(world: World) -> None:
    url = world.node.settings.resolved_database_url()
    with open_store(url) as store:
        before = (
            store.engine.connect()
            .exec_driver_sql("SELECT password_hash FROM share_accounts WHERE user_id = 'can.officer'")
            .scalar()
        )
    assert before is None or str(before).startswith("scrypt$")  # prepare() made old-style hashes
    world.client.post("/api/v1/token", data={"username": "mex.officer", "password": PASSWORD})
    with open_store(url) as store:
        after = (
            store.engine.connect()
            .exec_driver_sql("SELECT password_hash FROM share_accounts WHERE user_id = 'mex.officer'")
            .scalar()
        )
    assert str(after).startswith("$argon2id$") and "m=64,t=1" in str(after)
    again = world.client.post("/api/v1/token", data={"username": "mex.officer", "password": PASSWORD})
    assert again.status_code == 200  # the upgraded hash verifies
    made = world.post(
        "mex.admin",
        "/api/v1/users",
        json={
            "user_id": "mex.new",
            "organisation": "sat",
            "country": "MEX",
            "clearance": "U",
            "roles": ["officer"],
            "password": "x" * 14,
        },
    )
    assert made.status_code == 201
    with open_store(url) as store:
        stored = (
            store.engine.connect()
            .exec_driver_sql("SELECT password_hash FROM share_accounts WHERE user_id = 'mex.new'")
            .scalar()
        )
    assert str(stored).startswith("$argon2id$")


def test_asvs_2_4_1_password_hashing_is_capped_and_unknown_users_cost_a_hash(tmp_path: Any) -> None:
    hasher = PasswordHasher(PasswordPolicy(memory_kib=64, time_cost=1, max_concurrent=1, wait_s=0.05))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with hasher._slot():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    with pytest.raises(ThrottledError) as refused:
        hasher.hash("a password")
    assert refused.value.retry_after_s >= 1
    release.set()
    thread.join()
    assert hasher.hash("a password").startswith("$argon2id$")

    calls: list[str] = []
    with open_store(f"sqlite:///{tmp_path / 'c.db'}") as store:
        counting = PasswordHasher(FAST_POLICY)
        verify = counting.verify
        counting.verify = lambda password, stored: calls.append(stored) or verify(password, stored)  # type: ignore[method-assign]
        sharing = SharingStore(store.engine, hasher=counting)
        sharing.add_account(
            "known", organisation="o", country="USA", clearance="U", roles=[], password="p" * 12
        )
        assert sharing.check_password("unknown", "p" * 12) is None
        assert sharing.check_password("known", "wrong") is None
    assert len(calls) == 2 and all(c.startswith("$argon2id$") for c in calls)  # a dummy hash for "unknown"


# -- 8. validate, act, audit: together -------------------------------------------------------------------


def test_asvs_5_1_4_control_characters_are_refused_before_any_side_effect(world: World) -> None:
    before = world.get("usa.analyst", "/api/v1/alerts", params={"limit": 500}).json()["items"]
    for bad in ({"name": "Juan Carlos Hernandez\x00"}, {"name": "Juan Carlos Hernandez", "id": "a\x1bb"}):
        got = world.post("usa.analyst", "/api/v1/screen", json=bad)
        assert got.status_code == 422 and "control character" in envelope(got, 422)["message"]
    after = world.get("usa.analyst", "/api/v1/alerts", params={"limit": 500}).json()["items"]
    assert after == before
    nul_batch = world.post(
        "usa.analyst",
        "/api/v1/screen/batch",
        files={"file": ("a.csv", b"id,name\n1,Juan\x00 Carlos\n", "text/csv")},
    )
    assert envelope(nul_batch, 400)["code"] == "bad_character"


def test_asvs_7_2_2_an_alert_and_its_audit_record_commit_together_or_not_at_all(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = world.client.app.state.services  # type: ignore[attr-defined]
    person = {"name": "Maria Guadalupe Hernandez Lopez", "birth_date": "1980-01-01"}

    def broken(conn: Any, events: Any) -> Any:
        raise RuntimeError("the audit log is unavailable")

    before = world.get("usa.analyst", "/api/v1/alerts", params={"limit": 500}).json()["items"]
    monkeypatch.setattr(services.audit, "append_on", broken)
    # The alerts join the audit writer's group commit, which answers a failed append with its own error.
    refused = world.post("usa.analyst", "/api/v1/screen", json=person)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "audit_append_failed"
    monkeypatch.undo()
    assert world.get("usa.analyst", "/api/v1/alerts", params={"limit": 500}).json()["items"] == before
    done = world.post("usa.analyst", "/api/v1/screen", json=person).json()
    (alert_id,) = done["alerts"]
    records = audit_records(world, "usa.auditor")
    assert any(r["action"] == "screen" and alert_id in r["details"]["alerts"] for r in records)


# -- 9. formula injection --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_asvs_v5_1_2_10_no_csv_cell_cruce_writes_starts_a_formula(text: str) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csvsafe.writer(buffer).writerow([text, 1, -2.5])
    (row,) = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert not row[0].startswith(csvsafe.FORMULA_STARTS)
    assert row[0] == text or row[0] == "'" + text
    assert row[1:] == ["1", "-2.5"]  # numbers stay numbers


def test_asvs_v5_1_2_10_batch_ids_come_back_neutralised(world: World) -> None:
    ids = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "@foo", "-2+3"]
    data = "id,name\n" + "".join(f'"{i}",Juan Carlos Hernandez\n' for i in ids)
    job = world.post(
        "usa.analyst", "/api/v1/screen/batch", files={"file": ("a.csv", data.encode(), "text/csv")}
    )
    assert job.status_code == 202, job.text
    with TestClient(world.client.app) as client:  # the job runs in the server's pool
        client.headers.update(world.as_("usa.analyst"))
        done = wait_job(client, f"/api/v1/jobs/{job.json()['job_id']}")  # type: ignore[arg-type]
        assert done["state"] == "done", done
        text = client.get(str(done["results"])).text
    import csv
    import io

    cells = [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert {c.lstrip("'") for c in cells} == set(ids)
    assert all(c.startswith("'") for c in cells)


# -- 10. cursors and limits ------------------------------------------------------------------------------


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


PAGED = (
    "/api/v1/alerts",
    "/api/v1/jobs",
    "/api/v1/audit/records",
    "/api/v1/products",
    "/api/v1/lists",
    "/api/v1/ports",
)
WHO = {"/api/v1/audit/records": "usa.auditor"}
CURSORS = st.one_of(
    st.integers(min_value=2**63, max_value=2**80).map(_cursor),
    st.integers(max_value=-1).map(_cursor),
    st.floats(allow_nan=False).map(_cursor),
    st.text(max_size=40).map(_cursor),
    st.text(max_size=60),
    st.just(_cursor(2**63 - 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(PAGED), cursor=CURSORS, limit=st.one_of(st.integers(-5, 600), st.text(max_size=5))
)
def test_asvs_5_1_3_any_cursor_or_limit_gets_a_page_or_a_4xx_envelope(
    world: World, path: str, cursor: str, limit: Any
) -> None:
    got = world.get(WHO.get(path, "usa.analyst"), path, params={"cursor": cursor, "limit": limit})
    assert got.status_code in (200, 400, 422), got.text
    if got.status_code != 200:
        assert envelope(got, got.status_code)["code"] in ("bad_cursor", "bad_limit", "invalid_request")


# -- release is one decision -----------------------------------------------------------------------------


def test_asvs_4_1_3_an_analyst_keeps_products_home_and_release_needs_a_releasing_officer(
    world: World,
) -> None:
    home = world.post(
        "mex.analyst", "/api/v1/products", json={**product("report:mex-home", "S//NOFORN"), "owner": "MEX"}
    )
    assert home.status_code == 201, home.text
    shared = {**product("report:mex-shared", "S//REL TO MEX, USA", title="U"), "owner": "MEX"}
    refused = envelope(world.post("mex.analyst", "/api/v1/products", json=shared), 403)
    assert "releasing officer" in refused["message"]
    assert world.post("mex.releaser", "/api/v1/products", json=shared).status_code == 201
    records = [r for r in audit_records(world, "mex.auditor") if r["resource"] == "product:report:mex-shared"]
    assert [(r["actor"], r["action"], r["outcome"]) for r in records] == [
        ("mex.analyst", "release", "denied"),
        ("mex.releaser", "release", "allowed"),
    ]
    assert world.get("usa.analyst", "/api/v1/products/report:mex-shared").json()["view"] == "tear-line"


def test_asvs_7_4_1_a_taken_user_id_is_a_plain_conflict_without_database_text(world: World) -> None:
    """User ids are global, so a clash with a foreign account cannot be hidden; its text stays neutral."""
    body = {"user_id": "mex.analyst", "organisation": "cbp", "country": "USA", "clearance": "U",
            "roles": ["officer"]}  # fmt: skip
    found = world.post("usa.admin", "/api/v1/users", json=body)
    error = envelope(found, 409)
    assert error["code"] == "conflict"
    assert "UNIQUE" not in error["message"] and "constraint" not in error["message"].lower()
    assert "MEX" not in error["message"]
