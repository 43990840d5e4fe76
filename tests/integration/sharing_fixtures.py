"""Sharing test helpers: marked products, marked synthetic objects, a node's accounts, a live TAXII server.

Passwords are hashed with a small scrypt cost here (n=2**12) so that tests create accounts quickly; the
hashes carry their parameters, so the server checks them exactly as it checks production ones.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from cruce.core.markings import Marking
from cruce.service.signin import ThrottlePolicy
from cruce.sharing.products import Portion, Product, ProductKind
from cruce.sharing.stix import marking_definition
from cruce.storage.credentials import FAST_POLICY, PasswordHasher
from cruce.storage.sharing import SharingStore

PASSWORD = "correct horse battery staple"
FAST_SCRYPT_N = 2**12
COLLECTION = "border-intel"

REL_MEX = Marking.parse("S//REL TO USA, MEX")
REL_CAN = Marking.parse("S//REL TO USA, CAN")
REL_ALL = Marking.parse("S//REL TO USA, CAN, MEX")
NOFORN = Marking.parse("S//NOFORN")
UNCLASS = Marking.parse("U")
MARKINGS = (REL_MEX, REL_CAN, REL_ALL, NOFORN, UNCLASS)
FORBIDDEN_TO_MEX = {str(m) for m in (REL_CAN, NOFORN)}


def product(i: int) -> Product:
    """A USA product with a portion for MEX, one for CAN, one NOFORN and a summary for all three."""
    return Product(
        f"report:2026-{i:05d}",
        ProductKind.INTELLIGENCE_REPORT,
        "USA",
        Portion(f"Cartel logistics through Nogales, report {i}", UNCLASS),
        (
            Portion(f"Tunnel near the port of entry, report {i}", REL_MEX),
            Portion(f"Source-derived detail, report {i}", NOFORN),
            Portion(f"Northern route through Ontario, report {i}", REL_CAN),
        ),
        Portion(f"Shipments rise this month, report {i}", REL_ALL),
        author="analyst.usa",
    )


def definitions() -> list[dict[str, Any]]:
    return [json.loads(marking_definition(m).serialize()) for m in MARKINGS]


def marked_object(i: int, marking: Marking, *, version: int = 0) -> dict[str, Any]:
    """A small indicator marked as a whole with `marking`; `version` moves its `modified`."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'cruce-test-{i}')}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": f"2026-01-01T00:{version:02d}:00.000Z",
        "name": f"indicator {i} v{version}",
        "pattern": f"[ipv4-addr:value = '10.0.{i // 250}.{i % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [str(marking_definition(marking).id)],
    }


def marked_objects(n: int) -> list[dict[str, Any]]:
    """Definitions first, then `n` indicators cycling through the five markings."""
    return [*definitions(), *(marked_object(i, MARKINGS[i % len(MARKINGS)]) for i in range(n))]


@dataclass(frozen=True)
class Node:
    url: str  # database URL
    sharing: SharingStore


def setup_accounts(sharing: SharingStore) -> None:
    """usa.analyst (reads and writes, TS), mex.officer and mex.sync (MEX, read; sync also writes),
    can.analyst (CAN), mex.conf (MEX, cleared CONFIDENTIAL only), outsider (no rights), and the collection."""

    def add(user: str, org: str, country: str, clearance: str, *roles: str) -> None:
        sharing.add_account(
            user, organisation=org, country=country, clearance=clearance, roles=roles,
            password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
        )  # fmt: skip

    add("usa.analyst", "cbp-nttc", "USA", "TS", "analyst", "releasing_officer")
    add("mex.officer", "sat-aduanas", "MEX", "S", "officer")
    add("mex.sync", "sat-aduanas", "MEX", "S", "analyst", "releasing_officer")
    add("mex.conf", "sat-aduanas", "MEX", "C", "officer")
    add("can.analyst", "cbsa", "CAN", "S", "analyst")
    add("outsider", "elsewhere", "USA", "TS", "analyst")
    sharing.add_collection(COLLECTION, "Border intelligence", "products and indicators for partners")
    sharing.grant(COLLECTION, "user:usa.analyst", read=True, write=True)
    sharing.grant(COLLECTION, "org:sat-aduanas", read=True, write=False)
    sharing.grant(COLLECTION, "user:mex.sync", read=True, write=True)
    sharing.grant(COLLECTION, "org:cbsa", read=True, write=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LENIENT = ThrottlePolicy(account_failures=10_000, address_failures=10_000)
"""For servers whose tests send many wrong passwords on purpose (the throttle has tests of its own)."""


@contextmanager
def serve(
    database_url: str, throttle: ThrottlePolicy = LENIENT, node_country: str | None = None
) -> Iterator[str]:
    """A real uvicorn serving cruce's TAXII app on a free loopback port; yields the server's base URL."""
    from cruce.api.taxii import create_taxii_app

    port = free_port()
    app = create_taxii_app(
        database_url, hasher=PasswordHasher(FAST_POLICY), throttle=throttle, node_country=node_country
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the TAXII server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
