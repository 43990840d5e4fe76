"""Time-ordered history of declarations: what was known of each party, code and value *before* a declaration.

A risk model that sees a declaration's own outcome, or that of a declaration lodged the same day, learns
nothing it could use at the border. So every feature here is computed from strictly earlier dates only:
rows are grouped by (key, day), totals are accumulated day by day, and a row sees the totals of the days
before its own. Outcomes count only for rows marked as labelled (inspection results arrive later than the
declarations themselves); attributes (how often an importer or a value was seen) count for every earlier row.

`build_history` does this over a whole frame (training, backtests) and returns the frozen `HistoryState` after
the last day; `HistoryState.features` computes the same features for new declarations from that state alone,
vectorised (no Python loop over rows), so batch scoring runs at hundreds of thousands of rows a second.
The state is saved as one `.npz` (no pickle) and one JSON file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from cruce.core.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

STATE_FORMAT = "cruce-history/1"

#: Text columns of a declaration frame (see cruce.scoring.declarations), read as strings.
TEXT_COLUMNS: tuple[str, ...] = (
    "office_id",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "declarant_id",
    "importer_id",
    "seller_id",
    "courier_id",
    "hs6_code",
    "departure_country",
    "origin_country",
    "tax_type",
    "origin_indicator",
)
NUMBER_COLUMNS: tuple[str, ...] = ("tax_rate_pct", "net_mass_kg", "declared_value")
REQUIRED_COLUMNS: tuple[str, ...] = ("date", *TEXT_COLUMNS, *NUMBER_COLUMNS)
OPTIONAL_COLUMNS = frozenset({"seller_id", "courier_id"})

#: Columns a key may be built from: the text columns, HS4/HS2 prefixes, and exact numeric values (an exact
#: declared value or mass seen before is a template that was used before).
DERIVED_COLUMNS: tuple[str, ...] = ("hs4_code", "hs2_code")
KEY_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, *DERIVED_COLUMNS, *NUMBER_COLUMNS)

#: Low-cardinality procedure columns that enter the model directly, as codes.
CODE_COLUMNS: tuple[str, ...] = (
    "office_id",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "tax_type",
    "origin_indicator",
)

DEFAULT_KEYS: tuple[tuple[str, ...], ...] = (
    ("importer_id",),
    ("declarant_id",),
    ("seller_id",),
    ("courier_id",),
    ("hs6_code",),
    ("hs4_code",),
    ("hs2_code",),
    ("office_id",),
    ("origin_country",),
    ("departure_country",),
    ("declared_value",),
    ("net_mass_kg",),
    ("importer_id", "hs6_code"),
    ("importer_id", "seller_id"),
    ("declarant_id", "importer_id"),
    ("hs6_code", "origin_country"),
    ("departure_country", "origin_country"),
    ("office_id", "hs6_code"),
    ("hs6_code", "tax_type"),
    ("hs6_code", "tax_rate_pct"),
    ("hs6_code", "net_mass_kg"),
    ("hs6_code", "declared_value"),
    ("declared_value", "net_mass_kg"),
)
#: Keys whose first appearance is worth a "days known" feature (parties and their pairings).
DEFAULT_SINCE_KEYS: tuple[tuple[str, ...], ...] = (
    ("importer_id",),
    ("declarant_id",),
    ("seller_id",),
    ("importer_id", "seller_id"),
    ("importer_id", "hs6_code"),
)
#: Keys that carry a unit-value and tax-rate norm.
DEFAULT_NORM_KEYS: tuple[tuple[str, ...], ...] = (
    ("hs6_code",),
    ("hs4_code",),
    ("hs2_code",),
    ("hs6_code", "origin_country"),
)

# Per-key running totals, one column each.
_N, _N_LAB, _FRAUD, _CRIT, _N_LUV, _SUM_LUV, _SUM_LUV2, _N_CLEAN, _SUM_CLEAN, _SUM_TAX = range(10)
_N_STATS = 10
_SMALL = 32  # batches up to this size take dict look-ups (single declarations at the border)
_EPOCH = np.datetime64("1970-01-01", "D")


class MissingColumnsError(InputError):
    """A declaration frame lacks columns the risk features need."""

    def __init__(self, missing: Sequence[str]) -> None:
        names = ", ".join(missing)
        super().__init__(
            "missing_columns",
            f"declarations lack column(s) {names}; map the file with a mapping preset first",
            {"missing": list(missing)},
        )


class HistoryStateError(InputError):
    """A saved history state cannot be read (wrong format or version)."""


@dataclass(frozen=True)
class HistoryConfig:
    """Which history the features keep: keys (column tuples), and how outcome rates are smoothed.

    A key with few labelled declarations gets a rate pulled towards the rate of all earlier labelled rows,
    with `smoothing` pseudo-declarations; the global rate starts at `base_fraud_rate` with `base_weight`.
    """

    keys: tuple[tuple[str, ...], ...] = DEFAULT_KEYS
    since_keys: tuple[tuple[str, ...], ...] = DEFAULT_SINCE_KEYS
    norm_keys: tuple[tuple[str, ...], ...] = DEFAULT_NORM_KEYS
    smoothing: float = 2.0
    base_fraud_rate: float = 0.2
    base_critical_rate: float = 0.01
    base_weight: float = 20.0

    def __post_init__(self) -> None:
        for key in (*self.keys, *self.since_keys, *self.norm_keys):
            unknown = [c for c in key if c not in KEY_COLUMNS]
            if unknown or not key:
                raise InputError("bad_history_key", f"history key {key!r} uses unknown column(s) {unknown}")
        for extra in (*self.since_keys, *self.norm_keys):
            if extra not in self.keys:
                raise InputError("bad_history_key", f"history key {extra!r} is not among the keys")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryConfig:
        tuples = {k: tuple(tuple(key) for key in data[k]) for k in ("keys", "since_keys", "norm_keys")}
        return cls(
            **tuples,
            smoothing=float(data["smoothing"]),
            base_fraud_rate=float(data["base_fraud_rate"]),
            base_critical_rate=float(data["base_critical_rate"]),
            base_weight=float(data["base_weight"]),
        )


def key_name(key: Sequence[str]) -> str:
    return "_x_".join(c.removesuffix("_code") if c.endswith("_code") else c for c in key)


def feature_sources(config: HistoryConfig) -> dict[str, tuple[str, ...]]:
    """The model's feature columns, in order, each with the declaration columns it is computed from."""

    def source(col: str) -> str:
        return "hs6_code" if col in DERIVED_COLUMNS else col

    sources: dict[str, tuple[str, ...]] = {
        "tax_rate_pct": ("tax_rate_pct",),
        "log_net_mass": ("net_mass_kg",),
        "log_value": ("declared_value",),
        "log_unit_value": ("declared_value", "net_mass_kg"),
    }
    sources.update({f"{c}__code": (c,) for c in CODE_COLUMNS})
    value = ("declared_value", "net_mass_kg")
    for key in config.keys:
        k = key_name(key)
        cols = tuple(dict.fromkeys(source(c) for c in key))
        for stat in ("n", "n_lab", "n_fraud", "fraud_rate", "crit_rate"):
            sources[f"{k}__{stat}"] = cols
        if key in config.since_keys:
            sources[f"{k}__days_known"] = cols
        if key in config.norm_keys:
            sources[f"{k}__unit_value_z"] = (*cols, *value)
            sources[f"{k}__unit_value_vs_clean"] = (*cols, *value)
            sources[f"{k}__tax_rate_diff"] = (*cols, "tax_rate_pct")
    return sources


