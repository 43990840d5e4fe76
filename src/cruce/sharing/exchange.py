"""What the TAXII exchange needs to know about a STIX object, decided here so that no layer decides it twice.

`describe` reads one object (a plain JSON dict) and says who may receive it and what of it. Markings are
read by content through `cruce.sharing.definitions`: ACS 3.0 definitions are cruce markings, TLP and
statements are labels, anything else is refused (cruce cannot tell who may read what it marks).

* **Object-level reach** (`releasable_to`, `classification`): what `object_marking_refs` allow. Stored in
  columns; the SQL filter admits an object version only when its object-level reach admits the reader.
* **Redactions**: a property whose granular markings (on it or on a parent selector, combined with the
  object-level ones) reach fewer readers is removed for a reader it does not reach, rather than withholding
  the whole object (`redact`). A property that cannot be removed (the id, a required reference or
  timestamp) folds its markings into the object-level reach instead; a required free-text property (a
  report's `name`) is replaced by a neutral placeholder. Objects with no granular marking are served as
  stored, without re-encoding.
* **TLP onward sharing**: content received from another organisation (`origin`) under TLP:RED or
  TLP:AMBER+STRICT reaches only its origin's and the receiving node's countries.

A marking-definition is releasable where its own marking is, so every definition a released object refers
to is released with it, and the definition of a NOFORN marking is never. Definitions are immutable and
node-wide (`MarkingIndex`): an id already known with other content is refused.

Releasability is stored as text (`*`, or ` MEX USA ` with a space on each side of every trigraph) so the
storage layer can filter with `releasable_to = '*' OR releasable_to LIKE '% MEX %'`, a SQL condition.

Also here: TAXII object filters as a value (`ObjectFilter`) and the opaque `next` token of a page.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stix2.exceptions import STIXError
from stix2.markings import get_markings

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.definitions import TLP_BY_ID, Definition, DefinitionError, digest, read_definition
from cruce.sharing.release import reach_of
from cruce.sharing.stix import StixImportError

EVERYONE = "*"
DEFAULT_SPEC_VERSION = "2.1"
MAX_PAGE = 1000
"""The largest page the server gives, whatever `limit` asks for."""
PLACEHOLDER = "(not releasable)"
UNKNOWN_ORIGIN = "?"
_MAX_SEQ = 2**63


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


def admits(
    countries: frozenset[str], level: Classification, readers: Iterable[str], clearance: Classification
) -> bool:
    """The rule the SQL filter applies: cleared to the level, and every reader country is in the reach."""
    return clearance >= level and all(ALL in countries or c in countries for c in readers)


@dataclass(frozen=True, slots=True)
class Redaction:
    """A property some readers of the object may not see: its selector and who may see it."""

    selector: str
    countries: frozenset[str]
    level: Classification
    placeholder: bool = False  # a required text property: replaced by PLACEHOLDER, not removed

    def as_json(self) -> list[Any]:
        return [self.selector, encode_releasable(self.countries), int(self.level), int(self.placeholder)]

    @classmethod
    def from_json(cls, item: list[Any]) -> Redaction:
        return cls(str(item[0]), decode_releasable(str(item[1])), Classification(int(item[2])), bool(item[3]))


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What the server stores about one object version, and what a write check needs to know of it."""

    object_id: str
    object_type: str
    version: str
    spec_version: str
    releasable_to: frozenset[str]
    classification: Classification
    redactions: tuple[Redaction, ...] = ()
    parts: tuple[tuple[Marking | None, ...], ...] = ()  # the markings of each separately marked part
    created_by: str | None = None
    author: str | None = None
    definition: Definition | None = None  # when the object is a marking-definition
    new_definition: bool = False  # a definition this node did not know before

    @property
    def releasable_text(self) -> str:
        return encode_releasable(self.releasable_to)

    @property
    def redactions_text(self) -> str | None:
        return json.dumps([r.as_json() for r in self.redactions]) if self.redactions else None

    def releasable(self, country: str) -> bool:
        return ALL in self.releasable_to or country in self.releasable_to


