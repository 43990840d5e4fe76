"""`cruce backup` and `cruce restore` on the embedded store (SQLite's online backup): the restored store is
the one backed up and its audit chain verifies (`cruce audit verify`), also when the backup was taken while
another connection kept appending audit records."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from audit_fixtures import append_reads, audit_head
from cli_fixtures import run_cli

WATCHLIST = Path(__file__).resolve().parents[1] / "data" / "core" / "watchlist.ftm.json"


def test_restore_brings_back_the_backup_and_its_audit_chain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'cruce.db'}"
    imported = run_cli(data, "lists", "import", "--list", "core", WATCHLIST)
    assert imported.returncode == 0, imported.stderr
    append_reads(url, 1, 5)
    backed_up = audit_head(url)
    backup = tmp_path / "backups" / "cruce.db"
    backup.parent.mkdir()
    done = run_cli(data, "backup", backup)
    assert done.returncode == 0, done.stderr

    # after the backup: more records, then one rewritten behind cruce's back and the memberships lost
    append_reads(url, 6, 3)
    with closing(sqlite3.connect(data / "cruce.db")) as conn, conn:
        conn.execute("UPDATE audit_records SET reason = 'rewritten' WHERE seq = 2")
        conn.execute("DELETE FROM version_entities")
    assert run_cli(data, "audit", "verify").returncode == 1

    restored = run_cli(data, "restore", backup)
    assert restored.returncode == 0, restored.stderr
    verified = run_cli(data, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert audit_head(url) == backed_up
    screened = run_cli(data, "screen", "Juan Carlos Hernandez", "--dob", "1975-03-02")
    assert screened.returncode == 0 and "ALERT core:core-1" in screened.stdout


def test_a_backup_taken_while_records_are_appended_restores_to_a_chain_that_verifies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'cruce.db'}"
    assert run_cli(data, "lists", "import", "--list", "core", WATCHLIST).returncode == 0
    append_reads(url, 1, 5)
    stop = threading.Event()

    def keep_appending() -> None:
        i = 100
        while not stop.is_set():
            append_reads(url, i, 10)
            i += 10

    writer = threading.Thread(target=keep_appending)
    writer.start()
    try:
        backup = tmp_path / "online.db"
        done = run_cli(data, "backup", backup)
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    final_seq = audit_head(url)[0]

    restored = run_cli(data, "restore", backup)
    assert restored.returncode == 0, restored.stderr
    verified = run_cli(data, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    seq, _ = audit_head(url)
    assert 5 <= seq <= final_seq  # a consistent point of the log: all records up to some head, none torn
