"""The SQL filter and the reach rule are one rule: over generated markings and readers (several countries,
dual nationals, every clearance), the objects a real database returns to a reader are exactly those
`reach_of(markings).admits_all(countries, clearance)` admits. On SQLite, and PostgreSQL (`postgres`)."""

from __future__ import annotations

import itertools
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.core.markings import Classification, Marking
from cruce.sharing.definitions import TLP2_IDS
from cruce.sharing.exchange import ObjectFilter, VersionPick
from cruce.sharing.release import reach_of
from cruce.sharing.stix import marking_definition
from cruce.storage.collections import Reader
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

COUNTRIES = ("USA", "MEX", "CAN", "GBR", "UGA", "ARE")  # UGA/ARE: neighbours of USA/MEX in LIKE terms
_counter = itertools.count()


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    owner = draw(st.sampled_from(COUNTRIES[:3]))
    level = draw(st.sampled_from(list(Classification)))
    kind = draw(st.sampled_from(["plain", "noforn", "rel", "orcon"]))
    others = draw(st.frozensets(st.sampled_from(COUNTRIES), max_size=4)) - {owner}
    if level is Classification.UNCLASSIFIED:
        return Marking.of(level, owner, noforn=kind == "noforn")
    if kind in ("rel", "orcon") and others:
        return Marking.of(level, owner, [owner, *sorted(others)], orcon=kind == "orcon")
    return Marking.of(level, owner, noforn=kind == "noforn")


readers = st.tuples(
    st.frozensets(st.sampled_from(COUNTRIES), min_size=1, max_size=2), st.sampled_from(list(Classification))
)
marked_objects = st.lists(st.tuples(st.lists(markings(), max_size=3), st.booleans()), min_size=1, max_size=12)


def _indicator(refs: list[str]) -> dict[str, Any]:
    return {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '10.0.0.1']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        **({"object_marking_refs": refs} if refs else {}),
    }  # fmt: skip


def _check(sharing: SharingStore, objects: list[tuple[list[Marking], bool]], who: list[Any]) -> None:
    collection = f"p{next(_counter)}-{uuid.uuid4().hex[:8]}"
    sharing.add_collection(collection, "property")
    definitions = {m: json.loads(marking_definition(m).serialize()) for ms, _ in objects for m in ms}
    stored: dict[str, Any] = {}
    batch: list[dict[str, Any]] = list(definitions.values())
    for ms, tlp in objects:
        refs = [definitions[m]["id"] for m in ms] + ([TLP2_IDS["red"]] if tlp else [])
        obj = _indicator(refs)
        batch.append(obj)
        stored[obj["id"]] = reach_of(ms)
    for definition in definitions.values():
        stored[definition["id"]] = reach_of([Marking.parse(definition["name"], owner=_owner(definition))])
    assert not sharing.add_objects(collection, batch).failures
    every = ObjectFilter(picks=frozenset({VersionPick.ALL}))
    for countries, clearance in who:
        got = {o.object_id for o in sharing.page(collection, every, Reader(countries, clearance)).objects}
        expected = {i for i, reach in stored.items() if reach.admits_all(countries, clearance)}
        assert got == expected, (countries, clearance)


def _owner(definition: dict[str, Any]) -> str:
    acs = next(iter(definition["extensions"].values()))
    return str(acs["responsible_entity_originator"]).split(".")[0]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharingStore]:
    path: Path = tmp_path_factory.mktemp("reach") / "reach.db"
    with open_store(f"sqlite:///{path}") as store:
        yield SharingStore(store.engine)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(marked_objects, st.lists(readers, min_size=1, max_size=6))
def test_sqlite_filter_is_exactly_the_reach_rule(
    sqlite_store: SharingStore, objects: list[tuple[list[Marking], bool]], who: list[Any]
) -> None:
    _check(sqlite_store, objects, who)


@pytest.fixture(scope="module")
def postgres_store() -> Iterator[SharingStore]:
    psycopg = pytest.importorskip("psycopg")
    raw = os.environ.get("CRUCE_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    admin = raw.replace("+psycopg", "")
    try:
        psycopg.connect(admin, connect_timeout=3).close()
    except Exception as exc:
        if os.environ.get("CRUCE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is not usable: {exc}")
        pytest.skip(f"PostgreSQL is not usable: {exc}")
    schema = f"cruce_reach_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in raw else "?"
    try:
        with open_store(f"{raw}{sep}options=-csearch_path%3D{schema}") as store:
            yield SharingStore(store.engine)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.postgres
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(marked_objects, st.lists(readers, min_size=1, max_size=6))
def test_postgres_filter_is_exactly_the_reach_rule(
    postgres_store: SharingStore, objects: list[tuple[list[Marking], bool]], who: list[Any]
) -> None:
    _check(postgres_store, objects, who)
