"""Joint cases: open, add parts, hand evidence over, check guidelines, refer (a release), answer, close, read.

Who may do what (decided here, for the CLI, the API and the console alike; every decision is audited):

* A case belongs to its owner country. Its owner-country users (no other nationality) with a writing role
  (analyst, releasing officer) open cases and add parts, each part marked by that country and no higher
  than the writer's clearance. They read the whole case, less any part above their clearance.
* Another country's users see a case only once it was referred to their country, and then only its
  tear-line version (the parts released to every country they belong to, within their clearance). Anyone
  else gets exactly what a missing case gives: 404 `case_not_found`.
* A referral is a release: the guideline of the partner is checked on the partner's tear-line version (what
  its prosecutor will actually receive), then `may_write_parts` (the one release decision) on every part
  that leaves, which needs a releasing officer. With a TAXII collection, the version's STIX objects are
  stored there (for the partner's sync) in the same transaction as the status change and the audit records.
* The partner's users (analyst or releasing officer of the partner country) accept or decline it, a decline
  with its reason; the owner closes the case.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from cruce.cases import guidelines as guide
from cruce.cases.casefile import (
    Case,
    CaseStatus,
    CaseTearLine,
    Event,
    Evidence,
    Note,
    Part,
    StatusChange,
    Subject,
    Task,
    check_id,
    check_marking,
    event_kind,
    part_id,
    subject_kind,
    tear_line,
    transition,
)
from cruce.cases.custody import HANDOVER, INTAKE, CustodyEntry, content_sha256, verify
from cruce.cases.entities import SourceRecord
from cruce.cases.stix import case_objects
from cruce.core.clock import Clock, utc_now
from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Marking, is_country_trigraph, roll_up
from cruce.service.sharing import ForbiddenError
from cruce.sharing.access import READING_ROLES, User
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.sharing.release import WRITING_ROLES, may_write_parts
from cruce.storage.audit import AuditLog
from cruce.storage.cases import CaseStore, change_status_on
from cruce.storage.collections import AddResult, CollectionStore

_RELEASE_RULE = (
    "a case leaves its country only by a releasing officer of that country cleared to every part that leaves "
    "(role releasing_officer is needed)"
)
"""What a refused referral or export says; the decision's reason (levels, countries) goes to the audit log."""


class CaseAccessError(ForbiddenError):
    """Authenticated, but this account may not do this to the case (HTTP 403, code `forbidden`)."""


# -- typed results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectView:
    subject_id: str
    kind: str
    name: str
    marking: str
    portion: str
    identifiers: dict[str, str]
    birth_date: str
    nationality: str
    prior_offences: int
    role: str


@dataclass(frozen=True, slots=True)
class EventView:
    event_id: str
    kind: str
    at: datetime
    place: str
    description: str
    marking: str
    portion: str
    subjects: list[str]
    migrants: int
    minors: int
    deaths: int
    endangered: bool
    seized_usd: float


@dataclass(frozen=True, slots=True)
class EvidenceView:
    evidence_id: str
    description: str
    marking: str
    portion: str
    sha256: str
    size_bytes: int
    received_at: datetime
    received_by: str
    holder: str


@dataclass(frozen=True, slots=True)
class NoteView:
    note_id: str
    text: str
    marking: str
    portion: str
    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TaskView:
    task_id: str
    text: str
    marking: str
    portion: str
    assignee: str
    done: bool
    done_by: str = ""
    done_at: datetime | None = None


def _task_view(t: Task) -> TaskView:
    return TaskView(
        t.task_id, t.text, str(t.marking), _portion(t.marking), t.assignee, t.done, t.done_by, t.done_at
    )


@dataclass(frozen=True, slots=True)
class StatusView:
    seq: int
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    reason: str
    partner: str


@dataclass(frozen=True, slots=True)
class CustodyView:
    seq: int
    evidence_id: str
    kind: str
    at: datetime
    from_holder: str
    to_holder: str
    place: str
    purpose: str
    hash: str


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as the caller may read it: `view` is "full" (owner country) or the partner's trigraph."""

    case_id: str
    owner: str
    title: str
    title_portion: str
    status: str
    partner: str
    banner: str
    view: str
    withheld: int
    subjects: list[SubjectView]
    events: list[EventView]
    evidence: list[EvidenceView]
    notes: list[NoteView]
    tasks: list[TaskView]
    history: list[StatusView]
    custody: list[CustodyView] = field(default_factory=list)
    released_to: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    case_id: str
    owner: str
    title: str
    status: str
    partner: str
    view: str


@dataclass(frozen=True, slots=True)
class RuleView:
    label: str
    fact: str
    at_least: float
    value: float
    met: bool


@dataclass(frozen=True, slots=True)
class CheckView:
    case_id: str
    partner: str
    guideline: str
    met: bool
    required: list[RuleView]
    aggravating: list[RuleView]
    missing: list[str]
    withheld: int  # parts the partner would not receive (not counted by the check)


