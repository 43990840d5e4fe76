"""Continuous re-vetting on a real database: the outbox, the worker, exactly once under kill -9, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from revetting_fixtures import FileDirectory, listed, members, result
from sqlalchemy import func, select
from typer.testing import CliRunner

from cruce.core.errors import StorageError
from cruce.matching.matcher import Matcher
from cruce.programs.model import MembershipState
from cruce.programs.revetting import InMemoryDirectory
from cruce.service import revetting
from cruce.service.revetting import Revetter
from cruce.storage.revetting import RevettingHitRow, RevettingRunRow, RevettingStore, RunKind, RunState
from cruce.storage.store import Store, open_store
from cruce.storage.tables import ListVersionRow

HERE = Path(__file__).parent


def _two_versions(store: Store) -> tuple[list, list]:
    """Version 1 holds all but the last 60 entities; version 2 adds them (the persons members are planted
    after) and changes nothing else."""
    entities = listed()
    store.save_import(result(entities[:-60]))
    store.save_import(result(entities))
    return entities[:-60], entities


def test_each_new_version_queues_one_run_in_the_publishing_transaction(database_url: str) -> None:
    with open_store(database_url) as store:
        _two_versions(store)
        runs = RevettingStore(store.engine).runs()
    assert [(r.kind, r.list_id, r.version, r.from_version, r.state) for r in reversed(runs)] == [
        (RunKind.DIFF, "synthetic-watchlist", 1, None, RunState.PENDING),
        (RunKind.DIFF, "synthetic-watchlist", 2, 1, RunState.PENDING),
    ]


def test_a_failed_import_queues_nothing(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(database_url) as store:
        store.save_import(result(listed()[:50]))

        def broken(*args: object, **kwargs: object) -> None:
            raise StorageError("disk_full", "the disk is full")

        monkeypatch.setattr(Store, "_store_contents", broken)
        with pytest.raises(StorageError):
            store.save_import(result(listed()[:80]))
        with store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(RevettingRunRow)) == 1
            assert conn.scalar(select(func.count()).select_from(ListVersionRow)) == 1


def test_a_list_update_suspends_the_members_it_names_and_only_them(database_url: str) -> None:
    with open_store(database_url) as store:
        old, new = _two_versions(store)
        people = members(new)
        directory = InMemoryDirectory(people)
        revetter = Revetter(store, directory, chunk_size=7)
        outcomes = revetter.run_pending()
        assert [o.run.state for o in outcomes] == [RunState.DONE, RunState.DONE]
        assert [o.entities for o in outcomes] == [len(old), 60]  # the second run screens only the diff
        hits = [h for o in outcomes for h in revetter.runs.hits_of(o.run.id)]
        assert revetter.run_pending() == []  # each version exactly once
    # What forward screening of every member against the new list alerts on, among the new entities.
    matcher = Matcher(new)
    added = {e.id for e in new[-60:]}
    expected = {
        (m.membership_id, match.entity.id, match.score)
        for m in people
        for match in matcher.screen(m.parties[0].query, top=50)
        if match.alert and match.entity.id in added
    }
    assert expected
    assert {
        (h.membership_id, h.entity_id, h.score) for h in hits if h.run_id == outcomes[1].run.id
    } == expected
    assert {h.key for h in hits} == set(directory.alerts)
    for hit in hits:
        assert directory.states[hit.membership_id] is MembershipState.SUSPENDED
        assert hit.features[0].name == "name" and hit.matcher.startswith("cruce-names")
    hit_members = {h.membership_id for h in hits}
    assert all(s is MembershipState.ACTIVE for k, s in directory.states.items() if k not in hit_members)


@pytest.mark.faults
def test_kill_9_mid_run_resumes_and_produces_each_hit_exactly_once(tmp_path: Path) -> None:
    """kill -9 of a re-vetting worker mid-run: the next one resumes; each hit is stored and alerted once."""
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for folder in (reference, killed):
        folder.mkdir()
        with open_store(f"sqlite:///{folder / 'cruce.db'}") as store:
            _two_versions(store)
    env = {**os.environ, "PYTHONPATH": str(HERE)}

    def worker(folder: Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                str(HERE / "revetting_worker.py"),
                f"sqlite:///{folder / 'cruce.db'}",
                str(folder),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )

    done = worker(reference)
    assert done.wait(timeout=300) == 0
    victim = worker(killed)
    assert victim.stdout is not None
    seen = 0
    for line in victim.stdout:
        if line.startswith("chunk 2 "):  # the second run (the diff) is half-way
            seen += 1
            if seen == 6:
                os.killpg(victim.pid, signal.SIGKILL)
                break
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    with open_store(f"sqlite:///{killed / 'cruce.db'}") as store:
        run = RevettingStore(store.engine).run(2)
        assert run.state is RunState.RUNNING and 0 < run.done < (run.total or 0)
    time.sleep(1.2)  # the dead worker's lease runs out
    resumed = worker(killed)
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out

    def stored(folder: Path) -> list[tuple[str, str, float]]:
        with open_store(f"sqlite:///{folder / 'cruce.db'}") as store, store.engine.connect() as conn:
            rows = conn.execute(
                select(RevettingHitRow.hit_key, RevettingHitRow.entity_id, RevettingHitRow.score)
            )
            return sorted((r[0], r[1], r[2]) for r in rows)

    assert stored(killed) == stored(reference)
    assert len(stored(reference)) > 5
    directory = FileDirectory(killed / "members.db", [])
    assert directory.alerts() == sorted(k for k, _, _ in stored(killed))
    deliveries = directory.deliveries()
    assert len(deliveries) - len(set(deliveries)) <= 1  # only the hit in flight at the kill, if any, twice
    with open_store(f"sqlite:///{killed / 'cruce.db'}") as store:
        runs = RevettingStore(store.engine).runs()
        assert all(r.state is RunState.DONE for r in runs)


def test_cli_programs_revet_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cruce.cli.main import app

    monkeypatch.setenv("CRUCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRUCE_DATABASE_URL", raising=False)
    from cruce.cli.config import load_settings, open_configured_store

    with open_configured_store(load_settings()) as store:
        _, new = _two_versions(store)
    directory = InMemoryDirectory(members(new))
    monkeypatch.setattr(revetting, "member_directory", lambda store: directory)
    runner = CliRunner()
    first = runner.invoke(app, ["programs", "revet"])
    assert first.exit_code == 0, first.output
    assert "synthetic-watchlist@2" in first.output
    assert "suspended pending review" in first.output
    suspended = [k for k, s in directory.states.items() if s is MembershipState.SUSPENDED]
    assert suspended and all(k in first.output for k in suspended)
    again = runner.invoke(app, ["programs", "revet"])
    assert again.exit_code == 0 and "nothing to re-vet" in again.output
    full = runner.invoke(app, ["programs", "revet", "--full"])
    assert full.exit_code == 0 and "full re-vetting" in full.output


def test_migration_0010_follows_0013_and_goes_down_to_it_and_back(database_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from cruce.storage.store import _alembic_config

    with open_store(database_url) as store:
        with store.engine.connect() as conn, conn.begin():
            config = _alembic_config(conn)
            script = ScriptDirectory.from_config(config)
            assert script.get_revision("0010").down_revision == "0013"
            (head,) = script.get_heads()  # 0010, or a later migration chained after it (0014)
            assert "0010" in {r.revision for r in script.iterate_revisions(head, "base")}
            command.downgrade(config, "0013")
        tables = set(inspect(store.engine).get_table_names())
        assert "revetting_runs" not in tables and "cases" in tables and "incidents" in tables
        with store.engine.connect() as conn, conn.begin():
            command.upgrade(_alembic_config(conn), "head")
        assert "revetting_runs" in set(inspect(store.engine).get_table_names())
