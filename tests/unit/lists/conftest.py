"""Fixtures writing small list files into tmp_path (contents in `lists_fixtures`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lists_fixtures import ADD_ROWS, ALT_ROWS, FTM_LINES, SDN_ROWS, UN_XML, write_ofac_file


@pytest.fixture
def ofac_trio(tmp_path: Path) -> list[Path]:
    return [
        write_ofac_file(tmp_path / "sdn.csv", SDN_ROWS),
        write_ofac_file(tmp_path / "alt.csv", ALT_ROWS),
        write_ofac_file(tmp_path / "add.csv", ADD_ROWS),
    ]


@pytest.fixture
def un_file(tmp_path: Path) -> Path:
    path = tmp_path / "consolidated.xml"
    path.write_text(UN_XML, encoding="utf-8")
    return path


@pytest.fixture
def ftm_file(tmp_path: Path) -> Path:
    path = tmp_path / "eu_fsf.ftm.json"
    path.write_text("\n".join(FTM_LINES) + "\n", encoding="utf-8")
    return path
