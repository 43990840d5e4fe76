"""Disease at ports: an alert when daily case counts leave their baseline (CUSUM or EWMA).

Each port's baseline is the mean and spread of a trailing window that ends a guard period before the day
judged, so a rising outbreak does not hide itself by raising its own baseline at once. Counts are
standardised with a Poisson floor on the spread (small counts are noisy), then:

- CUSUM: S_t = max(0, S_{t-1} + z_t − k); alarm when S_t > h, then restart. Quick on sustained shifts.
- EWMA: E_t = λ z_t + (1 − λ) E_{t-1}; alarm when E_t > L √(λ / (2 − λ)). Smoother, fewer false alarms.

Both run over all ports at once (a loop over days, vectorised over ports). `simulate_counts` plants known
change points in seeded Poisson counts and `evaluate` reports detection delay and false alarms, so a
detector's settings are chosen on evidence.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cruce.core.errors import InputError

METHODS = ("cusum", "ewma")


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    method: str = "cusum"
    window_days: int = 28
    guard_days: int = 7
    k: float = 0.5  # CUSUM allowance (half the shift to detect, in standard deviations)
    h: float = 5.0  # CUSUM threshold
    lam: float = 0.2  # EWMA weight
    limit: float = 3.0  # EWMA control limit in standard deviations of the EWMA

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InputError("bad_method", f"method must be cusum or ewma, not {self.method!r}")
        if self.window_days < 7 or self.guard_days < 0:
            raise InputError("bad_window", "the baseline window needs at least 7 days and a guard ≥ 0")
        if not 0 < self.lam <= 1:
            raise InputError("bad_lambda", "the EWMA weight must be in (0, 1]")

    @property
    def warmup(self) -> int:
        return self.window_days + self.guard_days


def statistics(counts: np.ndarray, settings: DetectorSettings) -> tuple[np.ndarray, np.ndarray]:
    """(statistic, alarm) arrays shaped like `counts` (ports × days); no alarm during the warm-up."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim == 1:
        counts = counts[None, :]
    ports, days = counts.shape
    w, g = settings.window_days, settings.guard_days
    cum = np.concatenate([np.zeros((ports, 1)), np.cumsum(counts, axis=1)], axis=1)
    cum2 = np.concatenate([np.zeros((ports, 1)), np.cumsum(counts**2, axis=1)], axis=1)
    stat = np.zeros((ports, days))
    alarm = np.zeros((ports, days), dtype=bool)
    state = np.zeros(ports)
    ewma_limit = settings.limit * np.sqrt(settings.lam / (2 - settings.lam))
    for t in range(settings.warmup, days):
        lo, hi = t - g - w, t - g
        mean = (cum[:, hi] - cum[:, lo]) / w
        var = np.maximum((cum2[:, hi] - cum2[:, lo]) / w - mean**2, 0.0)
        sd = np.sqrt(np.maximum(var, np.maximum(mean, 1.0)))  # Poisson floor
        z = (counts[:, t] - mean) / sd
        if settings.method == "cusum":
            state = np.maximum(0.0, state + z - settings.k)
            fired = state > settings.h
        else:
            state = settings.lam * z + (1 - settings.lam) * state
            fired = state > ewma_limit
        stat[:, t] = state
        alarm[:, t] = fired
        if settings.method == "cusum":
            state = np.where(fired, 0.0, state)
    return stat, alarm


@dataclass(frozen=True, slots=True)
class Alert:
    port: str
    day: str
    cases: float
    statistic: float
    method: str


def detect(frame: pd.DataFrame, settings: DetectorSettings | None = None) -> list[Alert]:
    """Alerts from a long table with columns date, port, cases (one row per port and day)."""
    settings = settings or DetectorSettings()
    wide = frame.pivot_table(index="port", columns="date", values="cases", aggfunc="sum").sort_index(axis=1)
    wide = wide.fillna(0.0)
    stat, alarm = statistics(wide.to_numpy(), settings)
    days = [str(d.date()) if hasattr(d, "date") else str(d) for d in wide.columns]
    values = wide.to_numpy(dtype=np.float64)
    out = []
    for p, t in zip(*np.nonzero(alarm), strict=True):
        out.append(
            Alert(str(wide.index[p]), days[t], float(values[p, t]), float(stat[p, t]), settings.method)
        )
    return sorted(out, key=lambda a: (a.day, a.port))


