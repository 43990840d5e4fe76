"""`cruce audit verify` and `cruce audit ls`, run as a user runs them, on the embedded SQLite store.

The records are appended through `AuditLog` (the service layer writes them in real use), then the file is
tampered with through Python's sqlite3, as anyone holding the file could, and the CLI must say which record.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_fixtures import run_cli

from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

T0 = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def database(data_dir: Path) -> Path:
    return data_dir / "cruce.db"  # the default store the CLI opens under CRUCE_DATA_DIR


def seed(data_dir: Path, n: int = 5) -> str:
    """n records in the data directory's default store; returns the head hash."""
    with open_store(f"sqlite:///{database(data_dir)}") as store:
        log = AuditLog.of(store)
        for i in range(1, n + 1):
            log.append(
                AuditEvent(
                    at=T0 + timedelta(minutes=i),
                    actor="analyst.mex" if i % 2 else "officer.usa",
                    action="read",
                    resource=f"report:2026-{i:04d}",
                    outcome=Outcome.DENIED if i % 2 else Outcome.ALLOWED,
                    reason=f"reason number {i}",
                )
            )
        return log.head().hash


def test_verify_an_intact_log_exits_0_and_names_the_head(data_dir: Path) -> None:
    head = seed(data_dir)
    result = run_cli(data_dir, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"audit log intact: 5 records, head 5:{head[:12]}"
    assert result.stderr == ""


def test_verify_an_empty_log(data_dir: Path) -> None:
    result = run_cli(data_dir, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit log intact: 0 records, head 0:000000000000" in result.stdout


def test_verify_names_the_altered_and_the_removed_record_and_exits_1(data_dir: Path) -> None:
    seed(data_dir)
    with sqlite3.connect(database(data_dir)) as conn:
        conn.execute("UPDATE audit_records SET outcome = 'allowed' WHERE seq = 3")
        conn.execute("DELETE FROM audit_records WHERE seq = 4")
    conn.close()
    result = run_cli(data_dir, "audit", "verify")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    lines = result.stdout.splitlines()
    assert lines[0] == "record 3 was altered: its content no longer matches its hash"
    assert lines[1] == "record 4 is missing: the chain jumps from record 3 to record 5"
    assert lines[-1] == "audit log NOT intact: 2 problems in 4 records checked"


def test_verify_notices_a_cut_off_tail(data_dir: Path) -> None:
    seed(data_dir)
    with sqlite3.connect(database(data_dir)) as conn:
        conn.execute("DELETE FROM audit_records WHERE seq = 5")
    conn.close()
    result = run_cli(data_dir, "audit", "verify")
    assert result.returncode == 1
    assert "record 5 is missing from the end" in result.stdout


def test_an_anchor_catches_a_log_cut_back_and_re_headed(data_dir: Path) -> None:
    head = seed(data_dir)
    anchor = f"5:{head[:12]}"
    assert run_cli(data_dir, "audit", "verify", "--anchor", anchor).returncode == 0
    with sqlite3.connect(database(data_dir)) as conn:  # cut the last record and move the head back to match
        conn.execute("DELETE FROM audit_records WHERE seq = 5")
        conn.execute("UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_records WHERE seq = 4)")
    conn.close()
    assert run_cli(data_dir, "audit", "verify").returncode == 0  # the chain alone cannot tell
    result = run_cli(data_dir, "audit", "verify", "--anchor", anchor)
    assert result.returncode == 1
    assert "record 5 (anchored) is gone: the log was cut back" in result.stdout
    bad = run_cli(data_dir, "audit", "verify", "--anchor", "five:abc")
    assert bad.returncode == 2 and "must be SEQ:HASH" in bad.stderr


def test_ls_shows_the_newest_records_and_filters_by_actor(data_dir: Path) -> None:
    seed(data_dir)
    result = run_cli(data_dir, "audit", "ls", "--limit", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "report:2026-0004" in result.stdout and "report:2026-0005" in result.stdout
    assert "report:2026-0003" not in result.stdout
    assert "reason number 5" in result.stdout
    result = run_cli(data_dir, "audit", "ls", "--actor", "officer.usa")
    rows = [line for line in result.stdout.splitlines() if "report:2026-" in line]
    assert len(rows) == 2 and all("officer.usa" in row and "allowed" in row for row in rows)
    empty = run_cli(data_dir, "audit", "ls", "--actor", "nobody")
    assert empty.returncode == 0 and "No audit record of nobody yet." in empty.stdout
