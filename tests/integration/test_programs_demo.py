"""`cruce demo` part 7 on a real store: enrol, expedite, list update, re-vetting, secondary, MEX's notice."""

from __future__ import annotations

import time
from pathlib import Path

from cruce.scoring.lanes import Cause, Lane
from cruce.service.demo import run_programs_demo
from cruce.storage.store import open_store


def test_the_programs_demo_suspends_the_member_the_list_names_and_mex_gets_its_cut(tmp_path: Path) -> None:
    started = time.perf_counter()
    with open_store(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        demo = run_programs_demo(store)
    assert demo.vetting.startswith("clear")
    assert demo.before.lane is Lane.EXPEDITED
    assert "demo-wanted@2" in demo.revetted and "1 hit(s)" in demo.revetted
    assert "VIDAL CAMPOS" in demo.state_reason and demo.alerts == 1
    assert demo.after.lane is Lane.SECONDARY and demo.after.cause is Cause.REFERRED
    assert f"{demo.membership_id} (USA) suspended" in demo.after.reasons[0]
    notice = demo.notice_for_mex
    assert notice.membership_id == demo.membership_id and notice.detail("name") == "VIDAL CAMPOS, Rosa Elena"
    assert notice.detail("remarks") is None and demo.withheld_for_mex == ("remarks",)
    assert "MEX" in str(notice.banner)
    assert time.perf_counter() - started < 15
