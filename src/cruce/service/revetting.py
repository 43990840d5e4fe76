"""Continuous re-vetting: work the outbox of runs, screen what changed against every member, suspend on hits.

`Revetter.run_pending()` claims each waiting run (one per new list version, queued by `Store.save_import`),
screens the version's new and changed entities in reverse against the active members (`programs.reverse`),
commits each chunk's hits with the run's progress, and hands every hit to the membership side
(`MemberDirectory.suspend_for_alert`). A run whose worker died is taken over once its lease runs out and
resumes after its last committed chunk. `run_full()` re-screens every member against every active list.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError
from cruce.core.model import Entity
from cruce.matching.matcher import Matcher
from cruce.programs.reverse import BoundIndex, MemberIndex, screen_parallel
from cruce.programs.revetting import MemberDirectory, RevetHit
from cruce.service.screening import build_matcher
from cruce.storage.revetting import RevettingStore, RunKind, RunRecord
from cruce.storage.store import Store

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 50
"""Entities per committed chunk: a crash redoes at most this many (a second or two at a million members).
With several workers each chunk is shared among them, so give them a larger one (`chunk_size`)."""
DEFAULT_LEASE = timedelta(minutes=5)

Progress = Callable[[RunRecord, int, int], None]
"""Called after every chunk with the run, entities done and entities in all."""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run: RunRecord
    entities: int
    new_hits: int
    delivered: int
    seconds: float


class Revetter:
    """Works re-vetting runs for one database and one membership directory."""

    def __init__(
        self,
        store: Store,
        directory: MemberDirectory,
        *,
        actor: str = "system:revetting",
        threshold: float | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        lease: timedelta = DEFAULT_LEASE,
        worker: str | None = None,
        workers: int = 1,
        clock: Clock = utc_now,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.store = store
        self.directory = directory
        self.runs = RevettingStore(store.engine, clock=clock)
        self.actor = actor
        self.threshold = threshold
        self.chunk_size = chunk_size
        self.lease = lease
        self.workers = workers
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._members: MemberIndex | None = None
        self._bound: tuple[tuple[int, ...], BoundIndex] | None = None

    # -- public ----------------------------------------------------------------------------------------

    def run_pending(self, progress: Progress | None = None) -> list[RunOutcome]:
        """Work every waiting run (and every run whose worker died), oldest first."""
        outcomes = []
        for run in self.runs.claimable():
            claimed = self.runs.claim(run.id, self.worker, self.lease)
            if claimed is not None:
                outcomes.append(self._work(claimed, progress))
        return outcomes

    def run_full(self, progress: Progress | None = None) -> RunOutcome:
        """Queue and work a full re-vetting: every active member against every active list."""
        run = self.runs.enqueue_full()
        claimed = self.runs.claim(run.id, self.worker, self.lease)
        if claimed is None:  # pragma: no cover - another worker claimed a run queued a moment ago
            return RunOutcome(self.runs.run(run.id), 0, 0, 0, 0.0)
        return self._work(claimed, progress)

    def member_index(self) -> MemberIndex:
        if self._members is None:
            self._members = MemberIndex(self.directory.active_member_parties())
        return self._members

    # -- working a run ---------------------------------------------------------------------------------

    def _work(self, run: RunRecord, progress: Progress | None) -> RunOutcome:
        started = time.perf_counter()
        try:
            bound = self._bound_index()
            entities = self._entities(run)
            self.runs.start(run.id, self.worker, self.lease, len(entities), len(bound.index))
            delivered = self._deliver(run.id)  # what a crashed attempt stored but did not hand over
            new = 0
            done = run.done
            if progress is not None:
                progress(run, done, len(entities))
            while done < len(entities):
                chunk = entities[done : done + self.chunk_size]
                hits = self._screen(run.id, bound, chunk, self.workers)
                done += len(chunk)
                new += self.runs.commit_chunk(run.id, self.worker, self.lease, done, hits)
                delivered += self._deliver(run.id)
                if progress is not None:
                    progress(run, done, len(entities))
            self.runs.finish(run.id, self.worker)
        except CruceError as exc:
            log.warning("revetting_run_failed run=%d reason=%s", run.id, exc)
            if getattr(exc, "code", "") != "lease_lost":
                self.runs.finish(run.id, self.worker, error=str(exc))
            raise
        seconds = time.perf_counter() - started
        log.info(
            "revetting_run_done run=%d entities=%d hits=%d seconds=%.2f", run.id, len(entities), new, seconds
        )
        return RunOutcome(self.runs.run(run.id), len(entities), new, delivered, seconds)

    def _entities(self, run: RunRecord) -> list[Entity]:
        if run.kind is RunKind.FULL:
            entities = self.store.load_entities()
        else:
            assert run.list_id is not None and run.version is not None
            entities = self.store.new_contents(run.list_id, run.from_version, run.version)
        return sorted(entities, key=lambda e: e.id)  # the order a resumed run counts its progress in

    def _bound_index(self) -> BoundIndex:
        """The member index read with a matcher over the active lists (rebuilt when they change)."""
        active = tuple(sorted(v.id for v in self.store.latest_versions()))
        if self._bound is None or self._bound[0] != active:
            matcher: Matcher = build_matcher(self.store.load_entities(), self.threshold)
            self._bound = (active, self.member_index().bind(matcher))
        return self._bound[1]

    @staticmethod
    def _screen(run_id: int, bound: BoundIndex, entities: Sequence[Entity], workers: int) -> list[RevetHit]:
        members = bound.index.members
        found: dict[str, RevetHit] = {}
        for _entity, hits in screen_parallel(bound, entities, workers):
            for hit in hits:
                member = members[hit.member_no]
                revet = RevetHit.from_match(run_id, member, hit.party.role, hit.party.query.name, hit.match)
                found.setdefault(revet.key, revet)
        return list(found.values())

    def _deliver(self, run_id: int) -> int:
        delivered = 0
        for hit in self.runs.undelivered(run_id):
            self.directory.suspend_for_alert(hit.membership_id, hit, self.actor)
            self.runs.mark_delivered(hit.key)
            delivered += 1
        return delivered


def member_directory(store: Store, threshold: float | None = None) -> MemberDirectory:
    """The membership side re-vetting works with: the node's programs service (`service/programs.py`)."""
    from cruce.service.member_ports import RevetDirectory
    from cruce.service.programs import ProgramService

    return RevetDirectory(ProgramService(store, threshold=threshold))


def revet_now(
    store: Store, *, threshold: float | None = None, workers: int = 1, progress: Progress | None = None
) -> list[RunOutcome] | None:
    """Work the pending runs right after a list import or update, when the node has active members.

    None when it has none: the runs stay queued (nobody to screen) for `cruce programs revet` later."""
    directory = member_directory(store, threshold)
    if next(iter(directory.active_member_parties()), None) is None:
        return None
    revetter = Revetter(
        store,
        directory,
        threshold=threshold,
        workers=workers,
        chunk_size=DEFAULT_CHUNK * max(workers, 1),
    )
    return revetter.run_pending(progress)
