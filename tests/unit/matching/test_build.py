"""The compiled matcher: used only when built from the current sources, and it answers as the sources do."""

from __future__ import annotations

import ast
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cruce
import cruce.matching.compare
from cruce.matching import build
from cruce.matching.build import COMPILED, PURE_VARIABLE, RECORD, changed_sources, inspect

REPO = Path(__file__).resolve().parents[3]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
COMPILED_HERE = build.state().compiled
needs_compiled = pytest.mark.skipif(not COMPILED_HERE, reason=f"not compiled: {build.state().reason}")


def _fake_build(directory: Path, modules: tuple[str, ...] = COMPILED) -> None:
    """Source files, extension files and a record, as setup.py leaves them (the extensions are empty)."""
    for name in modules:
        (directory / f"{name}.py").write_text(f"NAME = {name!r}\n", encoding="utf-8")
        (directory / f"{name}{SUFFIX}").write_bytes(b"")
    (directory / RECORD).write_text(build.record_text(directory, modules), encoding="utf-8")


def test_setup_compiles_exactly_the_modules_the_runtime_checks() -> None:
    # setup.py defines neither list nor record itself: it takes both from cruce.matching.build.
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    assigned = {
        target.id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in ([node.target] if isinstance(node, ast.AnnAssign) else node.targets)
        if isinstance(target, ast.Name)
    }
    for name in ("COMPILED", "RECORD"):
        value = assigned[name]
        assert isinstance(value, ast.Attribute) and value.attr == name
        assert isinstance(value.value, ast.Name) and value.value.id == "RULES"
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    loader = functions["_load_build_rules"]
    assert "build.py" in {n.value for n in ast.walk(loader) if isinstance(n, ast.Constant)}
    for name in COMPILED:
        assert (REPO / "src" / "cruce" / "matching" / f"{name}.py").is_file()


def test_a_build_of_these_sources_is_used(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    assert inspect(tmp_path, pure=False) == build.BuildState(True, "built from these sources")


def test_an_edited_source_turns_the_whole_build_off_and_says_which(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    (tmp_path / "names.py").write_text("NAME = 'edited'\n", encoding="utf-8")
    found = inspect(tmp_path, pure=False)
    assert not found.compiled
    assert found.reason == "names.py changed since the build"
    assert changed_sources(tmp_path, COMPILED) == ["names"]


def test_a_build_shipped_without_its_sources_is_used(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    (tmp_path / "index.py").unlink()
    assert inspect(tmp_path, pure=False).compiled
    (tmp_path / "names.py").write_text("NAME = 'edited'\n", encoding="utf-8")
    assert inspect(tmp_path, pure=False).reason == "names.py changed since the build"


def test_no_extension_means_pure_python(tmp_path: Path) -> None:
    for name in COMPILED:
        (tmp_path / f"{name}.py").write_text("", encoding="utf-8")
    found = inspect(tmp_path, pure=False)
    assert not found.compiled and "not compiled" in found.reason


def test_an_incomplete_build_is_not_used(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    (tmp_path / f"index{SUFFIX}").unlink()
    found = inspect(tmp_path, pure=False)
    assert not found.compiled and found.reason == "incomplete build: index not compiled"


def test_the_pure_python_switch_wins_over_a_good_build(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    found = inspect(tmp_path, pure=True)
    assert not found.compiled and PURE_VARIABLE in found.reason


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_an_unreadable_record_counts_every_module_as_changed(record: bytes) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        (directory / RECORD).write_bytes(record)
        for module in COMPILED:
            (directory / f"{module}.py").write_text(module, encoding="utf-8")
        # No random bytes are a record of these exact digests.
        assert changed_sources(directory, COMPILED) == list(COMPILED)


def test_ci_runs_the_compiled_matcher() -> None:
    if not os.environ.get("CRUCE_REQUIRE_COMPILED"):
        pytest.skip("CRUCE_REQUIRE_COMPILED is not set (CI sets it: its install must compile the matcher)")
    assert build.state().compiled, build.state().reason
    assert cruce.matching.compare.__file__ is not None
    assert cruce.matching.compare.__file__.endswith(SUFFIX)


_SCREEN = """
import json, sys
from cruce.matching import build
from cruce.matching.matcher import Matcher
from cruce.synthetic.travelers import generate_travelers
from cruce.synthetic.watchlist import generate_watchlist

watchlist = generate_watchlist(seed=5, size=600)
travelers = generate_travelers(seed=6, watchlist=watchlist, count=400, hit_rate=0.3, near_miss_rate=0.1)
matcher = Matcher(watchlist)
out = []
for traveler in travelers:
    for match in matcher.screen(traveler.query, top=3):
        out.append([traveler.query.name, match.entity.id, match.score, match.alert,
                    [[f.name, f.value, f.detail] for f in match.features]])
print(json.dumps({"compiled": build.state().compiled, "matches": out}))
"""


def _screened(pure: bool) -> dict[str, object]:
    env = {**os.environ, PURE_VARIABLE: "1" if pure else "0"}
    command = [sys.executable, "-c", _SCREEN]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout)
    return found


@needs_compiled
def test_compiled_and_pure_matchers_give_the_same_matches_and_reasons() -> None:
    compiled, pure = _screened(pure=False), _screened(pure=True)
    assert compiled["compiled"] is True and pure["compiled"] is False
    matches = compiled["matches"]
    assert isinstance(matches, list) and len(matches) > 300
    assert sum(1 for match in matches if match[3]) > 80  # alerts among them (120 parties are listed ones)
    assert compiled["matches"] == pure["matches"]


@needs_compiled
def test_an_edited_module_is_run_from_its_source_with_a_warning(tmp_path: Path) -> None:
    # A copy of the installed package, as an editable install looks after its developer edits one file.
    package = Path(cruce.__file__).parent
    skipped = shutil.ignore_patterns("__pycache__", "web", "static")
    shutil.copytree(package, tmp_path / "cruce", ignore=skipped)
    text = tmp_path / "cruce" / "matching" / "text.py"
    text.write_text(text.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    code = (
        "import cruce.matching.compare as c, cruce.matching.text as t; "
        "print(c.__file__.endswith('.py'), getattr(t, 'EDITED', False))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), PURE_VARIABLE: "0"}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
    assert "text.py changed since the build" in done.stderr
