"""Issue 21: list versions share what did not change, stay readable exactly as imported, and can be pruned
(audited); a version being written is invisible until published; the 0004 -> 0007 migration moves data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from test_store import SDN, StepClock, count_rows, full_entity, make_result, organisation

from cruce.core.model import Entity
from cruce.service.lists import prune_lists
from cruce.storage.audit import AuditLog
from cruce.storage.store import Store, create_database_engine, open_store, upgrade
from cruce.storage.tables import EntityContentRow, ListVersionRow, VersionEntityRow, VersionStatus


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url, clock=StepClock()) as opened:
        yield opened


def _daily(n: int, day: int, changed_every: int = 100) -> list[Entity]:
    """Day `day` of a list of `n` entities where 1 in `changed_every` changes each day."""
    out = []
    for i in range(n):
        edits = sum(1 for d in range(1, day + 1) if (i + d) % changed_every == 0)
        out.append(full_entity("us-ofac-sdn", str(i), name=f"PARTY {i} EDIT {edits}, Name"))
    return out


def test_versions_share_unchanged_entities_and_read_back_exactly(store: Store) -> None:
    days = [_daily(500, day) for day in range(10)]
    versions = [store.save_import(make_result(SDN, entities)) for entities in days]
    # every version exactly as imported
    for version, entities in zip(versions, days, strict=True):
        assert store.load_version_entities(version.id) == sorted(entities, key=lambda e: e.id)
    # stored once per distinct content: 500 + about 1% new per day, not 10 x 500
    distinct = len({(e.id, e.caption) for entities in days for e in entities})
    assert count_rows(store, EntityContentRow) == distinct < 600
    diff = store.diff("us-ofac-sdn", 1, 10)
    expected = sorted(a.id for a, b in zip(days[0], days[9], strict=True) if a != b)
    assert sorted(c.entity_id for c in diff.changed) == expected and len(expected) == 45
    assert diff.unchanged == 500 - 45 and not diff.added and not diff.removed


def test_a_version_being_written_is_invisible_until_published(store: Store) -> None:
    first = store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", "OLD")]))
    with store.engine.begin() as conn:  # what a killed import leaves: a pending version, half its rows
        pending = conn.scalar(
            insert(ListVersionRow)
            .values(list_id="us-ofac-sdn", version=2, imported_at=StepClock()(), source_files=[],
                    entity_count=2, skipped_count=0, skipped=[], dropped=[], ignored={},
                    status=VersionStatus.PENDING.value)
            .returning(ListVersionRow.id)
        )  # fmt: skip
    assert [v.key for v in store.list_versions()] == ["us-ofac-sdn@1"]
    assert [v.id for v in store.latest_versions()] == [first.id]
    assert [e.caption for e in store.load_entities()] == ["OLD"]
    third = store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", "NEW")]))
    assert third.version == 3 and [e.caption for e in store.load_entities()] == ["NEW"]
    # prune removes the abandoned one once it is old enough, and the contents only it held
    result = prune_lists(store, 5)
    assert result.abandoned == 0  # too recent: it may still be writing
    with store.engine.begin() as conn:
        conn.execute(
            update(ListVersionRow)
            .where(ListVersionRow.id == pending)
            .values(imported_at=StepClock()() - timedelta(days=1))
        )
    assert prune_lists(store, 5).abandoned == 1


def test_prune_keeps_the_newest_and_the_active_version_and_is_audited(store: Store) -> None:
    for i in range(5):
        store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", f"V{i}")]))
    newest = store.list_versions()[-1]
    store.withdraw_version(newest.id)  # v4 is active now
    result = prune_lists(store, 1, actor="usa.admin")
    assert result.removed == ("us-ofac-sdn@1", "us-ofac-sdn@2", "us-ofac-sdn@3")
    assert [v.key for v in store.list_versions()] == ["us-ofac-sdn@4", "us-ofac-sdn@5"]
    assert [e.caption for e in store.load_entities()] == ["V3"]
    assert result.contents_removed == 3  # V0..V2 were held by nothing else
    assert count_rows(store, EntityContentRow) == 2
    log = AuditLog.of(store)
    (record,) = [r for r in log.latest(5) if r.event.action == "lists.prune"]
    assert record.event.actor == "usa.admin"
    assert record.event.details["removed"] == ["us-ofac-sdn@1", "us-ofac-sdn@2", "us-ofac-sdn@3"]
    assert log.verify().ok


def test_migration_0007_moves_existing_versions_exactly(database_url: str, tmp_path: Path) -> None:
    """A database of the 0004 schema with two full-copy versions: after the upgrade both read back as
    they were, the unchanged entity is stored once, and the old table is gone."""
    from sqlalchemy import MetaData, Table

    from cruce.storage.codec import entity_to_dict

    engine = create_database_engine(database_url)
    upgrade(engine, "0004")
    v1 = [full_entity("us-ofac-sdn", "1"), organisation("us-ofac-sdn", "2", "ACME")]
    v2 = [full_entity("us-ofac-sdn", "1"), organisation("us-ofac-sdn", "2", "ACME TWO")]
    with engine.begin() as conn:
        meta = MetaData()
        watchlists = Table("watchlists", meta, autoload_with=conn)
        versions = Table("list_versions", meta, autoload_with=conn)
        entities = Table("entities", meta, autoload_with=conn)
        conn.execute(
            insert(watchlists).values(id="us-ofac-sdn", title="t", publisher="p", format="f", url=None)
        )
        for number, rows in ((1, v1), (2, v2)):
            vid = conn.scalar(
                insert(versions).values(list_id="us-ofac-sdn", version=number, imported_at=StepClock()(),
                                        source_files=[], entity_count=2, skipped_count=0, skipped=[],
                                        dropped=[], ignored={}, status="complete").returning(versions.c.id)
            )  # fmt: skip
            conn.execute(
                insert(entities),
                [{"version_id": vid, "entity_id": e.id, "schema": e.schema.value, "caption": e.caption,
                  "data": entity_to_dict(e)} for e in rows],
            )  # fmt: skip
    engine.dispose()
    with open_store(database_url) as store:
        ids = [v.id for v in store.list_versions()]
        assert store.load_version_entities(ids[0]) == v1
        assert store.load_version_entities(ids[1]) == v2
        assert count_rows(store, EntityContentRow) == 3
        with store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(VersionEntityRow)) == 4
        diff = store.diff("us-ofac-sdn", 1, 2)
        assert [c.entity_id for c in diff.changed] == ["us-ofac-sdn:2"] and diff.unchanged == 1
