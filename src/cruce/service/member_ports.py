"""The programs service behind the ports the booth, partner coordination and vetting read memberships by.

`ProgramService` keeps this node's own applications and memberships. Three consumers were built against
ports so they could be written before it; this module is their one adapter each:

- `ProgramDirectory`: the booth's `MembershipDirectory` (document and company keys, open alerts), combined
  with partners' statuses by `booth_directory` (`BoothDirectory(PartnerStore, own=...)`);
- `ProgramSuspender`: coordination's `Suspender`, so a partner's hit notice suspends through
  `ProgramService.suspend_for_alert` (alert queued with the member's context, audited);
- `RevetDirectory`: re-vetting's `MemberDirectory` (active members' parties; a hit suspends the membership
  and queues the alert, idempotent on the hit's key so a run resumed after a crash changes nothing twice);

`own_statuses` lists this node's memberships as they travel to partners (status and subject).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cruce.core.errors import NotFoundError
from cruce.programs.model import MemberParties, MembershipStatus, Party, PartyRole, ProgramKind
from cruce.programs.revetting import RevetHit
from cruce.service.coordination import BoothDirectory
from cruce.service.programs import Actor, AlertEvidence, MembershipView, ProgramService
from cruce.sharing.notices import Subject
from cruce.storage.partners import PartnerStore

COMPANY_PREFIX = "company:"


def _lookup_keys(keys: Sequence[str]) -> tuple[list[str], list[str]]:
    """Document keys as enrolment stores them, and company names, from the booth's keys.

    The booth writes every document `kind:ALPHA3:NUMBER`; enrolment keeps the issuer only for kinds that
    need it (`curp::...`), so both forms are asked for."""
    documents: list[str] = []
    companies: list[str] = []
    for key in keys:
        if key.startswith(COMPANY_PREFIX):
            companies.append(key.removeprefix(COMPANY_PREFIX))
            continue
        documents.append(key)
        parts = key.split(":", 2)
        if len(parts) == 3 and parts[1]:
            documents.append(f"{parts[0]}::{parts[2]}")
    return list(dict.fromkeys(documents)), companies


@dataclass(slots=True)
class ProgramDirectory:
    """This node's own memberships as the booth looks them up (`MembershipDirectory`)."""

    programs: ProgramService
    country: str | None = None  # None: every membership the node keeps

    def find(self, keys: Sequence[str]) -> MembershipStatus | None:
        documents, companies = _lookup_keys(keys)
        found = self.programs.membership_for(documents=documents, country=self.country)
        for name in companies:
            if found:
                break
            found = [
                f
                for f in self.programs.membership_for(name=name, country=self.country)
                if f.membership.program.kind is ProgramKind.COMPANY
            ]
        if not found:
            return None
        return self.programs.status(found[0].membership.membership_id)

    def open_alerts(self, membership_id: str) -> int:
        return self.programs.open_alerts(membership_id)


def booth_directory(programs: ProgramService, partners: PartnerStore) -> BoothDirectory:
    """The booth's directory: this node's memberships first, then the statuses partners released to it."""
    return BoothDirectory(partners, own=ProgramDirectory(programs))


@dataclass(slots=True)
class ProgramSuspender:
    """Coordination's `Suspender` over the programs service: a partner's notice about one of this node's
    members suspends the membership pending review and queues the alert, in one audited transaction."""

    programs: ProgramService
    country: str

    def current(self, membership_id: str) -> MembershipStatus | None:
        try:
            return self.programs.status(membership_id, self.country)
        except NotFoundError:
            return None

    def suspend(self, membership_id: str, reason: str, actor: str) -> MembershipStatus:
        self.programs.suspend_for_alert(membership_id, reason=reason, actor=actor)
        return self.programs.status(membership_id, self.country)


def own_statuses(
    programs: ProgramService, country: str, membership_ids: Sequence[str] | None = None
) -> list[tuple[MembershipStatus, Subject | None]]:
    """This node's memberships (all of `country`'s, or those named) with the subject partners screen."""
    actor = Actor("system", country)
    ids = (
        list(membership_ids)
        if membership_ids is not None
        else [v.membership_id for v in _all(programs, actor)]
    )
    out: list[tuple[MembershipStatus, Subject | None]] = []
    for membership_id in ids:
        page = programs.member(actor, membership_id)
        out.append((programs.status(membership_id, country), _subject(page.parties)))
    return out


def _all(programs: ProgramService, actor: Actor) -> Iterator[MembershipView]:
    after: int | None = None
    while True:
        page = programs.memberships(actor, after=after, limit=500)
        yield from page.items
        if page.next_after is None:
            return
        after = page.next_after


def _subject(parties: Sequence[Party]) -> Subject | None:
    main = next((p for p in parties if p.role in (PartyRole.APPLICANT, PartyRole.COMPANY)), None)
    if main is None:
        return None
    query = main.query
    return Subject(
        query.name,
        query.birth_date.iso() if query.birth_date is not None else None,
        tuple(query.countries),
        main.role is PartyRole.COMPANY,
    )


@dataclass(slots=True)
class RevetDirectory:
    """Re-vetting's `MemberDirectory` over the programs service.

    A hit suspends the membership pending review and queues one alert carrying the matcher's reasons and
    the party that matched. The alert is keyed by the hit (`RevetHit.key`): delivered again after a crash,
    the same hit finds its alert still open and the membership already suspended, and leaves no trace."""

    programs: ProgramService

    def active_member_parties(self) -> Iterable[MemberParties]:
        return self.programs.active_member_parties()

    def suspend_for_alert(self, membership_id: str, hit: RevetHit, actor: str) -> None:
        record = self.programs.db.membership(membership_id, None)
        parties = self.programs.db.parties(record.application_id)
        party = next(
            (p for p in parties if p.role is hit.party_role and p.query.name == hit.party_name),
            None,
        )
        ordered = sorted(hit.features, key=lambda f: -abs(f.value))
        features = (
            *({"name": f.name, "value": round(f.value, 4), "detail": f.detail} for f in ordered),
            {"name": "matcher", "value": round(hit.score, 4), "detail": hit.matcher},
        )
        reason = (
            f"re-vetting: {hit.party_role.value} {hit.party_name!r} matches {hit.entity_caption!r} "
            f"({hit.entity_id}) on list {hit.list_id} at {hit.score:.2f}"
        )
        self.programs.suspend_for_alert(
            membership_id,
            reason=reason,
            party=party,
            actor=actor,
            evidence=AlertEvidence(hit.entity_id, hit.entity_caption, hit.score, features, _digest(hit.key)),
            once=True,
        )


def _digest(key: str) -> str:
    """The hit's key as an alert's `entity_hash`: the same hit finds its open alert again."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
