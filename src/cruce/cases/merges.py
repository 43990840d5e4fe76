"""Reviewable, reversible merges: a human's corrections to entity resolution, kept as a history.

The automatic resolution is the starting partition (record -> entity). A reviewer may *merge* two entities,
*split* records out of an entity into a new one, or *undo* an earlier decision. Nothing is overwritten:
`EntityLedger` keeps every decision (who, when, why) and the current partition is always the replay of the
history over the starting one, so undoing a merge restores exactly what was there before it, and a later
re-run of the resolver can be reviewed against the same decisions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cruce.core.errors import InputError


class DecisionKind(enum.StrEnum):
    MERGE = "merge"
    SPLIT = "split"
    UNDO = "undo"


@dataclass(frozen=True, slots=True)
class Decision:
    seq: int
    kind: DecisionKind
    actor: str
    reason: str
    at: datetime
    entities: tuple[str, ...] = ()
    """MERGE: the entities joined (the first one keeps its id)."""
    records: tuple[str, ...] = ()
    """SPLIT: the records moved out into a new entity."""
    undoes: int | None = None


@dataclass(slots=True)
class EntityLedger:
    """The starting partition and the decisions taken on it; `partition()` is their replay."""

    initial: Mapping[str, str]
    decisions: list[Decision] = field(default_factory=list)

    def _add(self, decision: Decision) -> Decision:
        self.decisions.append(decision)
        try:
            self.partition()
        except InputError:
            self.decisions.pop()
            raise
        return decision

    def merge(self, entities: Iterable[str], *, actor: str, reason: str, at: datetime) -> Decision:
        ids = tuple(dict.fromkeys(entities))
        if len(ids) < 2:
            raise InputError("bad_merge", "a merge needs two different entities")
        return self._add(
            Decision(len(self.decisions) + 1, DecisionKind.MERGE, actor, reason, at, entities=ids)
        )

    def split(self, records: Iterable[str], *, actor: str, reason: str, at: datetime) -> Decision:
        ids = tuple(dict.fromkeys(records))
        if not ids:
            raise InputError("bad_split", "a split needs at least one record")
        return self._add(
            Decision(len(self.decisions) + 1, DecisionKind.SPLIT, actor, reason, at, records=ids)
        )

    def undo(self, seq: int, *, actor: str, reason: str, at: datetime) -> Decision:
        target = next((d for d in self.decisions if d.seq == seq), None)
        if target is None:
            raise InputError("unknown_decision", f"no decision {seq} to undo")
        if target.kind is DecisionKind.UNDO:
            raise InputError("bad_undo", f"decision {seq} is itself an undo; take the decision again instead")
        if seq in self.undone():
            raise InputError("bad_undo", f"decision {seq} is already undone")
        return self._add(Decision(len(self.decisions) + 1, DecisionKind.UNDO, actor, reason, at, undoes=seq))

    def undone(self) -> set[int]:
        return {d.undoes for d in self.decisions if d.kind is DecisionKind.UNDO and d.undoes is not None}

    def partition(self) -> dict[str, str]:
        """record -> entity after replaying every decision that was not undone, in order."""
        current = dict(self.initial)
        undone = self.undone()
        for d in self.decisions:
            if d.seq in undone or d.kind is DecisionKind.UNDO:
                continue
            if d.kind is DecisionKind.MERGE:
                present = set(current.values())
                missing = [e for e in d.entities if e not in present]
                if missing:
                    raise InputError(
                        "unknown_entity", f"decision {d.seq}: no entity {', '.join(missing)} to merge"
                    )
                keep = d.entities[0]
                joined = set(d.entities[1:])
                current = {r: keep if e in joined else e for r, e in current.items()}
            else:
                missing = [r for r in d.records if r not in current]
                if missing:
                    raise InputError("unknown_record", f"decision {d.seq}: no record {', '.join(missing)}")
                new_id = f"entity:{min(d.records)}#split{d.seq}"
                for r in d.records:
                    current[r] = new_id
        return current
