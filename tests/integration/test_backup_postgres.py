"""`cruce backup` and `cruce restore` on PostgreSQL (pg_dump / pg_restore): the restored store is the one
backed up, its audit chain verifies (`cruce audit verify`), and a bad archive changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from audit_fixtures import append_reads, audit_head
from cli_fixtures import run_cli
from sqlalchemy import text

from cruce.storage.store import open_store

WATCHLIST = Path(__file__).resolve().parents[1] / "data" / "core" / "watchlist.ftm.json"

pytestmark = pytest.mark.postgres


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed (postgresql-client)")
def test_restore_brings_back_the_backup_and_its_audit_chain(tmp_path: Path, postgres_url: str) -> None:
    data = tmp_path / "data"
    env = {"CRUCE_DATABASE_URL": postgres_url}
    imported = run_cli(data, "lists", "import", "--list", "core", WATCHLIST, env=env)
    assert imported.returncode == 0, imported.stderr
    append_reads(postgres_url, 1, 5)
    backed_up = audit_head(postgres_url)
    archive = tmp_path / "backups" / "cruce.pgdump"

    done = run_cli(data, "backup", archive, env=env)
    assert done.returncode == 0, done.stderr
    assert archive.stat().st_size > 0
    again = run_cli(data, "backup", archive, env=env)
    assert again.returncode == 2 and "exists already" in again.stderr

    # after the backup: more records, then one rewritten by a database superuser (the append-only trigger
    # switched off) and the list's memberships lost; the chain no longer verifies
    append_reads(postgres_url, 6, 3)
    with open_store(postgres_url) as store, store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_records SET reason = 'rewritten' WHERE seq = 2"))
        conn.execute(text("ALTER TABLE audit_records ENABLE TRIGGER USER"))
        conn.execute(text("DELETE FROM version_entities"))
    assert run_cli(data, "audit", "verify", env=env).returncode == 1

    junk = tmp_path / "junk.pgdump"
    junk.write_bytes(b"not an archive")
    refused = run_cli(data, "restore", junk, env=env)
    assert refused.returncode == 2 and "not a usable pg_dump archive" in refused.stderr
    assert run_cli(data, "audit", "verify", env=env).returncode == 1  # nothing was changed

    restored = run_cli(data, "restore", archive, env=env)
    assert restored.returncode == 0, restored.stderr
    verified = run_cli(data, "audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert audit_head(postgres_url) == backed_up
    screened = run_cli(data, "screen", "Juan Carlos Hernandez", "--dob", "1975-03-02", env=env)
    assert screened.returncode == 0 and "ALERT core:core-1" in screened.stdout


def test_a_missing_pg_dump_is_named(tmp_path: Path, postgres_url: str) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    done = run_cli(
        tmp_path / "data", "backup", tmp_path / "b.pgdump",
        env={"CRUCE_DATABASE_URL": postgres_url, "PATH": str(empty)},
    )  # fmt: skip
    assert done.returncode == 2
    assert "pg_dump is not installed" in done.stderr and "postgresql-client" in done.stderr
