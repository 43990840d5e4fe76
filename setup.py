"""Build hook: compile the screening matcher's hot modules with mypyc; everything else is in pyproject.toml.

The compiled modules are built from the same source files, so screening gives the same answers, about a
third faster per name. Where they cannot be built (no C compiler, or `CRUCE_PURE_PYTHON=1` at install),
cruce installs as pure Python and screens correctly, only slower. Next to the modules the build records
each source file's digest (`cruce/matching/compiled.json`); `cruce.matching.build` passes over a compiled
module whose source has changed since (an edited editable install) and runs the source instead.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
PACKAGE = Path("src", "cruce", "matching")
GROUP = "cruce.matching.compiled"
"""The extension holding the compiled code (the modules themselves are thin shims that load it)."""
LIBRARY = GROUP.rsplit(".", 1)[1] + "__mypyc"


def _load_build_rules() -> ModuleType:
    """`cruce.matching.build` (standard library only), loaded by its path: which modules are compiled, and
    the record of their sources, are defined there once for the build and for the runtime check."""
    spec = importlib.util.spec_from_file_location("_cruce_matching_build", HERE / PACKAGE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


RULES = _load_build_rules()
COMPILED: tuple[str, ...] = RULES.COMPILED
RECORD: str = RULES.RECORD


class OptionalBuildExt(build_ext):
    """Build the compiled modules if the machine can; otherwise say so and install pure Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # a missing or failing C compiler: distutils raises several kinds
            self._pure(f"could not compile the matcher ({exc})")
            return
        target = (HERE / PACKAGE) if self.inplace else Path(self.build_lib, "cruce", "matching")
        target.mkdir(parents=True, exist_ok=True)
        (target / RECORD).write_text(RULES.record_text(HERE / PACKAGE), encoding="utf-8")

    def build_extension(self, ext: object) -> None:
        try:
            super().build_extension(ext)  # type: ignore[arg-type]
        except Exception:
            _forget_inplace_build()
            raise

    def _pure(self, why: str) -> None:
        _forget_inplace_build()
        print(f"cruce: {why}; installing pure Python (it screens alike, a third slower)", file=sys.stderr)


def _forget_inplace_build() -> None:
    """An editable install asked to be pure must not keep running what an earlier install compiled."""
    for name in COMPILED:
        for built in (HERE / PACKAGE).glob(f"{name}.*.so"):
            built.unlink()
    for leftover in (HERE / PACKAGE).glob(f"{LIBRARY}.*.so"):
        leftover.unlink()
    (HERE / PACKAGE / RECORD).unlink(missing_ok=True)


def _extensions() -> list[object]:
    if RULES.pure_requested():
        _forget_inplace_build()
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("cruce: mypyc is not available; installing pure Python", file=sys.stderr)
        return []
    sources = [str(PACKAGE / f"{name}.py") for name in COMPILED]
    # The build environment has none of cruce's dependencies: their types are unknown (Any) to the compiler,
    # and the project's strict type check (which CI runs) is not repeated here.
    options = ["--config-file=", "--ignore-missing-imports", "--follow-imports=silent"]
    try:
        return list(mypycify([*options, *sources], group_name=GROUP))
    except Exception as exc:  # mypyc refuses the sources: still installable
        print(f"cruce: mypyc could not compile the matcher ({exc}); installing pure Python", file=sys.stderr)
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
