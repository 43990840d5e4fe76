"""The asset register: markings decide who sees an asset (in the service, not the page), a write the writer
may not make is refused and audited with nothing stored, and `cruce assess register` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_fixtures import Node, prepare
from cli_fixtures import run_cli

from cruce.assess.assets import Asset, AssetKind
from cruce.assess.graph import Dependency
from cruce.core.errors import InputError
from cruce.service.assess import AssessService
from cruce.service.assets import AssetRegister
from cruce.service.respond import RespondForbiddenError
from cruce.sharing.audit import Outcome
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import Store, open_store


def _asset(asset_id: str, kind: AssetKind, owner: str, capacity: float = 10.0) -> Asset:
    return Asset(asset_id, f"{asset_id} name", kind, owner, 31.3, -110.9, capacity=capacity, serves="Nogales")


ASSETS = [
    _asset("port:2604", AssetKind.PORT_OF_ENTRY, "USA", 30_000),
    _asset("sub:nogales", AssetKind.POWER_SUBSTATION, "USA", 120),
    _asset("tel:sonora", AssetKind.TELECOM, "MEX", 5),
]
DEPS = [Dependency("port:2604", "sub:nogales"), Dependency("port:2604", "tel:sonora")]
RULES = {"default": "C//REL TO USA, MEX", "kind:power_substation": "U//NOFORN"}


@pytest.fixture
def node(tmp_path: Path) -> Node:
    return prepare(tmp_path / "node")


def _register(store: Store) -> tuple[AssetRegister, SharingStore]:
    respond, audit = RespondStore(store.engine), AuditLog(store.engine)
    return AssetRegister(respond, audit, AssessService(respond, audit)), SharingStore(store.engine)


def test_markings_decide_who_sees_each_asset(node: Node) -> None:
    with open_store(node.settings.resolved_database_url()) as store:
        register, accounts = _register(store)
        assert register.register(accounts.account("usa.releasing_officer"), ASSETS, DEPS, RULES) == 3
        usa = register.table(accounts.account("usa.analyst"), sort="name", descending=False)
        mex = register.table(accounts.account("mex.analyst"), sort="name", descending=False)
        assert [a.asset_id for a in usa] == ["port:2604", "sub:nogales", "tel:sonora"]
        assert [a.asset_id for a in mex] == ["port:2604", "tel:sonora"]  # the NOFORN substation stays home
        port = next(a for a in usa if a.asset_id == "port:2604")
        assert (port.dependencies, port.capacity, port.expected) == (2, 30_000, None)  # no assessment yet
        by_capacity = register.table(accounts.account("usa.analyst"), sort="capacity")
        assert [a.capacity for a in by_capacity] == sorted((a.capacity for a in ASSETS), reverse=True)

        # MEX's own register: its NOFORN asset is MEX's alone.
        mine = [_asset("sub:magdalena", AssetKind.POWER_SUBSTATION, "MEX")]
        register.register(accounts.account("mex.releasing_officer"), mine, (), {"default": "U//NOFORN"})
        assert "sub:magdalena" in {a.asset_id for a in register.table(accounts.account("mex.analyst"))}
        assert "sub:magdalena" not in {a.asset_id for a in register.table(accounts.account("usa.analyst"))}

        # Registering again replaces the rows (no duplicates), here with the substation released too.
        register.register(
            accounts.account("usa.releasing_officer"), ASSETS, DEPS, {"default": "C//REL TO USA, MEX"}
        )
        assert len(register.table(accounts.account("mex.analyst"))) == 4


def test_refusals_are_audited_and_write_nothing(node: Node) -> None:
    with open_store(node.settings.resolved_database_url()) as store:
        register, accounts = _register(store)
        analyst = accounts.account("usa.analyst")  # may write, may not release to MEX
        with pytest.raises(RespondForbiddenError):
            register.register(analyst, ASSETS, DEPS, RULES)
        denied = AuditLog(store.engine).latest(1, actor="usa.analyst")[0].event
        assert (denied.action, denied.outcome) == ("register assets", Outcome.DENIED)
        assert register.table(analyst) == []
        with pytest.raises(RespondForbiddenError):
            register.register(accounts.account("usa.auditor"), ASSETS, DEPS, {"default": "U//NOFORN"})
        for rules, message in (
            ({"default": "U//REL TO USA, MEX"}, "markings.default: REL TO applies to classified"),
            ({"colour:red": "U"}, "'colour:red' is not default"),
        ):
            with pytest.raises(InputError, match=message):
                register.register(accounts.account("usa.releasing_officer"), ASSETS, DEPS, rules)
        with pytest.raises(InputError, match="given twice: port:2604"):
            register.register(accounts.account("usa.releasing_officer"), [ASSETS[0], ASSETS[0]])
        with pytest.raises(InputError, match="sort by one of"):
            register.table(analyst, sort="given_name")
        assert register.table(analyst) == []


def test_cli_register_and_its_bad_input(node: Node, tmp_path: Path) -> None:
    data_dir = node.settings.data_dir
    markings = tmp_path / "markings.yaml"
    markings.write_text("markings:\n  default: C//REL TO USA, MEX\n  kind:power_substation: U//NOFORN\n")
    done = run_cli(data_dir, "assess", "register", "--example", "--as", "usa.releasing_officer",
                   "--markings", markings)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "registered 111 asset(s) for USA" in done.stdout
    with open_store(node.settings.resolved_database_url()) as store:
        register, accounts = _register(store)
        assert len(register.table(accounts.account("mex.analyst"))) == 111 - 30

    assets = tmp_path / "assets.csv"
    assets.write_text(
        "asset_id,kind,owner_country,latitude,longitude\na,telecom,USA,32,-117\nb,substation,USA,,\n"
    )
    bad = run_cli(data_dir, "assess", "register", assets, "--as", "usa.releasing_officer")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "location" in bad.stderr
    markings.write_text("- not a mapping\n")
    bad = run_cli(data_dir, "assess", "register", "--example", "--as", "usa.releasing_officer",
                  "--markings", markings)  # fmt: skip
    assert bad.returncode == 2 and "a mapping such as" in bad.stderr and "Traceback" not in bad.stderr


def test_api_lists_the_assets_each_country_may_see(node: Node) -> None:
    from fastapi.testclient import TestClient

    from cruce.api.app import create_app
    from cruce.storage.credentials import FAST_POLICY

    with open_store(node.settings.resolved_database_url()) as store:
        register, accounts = _register(store)
        register.register(accounts.account("usa.releasing_officer"), ASSETS, DEPS, RULES)
    with TestClient(create_app(node.settings, passwords=FAST_POLICY, mount_taxii=False)) as http:
        usa = http.get("/api/v1/assets?sort=name&order=asc", headers=node.headers("usa.analyst"))
        mex = http.get("/api/v1/assets", headers=node.headers("mex.analyst"))
        bad = http.get("/api/v1/assets?sort=given_name", headers=node.headers("mex.analyst"))
        anonymous = http.get("/api/v1/assets")
    assert [a["asset_id"] for a in usa.json()] == ["port:2604", "sub:nogales", "tel:sonora"]
    assert sorted(a["asset_id"] for a in mex.json()) == ["port:2604", "tel:sonora"]
    assert bad.status_code == 400 and "sort by one of" in bad.json()["error"]["message"]
    assert anonymous.status_code == 401
