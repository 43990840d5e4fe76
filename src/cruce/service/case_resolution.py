"""Cross-source resolution for a signed-in user: proposals, a reviewer's accept / reject / split, history.

What is resolved is what the caller may read: the person subjects of the cases they may read (each as they
may read it: a partner sees the tear line it was given), the travelers and drivers of those cases' crossing
events, and whatever other sources the node wires in (`CaseService.people`: list entities, program members
of the caller's country). Proposals are made in the caller's country's partition
(`cruce.cases.entities.propose` with the caller's country as viewer), and decisions are kept per country:
a MEX reviewer's decision is never applied to, or shown in, another country's network.

Deciding needs a writing role (analyst, releasing officer) of that country alone (no other nationality).
Every decision is inserted, never updated, with the explanation the reviewer saw, and audited in the same
transaction; a split of an accepted or automatic merge is one more decision, so the history shows who
merged, who split, when and why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from cruce.cases.casefile import Case
from cruce.cases.entities import Proposal, SourceRecord, case_records, joined, propose
from cruce.core.errors import InputError, NotFoundError
from cruce.service.cases import CaseService
from cruce.sharing.access import READING_ROLES, User
from cruce.sharing.release import WRITING_ROLES
from cruce.storage.cases import EntityDecision

STATES = ("accepted", "rejected", "split")
LIST_SOURCES = frozenset({"list"})
"""Sources every country may see (`cruce.cases.entities.PUBLIC` records: published lists)."""


@dataclass(frozen=True, slots=True)
class ProposalView:
    proposal_id: str
    a: str
    b: str
    label_a: str
    label_b: str
    source_a: str
    source_b: str
    verdict: str
    state: str
    joined: bool
    score: float
    name_score: float
    agreed: list[str]
    disagreed: list[str]
    explanation: str


@dataclass(frozen=True, slots=True)
class DecisionView:
    seq: int
    proposal_id: str
    a: str
    b: str
    state: str
    actor: str
    at: datetime
    reason: str


def _readable(service: CaseService, user: User) -> list[Case]:
    out = []
    for summary in service.cases(user):
        case, seen_as = service._load(user, summary.case_id, "read")
        out.append(service._reader_view(user, case, seen_as)[0])
    return out


def _records(service: CaseService, user: User, cases: list[Case]) -> list[SourceRecord]:
    records: list[SourceRecord] = []
    for case in cases:
        released = service.store.releases(case.case_id)
        for r in case_records([case]):
            subject = next(s for s in case.subjects if f"{case.case_id}/{s.subject_id}" == r.ref)
            partners = {c for c in released if subject.marking.releasable(c)}
            records.append(
                SourceRecord(
                    r.ref,
                    r.source,
                    r.name,
                    frozenset({case.owner, *partners}),
                    r.birth_date,
                    r.identifiers,
                    r.portion,
                )
            )
    if service.people is not None:
        records.extend(service.people(user, tuple(records)))
    return records


def _state(service: CaseService, country: str) -> dict[str, str]:
    return {d.proposal_id: d.state for d in service.store.decisions(country)}


def _view(p: Proposal, state: str) -> ProposalView:
    standing = bool(joined([p], [(p.proposal_id, state)] if state else []))
    return ProposalView(
        p.proposal_id,
        p.a,
        p.b,
        p.labels[0],
        p.labels[1],
        p.sources[0],
        p.sources[1],
        p.verdict,
        state,
        standing,
        p.score,
        p.name_score,
        list(p.agreed),
        list(p.disagreed),
        p.explanation(),
    )


def _proposals(service: CaseService, user: User, cases: list[Case] | None = None) -> list[Proposal]:
    country = user.organisation.country
    readable = _readable(service, user) if cases is None else cases
    return propose(_records(service, user, readable), country)


def proposals(service: CaseService, user: User, *, include_blocked: bool = True) -> list[ProposalView]:
    """The resolution proposals among what the caller may read, each with its state and explanation."""
    if not user.roles & READING_ROLES:
        raise service._deny(user, "read", "cases/resolution", "a reading role is needed")
    country = user.organisation.country
    state = _state(service, country)
    found = [
        _view(p, state.get(p.proposal_id, ""))
        for p in _proposals(service, user)
        if include_blocked or p.verdict != "blocked"
    ]
    service.audit.append(service._event(user, "read", "cases/resolution", details={"proposals": len(found)}))
    return found


def standing_joins(service: CaseService, user: User, cases: list[Case]) -> list[tuple[str, str, str]]:
    """The merges that stand for the caller's country among `cases` (for the network)."""
    found = _proposals(service, user, cases)
    decided = [(d.proposal_id, d.state) for d in service.store.decisions(user.organisation.country)]
    by_pair = {(p.a, p.b): p for p in found}
    return [(a, b, "resolved: " + by_pair[a, b].explanation()) for a, b in joined(found, decided)]


