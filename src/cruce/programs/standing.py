"""A crossing's standing in the trusted programs, looked up at the booth: expedited, FAST, a certified
shipper's inspection factor, or a referral with the reason.

The booth reads what is presented (every traveler's documents, the carrier and the importer named) and asks a
`MembershipDirectory` (the port through which storage answers: this node's memberships and the statuses its
partners released to it) which membership each one holds. Nothing presented is trusted by itself: a card
with no membership behind it, or behind a suspended one, gives nothing.

The rules (the issue's bargain): the trusted lane only when *every* traveler is an ACTIVE member, unexpired,
with no open alert, in a program and tier this country grants the expedited lane to (its own, or a
partner's it recognises); FAST for a truck only when its driver, carrier and importer all are active members
with FAST standing here. A SUSPENDED membership (pending review: a new alert, a partner's suspension) refers
the crossing to secondary with the reason; a revoked or expired one routes it by score like anyone's, with
the reason shown. An active certified importer or shipper lowers the truck's chance of secondary by its
tier's factor (the lowest factor of the two), which the router applies within the port's budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Protocol

import pycountry

from cruce.programs.model import MembershipState, MembershipStatus
from cruce.programs.recognition import Agreement, Benefit
from cruce.scoring.crossings import Crossing, Mode, Traveler
from cruce.scoring.lanes import ProgramStanding


class MembershipDirectory(Protocol):
    """Which membership a presented document or a named company holds, and whether it has open alerts.

    Keys are `document_key(...)` and `company_key(...)` strings. The lead wires h16core's programs service
    (own memberships) and the partner-status store behind this with one adapter.
    """

    def find(self, keys: Sequence[str]) -> MembershipStatus | None: ...

    def open_alerts(self, membership_id: str) -> int: ...


@lru_cache(maxsize=512)
def _alpha3(country: str) -> str:
    code = country.strip().upper()
    if len(code) == 2:
        found = pycountry.countries.get(alpha_2=code)
        return str(found.alpha_3) if found is not None else code
    return code


def document_key(kind: str, country: str, number: str) -> str:
    """`passport:MEX:G12345678`: a travel document as membership records name it (alpha-2 or -3 accepted)."""
    digits = re.sub(r"[\s-]", "", number).upper()
    return f"{kind.strip().lower()}:{_alpha3(country)}:{digits}"


def company_key(name: str) -> str:
    """`company:acme freight sa de cv`: a company as declarations name it, case and spacing folded."""
    return "company:" + " ".join(name.casefold().split())


def traveler_keys(traveler: Traveler) -> tuple[str, ...]:
    return tuple(document_key(d.kind, d.country, d.number) for d in traveler.documents)


@dataclass(slots=True)
class InMemoryDirectory:
    """A `MembershipDirectory` over statuses held in memory (the simulation's, a test's, a booth cache)."""

    statuses: dict[str, MembershipStatus] = field(default_factory=dict)  # membership id -> newest status
    keys: dict[str, str] = field(default_factory=dict)  # document/company key -> membership id
    alerts: dict[str, int] = field(default_factory=dict)  # membership id -> open alerts

    def put(self, status: MembershipStatus, keys: Iterable[str] = ()) -> bool:
        """Keep `status` if it is newer than the one held; its `documents` and `keys` find it."""
        held = self.statuses.get(status.membership_id)
        if held is not None and held.changed_at > status.changed_at:
            return False
        self.statuses[status.membership_id] = status
        for key in (*status.documents, *keys):
            self.keys[key] = status.membership_id
        return True

    def find(self, keys: Sequence[str]) -> MembershipStatus | None:
        for key in keys:
            membership_id = self.keys.get(key)
            if membership_id is not None:
                return self.statuses[membership_id]
        return None

    def open_alerts(self, membership_id: str) -> int:
        return self.alerts.get(membership_id, 0)

    def __len__(self) -> int:
        return len(self.statuses)


@dataclass(frozen=True, slots=True)
class _Check:
    status: MembershipStatus | None
    benefit: Benefit | None  # None: not usable (not a member, not active, alerts, expired)
    label: str = ""


def crossing_standing(
    crossing: Crossing, directory: MembershipDirectory, agreement: Agreement, country: str, at: datetime
) -> ProgramStanding:
    """The crossing's standing at a port of `country` at `at` (see the module doc for the rules)."""
    referrals: list[str] = []
    notes: list[str] = []

    def check(who: str, keys: Sequence[str]) -> _Check:
        status = directory.find(keys)
        if status is None:
            return _Check(None, None)
        label = f"{status.program_id} membership {status.membership_id} ({status.country})"
        because = f": {status.reason}" if status.reason else ""
        expired = status.expires_at is not None and status.expires_at <= at
        if status.state is MembershipState.SUSPENDED:
            referrals.append(f"{who}: {label} suspended on {status.changed_at:%Y-%m-%d}{because}")
            return _Check(status, None, label)
        if status.state is not MembershipState.ACTIVE or expired:
            state = "expired" if expired else status.state.value
            notes.append(f"{who}: {label} {state}{because}: no trusted-program benefit")
            return _Check(status, None, label)
        alerts = directory.open_alerts(status.membership_id)
        if alerts:
            notes.append(f"{who}: {label} has {alerts} open alert{'s' if alerts > 1 else ''}: not expedited")
            return _Check(status, None, label)
        benefit, why = agreement.benefit(status.program_id, status.tier, country)
        if benefit == Benefit():
            notes.append(f"{who}: {why}")
        foreign = f" ({status.country}'s, recognised by {country})" if status.country != country else ""
        return _Check(status, benefit, f"{status.program_id} {status.membership_id}{foreign}")

    people = [(t, check(f"{t.role.value} {t.name}", traveler_keys(t))) for t in crossing.travelers]
    expedite: str | None = None
    factor = 1.0
    if crossing.mode is Mode.COMMERCIAL_TRUCK:
        expedite, factor = _truck(crossing, people, check, notes)
    elif crossing.mode is not Mode.BUS and people:
        if all(c.benefit is not None and c.benefit.expedited for _, c in people):
            expedite = " + ".join(dict.fromkeys(c.label for _, c in people))
        elif any(c.status is not None for _, c in people):
            missing = [t.name for t, c in people if c.status is None]
            if missing:
                notes.append(f"not every traveler is a member ({', '.join(missing)} not enrolled)")
    return ProgramStanding(expedite, factor, tuple(referrals), tuple(notes))


