"""Case files against smuggling and trafficking rings: subjects, events, evidence, notes, tasks, the workflow.

A case belongs to the country that opened it (`owner`). Every part of it (the title, each subject, event,
evidence description, note and task) carries its own portion marking, so a partner's prosecutor receives the
tear-line version (`tear_line`): only the parts released to their country, the banner recomputed from those.

The status workflow is a table (`TRANSITIONS`), not code scattered over the callers:

    open -> investigation -> referred (to a named partner) -> accepted | declined (with a reason) -> closed

A declined case may go back to investigation (more work, then a new referral). Every change records who,
when, why and (for a referral) to whom; a move the table does not hold is refused with the moves that are
possible from the current status.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from cruce.core.errors import InputError
from cruce.core.markings import Marking, is_country_trigraph, roll_up


class SubjectKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    VEHICLE = "vehicle"
    PHONE = "phone"
    ADDRESS = "address"
    ACCOUNT = "account"
    VESSEL = "vessel"


class EventKind(enum.StrEnum):
    APPREHENSION = "apprehension"
    SEIZURE = "seizure"
    CROSSING = "crossing"
    RESCUE = "rescue"
    INTERVIEW = "interview"
    TRANSFER = "transfer"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    INVESTIGATION = "investigation"
    REFERRED = "referred"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CLOSED = "closed"


TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.INVESTIGATION, CaseStatus.CLOSED}),
    CaseStatus.INVESTIGATION: frozenset({CaseStatus.REFERRED, CaseStatus.CLOSED}),
    CaseStatus.REFERRED: frozenset({CaseStatus.ACCEPTED, CaseStatus.DECLINED}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.DECLINED: frozenset({CaseStatus.INVESTIGATION, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
"""Where a case may go from each status; anything else is refused."""

PART_KINDS = ("subject", "event", "evidence", "note", "task")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class CaseStateError(InputError):
    """A status change the workflow does not allow (HTTP 409), with the moves that are allowed."""

    def __init__(self, message: str, status: CaseStatus) -> None:
        allowed = sorted(s.value for s in TRANSITIONS[status])
        super().__init__("bad_case_transition", message, {"status": status.value, "allowed": allowed})


def subject_kind(text: str) -> SubjectKind:
    """The kind of a subject from its name, or a clear error naming the kinds there are."""
    try:
        return SubjectKind(text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in SubjectKind)
        raise InputError(
            "unknown_subject_kind", f"unknown subject kind {text!r}; use one of: {kinds}"
        ) from None


def event_kind(text: str) -> EventKind:
    try:
        return EventKind(text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in EventKind)
        raise InputError("unknown_event_kind", f"unknown event kind {text!r}; use one of: {kinds}") from None


def check_id(value: str, what: str) -> str:
    if not _ID.match(value or ""):
        raise InputError(
            "bad_id",
            f"{what} {value!r}: 1 to 64 letters, digits, '.', '_', ':' or '-', starting alphanumeric",
        )
    return value


@dataclass(frozen=True, slots=True)
class Subject:
    """A person, organisation, vehicle, phone, address, account or vessel the case is about.

    `identifiers` hold documents, plates, numbers (`{"passport": "G123", "plate": "SON-123"}`);
    `prior_offences` counts the convictions a prosecutor's guideline may ask for (persons).
    """

    subject_id: str
    kind: SubjectKind
    name: str
    marking: Marking
    identifiers: Mapping[str, str] = field(default_factory=dict)
    birth_date: str = ""
    nationality: str = ""
    prior_offences: int = 0
    role: str = ""  # driver, recruiter, stash house, guide...


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, with the counts prosecution guidelines are written in."""

    event_id: str
    kind: EventKind
    at: datetime
    place: str
    description: str
    marking: Marking
    subjects: tuple[str, ...] = ()
    migrants: int = 0
    minors: int = 0
    deaths: int = 0
    endangered: bool = False
    seized_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """An item of evidence: its description (marked), the sha256 of its content at intake, who holds it."""

    evidence_id: str
    description: str
    marking: Marking
    sha256: str
    size_bytes: int
    received_at: datetime
    received_by: str
    holder: str
    media_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Note:
    note_id: str
    text: str
    marking: Marking
    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Task:
    task_id: str
    text: str
    marking: Marking
    assignee: str = ""
    done: bool = False
    done_by: str = ""
    done_at: datetime | None = None


