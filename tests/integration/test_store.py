"""The watchlist store on real SQLite and real PostgreSQL: migrations, versions, round trips, atomicity."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, func, inspect, select, text

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError, NotFoundError, StorageError
from cruce.core.model import Address, AliasQuality, Entity, Identifier, ListInfo, Name, NameKind, Schema
from cruce.lists.base import DroppedValue, ImportResult, SkippedRow
from cruce.storage.store import MIGRATIONS_DIR, Store, open_store
from cruce.storage.tables import Base, EntityContentRow, ListVersionRow, VersionStatus, WatchlistRow

SDN = ListInfo("us-ofac-sdn", "OFAC SDN", "US Treasury, OFAC", "ofac-csv", "https://example.org/sdn.csv")
UN = ListInfo("un-sc", "UN Security Council Consolidated List", "UN Security Council", "un-xml")


class StepClock:
    """A clock that advances one minute per reading, so version timestamps are known and ordered."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def full_entity(list_id: str, source_id: str, name: str = "HERNANDEZ LOPEZ, Juan Carlos") -> Entity:
    """An entity with every field populated, in several scripts, to prove nothing is lost on the way."""
    return Entity(
        id=f"{list_id}:{source_id}",
        schema=Schema.PERSON,
        names=(
            Name(name, family="HERNANDEZ LOPEZ", given="Juan Carlos"),
            Name("EL CHAPITO", kind=NameKind.AKA, quality=AliasQuality.WEAK),
            Name("Хуан Карлос Эрнандес", kind=NameKind.AKA, script="Cyrl"),
            Name("HERNÁNDEZ, Juan", kind=NameKind.FKA),
            Name("خوان كارلوس", kind=NameKind.NKA, script="Arab"),
        ),
        list_id=list_id,
        source_id=source_id,
        birth_dates=(PartialDate(1970, 1, 12), PartialDate(1971, approximate=True), PartialDate(1969, 6)),
        birth_places=("Culiacán, Sinaloa, Mexico",),
        nationalities=("MX", "US"),
        countries=("CO",),
        gender="male",
        identifiers=(
            Identifier("curp", "HELJ700112HSLRPN09", "MX"),
            Identifier("passport", "G12345678", "MX"),
            Identifier("other", "no country"),
        ),
        addresses=(Address("Calle 5 de Mayo 123, Culiacán", "Culiacán", "MX"), Address("somewhere")),
        programs=("SDNTK", "ILLICIT-DRUGS-EO14059"),
        linked_to=("LOS CHAPITOS",),
        remarks="DOB 12 Jan 1970; alt. DOB 1971; nationality Mexico; \"quoted\" and 'single' ☃",
        extra={"title": "Lic.", "vessel_owner": ""},
    )


def organisation(list_id: str, source_id: str, name: str) -> Entity:
    return Entity(
        id=f"{list_id}:{source_id}",
        schema=Schema.ORGANIZATION,
        names=(Name(name),),
        list_id=list_id,
        source_id=source_id,
    )


def make_result(
    info: ListInfo,
    entities: list[Entity],
    *,
    source_files: list[str] | None = None,
    skipped: list[SkippedRow] | None = None,
    dropped: list[DroppedValue] | None = None,
    ignored: dict[str, int] | None = None,
) -> ImportResult:
    return ImportResult(
        list_info=info,
        entities=entities,
        skipped=skipped or [],
        source_files=source_files or [],
        dropped=dropped or [],
        ignored=ignored or {},
    )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with open_store(database_url, clock=StepClock()) as opened:
        yield opened


def count_rows(store: Store, row: type[Base]) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(row)) or 0)


# -- migrations -----------------------------------------------------------------------------------------


