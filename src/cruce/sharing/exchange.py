"""What the TAXII exchange needs to know about a STIX object, decided here so that no layer decides it twice.

`describe` reads one object (a plain JSON dict) and says who may receive it: the countries every one of
its markings (object markings and granular markings alike) releases it to, and its highest classification.
Markings are read through `cruce.sharing.stix`, so a marking-definition means exactly what it means to the
importer: ACS 3.0 definitions are cruce markings, TLP 2.0 definitions are labels with no releasability, and
any other definition is refused (cruce cannot tell who may read what it marks, so it never guesses).
An object with no marking at all is unclassified and releasable to everyone, as unmarked text is.

A marking-definition is releasable where its own marking is, so every definition a released object refers
to is released with it (an object is releasable to a country only if each of its markings is), and the
definition of a NOFORN marking is never.

Releasability is stored as text (`*`, or ` MEX USA ` with a space on each side of every trigraph) so the
storage layer can filter with `releasable_to = '*' OR releasable_to LIKE '% MEX %'`, a SQL condition.

Also here: TAXII object filters as a value (`ObjectFilter`) and the opaque `next` token of a page.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.stix import StixImportError, read_markings

EVERYONE = "*"
DEFAULT_SPEC_VERSION = "2.1"
MAX_PAGE = 1000
"""The largest page the server gives, whatever `limit` asks for."""


def stix_timestamp(value: datetime) -> str:
    """A STIX/TAXII timestamp with microseconds: fixed width, so text order is time order."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """A STIX timestamp (any sub-second precision, `Z`) as an aware UTC datetime; InputError if not one."""
    raw = text.strip()
    try:
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        head, _, rest = raw.partition(".")
        if rest:  # Python reads at most six fractional digits
            digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
            raw = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(
            "bad_timestamp", f"{text!r} is not a timestamp like 2026-01-31T12:00:00.000Z"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def encode_releasable(countries: frozenset[str]) -> str:
    """`*` for everyone, else the trigraphs sorted with a space around each (` MEX USA `)."""
    if ALL in countries:
        return EVERYONE
    return " " + " ".join(sorted(countries)) + " " if countries else ""


def decode_releasable(text: str) -> frozenset[str]:
    return frozenset({ALL}) if text == EVERYONE else frozenset(text.split())


def marking_reach(marking: Marking) -> frozenset[str]:
    """Countries a marked text may go to without asking: ORCON keeps it with its originator."""
    return frozenset({marking.owner}) if marking.orcon else marking.releasable_to


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """The columns the server filters one stored object version by."""

    object_id: str
    object_type: str
    version: str
    spec_version: str
    releasable_to: frozenset[str]
    classification: Classification

    @property
    def releasable_text(self) -> str:
        return encode_releasable(self.releasable_to)

    def releasable(self, country: str) -> bool:
        return ALL in self.releasable_to or country in self.releasable_to


class MarkingIndex:
    """Marking-definitions known so far (id -> cruce marking, None for TLP); grows as definitions arrive."""

    def __init__(self, known: Mapping[str, Marking | None] | None = None) -> None:
        self._known: dict[str, Marking | None] = dict(known or {})

    @property
    def known(self) -> dict[str, Marking | None]:
        return dict(self._known)

    def __contains__(self, marking_id: str) -> bool:
        return marking_id in self._known

    def learn(self, definition: Mapping[str, Any]) -> Marking | None:
        """Read one marking-definition object; StixImportError when cruce cannot interpret it."""
        marking_id = str(definition.get("id", ""))
        if marking_id not in self._known:
            self._known.update(read_markings({marking_id: definition}))
        return self._known[marking_id]

    def get(self, marking_id: str, object_id: str) -> Marking | None:
        if marking_id not in self._known:
            raise StixImportError(
                f"marking {marking_id} is not known here; send its marking-definition first", object_id
            )
        return self._known[marking_id]


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking-definition an object refers to, object-level and granular."""
    refs = [str(ref) for ref in obj.get("object_marking_refs") or ()]
    refs += [str(g.get("marking_ref")) for g in obj.get("granular_markings") or () if g.get("marking_ref")]
    return refs


