"""What changed between two versions of a list: added, removed and changed entities, field by field.

Lists are republished daily; an analyst needs to see "SDN 6703 gained alias X and lost DOB Y", not two
9,000-row files. Multi-valued fields are compared as sets (OFAC reorders aliases without meaning anything
by it); single values are compared as before -> after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cruce.core.errors import InputError
from cruce.core.model import Address, Entity, Identifier, Name

_MULTI_FIELDS = (
    "names",
    "birth_dates",
    "birth_places",
    "nationalities",
    "countries",
    "identifiers",
    "addresses",
    "programs",
    "linked_to",
)
_SINGLE_FIELDS = ("schema", "gender")
# Remarks are compared last: they repeat, as prose, what the structured fields above already show.
_TRAILING_FIELDS = ("remarks",)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one entity: values added and removed (multi-valued) or before/after (single)."""

    field: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    before: str | None = None
    after: str | None = None

    def __str__(self) -> str:
        if self.added or self.removed:
            parts = [f"+{v!r}" for v in self.added] + [f"-{v!r}" for v in self.removed]
            return f"{self.field}: " + " ".join(parts)
        return f"{self.field}: {self.before!r} -> {self.after!r}"


@dataclass(frozen=True, slots=True)
class EntityChange:
    entity_id: str
    changes: tuple[FieldChange, ...]

    def __str__(self) -> str:
        return f"{self.entity_id}: " + "; ".join(str(c) for c in self.changes)


@dataclass(frozen=True, slots=True)
class ListDiff:
    """Entities only in the new version, only in the old one, and in both but different."""

    added: tuple[Entity, ...] = ()
    removed: tuple[Entity, ...] = ()
    changed: tuple[EntityChange, ...] = ()
    unchanged: int = 0
    _by_id: dict[str, EntityChange] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def change_for(self, entity_id: str) -> EntityChange | None:
        return self._by_id.get(entity_id)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed, "
            f"{self.unchanged} unchanged"
        )


def render(value: object) -> str:
    """A value as an analyst reads it in a change line."""
    if isinstance(value, Name):
        label = value.text
        if value.kind != "primary":
            label += f" ({value.kind}{', weak' if value.quality == 'weak' else ''})"
        if value.script:
            label += f" [{value.script}]"
        return label
    if isinstance(value, Identifier):
        return f"{value.kind} {value.value}" + (f" ({value.country})" if value.country else "")
    if isinstance(value, Address):
        return value.full + (
            f" ({value.country})" if value.country and value.country not in value.full else ""
        )
    return str(value)


def _index(entities: Iterable[Entity], side: str) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    for entity in entities:
        if entity.id in out:
            raise InputError(
                "duplicate_entity",
                f"entity id {entity.id} appears twice in the {side} version",
                {"id": entity.id},
            )
        out[entity.id] = entity
    return out


def _single(old: Entity, new: Entity, fields: tuple[str, ...]) -> list[FieldChange]:
    out: list[FieldChange] = []
    for name in fields:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            out.append(
                FieldChange(
                    name,
                    before=None if before is None else str(before),
                    after=None if after is None else str(after),
                )
            )
    return out


def compare(old: Entity, new: Entity) -> tuple[FieldChange, ...]:
    """Field-level differences between two versions of the same entity (empty when equal)."""
    changes = _single(old, new, _SINGLE_FIELDS)
    for name in _MULTI_FIELDS:
        before_values, after_values = getattr(old, name), getattr(new, name)
        old_set, new_set = set(before_values), set(after_values)
        if old_set == new_set:
            continue
        added = tuple(render(v) for v in after_values if v not in old_set)
        removed = tuple(render(v) for v in before_values if v not in new_set)
        changes.append(
            FieldChange(name, added=tuple(dict.fromkeys(added)), removed=tuple(dict.fromkeys(removed)))
        )
    changes.extend(_single(old, new, _TRAILING_FIELDS))
    for key in sorted(set(old.extra) | set(new.extra)):
        before_extra, after_extra = old.extra.get(key), new.extra.get(key)
        if before_extra != after_extra:
            changes.append(FieldChange(f"extra.{key}", before=before_extra, after=after_extra))
    return tuple(changes)


def diff_versions(old: Iterable[Entity], new: Iterable[Entity]) -> ListDiff:
    """Compare two versions of one list by entity id. Pure: no I/O, inputs untouched.

    Order is stable: added and changed follow the new version's order, removed the old one's.
    Raises InputError if an id repeats within one version (the comparison would be ambiguous).
    """
    old_by_id = _index(old, "old")
    new_by_id = _index(new, "new")
    added = tuple(e for i, e in new_by_id.items() if i not in old_by_id)
    removed = tuple(e for i, e in old_by_id.items() if i not in new_by_id)
    changed: list[EntityChange] = []
    unchanged = 0
    for entity_id, entity in new_by_id.items():
        previous = old_by_id.get(entity_id)
        if previous is None:
            continue
        changes = compare(previous, entity)
        if changes:
            changed.append(EntityChange(entity_id, changes))
        else:
            unchanged += 1
    return ListDiff(added, removed, tuple(changed), unchanged, {c.entity_id: c for c in changed})
