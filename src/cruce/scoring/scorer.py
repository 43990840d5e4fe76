"""One cargo risk score per declaration: the learned model and the transparent rules, with their reasons.

The model ranks (it is what reaches the inspection-rate targets); the rules state what policy says must
never be missed. They combine as `max(model, rules)`: a fired rule sets a floor under the score (a
watchlist alert, weight 1, always means inspect) but a weak rule cannot reorder the items the model is
sure about, which a sum or noisy-OR of the two would do. Reasons list the fired rules first (heaviest
first), then the model features that pushed the score up most.

Rules read the declaration's columns, the model's history features (`<key>__<statistic>`, computed from
earlier declarations only) and the party screening columns (`watchlist_alert`, `watchlist_score`,
`watchlist_detail`), which the caller adds when it has screened the parties; without them no party is
taken to be listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cruce.scoring.declarations import DECLARATION_FIELDS
from cruce.scoring.model import RiskModel
from cruce.scoring.rules import Rule, RuleError, RuleSet

FloatArray = npt.NDArray[np.float64]

SCREENING_COLUMNS = ("watchlist_alert", "watchlist_score", "watchlist_detail")


@dataclass(frozen=True, slots=True)
class ScoredDeclarations:
    """Scores of a batch, in its row order."""

    declaration_ids: list[str]
    score: FloatArray  # the combined score lanes and inspections use
    critical_score: FloatArray
    model_score: FloatArray
    rule_score: FloatArray
    reasons: list[list[str]]  # empty lists when reasons were not asked for
    model_version: str
    rules_label: str | None

    def __len__(self) -> int:
        return len(self.declaration_ids)


class CargoScorer:
    """A trained model and an optional rule set, scored together."""

    def __init__(self, model: RiskModel, rules: RuleSet | None = None) -> None:
        self.model = model
        self.rules = rules
        if rules is not None:
            readable = {*DECLARATION_FIELDS, *model.history.feature_names(), *SCREENING_COLUMNS}
            unknown = sorted(rules.inputs - readable)
            if unknown:
                raise RuleError(
                    "rule_input_unknown",
                    f"rule set {rules.label} reads {', '.join(unknown)}, which neither a declaration nor "
                    "this model's history provides (history columns are named <key>__<statistic>, e.g. "
                    "importer_id__n_fraud)",
                )

    def score(
        self,
        frame: pd.DataFrame,
        *,
        explain: bool = True,
        top: int = 3,
        sequential: bool = False,
    ) -> ScoredDeclarations:
        """Score every declaration; `sequential` lets earlier rows of the batch count as history.

        With `explain`, every declaration gets its fired rules and its model reasons (TreeSHAP, the costly
        part of scoring: leave it off for bulk rescoring where only the scores are needed).
        """
        scores = self.model.predict(frame, sequential=sequential)
        context = self._context(frame, sequential) if self.rules is not None else frame
        hits = self.rules.evaluate(context) if self.rules is not None else None
        rule_score = hits.score if hits is not None else np.zeros(len(frame))
        combined = np.maximum(scores.score, rule_score)
        reasons: list[list[str]] = []
        if explain and len(frame):
            fired = self.rules.reasons(hits, context) if self.rules and hits is not None else None
            reasons = (
                [list(row[:top]) for row in fired] if fired is not None else [[] for _ in range(len(frame))]
            )
            explained = self.model.explain(frame, top=top, sequential=sequential)
            for row, row_reasons in enumerate(explained):
                said = _history_keys(hits.fired_rules(row)[:top]) if hits is not None else set()
                reasons[row].extend(
                    [
                        r.sentence
                        for r in row_reasons
                        if r.contribution > 0 and r.feature.split("__")[0] not in said
                    ][:top]
                )
        return ScoredDeclarations(
            declaration_ids=[str(value) for value in frame["declaration_id"].tolist()],
            score=combined,
            critical_score=scores.critical_score,
            model_score=scores.score,
            rule_score=rule_score,
            reasons=reasons,
            model_version=self.model.version,
            rules_label=self.rules.label if self.rules is not None else None,
        )

    def _context(self, frame: pd.DataFrame, sequential: bool) -> pd.DataFrame:
        """What rules may read: the declaration, its history features, and party screening."""
        history = self.model.history.features(frame, sequential=sequential)
        history.index = frame.index
        context = pd.concat(
            [frame, history.drop(columns=[c for c in history.columns if c in frame.columns])], axis=1
        )
        defaults = {"watchlist_alert": False, "watchlist_score": 0.0, "watchlist_detail": None}
        for column, default in defaults.items():
            if column not in context.columns:
                context[column] = default
        return context


def _history_keys(rules: Sequence[Rule]) -> set[str]:
    """The history keys (`importer_id` of `importer_id__n_fraud`) the shown rules already speak of.

    A model reason about the same key would say the same fact again in other words, so it is left out.
    """
    return {name.split("__")[0] for rule in rules for name in rule.inputs if "__" in name}
