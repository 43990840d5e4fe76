"""Kill -9 of `cruce serve` while comments are being written, then restart: every comment the server
acknowledged (2xx) is there, exactly once; none that it did not acknowledge is there twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from api_fixtures import Node, prepare
from cli_fixtures import cli_env
from sharing_fixtures import free_port

WRITERS = 6


@contextmanager
def cruce_serve(node: Node) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`cruce serve` in its own process on a free port, until it answers health; yields (base, process)."""
    port = free_port()
    env = cli_env(node.settings.data_dir)
    code = "import sys; from cruce.cli.main import run; run(sys.argv[1:])"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"cruce serve did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    node = prepare(tmp_path)
    headers = node.headers("usa.analyst")
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(base: str, alert_id: str, n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            i = 0
            while not stop.is_set():
                text = f"writer {n} comment {i}"
                i += 1
                try:
                    response = http.post(f"/api/v1/alerts/{alert_id}/comments", json={"text": text})
                except httpx.TransportError:
                    return  # the server is gone: this write was never acknowledged
                if response.status_code == 201:
                    with lock:
                        acknowledged.append(text)

    with cruce_serve(node) as (base, process):
        screened = httpx.post(
            f"{base}/api/v1/screen", json={"name": "Juan Carlos Hernandez"}, headers=headers
        )
        (alert_id,) = screened.json()["alerts"]
        threads = [threading.Thread(target=writer, args=(base, alert_id, n)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < 300:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: writers are in flight
        process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert len(acknowledged) >= 300
    with cruce_serve(node) as (base, _), httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        stored: list[str] = []
        params: dict[str, object] = {"limit": 500}
        while True:
            page = http.get(f"/api/v1/alerts/{alert_id}/history", params=params).json()
            stored += [e["text"] for e in page["items"] if e["kind"] == "commented"]
            if page["next"] is None:
                break
            params = {"limit": 500, "cursor": page["next"]}
        assert http.get("/api/v1/audit/verify", headers=node.headers("usa.auditor")).json()["ok"] is True
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged comments lost, e.g. {sorted(missing)[:3]}"
    assert len(stored) == len(set(stored))
    assert len(stored) - len(acknowledged) <= WRITERS  # at most the ones in flight at the kill
