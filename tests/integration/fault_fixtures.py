"""Real processes for the fault tests: `cruce serve` (any number of workers) and the CLI, as run by a user."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cli_fixtures import cli_env
from sharing_fixtures import free_port

CRUCE = "import sys; from cruce.cli.main import run; run(sys.argv[1:])"


def cli(
    data_dir: Path, *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`cruce ARGS...` in a new interpreter; output captured."""
    return subprocess.run(
        [sys.executable, "-c", CRUCE, *map(str, args)],
        env=cli_env(data_dir, **(env or {})), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@contextmanager
def cruce_serve(
    data_dir: Path,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    prelude: str = "",
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`cruce serve` in its own process group on a free port, until it answers; yields (base, process).

    `prelude`: Python run in the server process first (e.g. a file-size limit standing in for a full disk).
    """
    port = free_port()
    # stderr goes to a file, never a pipe: a server logging many failures (a full disk) would fill an unread
    # pipe's buffer and block on its next log line, which looks like a hung server.
    log_path = data_dir.parent / f"serve-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", prelude + CRUCE, "serve", "--port", str(port), "--workers", str(workers)],
        env=cli_env(data_dir, **(env or {})), stdout=subprocess.DEVNULL, stderr=log_file,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = log_path.read_text(errors="replace") if process.poll() is not None else ""
                raise RuntimeError(f"cruce serve did not start: {err}")
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the workers too
        process.wait(timeout=30)
        log_file.close()


@dataclass
class Load:
    """Booths screening all day: threads posting `/screen` until stopped; every answer is kept."""

    base: str
    headers: dict[str, str]
    threads: int = 3
    statuses: list[int] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # request ids answered 200
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=30)

    def _run(self, n: int) -> None:
        names = ("Juan Carlos Hernandez", "Maria Lopez", "Aurelio Zambrano", "Pedro Ramirez")
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=30) as http:
            i = 0
            while not self._stop.is_set():
                name = f"{names[i % len(names)]} {n}-{i}"
                i += 1
                try:
                    response = http.post("/api/v1/screen", json={"name": name})
                except httpx.TransportError as exc:
                    with self._lock:
                        self.errors.append(f"transport: {exc}")
                    if self._stop.wait(0.05):
                        return
                    continue
                with self._lock:
                    self.statuses.append(response.status_code)
                    if response.status_code == 200:
                        self.acknowledged.append(name)
                    else:
                        self.errors.append(f"{response.status_code}: {response.text[:200]}")

    def wait_for(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.statuses) < n:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"only {len(self.statuses)} screenings in {timeout} s: {self.errors[:3]}"
                )
            time.sleep(0.02)


@contextmanager
def file_mirror(folder: Path, delay_s: float = 0.0) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving `folder` (a publisher's mirror); each answer `delay_s` late."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Slow(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay_s)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Slow, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def share_serve(data_dir: Path) -> Iterator[str]:
    """`cruce share serve` (a partner's TAXII server) on a free port, once it answers; yields its API root."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", CRUCE, "share", "serve", "--port", str(port)],
        env=cli_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(f"{base}/taxii2/", timeout=1)
                break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("cruce share serve did not start")
            time.sleep(0.1)
        yield f"{base}/cruce/"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
