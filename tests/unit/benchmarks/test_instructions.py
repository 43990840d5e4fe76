"""The instruction-count benchmark: reading callgrind's total, refusing a bad base tree, the ratio column."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from benchmarks import instructions
from rich.console import Console


def _fake_run(stderr: str, returncode: int = 0) -> Any:
    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert command[0] == "valgrind" and "--toggle-collect=functools_reduce" in command
        assert kwargs["env"]["PYTHONHASHSEED"] == "0"  # counts must not depend on hash randomisation
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    return run


def test_the_count_is_callgrinds_collected_total(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stderr = "==1== Events    : Ir\n==1== Collected : 1636059051\n==1==\n==1== I   refs:      9,999\n"
    monkeypatch.setattr(instructions.subprocess, "run", _fake_run(stderr))
    assert instructions.count_instructions(tmp_path, tmp_path / "w", tmp_path / "a.log") == 1636059051
    assert "Collected" in (tmp_path / "a.log").read_text(encoding="utf-8")


def test_a_failed_run_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stderr = "==1== start\nTraceback (most recent call last):\nModuleNotFoundError: No module named 'cruce'\n"
    monkeypatch.setattr(instructions.subprocess, "run", _fake_run(stderr, returncode=1))
    with pytest.raises(RuntimeError, match="No module named 'cruce'"):
        instructions.count_instructions(tmp_path, tmp_path / "w", tmp_path / "a.log")


def test_a_base_without_the_package_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(instructions.shutil, "which", lambda name: "/usr/bin/valgrind")
    assert instructions.main(["--base", str(tmp_path)]) == 2
    assert instructions.main(["--names", "0"]) == 2


def test_the_table_compares_each_tree_with_the_first_base() -> None:
    trees = [("this tree", Path("/new")), ("base 1", Path("/old")), ("base 2", Path("/older"))]
    counts = {"this tree": 937_000, "base 1": 1_000_000, "base 2": 1_250_000}
    console = Console(width=200, record=True)
    console.print(instructions.instruction_table(trees, counts, names=1000))
    text = console.export_text()
    assert "0.9370" in text and "1.0000" in text and "1.2500" in text
    assert "937" in text.split("this tree")[1].splitlines()[0]  # instructions per name
