"""Shared pieces of the re-vetting tests: a list with planted members, and a membership side on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from cruce.core.model import Entity, ListInfo, Schema
from cruce.lists.base import ImportResult
from cruce.programs.model import MemberParties, MembershipState
from cruce.programs.revetting import RevetHit
from cruce.synthetic.members import generate_members
from cruce.synthetic.watchlist import generate_watchlist

LIST = ListInfo("synthetic-watchlist", "Synthetic watchlist", "cruce tests", "synthetic")


def listed(size: int = 300, seed: int = 21) -> list[Entity]:
    return generate_watchlist(seed, size)


def members(entities: list[Entity], count: int = 400, planted: int = 40) -> list[MemberParties]:
    """`count` members; `planted` of them written after persons from the end of `entities` (new in v2)."""
    persons = [e for e in entities if e.schema is Schema.PERSON]
    return list(generate_members(count, 21, planted_from=persons[-planted:], pool_people=300))


def result(entities: list[Entity]) -> ImportResult:
    return ImportResult(
        list_info=LIST, entities=entities, skipped=[], source_files=[], dropped=[], ignored={}
    )


class FileDirectory:
    """A membership side that keeps suspensions and alerts in a SQLite file, idempotent on the hit key, as
    `service/programs.py` must be; it also counts every delivery, repeated or not."""

    def __init__(self, path: Path, parties: Iterable[MemberParties]) -> None:
        self.path = path
        self.parties = list(parties)
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS alerts (hit_key TEXT PRIMARY KEY, membership_id TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS suspended (membership_id TEXT PRIMARY KEY)")
            db.execute("CREATE TABLE IF NOT EXISTS deliveries (hit_key TEXT)")

    def active_member_parties(self) -> list[MemberParties]:
        """The same members on every call (a suspension here does not end re-vetting), so that a resumed
        run screens the members an uninterrupted one does and the two can be compared hit for hit."""
        return self.parties

    def suspend_for_alert(self, membership_id: str, hit: RevetHit, actor: str) -> None:
        with sqlite3.connect(self.path) as db:
            db.execute("INSERT INTO deliveries VALUES (?)", (hit.key,))
            db.execute("INSERT OR IGNORE INTO alerts VALUES (?, ?)", (hit.key, membership_id))
            db.execute("INSERT OR IGNORE INTO suspended VALUES (?)", (membership_id,))

    def alerts(self) -> list[str]:
        with sqlite3.connect(self.path) as db:
            return [r[0] for r in db.execute("SELECT hit_key FROM alerts ORDER BY hit_key")]

    def deliveries(self) -> list[str]:
        with sqlite3.connect(self.path) as db:
            return [r[0] for r in db.execute("SELECT hit_key FROM deliveries")]

    def state(self, membership_id: str) -> MembershipState:
        with sqlite3.connect(self.path) as db:
            found = db.execute("SELECT 1 FROM suspended WHERE membership_id = ?", (membership_id,)).fetchone()
        return MembershipState.SUSPENDED if found else MembershipState.ACTIVE
