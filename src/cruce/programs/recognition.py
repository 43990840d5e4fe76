"""Mutual recognition: what a membership is worth at a given country's ports, read from an agreement (YAML).

A membership is vetted by one node (its `country`); at that country's ports its tier gives the benefit the
program declares. At a partner's ports it gives only what the partner's recognition entry grants for that
program and tier, and nothing when the partner does not recognise it. The same file says whose hit notices
each node subscribes to, so that the sender (who marks a notice for its subscribers) and the receiver (who
syncs it) read one agreement. Pure: the caller reads the file (`load_agreement`) and passes the result down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cruce.core.errors import InputError
from cruce.core.markings import is_country_trigraph
from cruce.programs.model import ProgramKind
from cruce.scoring.presets import read_definition

PACKAGE = "cruce.programs.agreements"
DEFAULT_AGREEMENT = "north-america"


class AgreementError(InputError):
    """An agreement file cruce cannot use, naming the entry at fault."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_agreement", message)


@dataclass(frozen=True, slots=True)
class Benefit:
    """What a tier gives at a port: the trusted lane (people), FAST standing, a factor on P(secondary)."""

    expedited: bool = False
    fast: bool = False
    inspection_factor: float = 1.0

    def describe(self) -> str:
        parts = [name for name, on in (("expedited lane", self.expedited), ("FAST", self.fast)) if on]
        if self.inspection_factor < 1.0:
            parts.append(f"inspection rate x{self.inspection_factor:g}")
        return ", ".join(parts) or "no benefit"


NO_BENEFIT = Benefit()


@dataclass(frozen=True, slots=True)
class Program:
    program_id: str
    country: str
    kind: ProgramKind
    tiers: dict[str, Benefit]
    cards: tuple[str, ...] = ()  # document kinds that carry this program's membership number


@dataclass(frozen=True, slots=True)
class Agreement:
    """Programs, recognition (country -> (program, tier) -> benefit) and hit-notice subscriptions."""

    name: str
    programs: dict[str, Program]
    recognition: dict[str, dict[tuple[str, str], Benefit]] = field(default_factory=dict)
    subscriptions: dict[str, frozenset[str]] = field(default_factory=dict)

    def benefit(self, program_id: str, tier: str, at_country: str) -> tuple[Benefit, str]:
        """The benefit of (program, tier) at `at_country`'s ports, and a sentence saying why."""
        program = self.programs.get(program_id)
        if program is None:
            return NO_BENEFIT, f"program {program_id} is not in agreement {self.name}"
        if program.country == at_country:
            own = program.tiers.get(tier)
            if own is None:
                return NO_BENEFIT, f"{program_id} has no tier {tier!r}"
            return own, f"{program_id} {tier} ({own.describe()})"
        granted = self.recognition.get(at_country, {}).get((program_id, tier))
        if granted is None:
            return NO_BENEFIT, f"{at_country} does not recognise {program.country}'s {program_id} {tier}"
        return (
            granted,
            f"{program.country}'s {program_id} {tier}, recognised by {at_country} ({granted.describe()})",
        )

    def subscribers_of(self, sender: str) -> frozenset[str]:
        """The partners that want `sender`'s hit notices."""
        return frozenset(c for c, senders in self.subscriptions.items() if sender in senders and c != sender)

    def card_program(self, document_kind: str) -> str | None:
        return next((p.program_id for p in self.programs.values() if document_kind in p.cards), None)


def load_agreement(name_or_path: str | Path = DEFAULT_AGREEMENT) -> Agreement:
    """A shipped agreement by name, or the user's own YAML file."""
    text, source = read_definition(name_or_path, PACKAGE, "agreement", AgreementError)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AgreementError(f"{source} is not valid YAML: {exc}") from exc
    return parse_agreement(data, Path(str(name_or_path)).stem)


def parse_agreement(data: Any, name: str) -> Agreement:
    if not isinstance(data, dict) or not isinstance(data.get("programs"), dict):
        raise AgreementError(f"agreement {name}: needs a `programs` mapping")
    programs: dict[str, Program] = {}
    for program_id, spec in data["programs"].items():
        if not isinstance(spec, dict):
            raise AgreementError(f"program {program_id}: must be a mapping")
        country = _country(spec.get("country"), f"program {program_id}")
        try:
            kind = ProgramKind(spec.get("kind", "person"))
        except ValueError as exc:
            raise AgreementError(f"program {program_id}: kind must be person or company") from exc
        tiers = spec.get("tiers")
        if not isinstance(tiers, dict) or not tiers:
            raise AgreementError(f"program {program_id}: needs at least one tier")
        cards = spec.get("cards", [])
        if not isinstance(cards, list) or not all(isinstance(c, str) for c in cards):
            raise AgreementError(f"program {program_id}: cards must be a list of document kinds")
        programs[str(program_id)] = Program(
            str(program_id),
            country,
            kind,
            {str(t): _benefit(b, f"program {program_id} tier {t}") for t, b in tiers.items()},
            tuple(cards),
        )
    recognition: dict[str, dict[tuple[str, str], Benefit]] = {}
    for at, entries in (data.get("recognition") or {}).items():
        country = _country(at, "recognition")
        table = recognition.setdefault(country, {})
        for entry in entries or []:
            where = f"recognition {country}"
            if not isinstance(entry, dict) or entry.get("program") not in programs:
                raise AgreementError(f"{where}: each entry needs a `program` defined under programs")
            program = programs[entry["program"]]
            if program.country == country:
                raise AgreementError(f"{where}: {program.program_id} is {country}'s own program")
            benefit = _benefit(entry.get("benefit", {}), f"{where} {program.program_id}")
            for tier in entry.get("tiers", []):
                if tier not in program.tiers:
                    raise AgreementError(f"{where}: {program.program_id} has no tier {tier!r}")
                table[(program.program_id, str(tier))] = benefit
    subscriptions = {
        _country(who, "subscriptions"): frozenset(_country(s, f"subscriptions {who}") for s in senders or [])
        for who, senders in (data.get("subscriptions") or {}).items()
    }
    return Agreement(name, programs, recognition, subscriptions)


def _benefit(spec: Any, where: str) -> Benefit:
    if not isinstance(spec, dict):
        raise AgreementError(f"{where}: a benefit must be a mapping")
    unknown = sorted(set(spec) - {"expedited", "fast", "inspection_factor"})
    if unknown:
        raise AgreementError(f"{where}: unknown benefit {', '.join(unknown)}")
    factor = spec.get("inspection_factor", 1.0)
    if not isinstance(factor, int | float) or not 0.0 < float(factor) <= 1.0:
        raise AgreementError(f"{where}: inspection_factor must be above 0 and at most 1, got {factor!r}")
    return Benefit(bool(spec.get("expedited", False)), bool(spec.get("fast", False)), float(factor))


def _country(value: Any, where: str) -> str:
    code = str(value or "").strip().upper()
    if not is_country_trigraph(code):
        raise AgreementError(f"{where}: {value!r} is not an ISO 3166 alpha-3 country code")
    return code
