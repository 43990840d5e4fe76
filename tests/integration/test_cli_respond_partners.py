"""Through the real CLI and two real `cruce share serve` processes: USA asks MEX for assistance
(`incidents assist request`, `incidents share`), MEX's operator syncs and receives it (`share sync`,
`incidents receive`), offers (`assist offered`, `share`), and the offer reaches the USA node the same way.
A NOFORN portion of the request never reaches MEX; syncing and receiving again receives nothing."""

from __future__ import annotations

import json
from pathlib import Path

from cli_fixtures import cli_env, run_cli
from fault_fixtures import share_serve
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD
from sqlalchemy import select

from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store
from cruce.storage.tables import ShareObjectRow

COLLECTION = "respond"
SECRET = "backup sabotaged, source ORCHID"


def _node(data: Path, country: str, partner: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    with open_store(f"sqlite:///{data / 'cruce.db'}") as store:
        sharing = SharingStore(store.engine)
        for user, of, roles in ((f"{country.lower()}.officer", country, ("analyst", "releasing_officer")),
                                (f"{partner.lower()}.sync", partner, ("analyst",))):  # fmt: skip
            sharing.add_account(user, organisation=f"{of.lower()}-border", country=of, clearance="S",
                                roles=roles, password=PASSWORD, scrypt_n=FAST_SCRYPT_N)  # fmt: skip
        sharing.add_collection(COLLECTION, "Joint response", "assistance and repatriations")
        sharing.grant(COLLECTION, f"user:{country.lower()}.officer", read=True, write=True)
        sharing.grant(COLLECTION, f"user:{partner.lower()}.sync", read=True, write=False)


def _ok(data: Path, country: str, *args: str) -> str:
    env = {"CRUCE_NODE_COUNTRY": country, "CRUCE_SYNC_PASSWORD": PASSWORD}
    done = run_cli(data, *args, env=cli_env(data, **env))
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    return done.stdout


def test_assistance_travels_between_two_cli_nodes(tmp_path: Path) -> None:
    usa, mex = tmp_path / "usa", tmp_path / "mex"
    _node(usa, "USA", "MEX")
    _node(mex, "MEX", "USA")
    opened = _ok(usa, "USA", "incidents", "open", "hurricane", "Beryl", "--as", "usa.officer",
                 "--marking", "C//REL TO USA, MEX")  # fmt: skip
    incident = opened.split()[1]
    asked = _ok(usa, "USA", "incidents", "assist", "request", incident, "--as", "usa.officer", "--to", "MEX",
                "--what", "two water tankers", "--portion", f"S//NOFORN|{SECRET}")  # fmt: skip
    request = asked.split(":")[0] + ":" + asked.split(":")[1]
    assert "1 step(s) released" in _ok(usa, "USA", "incidents", "share", "--as", "usa.officer",
                                       "--collection", COLLECTION)  # fmt: skip
    with share_serve(usa) as usa_root, share_serve(mex) as mex_root:
        mex_sync = ("share", "sync", "--remote", usa_root, "--collection", COLLECTION, "--user", "mex.sync",
                    "--partner-country", "USA")  # fmt: skip
        usa_sync = ("share", "sync", "--remote", mex_root, "--collection", COLLECTION, "--user", "usa.sync",
                    "--partner-country", "MEX")  # fmt: skip
        _ok(mex, "MEX", *mex_sync)
        received = _ok(mex, "MEX", "incidents", "receive", "--collection", COLLECTION)
        assert f"{request} asked from USA" in received
        shown = _ok(mex, "MEX", "incidents", "show", incident, "--as", "mex.officer")
        assert "two water tankers" in shown and "asked" in shown and "Beryl" in shown

        _ok(mex, "MEX", "incidents", "assist", "offered", request, "--as", "mex.officer")
        assert "1 step(s) released" in _ok(mex, "MEX", "incidents", "share", "--as", "mex.officer",
                                           "--collection", COLLECTION)  # fmt: skip
        _ok(usa, "USA", *usa_sync)
        assert f"{request} offered from MEX" in _ok(
            usa, "USA", "incidents", "receive", "--collection", COLLECTION
        )
        assert "offered" in _ok(usa, "USA", "incidents", "show", incident, "--as", "usa.officer")

        _ok(mex, "MEX", *mex_sync)
        assert "0 step(s) received" in _ok(mex, "MEX", "incidents", "receive", "--collection", COLLECTION)
    with open_store(f"sqlite:///{mex / 'cruce.db'}") as store, store.engine.connect() as conn:
        at_mex = json.dumps([json.loads(t) for t in conn.scalars(select(ShareObjectRow.data))])
    assert "two water tankers" in at_mex and SECRET not in at_mex
