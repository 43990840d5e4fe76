"""Migrants' humanitarian records can never be a risk feature: no scoring module can even load them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from cruce.respond.humanitarian import HUMANITARIAN_FIELDS
from cruce.scoring.model import RiskConfig

ROOT = Path(__file__).resolve().parents[3]


def test_importing_all_of_scoring_loads_no_humanitarian_record_code() -> None:
    code = (
        "import pkgutil, importlib, sys, cruce.scoring as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'cruce.scoring.'): importlib.import_module(m.name)\n"
        "held = ('cruce.respond', 'cruce.storage', 'cruce.service')\n"
        "bad = [n for n in sys.modules if n.startswith(held)]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == ""


def test_the_import_contract_forbids_scoring_to_reach_the_records() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    guard = [c for c in contracts if c.get("source_modules") == ["cruce.scoring"]]
    assert guard and {"cruce.respond", "cruce.storage.assess", "cruce.service.respond"} <= set(
        guard[0]["forbidden_modules"]
    )


def test_the_risk_models_features_read_no_humanitarian_field() -> None:
    sources = RiskConfig().sources()  # the default model every node trains
    read = {column for columns in sources.values() for column in columns}
    assert sources and not read & HUMANITARIAN_FIELDS
