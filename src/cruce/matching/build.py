"""How this install's matcher runs: compiled by mypyc at install (see setup.py), or as pure Python.

The compiled modules are built from the very source files beside them, and the build records each file's
digest in `compiled.json`. A developer who edits one of those files in an editable install would otherwise
run the old compiled code without knowing it (Python imports an extension module before a source file of
the same name); `prefer_current_sources` sees the changed digest and imports every listed module from its
source instead, all of them together, since compiled modules call each other directly. `CRUCE_PURE_PYTHON=1`
does the same on purpose (a debugger, a profiler, a test that replaces a function).

This module is not compiled itself and imports only the standard library: it runs before any compiled one,
and setup.py loads it by its path for the module list and the record (one definition of each).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

PACKAGE = "cruce.matching"
COMPILED = (
    "compare", "features", "index", "matcher", "names", "phonetic", "text", "transliterate", "variants"
)  # fmt: skip
"""The modules setup.py compiles: the matcher's work per name (alignment, index, tokens, features)."""
RECORD = "compiled.json"
PURE_VARIABLE = "CRUCE_PURE_PYTHON"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class BuildState:
    """What `prefer_current_sources` found: whether compiled modules are used, and if not, why."""

    compiled: bool
    reason: str

    @property
    def label(self) -> str:
        return "compiled (mypyc)" if self.compiled else "pure Python"


def _has_extension(directory: Path, name: str) -> bool:
    return any((directory / f"{name}{suffix}").exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def source_digests(directory: Path, modules: Sequence[str] = COMPILED) -> dict[str, str | None]:
    """Each module's source file digest (None: no source file)."""
    return {name: _digest(directory / f"{name}.py") for name in modules}


def record_text(directory: Path = HERE, modules: Sequence[str] = COMPILED) -> str:
    """What setup.py writes to `compiled.json` beside the modules it compiled from `directory`."""
    return json.dumps({"modules": source_digests(directory, modules)}, indent=1, sort_keys=True) + "\n"


def changed_sources(directory: Path, modules: Sequence[str]) -> list[str]:
    """The modules whose source file in `directory` differs from what the recorded build compiled.

    A missing or unreadable record counts every module as changed: nothing says what was compiled. A
    missing source file (an install that ships extensions only) is not a change: there is nothing to prefer.
    """
    try:
        recorded = json.loads((directory / RECORD).read_text(encoding="utf-8"))["modules"]
    except (OSError, ValueError, KeyError, TypeError):
        return list(modules)
    if not isinstance(recorded, dict):
        return list(modules)
    current = source_digests(directory, modules)
    return [name for name in modules if current[name] is not None and recorded.get(name) != current[name]]


def pure_requested() -> bool:
    """Whether `CRUCE_PURE_PYTHON` asks for the sources (setup.py reads it at install too)."""
    return os.environ.get(PURE_VARIABLE, "") not in ("", "0")


def inspect(
    directory: Path = HERE, modules: Sequence[str] = COMPILED, pure: bool | None = None
) -> BuildState:
    """Whether the compiled modules in `directory` may be used, and why not when they may not."""
    if pure is None:
        pure = pure_requested()
    built = [name for name in modules if _has_extension(directory, name)]
    if not built:
        return BuildState(False, "not compiled at install (no C compiler, or installed pure)")
    if pure:
        return BuildState(False, f"{PURE_VARIABLE} is set")
    missing = [name for name in modules if name not in built]
    if missing:
        return BuildState(False, f"incomplete build: {', '.join(missing)} not compiled")
    changed = changed_sources(directory, modules)
    if changed:
        files = ", ".join(f"{name}.py" for name in changed)
        return BuildState(False, f"{files} changed since the build")
    return BuildState(True, "built from these sources")


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Finds the listed modules' source files, ahead of the extension modules beside them."""

    def __init__(self, directory: Path, modules: Sequence[str]) -> None:
        self.directory = directory
        self.names = {f"{PACKAGE}.{name}": name for name in modules}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        name = self.names.get(fullname)
        source = None if name is None else self.directory / f"{name}.py"
        if source is None or not source.exists():
            return None  # not ours, or no source to run: the usual import
        return importlib.util.spec_from_file_location(fullname, source)


@functools.cache
def prefer_current_sources() -> BuildState:
    """Run the compiled modules only if they were built from the current sources (decided once, at import)."""
    pure = pure_requested()
    state = inspect(pure=pure)
    if not state.compiled and any(_has_extension(HERE, name) for name in COMPILED):
        sys.meta_path.insert(0, _SourceFirst(HERE, COMPILED))
        if not pure:  # asked for on purpose: nothing to warn about
            warnings.warn(
                f"cruce: the compiled matcher is not used ({state.reason}); screening runs as pure Python, "
                "correct but about a third slower. Reinstall (`pip install -e .`) to compile it again.",
                RuntimeWarning,
                stacklevel=2,
            )
    return state


def state() -> BuildState:
    """This process's build state (what the matcher's documentation and the benchmarks report)."""
    return prefer_current_sources()
