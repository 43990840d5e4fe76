"""Operations, on a real `cruce serve`: /healthz, /readyz, /metrics, request ids in the JSON logs, and a
graceful shutdown (SIGTERM under load) after which every acknowledged screening is in the audit log."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from api_fixtures import Node, prepare, user_id
from cli_fixtures import cli_env
from sharing_fixtures import free_port
from sqlalchemy import create_engine

from cruce.api.observability import _not_ready
from cruce.storage.audit import AuditLog
from cruce.storage.store import open_store

TOKEN = "metrics-token-for-the-tests-0123"


@contextmanager
def cruce_serve(node: Node, log: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`cruce serve ARGS` on a free port with JSON logs into `log`, until /healthz answers."""
    port = free_port()
    env = cli_env(node.settings.data_dir, CRUCE_METRICS_TOKEN=TOKEN, CRUCE_LOG_FORMAT="json")
    code = "import sys; from cruce.cli.main import run; run(sys.argv[1:])"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--port", str(port), *args],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cruce serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        metric, _, rest = sample.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and got == wanted:
            return float(value)
    return 0.0


def test_health_readiness_metrics_and_request_ids(tmp_path: Path) -> None:
    node = prepare(tmp_path / "node")
    analyst = node.headers(user_id("analyst", "USA"))
    log = tmp_path / "serve.log"
    with cruce_serve(node, log) as (base, _), httpx.Client(base_url=base, timeout=30) as http:
        health = http.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        ready = http.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})

        screened = http.post(
            "/api/v1/screen", json={"name": "Juan Carlos Hernandez"},
            headers={**analyst, "X-Request-ID": "booth-7.req-0001"},
        )  # fmt: skip
        assert screened.status_code == 200
        assert screened.headers["x-request-id"] == "booth-7.req-0001"
        assert screened.json()["alerts"]
        minted = http.get("/healthz", headers={"X-Request-ID": "<script>" * 10})
        assert re.fullmatch(r"[0-9a-f]{16}", minted.headers["x-request-id"])
        assert http.get("/api/v1/alerts/alert:nope", headers=analyst).status_code == 404
        bad = http.post("/api/v1/token", data={"username": user_id("analyst", "MEX"), "password": "wrong"})
        assert bad.status_code == 401

        assert http.get("/metrics").status_code == 401
        refused = http.get("/metrics", headers={"Authorization": "Bearer wrong", "X-Request-ID": "scrape-1"})
        assert refused.status_code == 401
        scrape = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scrape.status_code == 200
        text = scrape.text
        assert (
            _metric(text, "cruce_http_requests_total", method="POST", route="/api/v1/screen", status="200")
            == 1
        )
        assert (
            _metric(text, "cruce_http_request_duration_seconds_count", method="POST", route="/api/v1/screen")
            == 1
        )
        # a route template, never the id a client put in the path
        assert _metric(
            text, "cruce_http_requests_total", method="GET", route="/api/v1/alerts/{alert_id}", status="404"
        ) == 1  # fmt: skip
        assert "alert:nope" not in text
        assert _metric(text, "cruce_screenings_total") == 1
        assert _metric(text, "cruce_alerts_raised_total") >= 1
        assert _metric(text, "cruce_signin_failures_total") == 1
        assert _metric(text, "cruce_jobs", state="queued") == 0
        assert not re.search(r"USA|MEX|usa\.|mex\.|Hernandez", text)  # no country, user or name

        # migrations behind (an old schema put back under the running server): not ready, no details
        db = node.settings.resolved_database_url().removeprefix("sqlite:///")
        with sqlite3.connect(db) as conn:
            (head,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            conn.execute("UPDATE alembic_version SET version_num = 'an_older_revision'")
        behind = http.get("/readyz")
        assert (behind.status_code, behind.json()) == (503, {"status": "not_ready", "reason": "migrations"})
        assert http.get("/healthz").status_code == 200  # alive all the same
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (head,))
        assert http.get("/readyz").status_code == 200

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    refused_lines = [line for line in lines if line.get("event") == "metrics_refused"]
    assert len(refused_lines) == 2  # the first with an id minted by the server
    assert re.fullmatch(r"[0-9a-f]{16}", refused_lines[0]["request_id"])
    assert refused_lines[1]["request_id"] == "scrape-1"
    assert refused_lines[1]["level"] == "warning" and "timestamp" in refused_lines[1]
    assert any(line.get("event") == "readyz_migrations_behind" and "request_id" in line for line in lines)


def test_metrics_are_off_without_a_token(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from cruce.api.app import create_app
    from cruce.core.settings import Settings

    app = create_app(Settings(data_dir=tmp_path), mount_taxii=False)
    with TestClient(app) as http:
        assert (
            http.get("/metrics", headers={"Authorization": "Bearer anything-at-all-1234"}).status_code == 404
        )


def test_a_database_that_does_not_answer_is_not_ready() -> None:
    engine = create_engine("sqlite:////nonexistent-dir/cruce.db")
    assert _not_ready(engine, {"head"}) == "database"


def test_sigterm_finishes_in_flight_requests_and_their_audit(tmp_path: Path) -> None:
    node = prepare(tmp_path / "node")
    analyst = node.headers(user_id("analyst", "USA"))
    acknowledged: list[str] = []
    failed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def booth(base: str, n: int) -> None:
        with httpx.Client(base_url=base, headers=analyst, timeout=30) as http:
            i = 0
            while not stop.is_set():
                name = f"Traveler Booth{n} Number{i}"
                i += 1
                try:
                    response = http.post("/api/v1/screen", json={"name": name})
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    with lock:
                        acknowledged.append(name)
                else:  # an in-flight request is finished, not failed, by the shutdown
                    with lock:
                        failed.append(f"{name}: {response.status_code} {response.text[:200]}")
                    return

    with cruce_serve(node, tmp_path / "serve.log") as (base, process):
        threads = [threading.Thread(target=booth, args=(base, n)) for n in range(4)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < 100 and process.poll() is None:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGTERM)
        status = process.wait(timeout=60)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    # uvicorn re-raises the SIGTERM once it has shut down; the app's shutdown has run to its end by then
    log = (tmp_path / "serve.log").read_text()
    assert status in (0, -signal.SIGTERM), log
    assert '"event": "server_stopped"' in log
    assert len(acknowledged) >= 100
    assert not failed
    with open_store(node.settings.resolved_database_url()) as store:
        audit = AuditLog.of(store)
        screened = {
            r.event.resource.removeprefix("person:") for r in audit.records() if r.event.action == "screen"
        }
        assert audit.verify().ok
    missing = set(acknowledged) - screened
    assert not missing, f"{len(missing)} acknowledged screenings not audited, e.g. {sorted(missing)[:3]}"


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_every_log_line_of_a_request_carries_its_id(fmt: str, capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    import structlog

    from cruce.api.observability import configure_logging

    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    configure_logging(fmt)
    try:
        structlog.contextvars.bind_contextvars(request_id="abc123")
        structlog.get_logger("cruce.test").warning("from_structlog", n=1)
        logging.getLogger("cruce.stdlib").error("from stdlib %s", "logging")
        logging.getLogger("cruce.stdlib").info("below the level: not written")
    finally:
        structlog.contextvars.clear_contextvars()
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 2, err
    for line in err:
        if fmt == "json":
            assert json.loads(line)["request_id"] == "abc123"
        else:
            assert "request_id='abc123'" in line