def test_migrations_build_the_schema_from_empty_and_match_the_models(database_url: str) -> None:
    with open_store(database_url) as store, store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {"watchlists", "list_versions", "entity_contents", "version_entities"} <= tables
        assert "entities" not in tables  # one copy per version: replaced by contents shared by hash
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
        # Autogenerate finds nothing to do: the hand-written migration equals the declared models.
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diffs == []
        assert inspect(conn).get_pk_constraint("version_entities")["constrained_columns"] == [
            "version_id",
            "content_id",
        ]
    # Opening again is a no-op upgrade and keeps the data.
    with open_store(database_url) as store:
        store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", "ACME")]))
    with open_store(database_url) as store:
        assert [v.key for v in store.list_versions()] == ["us-ofac-sdn@1"]


def test_sqlite_file_gets_its_directory_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = tmp_path / "does" / "not" / "exist" / "cruce.db"
    with open_store(f"sqlite:///{db}") as store:
        assert db.exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unreachable_postgres_is_a_storage_error_that_names_the_server() -> None:
    # Port 9 (discard) is closed on 127.0.0.1: the connection is refused at once.
    with pytest.raises(StorageError) as caught:
        open_store("postgresql+psycopg://nobody:secret@127.0.0.1:9/none?connect_timeout=2")
    assert caught.value.code == "database_unreachable"
    assert "127.0.0.1:9" in caught.value.message
    assert "secret" not in caught.value.message


def test_a_database_from_a_newer_cruce_is_refused_with_advice(database_url: str) -> None:
    with open_store(database_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="upgrade cruce") as caught:
        open_store(database_url)
    assert caught.value.code == "migration_failed"


def test_a_url_that_does_not_parse_is_bad_input_without_its_password() -> None:
    with pytest.raises(InputError) as caught:
        open_store("postgres ql://user:hunter2@db/x")
    assert caught.value.code == "bad_database_url"
    assert "hunter2" not in caught.value.message


# -- round trip -----------------------------------------------------------------------------------------


