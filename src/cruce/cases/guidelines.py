"""Prosecution guidelines per partner: the checklist a case is checked against before it is referred.

A guideline is configuration (YAML), one per jurisdiction, shipped as presets in `cases/guidelines/`
(`MEX.yaml`, `USA.yaml`, `CAN.yaml`); a deployment may load its own file. It names facts of the case
(`FACTS`) with thresholds: every rule under `require` must hold, and at least one under `any_of` (the
aggravating circumstances a prosecutor takes such cases for). `check` says which hold, and in words what is
missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cruce.cases.casefile import Case, SubjectKind
from cruce.core.errors import InputError

FACTS: Mapping[str, Callable[[Case], float]] = {
    "migrants": lambda c: sum(e.migrants for e in c.events),
    "minors": lambda c: sum(e.minors for e in c.events),
    "deaths": lambda c: sum(e.deaths for e in c.events),
    "endangered": lambda c: sum(1 for e in c.events if e.endangered or e.deaths),
    "prior_offences": lambda c: max((s.prior_offences for s in c.subjects), default=0),
    "seized_usd": lambda c: sum(e.seized_usd for e in c.events),
    "persons": lambda c: sum(1 for s in c.subjects if s.kind is SubjectKind.PERSON),
    "subjects": lambda c: len(c.subjects),
    "evidence": lambda c: len(c.evidence),
    "events": lambda c: len(c.events),
}
"""What a rule can be written in, each computed from the case (the parts the checker can see)."""


@dataclass(frozen=True, slots=True)
class Rule:
    fact: str
    at_least: float
    label: str


@dataclass(frozen=True, slots=True)
class Guideline:
    partner: str
    name: str
    require: tuple[Rule, ...]
    any_of: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: Rule
    value: float
    met: bool


@dataclass(frozen=True, slots=True)
class GuidelineCheck:
    """The outcome: `met` when every required rule and at least one aggravating one hold."""

    partner: str
    guideline: str
    met: bool
    required: tuple[RuleResult, ...]
    aggravating: tuple[RuleResult, ...]
    missing: tuple[str, ...]


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise InputError("bad_guideline", f"{where}: a rule is a mapping with fact, at_least and label")
    fact = str(raw.get("fact", ""))
    if fact not in FACTS:
        raise InputError("bad_guideline", f"{where}: unknown fact {fact!r}; facts are {', '.join(FACTS)}")
    try:
        threshold = float(raw.get("at_least", 1))
    except (TypeError, ValueError):
        raise InputError("bad_guideline", f"{where}: at_least must be a number") from None
    return Rule(fact, threshold, str(raw.get("label") or f"{fact} at least {threshold:g}"))


def parse_guideline(text: str, source: str = "guideline") -> Guideline:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError("bad_guideline", f"{source} is not valid YAML: {exc}") from None
    if not isinstance(raw, Mapping) or not raw.get("partner"):
        raise InputError("bad_guideline", f"{source}: a guideline names its partner country")
    require = tuple(_rule(r, f"{source} require[{i}]") for i, r in enumerate(raw.get("require") or []))
    any_of = tuple(_rule(r, f"{source} any_of[{i}]") for i, r in enumerate(raw.get("any_of") or []))
    return Guideline(str(raw["partner"]).upper(), str(raw.get("name") or raw["partner"]), require, any_of)


def preset(partner: str) -> Guideline:
    """The shipped guideline of a partner country (MEX, USA, CAN)."""
    code = partner.strip().upper()
    folder = resources.files("cruce.cases") / "guidelines"
    file = folder / f"{code}.yaml"
    if not code.isalpha() or not file.is_file():
        known = sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
        raise InputError(
            "no_guideline", f"no prosecution guideline for {partner!r}; presets exist for {', '.join(known)}"
        )
    return parse_guideline(file.read_text(encoding="utf-8"), f"{code}.yaml")


def load(path: Path) -> Guideline:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {path}: {exc.strerror}") from None
    return parse_guideline(text, str(path))


def check(case: Case, guideline: Guideline) -> GuidelineCheck:
    def judge(rule: Rule) -> RuleResult:
        value = float(FACTS[rule.fact](case))
        return RuleResult(rule, value, value >= rule.at_least)

    required = tuple(judge(r) for r in guideline.require)
    aggravating = tuple(judge(r) for r in guideline.any_of)
    missing = [f"{r.rule.label} (the case has {r.value:g})" for r in required if not r.met]
    if aggravating and not any(r.met for r in aggravating):
        missing.append("one of: " + "; ".join(r.rule.label for r in aggravating))
    return GuidelineCheck(
        guideline.partner, guideline.name, not missing, required, aggravating, tuple(missing)
    )