@dataclass(frozen=True, slots=True)
class VerifyView:
    case_id: str
    ok: bool
    entries: int
    items: int
    problems: list[str]


@dataclass(frozen=True, slots=True)
class ReferralView:
    case_id: str
    partner: str
    status: str
    released_parts: int
    withheld: int
    banner: str
    collection: str | None
    objects_added: int


# -- inputs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSubject:
    kind: str
    name: str
    marking: str
    subject_id: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)
    birth_date: str = ""
    nationality: str = ""
    prior_offences: int = 0
    role: str = ""


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    at: datetime
    place: str
    description: str
    marking: str
    event_id: str = ""
    subjects: tuple[str, ...] = ()
    migrants: int = 0
    minors: int = 0
    deaths: int = 0
    endangered: bool = False
    seized_usd: float = 0.0


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _portion(marking: Marking) -> str:
    return marking.portion


def view_of(case: Case, view: str, withheld: int, banner: Marking | None) -> CaseView:
    return CaseView(
        case_id=case.case_id,
        owner=case.owner,
        title=case.title,
        title_portion=_portion(case.title_marking),
        status=case.status.value,
        partner=case.partner,
        banner=str(banner) if banner else "",
        view=view,
        withheld=withheld,
        subjects=[
            SubjectView(
                s.subject_id,
                s.kind.value,
                s.name,
                str(s.marking),
                _portion(s.marking),
                dict(s.identifiers),
                s.birth_date,
                s.nationality,
                s.prior_offences,
                s.role,
            )
            for s in case.subjects
        ],
        events=[
            EventView(
                e.event_id,
                e.kind.value,
                e.at,
                e.place,
                e.description,
                str(e.marking),
                _portion(e.marking),
                list(e.subjects),
                e.migrants,
                e.minors,
                e.deaths,
                e.endangered,
                e.seized_usd,
            )
            for e in sorted(case.events, key=lambda e: e.at)
        ],
        evidence=[
            EvidenceView(
                v.evidence_id,
                v.description,
                str(v.marking),
                _portion(v.marking),
                v.sha256,
                v.size_bytes,
                v.received_at,
                v.received_by,
                v.holder,
            )
            for v in case.evidence
        ],
        notes=[
            NoteView(n.note_id, n.text, str(n.marking), _portion(n.marking), n.author, n.at)
            for n in case.notes
        ],
        tasks=[_task_view(t) for t in case.tasks],
        history=[
            StatusView(
                h.seq,
                h.from_status.value if h.from_status else None,
                h.to_status.value,
                h.actor,
                h.at,
                h.reason,
                h.partner,
            )
            for h in case.history
        ],
    )


