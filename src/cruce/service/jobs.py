"""Background jobs of a server: one worker thread, leases, take-over of a stopped server's jobs, and reads.

A job runs on this process's worker thread under a lease the keeper thread renews. When a server dies, its
leases run out and another server process takes the job over (`ApiStore.claim_job`: exactly one does): a kind
with a resumer (a batch screening resumes after its last committed chunk) goes on, any other (a simulated
day) is marked failed. A job is its owner's alone; anyone else is told it is missing.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from cruce.core.errors import CruceError, NotFoundError
from cruce.service.paging import Page, check_limit, decode_cursor, page_of
from cruce.service.policy import ConflictError, Gate
from cruce.sharing.access import User
from cruce.storage.alerts import ApiStore, JobRecord, LostJobError

log = logging.getLogger(__name__)


class JobView(BaseModel):
    job_id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    total: int | None
    done: int
    progress: float
    created_at: str
    finished_at: str | None
    error: str | None
    summary: dict[str, Any]
    results: str | None

    @classmethod
    def of(cls, j: JobRecord) -> JobView:
        ready = j.state == "done" and j.result_path
        return cls.model_validate(
            {
                "job_id": j.job_id, "kind": j.kind, "state": j.state, "total": j.total, "done": j.done,
                "progress": round(j.done / j.total, 4) if j.total else (1.0 if j.state == "done" else 0.0),
                "created_at": j.created_at.isoformat(),
                "finished_at": j.finished_at.isoformat() if j.finished_at else None, "error": j.error,
                "summary": j.summary,
                "results": f"/api/v1/jobs/{j.job_id}/results" if ready else None,
            }
        )  # fmt: skip


Resumer = Callable[[JobRecord], None]


class JobRunner:
    """This process's worker thread, its job leases, and the take-over of jobs whose lease ran out."""

    def __init__(self, store: ApiStore, gate: Gate, lease: timedelta) -> None:
        self.store = store
        self.gate = gate
        self.lease = lease
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cruce-job")
        # This process, as the holder of job leases (see `ApiStore`); the jobs it works now.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        self.stopping = threading.Event()
        self._keeper: threading.Thread | None = None
        self._resumers: dict[str, Resumer] = {}

    def resumes(self, kind: str, resumer: Resumer) -> None:
        """Jobs of `kind` left by a stopped server go on with `resumer` (called on the worker thread)."""
        self._resumers[kind] = resumer

    def start(self) -> None:
        """Take over jobs left by a stopped server; a thread renews leases and keeps looking for more."""
        self._take_over()
        self._keeper = threading.Thread(target=self._keep, name="cruce-job-leases", daemon=True)
        self._keeper.start()

    def close(self) -> None:
        self.stopping.set()
        if self._keeper is not None:
            self._keeper.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            self.store.release_jobs(self.worker)  # the next server resumes them at once, not after the lease
        except CruceError:
            log.warning("job_release_failed worker=%s", self.worker)

    def submit(self, job_id: str, work: Callable[..., None], *args: Any) -> None:
        """Run `work(*args)` on the worker thread; `job_id` is held (its lease renewed) until it ends."""
        self.hold(job_id, True)

        def run() -> None:
            try:
                work(*args)
            finally:
                self.hold(job_id, False)

        self._pool.submit(run)

    def hold(self, job_id: str, held: bool) -> None:
        with self._held_lock:
            (self._held.add if held else self._held.discard)(job_id)

    def fail(self, job_id: str, message: str) -> None:
        try:
            self.store.update_job(job_id, worker=self.worker, state="failed", error=message)
        except LostJobError:
            log.info("job_lost job=%s worker=%s", job_id, self.worker)

    def _keep(self) -> None:
        every = max(0.2, self.lease.total_seconds() / 3)
        while not self.stopping.wait(every):
            try:
                with self._held_lock:
                    held = bool(self._held)
                if held:
                    self.store.renew_leases(self.worker, self.lease)
                self._take_over()
            except Exception:  # the keeper keeps going; the next round tries again
                log.exception("job_keeper_failed")

    def _take_over(self) -> None:
        for job in self.store.expired_jobs():
            with self._held_lock:
                if job.job_id in self._held or self.stopping.is_set():
                    continue
            resumer = self._resumers.get(job.kind)
            event = self.gate.event(
                None, "resume_job" if resumer else "fail_job", job.job_id,
                reason=f"its server stopped at row {job.done}; taken over by {self.worker}",
                actor="cruce", country=job.country,
            )  # fmt: skip
            claimed = self.store.claim_job(job.job_id, self.worker, self.lease, audit=event)
            if claimed is None:
                continue  # another server process was first
            if resumer is None:
                self.store.update_job(
                    job.job_id, worker=self.worker, state="failed",
                    error="the server stopped before the job finished; start it again",
                )  # fmt: skip
                continue
            log.info("job_resumed job=%s done=%d worker=%s", job.job_id, claimed.done, self.worker)
            self.submit(job.job_id, resumer, claimed)


class Jobs:
    """A user's own jobs: progress, and a finished batch's results file."""

    def __init__(self, store: ApiStore, gate: Gate) -> None:
        self.store = store
        self.gate = gate

    def job(self, user: User, job_id: str) -> JobView:
        return JobView.of(self._own(user, job_id))

    def results(self, user: User, job_id: str) -> Path:
        job = self._own(user, job_id)
        if job.state != "done" or not job.result_path:
            raise ConflictError("job_not_done", f"job {job_id} is {job.state}; results come when it is done")
        path = Path(job.result_path)
        if not path.is_file():
            raise NotFoundError("results_gone", f"the results of {job_id} are no longer on this server")
        return path

    def page(self, user: User, cursor: str | None, limit: int) -> Page[JobView]:
        self.gate.allow(user, "jobs", "jobs")
        found, more = self.store.jobs_page(
            user.user_id, after=decode_cursor(cursor, int), limit=check_limit(limit)
        )
        return page_of([JobView.of(j) for j in found], more, found[-1].seq if found else None)

    def _own(self, user: User, job_id: str) -> JobRecord:
        self.gate.allow(user, "jobs", job_id)
        job = self.store.job(job_id)
        if job.owner != user.user_id:
            self.gate.hidden(user, "read", job_id, f"the job is {job.owner}'s; a job is its owner's alone",
                             NotFoundError("job_not_found", f"no job {job_id!r}"))  # fmt: skip
        self.gate.record(user, "read", job_id)
        return job
