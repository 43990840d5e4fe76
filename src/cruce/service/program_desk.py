"""Trusted programs for people who sign in (the API and the console): roles, the country, and the audit.

`ProgramService` knows countries (an `Actor` acts for one) but not roles: the CLI is the node's own operator.
A signed-in user reaches programs only through this desk, which decides by role what they may do, acts for
their organisation's country (so another country's applications and memberships are not found: "missing" and
"not yours" look the same), and audits every read of a person's file as well as every refusal. Writes are
audited by the service itself, in the transaction that makes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import InputError, NotFoundError
from cruce.programs.config import ProgramConfig
from cruce.programs.lifecycle import TransitionError
from cruce.programs.model import ApplicationState, MembershipState
from cruce.service.policy import ConflictError
from cruce.service.programs import (
    Actor,
    ApplicationDetail,
    ApplicationPage,
    Decision,
    DecisionOutcome,
    MemberPage,
    MembershipPage,
    MembershipView,
    ProgramService,
    VettingOutcome,
)
from cruce.service.sharing import ForbiddenError
from cruce.sharing.access import Role, User
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.audit import AuditAppender, AuditLog
from cruce.storage.programs import ApplicationRecord

READERS = frozenset({Role.OFFICER, Role.ANALYST})
"""Booth officers look members up; analysts (the program's vetting staff) read and work the files."""
WORKERS = frozenset({Role.ANALYST})

PROGRAM_ROLES: dict[str, frozenset[Role]] = {
    "catalogue": READERS | {Role.RELEASING_OFFICER, Role.ADMIN, Role.AUDITOR},
    "read": READERS,
    "apply": WORKERS,
    "vet": WORKERS,
    "decide": WORKERS,
    "suspend": WORKERS,
    "reinstate": WORKERS,
    "revoke": WORKERS,
    "renew": WORKERS,
}
"""Who may do what with programs, by role; the country rule comes on top (a user acts for their own)."""

MEMBERSHIP_ACTIONS = ("suspend", "reinstate", "revoke", "renew")
STATE_CONFLICTS = frozenset({"bad_transition", "not_vetted", "too_early"})
"""`TransitionError` codes that say "not in this state" (the request itself was fine)."""
S = TypeVar("S", ApplicationState, MembershipState)


class ProgramAccessError(ForbiddenError):
    """Signed in, but no role of the user's may do this (HTTP 403)."""


def may(user: User, operation: str) -> bool:
    """Whether the user's roles allow `operation`: for offering a form, never instead of the desk's check."""
    return bool(PROGRAM_ROLES[operation] & user.roles)


class ProgramDesk:
    """The programs a signed-in user may see and work, in their organisation's country."""

    def __init__(
        self, service: ProgramService, audit: AuditLog | AuditAppender, *, clock: Clock = utc_now
    ) -> None:
        self.service = service
        self.audit = audit
        self._clock = clock

    # -- the gate ------------------------------------------------------------------------------------------

    def _actor(self, user: User, operation: str, resource: str) -> Actor:
        if not may(user, operation):
            needed = " or ".join(sorted(r.value for r in PROGRAM_ROLES[operation]))
            reason = f"role {needed} is needed"
            self._record(user, operation, resource, Outcome.DENIED, reason)
            raise ProgramAccessError("forbidden", f"{user.user_id} may not {operation} {resource}: {reason}")
        return Actor(user.user_id, user.organisation.country)

    def _record(self, user: User, action: str, resource: str, outcome: Outcome, reason: str) -> None:
        self.audit.append(
            AuditEvent(
                at=self._clock(),
                actor=user.user_id,
                action=f"programs.{action}",
                resource=resource,
                outcome=outcome,
                reason=reason,
                country=user.organisation.country,
            )
        )

    @contextmanager
    def _found(self, user: User, operation: str, resource: str) -> Iterator[None]:
        """A file the user's country does not hold (missing, or another country's): audited as a denied
        `operation` on it, then answered as missing; the caller cannot tell which it was, the log can.
        A move the file's state does not allow is a conflict (HTTP 409), not bad input."""
        try:
            yield
        except TransitionError as exc:
            if exc.code in STATE_CONFLICTS:  # a fine request the file's state does not allow: 409
                raise ConflictError(exc.code, exc.message, exc.details) from exc
            raise
        except NotFoundError:
            reason = f"no such {resource.split(':', 1)[0]} in {user.organisation.country}'s programs"
            self._record(user, operation, resource, Outcome.DENIED, reason)
            raise

    # -- reading -------------------------------------------------------------------------------------------

    def catalogue(self, user: User) -> list[ProgramConfig]:
        self._actor(user, "catalogue", "programs")
        return sorted(self.service.programs.values(), key=lambda p: p.id)

    def applications(
        self,
        user: User,
        *,
        states: Sequence[str] = (),
        program_id: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> ApplicationPage:
        actor = self._actor(user, "read", "applications")
        return self.service.applications(
            actor, states=_states(states, ApplicationState), program_id=program_id, after=after, limit=limit
        )

    def application(self, user: User, application_id: str) -> ApplicationDetail:
        resource = _application_resource(application_id)
        actor = self._actor(user, "read", resource)
        with self._found(user, "read", resource):
            detail = self.service.show(actor, application_id)  # another country's: not found
        self._record(user, "read", resource, Outcome.ALLOWED, "application file read")
        return detail

    def memberships(
        self,
        user: User,
        *,
        states: Sequence[str] = (),
        program_id: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> MembershipPage:
        actor = self._actor(user, "read", "memberships")
        return self.service.memberships(
            actor, states=_states(states, MembershipState), program_id=program_id, after=after, limit=limit
        )

    def member(self, user: User, membership_id: str) -> MemberPage:
        actor = self._actor(user, "read", f"membership:{membership_id}")
        with self._found(user, "read", f"membership:{membership_id}"):
            page = self.service.member(actor, membership_id)
        self._record(user, "read", f"membership:{membership_id}", Outcome.ALLOWED, "member page read")
        return page

    # -- working -------------------------------------------------------------------------------------------

    def apply(self, user: User, application: Mapping[str, Any]) -> ApplicationRecord:
        actor = self._actor(user, "apply", "applications")
        return self.service.apply(actor, application)

    def vet(self, user: User, application_id: str) -> VettingOutcome:
        actor = self._actor(user, "vet", _application_resource(application_id))
        with self._found(user, "vet", _application_resource(application_id)):
            return self.service.vet(actor, application_id)

    def decide(self, user: User, application_id: str, decision: str, reason: str) -> DecisionOutcome:
        if decision not in Decision.ALL:
            known = ", ".join(Decision.ALL)
            raise InputError("bad_decision", f"decision: {decision!r} is not one of {known}")
        actor = self._actor(user, "decide", _application_resource(application_id))
        with self._found(user, "decide", _application_resource(application_id)):
            return self.service.decide(actor, application_id, decision, reason)

    def act_on_membership(self, user: User, membership_id: str, action: str, reason: str) -> MembershipView:
        if action not in MEMBERSHIP_ACTIONS:
            known = ", ".join(MEMBERSHIP_ACTIONS)
            raise InputError("bad_action", f"action: {action!r} is not one of {known}")
        actor = self._actor(user, action, f"membership:{membership_id}")
        move = getattr(self.service, action)
        with self._found(user, action, f"membership:{membership_id}"):
            view: MembershipView = move(actor, membership_id, reason)
        return view


def _states(names: Sequence[str], kind: type[S]) -> list[S]:
    try:
        return [kind(name) for name in names]
    except ValueError:
        known = ", ".join(s.value for s in kind)
        raise InputError("bad_state", f"state: one of {known}") from None


def _application_resource(application_id: str) -> str:
    """The audit resource of an application: its id, which already reads `application:<hex>`."""
    return application_id if application_id.startswith("application:") else f"application:{application_id}"
