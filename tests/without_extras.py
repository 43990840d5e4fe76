"""Run cruce as if no extra were installed: `python tests/without_extras.py cruce ARGS...` or `... -c CODE`.

A meta-path finder refuses every package that only an extra installs (cruce.core.extras.EXTRAS), so an
import of one anywhere raises ModuleNotFoundError, as on a node installed with `pip install cruce`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

BLOCKED = frozenset(
    {
        "lightgbm",
        "sklearn",
        "pandas",
        "scipy",
        "matplotlib",
        "faker",
        "psycopg",
        "pyspark",
        "pyarrow",
        "duckdb",
    }
)


class _Refuse(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".", maxsplit=1)[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked: no extras)", name=fullname)
        return None


def main() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    sys.meta_path.insert(0, _Refuse())
    if sys.argv[1] == "-c":
        exec(compile(sys.argv[2], "<without_extras>", "exec"), {"__name__": "__main__"})
        return
    from cruce.cli.main import run

    run(sys.argv[2:])


if __name__ == "__main__":
    main()
