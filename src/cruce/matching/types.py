"""What goes into screening and what comes out: a query, and ranked matches that explain themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from cruce.core.dates import PartialDate
from cruce.core.model import Entity, Identifier, Schema
from cruce.matching.scorer import CONFIG

DEFAULT_ALERT_THRESHOLD = CONFIG.threshold
"""Score at or above which a match is an alert.

A name score is matched evidence over matched plus missing evidence, so 0.80 means the evidence that agrees
is at least four times what is missing or wrong: a dropped maternal surname or middle name passes, an extra
unexplained word in a three-word name (3 / 3.9 = 0.77) does not, and a birth date years apart (x 0.5) sinks
even a perfect name. Checked, not fitted, on the evaluation in benchmarks/ (README: Benchmarks).
"""


@dataclass(frozen=True, slots=True)
class Query:
    """A party presented at the border or in a declaration: what we know about them, all but name optional."""

    name: str
    schema: Schema = Schema.UNKNOWN
    birth_date: PartialDate | None = None
    countries: tuple[str, ...] = ()  # ISO alpha-2: nationality, citizenship or residence
    gender: str | None = None  # "male" / "female"
    identifiers: tuple[Identifier, ...] = ()
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Feature:
    """One piece of evidence: a named signal, its value in [-1, 1] and a sentence a reviewer can check."""

    name: str
    value: float
    detail: str


@dataclass(frozen=True, slots=True)
class Match:
    entity: Entity
    score: float
    alert: bool
    matched_name: str
    features: tuple[Feature, ...] = field(default=())
    threshold: float = CONFIG.threshold  # the alert threshold the match was judged at

    @property
    def matcher(self) -> str:
        """Which scorer, which version and which threshold made this match (`cruce-names 2.0 @0.80`)."""
        from cruce.matching.scorer import CruceScorer

        return CruceScorer.label(self.threshold)

    @property
    def entity_id(self) -> str:
        return self.entity.id

    def reasons(self) -> str:
        """The features as one line, strongest first, for CSV output and logs."""
        ordered = sorted(self.features, key=lambda f: -abs(f.value))
        return "; ".join(f"{f.name}: {f.detail}" for f in ordered)
