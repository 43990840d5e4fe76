"""Partner hit notices as vetting history: what partners told this node counts when it vets an applicant.

The issue asks vetting to check "the partner hit notices": a notice a partner sent about someone (usually
one of its own members, or one this node screens for it) is adverse history for an applicant who is that
person. `ProgramService` reads it through its `HistorySource` alongside the node's own program history.
"""

from __future__ import annotations

from collections.abc import Sequence

from cruce.programs.model import Party
from cruce.programs.vetting import HistoryEvent, HistoryKind
from cruce.sharing.notices import HitNotice
from cruce.storage.partners import PartnerStore


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace(",", " ").split())


def _name_tokens(text: str) -> frozenset[str]:
    return frozenset(_fold(text).split())


class PartnerNoticeHistory:
    """Partner hit notices this node received, as vetting history: a notice counts for a party when its
    membership's documents (as the partner released them) or the listed entity's released identifiers are
    the party's, or when it names the party (same words of the name, and no conflicting birth date)."""

    def __init__(self, partners: PartnerStore) -> None:
        self.partners = partners

    def events_for(self, party: Party) -> Sequence[HistoryEvent]:
        query = party.query
        keys = set()
        for i in query.identifiers:
            number = "".join(i.value.split()).replace("-", "").upper()
            keys.add(f"{i.kind}:{number}")
        words = _name_tokens(query.name)
        born = query.birth_date.iso() if query.birth_date is not None else None
        events: list[HistoryEvent] = []
        for notice in self.partners.notices():
            why = self._why(notice, keys, words, born)
            if why is None:
                continue
            listed = notice.detail("name") or notice.entity_id
            events.append(
                HistoryEvent(
                    HistoryKind.PARTNER_NOTICE,
                    notice.matched_at.date(),
                    f"{notice.sender} hit notice: {notice.subject_name!r} matched {listed!r} on "
                    f"{notice.sender}'s list {notice.list_id} (score {notice.score:.2f}); {why}",
                    outcome="hit",
                    adverse=True,
                    source=f"hit-notice:{notice.sender}:{notice.entity_id}",
                )
            )
        return events

    def _why(self, notice: HitNotice, keys: set[str], words: frozenset[str], born: str | None) -> str | None:
        released = {_short(k) for k in self._documents(notice)}
        released |= {_upper_number(v) for v in (notice.detail("identifiers") or "").split(", ") if v}
        if keys & released:
            return "same document"
        birth = notice.detail("birth_date")
        if born is not None and birth and born not in birth.split(", "):
            return None
        for name in (notice.subject_name, notice.detail("name") or ""):
            if name and _name_tokens(name) == words:
                return "same name" + (" and birth date" if born and birth else "")
        return None

    def _documents(self, notice: HitNotice) -> tuple[str, ...]:
        if not notice.membership_id or not notice.membership_country:
            return ()
        held = self.partners.status(notice.membership_country, notice.membership_id)
        return held.status.documents if held is not None else ()


def _short(key: str) -> str:
    """`passport:MEX:G123` -> `passport:G123` (kind and number: how a notice's identifiers read)."""
    parts = key.split(":", 2)
    return f"{parts[0]}:{parts[2]}" if len(parts) == 3 else key


def _upper_number(value: str) -> str:
    kind, _, number = value.partition(":")
    return f"{kind}:{''.join(number.split()).replace('-', '').upper()}"