def _truck(
    crossing: Crossing,
    people: list[tuple[Traveler, _Check]],
    check: _CheckFn,
    notes: list[str],
) -> tuple[str | None, float]:
    driver = next((c for t, c in people if t is crossing.driver), None)
    cargo = crossing.cargo
    carrier_name = crossing.vehicle.carrier if crossing.vehicle and crossing.vehicle.carrier else None
    carrier_name = carrier_name or (cargo.carrier if cargo else None)
    companies: dict[str, _Check] = {}
    for role, name in (("carrier", carrier_name), *((("importer", cargo.importer),) if cargo else ())):
        if name:
            companies[role] = check(f"{role} {name}", (company_key(name),))
    factor = 1.0
    certified = ""
    if cargo is not None:
        shipper = companies.get("importer") if cargo.shipper == cargo.importer else None
        shipper = shipper or check(f"shipper {cargo.shipper}", (company_key(cargo.shipper),))
        for role, found in (("importer", companies.get("importer")), ("shipper", shipper)):
            if found is not None and found.benefit is not None and found.benefit.inspection_factor < factor:
                factor, certified = found.benefit.inspection_factor, f"certified {role}: {found.label}"
    parties = {"driver": driver, **companies}
    needed = ("driver", "carrier", "importer") if cargo is not None else ("driver", "carrier")
    lacking = [r for r in needed if not _fast(parties.get(r))]
    lacking += [f"{t.role.value} {t.name}" for t, c in people if t is not crossing.driver and not _fast(c)]
    if not lacking:
        return "FAST (driver, carrier and importer are active members)", 1.0
    if driver is not None and driver.status is not None:
        notes.append(f"no FAST lane: {', '.join(lacking)} not an active FAST-eligible member")
    if certified:
        notes.append(f"{certified}: chance of secondary x{factor:g}")
    return None, factor


def _fast(found: _Check | None) -> bool:
    return found is not None and found.benefit is not None and found.benefit.fast


class _CheckFn(Protocol):
    def __call__(self, who: str, keys: Sequence[str]) -> _Check: ...
