"""Name knowledge shipped with cruce as versioned data files (`matching/data/*.tsv`), read once.

Each table states its source, licence and version in its header, so what the matcher equates can be read,
cited and reviewed without reading code, and nothing changes when a third-party package does.

- `common_names.tsv`: common given names and surnames. `Albertoo` is nobody's name (a typo, matched
  loosely); `Roberto` is a real name, so a spelling close to a listed name is another person.
- `short_forms.tsv`: written short forms (`Ma.` María, `Jno.` John, `Muhd.` Muhammad).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

MIN_LENGTH = 4


def read_table(name: str) -> list[list[str]]:
    """Rows of a shipped tab-separated table, comments (`#`) and blank lines left out."""
    text = resources.files("cruce.matching").joinpath("data", name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows


def table_header(name: str) -> str:
    """The comment header of a shipped table: what it is, where it comes from, its licence and version."""
    text = resources.files("cruce.matching").joinpath("data", name).read_text(encoding="utf-8")
    return "\n".join(line[2:] for line in text.splitlines() if line.startswith("#"))


@lru_cache(maxsize=1)
def common_name_tokens() -> frozenset[str]:
    """Folded tokens of common names in the border's and the lists' languages."""
    return frozenset(row[0] for row in read_table("common_names.tsv") if len(row[0]) >= MIN_LENGTH)


@lru_cache(maxsize=1)
def short_forms() -> dict[str, frozenset[str]]:
    """Written short form -> the full names it stands for (`fco` -> {francisco})."""
    found: dict[str, set[str]] = {}
    for row in read_table("short_forms.tsv"):
        if len(row) >= 2:
            found.setdefault(row[0].strip(), set()).update(f.strip() for f in row[1].split(",") if f.strip())
    return {k: frozenset(v) for k, v in found.items()}
