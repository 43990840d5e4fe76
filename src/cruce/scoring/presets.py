"""YAML definitions (mappings, rule sets) that ship with cruce by name, or that a user keeps in a file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from cruce.core.errors import InputError


def shipped_names(package: str) -> list[str]:
    """Names of the `.yaml` definitions shipped in a package."""
    folder = resources.files(package)
    return sorted(
        entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml")
    )


def read_definition(
    name_or_path: str | Path, package: str, what: str, error: type[InputError] = InputError
) -> tuple[str, str]:
    """The YAML text of a shipped definition or of the user's own file, and where it came from.

    A value ending in .yaml/.yml, or naming an existing file, is a path; anything else must be a shipped
    name. `what` ("mapping", "rule set") words the errors, which are raised as `error`.
    """
    code = f"{what.replace(' ', '_')}_not_found"
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise error(code, f"{what} file {path} does not exist")
        try:
            return path.read_text("utf-8-sig"), str(path)
        except OSError as exc:
            raise error(code, f"cannot read {what} file {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise error(code, f"{what} file {path} is not UTF-8 text") from exc
    name = str(name_or_path)
    names = shipped_names(package)
    if name not in names:
        raise error(
            code,
            f"no {what} named {name!r}; shipped: {', '.join(names)} (or give the path of your own .yaml "
            f"{what} file)",
        )
    return resources.files(package).joinpath(f"{name}.yaml").read_text("utf-8"), f"{what} {name}"
