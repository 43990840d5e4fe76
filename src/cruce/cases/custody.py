"""Evidence chain of custody: an append-only, hash-chained log of intakes and hand-overs, and its check.

Each case keeps one custody log. Entry `seq` (1, 2, 3...) holds an intake (the item's sha256 at intake, who
received it, where) or a hand-over (who gave it, who took it, when, where, why), `prev_hash` (the hash of
entry `seq - 1`, `GENESIS` for the first) and `hash = sha256(canonical JSON of seq, prev_hash, entry)`,
exactly as the audit chain does (`cruce.sharing.audit`).

A hand-over must follow the item's custody: it is given by its current holder, not before the last time it
changed hands (`next_handover` refuses anything else, so nothing out of order is ever written). `verify`
then finds, each with the seq it concerns: an entry changed (no longer matches its hash), an entry removed or
reordered (a gap, or a `prev_hash` that is not its predecessor's), a hand-over out of order (from someone who
did not hold the item, or dated before the previous one), a tail cut off (the last entry is not the head),
and an item whose content no longer matches the sha256 taken at intake.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cruce.core.errors import InputError
from cruce.sharing.audit import GENESIS, canonical_json

INTAKE, HANDOVER = "intake", "handover"


class CustodyError(InputError):
    """A hand-over the chain of custody does not allow; nothing was written."""


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    """An intake or a hand-over of one evidence item. `at` is timezone-aware; kept in UTC."""

    evidence_id: str
    kind: str  # intake | handover
    at: datetime
    from_holder: str  # '' for an intake
    to_holder: str
    place: str
    purpose: str
    sha256: str = ""  # the content's hash, at intake

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InputError("naive_time", "a custody entry's time must be timezone-aware (UTC)")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        if self.kind not in (INTAKE, HANDOVER):
            raise InputError(
                "bad_custody_kind", f"a custody entry is an intake or a handover, not {self.kind!r}"
            )
        if not self.to_holder.strip():
            raise InputError("holder_needed", "a custody entry names who takes the item")

    def to_dict(self) -> dict[str, Any]:
        return {
            "evidence_id": self.evidence_id,
            "kind": self.kind,
            "at": self.at.isoformat(timespec="microseconds"),
            "from": self.from_holder,
            "to": self.to_holder,
            "place": self.place,
            "purpose": self.purpose,
            "sha256": self.sha256,
        }


@dataclass(frozen=True, slots=True)
class CustodyRecord:
    seq: int
    entry: CustodyEntry
    prev_hash: str
    hash: str


def custody_hash(prev_hash: str, seq: int, entry: CustodyEntry) -> str:
    text = canonical_json({"seq": seq, "prev_hash": prev_hash, "entry": entry.to_dict()})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain(last: CustodyRecord | None, entry: CustodyEntry) -> CustodyRecord:
    """The record appending `entry` after `last` (None: the first of the log)."""
    seq = last.seq + 1 if last is not None else 1
    prev = last.hash if last is not None else GENESIS
    return CustodyRecord(seq, entry, prev, custody_hash(prev, seq, entry))


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def holder_of(records: Iterable[CustodyRecord], evidence_id: str) -> tuple[str, datetime] | None:
    """Who holds an item now, and since when (None: never taken in)."""
    found: tuple[str, datetime] | None = None
    for record in records:
        if record.entry.evidence_id == evidence_id:
            found = (record.entry.to_holder, record.entry.at)
    return found


def next_handover(records: Iterable[CustodyRecord], entry: CustodyEntry) -> None:
    """Refuse (CustodyError) a hand-over that does not follow the item's custody so far."""
    current = holder_of(records, entry.evidence_id)
    if current is None:
        raise CustodyError("unknown_evidence", f"evidence {entry.evidence_id!r} was never taken in")
    holder, since = current
    if entry.from_holder != holder:
        raise CustodyError(
            "custody_out_of_order",
            f"evidence {entry.evidence_id} is held by {holder}, not {entry.from_holder or 'nobody'}: "
            "only its holder can hand it over",
        )
    if entry.at < since:
        raise CustodyError(
            "custody_out_of_order",
            f"a hand-over of {entry.evidence_id} at {entry.at.isoformat()} is before its last one "
            f"({since.isoformat()}); custody moves forward in time",
        )
    if entry.to_holder == holder:
        raise CustodyError("custody_no_change", f"{holder} already holds evidence {entry.evidence_id}")