def feature_names(config: HistoryConfig) -> list[str]:
    """The model's feature columns, in order."""
    return list(feature_sources(config))


@dataclass
class _Columns:
    """A declaration frame read into plain arrays once."""

    n: int
    day: IntArray
    values: dict[str, npt.NDArray[Any]]
    luv: FloatArray
    tax: FloatArray
    log_mass: FloatArray
    log_value: FloatArray


def _read(frame: pd.DataFrame) -> _Columns:
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise MissingColumnsError(missing)
    day = _days(frame)
    values: dict[str, npt.NDArray[Any]] = {}
    for col in TEXT_COLUMNS:
        series = frame[col]
        arr = series.astype(object).to_numpy()
        isna = pd.isna(arr)
        if isna.any():
            if col not in OPTIONAL_COLUMNS:
                raise InputError("missing_value", f"column {col} has empty values", {"column": col})
            arr = arr.copy()
            arr[isna] = None
        if series.dtype != object and not isinstance(series.dtype, pd.StringDtype):
            arr = np.array([None if v is None else str(v) for v in arr], dtype=object)
        values[col] = arr
    hs6 = values["hs6_code"]
    hs6_str = pd.Series(hs6, dtype="string")
    values["hs4_code"] = hs6_str.str.slice(0, 4).astype(object).to_numpy()
    values["hs2_code"] = hs6_str.str.slice(0, 2).astype(object).to_numpy()
    numbers = {c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64) for c in NUMBER_COLUMNS}
    for col, arr in numbers.items():
        values[col] = arr
    log_mass, log_value = _logs(numbers["net_mass_kg"], numbers["declared_value"])
    return _Columns(
        n=len(frame),
        day=day,
        values=values,
        luv=log_value - log_mass,
        tax=numbers["tax_rate_pct"],
        log_mass=log_mass,
        log_value=log_value,
    )


