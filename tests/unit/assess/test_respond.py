"""Humanitarian records: purpose binding, retention, repatriation hand-over, heat map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cruce.core.errors import InputError
from cruce.respond.humanitarian import (
    PersonRecord,
    Purpose,
    PurposeError,
    Receipt,
    Repatriation,
    Rescue,
    RescueCause,
    RescueOutcome,
    ScreeningResult,
    due_for_deletion,
    heatmap,
    plot_heatmap,
    refuse_risk_features,
)  # fmt: skip

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _person(ref: str, purposes: set[Purpose], days_ago: int, hold: bool = False) -> PersonRecord:
    return PersonRecord(
        ref, frozenset(purposes), NOW - timedelta(days=days_ago), given_name="A", legal_hold=hold
    )


def test_retention_deletes_only_records_past_every_purpose_and_audits_them() -> None:
    records = [
        _person("p1", {Purpose.RESCUE}, 100),
        _person("p2", {Purpose.RESCUE, Purpose.CASE}, 100),
        _person("p3", {Purpose.RESCUE}, 10),
        _person("p4", {Purpose.RESCUE}, 400, hold=True),
    ]
    decision = due_for_deletion(records, NOW)
    assert decision.delete == ("p1",)
    assert set(decision.keep) == {"p2", "p3", "p4"}
    assert {(a.person_ref, a.action) for a in decision.audit} == {("p1", "delete"), ("p4", "keep")}


def test_purpose_binding_and_no_risk_features() -> None:
    record = _person("p1", {Purpose.RESCUE}, 1)
    with pytest.raises(PurposeError, match="collected for rescue"):
        record.use(Purpose.REPATRIATION)
    with pytest.raises(PurposeError, match="nationality"):
        refuse_risk_features(["declared_value", "nationality"])


def test_repatriation_is_screened_then_acknowledged_by_the_receiving_partner() -> None:
    manifest = (_person("p1", {Purpose.REPATRIATION}, 1), _person("p2", {Purpose.REPATRIATION}, 1))
    transfer = Repatriation("t1", "USA", "MEX", "San Ysidro", NOW, manifest)
    with pytest.raises(InputError, match="not screened"):
        transfer.acknowledge(Receipt("MEX", "officer", NOW, 2))
    screened = transfer.screen(lambda p: ScreeningResult(p.person_ref, alert=p.person_ref == "p2"))
    assert [r.alert for r in screened.screening] == [False, True]
    with pytest.raises(InputError, match="1 received, 2 on the manifest"):
        screened.acknowledge(Receipt("MEX", "officer", NOW, 1))
    assert screened.acknowledge(Receipt("MEX", "officer", NOW, 2)).acknowledged


def test_heatmap_counts_people_by_sector_and_month(tmp_path: Path) -> None:
    def day(month: int, d: int) -> datetime:
        return datetime(2026, month, d, tzinfo=UTC)

    rescues = [
        Rescue("r1", day(7, 3), 31.9, -112.0, "Tucson", RescueCause.HEAT, 3, RescueOutcome.RESCUED),
        Rescue("r2", day(7, 9), 31.8, -111.9, "Tucson", RescueCause.LOST, 2, RescueOutcome.RESCUED),
        Rescue(
            "r3", day(8, 1), 25.9, -97.5, "Rio Grande Valley", RescueCause.DROWNING, 1, RescueOutcome.DECEASED
        ),
    ]
    table = heatmap(rescues)
    assert table.loc["Tucson", "2026-07"] == 5
    assert table.loc["Rio Grande Valley", "2026-07"] == 0
    plot_heatmap(table, tmp_path / "heat.png")
    assert (tmp_path / "heat.png").stat().st_size > 1000