Part = Subject | Event | Evidence | Note | Task


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of the workflow: from, to, who, when, why, and the partner of a referral."""

    seq: int
    from_status: CaseStatus | None
    to_status: CaseStatus
    actor: str
    at: datetime
    reason: str = ""
    partner: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    owner: str
    title: str
    title_marking: Marking
    status: CaseStatus
    opened_by: str
    opened_at: datetime
    partner: str = ""  # the partner the case is (or was last) referred to
    subjects: tuple[Subject, ...] = ()
    events: tuple[Event, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    notes: tuple[Note, ...] = ()
    tasks: tuple[Task, ...] = ()
    history: tuple[StatusChange, ...] = ()

    @property
    def parts(self) -> tuple[Part, ...]:
        return (*self.subjects, *self.events, *self.evidence, *self.notes, *self.tasks)

    @property
    def markings(self) -> tuple[Marking, ...]:
        return (self.title_marking, *(p.marking for p in self.parts))

    @property
    def banner(self) -> Marking:
        return roll_up(self.markings)


def part_id(part: Part) -> str:
    if isinstance(part, Subject):
        return part.subject_id
    if isinstance(part, Event):
        return part.event_id
    if isinstance(part, Evidence):
        return part.evidence_id
    if isinstance(part, Note):
        return part.note_id
    return part.task_id


def part_kind(part: Part) -> str:
    return {Subject: "subject", Event: "event", Evidence: "evidence", Note: "note", Task: "task"}[type(part)]


def check_marking(case_owner: str, marking: Marking, what: str) -> Marking:
    """A part of a case is marked by the case's owner country: another's marking would claim its authority."""
    if marking.owner != case_owner:
        raise InputError(
            "bad_marking",
            f"{what} is marked by {marking.owner}, but the case belongs to {case_owner}; "
            f"mark it as {case_owner} (for example S//REL TO {case_owner}, MEX)",
        )
    return marking


def transition(  # noqa: PLR0917 - one status change's fields
    case: Case,
    to: CaseStatus | str,
    actor: str,
    at: datetime,
    reason: str = "",
    partner: str = "",
) -> Case:
    """`case` after moving to `to`, or CaseStateError; a referral names its partner, a decline its reason."""
    try:
        target = CaseStatus(to)
    except ValueError:
        known = ", ".join(s.value for s in CaseStatus)
        raise InputError("bad_case_status", f"unknown case status {to!r}; statuses are {known}") from None
    if target not in TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[case.status])) or "none (the case is closed)"
        raise CaseStateError(
            f"case {case.case_id} is {case.status.value}: it cannot become {target.value}; "
            f"possible next steps: {allowed}",
            case.status,
        )
    partner = partner.strip().upper()
    if target is CaseStatus.REFERRED:
        if not is_country_trigraph(partner):
            raise InputError(
                "bad_partner", f"a referral names the partner country (e.g. MEX), not {partner!r}"
            )
        if partner == case.owner:
            raise InputError(
                "bad_partner", f"a {case.owner} case is referred to a partner, not to {case.owner}"
            )
    elif partner:
        raise InputError("bad_partner", "only a referral names a partner")
    if target is CaseStatus.DECLINED and not reason.strip():
        raise InputError("reason_needed", "a declined referral needs the reason the partner gives")
    last = case.history[-1].at if case.history else case.opened_at
    if at < last:
        raise InputError("time_out_of_order", f"a status change at {at.isoformat()} is before the last one")
    change = StatusChange(
        len(case.history) + 1, case.status, target, actor, at, reason.strip(), partner or ""
    )
    return replace(
        case,
        status=target,
        partner=partner if target is CaseStatus.REFERRED else case.partner,
        history=(*case.history, change),
    )


# -- the partner's view ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseTearLine:
    """What one partner receives of a case: the released parts, a banner recomputed from them, how many
    parts were withheld (the count, never what they were)."""

    case: Case
    partner: str
    banner: Marking | None
    withheld: int


WITHHELD_TITLE = "(title not releasable)"


def tear_line(case: Case, partner: str) -> CaseTearLine:
    """The partner's version of `case`: only the parts whose marking releases them to `partner`."""
    partner = partner.strip().upper()

    def keep(marking: Marking) -> bool:
        return marking.releasable(partner)

    subjects = tuple(p for p in case.subjects if keep(p.marking))
    kept_ids = {s.subject_id for s in subjects}
    events = tuple(
        replace(e, subjects=tuple(s for s in e.subjects if s in kept_ids))
        for e in case.events
        if keep(e.marking)
    )
    evidence = tuple(p for p in case.evidence if keep(p.marking))
    notes = tuple(p for p in case.notes if keep(p.marking))
    tasks: tuple[Task, ...] = ()  # tasks are the owner's own work list; they never leave
    title_ok = keep(case.title_marking)
    view = replace(
        case,
        title=case.title if title_ok else WITHHELD_TITLE,
        subjects=subjects,
        events=events,
        evidence=evidence,
        notes=notes,
        title_marking=case.title_marking if title_ok else Marking.of("U", case.owner),
        tasks=tasks,
        history=_referrals_to(case.history, partner),
    )
    given = [p.marking for p in view.parts] + ([case.title_marking] if title_ok else [])
    total = 1 + len(case.parts)
    return CaseTearLine(view, partner, roll_up(given) if given else None, total - len(given))


def _referrals_to(history: tuple[StatusChange, ...], partner: str) -> tuple[StatusChange, ...]:
    """The owner's workflow is its own; a partner sees its referrals and its own answers to them."""
    kept: list[StatusChange] = []
    for k, change in enumerate(history):
        if change.to_status is CaseStatus.REFERRED and change.partner == partner:
            kept.append(change)
        elif change.to_status in (CaseStatus.ACCEPTED, CaseStatus.DECLINED) and k > 0:
            before = history[k - 1]
            if before.to_status is CaseStatus.REFERRED and before.partner == partner:
                kept.append(change)
    return tuple(kept)