class CaseService:
    """Every case use case, for an authenticated `User`; audited in the same transaction as its effect."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        audit: AuditLog | None = None,
        sharing: CollectionStore | None = None,
        people: Callable[[User, Sequence[SourceRecord]], Iterable[SourceRecord]] | None = None,
    ) -> None:
        self.people = people
        """Other sources of persons to resolve with the case records given (list entities, program
        members), as the user may see them."""
        self.audit = audit or AuditLog(engine)
        self.store = CaseStore(engine, self.audit)
        self.sharing = sharing or CollectionStore(engine, clock=clock)
        self.clock = clock

    # -- audit and access --------------------------------------------------------------------------------

    def _event(  # noqa: PLR0917 - one audit event's fields
        self,
        user: User,
        action: str,
        resource: str,
        outcome: Outcome = Outcome.ALLOWED,
        reason: str = "",
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        return AuditEvent(
            self.clock(),
            user.user_id,
            action,
            resource,
            outcome,
            reason,
            {"organisation": user.organisation.org_id, **(details or {})},
            user.organisation.country,
        )

    def _deny(self, user: User, action: str, resource: str, reason: str) -> CaseAccessError:
        self.audit.append(self._event(user, action, resource, Outcome.DENIED, reason))
        return CaseAccessError("forbidden", f"{user.user_id} may not {action} {resource}: {reason}")

    def _hidden(self, user: User, action: str, case_id: str, reason: str) -> NotFoundError:
        """Not the caller's to see: audited, answered exactly as a missing case."""
        self.audit.append(self._event(user, action, f"case:{case_id}", Outcome.DENIED, reason))
        return NotFoundError("case_not_found", f"no case {case_id!r}")

    @staticmethod
    def _owner_user(user: User, owner: str) -> bool:
        return user.organisation.country == owner and not user.foreign_countries(owner)

    def _load(self, user: User, case_id: str, action: str) -> tuple[Case, str]:
        """The case and how the caller sees it ("full" or a partner code); 404 when they may not see it."""
        if not user.roles & READING_ROLES:
            raise self._deny(user, action, f"case:{case_id}", "a reading role is needed")
        try:
            case = self.store.load(case_id)
        except NotFoundError:
            raise self._hidden(user, action, case_id, "no such case") from None
        if self._owner_user(user, case.owner):
            return case, "full"
        country = user.organisation.country
        if country in self.store.releases(case_id):
            # the partner reads what it was given when the case was referred, not the owner's later edits;
            # the workflow (status, answers) is the live one
            given = self.store.snapshot(case_id, country)
            if given is not None:
                case = replace(given, status=case.status, partner=case.partner, history=case.history)
            return case, country
        raise self._hidden(user, action, case_id, f"case of {case.owner}, not released to {country}")

    def _writable(self, user: User, case_id: str, action: str) -> Case:
        case, view = self._load(user, case_id, action)
        if view != "full" or not user.roles & WRITING_ROLES:
            raise self._deny(
                user,
                action,
                f"case:{case_id}",
                f"only {case.owner} analysts and releasing officers work this case",
            )
        return case

    def _marking(self, user: User, case: Case | None, owner: str, text: str, what: str) -> Marking:
        marking = check_marking(owner, Marking.parse(text, owner), what)
        if marking.classification > user.clearance:
            raise InputError("above_clearance", f"{what} cannot be marked above your clearance")
        return marking

    @staticmethod
    def _reader_view(user: User, case: Case, view: str) -> tuple[Case, int, Marking | None]:
        """The case narrowed to what `user` may read: a partner's tear line, then the user's clearance and
        every other nationality they hold."""
        if view == "full":
            version = CaseTearLine(case, case.owner, case.banner, 0)
        else:
            version = tear_line(case, view)
            for other in sorted(user.countries - {view}):
                narrowed = tear_line(version.case, other)
                version = CaseTearLine(
                    narrowed.case, view, narrowed.banner, version.withheld + narrowed.withheld
                )
        c = version.case

        def ok(m: Marking) -> bool:
            return m.classification <= user.clearance

        subjects = tuple(p for p in c.subjects if ok(p.marking))
        kept_ids = {s.subject_id for s in subjects}
        kept = replace(
            c,
            subjects=subjects,
            # an event names only the subjects the reader may read (the id of one above their clearance
            # is not theirs either), as a tear line's events name only the subjects it releases
            events=tuple(
                replace(p, subjects=tuple(i for i in p.subjects if i in kept_ids))
                for p in c.events
                if ok(p.marking)
            ),
            evidence=tuple(p for p in c.evidence if ok(p.marking)),
            notes=tuple(p for p in c.notes if ok(p.marking)),
            tasks=tuple(p for p in c.tasks if ok(p.marking)),
        )
        withheld = version.withheld + len(c.parts) - len(kept.parts)
        title_ok = ok(kept.title_marking)
        if not title_ok:
            kept = replace(kept, title="(title not releasable)", title_marking=Marking.of("U", c.owner))
            withheld += 1
        given = [p.marking for p in kept.parts] + ([kept.title_marking] if title_ok else [])
        return kept, withheld, roll_up(given) if given else None

    # -- opening and adding ------------------------------------------------------------------------------

    def open(self, user: User, title: str, marking: str, *, case_id: str = "") -> CaseView:
        owner = user.organisation.country
        if not user.roles & WRITING_ROLES or user.foreign_countries(owner):
            raise self._deny(
                user, "create", "cases", f"only {owner} analysts and releasing officers open cases"
            )
        if not title.strip():
            raise InputError("title_needed", "a case needs a title")
        title_marking = self._marking(user, None, owner, marking, "the title")
        ident = check_id(case_id, "case id") if case_id else f"case:{owner}-{uuid.uuid4().hex[:12]}"
        at = self.clock()
        case = Case(
            ident,
            owner,
            title.strip(),
            title_marking,
            CaseStatus.OPEN,
            user.user_id,
            at,
            history=(StatusChange(1, None, CaseStatus.OPEN, user.user_id, at),),
        )
        self.store.create(case, [self._event(user, "create", f"case:{ident}", reason="opened a case")])
        return view_of(case, "full", 0, case.banner)

    def _add(
        self,
        user: User,
        case: Case,
        part: Part,
        content: bytes | None = None,
        intake: CustodyEntry | None = None,
    ) -> CaseView:
        if case.status is CaseStatus.CLOSED:
            raise InputError("case_closed", f"case {case.case_id} is closed; nothing can be added")
        kind = type(part).__name__.lower()
        event = self._event(user, "write", f"case:{case.case_id}", reason=f"added {kind} {part_id_of(part)}")
        self.store.add_part(case.case_id, part, user.user_id, self.clock(), [event], content, intake)
        return self.show(user, case.case_id, audit=False)

    def add_subject(self, user: User, case_id: str, new: NewSubject) -> CaseView:
        case = self._writable(user, case_id, "write")
        kind = subject_kind(new.kind)
        if not new.name.strip():
            raise InputError("name_needed", "a subject needs a name (a person's name, a plate, a number...)")
        ident = check_id(new.subject_id, "subject id") if new.subject_id else _new_id("s")
        if new.prior_offences < 0:
            raise InputError("bad_count", "prior offences cannot be negative")
        subject = Subject(
            ident,
            kind,
            new.name.strip(),
            self._marking(user, case, case.owner, new.marking, f"subject {ident}"),
            {str(k): str(v) for k, v in new.identifiers.items()},
            new.birth_date,
            new.nationality.upper(),
            new.prior_offences,
            new.role,
        )
        return self._add(user, case, subject)

    def add_event(self, user: User, case_id: str, new: NewEvent) -> CaseView:
        case = self._writable(user, case_id, "write")
        kind = event_kind(new.kind)
        ident = check_id(new.event_id, "event id") if new.event_id else _new_id("e")
        if new.at.tzinfo is None:
            raise InputError("naive_time", "an event's time needs a time zone (e.g. 2026-03-01T10:00Z)")
        # only subjects the writer may read: naming one above their clearance is no way to learn it exists
        known = {s.subject_id for s in case.subjects if s.marking.classification <= user.clearance}
        unknown = [s for s in new.subjects if s not in known]
        if unknown:
            raise InputError("unknown_subject", f"case {case_id} has no subject {', '.join(unknown)}")
        if min(new.migrants, new.minors, new.deaths) < 0 or new.seized_usd < 0:
            raise InputError("bad_count", "counts and amounts cannot be negative")
        event = Event(
            ident,
            kind,
            new.at,
            new.place,
            new.description,
            self._marking(user, case, case.owner, new.marking, f"event {ident}"),
            tuple(new.subjects),
            new.migrants,
            new.minors,
            new.deaths,
            new.endangered,
            new.seized_usd,
        )
        return self._add(user, case, event)

    def add_evidence(  # noqa: PLR0917
        self,
        user: User,
        case_id: str,
        description: str,
        marking: str,
        content: bytes,
        place: str,
        evidence_id: str = "",
        holder: str = "",
    ) -> CaseView:
        """Take an item in: its content's sha256 is computed now and opens its chain of custody."""
        case = self._writable(user, case_id, "write")
        ident = check_id(evidence_id, "evidence id") if evidence_id else _new_id("ev")
        if not description.strip():
            raise InputError("description_needed", "an evidence item needs a description")
        at = self.clock()
        who = holder.strip() or user.user_id
        digest = content_sha256(content)
        item = Evidence(
            ident,
            description.strip(),
            self._marking(user, case, case.owner, marking, f"evidence {ident}"),
            digest,
            len(content),
            at,
            user.user_id,
            who,
        )
        intake = CustodyEntry(ident, INTAKE, at, "", who, place, "intake", digest)
        return self._add(user, case, item, content, intake)

    def add_note(self, user: User, case_id: str, text: str, marking: str, note_id: str = "") -> CaseView:
        case = self._writable(user, case_id, "write")
        ident = check_id(note_id, "note id") if note_id else _new_id("n")
        if not text.strip():
            raise InputError("text_needed", "a note needs text")
        note = Note(
            ident,
            text.strip(),
            self._marking(user, case, case.owner, marking, f"note {ident}"),
            user.user_id,
            self.clock(),
        )
        return self._add(user, case, note)

    def add_task(self, user: User, case_id: str, text: str, marking: str, assignee: str = "") -> CaseView:
        case = self._writable(user, case_id, "write")
        ident = _new_id("t")
        if not text.strip():
            raise InputError("text_needed", "a task needs text")
        task = Task(
            ident, text.strip(), self._marking(user, case, case.owner, marking, f"task {ident}"), assignee
        )
        return self._add(user, case, task)

    def complete_task(self, user: User, case_id: str, task_id: str, note: str = "") -> TaskView:
        """Mark a task of the owner's work list done, with who and when (audited)."""
        case = self._writable(user, case_id, "write")
        task = next((t for t in case.tasks if t.task_id == task_id), None)
        if task is None or task.marking.classification > user.clearance:
            raise InputError("unknown_task", f"case {case_id} has no task {task_id!r}")
        if task.done:
            raise InputError(
                "task_done", f"task {task_id} was completed by {task.done_by or '?'} at {task.done_at}"
            )
        if case.status is CaseStatus.CLOSED:
            raise InputError("case_closed", f"case {case_id} is closed; its tasks are as they were")
        at = self.clock()
        done = replace(task, done=True, done_by=user.user_id, done_at=at)
        event = self._event(
            user,
            "write",
            f"case:{case_id}",
            reason=f"completed task {task_id}" + (f": {note.strip()}" if note.strip() else ""),
            details={"task": task_id},
        )
        self.store.update_part(case_id, done, at, [event])
        return _task_view(done)

    # -- custody -----------------------------------------------------------------------------------------

    def handover(  # noqa: PLR0917
        self,
        user: User,
        case_id: str,
        evidence_id: str,
        from_holder: str,
        to_holder: str,
        place: str,
        purpose: str,
        at: datetime | None = None,
    ) -> CustodyView:
        case = self._writable(user, case_id, "handover")
        item = next((v for v in case.evidence if v.evidence_id == evidence_id), None)
        if item is None or item.marking.classification > user.clearance:  # as complete_task's tasks
            raise InputError("unknown_evidence", f"case {case_id} has no evidence item {evidence_id!r}")
        if not purpose.strip():
            raise InputError("purpose_needed", "a hand-over says why (analysis, court, storage...)")
        when = at or self.clock()
        if when.tzinfo is None:
            raise InputError("naive_time", "a hand-over's time needs a time zone")
        entry = CustodyEntry(
            evidence_id, HANDOVER, when, from_holder.strip(), to_holder.strip(), place, purpose
        )
        event = self._event(
            user,
            "handover",
            f"case:{case_id}",
            reason=f"{evidence_id}: {entry.from_holder} -> {entry.to_holder}",
        )
        record = self.store.handover(case_id, entry, replace(item, holder=entry.to_holder), [event])
        return _custody_view(record)

    def verify(self, user: User, case_id: str) -> VerifyView:
        """Check the case's custody log and every item's content (owner country only)."""
        case = self._writable_or_reader(user, case_id)
        records, head = self.store.custody(case_id)
        contents: dict[str, bytes | None] = dict(self.store.contents(case_id))
        result = verify(records, head, contents, {v.evidence_id: v.sha256 for v in case.evidence})
        # the whole log is checked (its hash chain has no partial check), but a problem of an item above
        # the caller's clearance is told without naming the item, its holders or its place
        above = {v.evidence_id for v in case.evidence if v.marking.classification > user.clearance}
        problems = [
            "a problem with an item above your clearance" if p.evidence_id in above else p.problem
            for p in result.problems
        ]
        self.audit.append(
            self._event(
                user,
                "verify",
                f"case:{case_id}",
                reason="custody intact" if result.ok else f"{len(problems)} problems",
                details={"ok": result.ok, "entries": result.checked},
            )
        )
        return VerifyView(case_id, result.ok, result.checked, result.items, problems)

    def _writable_or_reader(self, user: User, case_id: str) -> Case:
        case, view = self._load(user, case_id, "verify")
        if view != "full":
            raise self._deny(
                user, "verify", f"case:{case_id}", f"only {case.owner} users check its custody log"
            )
        return case

    # -- reading -----------------------------------------------------------------------------------------

    def show(self, user: User, case_id: str, *, audit: bool = True) -> CaseView:
        case, view = self._load(user, case_id, "read")
        kept, withheld, banner = self._reader_view(user, case, view)
        result = view_of(kept, view, withheld, banner)
        if view != "full":
            result = replace(result, partner=view)  # never which other partner the owner referred it to
        if view == "full":
            records, _ = self.store.custody(case_id)
            visible = {v.evidence_id for v in kept.evidence}
            result = replace(
                result,
                custody=[_custody_view(r) for r in records if r.entry.evidence_id in visible],
                released_to=sorted(self.store.releases(case_id)),
            )
        if audit:
            self.audit.append(self._event(user, "read", f"case:{case_id}", details={"view": view}))
        return result

    def cases(self, user: User, limit: int = 200) -> list[CaseSummary]:
        if not user.roles & READING_ROLES:
            raise self._deny(user, "read", "cases", "a reading role is needed")
        country = user.organisation.country
        out = []
        for row in self.store.listing(country, limit=limit):
            if row.owner == country and self._owner_user(user, row.owner):
                # the title as the case page shows it (`_reader_view`): withheld above the reader's clearance
                cleared = Marking.parse(row.title_marking, row.owner).classification <= user.clearance
                title = row.title if cleared else "(title not releasable)"
                out.append(CaseSummary(row.case_id, row.owner, title, row.status, row.partner, "full"))
                continue
            if row.owner == country:
                continue  # a dual national of the owner country reads cases one by one, as their tear line
            title_marking = Marking.parse(row.title_marking, row.owner)
            visible = all(title_marking.releasable(c) for c in user.countries) and (
                title_marking.classification <= user.clearance
            )
            title = row.title if visible else "(title not releasable)"
            out.append(CaseSummary(row.case_id, row.owner, title, row.status, country, country))
        self.audit.append(self._event(user, "read", "cases", details={"count": len(out)}))
        return out

    def _readable_whole(self, user: User, case_id: str) -> tuple[Case, int]:
        """An owner-country caller's case cut to their clearance (`_reader_view`), and how many parts that
        cut: what a preview or a guideline check of theirs is made on, never parts above their clearance."""
        case = self._writable_or_reader(user, case_id)
        kept, withheld, _banner = self._reader_view(user, case, "full")
        return kept, withheld

    def partner_preview(self, user: User, case_id: str, partner: str) -> CaseView:
        """What `partner` would receive if the case were referred now (owner country only), of the parts
        the caller may read: a part above the caller's clearance is counted as withheld, never shown."""
        case, above = self._readable_whole(user, case_id)
        code = _partner(partner, case)
        version = tear_line(case, code)
        return view_of(version.case, code, version.withheld + above, version.banner)

    # -- guidelines, referral and answers ----------------------------------------------------------------

    def check(
        self, user: User, case_id: str, partner: str, guideline: guide.Guideline | None = None
    ) -> CheckView:
        """The partner's prosecution guideline, checked on what the partner would receive of the parts the
        caller may read (the referral itself checks the whole case, and needs clearance to all of it)."""
        case, above = self._readable_whole(user, case_id)
        checked = _check(case, _partner(partner, case), guideline)
        return replace(checked, withheld=checked.withheld + above)

    def refer(
        self,
        user: User,
        case_id: str,
        partner: str,
        *,
        collection: str | None = None,
        guideline: guide.Guideline | None = None,
        reason: str = "",
    ) -> ReferralView:
        """Refer the case for prosecution to `partner`: a release of its tear-line version, audited."""
        case = self._writable(user, case_id, "release")
        code = _partner(partner, case)
        resource = f"case:{case_id}"
        moved = transition(case, CaseStatus.REFERRED, user.user_id, self.clock(), reason, code)
        checked = _check(case, code, guideline)
        if not checked.met:
            self.audit.append(
                self._event(
                    user,
                    "release",
                    resource,
                    Outcome.DENIED,
                    f"{code} guideline not met: " + "; ".join(checked.missing),
                    {"partner": code},
                )
            )
            raise InputError(
                "guideline_not_met",
                f"case {case_id} does not meet {checked.guideline}; missing: " + "; ".join(checked.missing),
                {"missing": checked.missing},
            )
        version = tear_line(case, code)
        if version.banner is None or not version.case.parts:
            raise InputError("nothing_releasable", f"no part of case {case_id} is releasable to {code}")
        decision = may_write_parts(
            user,
            [(m,) for m in (*(p.marking for p in version.case.parts), version.case.title_marking)],
            what=f"case {case_id}",
        )
        event = self._event(
            user,
            "release",
            resource,
            Outcome.ALLOWED if decision.allowed else Outcome.DENIED,
            decision.reason,
            {"partner": code, "parts": len(version.case.parts), "withheld": version.withheld},
        )
        if not decision.allowed:
            self.audit.append(event)
            raise CaseAccessError(
                "forbidden", f"{user.user_id} may not refer case {case_id}: {_RELEASE_RULE}"
            )
        referred = replace(moved, partner=code)
        snapshot = replace(version.case, history=())  # what the partner receives, frozen now
        added = 0
        if collection is not None:
            released = replace(version.case, status=CaseStatus.REFERRED, partner=code)
            objects = case_objects(released, code, modified=moved.history[-1].at)
            rights = self.sharing.rights(collection, _account_of(user))
            if not rights[1]:
                self.audit.append(
                    replace(event, outcome=Outcome.DENIED, reason=f"no write right on {collection}")
                )
                raise CaseAccessError("forbidden", f"{user.user_id} may not write to collection {collection}")

            def keep(conn: Connection, stored: AddResult) -> None:
                if stored.failures:
                    raise InputError("publish_failed", f"{stored.failures[0][0]}: {stored.failures[0][1]}")
                change_status_on(conn, referred, release_to=code, by=user.user_id, snapshot=snapshot)
                self.audit.append_on(conn, [event])

            result = self.sharing.add_objects(collection, objects, also=keep)
            added = len(result.added)
        else:
            self.store.change_status(
                case_id, referred, [event], release_to=code, by=user.user_id, snapshot=snapshot
            )
        return ReferralView(
            case_id,
            code,
            CaseStatus.REFERRED.value,
            len(version.case.parts),
            version.withheld,
            str(version.banner),
            collection,
            added,
        )

    def start_investigation(self, user: User, case_id: str, reason: str = "") -> CaseView:
        case = self._writable(user, case_id, "write")
        return self._move(user, case, CaseStatus.INVESTIGATION, reason)

    def close(self, user: User, case_id: str, reason: str = "") -> CaseView:
        case = self._writable(user, case_id, "write")
        return self._move(user, case, CaseStatus.CLOSED, reason)

    def answer(self, user: User, case_id: str, accept: bool, reason: str = "") -> CaseView:
        """The partner's prosecutor accepts or declines (with its reason) a referral made to their country."""
        case, view = self._load(user, case_id, "answer")
        if view == "full" or view != case.partner or not user.roles & WRITING_ROLES:
            raise self._deny(
                user,
                "answer",
                f"case:{case_id}",
                "only the partner the case was referred to (analysts, releasing officers) answers a referral",
            )
        return self._move(user, case, CaseStatus.ACCEPTED if accept else CaseStatus.DECLINED, reason)

    def _move(self, user: User, case: Case, to: CaseStatus, reason: str) -> CaseView:
        moved = transition(case, to, user.user_id, self.clock(), reason)
        event = self._event(
            user,
            "status",
            f"case:{case.case_id}",
            reason=f"{case.status.value} -> {to.value}: {reason}".strip(),
        )
        self.store.change_status(case.case_id, moved, [event])
        return self.show(user, case.case_id, audit=False)

    def export(self, user: User, case_id: str, partner: str) -> list[dict[str, Any]]:
        """The STIX objects of the partner's version (a release by another channel: the same decision)."""
        case = self._writable(user, case_id, "export")
        code = _partner(partner, case)
        version = tear_line(case, code)
        if not version.case.parts:
            raise InputError("nothing_releasable", f"no part of case {case_id} is releasable to {code}")
        decision = may_write_parts(
            user,
            [(m,) for m in (*(p.marking for p in version.case.parts), version.case.title_marking)],
            what=f"case {case_id}",
        )
        event = self._event(
            user,
            "export",
            f"case:{case_id}",
            Outcome.ALLOWED if decision.allowed else Outcome.DENIED,
            decision.reason,
            {"partner": code},
        )
        self.audit.append(event)
        if not decision.allowed:
            raise CaseAccessError(
                "forbidden", f"{user.user_id} may not export case {case_id}: {_RELEASE_RULE}"
            )
        return case_objects(version.case, code, modified=self.clock())


