"""A TAXII node in-process (FastAPI's TestClient) with one account per role and country that matters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cruce.api.taxii import create_taxii_app
from cruce.core.markings import Marking
from cruce.service.sharing import TAXII_MEDIA
from cruce.sharing.stix import marking_definition
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

PASSWORD = "correct horse battery staple"
SHARED = "shared"
ACCOUNTS = {  # user: (organisation, country, clearance, roles)
    "usa.ro": ("cbp", "USA", "TS", ("analyst", "releasing_officer")),
    "usa.analyst": ("cbp", "USA", "TS", ("analyst",)),
    "usa.uncleared": ("cbp-contract", "USA", "U", ("analyst", "releasing_officer")),
    "mex.analyst": ("sspc", "MEX", "S", ("analyst",)),
    "mex.ro": ("sspc", "MEX", "S", ("analyst", "releasing_officer")),
    "can.analyst": ("cbsa", "CAN", "S", ("analyst",)),
    "can.ro": ("cbsa", "CAN", "S", ("analyst", "releasing_officer")),
}


@dataclass
class Node:
    url: str
    client: TestClient

    def post(self, user: str, objects: list[dict[str, Any]], collection: str = SHARED) -> dict[str, Any]:
        response = self.client.post(
            f"/cruce/collections/{collection}/objects/",
            content=json.dumps({"objects": objects}),
            headers={"Content-Type": TAXII_MEDIA, "Accept": TAXII_MEDIA},
            auth=(user, PASSWORD),
        )
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        return body

    def get(self, user: str, path: str = "objects/", **params: Any) -> Any:
        response = self.client.get(
            f"/cruce/collections/{SHARED}/{path}", params=params, auth=(user, PASSWORD),
            headers={"Accept": TAXII_MEDIA},
        )  # fmt: skip
        return response

    def objects(self, user: str, **params: Any) -> list[dict[str, Any]]:
        response = self.get(user, **{"match[version]": "all", **params})
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json().get("objects", [])
        return found


def setup(url: str, *, collections: tuple[str, ...] = (SHARED,)) -> None:
    with open_store(url) as store:
        sharing = SharingStore(store.engine)
        for user, (org, country, clearance, roles) in ACCOUNTS.items():
            sharing.add_account(user, organisation=org, country=country, clearance=clearance, roles=roles,
                                password=PASSWORD, scrypt_n=2**12)  # fmt: skip
        for collection in collections:
            sharing.add_collection(collection, "Shared", "partner collection")
            for org in {org for org, *_ in ACCOUNTS.values()}:
                sharing.grant(collection, f"org:{org}", read=True, write=True)


@contextmanager
def node(tmp_path: Path, name: str = "node", *, country: str | None = "USA") -> Iterator[Node]:
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    setup(url, collections=(SHARED, "other"))
    with TestClient(create_taxii_app(url, node_country=country), raise_server_exceptions=False) as client:
        yield Node(url, client)


def definition(text: str, owner: str = "USA") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(marking_definition(Marking.parse(text, owner=owner)).serialize())
    return data


def indicator(n: int, *refs: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"indicator {n}",
        "pattern": "[ipv4-addr:value = '10.0.0.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        **({"object_marking_refs": list(refs)} if refs else {}),
        **extra,
    }
