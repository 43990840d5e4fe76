"""One retention pass on a store, with a fake clock: what is deleted, what is kept, what is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_fixtures import prepare

from cruce.core.errors import InputError
from cruce.service import retention
from cruce.service.respond import RespondService
from cruce.service.retention import ACTOR, enforce_retention, retention_periods
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_pass_deletes_per_country_keeps_held_and_longer_purposes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "IDS_PER_RECORD", 2)
    node = prepare(tmp_path / "node")
    with open_store(node.settings.resolved_database_url()) as store:
        respond, audit = RespondStore(store.engine), AuditLog(store.engine)
        service = RespondService(respond, audit, clock=lambda: T0)
        accounts = SharingStore(store.engine)

        def rescue(user: str, people: list[dict[str, object]], case: str | None = None) -> list[str]:
            before = {r["person_ref"] for r in respond.rows("person_records")}
            service.record_rescue(
                accounts.account(user), occurred_at=T0, latitude=31.9, longitude=-112.8, sector="Tucson",
                cause="heat", people=len(people), outcome="rescued", persons=people, case_id=case,
            )  # fmt: skip
            return sorted({r["person_ref"] for r in respond.rows("person_records")} - before)

        usa = rescue("usa.analyst", [{"given_name": "A"}, {"given_name": "B"}, {"given_name": "C"}])
        mex = rescue("mex.analyst", [{"given_name": "D"}])
        held = rescue("usa.analyst", [{"given_name": "E", "legal_hold": True}])
        case = rescue("usa.analyst", [{"given_name": "F"}], case="case:1")  # rescue and case: 5 years

        periods = retention_periods()
        early = enforce_retention(respond, audit, retention=periods, clock=lambda: T0 + timedelta(days=89))
        assert early.count == 0 and early.audit_records == 0
        run = enforce_retention(respond, audit, retention=periods, clock=lambda: T0 + timedelta(days=90))
        assert {c: sorted(r) for c, r in run.deleted.items()} == {"USA": usa, "MEX": mex}
        assert run.audit_records == 3  # USA's three ids in two records of at most two, MEX's one
        left = {r["person_ref"] for r in respond.rows("person_records")}
        assert left == {*held, *case}
        records = [r.event for r in audit.records(actor=ACTOR)]
        assert [(e.country, e.details["count"]) for e in records] == [("MEX", 1), ("USA", 2), ("USA", 1)]
        assert sorted(ref for e in records for ref in e.details["person_refs"]) == sorted(usa + mex)
        again = enforce_retention(respond, audit, retention=periods, clock=lambda: T0 + timedelta(days=91))
        assert again.count == 0 and len(audit.records(actor=ACTOR)) == 3
        later = T0 + timedelta(days=5 * 365)
        assert enforce_retention(respond, audit, retention=periods, clock=lambda: later).deleted == {
            "USA": tuple(case)
        }


def test_retention_must_be_positive() -> None:
    with pytest.raises(InputError, match="retention for rescue must be positive"):
        retention_periods(rescue=timedelta(0))
    assert retention_periods(case=timedelta(days=10))[retention.Purpose.CASE] == timedelta(days=10)