def part_id_of(part: Part) -> str:
    return part_id(part)


def _partner(partner: str, case: Case) -> str:
    code = partner.strip().upper()
    if not is_country_trigraph(code) or code == case.owner:
        raise InputError(
            "bad_partner", f"name a partner country other than {case.owner} (e.g. MEX), not {partner!r}"
        )
    return code


def _check(case: Case, partner: str, guideline: guide.Guideline | None) -> CheckView:
    rules = guideline or guide.preset(partner)
    version = tear_line(case, partner)
    result = guide.check(version.case, rules)

    def rule(r: guide.RuleResult) -> RuleView:
        return RuleView(r.rule.label, r.rule.fact, r.rule.at_least, r.value, r.met)

    return CheckView(
        case.case_id,
        partner,
        result.guideline,
        result.met,
        [rule(r) for r in result.required],
        [rule(r) for r in result.aggravating],
        list(result.missing),
        version.withheld,
    )


def _custody_view(record: Any) -> CustodyView:
    e = record.entry
    return CustodyView(
        record.seq, e.evidence_id, e.kind, e.at, e.from_holder, e.to_holder, e.place, e.purpose, record.hash
    )


def _account_of(user: User) -> Any:
    from cruce.storage.accounts import Account

    return Account(
        user.user_id,
        user.organisation.org_id,
        user.organisation.country,
        user.nationality,
        user.clearance,
        frozenset(user.roles),
    )


