"""The three-node scenario through the real CLI (a new process per command), each node with its own SQLite
database, its own TAXII server and CRUCE_NODE_COUNTRY; objects travel only by `cruce share sync`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from cli_fixtures import run_cli
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD, serve

from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

COUNTRIES = ("USA", "MEX", "CAN")
COLLECTION = "partners"
APPLICATION = Path(__file__).parent.parent / "data" / "programs" / "viajero-applicant.yaml"
CAN_LIST = {
    "id": "77",
    "schema": "Person",
    "properties": {
        "name": ["Maria Guadalupe TORRES OCHOA"],
        "birthDate": ["1984-03-12"],
        "nationality": ["mx"],
        "passportNumber": ["G48213377"],
        "notes": ["informant-derived: handled by RCMP unit 7"],
    },
}


OWN_LIST = {"id": "1", "schema": "Person", "properties": {"name": ["Ernesto OCAMPO RIVAS"]}}


class Node:
    def __init__(self, country: str, root: Path) -> None:
        self.country = country
        self.data = root / country.lower()
        self.data.mkdir()
        self.url = f"sqlite:///{self.data / 'cruce.db'}"
        self.base = ""

    def cli(self, *args: str | Path, secret: str | None = None) -> str:
        env = {"CRUCE_DATABASE_URL": self.url, "CRUCE_NODE_COUNTRY": self.country}
        if secret is not None:
            env["CRUCE_SYNC_PASSWORD"] = secret
        result = run_cli(self.data, *args, env=env)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return " ".join(result.stdout.split())

    def sync_from(self, other: Node) -> str:
        return self.cli(
            "share", "sync", "--remote", f"{other.base}/cruce/", "--collection", COLLECTION,
            "--user", f"{self.country.lower()}.sync", "--partner-country", other.country, secret=PASSWORD,
        )  # fmt: skip


def _accounts(node: Node) -> None:
    """Accounts and the collection, made in-process (account set-up has CLI tests of its own)."""
    with open_store(node.url) as store:
        sharing = SharingStore(store.engine)
        for country in COUNTRIES:
            own = country == node.country
            user = f"{country.lower()}.{'officer' if own else 'sync'}"
            roles = ("analyst", "releasing_officer") if own else ("analyst",)
            org = f"{country.lower()}-border"
            sharing.add_account(user, organisation=org, country=country, clearance="S", roles=roles,
                                password=PASSWORD, scrypt_n=FAST_SCRYPT_N)  # fmt: skip
        sharing.add_collection(COLLECTION, "Partner coordination")
        for country in COUNTRIES:
            own = country == node.country
            user = f"user:{country.lower()}.{'officer' if own else 'sync'}"
            sharing.grant(COLLECTION, user, read=True, write=own)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, Node]]:
    with ExitStack() as stack:
        out = {c: Node(c, tmp_path) for c in COUNTRIES}
        for node in out.values():
            _accounts(node)
            node.base = stack.enter_context(serve(node.url, node_country=node.country))
        yield out


def enrol(node: Node) -> str:
    """Enrol the traveler in the node's program through `cruce programs` (apply, vet, interview, approve)."""
    officer = ("--officer", f"{node.country.lower()}.officer")
    own_list = node.data / "own-list.json"
    own_list.write_text(json.dumps(OWN_LIST) + "\n", encoding="utf-8")
    node.cli("lists", "import", "--list", f"{node.country.lower()}-wanted", own_list)
    out = node.cli("programs", "apply", APPLICATION, *officer)
    found = re.search(r"application (application:[0-9a-f]+) submitted", out)
    assert found is not None, out
    app = found.group(1)
    assert "recommendation: clear" in node.cli("programs", "vet", app, *officer)
    node.cli("programs", "decide", app, "interview", "--reason", "vetting clear", *officer)
    out = node.cli("programs", "decide", app, "approve", "--reason", "interviewed", *officer)
    granted = re.search(r"membership (\S+) granted", out)
    assert granted is not None, out
    return granted.group(1)


@pytest.mark.slow  # some twenty CLI processes: ~1 minute on an idle machine
def test_enrol_cross_hit_suspend_and_refer_through_the_cli(nodes: dict[str, Node], tmp_path: Path) -> None:
    usa, mex, can = nodes["USA"], nodes["MEX"], nodes["CAN"]
    member = enrol(mex)
    assert f"{member}: released to CAN, USA" in mex.cli("partners", "publish", "--collection", COLLECTION,
                                                        "--as", "mex.officer")  # fmt: skip
    for node in (usa, can):
        node.sync_from(mex)
        assert "1 new membership status(es)" in node.cli("partners", "ingest", "--collection", COLLECTION)

    booth = (
        "partners",
        "lane",
        "--document",
        "passport:MX:G48213377",
        "--name",
        "Maria Guadalupe Torres Ochoa",
    )
    assert "lane: expedited (trusted)" in usa.cli(*booth)

    wanted = tmp_path / "ca-wanted.json"
    wanted.write_text(json.dumps(CAN_LIST) + "\n", encoding="utf-8")
    can.cli("lists", "import", "--list", "ca-wanted", wanted)
    sent = can.cli(
        "partners", "screen", "--list", "ca-wanted", "--collection", COLLECTION, "--as", "can.officer"
    )
    assert "1 hit(s) on ca-wanted" in sent and "sent to MEX, USA" in sent

    usa.sync_from(can)
    mex.sync_from(can)
    assert "1 new hit notice(s)" in usa.cli("partners", "ingest", "--collection", COLLECTION)
    acted = mex.cli("partners", "ingest", "--collection", COLLECTION, "--act", "--as", "mex.officer")
    assert f"suspended {member}: suspended pending review: CAN hit notice" in acted
    assert "released 1 new status(es)" in acted
    for node in (mex, usa):
        seen = node.cli("partners", "notices")
        assert "TORRES OCHOA" in seen and "(S//REL TO CAN, MEX, USA) identifiers: passport:G48213377" in seen
        assert "RCMP" not in seen and "remarks" not in seen  # the list's remarks never leave CAN

    held = usa.cli(*booth)
    assert "lane: expedited" not in held and "1 open alert" in held  # the notice alone: no trusted lane

    usa.sync_from(mex)
    assert "1 new membership status(es)" in usa.cli("partners", "ingest", "--collection", COLLECTION)
    after = usa.cli(*booth)
    assert "lane: secondary (referred)" in after and f"{member} (MEX) suspended" in after
    assert "CAN hit notice" in after
    assert "suspended" in usa.cli("partners", "statuses")