def history(service: CaseService, user: User) -> list[DecisionView]:
    """The decisions of the caller's country on records the caller may read now, oldest first (the undo
    trail). A decision names its two records and carries its reviewer's reason, so it is shown only to a
    caller who may read both: one of the same country with a lower clearance, another nationality or no
    program desk role reads none of those they may not (a decision on a TS subject, or on a NOFORN subject
    for a US agency's foreign national, says who the subject is by its reference and its reason)."""
    if not user.roles & READING_ROLES:
        raise service._deny(user, "read", "cases/resolution", "a reading role is needed")
    country = user.organisation.country
    decisions = service.store.decisions(country)
    if not decisions:
        return []
    readable = {r.ref for r in _records(service, user, _readable(service, user)) if r.visible(country)}
    shown = [
        DecisionView(d.seq, d.proposal_id, d.record_a, d.record_b, d.state, d.actor, d.at, d.reason)
        for d in decisions
        if all(_readable_ref(ref, source, readable) for ref, source in _sources(d))
    ]
    service.audit.append(
        service._event(
            user, "read", "cases/resolution/history", details={"shown": len(shown), "of": len(decisions)}
        )
    )
    return shown


def _sources(d: EntityDecision) -> list[tuple[str, str]]:
    """The decision's two records with the source each came from (as the proposal said when decided)."""
    sources = d.explanation.get("sources") or ("", "")
    return [(d.record_a, str(sources[0])), (d.record_b, str(sources[1]))]


def _readable_ref(ref: str, source: str, readable: set[str]) -> bool:
    """A record the caller reads now, or a published list's person (every country may see those)."""
    return ref in readable or source in LIST_SOURCES


def decide(service: CaseService, user: User, proposal_id: str, state: str, reason: str = "") -> ProposalView:
    """Accept, reject or split (undo a merge that stands) a proposal the caller can see."""
    if state not in STATES:
        raise InputError("bad_decision", f"a decision is one of {', '.join(STATES)}, not {state!r}")
    country = user.organisation.country
    resource = f"entity-proposal:{proposal_id}"
    if not user.roles & WRITING_ROLES or user.foreign_countries(country):
        raise service._deny(
            user, "resolve", resource, f"only {country} analysts and releasing officers decide merges"
        )
    found = next((p for p in _proposals(service, user) if p.proposal_id == proposal_id), None)
    if found is None:
        raise NotFoundError("proposal_not_found", f"no resolution proposal {proposal_id!r}")
    current = _state(service, country).get(proposal_id, "")
    standing = bool(joined([found], [(proposal_id, current)] if current else []))
    if found.verdict == "blocked" and state == "accepted":
        raise InputError(
            "blocked_proposal",
            f"{found.a} and {found.b} cannot be merged: " + "; ".join(found.disagreed),
        )
    if state == "accepted" and standing:
        raise InputError("already_merged", f"{found.a} and {found.b} are already one entity")
    if state == "split" and not standing:
        raise InputError("not_merged", f"{found.a} and {found.b} are not merged; there is nothing to split")
    if state == "rejected" and current == "rejected":
        raise InputError("already_rejected", f"proposal {proposal_id} is already rejected")
    if state in ("rejected", "split") and not reason.strip():
        raise InputError("reason_needed", f"say why the proposal is {state}")
    event = service._event(
        user,
        "resolve",
        resource,
        reason=f"{state}: {reason.strip()}".rstrip(": "),
        details={"records": [found.a, found.b], "verdict": found.verdict, "score": found.score},
    )
    service.store.add_decision(
        country,
        proposal_id,
        (found.a, found.b),
        state,
        user.user_id,
        service.clock(),
        reason.strip(),
        asdict(found),
        [event],
    )
    return _view(found, state)