# -- network ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityView:
    entity_id: str
    kind: str
    label: str
    portion: str
    members: list[str]
    why: list[str]
    community: int
    betweenness: float = 0.0


@dataclass(frozen=True, slots=True)
class LinkView:
    source: str
    target: str
    kind: str
    weight: float


@dataclass(frozen=True, slots=True)
class NetworkView:
    """The network of the cases the caller may read (each as they may read it), analysed; with `partner`,
    the tear-line version of the caller's own cases that partner would receive."""

    cases: list[str]
    entities: list[EntityView]
    links: list[LinkView]
    communities: list[list[str]]
    brokers: list[tuple[str, float]]
    ring: list[str]
    paths: list[list[str]]
    co_travel: list[tuple[str, str, int]]
    partner: str = ""


def _entity_ref(built: Any, ref: str) -> str:
    """An entity id, or a `case_id/subject_id` reference to one; a clear error for anything else."""
    if ref in built.entities:
        return str(ref)
    if ref in built.entity_of:
        return str(built.entity_of[ref])
    raise InputError(
        "unknown_subject",
        f"{ref!r} is neither an entity nor a case_id/subject_id among the cases you may read",
    )


def readable_cases(
    service: CaseService, user: User, case_ids: Sequence[str] = (), partner: str | None = None
) -> list[Case]:
    """The caller's cases (all they may list, or `case_ids`), each narrowed to what the caller may read
    (`CaseService._reader_view`: a partner's tear line, the caller's clearance and other nationalities).

    With `partner`, the partner preview of the network: only the cases the caller reads whole (their own
    country's), each cut to `partner`'s tear line as a referral would release it (`tear_line`, the same
    cut `partner_preview` shows for one case). A case the caller reads as a partner is left out: it is not
    theirs to pass on."""
    wanted = list(case_ids) or [c.case_id for c in service.cases(user)]
    readable = []
    for case_id in wanted:
        case, seen_as = service._load(user, case_id, "read")
        kept = service._reader_view(user, case, seen_as)[0]
        if partner is None:
            readable.append(kept)
        elif seen_as == "full":
            readable.append(tear_line(kept, _partner(partner, case)).case)
    return readable