def read_counts(path: Path) -> pd.DataFrame:
    """A counts CSV: columns date (YYYY-MM-DD), port, cases; every bad row is named by its line."""
    if not path.is_file():
        raise InputError("file_not_found", f"{path} does not exist or is not a file")
    try:
        text = path.read_text("utf-8-sig")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError("bad_csv", f"{path} is not a readable CSV file: {exc}") from exc
    missing = [c for c in ("date", "port", "cases") if c not in frame.columns]
    if missing:
        raise InputError(
            "missing_columns", f"{path} lacks column(s) {', '.join(missing)} (date, port, cases)"
        )
    dates = pd.to_datetime(frame["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    cases = pd.to_numeric(frame["cases"].str.strip(), errors="coerce")
    problems = []
    for i in np.flatnonzero(dates.isna().to_numpy()):
        problems.append(f"line {i + 2}: date {frame['date'].iat[int(i)]!r} is not YYYY-MM-DD")
    bad_cases = cases.isna() | (cases < 0)
    for i in np.flatnonzero(bad_cases.to_numpy()):
        problems.append(f"line {i + 2}: cases {frame['cases'].iat[int(i)]!r} is not a count ≥ 0")
    for i in np.flatnonzero((frame["port"].str.strip() == "").to_numpy()):
        problems.append(f"line {i + 2}: port is empty")
    if problems:
        raise InputError(
            "bad_rows", f"{path}: {len(problems)} bad row(s), nothing used: {'; '.join(problems[:20])}"
        )
    return pd.DataFrame({"date": dates, "port": frame["port"].str.strip(), "cases": cases.astype(float)})


# ---------------------------------------------------------------- evaluation on planted change points


@dataclass(frozen=True, slots=True)
class PlantedCounts:
    counts: np.ndarray  # ports × days
    change_day: np.ndarray  # per port; -1 when no change was planted


def simulate_counts(
    rng: np.random.Generator,
    *,
    ports: int,
    days: int,
    baseline: float,
    factor: float,
    changed_share: float = 0.5,
) -> PlantedCounts:
    """Poisson daily counts with a weekly rhythm; a share of ports shifts by `factor` on a random day."""
    rhythm = 1 + 0.15 * np.sin(2 * np.pi * np.arange(days) / 7)
    level = np.full((ports, days), baseline) * rhythm
    change = np.full(ports, -1)
    changed = rng.random(ports) < changed_share
    change[changed] = rng.integers(days // 2, days - 30, int(changed.sum()))
    for p in np.flatnonzero(changed):
        level[p, change[p] :] *= factor
    return PlantedCounts(rng.poisson(level).astype(np.float64), change)


@dataclass(frozen=True, slots=True)
class DetectorEvaluation:
    method: str
    detected: int
    changes: int
    median_delay_days: float
    mean_delay_days: float
    false_alarms: int
    monitored_days_without_change: int

    @property
    def false_alarms_per_1000_days(self) -> float:
        return 1000 * self.false_alarms / max(1, self.monitored_days_without_change)


def evaluate(
    planted: PlantedCounts, settings: DetectorSettings, horizon_days: int = 28
) -> DetectorEvaluation:
    """Delay from each planted change to the first alarm (within `horizon_days`), and false alarms before."""
    _, alarm = statistics(planted.counts, settings)
    ports, days = alarm.shape
    delays = []
    false_alarms = 0
    quiet_days = 0
    for p in range(ports):
        c = int(planted.change_day[p])
        end = days if c < 0 else c
        false_alarms += int(alarm[p, settings.warmup : end].sum())
        quiet_days += max(0, end - settings.warmup)
        if c >= 0:
            after = np.flatnonzero(alarm[p, c : c + horizon_days])
            if after.size:
                delays.append(int(after[0]))
    changes = int((planted.change_day >= 0).sum())
    return DetectorEvaluation(
        settings.method,
        len(delays),
        changes,
        float(np.median(delays)) if delays else float("nan"),
        float(np.mean(delays)) if delays else float("nan"),
        false_alarms,
        quiet_days,
    )
