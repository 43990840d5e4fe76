"""The screening index: the matcher over the store's active list versions, built once for a command
(`load_matcher`) or held by a server and swapped whole (`MatcherIndex`)."""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from cruce.core.clock import Clock
from cruce.core.errors import InputError
from cruce.matching.matcher import Matcher
from cruce.service.screening import build_matcher
from cruce.storage.store import Store

log = logging.getLogger(__name__)


def load_matcher(store: Store, threshold: float | None = None) -> Matcher:
    """The matcher over every active list version; an InputError when nothing is imported yet."""
    return build_matcher(store.load_entities(), threshold)


class IndexView(BaseModel):
    """What the server screens against now."""

    entities: int
    versions: list[str]
    loaded_at: str | None


@dataclass(slots=True)
class _Loaded:
    matcher: Matcher | None = None
    versions: list[str] = field(default_factory=list)
    loaded_at: datetime | None = None


def _settle_heap() -> None:
    """Leave the long-lived index out of the cyclic collector's walks from now on.

    A full collection walks every tracked container: with the index's few hundred thousand, each one paused
    a serving process for tens of milliseconds (the API's p99). Frozen objects are still freed by reference
    counting; the previous matcher's cycles, if any, are collected here before the new heap is frozen.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class MatcherIndex:
    """Thread-safe: a reload builds a new matcher and swaps it in; screenings under way keep the old one."""

    def __init__(self, store: Store, threshold: float | None, clock: Clock) -> None:
        self.store = store
        self.threshold = threshold
        self.clock = clock
        self._loaded = _Loaded()
        self._lock = threading.Lock()

    def load(self) -> IndexView:
        """Rebuild the matcher from the store's active versions (at start, and after an import)."""
        entities = self.store.load_entities()
        versions = [v.key for v in self.store.latest_versions()]
        matcher = build_matcher(entities, self.threshold) if entities else None
        loaded = _Loaded(matcher, versions, self.clock())
        with self._lock:
            self._loaded = loaded
        _settle_heap()
        log.info("api_matcher_loaded entities=%d versions=%s", len(entities), ",".join(versions))
        return _view(loaded)

    def matcher(self) -> Matcher:
        with self._lock:
            matcher = self._loaded.matcher
        if matcher is None:
            raise InputError(
                "no_lists", "no watchlist is loaded; import one (`cruce lists import`) and reload the lists"
            )
        return matcher

    def screening(self) -> tuple[Matcher, tuple[str, ...]]:
        """The matcher and the list versions it holds, taken together (a vetting records what it screened)."""
        with self._lock:
            loaded = self._loaded
        if loaded.matcher is None:
            raise InputError(
                "no_lists", "no watchlist is loaded; import one (`cruce lists import`) and reload the lists"
            )
        return loaded.matcher, tuple(loaded.versions)

    def size(self) -> int:
        with self._lock:
            matcher = self._loaded.matcher
        return len(matcher) if matcher is not None else 0

    def view(self) -> IndexView:
        with self._lock:
            loaded = self._loaded
        return _view(loaded)


def _view(loaded: _Loaded) -> IndexView:
    return IndexView(
        entities=len(loaded.matcher) if loaded.matcher is not None else 0,
        versions=loaded.versions,
        loaded_at=loaded.loaded_at.isoformat() if loaded.loaded_at else None,
    )