def network_of(
    readable: Sequence[Case],
    subject: str | None = None,
    *,
    hops: int = 2,
    path: tuple[str, str] | None = None,
    resolution: float = 0.1,
    partner: str = "",
    joins: Sequence[tuple[str, str, str]] = (),
) -> tuple[NetworkView, Any]:
    """Resolve, link and analyse `readable` (cases already cut to what the caller may read), with `joins`
    (the merges a reviewer accepted, `case_resolution.standing_joins`): no access decision here, so call it
    only on the output of `readable_cases`."""
    from cruce.cases.casenet import build

    if not 1 <= hops <= 6:
        raise InputError("bad_hops", "hops is 1 to 6")
    built = build(readable, joins=list(joins))
    net = built.network
    groups = net.communities(resolution=resolution) if len(net) else []
    community = {node: k for k, members in enumerate(groups) for node in members}
    ring = sorted(net.ring(_entity_ref(built, subject), hops)) if subject else []
    paths = net.shortest_paths(_entity_ref(built, path[0]), _entity_ref(built, path[1])) if path else []
    data = net.to_json()
    ranked = net.brokers(top=len(net))
    between = dict(ranked)
    view = NetworkView(
        cases=[c.case_id for c in readable],
        entities=[
            EntityView(
                e.entity_id,
                e.kind.value,
                e.label,
                e.portion,
                e.members,
                e.why,
                community.get(e.entity_id, -1),
                round(between.get(e.entity_id, 0.0), 4),
            )
            for e in built.entities.values()
        ],
        links=[LinkView(x["source"], x["target"], x["kind"], x["weight"]) for x in data["links"]],
        communities=[sorted(g) for g in groups if len(g) > 1],
        brokers=[(node, round(score, 4)) for node, score in ranked[:5] if score > 0],
        ring=ring,
        paths=paths,
        co_travel=built.co_travel,
        partner=partner,
    )
    return view, net


