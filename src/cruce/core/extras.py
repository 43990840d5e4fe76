"""Optional parts of cruce and the packages each needs: one place that says which extra to install.

A screening-only node installs `pip install cruce`: screening, lists, sharing, the API, the console and the
CLI. The rest comes with extras (`pip install 'cruce[risk]'`, or `'cruce[all]'`):

    risk       LightGBM, scikit-learn, pandas, SciPy   cargo risk (`cruce risk`), crossing models
    assess     pandas, SciPy                           infrastructure risk (`cruce assess`), outbreaks
    plot       matplotlib                              PR curves, assessment reports, heat maps
    synthetic  Faker                                   synthetic watchlists and travelers (`cruce demo`)
    postgres   psycopg                                 CRUCE_DATABASE_URL=postgresql+psycopg://...
    batch      DuckDB                                  Parquet batch files, `cruce report`
    spark      pyspark, pyarrow (+ risk, batch)        `--engine spark` for `screen batch` and `risk score`

Code that needs an extra calls `require("risk")` (or `require("plot", "matplotlib")`) before importing it:
a missing package then raises `MissingExtraError`, an `InputError` (the CLI prints one red line and exits 2;
no traceback) whose message names the extra and the command that installs it.
"""

from __future__ import annotations

import importlib.util

from cruce.core.errors import InputError

# extra -> import names of the packages it installs (pyproject.toml's [project.optional-dependencies])
EXTRAS: dict[str, tuple[str, ...]] = {
    "risk": ("lightgbm", "sklearn", "pandas", "scipy"),
    "assess": ("pandas", "scipy"),
    "plot": ("matplotlib",),
    "synthetic": ("faker",),
    "postgres": ("psycopg",),
    "batch": ("duckdb",),
    "spark": ("pyspark", "pyarrow"),
}


class MissingExtraError(InputError):
    """A command needs a package that only an extra installs."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            "missing_extra",
            f"this needs the {extra} extra: pip install 'cruce[{extra}]' ({module} is not installed)",
            {"extra": extra, "module": module},
        )
        self.extra = extra
        self.module = module


def installed(module: str) -> bool:
    """Whether `module` (an import name such as `lightgbm`) can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(extra: str, *modules: str) -> None:
    """Raise MissingExtraError unless `modules` (default: every package of `extra`) are installed."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}")
    for module in modules or EXTRAS[extra]:
        if not installed(module):
            raise MissingExtraError(extra, module)


def extra_for(module: str | None) -> str | None:
    """The extra that installs the top-level package `module` (`sklearn.metrics` -> risk), or None."""
    if not module:
        return None
    top = module.split(".")[0]
    for extra, modules in EXTRAS.items():
        if top in modules:
            return extra
    return None


def missing_extra(exc: ImportError) -> MissingExtraError | None:
    """The MissingExtraError an ImportError of an extra's package stands for (None for anything else)."""
    extra = extra_for(exc.name)
    if extra is None or exc.name is None:
        return None
    return MissingExtraError(extra, exc.name.split(".")[0])


def require_database_driver(url: str) -> None:
    """A PostgreSQL URL needs the postgres extra (psycopg); SQLite needs nothing."""
    if url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres"):
        require("postgres", "psycopg")
