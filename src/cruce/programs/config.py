"""Programs, tiers and benefits as configuration: YAML presets shipped in `cruce.programs.presets`, or a file.

A program says who it is for (people or companies), which country runs it, which documents an application
must carry, how long a membership lasts, and its tiers with their benefits (an inspection-rate factor per
tier: 0.2 means a member is sent to secondary a fifth as often as the general flow). FAST-like programs also
name the company programs a truck's carrier and importer must belong to. Bad YAML is an `InputError` naming
the file and the field, never a traceback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cruce.core.errors import InputError
from cruce.core.model import IDENTIFIER_KINDS
from cruce.programs.model import ProgramKind
from cruce.scoring.presets import read_definition, shipped_names

PRESETS_PACKAGE = "cruce.programs.presets"
DEFAULT_VALIDITY_YEARS = 5


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _document_kind(kind: str) -> str:
    if kind not in IDENTIFIER_KINDS:
        raise ValueError(f"unknown document kind {kind!r}; use one of {', '.join(IDENTIFIER_KINDS)}")
    return kind


def _trigraph(code: str) -> str:
    found = pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None
    if found is None:
        raise ValueError(f"{code!r} is not an ISO 3166 alpha-3 country code (USA, MEX, CAN)")
    return str(found.alpha_3)


class Tier(_Frozen):
    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    inspection_rate_factor: float = Field(ge=0.0, le=1.0)
    benefits: tuple[str, ...] = ()


class DocumentRules(_Frozen):
    required: tuple[str, ...] = ()
    by_nationality: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("required")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_document_kind(k) for k in value)

    @field_validator("by_nationality")
    @classmethod
    def _by_country(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {_trigraph(c): tuple(_document_kind(k) for k in kinds) for c, kinds in value.items()}

    def for_nationality(self, nationality: str | None) -> tuple[str, ...]:
        """The document kinds an applicant of `nationality` (alpha-3) must present."""
        extra = self.by_nationality.get(nationality or "", ())
        return tuple(dict.fromkeys((*self.required, *extra)))


class FastRules(_Frozen):
    company_programs: tuple[str, ...] = Field(min_length=1)


class ProgramConfig(_Frozen):
    """One trusted traveler or shipper program."""

    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    kind: ProgramKind
    country: str
    lane: Literal["expedited", "fast"] = "expedited"
    validity_years: int = Field(default=DEFAULT_VALIDITY_YEARS, ge=1, le=10)
    documents: DocumentRules = DocumentRules()
    company_identifiers: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = Field(min_length=1)
    default_tier: str
    fast: FastRules | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _trigraph(value)

    @field_validator("company_identifiers")
    @classmethod
    def _identifiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_document_kind(k) for k in value)

    @model_validator(mode="after")
    def _consistent(self) -> ProgramConfig:
        ids = [t.id for t in self.tiers]
        if len(set(ids)) != len(ids):
            raise ValueError(f"tier ids must be unique, got {', '.join(ids)}")
        if self.default_tier not in ids:
            raise ValueError(f"default_tier {self.default_tier!r} is not one of the tiers ({', '.join(ids)})")
        if self.kind is ProgramKind.COMPANY and not self.company_identifiers:
            raise ValueError("a company program needs company_identifiers (e.g. [rfc] or [tax_id])")
        return self

    def tier(self, tier_id: str | None) -> Tier:
        """The tier named `tier_id` (the default tier for None); an InputError naming the choices."""
        wanted = tier_id or self.default_tier
        for tier in self.tiers:
            if tier.id == wanted:
                return tier
        raise InputError(
            "unknown_tier",
            f"tier: program {self.id} has no tier {wanted!r}; "
            f"use one of {', '.join(t.id for t in self.tiers)}",
            {"field": "tier"},
        )


def parse_program(text: str, origin: str) -> ProgramConfig:
    """A program from its YAML text; `origin` names the file in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError("bad_program", f"{origin} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError("bad_program", f"{origin} must hold a mapping of program fields")
    try:
        return ProgramConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'program'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise InputError("bad_program", f"{origin}: {problems}") from exc


def load_program(name_or_path: str | Path) -> ProgramConfig:
    """A shipped program by name (`sentri`) or a program YAML file."""
    text, origin = read_definition(name_or_path, PRESETS_PACKAGE, "program")
    return parse_program(text, origin)


@lru_cache(maxsize=1)
def shipped_programs() -> dict[str, ProgramConfig]:
    """Every shipped program by id (read once)."""
    programs = [load_program(name) for name in shipped_names(PRESETS_PACKAGE)]
    return {p.id: p for p in programs}


def program_catalogue(extra: tuple[ProgramConfig, ...] = ()) -> dict[str, ProgramConfig]:
    """The shipped programs plus `extra` ones (a node's own files), checked for consistency.

    A FAST-like program naming a company program the catalogue lacks is an error here, not at the booth.
    """
    catalogue = dict(shipped_programs())
    for program in extra:
        catalogue[program.id] = program
    for program in catalogue.values():
        if program.fast is None:
            continue
        for other in program.fast.company_programs:
            found = catalogue.get(other)
            if found is None or found.kind is not ProgramKind.COMPANY:
                raise InputError(
                    "bad_program",
                    f"program {program.id}: fast.company_programs names {other!r}, which is not a company "
                    "program in the catalogue",
                )
    return catalogue
