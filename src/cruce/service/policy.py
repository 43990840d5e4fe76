"""Who may do what, and the audit record of every decision: what every service asks before it acts.

Decisions come from two places:

* products and the audit log: `cruce.sharing.access` (owner country, tear lines, clearance, roles), the
  same rules the CLI and the TAXII server apply;
* everything else: `ROLES` below (which roles may do an operation) plus one attribute rule, the country:
  alerts, dismissals, jobs, accounts and audit records belong to a country (the organisation's), and only
  that country's users see or work them. A USA analyst never reads a MEX alert, a MEX false-positive
  decision never quiets a USA screening, a MEX auditor reads MEX's audit records only, and a MEX
  administrator never creates or keys USA accounts.

Partitions look like absence: something of another country, or a product the caller may not read, is
answered exactly as a missing one (`NotFoundError`, same message), and no denial a caller sees names a level,
a classification or another country's account; the audit log keeps the full reason.

Every call is audited: allowed reads and writes, and every denial with its reason. A write and its audit
record commit together where the write is the request's side effect (alerts and their review), and every
input is validated before anything is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from cruce.core.clock import Clock
from cruce.core.errors import InputError, NotFoundError
from cruce.core.text import control_character_at
from cruce.service.sharing import ForbiddenError
from cruce.sharing.access import READING_ROLES, Decision, Role, User
from cruce.sharing.audit import AuditEvent, Outcome, event_for
from cruce.storage.alerts import AuditHook
from cruce.storage.audit import AuditAppender, AuditLog

ROLES: dict[str, frozenset[Role]] = {
    "screen": frozenset({Role.OFFICER, Role.ANALYST}),
    "screen_batch": frozenset({Role.ANALYST}),
    "jobs": frozenset({Role.OFFICER, Role.ANALYST}),
    "lists_read": frozenset({Role.OFFICER, Role.ANALYST, Role.RELEASING_OFFICER, Role.ADMIN}),
    "lists_reload": frozenset({Role.ADMIN}),
    "alerts_read": frozenset({Role.OFFICER, Role.ANALYST}),
    "alerts_work": frozenset({Role.ANALYST}),
    "ports": frozenset({Role.OFFICER, Role.ANALYST, Role.RELEASING_OFFICER}),
    "simulate": frozenset({Role.ANALYST}),
    "products_list": READING_ROLES,
    "products_draft": frozenset({Role.ANALYST}),
    "users_admin": frozenset({Role.ADMIN}),
}
"""Who may do each operation by role; the country rule and `cruce.sharing.access` come on top."""


class AccessDeniedError(ForbiddenError):
    """Authenticated, but the policy says no; the reason is the policy's sentence."""


class ConflictError(InputError):
    """The request is fine but the resource is not in a state that allows it."""


def may(user: User, operation: str) -> bool:
    """Whether the policy table lets the user's roles do `operation`: to offer a form, never to allow it."""
    return bool(ROLES[operation] & user.roles)


def check_text(fields: Any) -> None:
    """Refuse input holding a control character (NUL, escape...) before anything is done with it."""
    where = control_character_at(fields)
    if where is not None:
        raise InputError(
            "bad_character", f"{where or 'the input'} holds a control character (NUL, escape...); remove it"
        )


class Gate:
    """Policy checks and audit records for the services; thread-safe (the server calls it from many threads).

    `append` returns once the record is committed, in a batch with concurrent requests' (`AuditAppender`).
    """

    def __init__(self, audit: AuditLog, writer: AuditAppender, clock: Clock) -> None:
        self.audit = audit
        self.writer = writer
        self.clock = clock

    def event(  # noqa: PLR0917 - one audit event's fields
        self,
        user: User | None,
        action: str,
        resource: str,
        outcome: Outcome = Outcome.ALLOWED,
        reason: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        country: str | None = None,
    ) -> AuditEvent:
        """An audit event of `user` (its country owns the record), validated now: build it before acting."""
        who = actor or (user.user_id if user is not None else "anonymous")
        extra = {"organisation": user.organisation.org_id} if user is not None else {}
        owner = country or (user.organisation.country if user is not None else None)
        return AuditEvent(
            self.clock(), who, action, resource, outcome, reason, {**extra, **(details or {})}, owner
        )

    def record(  # noqa: PLR0917 - one audit event's fields
        self,
        user: User | None,
        action: str,
        resource: str,
        outcome: Outcome = Outcome.ALLOWED,
        reason: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        country: str | None = None,
    ) -> None:
        self.append(
            self.event(user, action, resource, outcome, reason, details, actor=actor, country=country)
        )

    def append(self, event: AuditEvent) -> None:
        """Append `event` to the audit log; returns once it is committed."""
        self.writer.append(event)

    def hook(self, make: Callable[[Any], AuditEvent]) -> AuditHook[Any]:
        """An audit record appended in the same transaction as the write it describes."""
        return AuditHook(self.audit, make)

    def allow(self, user: User, operation: str, resource: str) -> None:
        """Raise AccessDeniedError (audited) unless one of the user's roles may do `operation`."""
        needed = ROLES[operation]
        if user.roles & needed:
            return
        roles = " or ".join(sorted(r.value for r in needed))
        self.deny(user, operation, resource, f"role {roles} is needed")

    def hidden(self, user: User, action: str, resource: str, reason: str, missing: NotFoundError) -> NoReturn:
        """Not the caller's to see: audited with the reason, answered exactly as if it did not exist."""
        self.record(user, action, resource, Outcome.DENIED, reason)
        raise missing

    def deny(
        self, user: User, action: str, resource: str, reason: str, *, public: str | None = None
    ) -> NoReturn:
        """Audited with `reason`; the caller reads `public` (default: `reason`, which must then name no
        level, classification or other country's account)."""
        self.record(user, action, resource, Outcome.DENIED, reason)
        raise AccessDeniedError(
            "forbidden", f"{user.user_id} may not {action.replace('_', ' ')} {resource}: {public or reason}"
        )

    def decided(
        self,
        user: User,
        decision: Decision,
        resource: str,
        *,
        missing: NotFoundError | None = None,
        public: str | None = None,
    ) -> None:
        """Audit a core decision; a denial is missing (`missing`) or forbidden saying `public`, never the
        reason."""
        self.append(event_for(decision, user, resource, self.clock()))
        if decision.allowed:
            return
        if missing is not None:
            raise missing
        why = public or "not allowed"
        action = decision.action.value
        raise AccessDeniedError("forbidden", f"{user.user_id} may not {action} {resource}: {why}")
