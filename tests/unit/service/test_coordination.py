"""Partner coordination: who a status goes to, how a member is screened, how notices are marked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.markings import Marking
from cruce.core.model import Schema
from cruce.matching.types import Query
from cruce.programs.model import MemberParties, MembershipState, MembershipStatus, Party, PartyRole
from cruce.programs.recognition import Agreement, load_agreement
from cruce.service.coordination import default_notice_policy, status_marking, status_partners, subject_of

AGREEMENT = load_agreement()


def status(program: str, country: str) -> MembershipStatus:
    return MembershipStatus(
        "m:1", program, "standard", country, MembershipState.ACTIVE, datetime(2026, 1, 1, tzinfo=UTC)
    )


def test_a_status_goes_to_who_recognises_the_program_and_who_screens_for_its_owner() -> None:
    assert status_partners(status("viajero-confiable", "MEX"), AGREEMENT) == {"USA", "CAN"}
    assert status_marking(status("viajero-confiable", "MEX"), AGREEMENT) == Marking.parse(
        "C//REL TO MEX, CAN, USA", owner="MEX"
    )
    # CAN subscribes to USA's notices only, and MEX recognises no Canadian program: NEXUS goes to USA alone
    assert status_partners(status("nexus", "CAN"), AGREEMENT) == {"USA"}


def test_a_member_is_screened_under_its_applicant_and_notices_keep_remarks_home() -> None:
    member = MemberParties("m:1", "viajero-confiable", "MEX", (
        Party(PartyRole.DRIVER, Query("Otro Nombre")),
        Party(PartyRole.APPLICANT, Query("Ana Ruiz", Schema.PERSON, PartialDate.parse("1990-04"), ("MX",))),
    ))  # fmt: skip
    subject = subject_of(member)
    assert subject is not None and (subject.name, subject.birth_date, subject.countries) == (
        "Ana Ruiz",
        "1990-04",
        ("MX",),
    )
    policy = default_notice_policy("CAN", AGREEMENT)
    assert policy.details["remarks"].noforn and policy.core.releasable_to == {"CAN", "MEX", "USA"}
    with pytest.raises(InputError, match="no partner subscribes"):
        default_notice_policy("CAN", Agreement("no-subscriptions", AGREEMENT.programs))