class MarkingIndex:
    """Marking-definitions known on this node (id -> meaning); immutable once known, node-wide.

    `lookup` finds a definition the index has not seen yet (stored by another process, say); definitions
    learnt here are `pending` until the caller stores them, and `forget` drops one a write check refused.
    """

    def __init__(
        self,
        known: Mapping[str, Definition] | None = None,
        lookup: Callable[[str], Mapping[str, Any] | None] | None = None,
    ) -> None:
        self._known: dict[str, Definition] = dict(known or {})
        self._lookup = lookup
        self.pending: dict[str, tuple[Definition, Mapping[str, Any]]] = {}

    @property
    def known(self) -> dict[str, Definition]:
        return dict(self._known)

    def __contains__(self, marking_id: str) -> bool:
        return self._find(marking_id) is not None

    def _find(self, marking_id: str) -> Definition | None:
        if marking_id in TLP_BY_ID:
            return Definition(marking_id, None, TLP_BY_ID[marking_id])
        found = self._known.get(marking_id)
        if found is None and self._lookup is not None:
            stored = self._lookup(marking_id)
            if stored is not None:
                try:
                    found = self._known[marking_id] = read_definition(stored, stored=True)
                except DefinitionError as exc:  # stored before cruce could read it: unusable, never guessed
                    raise StixImportError(exc.message) from exc
        return found

    def learn(self, definition: Mapping[str, Any]) -> tuple[Definition, bool]:
        """The meaning of one marking-definition and whether it is new here; refused if it changes one.

        The TLP 2.0 definitions are standard and known everywhere: a copy is checked to say the level its
        id stands for, whatever its serialisation."""
        marking_id = str(definition.get("id", ""))
        if marking_id in TLP_BY_ID:
            try:
                return read_definition(definition), False
            except DefinitionError as exc:
                raise StixImportError(exc.message) from exc
        known = self._find(marking_id)
        if known is not None:
            if known.digest != digest(definition):
                raise StixImportError(
                    "a marking definition with this id is already known here with other content; "
                    "definitions are immutable",
                    marking_id,
                )
            return known, False
        try:
            meaning = read_definition(definition)
        except DefinitionError as exc:
            raise StixImportError(exc.message) from exc
        self._known[marking_id] = meaning
        self.pending[marking_id] = (meaning, definition)
        return meaning, True

    def forget(self, marking_id: str) -> None:
        """Drop a definition learnt in this batch (its object was refused)."""
        if self.pending.pop(marking_id, None) is not None:
            self._known.pop(marking_id, None)

    def get(self, marking_id: str, object_id: str) -> Definition:
        found = self._find(marking_id) if isinstance(marking_id, str) else None
        if found is None:
            raise StixImportError(
                f"marking {marking_id} is not known here; send its marking-definition first", object_id
            )
        return found


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking-definition an object refers to, object-level and granular."""
    refs = [str(ref) for ref in obj.get("object_marking_refs") or ()]
    refs += [str(g.get("marking_ref")) for g in obj.get("granular_markings") or () if g.get("marking_ref")]
    return refs


# Properties that cannot be removed from an object: a granular marking on them marks the whole object.
_STRUCTURAL = frozenset({"type", "id", "spec_version", "created", "modified", "object_marking_refs",
                         "granular_markings", "extensions", "revoked"})  # fmt: skip
_REQUIRED: dict[str, frozenset[str]] = {
    "indicator": frozenset({"pattern", "pattern_type", "valid_from"}),
    "report": frozenset({"published", "object_refs"}),
    "note": frozenset({"object_refs"}),
    "opinion": frozenset({"opinion", "object_refs"}),
    "grouping": frozenset({"context", "object_refs"}),
    "relationship": frozenset({"relationship_type", "source_ref", "target_ref"}),
    "sighting": frozenset({"sighting_of_ref"}),
    "observed-data": frozenset({"first_observed", "last_observed", "number_observed"}),
    "malware": frozenset({"is_family"}),
    "marking-definition": frozenset({"definition_type", "definition", "name"}),
}
_NAMED = frozenset({"attack-pattern", "campaign", "course-of-action", "identity", "infrastructure",
                    "intrusion-set", "malware", "report", "threat-actor", "tool", "vulnerability",
                    "location", "grouping"})  # fmt: skip
"""Types whose `name` is required (or expected): a withheld name becomes the placeholder."""


def _shape(obj: Any) -> tuple[str, str]:
    if not isinstance(obj, Mapping):
        raise StixImportError("a STIX object must be a JSON object")
    object_id, object_type = obj.get("id"), obj.get("type")
    if not isinstance(object_id, str) or not isinstance(object_type, str) or "--" not in object_id:
        raise StixImportError("a STIX object needs a `type` and an `id` of the form type--uuid")
    if not object_id.startswith(object_type + "--"):
        raise StixImportError(f"the id does not start with its type {object_type!r}", object_id)
    bad = unstorable_text(obj)
    if bad is not None:
        raise StixImportError(f"a text in this object holds {bad}; remove it", object_id)
    refs = obj.get("object_marking_refs")
    if refs is not None and (not isinstance(refs, list) or not all(isinstance(r, str) for r in refs)):
        raise StixImportError("`object_marking_refs` must be a list of marking-definition ids", object_id)
    granular = obj.get("granular_markings")
    if granular is not None:
        if not isinstance(granular, list):
            raise StixImportError("`granular_markings` must be a list", object_id)
        for entry in granular:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("marking_ref"), str):
                raise StixImportError(
                    "each granular marking needs a `marking_ref` (this server has no lang markings)",
                    object_id,
                )
            selectors = entry.get("selectors")
            if (
                not isinstance(selectors, list)
                or not selectors
                or not all(isinstance(s, str) and s for s in selectors)
            ):
                raise StixImportError(
                    "each granular marking needs a non-empty list of `selectors`", object_id
                )
    for key in ("extensions",):
        if key in obj and not isinstance(obj[key], Mapping):
            raise StixImportError(f"`{key}` must be an object", object_id)
    for key in ("created", "modified", "spec_version", "created_by_ref"):
        if key in obj and not isinstance(obj[key], str):
            raise StixImportError(f"`{key}` must be a string", object_id)
    return object_id, object_type


def unstorable_text(obj: Any) -> str | None:
    """What no text of a stored object may hold (a NUL, a lone UTF-16 surrogate: neither can be stored
    or served as UTF-8 JSON), or None. Walked without recursion, keys included."""
    stack: list[Any] = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "a NUL character"
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return "a lone surrogate (not a character)"
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _reach(
    definitions: Iterable[Definition], origin: str | None, node_country: str | None
) -> tuple[frozenset[str], Classification]:
    """`reach_of` the markings (the one rule), narrowed by the TLP onward-sharing rule for received ones."""
    found = list(definitions)
    reach = reach_of(d.marking for d in found)
    countries = reach.countries
    if origin is not None and any(d.forbids_onward_sharing for d in found):
        home = frozenset(c for c in (origin, node_country) if c and c != UNKNOWN_ORIGIN)
        countries = home if ALL in countries else countries & home
    return countries, reach.level


def describe(
    obj: Mapping[str, Any],
    markings: MarkingIndex,
    *,
    origin: str | None = None,
    node_country: str | None = None,
) -> ObjectInfo:
    """Identity, version, reach and redactions of one STIX object; StixImportError when it cannot be read.

    `origin` is the country the object was received from (None: written on this node); it matters for the
    TLP onward-sharing rule. A marking-definition object is learnt by `markings` on the way, so an envelope
    may define a marking before the objects that use it.
    """
    object_id, object_type = _shape(obj)
    try:
        return _describe(obj, object_id, object_type, markings, origin, node_country)
    except StixImportError:
        raise
    except (STIXError, TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise StixImportError(f"cannot read this object's markings: {type(exc).__name__}", object_id) from exc


def _describe(  # noqa: PLR0917 - the parts of one decision
    obj: Mapping[str, Any],
    object_id: str,
    object_type: str,
    markings: MarkingIndex,
    origin: str | None,
    node_country: str | None,
) -> ObjectInfo:
    stamp = obj.get("modified") or obj.get("created")
    try:
        version = stix_timestamp(parse_timestamp(str(stamp))) if stamp else ""
    except InputError as exc:
        raise StixImportError(exc.message, object_id) from exc
    own: list[Definition] = []
    definition: Definition | None = None
    new = False
    if object_type == "marking-definition":
        definition, new = markings.learn(obj)
        own.append(definition)
    object_level = own + [markings.get(ref, object_id) for ref in obj.get("object_marking_refs") or ()]
    countries, level = _reach(object_level, origin, node_country)
    parts: list[tuple[Marking | None, ...]] = [tuple(d.marking for d in object_level)]
    redactions: list[Redaction] = []
    granular = obj.get("granular_markings") or []
    if granular:
        for entry in granular:
            markings.get(entry["marking_ref"], object_id)
        selectors = sorted({s for entry in granular for s in entry["selectors"]})
        chains: dict[str, tuple[frozenset[str], Classification]] = {}
        for selector in selectors:
            try:
                refs = get_markings(dict(obj), selector, inherited=True)
            except STIXError as exc:
                raise StixImportError(
                    f"granular marking selector {selector!r} matches nothing", object_id
                ) from exc
            chain = own + [markings.get(str(ref), object_id) for ref in refs]
            parts.append(tuple(d.marking for d in chain))
            chains[selector] = _reach(chain, origin, node_country)
        required = _REQUIRED.get(object_type, frozenset())
        for selector, (where, chain_level) in chains.items():
            if where == countries and chain_level == level:
                continue
            top = selector.split(".")[0]
            placeholder = (
                selector == top and top == "name" and object_type in _NAMED and isinstance(obj.get(top), str)
            )
            if (
                top in _STRUCTURAL
                or (top in required and not placeholder)
                or object_type == "marking-definition"
            ):
                countries = where if ALL in countries else (countries if ALL in where else countries & where)
                level = max(level, chain_level)
                continue
            redactions.append(Redaction(selector, where, chain_level, placeholder))
        redactions = [r for r in redactions if not (r.countries >= countries and r.level <= level)]
    created_by = obj.get("created_by_ref")
    author = obj.get("x_cruce_author")
    return ObjectInfo(
        object_id,
        object_type,
        version,
        str(obj.get("spec_version") or DEFAULT_SPEC_VERSION),
        countries,
        level,
        tuple(redactions),
        tuple(parts),
        created_by if isinstance(created_by, str) else None,
        author if isinstance(author, str) and author else None,
        definition,
        new,
    )


# -- redaction -------------------------------------------------------------------------------------------


def _path(selector: str) -> list[str | int]:
    return [int(part[1:-1]) if part.startswith("[") else part for part in selector.split(".")]


def redact(data: str, redactions: str | None, countries: Iterable[str], clearance: Classification) -> str:
    """The object's JSON text as `countries`/`clearance` may receive it: the stored text when nothing is
    withheld from that reader (no re-encoding), else the object without what its markings keep from them,
    and without the granular markings of what was removed."""
    if not redactions:
        return data
    readers = list(countries)
    hidden = [r for r in map(Redaction.from_json, json.loads(redactions))
              if not admits(r.countries, r.level, readers, clearance)]  # fmt: skip
    if not hidden:
        return data
    obj = json.loads(data)
    removed: list[list[str | int]] = []
    deleted: list[list[str | int]] = []
    for item in sorted(hidden, key=lambda r: len(_path(r.selector))):
        path = _path(item.selector)
        if any(path[: len(done)] == done for done in removed):
            continue  # a parent is gone already
        removed.append(path)
        if item.placeholder:
            obj[str(path[0])] = PLACEHOLDER
        else:
            deleted.append(path)
    # deepest-last index first, so that no deletion shifts a list position still to be deleted
    for path in sorted(
        deleted, key=lambda p: [(1, s) if isinstance(s, int) else (0, s) for s in p], reverse=True
    ):  # type: ignore[misc]
        parent: Any = obj
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    for top in {str(p[0]) for p in deleted}:  # STIX has no empty lists: a list emptied goes
        if obj.get(top) == []:
            del obj[top]
            removed.append([top])
    obj["granular_markings"] = _remaining(obj.get("granular_markings") or [], removed, deleted)
    if not obj["granular_markings"]:
        del obj["granular_markings"]
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _remaining(
    granular: list[dict[str, Any]], removed: list[list[str | int]], deleted: list[list[str | int]]
) -> list[dict[str, Any]]:
    """Granular markings left after removing `removed`: their selectors dropped, list indices renumbered."""
    out = []
    for entry in granular:
        kept = []
        for selector in entry["selectors"]:
            path = _path(selector)
            if any(path[: len(done)] == done for done in removed):
                continue
            kept.append(_renumber(path, deleted))
        if kept:
            out.append({**entry, "selectors": kept})
    return out


def _renumber(path: list[str | int], removed: list[list[str | int]]) -> str:
    new = list(path)
    for depth, step in enumerate(path):
        if isinstance(step, int):
            prefix = path[:depth]
            shift = sum(1 for done in removed if len(done) == depth + 1 and done[:depth] == prefix
                        and isinstance(done[depth], int) and int(done[depth]) < step)  # fmt: skip
            new[depth] = step - shift
    return ".".join(f"[{s}]" if isinstance(s, int) else s for s in new)


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
            position = cls(parse_timestamp(stamp), int(seq))
            if not 0 <= position.seq < _MAX_SEQ:  # a database integer: anything else was never given out
                raise ValueError(seq)
            return position
        except (ValueError, UnicodeError, binascii.Error, InputError) as exc:
            raise InputError("bad_filter", "the `next` token is not one this server gave") from exc
