"""Kill -9 of `cruce serve` while booths screen: every screening the server answered (200) has its audit
record in a chain that verifies. Screening answers wait for the group commit of their record
(`AuditAppender.append_async`), so a crash between the append and the response can lose only records of
requests that were never answered."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
from api_fixtures import prepare
from test_api_durability import cruce_serve

from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

BOOTHS = 8


def test_every_answered_screening_is_audited_after_kill_9(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    headers = node.headers("usa.officer")
    answered: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def booth(base: str, n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            i = 0
            while not stop.is_set():
                name = f"Probe Booth{n} Traveller{i}"
                i += 1
                try:
                    response = http.post("/api/v1/screen", json={"name": name})
                except httpx.TransportError:
                    return  # the server is gone: this one was never answered
                if response.status_code == 200:
                    with lock:
                        answered.append(name)

    with cruce_serve(node) as (base, process):
        booths = [threading.Thread(target=booth, args=(base, n)) for n in range(BOOTHS)]
        for thread in booths:
            thread.start()
        deadline = time.monotonic() + 120
        while len(answered) < 400 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)  # booths are in flight
        process.wait(timeout=30)
        stop.set()
        for thread in booths:
            thread.join(timeout=30)
    assert len(answered) >= 400
    with open_store(node.settings.resolved_database_url()) as store:
        log = AuditLog.of(store)
        result = log.verify()
        audited = [r.event.resource for r in log.records(actor="usa.officer") if r.event.action == "screen"]
    assert result.ok, result.problems
    missing = {f"person:{name}" for name in answered} - set(audited)
    assert not missing, (
        f"{len(missing)} answered screenings lost their audit record, e.g. {sorted(missing)[:3]}"
    )
    assert len(audited) == len(set(audited))  # none twice
    assert len(audited) - len(answered) <= BOOTHS  # at most those in flight at the kill
