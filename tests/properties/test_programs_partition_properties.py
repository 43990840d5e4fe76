"""The country partition of trusted programs: whatever USA, MEX and CAN officers submit, approve and suspend,
each country sees exactly its own applications and memberships, and another country's ids are not found
(worded exactly like a missing id)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruce.core.dates import PartialDate
from cruce.core.errors import NotFoundError
from cruce.programs.applications import Application, Document, Person
from cruce.programs.config import parse_program, program_catalogue
from cruce.service.programs import Actor, ProgramService
from cruce.storage.store import open_store

MEX_PERSON_PROGRAM = parse_program(
    "id: viajero\nname: Viajero confiable (test)\nkind: person\ncountry: MEX\n"
    "documents: {required: [passport]}\n"
    "tiers: [{id: standard, name: Standard, inspection_rate_factor: 0.3}]\ndefault_tier: standard\n",
    "test",
)
PROGRAM_OF = {"USA": "sentri", "MEX": "viajero", "CAN": "nexus"}
COUNTRIES = tuple(PROGRAM_OF)
STEPS = st.lists(st.tuples(st.sampled_from(COUNTRIES), st.sampled_from(["apply", "approve", "suspend"])),
                 min_size=1, max_size=8)  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_each_country_sees_exactly_its_own(
    steps: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from cruce.matching.matcher import Matcher

    folder = tmp_path_factory.mktemp("programs")  # kept until the session ends: no store outlives its file
    with open_store(f"sqlite:///{folder / 'c.db'}") as store:
        programs = {**program_catalogue(), MEX_PERSON_PROGRAM.id: MEX_PERSON_PROGRAM}
        # Vetting is not what this property is about: an empty index answers every screening at once.
        service = ProgramService(store, programs=programs, matcher=Matcher([]))
        owned: dict[str, set[str]] = {c: set() for c in COUNTRIES}
        members: dict[str, set[str]] = {c: set() for c in COUNTRIES}
        pending: dict[str, list[str]] = {c: [] for c in COUNTRIES}
        suspended: set[str] = set()
        for n, (country, action) in enumerate(steps):
            actor = Actor(f"officer.{country.lower()}", country)
            if action == "apply" or (not pending[country] and action == "approve"):
                person = Person(f"Persona Numero {n}", PartialDate(1980, 1, 1 + n % 28), country, None,
                                (Document("passport", f"P{n:08d}", country),))  # fmt: skip
                record = service.apply(actor, Application(PROGRAM_OF[country], None, applicant=person))
                owned[country].add(record.application_id)
                pending[country].append(record.application_id)
            elif action == "approve":
                application_id = pending[country].pop()
                service.vet(actor, application_id)
                service.decide(actor, application_id, "interview", "ok")
                outcome = service.decide(actor, application_id, "approve", "ok")
                assert outcome.membership is not None
                members[country].add(outcome.membership.membership_id)
            elif members[country] - suspended:
                membership_id = sorted(members[country] - suspended)[0]
                service.suspend(actor, membership_id, "review")
                suspended.add(membership_id)
        for country in COUNTRIES:
            actor = Actor("auditor", country)
            assert {r.application_id for r in service.applications(actor, limit=500).items} == owned[country]
            assert {m.membership_id for m in service.memberships(actor, limit=500).items} == members[country]
            for other in COUNTRIES:
                if other == country:
                    continue
                for application_id in owned[other]:
                    try:
                        service.show(actor, application_id)
                    except NotFoundError as exc:
                        assert exc.message == f"no application {application_id!r}"
                    else:
                        raise AssertionError(f"{country} read {other}'s {application_id}")
                for membership_id in members[other]:
                    try:
                        service.member(actor, membership_id)
                    except NotFoundError as exc:
                        assert exc.message == f"no membership {membership_id!r}"
                    else:
                        raise AssertionError(f"{country} read {other}'s {membership_id}")
            assert all(m.country == country for m in service.active_member_parties(country))
