"""Classification and releasability markings: parse, validate, write, and roll portions up into a banner.

A marking is a value: `Marking.parse("S//REL TO USA, MEX")` gives one, `str(marking)` writes the banner
form (`SECRET//REL TO USA, MEX`) and `marking.portion` the portion form (`(S//REL TO USA, MEX)`).

What a marking means for sharing is one set: the countries that may receive the text
(`releasable_to`). The owner always may. NOFORN means the owner only; REL TO lists who else may; a
classified portion with no REL TO is the owner's only; unclassified text is everyone's unless marked
NOFORN. ORCON text needs the originator's consent for any further release, so it is never released
automatically. The banner of many portions (`roll_up`) is the highest classification and the
*intersection* of the releasable sets, so the banner is never less restrictive than any portion, and,
being made of max and intersection, the roll-up does not depend on the order of the portions.

Controls that exist only at some levels are validated: FOUO is for unclassified information only (and a
classified banner drops it, since the classification already restricts handling more); ORCON and REL TO
need a classified level.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from cruce.core.errors import InputError

#: The trigraph the partners use for "everyone"; never written in a marking.
ALL = "*"


class MarkingError(InputError):
    """A marking string or combination that is not valid, with the part at fault."""

    def __init__(self, message: str, marking: str | None = None) -> None:
        super().__init__("bad_marking", message, {"marking": marking} if marking is not None else None)


class Classification(enum.IntEnum):
    """Levels in increasing order: U < C < S < TS."""

    UNCLASSIFIED = 0
    CONFIDENTIAL = 1
    SECRET = 2
    TOP_SECRET = 3

    @property
    def banner(self) -> str:
        return self.name.replace("_", " ")

    @property
    def abbreviation(self) -> str:
        return _ABBREVIATIONS[self]


_ABBREVIATIONS = {
    Classification.UNCLASSIFIED: "U",
    Classification.CONFIDENTIAL: "C",
    Classification.SECRET: "S",
    Classification.TOP_SECRET: "TS",
}
_LEVELS = {
    **{level.abbreviation: level for level in Classification},
    **{level.banner: level for level in Classification},
}
_CONTROL_NAMES = {
    "NOFORN": "NOFORN",
    "NF": "NOFORN",
    "ORCON": "ORCON",
    "OC": "ORCON",
    "FOUO": "FOUO",
    "FOR OFFICIAL USE ONLY": "FOUO",
    "LES": "LES",
    "LAW ENFORCEMENT SENSITIVE": "LES",
}
_REL_TO = re.compile(r"^REL(?:EASABLE)? TO\s+(.+)$")


@lru_cache(maxsize=512)
def is_country_trigraph(code: str) -> bool:
    """ISO 3166-1 alpha-3: the country codes REL TO lists are written in."""
    return len(code) == 3 and code.isalpha() and pycountry.countries.get(alpha_3=code) is not None


@dataclass(frozen=True, slots=True)
class Marking:
    """One portion's or one banner's marking. Build it with `Marking.parse` or `Marking.of`."""

    classification: Classification
    owner: str
    rel_to: tuple[str, ...] = ()  # owner first, then the others alphabetically; empty when none is written
    noforn: bool = False
    orcon: bool = False
    fouo: bool = False
    les: bool = False

    @classmethod
    def of(
        cls,
        classification: Classification | str,
        owner: str = "USA",
        rel_to: Iterable[str] = (),
        *,
        noforn: bool = False,
        orcon: bool = False,
        fouo: bool = False,
        les: bool = False,
    ) -> Marking:
        """A validated marking from its parts; REL TO is put in canonical order (owner first)."""
        level = classification if isinstance(classification, Classification) else _level(classification)
        owner = owner.strip().upper()
        if not is_country_trigraph(owner):
            raise MarkingError(f"owner {owner!r} is not an ISO 3166 country trigraph")
        countries = [code.strip().upper() for code in rel_to]
        unknown = [code for code in countries if not is_country_trigraph(code)]
        if unknown:
            raise MarkingError(f"REL TO names unknown country trigraph(s) {', '.join(unknown)}")
        if countries and countries[0] != owner:
            raise MarkingError(f"REL TO must list the owner country {owner} first, not {countries[0]}")
        others = sorted(set(countries) - {owner})
        if countries and not others:
            raise MarkingError(f"REL TO {owner} alone releases to no partner; write NOFORN instead")
        marking = cls(level, owner, (owner, *others) if others else (), noforn, orcon, fouo, les)
        marking._validate()
        return marking

    @classmethod
    def parse(cls, text: str, owner: str = "USA") -> Marking:
        """A banner (`SECRET//REL TO USA, MEX`) or portion (`(S//REL TO USA, MEX)`) marking."""
        raw = text.strip()
        body = raw[1:-1].strip() if raw.startswith("(") and raw.endswith(")") else raw
        if not body:
            raise MarkingError(
                "the marking is empty; it needs at least a classification such as U or SECRET", text
            )
        parts = [part.strip() for part in re.split(r"/{1,2}", body.upper())]
        level_text, controls = parts[0], parts[1:]
        flags = {"NOFORN": False, "ORCON": False, "FOUO": False, "LES": False}
        rel_to: list[str] = []
        for control in controls:
            if not control:
                raise MarkingError("empty control between slashes", text)
            rel = _REL_TO.match(control)
            if rel:
                if rel_to:
                    raise MarkingError("REL TO appears twice", text)
                rel_to = [code.strip() for code in rel.group(1).split(",")]
                if not all(rel_to):
                    raise MarkingError("REL TO has an empty country between commas", text)
                continue
            name = _CONTROL_NAMES.get(control)
            if name is None:
                known = "NOFORN (NF), REL TO …, ORCON (OC), FOUO, LES"
                raise MarkingError(f"unknown control {control!r}; known controls: {known}", text)
            flags[name] = True
        try:
            return cls.of(
                _level(level_text),
                owner,
                rel_to,
                noforn=flags["NOFORN"],
                orcon=flags["ORCON"],
                fouo=flags["FOUO"],
                les=flags["LES"],
            )
        except MarkingError as exc:
            raise MarkingError(f"{exc.message} (in {text!r})", text) from exc

    def _validate(self) -> None:
        classified = self.classification > Classification.UNCLASSIFIED
        if self.noforn and self.rel_to:
            raise MarkingError("NOFORN and REL TO contradict each other: NOFORN releases to no partner")
        if self.rel_to and not classified:
            raise MarkingError(
                "REL TO applies to classified information only; unclassified text is "
                "releasable unless marked NOFORN"
            )
        if self.orcon and not classified:
            raise MarkingError("ORCON applies to classified information only")
        if self.fouo and classified:
            raise MarkingError("FOUO applies to UNCLASSIFIED information only")

    @property
    def releasable_to(self) -> frozenset[str]:
        """Countries that may receive this text ({ALL} for anyone); always includes the owner."""
        if self.noforn or (self.classification > Classification.UNCLASSIFIED and not self.rel_to):
            return frozenset({self.owner})
        if self.rel_to:
            return frozenset(self.rel_to)
        return frozenset({ALL})

    def releasable(self, country: str) -> bool:
        """May this text go to `country` without asking its originator?"""
        if country == self.owner:
            return True
        if self.orcon:
            return False
        allowed = self.releasable_to
        return ALL in allowed or country in allowed

    def _controls(self, short: bool) -> str:
        ic = []
        if self.orcon:
            ic.append("OC" if short else "ORCON")
        if self.noforn:
            ic.append("NF" if short else "NOFORN")
        elif self.rel_to:
            ic.append("REL TO " + ", ".join(self.rel_to))
        non_ic = [name for name, on in (("FOUO", self.fouo), ("LES", self.les)) if on]
        return "".join("//" + group for group in ["/".join(ic), *non_ic] if group)

    def __str__(self) -> str:
        return self.classification.banner + self._controls(short=False)

    @property
    def portion(self) -> str:
        return f"({self.classification.abbreviation}{self._controls(short=True)})"

    def dominates(self, other: Marking) -> bool:
        """At least as restrictive as `other`: level no lower, releasable to no one `other` is not."""
        if self.classification < other.classification:
            return False
        if self.orcon < other.orcon or self.les < other.les:
            return False
        if other.fouo and self.classification == Classification.UNCLASSIFIED and not self.fouo:
            return False
        mine, theirs = self.releasable_to, other.releasable_to
        return ALL in theirs or (ALL not in mine and mine <= theirs)


def roll_up(portions: Iterable[Marking]) -> Marking:
    """The banner of a set of portions: highest level, intersection of releasability, NOFORN dominates."""
    markings = list(portions)
    if not markings:
        raise MarkingError("a banner needs at least one marked portion")
    owners = {marking.owner for marking in markings}
    if len(owners) > 1:
        raise MarkingError(f"portions of one product must have one owner, not {', '.join(sorted(owners))}")
    owner = owners.pop()
    level = max(marking.classification for marking in markings)
    classified = level > Classification.UNCLASSIFIED
    allowed: frozenset[str] | None = None
    for marking in markings:
        if ALL in marking.releasable_to:
            continue
        allowed = marking.releasable_to if allowed is None else allowed & marking.releasable_to
    noforn = any(marking.noforn for marking in markings)
    rel_to: tuple[str, ...] = ()
    if allowed is not None and not noforn:
        others = sorted(allowed - {owner, ALL})
        if classified and others:
            rel_to = (owner, *others)
        else:
            noforn = True  # releasable to nobody but the owner, or an unclassified text restricted to it
    return Marking(
        classification=level,
        owner=owner,
        rel_to=rel_to,
        noforn=noforn,
        orcon=any(marking.orcon for marking in markings),
        fouo=not classified and any(marking.fouo for marking in markings),
        les=any(marking.les for marking in markings),
    )


def envelope(portions: Iterable[Marking]) -> Marking:
    """The least restrictive marking that every portion dominates: the lowest level, and the union of the
    portions' releasable sets (ORCON only if every portion is ORCON).

    It is what a whole object may carry at object level without making any of its parts more restrictive:
    a reader outside the envelope may receive none of the parts, so the object is withheld from them
    entirely, while a reader inside it receives the parts released to them. An unclassified envelope that
    reaches only some partners (a `U//NOFORN` title above `S//REL TO USA, MEX` text) is built directly,
    since no banner writes it; its meaning (releasable to those countries) is still exact.
    """
    markings = list(portions)
    if not markings:
        raise MarkingError("an envelope needs at least one marking")
    owners = {marking.owner for marking in markings}
    if len(owners) > 1:
        raise MarkingError(f"portions of one object must have one owner, not {', '.join(sorted(owners))}")
    owner = owners.pop()
    level = min(marking.classification for marking in markings)
    orcon = all(marking.orcon for marking in markings)
    countries: set[str] = set()
    for marking in markings:
        countries |= marking.releasable_to
    if ALL in countries:
        return Marking(Classification.UNCLASSIFIED, owner)
    others = tuple(sorted(countries - {owner}))
    if not others:
        return Marking(level, owner, noforn=True, orcon=orcon and level > Classification.UNCLASSIFIED)
    return Marking(level, owner, (owner, *others), orcon=orcon and level > Classification.UNCLASSIFIED)


def _level(text: str) -> Classification:
    level = _LEVELS.get(text.strip().upper())
    if level is None:
        raise MarkingError(
            f"unknown classification {text!r}; use U, C, S, TS or UNCLASSIFIED, CONFIDENTIAL, "
            "SECRET, TOP SECRET"
        )
    return level