def describe(obj: Mapping[str, Any], markings: MarkingIndex) -> ObjectInfo:
    """Identity, version and reach of one STIX object; StixImportError when its markings cannot be read.

    A marking-definition object is learnt by `markings` on the way, so an envelope may define a marking
    before the objects that use it.
    """
    object_id = obj.get("id")
    object_type = obj.get("type")
    if not isinstance(object_id, str) or not isinstance(object_type, str) or "--" not in object_id:
        raise StixImportError("a STIX object needs a `type` and an `id` of the form type--uuid")
    if not object_id.startswith(object_type + "--"):
        raise StixImportError(f"the id does not start with its type {object_type!r}", object_id)
    stamp = obj.get("modified") or obj.get("created")
    try:
        version = stix_timestamp(parse_timestamp(str(stamp))) if stamp else ""
    except InputError as exc:
        raise StixImportError(exc.message, object_id) from exc
    reach: frozenset[str] = frozenset({ALL})
    level = Classification.UNCLASSIFIED
    found: list[Marking | None] = []
    if object_type == "marking-definition":
        found.append(markings.learn(obj))
    found += [markings.get(ref, object_id) for ref in marking_refs(obj)]
    for marking in found:
        if marking is None:
            continue
        level = max(level, marking.classification)
        mine = marking_reach(marking)
        if ALL not in mine:
            reach = mine if ALL in reach else reach & mine
    return ObjectInfo(
        object_id, object_type, version, str(obj.get("spec_version") or DEFAULT_SPEC_VERSION), reach, level
    )


# -- filters and pages -----------------------------------------------------------------------------------


class VersionPick(enum.StrEnum):
    LAST = "last"
    FIRST = "first"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    """TAXII 2.1 object filters: `added_after`, `match[id|type|version|spec_version]`, `limit`, `next`.

    `versions` holds the keywords (`last`, `first`, `all`) and exact versions (timestamps) asked for;
    the default is the last version only, as the specification says.
    """

    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    picks: frozenset[VersionPick] = frozenset({VersionPick.LAST})
    versions: frozenset[str] = frozenset()
    spec_versions: frozenset[str] = frozenset()
    added_after: datetime | None = None
    limit: int = MAX_PAGE
    after: PagePosition | None = None

    @classmethod
    def from_query(cls, params: Iterable[tuple[str, str]], *, default_version: str = "last") -> ObjectFilter:
        """Filters from URL query parameters; InputError names the parameter at fault."""
        values: dict[str, list[str]] = {}
        for key, value in params:
            for part in value.split(","):
                if part.strip():
                    values.setdefault(key, []).append(part.strip())
        known = {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
                 "match[spec_version]"}  # fmt: skip
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(
                "bad_filter", f"unknown filter {unknown[0]!r}; known: {', '.join(sorted(known))}"
            )
        picks: set[VersionPick] = set()
        versions: set[str] = set()
        for item in values.get("match[version]", [default_version]):
            if item in VersionPick.__members__.values():
                picks.add(VersionPick(item))
            else:
                versions.add(stix_timestamp(parse_timestamp(item)))
        limit = MAX_PAGE
        if "limit" in values:
            try:
                limit = int(values["limit"][0])
            except ValueError as exc:
                raise InputError("bad_filter", "limit must be a positive whole number") from exc
            if limit < 1:
                raise InputError("bad_filter", "limit must be a positive whole number")
        added = values.get("added_after")
        nxt = values.get("next")
        return cls(
            ids=frozenset(values.get("match[id]", [])),
            types=frozenset(values.get("match[type]", [])),
            picks=frozenset(picks),
            versions=frozenset(versions),
            spec_versions=frozenset(values.get("match[spec_version]", [])),
            added_after=parse_timestamp(added[0]) if added else None,
            limit=min(limit, MAX_PAGE),
            after=PagePosition.decode(nxt[0]) if nxt else None,
        )


@dataclass(frozen=True, slots=True, order=True)
class PagePosition:
    """The last (date_added, seq) a page gave; the next page starts strictly after it (a keyset)."""

    date_added: datetime
    seq: int = field(default=0)

    def encode(self) -> str:
        text = f"{stix_timestamp(self.date_added)}|{self.seq}"
        return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> PagePosition:
        try:
            padded = token + "=" * (-len(token) % 4)
            stamp, _, seq = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii").partition("|")
            return cls(parse_timestamp(stamp), int(seq))
        except (ValueError, UnicodeError, binascii.Error, InputError) as exc:
            raise InputError("bad_filter", "the `next` token is not one this server gave") from exc
