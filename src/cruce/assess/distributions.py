"""Uncertain factors as distributions, not points: fixed, uniform, triangular, PERT and lognormal.

Assessors rarely know a threat's frequency or an asset's vulnerability; they know a range and a most likely
value. Each factor is therefore written as a distribution (YAML or CSV cell) and sampled per Monte Carlo
draw. Written forms (YAML, or the same text in a CSV cell):

    0.3                                   fixed
    {uniform: [0.1, 0.5]}
    {triangular: [min, mode, max]}
    {pert: [min, mode, max]}              Beta-PERT, weight 4 on the mode
    {lognormal: {median: 24, p95: 96}}    or {lognormal: {p05: 6, p95: 96}} (a 90% range)

A bad definition (min above max, a mode outside its range, a non-positive lognormal) is an InputError
naming the field, so the row or YAML key at fault can be fixed at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml
from scipy import special, stats

from cruce.core.errors import InputError

_Z95 = 1.6448536269514722  # the standard normal's 95th percentile
PERT_WEIGHT = 4.0


class DistributionError(InputError):
    """A distribution that cannot be sampled, with the field it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("bad_distribution", f"{field}: {message}", {"field": field})


@dataclass(frozen=True, slots=True)
class Distribution:
    """One uncertain factor. `kind` is fixed, uniform, triangular, pert or lognormal."""

    kind: str
    low: float  # fixed: the value; lognormal: the 5th percentile
    mode: float  # lognormal: the median
    high: float  # lognormal: the 95th percentile

    # ------------------------------------------------------------------ building

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        return cls("fixed", value, value, value)

    @classmethod
    def triangular(cls, low: float, mode: float, high: float, field: str = "value") -> Distribution:
        return cls._ranged("triangular", low, mode, high, field)

    @classmethod
    def pert(cls, low: float, mode: float, high: float, field: str = "value") -> Distribution:
        return cls._ranged("pert", low, mode, high, field)

    @classmethod
    def uniform(cls, low: float, high: float, field: str = "value") -> Distribution:
        return cls._ranged("uniform", low, (low + high) / 2, high, field)

    @classmethod
    def lognormal(cls, median: float, p95: float, field: str = "value") -> Distribution:
        """Lognormal from its median and 95th percentile (what a person can estimate)."""
        if not (median > 0 and p95 > 0):
            raise DistributionError(
                field, f"a lognormal needs a positive median and p95, not {median}, {p95}"
            )
        if p95 < median:
            raise DistributionError(field, f"the lognormal's p95 {p95:g} is below its median {median:g}")
        sigma = math.log(p95 / median) / _Z95
        return cls("lognormal", median * math.exp(-_Z95 * sigma), median, p95)

    @classmethod
    def _ranged(cls, kind: str, low: float, mode: float, high: float, field: str) -> Distribution:
        values = (low, mode, high)
        if not all(math.isfinite(v) for v in values):
            raise DistributionError(field, f"{kind} values must be finite numbers, not {values}")
        if low > high:
            raise DistributionError(field, f"{kind} min {low:g} is greater than max {high:g}")
        if not low <= mode <= high:
            raise DistributionError(field, f"{kind} mode {mode:g} lies outside [{low:g}, {high:g}]")
        if low == high:
            return cls.fixed(low)
        return cls(kind, float(low), float(mode), float(high))

    # ------------------------------------------------------------------ properties

    @property
    def _sigma(self) -> float:
        return math.log(self.high / self.mode) / _Z95

    @property
    def _pert_ab(self) -> tuple[float, float]:
        span = self.high - self.low
        alpha = 1 + PERT_WEIGHT * (self.mode - self.low) / span
        beta = 1 + PERT_WEIGHT * (self.high - self.mode) / span
        return alpha, beta

    @property
    def mean(self) -> float:
        if self.kind == "fixed":
            return self.low
        if self.kind == "uniform":
            return (self.low + self.high) / 2
        if self.kind == "triangular":
            return (self.low + self.mode + self.high) / 3
        if self.kind == "pert":
            return (self.low + PERT_WEIGHT * self.mode + self.high) / (PERT_WEIGHT + 2)
        return self.mode * math.exp(self._sigma**2 / 2)

    @property
    def minimum(self) -> float:
        return 0.0 if self.kind == "lognormal" else self.low

    @property
    def maximum(self) -> float:
        return math.inf if self.kind == "lognormal" else self.high

    def ppf(self, q: float | np.ndarray) -> np.ndarray:
        """Quantiles (the analytic values tests and tornado charts compare against)."""
        q = np.asarray(q, dtype=np.float64)
        if self.kind == "fixed":
            return np.full_like(q, self.low)
        if self.kind == "uniform":
            return self.low + q * (self.high - self.low)
        if self.kind == "triangular":
            span = self.high - self.low
            c = (self.mode - self.low) / span
            return np.asarray(stats.triang.ppf(q, c, loc=self.low, scale=span))
        if self.kind == "pert":
            alpha, beta = self._pert_ab
            return self.low + np.asarray(special.betaincinv(alpha, beta, q)) * (self.high - self.low)
        return np.asarray(self.mode * np.exp(self._sigma * special.ndtri(q)))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` float32 draws from `rng` (vectorised)."""
        if self.kind == "fixed":
            return np.full(size, self.low, dtype=np.float32)
        if self.kind == "uniform":
            out = rng.uniform(self.low, self.high, size)
        elif self.kind == "triangular":
            out = rng.triangular(self.low, self.mode, self.high, size)
        elif self.kind == "pert":
            alpha, beta = self._pert_ab
            out = self.low + rng.beta(alpha, beta, size) * (self.high - self.low)
        else:
            out = rng.lognormal(math.log(self.mode), self._sigma, size)
        return out.astype(np.float32)

    def scaled(self, factor: float) -> Distribution:
        """The same shape times `factor` (a mitigation that halves vulnerability or outage time)."""
        if factor < 0:
            raise InputError("bad_factor", f"a scaling factor must not be negative, not {factor}")
        if factor == 0:
            return Distribution.fixed(0.0)
        return Distribution(self.kind, self.low * factor, self.mode * factor, self.high * factor)

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"{self.low:g}"
        if self.kind == "lognormal":
            return f"lognormal(median {self.mode:g}, 90% {self.low:.3g}–{self.high:.3g})"
        if self.kind == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        return f"{self.kind}({self.low:g}, {self.mode:g}, {self.high:g})"

    def check_within(self, field: str, low: float, high: float) -> Distribution:
        """Refuse a distribution that reaches outside [low, high] (a probability above 1, a negative rate)."""
        if self.minimum < low or self.maximum > high:
            bound = f"[{low:g}, {high:g}]" if math.isfinite(high) else f"at least {low:g}"
            raise DistributionError(field, f"{self.describe()} must lie {bound}")
        return self


def parse_distribution(value: Any, field: str) -> Distribution:
    """A distribution from its YAML value, or from the text of a CSV cell holding the same YAML."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise DistributionError(field, "is empty; give a number or e.g. {pert: [min, mode, max]}")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DistributionError(field, f"{text!r} is not a number or a distribution") from exc
    if isinstance(value, bool):
        raise DistributionError(field, f"{value!r} is not a number")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise DistributionError(field, f"{value!r} is not a finite number")
        return Distribution.fixed(float(value))
    if not isinstance(value, dict) or len(value) != 1:
        raise DistributionError(
            field,
            f"{value!r} is not a distribution; write a number, {{triangular: [min, mode, max]}}, "
            "{pert: [min, mode, max]}, {uniform: [min, max]} or {lognormal: {median: m, p95: x}}",
        )
    ((kind, args),) = value.items()
    kind = str(kind).strip().lower()
    numbers = _numbers(args, field, kind)
    if kind in ("triangular", "pert"):
        if not isinstance(numbers, list) or len(numbers) != 3:
            raise DistributionError(field, f"{kind} needs [min, mode, max]")
        builder = Distribution.triangular if kind == "triangular" else Distribution.pert
        return builder(numbers[0], numbers[1], numbers[2], field)
    if kind == "uniform":
        if not isinstance(numbers, list) or len(numbers) != 2:
            raise DistributionError(field, "uniform needs [min, max]")
        return Distribution.uniform(numbers[0], numbers[1], field)
    if kind == "lognormal":
        if not isinstance(numbers, dict):
            raise DistributionError(field, "lognormal needs {median: m, p95: x} or {p05: a, p95: b}")
        if "median" in numbers and "p95" in numbers:
            return Distribution.lognormal(numbers["median"], numbers["p95"], field)
        if "p05" in numbers and "p95" in numbers:
            low, high = numbers["p05"], numbers["p95"]
            if not (low > 0 and high > low):
                raise DistributionError(field, f"lognormal needs 0 < p05 < p95, not {low:g}, {high:g}")
            return Distribution.lognormal(math.sqrt(low * high), high, field)
        raise DistributionError(field, "lognormal needs {median: m, p95: x} or {p05: a, p95: b}")
    raise DistributionError(
        field, f"unknown distribution {kind!r}; use triangular, pert, uniform, lognormal or a number"
    )


def _numbers(args: Any, field: str, kind: str) -> list[float] | dict[str, float]:
    def number(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DistributionError(field, f"{kind} parameter {value!r} is not a finite number")
        return float(value)

    if isinstance(args, list | tuple):
        return [number(v) for v in args]
    if isinstance(args, dict):
        return {str(k).lower(): number(v) for k, v in args.items()}
    raise DistributionError(field, f"{kind} parameters {args!r} must be a list or a mapping")
