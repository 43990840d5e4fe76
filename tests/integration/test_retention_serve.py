"""Automatic retention of migrants' personal data through the real processes: `cruce serve` deletes records
past retention when it starts and then every purge interval, `cruce incidents` before it reads; every
deletion is audited with the count and the record ids, never the deleted data."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_fixtures import prepare
from fault_fixtures import cli, cruce_serve

from cruce.service.respond import RespondService
from cruce.service.retention import ACTOR
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

pytestmark = pytest.mark.slow

NAMES = ("Rosa Quintero", "Ana Belén Ortiz", "Tomás Aguilar")


def _rescue(
    db: str, at: datetime, people: list[dict[str, object]], *, sector: str = "Tucson", count: int = 0
) -> list[str]:
    """A USA rescue recorded at `at` (a fake clock) with these people's records (`count` people when no
    record is kept); returns the records' ids."""
    with open_store(db) as store:
        service = RespondService(RespondStore(store.engine), AuditLog(store.engine), clock=lambda: at)
        usa = SharingStore(store.engine).account("usa.analyst")
        before = {r["person_ref"] for r in RespondStore(store.engine).rows("person_records")}
        service.record_rescue(
            usa, occurred_at=at, latitude=31.9, longitude=-112.8, sector=sector, cause="heat",
            people=count or len(people), outcome="rescued", persons=people,
        )  # fmt: skip
        after = {r["person_ref"] for r in RespondStore(store.engine).rows("person_records")}
    return sorted(after - before)


def _people(db: str) -> set[str]:
    with open_store(db) as store:
        return {r["person_ref"] for r in RespondStore(store.engine).rows("person_records")}


def _purges(db: str) -> list[dict[str, object]]:
    with open_store(db) as store:
        records = AuditLog(store.engine).records(actor=ACTOR)
    return [
        {"at": r.event.at, "country": r.event.country, "action": r.event.action, **dict(r.event.details)}
        for r in records
    ]


def _no_personal_data(db: str) -> None:
    with open_store(db) as store:
        text = json.dumps(
            [[r.event.reason, dict(r.event.details)] for r in AuditLog(store.engine).records()],
            ensure_ascii=False, default=str,
        )  # fmt: skip
    for name in NAMES:
        assert name not in text


def test_serve_purges_on_start_and_then_every_interval(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    node = prepare(data_dir)
    db = node.settings.resolved_database_url()
    long_ago = datetime.now(UTC) - timedelta(days=200)
    expired = _rescue(db, long_ago, [{"given_name": NAMES[0], "birth_year": 1990, "nationality": "GTM"}])
    held = _rescue(db, long_ago, [{"given_name": NAMES[1], "legal_hold": True}])
    recent = _rescue(db, datetime.now(UTC) - timedelta(days=10), [{"given_name": NAMES[2]}])
    assert _people(db) == {*expired, *held, *recent}

    # Default retention (rescue: 90 days), default interval (an hour): only the start-up pass can delete.
    with cruce_serve(data_dir):
        assert _people(db) == {*held, *recent}
        purges = _purges(db)
        assert [(p["country"], p["count"], p["person_refs"]) for p in purges] == [("USA", 1, expired)]
    _no_personal_data(db)

    # Rescue retention 3 s, a pass every 0.5 s: a record written while the server runs goes after 3 s.
    env = {"CRUCE_RETENTION_RESCUE": "3", "CRUCE_PURGE_INTERVAL_S": "0.5"}
    with cruce_serve(data_dir, env=env):
        assert _people(db) == set(held)  # the 10-day-old record is past 3 s: gone at start
        collected = datetime.now(UTC)
        fresh = _rescue(db, collected, [{"given_name": NAMES[0]}])
        deadline = time.monotonic() + 60
        while set(fresh) & _people(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _people(db) == set(held)
    purges = _purges(db)
    assert [p["person_refs"] for p in purges] == [expired, recent, fresh]
    assert purges[-1]["count"] == 1
    deleted_at = purges[-1]["at"]
    assert isinstance(deleted_at, datetime)
    assert deleted_at >= collected + timedelta(seconds=3)  # never before its retention ended
    assert all(p["action"] == "delete personal data" for p in purges)
    _no_personal_data(db)


def test_incidents_commands_purge_before_they_read(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    node = prepare(data_dir)
    db = node.settings.resolved_database_url()
    old = _rescue(db, datetime.now(UTC) - timedelta(hours=2), [{"given_name": NAMES[0]}])
    kept = _rescue(db, datetime.now(UTC), [{"given_name": NAMES[1]}])

    done = cli(
        data_dir, "incidents", "heatmap", "--as", "usa.analyst", env={"CRUCE_RETENTION_RESCUE": "3600"}
    )
    assert done.returncode == 0, done.stderr
    assert "deleted 1 personal record(s) past retention" in done.stderr
    assert _people(db) == set(kept)
    assert [p["person_refs"] for p in _purges(db)] == [old]
    _no_personal_data(db)

    bad = cli(data_dir, "incidents", "heatmap", "--as", "usa.analyst", env={"CRUCE_RETENTION_RESCUE": "0"})
    assert bad.returncode != 0
    assert "CRUCE_RETENTION_RESCUE" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert _people(db) == set(kept)


def test_heat_map_report_by_sector_and_month(tmp_path: Path) -> None:
    """`cruce incidents heatmap --html`: the plot (embedded) and the numbers, of this country's rescues."""
    data_dir = tmp_path / "node"
    node = prepare(data_dir)
    db = node.settings.resolved_database_url()
    for month, sector, people in ((6, "Tucson", 3), (7, "Tucson", 5), (7, "Tucson", 2), (7, "Del Rio", 4)):
        _rescue(db, datetime(2026, month, 12, tzinfo=UTC), [], sector=sector, count=people)
    report = tmp_path / "heat.html"
    done = cli(data_dir, "incidents", "heatmap", "--as", "usa.analyst", "--html", report)
    assert done.returncode == 0, done.stderr
    page = report.read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "http" not in page.replace("<!doctype html>", "")
    assert "14 people rescued in 2 sector(s) over 2 month(s)" in page
    assert "<th scope='row'>Tucson</th><td>3</td><td>7</td><td>10</td>" in page
    mex = cli(data_dir, "incidents", "heatmap", "--as", "mex.analyst", "--html", tmp_path / "mex.html")
    assert mex.returncode == 0 and "no rescues recorded" in mex.stdout
    bad = cli(data_dir, "incidents", "heatmap", "--as", "usa.analyst", "--html", tmp_path / "no" / "dir.html")
    assert bad.returncode != 0 and "cannot write the report" in bad.stderr and "Traceback" not in bad.stderr