def case_network(  # noqa: PLR0917
    service: CaseService,
    user: User,
    case_ids: Sequence[str] = (),
    subject: str | None = None,
    hops: int = 2,
    path: tuple[str, str] | None = None,
    resolution: float = 0.1,
    partner: str | None = None,
) -> tuple[NetworkView, Any]:
    """Build and analyse the network of the caller's readable cases (all, or `case_ids`; with `partner`,
    what that partner would receive of the caller's own cases); also returns the
    `cruce.cases.network.Network` for export (GraphML, JSON). Communities use Leiden CPM at `resolution`
    0.1 by default: a few dozen subjects linked by events are far denser than a national graph, and 0.1
    keeps a cell (recruiters and their stash house) apart from another (drivers and their vehicles)."""
    if not 1 <= hops <= 6:
        raise InputError("bad_hops", "hops is 1 to 6")
    code = partner.strip().upper() if partner else ""
    if partner is not None and not is_country_trigraph(code):
        raise InputError("bad_partner", f"name a partner country (e.g. MEX), not {partner!r}")
    from cruce.service.case_resolution import standing_joins

    readable = readable_cases(service, user, case_ids, code or None)
    # The caller's country's accepted merges join its own view; a partner preview shows what the partner
    # would receive, the cases, and the partner resolves them with its own reviewers.
    joins = standing_joins(service, user, readable) if not code else []
    view, net = network_of(
        readable, subject, hops=hops, path=path, resolution=resolution, partner=code, joins=joins
    )
    details: dict[str, Any] = {"cases": len(readable), "entities": len(net)}
    if code:
        details["partner"] = code
    service.audit.append(service._event(user, "read", "cases/network", details=details))
    return view, net


def network_graph(view: NetworkView) -> dict[str, Any]:
    """A `NetworkView` as graph elements for the console's drawing (Cytoscape.js's `{"data": ...}`
    shape): only what the view holds, so only what the caller may read. A node names the cases it is in
    (from its members, `case_id/subject_id`); `broker` marks the strongest broker, `ring` the ring."""
    top = view.brokers[0][0] if view.brokers else None
    ring = set(view.ring)
    nodes = [
        {
            "data": {
                "id": e.entity_id,
                "label": e.label,
                "kind": e.kind,
                "portion": e.portion,
                "cases": sorted({m.rpartition("/")[0] for m in e.members}),
                "members": list(e.members),
                "why": list(e.why),
                "community": e.community,
                "betweenness": e.betweenness,
                "broker": e.entity_id == top,
                "ring": e.entity_id in ring,
            }
        }
        for e in view.entities
    ]
    edges = [{"data": {"id": f"link-{k}", **asdict(x)}} for k, x in enumerate(view.links)]
    return {
        "cases": list(view.cases),
        "partner": view.partner,
        "ring": list(view.ring),
        "elements": {"nodes": nodes, "edges": edges},
    }
