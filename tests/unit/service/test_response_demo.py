"""Demo part 5's response runs through the real service: MEX reads the sitrep without its NOFORN portion,
and the repatriation carries MEX's receipt."""

from __future__ import annotations

from pathlib import Path

from cruce.service.demo import run_emergency_demo, run_response_demo


def test_response_demo_prints_mexicos_tear_line_and_the_receipt(tmp_path: Path) -> None:
    response = run_response_demo(run_emergency_demo(seed=7), tmp_path)
    assert len(response.sitrep_usa.portions) == 3
    texts = [text for _, text in response.sitrep_mex.portions]
    assert response.sitrep_mex.withheld == 1 and len(texts) == 2
    assert not any("backup" in text for text in texts)  # the NOFORN portion stays home
    assert "NOFORN" not in response.sitrep_mex.banner
    assert response.receipt.acknowledged and response.receipt.received == response.transfer.people == 2
    assert response.audit_records == 5  # opened, sitrep, rescue, repatriation, receipt
