"""The programs desk for signed-in users: whatever roles and country a user holds and whatever they ask of a
USA application or membership, a user without a role for the operation is refused (403) and the refusal
audited; one with the role but of another country gets the answer a missing id gets, audited as denied; only
a USA user with the role is served. The country is always the user's organisation's, never the request's."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.core.errors import NotFoundError
from cruce.core.markings import Classification
from cruce.matching.matcher import Matcher
from cruce.service.policy import ConflictError
from cruce.service.program_desk import PROGRAM_ROLES, ProgramAccessError, ProgramDesk
from cruce.service.programs import Actor, ProgramService
from cruce.sharing.access import Organisation, Role, User
from cruce.sharing.audit import Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.store import Store, open_store

COUNTRIES = ("USA", "MEX", "CAN")
OPERATIONS = ("read_application", "read_member", "vet", "suspend")
NEEDS = {"read_application": "read", "read_member": "read", "vet": "vet", "suspend": "suspend"}
_serial = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ProgramDesk, AuditLog, str, str]]:
    """A USA application in vetting and a USA membership, on one store for every example."""
    folder: Path = tmp_path_factory.mktemp("desk")
    with open_store(f"sqlite:///{folder / 'd.db'}") as store:
        yield _world(store)


def _world(store: Store) -> tuple[ProgramDesk, AuditLog, str, str]:
    service = ProgramService(store, matcher=Matcher([]))
    usa = Actor("usa.setup", "USA")

    def traveler(passport: str) -> dict[str, Any]:
        doc = {"kind": "passport", "number": passport, "country": "USA", "expires": "2033-01-01"}
        return {"program": "sentri", "applicant": {"name": f"Persona {passport}", "birth_date": "1980-01-01",
                                                   "nationality": "USA", "documents": [doc]}}  # fmt: skip

    waiting = service.apply(usa, traveler("400000001")).application_id
    service.vet(usa, waiting)
    approved = service.apply(usa, traveler("400000002")).application_id
    service.vet(usa, approved)
    service.decide(usa, approved, "interview", "ok")
    member = service.decide(usa, approved, "approve", "ok").membership
    assert member is not None
    audit = AuditLog(store.engine)
    return ProgramDesk(service, audit), audit, waiting, member.membership_id


def _ask(desk: ProgramDesk, user: User, operation: str, application_id: str, membership_id: str) -> Any:
    calls: dict[str, Callable[[], Any]] = {
        "read_application": lambda: desk.application(user, application_id),
        "read_member": lambda: desk.member(user, membership_id),
        "vet": lambda: desk.vet(user, application_id),  # in vetting: vetted again, no move
        "suspend": lambda: desk.act_on_membership(user, membership_id, "suspend", "a review"),
    }
    return calls[operation]()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    roles=st.frozensets(st.sampled_from(list(Role)), max_size=3),
    country=st.sampled_from(COUNTRIES),
    operation=st.sampled_from(OPERATIONS),
)
def test_roles_then_country_decide_and_every_refusal_is_audited(
    world: tuple[ProgramDesk, AuditLog, str, str], roles: frozenset[Role], country: str, operation: str
) -> None:
    desk, audit, application_id, membership_id = world
    org = Organisation(f"org-{country}", country)
    user = User(f"user{next(_serial)}", org, Classification.SECRET, country, roles)
    allowed_by_role = bool(PROGRAM_ROLES[NEEDS[operation]] & roles)
    # An application id reads `application:<hex>`: the audit names it once (not `application:application:`).
    assert application_id.startswith("application:") and not membership_id.startswith("membership:")
    asked_application = "application" in operation or operation == "vet"
    resource = application_id if asked_application else f"membership:{membership_id}"
    the_id = application_id if asked_application else membership_id
    outcome: str
    try:
        _ask(desk, user, operation, application_id, membership_id)
        outcome = "served"
    except ProgramAccessError:
        outcome = "refused"
    except NotFoundError as exc:
        outcome = "not found"
        kind = resource.partition(":")[0]
        assert exc.message == f"no {kind} {the_id!r}"  # worded exactly like a missing id
    except ConflictError:  # suspended already: past the role and the country, the state said no
        assert operation == "suspend"
        outcome = "served"
    expected = "refused" if not allowed_by_role else "served" if country == "USA" else "not found"
    assert outcome == expected
    events = [r.event for r in audit.records(actor=user.user_id)]
    denied = [e for e in events if e.outcome is Outcome.DENIED]
    if expected == "served":
        assert not denied
    else:
        assert len(denied) == 1 and denied[0].resource == resource and denied[0].country == country
