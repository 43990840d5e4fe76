"""Console test fixtures: the integration helpers (invented watchlist, one account per role and partner)
and the whole app in process for TestClient tests; the browser tests start a real server of their own."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from api_fixtures import Node, prepare
from fastapi.testclient import TestClient

from cruce.storage.credentials import FAST_POLICY


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Node:
    return prepare(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def app_client(node: Node) -> Iterator[TestClient]:
    """The whole app (API and console) in process, its lifespan run (the matcher is loaded)."""
    from cruce.api.app import create_app

    with TestClient(create_app(node.settings, passwords=FAST_POLICY, mount_taxii=False)) as client:
        yield client
