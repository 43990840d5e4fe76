"""The vocabulary of trusted programs, shared by enrolment, vetting, re-vetting, lanes and partner exchange.

Pure data: no storage, no I/O. Programs and tiers are configuration (YAML presets), so they are plain records
here; application and membership states are enums with the transitions a real program allows, so that every
caller (CLI, API, re-vetting, a partner's status update) is refused the same impossible move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cruce.matching.types import Query


class ProgramKind(StrEnum):
    PERSON = "person"  # SENTRI / NEXUS / Global Entry-like
    COMPANY = "company"  # C-TPAT / OEA / PIP-like: the company, its facilities, drivers and trucks


class PartyRole(StrEnum):
    """Who in an application is vetted; every role is screened, not only the applicant."""

    APPLICANT = "applicant"
    COMPANY = "company"
    OFFICER = "officer"
    DRIVER = "driver"
    VEHICLE_OWNER = "vehicle_owner"
    VEHICLE = "vehicle"
    FACILITY = "facility"


class ApplicationState(StrEnum):
    SUBMITTED = "submitted"
    VETTING = "vetting"
    INTERVIEW = "interview"
    APPROVED = "approved"
    DENIED = "denied"


class MembershipState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # pending review (a new alert, a partner's suspension); never expedited
    REVOKED = "revoked"
    EXPIRED = "expired"


APPLICATION_TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.SUBMITTED: frozenset({ApplicationState.VETTING, ApplicationState.DENIED}),
    ApplicationState.VETTING: frozenset({ApplicationState.INTERVIEW, ApplicationState.DENIED}),
    ApplicationState.INTERVIEW: frozenset({ApplicationState.APPROVED, ApplicationState.DENIED}),
    ApplicationState.APPROVED: frozenset(),
    ApplicationState.DENIED: frozenset(),
}
"""An approval always passed vetting and an interview; a denial can come at any open step."""

MEMBERSHIP_TRANSITIONS: dict[MembershipState, frozenset[MembershipState]] = {
    MembershipState.ACTIVE: frozenset(
        {MembershipState.SUSPENDED, MembershipState.REVOKED, MembershipState.EXPIRED, MembershipState.ACTIVE}
    ),  # ACTIVE -> ACTIVE is a renewal
    MembershipState.SUSPENDED: frozenset({MembershipState.ACTIVE, MembershipState.REVOKED}),
    MembershipState.REVOKED: frozenset(),
    MembershipState.EXPIRED: frozenset({MembershipState.ACTIVE}),  # renewed after expiry
}


@dataclass(frozen=True, slots=True)
class Party:
    """One party of an application or membership, as the matcher sees it (`query`) plus its role."""

    role: PartyRole
    query: Query


@dataclass(frozen=True, slots=True)
class MemberParties:
    """What re-vetting screens in reverse: an active membership's parties, keyed by membership id.

    `country` is the node (ISO alpha-3) that owns the membership; `program_id` names its program.
    """

    membership_id: str
    program_id: str
    country: str
    parties: tuple[Party, ...]


@dataclass(frozen=True, slots=True)
class MembershipStatus:
    """A membership's state as it travels to partners (under markings) for mutual recognition."""

    membership_id: str
    program_id: str
    tier: str
    country: str  # ISO alpha-3 of the node that vetted the member
    state: MembershipState
    changed_at: datetime
    reason: str = ""
    expires_at: datetime | None = None
    documents: tuple[str, ...] = field(default=())  # e.g. "passport:MEX:G12345678", for matching at a port
