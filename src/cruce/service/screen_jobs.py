"""Batch screening as a server job: an uploaded CSV checked now, screened in the background, resumable.

Rows are read as `cruce screen batch` reads them (`cruce.service.batch_rows`). The input is on disk (synced)
before the job exists, so a server killed at any later instant leaves a job another server can resume. Rows
are screened one chunk per transaction (alerts, audit records, result lines and progress together); a
resumed job goes on after its last committed chunk; the results file is assembled from the chunks at the end.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from cruce.core import csvsafe
from cruce.core.errors import CruceError, InputError
from cruce.core.text import has_control_character
from cruce.matching.scorer import CruceScorer
from cruce.matching.types import Match, Query
from cruce.service.alerts import AlertPlan, AlertQueue, MatchOutcome
from cruce.service.batch_rows import read_header, read_rows, row_query
from cruce.service.index import MatcherIndex
from cruce.service.jobs import JobRunner, JobView
from cruce.service.policy import Gate
from cruce.service.screening import (
    BATCH_MATCHER_COLUMN,
    BATCH_OUTPUT_COLUMNS,
    ScreenedQuery,
    screen_queries,
)
from cruce.sharing.access import User
from cruce.sharing.audit import AuditEvent
from cruce.storage.accounts import AccountStore
from cruce.storage.audit import AuditLog
from cruce.storage.jobs import ChunkRow, JobRecord, JobStore, LostJobError, new_job_id

log = logging.getLogger(__name__)

BATCH_CHUNK = 250
KIND = "screen_batch"


class BatchScreening:
    """Start, run and resume batch screenings; each row's alerts are the user's country's."""

    def __init__(  # noqa: PLR0917 - the parts a batch job writes to
        self,
        store: JobStore,
        accounts: AccountStore,
        audit: AuditLog,
        index: MatcherIndex,
        queue: AlertQueue,
        runner: JobRunner,
        gate: Gate,
        data_dir: Path,
        max_upload_bytes: int,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.audit = audit
        self.index = index
        self.queue = queue
        self.runner = runner
        self.gate = gate
        self.data_dir = data_dir
        self.max_upload_bytes = max_upload_bytes
        runner.resumes(KIND, self._resume)

    def start(self, user: User, data: bytes, top: int = 5) -> JobView:
        """Check an uploaded CSV's header now, screen it in the background; the job reports progress."""
        self.gate.allow(user, "screen_batch", "screen/batch")
        if not 1 <= top <= 50:
            raise InputError("bad_top", "top must be 1 to 50")
        if len(data) > self.max_upload_bytes:
            raise InputError("too_large", f"the file is over {self.max_upload_bytes:,} bytes")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                "bad_encoding", f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8"
            ) from exc
        bad = next((n for n, line in enumerate(text.splitlines(), 1) if has_control_character(line)), None)
        if bad is not None:
            raise InputError(
                "bad_character", f"line {bad} holds a control character (NUL, escape...); remove it"
            )
        header = batch_header(text)
        self.index.matcher()
        job_id = new_job_id()
        source = self._source(job_id)
        source.parent.mkdir(parents=True, exist_ok=True)
        write_synced(source, text)
        self.runner.hold(job_id, True)
        self.store.create_job(
            KIND, user.user_id, user.organisation.country, {"top": top},
            job_id=job_id, worker=self.runner.worker, lease=self.runner.lease,
        )  # fmt: skip
        self.gate.record(user, KIND, job_id, reason=f"{len(data):,} bytes uploaded")
        self.runner.submit(job_id, self._run, job_id, user, source, header, top)
        return JobView.of(self.store.job(job_id))

    def _source(self, job_id: str) -> Path:
        return self.data_dir / "jobs" / f"{job_id.replace(':', '-')}.csv"

    def _resume(self, job: JobRecord) -> None:
        try:
            user = self.accounts.account(job.owner).user()
            source = self._source(job.job_id)
            text = source.read_text(encoding="utf-8")
            top = int(job.summary.get("top") or 5)
        except (CruceError, OSError, ValueError) as exc:
            message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
            self.runner.fail(job.job_id, f"the job cannot be resumed: {message}")
            return
        self._run(job.job_id, user, source, batch_header(text), top)

    def _run(self, job_id: str, user: User, source: Path, header: list[str], top: int) -> None:
        try:
            self._screen_file(job_id, user, source, header, top)
        except LostJobError:  # another process holds it now and goes on with it
            log.info("job_lost job=%s worker=%s", job_id, self.runner.worker)
        except Exception as exc:  # the job fails, the server goes on
            message = exc.message if isinstance(exc, CruceError) else f"{type(exc).__name__}: {exc}"
            log.exception("job_failed job=%s", job_id)
            self.runner.fail(job_id, message)

    def _screen_file(self, job_id: str, user: User, source: Path, header: list[str], top: int) -> None:
        """Screen the rows after the job's last committed chunk, one chunk per transaction, then assemble
        the results file from the chunks."""
        matcher = self.index.matcher()
        label = CruceScorer.label(matcher.threshold)  # every row says which scorer judged it
        worker, lease = self.runner.worker, self.runner.lease
        text = source.read_text(encoding="utf-8")
        reader = csv.reader(io.StringIO(text))
        read_header(reader)
        rows = list(read_rows(reader))
        job = self.store.job(job_id)
        self.store.update_job(job_id, worker=worker, state="running", total=len(rows))
        country = user.organisation.country
        for start in range(job.done, len(rows), BATCH_CHUNK):
            if self.runner.stopping.is_set():
                return  # released at close: the next server resumes from here
            chunk = rows[start : start + BATCH_CHUNK]
            good: list[Query] = []
            errors: list[dict[str, Any]] = []
            for line, raw in chunk:
                try:
                    good.append(row_query(header, raw))
                except InputError as exc:
                    errors.append({"line": line, "error": exc.message})
            parts: list[ChunkRow] = []
            for screened in screen_queries(matcher, good, top=top, workers=1):
                plan = self.queue.plan_for_matches(
                    screened.query, screened.matches, country=country, actor=user.user_id,
                    source=f"batch:{job_id}",
                )  # fmt: skip
                parts.append(
                    ChunkRow(plan.alerts, partial(self._row, user, job_id, screened, plan, label=label))
                )
            counts = {"queries": len(good), "rejected": len(errors), "errors": errors}
            self.store.commit_chunk(job_id, worker, lease, start, len(chunk), parts, counts, self.audit)
        self._finish(job_id, user, source, top)

    def _row(
        self,
        user: User,
        job_id: str,
        screened: ScreenedQuery,
        plan: AlertPlan,
        raised: list[tuple[str, bool]],
        *,
        label: str,
    ) -> tuple[AuditEvent | None, str]:
        """One row's audit record (when it raised alerts, as a single screening's) and result lines."""
        outcomes = plan.outcomes_with(raised)
        out = io.StringIO()
        write_candidates(csvsafe.writer(out), screened.query, screened.matches, outcomes, label)
        event = self._alerts_event(user, job_id, screened.query, outcomes) if plan.to_raise else None
        return event, out.getvalue()

    def _finish(self, job_id: str, user: User, source: Path, top: int) -> None:
        chunks = self.store.job_chunks(job_id)
        result = source.with_name(source.stem + ".results.csv")
        header = io.StringIO()
        csvsafe.writer(header).writerow([*BATCH_OUTPUT_COLUMNS, "alert_id", BATCH_MATCHER_COLUMN])
        write_synced(result, header.getvalue() + "".join(c[2] for c in chunks), newline="")
        queries = sum(int(c[3].get("queries", 0)) for c in chunks)
        alerts = sum(int(c[3].get("alerts", 0)) for c in chunks)
        rejected = sum(int(c[3].get("rejected", 0)) for c in chunks)
        errors = [e for c in chunks for e in c[3].get("errors", ())][:100]
        summary = {"top": top, "queries": queries, "rejected": rejected, "alerts": alerts, "errors": errors}
        done = self.gate.event(
            user, "screen_batch_done", job_id, reason=f"{queries} screened, {alerts} alerts"
        )
        self.store.finish_job(job_id, self.runner.worker, summary, str(result), done)

    def _alerts_event(
        self, user: User, job_id: str, query: Query, found: Mapping[str, MatchOutcome]
    ) -> AuditEvent:
        """The audit record of the alerts one batch row raised, committed with them."""
        alerts = sorted({o.alert_id for o in found.values() if o.alert_id})
        row = f"batch row {query.id or ''}"[:200]
        return self.gate.event(user, "raise_alerts", job_id, reason=row, details={"alerts": alerts})


def write_synced(path: Path, text: str, *, newline: str | None = None) -> None:
    """Write `text` to `path` whole: a temporary file, fsynced, renamed over it."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline=newline) as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def batch_header(text: str) -> list[str]:
    """The header of an uploaded file (`cruce.service.batch_rows.read_header`)."""
    return read_header(csv.reader(io.StringIO(text)))


def write_candidates(
    writer: Any, query: Query, matches: Sequence[Match], outcomes: Mapping[str, Any], matcher: str
) -> None:
    """A query's result lines; the last column names the scorer, version and threshold (as the CLI's)."""
    if not matches:
        writer.writerow([query.id or "", 0, "", "0.0000", "false", "", "no candidate", "", matcher])
    for rank, m in enumerate(matches, start=1):
        outcome = outcomes.get(m.entity_id)
        alert = m.alert and (outcome is None or outcome.suppressed_by is None)
        writer.writerow(
            [query.id or "", rank, m.entity_id, f"{m.score:.4f}", "true" if alert else "false",
             m.matched_name, m.reasons(), (outcome.alert_id or "") if outcome is not None else "", matcher]
        )  # fmt: skip