def _vocabulary(values: npt.NDArray[Any]) -> pd.Index:  # type: ignore[type-arg]
    """Sorted distinct non-missing values of one column."""
    series = pd.Series(values)
    uniques = series.dropna().unique()
    if series.dtype.kind == "f":
        return pd.Index(np.sort(np.asarray(uniques, dtype=np.float64)))
    return pd.Index(sorted(str(v) for v in uniques), dtype=object)


def _positions(index: pd.Index, values: Any) -> IntArray:  # type: ignore[type-arg]
    """`index.get_indexer` for arrays and series too (the stubs admit only an Index; wrapping one copies)."""
    return np.asarray(cast(Any, index).get_indexer(values), dtype=np.int64)


def _codes(vocab: pd.Index, values: npt.NDArray[Any]) -> IntArray:  # type: ignore[type-arg]
    """Position of each value in the vocabulary; -1 when missing, -2 when never seen."""
    codes = _positions(vocab, values)
    codes[codes < 0] = -2
    codes[pd.isna(values)] = -1
    return codes


def _combine(parts: Sequence[IntArray], sizes: Sequence[int]) -> IntArray:
    """One int64 code per row for a tuple key: -1 if any part is missing, -2 if any part was never seen."""
    out = parts[0].copy()
    for part, size in zip(parts[1:], sizes[1:], strict=True):
        out = out * np.int64(size) + part
    any_missing = np.zeros(len(out), dtype=bool)
    any_unseen = np.zeros(len(out), dtype=bool)
    for part in parts:
        any_missing |= part == -1
        any_unseen |= part == -2
    out[any_unseen] = -2
    out[any_missing] = -1
    return out


def _row_stats(
    cols: _Columns, fraud: FloatArray, crit: FloatArray, labelled: npt.NDArray[np.bool_]
) -> FloatArray:
    """What each row adds to its keys' running totals."""
    stats = np.zeros((cols.n, _N_STATS), dtype=np.float64)
    lab = labelled.astype(np.float64)
    has_luv = np.isfinite(cols.luv)
    luv = np.where(has_luv, cols.luv, 0.0)
    clean = has_luv & labelled & (fraud == 0)
    stats[:, _N] = 1.0
    stats[:, _N_LAB] = lab
    stats[:, _FRAUD] = np.where(labelled, fraud, 0.0)
    stats[:, _CRIT] = np.where(labelled, crit, 0.0)
    stats[:, _N_LUV] = has_luv
    stats[:, _SUM_LUV] = luv
    stats[:, _SUM_LUV2] = luv * luv
    stats[:, _N_CLEAN] = clean
    stats[:, _SUM_CLEAN] = np.where(clean, luv, 0.0)
    stats[:, _SUM_TAX] = np.nan_to_num(cols.tax)
    return stats


@dataclass
class _KeyTotals:
    """Totals per key value after the whole history: sorted codes, their totals and first day seen."""

    codes: IntArray
    totals: FloatArray
    first_day: IntArray


def _expanding(code: IntArray, day: IntArray, stats: FloatArray) -> tuple[FloatArray, FloatArray, _KeyTotals]:
    """Per row: totals over earlier days of the same key, and the day the key was first seen (NaN if never).

    Same-day rows share one group, so they never see each other. Missing keys (-1) get NaN.
    """
    n = len(code)
    prior = np.full((n, stats.shape[1]), np.nan)
    first = np.full(n, np.nan)
    ok = code >= 0
    if not ok.any():
        empty = _KeyTotals(np.zeros(0, np.int64), np.zeros((0, stats.shape[1])), np.zeros(0, np.int64))
        return prior, first, empty
    c, d, s = code[ok], day[ok], stats[ok]
    d0 = int(d.min())
    span = np.int64(int(d.max()) - d0 + 1)
    groups, inverse = np.unique(c * span + (d - d0), return_inverse=True)
    inverse = inverse.reshape(-1)
    gsum = np.zeros((len(groups), s.shape[1]))
    for j in range(s.shape[1]):
        gsum[:, j] = np.bincount(inverse, weights=s[:, j], minlength=len(groups))
    gkey = groups // span
    gday = groups % span + d0
    starts = np.r_[True, gkey[1:] != gkey[:-1]]
    block = np.cumsum(starts) - 1
    running = pd.DataFrame(gsum).groupby(block).cumsum().to_numpy()
    before = running - gsum
    prior[ok] = before[inverse]
    first_of_block = gday[starts][block]
    gfirst = np.where(gday > first_of_block, first_of_block, np.nan)
    first[ok] = gfirst[inverse]
    ends = np.r_[starts[1:], True]
    totals = _KeyTotals(codes=gkey[starts], totals=running[ends], first_day=gday[starts].astype(np.int64))
    return prior, first, totals