@dataclass(frozen=True, slots=True)
class CustodyProblem:
    seq: int  # 0 for a problem of an item rather than of an entry
    evidence_id: str
    problem: str


@dataclass(frozen=True, slots=True)
class CustodyVerification:
    ok: bool
    checked: int
    items: int
    problems: tuple[CustodyProblem, ...]


def verify(
    records: Iterable[CustodyRecord],
    head: tuple[int, str],
    contents: Mapping[str, bytes | None],
    intake_hashes: Mapping[str, str],
) -> CustodyVerification:
    """Check a case's custody log (in stored order) against its hashes, itself, its head, and the items.

    `contents`: each item's content as stored now (None: missing); `intake_hashes`: each item's sha256 as
    recorded on the case. An item is flagged when its content is gone or no longer hashes to that value,
    or when its intake entry records another hash.
    """
    problems: list[CustodyProblem] = []
    last_seq, last_hash = 0, GENESIS
    holders: dict[str, tuple[str, datetime]] = {}
    checked = 0
    for record in records:
        checked += 1
        entry, seq = record.entry, record.seq
        item = entry.evidence_id
        if custody_hash(record.prev_hash, seq, entry) != record.hash:
            problems.append(
                CustodyProblem(seq, item, f"entry {seq} was altered: it no longer matches its hash")
            )
        if seq != last_seq + 1:
            problems.append(
                CustodyProblem(
                    seq, item, f"entry {seq} follows entry {last_seq}: entries are missing or reordered"
                )
            )
        elif record.prev_hash != last_hash:
            problems.append(
                CustodyProblem(
                    seq, item, f"entry {seq} does not chain to entry {last_seq} (removed or rewritten)"
                )
            )
        if entry.kind == INTAKE:
            if item in holders:
                problems.append(CustodyProblem(seq, item, f"entry {seq} takes in {item} a second time"))
            recorded = intake_hashes.get(item)
            if recorded is not None and recorded != entry.sha256:
                problems.append(
                    CustodyProblem(
                        seq, item, f"the intake of {item} recorded another hash than the case holds"
                    )
                )
        else:
            held = holders.get(item)
            if held is None:
                problems.append(CustodyProblem(seq, item, f"entry {seq} hands over {item} before its intake"))
            else:
                if entry.from_holder != held[0]:
                    problems.append(
                        CustodyProblem(
                            seq,
                            item,
                            f"hand-over out of order: entry {seq} has {entry.from_holder} give {item}, "
                            f"held by {held[0]}",
                        )
                    )
                if entry.at < held[1]:
                    problems.append(
                        CustodyProblem(
                            seq, item, f"hand-over out of order: entry {seq} is dated before the previous one"
                        )
                    )
        holders[item] = (entry.to_holder, entry.at)
        last_seq, last_hash = seq, record.hash
    if (last_seq, last_hash) != head:
        problems.append(
            CustodyProblem(
                last_seq,
                "",
                f"the log ends at entry {last_seq} but its head names entry {head[0]}: "
                "entries were cut off or written outside the log",
            )
        )
    for item, expected in sorted(intake_hashes.items()):
        content = contents.get(item)
        if item not in holders:
            problems.append(CustodyProblem(0, item, f"evidence {item} has no intake in the custody log"))
        if content is None:
            problems.append(CustodyProblem(0, item, f"the content of evidence {item} is missing"))
        elif content_sha256(content) != expected:
            problems.append(
                CustodyProblem(
                    0,
                    item,
                    f"evidence {item} changed: its content no longer matches the sha256 taken at intake",
                )
            )
    problems.sort(key=lambda p: (p.seq, p.evidence_id))
    return CustodyVerification(not problems, checked, len(intake_hashes), tuple(problems))
