"""REST API test helpers: a store with a small invented watchlist and one account per role and partner, and
a real uvicorn serving `create_app` on a free loopback port.

Passwords are hashed with a small scrypt cost (see sharing_fixtures) so accounts are made quickly; the
server hashes with cheap argon2id parameters (`FAST_POLICY`) and upgrades those scrypt hashes at sign-in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from cli_fixtures import write_ofac
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD, free_port

from cruce.core.settings import Settings
from cruce.service.lists import import_list
from cruce.storage.credentials import FAST_POLICY
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

ROLES = ("analyst", "releasing_officer", "officer", "auditor", "admin", "none")
PARTNERS = ("USA", "MEX")
ORGS = {"USA": "cbp", "MEX": "sat"}
SUPER = "usa.everything"
"""A USA account holding every role: what the schema fuzzer signs in as."""


def user_id(role: str, country: str) -> str:
    return f"{country.lower()}.{role}"


@dataclass
class Node:
    """A prepared database: its settings, and an API key per account (by user id)."""

    settings: Settings
    keys: dict[str, str] = field(default_factory=dict)

    def headers(self, user: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[user]}


def prepare(data_dir: Path, database_url: str | None = None) -> Node:
    """Import the fixture OFAC list and create the accounts (each with an API key)."""
    settings = Settings(data_dir=data_dir, database_url=database_url)
    settings.ensure_data_dir()
    node = Node(settings)
    files = data_dir / "files"
    files.mkdir(exist_ok=True)
    with open_store(settings.resolved_database_url()) as store:
        import_list(store, "us-ofac-sdn", write_ofac(files, 1))
        sharing = SharingStore(store.engine)
        accounts = [(user_id(r, c), c, [] if r == "none" else [r]) for r in ROLES for c in PARTNERS]
        accounts.append((SUPER, "USA", ["analyst", "releasing_officer", "officer", "auditor", "admin"]))
        for uid, country, roles in accounts:
            sharing.add_account(
                uid, organisation=ORGS[country], country=country, clearance="S", roles=roles,
                password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
            )  # fmt: skip
            node.keys[uid] = sharing.issue_token(uid)
    return node


@contextmanager
def serve(node: Node, **options: object) -> Iterator[str]:
    """uvicorn serving the API on a free loopback port, in this process; yields the base URL."""
    from cruce.api.app import create_app

    options.setdefault("passwords", FAST_POLICY)
    app = create_app(node.settings, **options)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def wait_job(http: httpx.Client, job_url: str, timeout_s: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while True:
        job = http.get(job_url).json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return dict(job)
        time.sleep(0.1)