def _global_prior(
    day: IntArray, fraud: FloatArray, crit: FloatArray, labelled: npt.NDArray[np.bool_]
) -> FloatArray:
    """Labelled, fraud and critical counts over all earlier days, per row (n × 3)."""
    stats = np.stack(
        [labelled.astype(np.float64), np.where(labelled, fraud, 0.0), np.where(labelled, crit, 0.0)], 1
    )
    prior, _, _ = _expanding(np.zeros(len(day), dtype=np.int64), day, stats)
    return prior


def _rate_block(
    prior: FloatArray, base_fraud: npt.ArrayLike, base_crit: npt.ArrayLike, w: float
) -> FloatArray:
    """Columns n, n_lab, n_fraud, fraud_rate, crit_rate from running totals (rates smoothed towards base)."""
    n_lab = prior[:, _N_LAB]
    return np.column_stack(
        [
            prior[:, _N],
            n_lab,
            prior[:, _FRAUD],
            (prior[:, _FRAUD] + w * np.asarray(base_fraud)) / (n_lab + w),
            (prior[:, _CRIT] + w * np.asarray(base_crit)) / (n_lab + w),
        ]
    )


def _norm_stats(prior: FloatArray) -> FloatArray:
    """Columns mean log unit value, its spread, mean among clean rows, mean tax rate (NaN when no rows)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n_luv = prior[:, _N_LUV]
        mean = prior[:, _SUM_LUV] / n_luv
        var = np.clip(prior[:, _SUM_LUV2] / n_luv - mean * mean, 0.0, None)
        clean = prior[:, _SUM_CLEAN] / prior[:, _N_CLEAN]
        tax = prior[:, _SUM_TAX] / prior[:, _N]
    return np.column_stack(
        [
            np.where(n_luv > 0, mean, np.nan),
            np.where(n_luv > 0, np.sqrt(var + 0.25), np.nan),
            np.where(prior[:, _N_CLEAN] > 0, clean, np.nan),
            np.where(prior[:, _N] > 0, tax, np.nan),
        ]
    )


def _norm_features(luv: FloatArray, tax: FloatArray, stats: FloatArray) -> FloatArray:
    """Columns unit_value_z, unit_value_vs_clean, tax_rate_diff of each row against its key's norm."""
    return np.column_stack([(luv - stats[:, 0]) / stats[:, 1], luv - stats[:, 2], tax - stats[:, 3]])


class _FeatureWriter:
    """Turns per-key totals into the named model features (shared by build and frozen-state scoring)."""

    def __init__(self, config: HistoryConfig, cols: _Columns, global_prior: FloatArray) -> None:
        self.config = config
        self.cols = cols
        self.names = feature_names(config)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.matrix = np.full((cols.n, len(self.names)), np.nan, dtype=np.float32, order="F")
        w = config.base_weight
        self.base_fraud = (global_prior[:, 1] + w * config.base_fraud_rate) / (global_prior[:, 0] + w)
        self.base_crit = (global_prior[:, 2] + w * config.base_critical_rate) / (global_prior[:, 0] + w)
        self._put("tax_rate_pct", cols.tax)
        self._put("log_net_mass", cols.log_mass)
        self._put("log_value", cols.log_value)
        self._put("log_unit_value", cols.luv)

    def _put(self, name: str, values: npt.NDArray[Any]) -> None:
        self.matrix[:, self.index[name]] = values

    def codes(self, column: str, codes: IntArray) -> None:
        self._put(f"{column}__code", np.where(codes >= 0, codes, np.nan))

    def key(self, key: tuple[str, ...], prior: FloatArray, first_day: FloatArray) -> None:
        k = key_name(key)
        j = self.index[f"{k}__n"]
        self.matrix[:, j : j + 5] = _rate_block(prior, self.base_fraud, self.base_crit, self.config.smoothing)
        if key in self.config.since_keys:
            self._put(f"{k}__days_known", self.cols.day - first_day)
        if key in self.config.norm_keys:
            j = self.index[f"{k}__unit_value_z"]
            self.matrix[:, j : j + 3] = _norm_features(self.cols.luv, self.cols.tax, _norm_stats(prior))

    def frame(self, index: pd.Index) -> pd.DataFrame:  # type: ignore[type-arg]
        return pd.DataFrame(self.matrix, columns=self.names, index=index)