def test_entities_come_back_exactly_as_imported(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "sdn.csv"
    source.write_bytes(b'306,"HERNANDEZ LOPEZ, Juan Carlos",individual\r\n')
    entities = [
        full_entity("us-ofac-sdn", "306"),
        full_entity("us-ofac-sdn", "42", name="PÉREZ, José"),
        organisation("us-ofac-sdn", "7", "BANCO NACIONAL DE CUBA"),
    ]
    skipped = [SkippedRow("sdn.csv", 17, "no name")]
    dropped = [DroppedValue("sdn.csv", 3, "us-ofac-sdn:306", "birth_date", "31 Feb 1970", "not a date")]
    result = make_result(SDN, entities, source_files=[str(source)], skipped=skipped, dropped=dropped)
    result.ignored["address"] = 2
    version = store.save_import(result)

    loaded = store.load_version_entities(version.id)
    assert sorted(loaded, key=lambda e: e.id) == sorted(entities, key=lambda e: e.id)
    assert store.load_entities() == loaded

    assert version.key == "us-ofac-sdn@1"
    assert version.active and version.status is VersionStatus.COMPLETE
    assert (version.entity_count, version.skipped_count) == (3, 1)
    assert version.skipped == tuple(skipped)
    assert version.dropped == tuple(dropped)
    assert version.ignored == {"address": 2}
    assert version.imported_at == datetime(2025, 3, 1, 12, 1, tzinfo=UTC)
    assert version.imported_at.tzinfo is not None
    [stored_file] = version.source_files
    assert stored_file.name == "sdn.csv"
    assert stored_file.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert stored_file.size_bytes == source.stat().st_size
    assert store.watchlists() == [SDN]


def test_source_that_is_not_a_file_is_recorded_by_name(store: Store) -> None:
    version = store.save_import(make_result(SDN, [], source_files=["generated (seed 7)"]))
    assert [(f.name, f.sha256) for f in version.source_files] == [("generated (seed 7)", None)]
    assert store.load_version_entities(version.id) == []


# -- versions -------------------------------------------------------------------------------------------


def test_versions_are_numbered_per_list_and_the_newest_is_active(store: Store) -> None:
    sdn1 = store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", "OLD NAME")]))
    un1 = store.save_import(make_result(UN, [organisation("un-sc", "QDe.1", "UN ONE")]))
    sdn2 = store.save_import(
        make_result(
            SDN, [organisation("us-ofac-sdn", "1", "NEW NAME"), organisation("us-ofac-sdn", "2", "SECOND")]
        )
    )
    assert [(v.list_id, v.version) for v in (sdn1, un1, sdn2)] == [
        ("us-ofac-sdn", 1),
        ("un-sc", 1),
        ("us-ofac-sdn", 2),
    ]
    assert sdn1.imported_at < un1.imported_at < sdn2.imported_at

    assert [v.key for v in store.list_versions()] == ["un-sc@1", "us-ofac-sdn@1", "us-ofac-sdn@2"]
    assert [(v.key, v.active) for v in store.list_versions("us-ofac-sdn")] == [
        ("us-ofac-sdn@1", False),
        ("us-ofac-sdn@2", True),
    ]
    assert [v.key for v in store.latest_versions()] == ["un-sc@1", "us-ofac-sdn@2"]

    # Screening sees the active versions only; old versions stay readable, unchanged.
    assert sorted(e.caption for e in store.load_entities()) == ["NEW NAME", "SECOND", "UN ONE"]
    assert [e.caption for e in store.load_version_entities(sdn1.id)] == ["OLD NAME"]
    assert [e.caption for e in store.load_entities([sdn1.id, un1.id])] == ["OLD NAME", "UN ONE"]
    assert store.find_version("us-ofac-sdn", 2).id == sdn2.id


def test_withdrawn_version_hands_back_to_the_previous_one(store: Store) -> None:
    good = store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", "GOOD")]))
    bad = store.save_import(make_result(SDN, []))
    withdrawn = store.withdraw_version(bad.id)
    assert withdrawn.status is VersionStatus.WITHDRAWN and not withdrawn.active
    assert [v.id for v in store.latest_versions()] == [good.id]
    assert [e.caption for e in store.load_entities()] == ["GOOD"]
    # The next import still gets a fresh number: version numbers are never reused.
    assert store.save_import(make_result(SDN, [])).version == 3


def test_unknown_versions_are_not_found(store: Store) -> None:
    store.save_import(make_result(SDN, []))
    with pytest.raises(NotFoundError, match="has no version 5; it has versions 1"):
        store.find_version("us-ofac-sdn", 5)
    with pytest.raises(NotFoundError, match="never imported"):
        store.find_version("un-sc", 1)
    with pytest.raises(NotFoundError):
        store.load_version_entities(999_999)
    with pytest.raises(NotFoundError):
        store.withdraw_version(999_999)
    assert store.load_entities([]) == []


def test_empty_store_has_nothing_active(store: Store) -> None:
    assert store.list_versions() == []
    assert store.latest_versions() == []
    assert store.load_entities() == []


# -- atomicity ------------------------------------------------------------------------------------------


def fail_on_nth_entity_insert(store: Store, n: int) -> list[int]:
    """Make the database refuse the n-th batch of entity rows, as a full disk or a lost connection would."""
    seen = [0]
    dbapi_error: Any = store.engine.dialect.dbapi.OperationalError  # type: ignore[union-attr]

    @event.listens_for(store.engine, "before_cursor_execute")
    def _fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ENTITY_CONTENTS"):
            seen[0] += 1
            if seen[0] == n:
                raise dbapi_error("simulated failure half-way through the import")

    return seen


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_failure_half_way_writes_nothing(database_url: str) -> None:
    entities = [organisation("us-ofac-sdn", str(i), f"PARTY {i}") for i in range(5)]
    with open_store(database_url, batch_size=2) as store:
        inserts = fail_on_nth_entity_insert(store, 2)
        with pytest.raises(StorageError) as caught:
            store.save_import(make_result(SDN, entities))
        assert inserts[0] == 2  # the first batch did reach the database before the failure
        assert caught.value.code == "save_failed"
        assert "nothing was written" in caught.value.message
        assert "simulated failure" in caught.value.message
        for row in (WatchlistRow, ListVersionRow, EntityContentRow):
            assert count_rows(store, row) == 0, row.__tablename__
        assert store.list_versions() == []


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_failed_update_leaves_the_previous_version_active(database_url: str) -> None:
    with open_store(database_url, batch_size=2) as store:
        first = store.save_import(make_result(SDN, [organisation("us-ofac-sdn", "1", "KEEP ME")]))
        fail_on_nth_entity_insert(store, 2)
        with pytest.raises(StorageError):
            store.save_import(
                make_result(SDN, [organisation("us-ofac-sdn", str(i), "NEW") for i in range(6)])
            )
        assert [v.key for v in store.list_versions()] == ["us-ofac-sdn@1"]
        assert [v.id for v in store.latest_versions()] == [first.id]
        assert [e.caption for e in store.load_entities()] == ["KEEP ME"]
        assert count_rows(store, EntityContentRow) == 1


def test_duplicate_entity_ids_are_refused_before_writing(store: Store) -> None:
    twice = [organisation("us-ofac-sdn", "1", "A"), organisation("us-ofac-sdn", "1", "B")]
    with pytest.raises(StorageError, match=r"us-ofac-sdn:1") as caught:
        store.save_import(make_result(SDN, twice))
    assert caught.value.code == "duplicate_entities"
    assert count_rows(store, ListVersionRow) == 0


# -- size -----------------------------------------------------------------------------------------------


def test_a_list_the_size_of_the_sdn_is_stored_whole(store: Store) -> None:
    # Speed is measured in benchmarks/, not here; this checks that batching loses nothing.
    entities = [full_entity("us-ofac-sdn", str(i), name=f"PARTY {i}, Name") for i in range(9_000)]
    version = store.save_import(make_result(SDN, entities))
    loaded = store.load_version_entities(version.id)
    assert len(loaded) == 9_000 and version.entity_count == 9_000


# -- diff -----------------------------------------------------------------------------------------------


def test_diff_between_two_stored_versions(store: Store) -> None:
    chapo = full_entity("us-ofac-sdn", "306")
    store.save_import(
        make_result(
            SDN,
            [chapo, organisation("us-ofac-sdn", "7", "GONE SA"), organisation("us-ofac-sdn", "8", "SAME")],
        )
    )
    renamed = Entity(
        id=chapo.id,
        schema=chapo.schema,
        names=(*chapo.names, Name("JUANCHO", kind=NameKind.AKA)),
        list_id=chapo.list_id,
        source_id=chapo.source_id,
        birth_dates=chapo.birth_dates[:1],
    )
    store.save_import(
        make_result(
            SDN,
            [renamed, organisation("us-ofac-sdn", "8", "SAME"), organisation("us-ofac-sdn", "9", "NEW SA")],
        )
    )
    store.save_import(make_result(UN, [organisation("un-sc", "1", "OTHER LIST")]))

    diff = store.diff("us-ofac-sdn", 1, 2)
    assert [e.id for e in diff.added] == ["us-ofac-sdn:9"]
    assert [e.id for e in diff.removed] == ["us-ofac-sdn:7"]
    assert [c.entity_id for c in diff.changed] == ["us-ofac-sdn:306"]
    assert diff.unchanged == 1
    change = diff.change_for("us-ofac-sdn:306")
    assert change is not None
    names = next(c for c in change.changes if c.field == "names")
    assert names.added == ("JUANCHO (aka)",)
    # Backwards works too, and a version compared with itself has no changes.
    assert [e.id for e in store.diff("us-ofac-sdn", 2, 1).added] == ["us-ofac-sdn:7"]
    assert store.diff("us-ofac-sdn", 2, 2).is_empty
    with pytest.raises(NotFoundError):
        store.diff("us-ofac-sdn", 1, 3)


def test_a_database_that_fails_mid_read_is_a_storage_error(tmp_path: Path) -> None:
    broken = open_store(f"sqlite:///{tmp_path / 'broken.db'}")
    broken.save_import(make_result(SDN, [full_entity("us-ofac-sdn", "1")]))
    with broken.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE entity_contents RENAME TO entity_contents_gone")
    with pytest.raises(StorageError, match="could not be read"):
        broken.load_entities()
    broken.close()
