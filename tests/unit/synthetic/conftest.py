"""One synthetic list and one day of travelers shared by the synthetic-data tests (generation takes ~1 s)."""

from __future__ import annotations

import pytest

from cruce.core.model import Entity
from cruce.synthetic import SyntheticTraveler, generate_travelers, generate_watchlist

SEED = 7


@pytest.fixture(scope="session")
def watchlist() -> list[Entity]:
    return generate_watchlist(SEED, 2000)


@pytest.fixture(scope="session")
def travelers(watchlist: list[Entity]) -> list[SyntheticTraveler]:
    return generate_travelers(SEED, watchlist, count=5000, hit_rate=0.01)
