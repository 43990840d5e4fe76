"""Group commit of the audit log behind the API: screening requests sent at once share audit transactions,
and still every answered request's event is in a valid, gap-free chain, exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from api_fixtures import prepare, serve

from cruce.sharing.audit import AuditEvent, AuditRecord
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

CLIENTS, EACH = 12, 15


def test_concurrent_screening_requests_are_audited_in_shared_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = prepare(tmp_path)
    batches: list[int] = []
    original = AuditLog.append_many

    def counted(self: AuditLog, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        records = original(self, events)
        batches.append(len(records))
        return records

    monkeypatch.setattr(AuditLog, "append_many", counted)
    answered: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    with serve(node) as base:

        def booth(n: int) -> None:
            user = "usa.officer" if n % 2 else "mex.analyst"
            with httpx.Client(base_url=base, headers=node.headers(user), timeout=30) as http:
                start.wait()
                for i in range(EACH):
                    name = f"Juan Carlos Hernandez {n} {i}" if i % 3 else "Juan Carlos Hernandez"
                    response = http.post("/api/v1/screen", json={"name": name})
                    assert response.status_code == 200, response.text
                    with lock:
                        answered[user] += 1

        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(booth, n) for n in range(CLIENTS)]:
                future.result()

    with open_store(node.settings.resolved_database_url()) as store:
        log = AuditLog.of(store)
        result = log.verify()
        records = log.records()
    assert result.ok, result.problems
    assert [r.seq for r in records] == list(range(1, len(records) + 1))  # no gap, no fork
    screened = Counter(r.event.actor for r in records if r.event.action == "screen")
    assert screened == answered  # every answered request's event, exactly once
    assert sum(answered.values()) == CLIENTS * EACH
    assert max(batches) > 1  # requests in flight together were committed together
