"""CPU and peak memory of this process and every process under it (psutil), for engine comparisons.

`cpu()` sums, over this process and its live descendants, their own CPU time plus the CPU time of the
children each has already reaped, split by role: the driver (this Python), the JVM (a `java` process and
what it reaped), Spark's Python workers (Python under the JVM) and other children (the single-machine
batch's forked workers). A delta of two `cpu()` calls is the CPU the phase cost every process involved;
a process that exits between the calls is counted through its parent's reaped-children time.

`PeakMemory` samples the tree's resident memory in a thread (its own CPU is measured and taken off the
driver's by the caller) and keeps each role's peak for one process and the sum over the role.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # psutil (the bench extra) is imported where it is used: importing this module needs none
    import psutil

ROLES = ("driver", "jvm", "spark_python", "children")


def _role(proc: psutil.Process, root: int, jvms: set[int]) -> str:
    import psutil

    if proc.pid == root:
        return "driver"
    try:
        if proc.name().startswith("java"):
            jvms.add(proc.pid)
            return "jvm"
        parents = {p.pid for p in proc.parents()}
    except psutil.Error:
        return "children"
    return "spark_python" if parents & jvms else "children"


def _tree(root: int) -> list[tuple[str, psutil.Process]]:
    import psutil

    top = psutil.Process(root)
    jvms: set[int] = set()
    procs = [top, *top.children(recursive=True)]
    procs.sort(key=lambda p: 0 if p.pid == root else 1 if _is_java(p) else 2)  # JVMs known before their kids
    return [(_role(p, root, jvms), p) for p in procs]


def _is_java(proc: psutil.Process) -> bool:
    import psutil

    try:
        return proc.name().startswith("java")
    except psutil.Error:
        return False


def cpu(root: int | None = None) -> dict[str, float]:
    """CPU seconds (user + system, own + reaped children) of the tree under `root`, by role."""
    import psutil

    out = dict.fromkeys(ROLES, 0.0)
    for role, proc in _tree(root or os.getpid()):
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        out[role] += t.user + t.system + t.children_user + t.children_system
    return out


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {role: after[role] - before[role] for role in ROLES}


@dataclass
class PeakMemory:
    """Peak resident memory by role while running (MB): the largest single process and the largest sum."""

    interval: float = 0.25
    peak_one: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ROLES, 0.0))
    peak_sum: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ROLES, 0.0))
    sampler_cpu_s: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        root = os.getpid()
        while True:
            self.sample(root)
            if self._stop.wait(self.interval):
                self.sample(root)
                break
        self.sampler_cpu_s = time.thread_time()

    def sample(self, root: int) -> None:
        import psutil

        sums = dict.fromkeys(ROLES, 0.0)
        for role, proc in _tree(root):
            try:
                mb = proc.memory_info().rss / 2**20
            except psutil.Error:
                continue
            sums[role] += mb
            self.peak_one[role] = max(self.peak_one[role], mb)
        for role, mb in sums.items():
            self.peak_sum[role] = max(self.peak_sum[role], mb)
