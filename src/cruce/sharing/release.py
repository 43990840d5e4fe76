"""Who may receive marked content (its *reach*), and the one decision every door calls before writing it.

Reach is computed from the content of every marking that applies to an object, inherited ones included,
and from nothing else (never from an id or a partner name a client chose). Every path by which a partner
can come to read something (a TAXII POST, `share publish`, a sync push, an API or console product, and
whatever comes next) calls `may_write` with the markings it is about to store, and stores nothing when the
decision is a refusal. The decision is audited by its caller with the reason given here.

The rules, in the order they are checked:

* A writing role: analyst or releasing officer.
* The writer speaks for its own country only: every marking is owned by the writer's organisation's
  country, every originator the content claims (an ACS originator, a `created_by_ref` identity) is that
  country, and the writer is an owner-country user (no other nationality), as for authoring a product.
* The author the content names, if any, is the writer.
* Clearance at or above the highest classification written.
* Content whose reach goes beyond the writer's country (a REL TO partner, or unmarked/unclassified text,
  which is everyone's) is a release: it needs the releasing-officer role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cruce.core.markings import ALL, Classification, Marking
from cruce.sharing.access import Action, Decision, Role, User

WRITING_ROLES = frozenset({Role.ANALYST, Role.RELEASING_OFFICER})


@dataclass(frozen=True, slots=True)
class Reach:
    """Who may read an object: countries ({ALL} for everyone), level, and the controls that narrow it."""

    countries: frozenset[str]
    level: Classification = Classification.UNCLASSIFIED
    noforn: bool = False
    orcon: bool = False
    owners: frozenset[str] = frozenset()

    def admits(self, country: str, clearance: Classification = Classification.TOP_SECRET) -> bool:
        """May a reader of `country` cleared to `clearance` receive it?"""
        if clearance < self.level:
            return False
        return ALL in self.countries or country in self.countries

    def admits_all(self, countries: Iterable[str], clearance: Classification) -> bool:
        """A reader judged by several countries receives only what every one of them may."""
        return all(self.admits(country, clearance) for country in countries)

    def beyond(self, country: str) -> bool:
        """Does it reach anyone other than `country`?"""
        return ALL in self.countries or bool(self.countries - {country})


EVERYONE = Reach(frozenset({ALL}))


def marking_reach(marking: Marking) -> frozenset[str]:
    """Countries a marked text may go to without asking: ORCON keeps it with its originator."""
    return frozenset({marking.owner}) if marking.orcon else marking.releasable_to


def reach_of(markings: Iterable[Marking | None]) -> Reach:
    """The reach of content carrying all of `markings` (None = a label such as TLP, no releasability).

    The intersection of each marking's releasable set, the highest level, NOFORN or ORCON if any has it.
    With no marking at all the content is everyone's.
    """
    countries: frozenset[str] = frozenset({ALL})
    level = Classification.UNCLASSIFIED
    noforn = orcon = False
    owners: set[str] = set()
    for marking in markings:
        if marking is None:
            continue
        owners.add(marking.owner)
        level = max(level, marking.classification)
        noforn = noforn or marking.noforn
        orcon = orcon or marking.orcon
        mine = marking_reach(marking)
        if ALL not in mine:
            countries = mine if ALL in countries else countries & mine
    return Reach(countries, level, noforn, orcon, frozenset(owners))


def may_write(
    user: User,
    markings: Iterable[Marking | None],
    *,
    originators: Iterable[str] = (),
    author: str | None = None,
    what: str = "this content",
) -> Decision:
    """May `user` write content carrying `markings` where partners can read it? One rule for every door."""
    found = list(markings)
    reach = reach_of(found)
    own = user.organisation.country
    action = Action.RELEASE if reach.beyond(own) else Action.CREATE
    if not user.roles & WRITING_ROLES:
        return Decision(False, action, "role analyst or releasing_officer is needed to write")
    if user.foreign_countries(own):
        return Decision(False, action, f"only {own} users without another nationality may write for {own}")
    foreign_owners = sorted(reach.owners - {own})
    if foreign_owners:
        return Decision(
            False,
            action,
            f"markings owned by {', '.join(foreign_owners)} cannot be written by a {own} account; "
            f"a partner's content reaches this node only by its own release",
        )
    claimed = sorted({code.strip().upper() for code in originators if code and code.strip()} - {own})
    if claimed:
        return Decision(
            False, action, f"the content names originator {', '.join(claimed)}, not the writer's {own}"
        )
    if author and author != user.user_id:
        return Decision(False, action, "the content names another author than the writer")
    if user.clearance < reach.level:
        return Decision(
            False, action, f"clearance {user.clearance.banner} is below the content's {reach.level.banner}"
        )
    if action is Action.RELEASE and Role.RELEASING_OFFICER not in user.roles:
        return Decision(
            False,
            action,
            f"role releasing_officer is needed to release {what} beyond {own}",
        )
    if action is Action.RELEASE:
        to = "everyone" if ALL in reach.countries else ", ".join(sorted(reach.countries - {own}))
        return Decision(True, action, f"{own} releasing officer releases {what} to {to}")
    return Decision(True, action, f"{own} writer keeps {what} within {own}")
