"""Shadow mode: what a candidate rule set or model would have changed, had it been live.

Before a new model or rule set goes live, run it beside the live one over the same historical items and
compare the decisions each makes at the same inspection rate: which items the candidate would newly inspect,
which it would release, and how many frauds each would have caught. Where an item's outcome is known the
catch is counted; where it is not, the calibrated score is the expected catch, so the comparison does not
flatter whichever scorer picked the items that happened to be inspected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cruce.core.errors import InputError
from cruce.scoring.evaluation import inspected_count, inspection_order

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ShadowItem:
    """One item whose decision the candidate changes."""

    item_id: str
    live_score: float
    candidate_score: float
    outcome: bool | None


@dataclass(frozen=True, slots=True)
class ShadowReport:
    """The two scorers' decisions over the same items at the same inspection rate."""

    items: int
    inspection_rate: float
    inspected: int
    newly_inspected: list[ShadowItem]
    newly_released: list[ShadowItem]
    live_catches: float
    candidate_catches: float
    catches_are_expected: bool  # True when some outcomes were unknown and scores stood in for them

    @property
    def both_inspect(self) -> int:
        return self.inspected - len(self.newly_inspected)

    @property
    def catch_change(self) -> float:
        return self.candidate_catches - self.live_catches


def inspected_at_rate(scores: FloatArray, rate: float) -> npt.NDArray[np.bool_]:
    """What a scorer inspects at a rate, counted and ordered as every evaluation in cruce counts them."""
    chosen = np.zeros(len(scores), dtype=bool)
    chosen[inspection_order(scores)[: inspected_count(len(scores), rate)]] = True
    return chosen


def compare(
    item_ids: Sequence[str],
    live: FloatArray,
    candidate: FloatArray,
    rate: float,
    outcomes: npt.NDArray[np.float64] | None = None,
) -> ShadowReport:
    """Decisions of the live and the candidate scorer at one inspection rate, and what changes.

    `outcomes` holds 1.0 (fraud found), 0.0 (clean) or NaN (never inspected) per item; without it every
    catch is expected from the scorer's own calibrated score.
    """
    if not len(item_ids) == len(live) == len(candidate):
        raise InputError("shadow_mismatch", "live and candidate scores must cover the same items")
    truth = np.full(len(live), np.nan) if outcomes is None else np.asarray(outcomes, dtype=np.float64)
    live_pick = inspected_at_rate(live, rate)
    candidate_pick = inspected_at_rate(candidate, rate)
    unknown = np.isnan(truth)

    def catches(picked: npt.NDArray[np.bool_], scores: FloatArray) -> float:
        expected = np.where(unknown, np.clip(scores, 0.0, 1.0), truth)
        return float(expected[picked].sum())

    def items(mask: npt.NDArray[np.bool_]) -> list[ShadowItem]:
        rows = np.flatnonzero(mask)
        rows = rows[np.argsort(-np.maximum(live[rows], candidate[rows]), kind="stable")]
        return [
            ShadowItem(
                str(item_ids[int(row)]),
                float(live[row]),
                float(candidate[row]),
                None if unknown[row] else bool(truth[row]),
            )
            for row in rows
        ]

    return ShadowReport(
        items=len(live),
        inspection_rate=rate,
        inspected=int(live_pick.sum()),
        newly_inspected=items(candidate_pick & ~live_pick),
        newly_released=items(live_pick & ~candidate_pick),
        live_catches=catches(live_pick, live),
        candidate_catches=catches(candidate_pick, candidate),
        catches_are_expected=bool(unknown[live_pick | candidate_pick].any()),
    )
