"""The api-load report's memory slope and percentiles: what decides "memory stays flat"."""

from __future__ import annotations

import pytest
from benchmarks.api_load import _percentile, _slope_mib_per_min


def test_a_steady_leak_shows_as_its_rate_per_minute() -> None:
    samples = [(t, 500 + 0.05 * t) for t in range(0, 900, 5)]  # 3 MiB a minute
    assert _slope_mib_per_min(samples) == pytest.approx(3.0)


def test_flat_memory_with_noise_has_no_slope() -> None:
    samples = [(t, 500 + (1 if (t // 5) % 2 else -1)) for t in range(0, 900, 5)]
    assert abs(_slope_mib_per_min(samples)) < 0.01


def test_too_few_samples_give_no_slope() -> None:
    assert _slope_mib_per_min([]) == 0.0
    assert _slope_mib_per_min([(5.0, 100.0)]) == 0.0


def test_percentiles_of_the_latencies() -> None:
    latencies = [float(ms) for ms in range(1, 101)]
    assert _percentile(latencies, 50) == 51.0
    assert _percentile(latencies, 95) == 96.0
    assert _percentile(latencies, 99) == 100.0
