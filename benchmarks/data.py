"""Where the benchmarks find the real watchlists, and how they load them into cruce entities."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cruce.core.model import Entity

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = "CRUCE_BENCH_WATCHLISTS"

LIST_FILES: dict[str, tuple[str, ...]] = {
    "us-ofac-sdn": ("ofac_sdn_sdn.csv", "ofac_sdn_alt.csv", "ofac_sdn_add.csv"),
    "us-ofac-cons": ("ofac_cons_prim.csv", "ofac_cons_alt.csv", "ofac_cons_add.csv"),
    "un-sc": ("un_consolidated.xml",),
}
SCREENED_LISTS: tuple[str, ...] = ("us-ofac-sdn", "us-ofac-cons", "un-sc")
"""Every list the matcher indexes in the benchmarks (about 25,000 names)."""
POSITIVE_LISTS: tuple[str, ...] = ("us-ofac-sdn", "un-sc")
"""Lists the positive queries are drawn from."""


class DataMissingError(Exception):
    """The real lists are not on this machine; the benchmark says so and skips."""


@dataclass(frozen=True, slots=True)
class LoadedLists:
    entities: list[Entity]
    loader: str
    directory: Path


def watchlist_dir() -> Path:
    """`$CRUCE_BENCH_WATCHLISTS`, else `../shared/data/watchlists` beside the repository."""
    configured = os.environ.get(ENV_DIR)
    directory = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data" / "watchlists"
    missing = [f for files in LIST_FILES.values() for f in files if not (directory / f).is_file()]
    if missing:
        raise DataMissingError(
            f"real watchlists not found in {directory} (missing {', '.join(missing[:3])}); "
            f"set {ENV_DIR} to a folder holding the OFAC CSV and UN XML files to run this benchmark"
        )
    return directory


def load_lists(list_ids: Iterable[str] = SCREENED_LISTS, directory: Path | None = None) -> LoadedLists:
    """Load the lists with the product's own importers (`cruce.lists.base.load_list`)."""
    from cruce.lists.base import load_list

    directory = directory or watchlist_dir()
    entities: list[Entity] = []
    for list_id in list_ids:
        result = load_list(list_id, [directory / name for name in LIST_FILES[list_id]])
        entities.extend(result.entities)
    return LoadedLists(entities, "cruce.lists", directory)