def outcome_values(series: pd.Series) -> FloatArray:  # type: ignore[type-arg]
    """An outcome column (bool, nullable boolean, 0/1 numbers or text) as floats, NaN where unknown."""
    numbers = series if pd.api.types.is_bool_dtype(series.dtype) else pd.to_numeric(series, errors="coerce")
    return np.asarray(numbers.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _labels(
    frame: pd.DataFrame, labelled: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    n = len(frame)
    fraud = outcome_values(frame["fraud"]) if "fraud" in frame.columns else np.full(n, np.nan)
    crit = (
        outcome_values(frame["critical_fraud"]) if "critical_fraud" in frame.columns else np.full(n, np.nan)
    )
    known = np.isfinite(fraud)
    if labelled is not None:
        mask = np.asarray(labelled, dtype=bool)
        if mask.shape != (n,):
            raise InputError("bad_labelled_mask", f"labelled mask has shape {mask.shape}, expected ({n},)")
        known &= mask
    crit = np.where(np.isfinite(crit), crit, 0.0)
    return np.nan_to_num(fraud), crit, known


@dataclass
class _Lookup:
    """One key's frozen totals laid out for gathering; row m is "key missing", row m+1 "never seen"."""

    codes: IntArray
    single_size: int | None
    block: npt.NDArray[np.float32]
    first: FloatArray
    norm: FloatArray | None
    _index: pd.Index | None = None  # type: ignore[type-arg]
    _dense: IntArray | None = None
    _dict: dict[int, int] | None = None

    def position(self, combined: IntArray) -> IntArray:
        m = len(self.codes)
        if self.single_size is None and len(combined) <= _SMALL:
            if self._dict is None:
                self._dict = {code: i for i, code in enumerate(self.codes.tolist())}
            lookup = self._dict
            return np.array(
                [m if c == -1 else lookup.get(c, m + 1) for c in combined.tolist()], dtype=np.int64
            )
        if self.single_size is not None:
            if self._dense is None:
                self._dense = np.full(self.single_size + 1, m + 1, dtype=np.int64)
                self._dense[self.codes] = np.arange(m, dtype=np.int64)
            pos = self._dense[np.clip(combined, 0, None)]
        else:
            if self._index is None:
                self._index = pd.Index(self.codes)
            pos = _positions(self._index, combined)
            pos[pos < 0] = m + 1
        pos[combined == -2] = m + 1
        pos[combined == -1] = m
        return pos


def _logs(mass: FloatArray, value: FloatArray) -> tuple[FloatArray, FloatArray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.clip(mass, 0, None) + 0.01), np.log(np.clip(value, 0, None) + 1.0)


def _days(frame: pd.DataFrame) -> IntArray:
    dates = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[D]")
    if np.isnat(dates).any():
        raise InputError("bad_date", "some declarations have no date")
    return (dates - _EPOCH).astype(np.int64)


def build_history(
    frame: pd.DataFrame, config: HistoryConfig | None = None, labelled: npt.ArrayLike | None = None
) -> tuple[pd.DataFrame, HistoryState]:
    """Out-of-time features for every row of `frame`, and the state after its last day.

    Rows may come in any order; a row sees only rows of strictly earlier dates. Outcomes (`fraud`,
    `critical_fraud`) count only where `labelled` is true (default: wherever `fraud` is present), so a
    backtest passes its own period as unlabelled: attributes of earlier declarations count, outcomes do not.
    """
    config = config or HistoryConfig()
    cols = _read(frame)
    fraud, crit, known = _labels(frame, labelled)
    stats = _row_stats(cols, fraud, crit, known)
    writer = _FeatureWriter(config, cols, _global_prior(cols.day, fraud, crit, known))
    vocab = {c: _vocabulary(cols.values[c]) for c in KEY_COLUMNS}
    codes = {c: _codes(vocab[c], cols.values[c]) for c in KEY_COLUMNS}
    for c in CODE_COLUMNS:
        writer.codes(c, codes[c])
    keys: dict[tuple[str, ...], _KeyTotals] = {}
    for key in config.keys:
        combined = _combine([codes[c] for c in key], [len(vocab[c]) for c in key])
        prior, first, totals = _expanding(combined, cols.day, stats)
        writer.key(key, prior, first)
        keys[key] = totals
    global_totals = np.array([known.sum(), fraud[known].sum(), crit[known].sum()], dtype=np.float64)
    state = HistoryState(
        config=config,
        vocab=vocab,
        keys=keys,
        global_totals=global_totals,
        last_day=int(cols.day.max()) if cols.n else 0,
        rows=cols.n,
    )
    return writer.frame(frame.index), state


@dataclass
class HistoryState:
    """Frozen totals after a history of declarations; computes features for declarations dated after it."""

    config: HistoryConfig
    vocab: dict[str, pd.Index]  # type: ignore[type-arg]
    keys: dict[tuple[str, ...], _KeyTotals]
    global_totals: FloatArray
    last_day: int
    rows: int
    meta: dict[str, Any] = field(default_factory=dict)
    _tables: dict[tuple[str, ...], _Lookup] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _parents: dict[str, IntArray] = field(default_factory=dict, init=False, repr=False, compare=False)
    _dicts: dict[str, dict[Any, int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def last_date(self) -> str:
        return str(_EPOCH + np.timedelta64(self.last_day, "D"))

    def feature_names(self) -> list[str]:
        return feature_names(self.config)

    def features(self, frame: pd.DataFrame, sequential: bool = False) -> pd.DataFrame:
        """Features of new declarations from the frozen history, as a frame (see `matrix`)."""
        return pd.DataFrame(self.matrix(frame, sequential), columns=self.feature_names(), index=frame.index)

    def matrix(self, frame: pd.DataFrame, sequential: bool = False) -> npt.NDArray[np.float32]:
        """Features of new declarations from the frozen history: float32, column-major (as LightGBM reads it).

        By default rows do not see each other: this is what `build_history` gives a row dated after the
        history that is the first of its day, so training and scoring features mean the same thing; it is a
        handful of hash look-ups and gathers per key, vectorised. With `sequential=True` (backtests over a
        period) a row also counts the *attributes* of batch rows of earlier dates (how often its importer,
        value, pairing was declared), never their outcomes.
        """
        if sequential:
            return self._sequential_matrix(frame)
        return self._frozen_matrix(frame)

    def _sequential_matrix(self, frame: pd.DataFrame) -> npt.NDArray[np.float32]:
        cols = _read(frame)
        writer = _FeatureWriter(self.config, cols, np.broadcast_to(self.global_totals, (cols.n, 3)))
        used = self._columns_used()
        codes = {c: _codes(self.vocab[c], cols.values[c]) for c in used}
        for c in CODE_COLUMNS:
            writer.codes(c, codes[c])
        local_vocab = {c: _vocabulary(cols.values[c]) for c in used}
        local_codes = {c: _codes(local_vocab[c], cols.values[c]) for c in used}
        none = np.zeros(cols.n, dtype=np.float64)
        attributes = _row_stats(cols, none, none, np.zeros(cols.n, dtype=bool))
        for key in self.config.keys:
            combined = _combine([codes[c] for c in key], [len(self.vocab[c]) for c in key])
            prior, first = self._totals_of(key, combined)
            local = _combine([local_codes[c] for c in key], [len(local_vocab[c]) for c in key])
            batch_prior, batch_first, _ = _expanding(local, cols.day, attributes)
            writer.key(key, prior + np.nan_to_num(batch_prior), np.fmin(first, batch_first))
        return writer.matrix

    def _frozen_matrix(self, frame: pd.DataFrame) -> npt.NDArray[np.float32]:
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise MissingColumnsError(missing)
        names = self.feature_names()
        index = {name: i for i, name in enumerate(names)}
        n = len(frame)
        out = np.empty((n, len(names)), dtype=np.float32, order="F")
        numbers = {
            c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64) for c in NUMBER_COLUMNS
        }
        tax = numbers["tax_rate_pct"]
        log_mass, log_value = _logs(numbers["net_mass_kg"], numbers["declared_value"])
        luv = log_value - log_mass
        out[:, index["tax_rate_pct"]] = tax
        out[:, index["log_net_mass"]] = log_mass
        out[:, index["log_value"]] = log_value
        out[:, index["log_unit_value"]] = luv
        day = _days(frame) if self.config.since_keys else np.zeros(n, dtype=np.int64)
        codes: dict[str, IntArray] = {}
        for col in self._columns_used():
            if col in NUMBER_COLUMNS:
                codes[col] = (
                    self._small_codes(col, numbers[col].tolist(), required=False)
                    if n <= _SMALL
                    else _codes(self.vocab[col], numbers[col])
                )
            elif col in TEXT_COLUMNS:
                codes[col] = self._text_codes(frame, col)
        for col in DERIVED_COLUMNS:
            if col in self._columns_used():
                codes[col] = self._derived_codes(frame, col, codes.get("hs6_code"))
        for col in CODE_COLUMNS:
            out[:, index[f"{col}__code"]] = np.where(codes[col] >= 0, codes[col], np.nan)
        for key in self.config.keys:
            table = self._table(key)
            combined = _combine([codes[c] for c in key], [len(self.vocab[c]) for c in key])
            pos = table.position(combined)
            k = key_name(key)
            j = index[f"{k}__n"]
            out[:, j : j + 5] = table.block[pos]
            if key in self.config.since_keys:
                out[:, index[f"{k}__days_known"]] = day - table.first[pos]
            if table.norm is not None:
                j = index[f"{k}__unit_value_z"]
                out[:, j : j + 3] = _norm_features(luv, tax, table.norm[pos])
        return out

    def _text_codes(self, frame: pd.DataFrame, col: str) -> IntArray:
        series = frame[col]
        if series.dtype != object and not isinstance(series.dtype, pd.StringDtype):
            series = series.astype("string")
        if len(series) <= _SMALL:
            return self._small_codes(col, series.tolist(), required=col not in OPTIONAL_COLUMNS)
        codes = _positions(self.vocab[col], series)
        not_found = np.flatnonzero(codes < 0)
        if len(not_found):
            # Only rows the vocabulary lacks can be empty: check those, not the whole column.
            isna = series.iloc[not_found].isna().to_numpy()
            if col not in OPTIONAL_COLUMNS and isna.any():
                raise InputError("missing_value", f"column {col} has empty values", {"column": col})
            codes[not_found] = np.where(isna, -1, -2)
        return codes

    def _small_codes(self, col: str, values: list[Any], required: bool) -> IntArray:
        """Codes for a few rows through a dict: a pandas look-up costs tens of microseconds per call."""
        lookup = self._dicts.get(col)
        if lookup is None:
            lookup = {v: i for i, v in enumerate(self.vocab[col].tolist())}
            self._dicts[col] = lookup
        codes = np.empty(len(values), dtype=np.int64)
        for i, value in enumerate(values):
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                if required:
                    raise InputError("missing_value", f"column {col} has empty values", {"column": col})
                codes[i] = -1
            else:
                codes[i] = lookup.get(value, -2)
        return codes

    def _derived_codes(self, frame: pd.DataFrame, col: str, hs6: IntArray | None) -> IntArray:
        """HS4/HS2 codes through the HS6 vocabulary (no string slicing except for never-seen HS6 codes)."""
        digits = 4 if col == "hs4_code" else 2
        if hs6 is None:
            hs6 = self._text_codes(frame, "hs6_code")
        parent = self._parents.get(col)
        if parent is None:
            prefixes = pd.Index(self.vocab["hs6_code"]).str.slice(0, digits)
            parent = _positions(self.vocab[col], prefixes)
            parent[parent < 0] = -2
            self._parents[col] = parent
        codes = np.full(len(hs6), -2, dtype=np.int64)
        seen = hs6 >= 0
        codes[seen] = parent[hs6[seen]]
        unseen = hs6 == -2
        if unseen.any():
            prefixes = frame["hs6_code"].astype("string")[unseen].str.slice(0, digits)
            found = _positions(self.vocab[col], prefixes)
            codes[unseen] = np.where(found >= 0, found, -2)
        return codes

    def _table(self, key: tuple[str, ...]) -> _Lookup:
        table = self._tables.get(key)
        if table is None:
            cfg = self.config
            labelled, fraud, crit = (float(v) for v in self.global_totals)
            w = cfg.base_weight
            base_fraud = (fraud + w * cfg.base_fraud_rate) / (labelled + w)
            base_crit = (crit + w * cfg.base_critical_rate) / (labelled + w)
            totals = self.keys[key]
            prior = np.vstack([totals.totals, np.full((1, _N_STATS), np.nan), np.zeros((1, _N_STATS))])
            table = _Lookup(
                codes=totals.codes,
                single_size=len(self.vocab[key[0]]) if len(key) == 1 else None,
                block=_rate_block(prior, base_fraud, base_crit, cfg.smoothing).astype(np.float32),
                first=np.r_[totals.first_day.astype(np.float64), np.nan, np.nan],
                norm=_norm_stats(prior) if key in cfg.norm_keys else None,
            )
            self._tables[key] = table
        return table

    def _columns_used(self) -> list[str]:
        used = set(CODE_COLUMNS)
        for key in self.config.keys:
            used.update(key)
        if used & set(DERIVED_COLUMNS):
            used.add("hs6_code")
        return [c for c in KEY_COLUMNS if c in used]

    def _totals_of(self, key: tuple[str, ...], combined: IntArray) -> tuple[FloatArray, FloatArray]:
        """Running totals and first day per row from the frozen state (zero if never seen, NaN if missing)."""
        totals = self.keys[key]
        n = len(combined)
        prior = np.zeros((n, _N_STATS))
        first = np.full(n, np.nan)
        pos = np.searchsorted(totals.codes, combined)
        pos_ok = np.minimum(pos, max(len(totals.codes) - 1, 0))
        found = (combined >= 0) & (pos < len(totals.codes))
        if len(totals.codes):
            found &= totals.codes[pos_ok] == combined
        prior[found] = totals.totals[pos_ok[found]]
        first[found] = totals.first_day[pos_ok[found]]
        prior[combined == -1] = np.nan
        return prior, first

    # --- persistence -------------------------------------------------------------------------------------

    def save(self, directory: Path | str, stem: str = "history") -> None:
        """Write `<stem>.npz` (arrays, no pickle) and `<stem>.json` (config, format, key order)."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[Any]] = {"global_totals": self.global_totals}
        vocab_kinds: dict[str, str] = {}
        for col, index in self.vocab.items():
            if index.dtype.kind == "f":
                arrays[f"vocab:{col}"] = np.asarray(index, dtype=np.float64)
                vocab_kinds[col] = "float"
            else:
                arrays[f"vocab:{col}"] = np.asarray(index, dtype=str)
                vocab_kinds[col] = "str"
        for i, key in enumerate(self.config.keys):
            totals = self.keys[key]
            arrays[f"key{i}:codes"] = totals.codes
            arrays[f"key{i}:totals"] = totals.totals
            arrays[f"key{i}:first_day"] = totals.first_day
        np.savez_compressed(path / f"{stem}.npz", **arrays)  # type: ignore[arg-type]
        meta = {
            "format": STATE_FORMAT,
            "config": self.config.to_dict(),
            "vocab_kinds": vocab_kinds,
            "last_day": self.last_day,
            "last_date": self.last_date,
            "rows": self.rows,
            "meta": self.meta,
        }
        (path / f"{stem}.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path | str, stem: str = "history") -> HistoryState:
        path = Path(directory)
        try:
            meta = json.loads((path / f"{stem}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HistoryStateError(
                "bad_history_state", f"cannot read {path / (stem + '.json')}: {exc}"
            ) from exc
        if meta.get("format") != STATE_FORMAT:
            raise HistoryStateError(
                "bad_history_state",
                f"{path} holds history format {meta.get('format')!r}, expected {STATE_FORMAT}",
            )
        config = HistoryConfig.from_dict(meta["config"])
        with np.load(path / f"{stem}.npz", allow_pickle=False) as data:
            vocab: dict[str, pd.Index] = {}  # type: ignore[type-arg]
            for col, kind in meta["vocab_kinds"].items():
                arr = data[f"vocab:{col}"]
                vocab[col] = pd.Index(
                    arr.astype(np.float64) if kind == "float" else arr.astype(object), dtype=None
                )
            keys = {
                key: _KeyTotals(
                    codes=data[f"key{i}:codes"].astype(np.int64),
                    totals=data[f"key{i}:totals"].astype(np.float64),
                    first_day=data[f"key{i}:first_day"].astype(np.int64),
                )
                for i, key in enumerate(config.keys)
            }
            global_totals = data["global_totals"].astype(np.float64)
        return cls(
            config=config,
            vocab=vocab,
            keys=keys,
            global_totals=global_totals,
            last_day=int(meta["last_day"]),
            rows=int(meta["rows"]),
            meta=dict(meta.get("meta", {})),
        )
