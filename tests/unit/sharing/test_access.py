"""Access decisions: who may read, create, release and export which product, and why not.

The matrix below is the policy in one table: each row a user, an action and a product (with the partner for
a release or an export), the expected outcome, and a fragment of the reason a person would read.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cruce.core.errors import InputError
from cruce.core.markings import Classification, Marking
from cruce.sharing.access import (
    Action,
    Decision,
    Organisation,
    Role,
    User,
    decide,
    may_read,
    may_release,
)
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion, tear_line

S, C, TS = Classification.SECRET, Classification.CONFIDENTIAL, Classification.TOP_SECRET
READ, CREATE, RELEASE, EXPORT, AUDIT = (
    Action.READ,
    Action.CREATE,
    Action.RELEASE,
    Action.EXPORT,
    Action.AUDIT,
)

CBP = Organisation("us-cbp", "USA", "U.S. Customs and Border Protection")
ANAM = Organisation("mx-anam", "MEX", "Agencia Nacional de Aduanas de México")
CBSA = Organisation("ca-cbsa", "CAN", "Canada Border Services Agency")


def user(name: str, org: Organisation, clearance: Classification, *roles: Role, **more: object) -> User:
    return User(name, org, clearance, org.country, frozenset(roles), **more)  # type: ignore[arg-type]


USERS = {
    "usa_analyst": user("usa_analyst", CBP, S, Role.ANALYST),
    "usa_analyst_c": user("usa_analyst_c", CBP, C, Role.ANALYST),
    "usa_officer": user("usa_officer", CBP, S, Role.OFFICER),
    "usa_releaser": user("usa_releaser", CBP, TS, Role.RELEASING_OFFICER),
    "usa_releaser_c": user("usa_releaser_c", CBP, C, Role.RELEASING_OFFICER),
    "usa_auditor": user("usa_auditor", CBP, TS, Role.AUDITOR),
    "usa_admin": user("usa_admin", CBP, TS, Role.ADMIN),
    "jtf_analyst": user("jtf_analyst", CBP, S, Role.ANALYST, Role.RELEASING_OFFICER, groups={"jtf-nogales"}),
    "mex_analyst": user("mex_analyst", ANAM, S, Role.ANALYST),
    "mex_officer_c": user("mex_officer_c", ANAM, C, Role.OFFICER),
    "mex_jtf": user("mex_jtf", ANAM, S, Role.ANALYST, groups={"jtf-nogales"}),
    "can_releaser": user("can_releaser", CBSA, S, Role.ANALYST, Role.RELEASING_OFFICER),
    # A US agency's analyst who also holds Mexican nationality, and a Mexican national at the Canadian agency.
    "usa_dual_mex": user("usa_dual_mex", CBP, S, Role.ANALYST, other_nationalities={"MEX"}),
    "mex_at_can": User("mex_at_can", CBSA, S, "MEX", frozenset({Role.ANALYST})),
}


def portion(text: str, marking: str) -> Portion:
    return Portion(text, Marking.parse(marking))


REPORT = Product(
    product_id="report:2026-0001",
    kind=ProductKind.INTELLIGENCE_REPORT,
    owner="USA",
    title=portion("Tunnel activity near Nogales", "U//FOUO"),
    portions=(
        portion("A tunnel exit was found under a warehouse on Calle Obregón.", "S//REL TO USA, MEX"),
        portion("The source is a cartel accountant.", "S//NOFORN"),
        portion(
            "Trucks of carrier X crossed at Mariposa and at Ambassador Bridge.", "C//REL TO USA, CAN, MEX"
        ),
        portion("The warehouse lease names two Canadian companies.", "C//REL TO USA, CAN"),
    ),
    tearline_summary=portion("Expect tunnel-related seizures at Nogales; check carrier X.", "U//FOUO"),
    author="usa_analyst",
)
NOFORN_ALERT = Product(
    "alert:17",
    ProductKind.ALERT,
    "USA",
    portion("Subject of interest", "S//NOFORN"),
    (portion("Source reporting", "S//NOFORN"),),
)
NEED_TO_KNOW = replace(REPORT, product_id="report:2026-0002", need_to_know=frozenset({"jtf-nogales"}))
PRODUCTS = {"report": REPORT, "noforn": NOFORN_ALERT, "ntk": NEED_TO_KNOW}

# user, action, product, partner, allowed, a fragment of the reason
Row = tuple[str, Action, str | None, str | None, bool, str]
MATRIX: list[Row] = [
    # READ: owner-country users read the whole product, cleared and with need to know
    ("usa_analyst", READ, "report", None, True, "reads the whole SECRET//NOFORN product"),
    ("usa_officer", READ, "report", None, True, "reads the whole"),
    ("usa_releaser", READ, "report", None, True, "reads the whole"),
    ("usa_analyst_c", READ, "report", None, False, "clearance CONFIDENTIAL is below the product's SECRET"),
    ("usa_auditor", READ, "report", None, False, "role analyst, releasing_officer or officer is needed"),
    ("usa_admin", READ, "report", None, False, "is needed to read products"),
    ("usa_analyst", READ, "ntk", None, False, "need-to-know group jtf-nogales, and the user is in none"),
    ("jtf_analyst", READ, "ntk", None, True, "reads the whole"),
    # READ: foreign users get their country's tear line, or nothing
    ("mex_analyst", READ, "report", None, True, "tear-line version releasable to MEX: 4 portions of 6"),
    ("can_releaser", READ, "report", None, True, "releasable to CAN: 4 portions of 6, CONFIDENTIAL"),
    (
        "mex_officer_c",
        READ,
        "report",
        None,
        False,
        "CONFIDENTIAL is below the MEX tear-line version's SECRET",
    ),
    (
        "mex_analyst",
        READ,
        "noforn",
        None,
        False,
        "MEX users only receive the tear-line version releasable to MEX, and nothing in this product is",
    ),
    ("mex_analyst", READ, "ntk", None, False, "need-to-know"),
    ("mex_jtf", READ, "ntk", None, True, "releasable to MEX"),
    (
        "usa_dual_mex",
        READ,
        "report",
        None,
        True,
        "users holding MEX nationality receive the tear-line version releasable to MEX",
    ),
    ("usa_dual_mex", READ, "noforn", None, False, "nothing in this product is"),
    ("mex_at_can", READ, "report", None, True, "every one of CAN and MEX: 3 portions of 6"),
    # CREATE: owner-country analysts cleared to the banner
    ("usa_analyst", CREATE, "report", None, True, "USA analyst cleared SECRET may write SECRET//NOFORN"),
    ("usa_analyst_c", CREATE, "report", None, False, "clearance CONFIDENTIAL is below the product's SECRET"),
    ("usa_officer", CREATE, "report", None, False, "role analyst is needed to create"),
    ("usa_releaser", CREATE, "report", None, False, "role analyst is needed to create"),
    (
        "mex_analyst",
        CREATE,
        "report",
        None,
        False,
        "only USA analysts may create a USA product; this user is of MEX",
    ),
    ("usa_dual_mex", CREATE, "report", None, False, "this user also holds MEX nationality"),
    ("mex_at_can", CREATE, "report", None, False, "of CAN and MEX by organisation and nationality"),
    ("usa_analyst", CREATE, "ntk", None, False, "need-to-know"),
    # RELEASE: owner-country releasing officers, to a partner with a non-empty tear line
    ("usa_releaser", RELEASE, "report", "MEX", True, "release to MEX of the tear-line version"),
    ("usa_releaser", RELEASE, "report", "CAN", True, "CONFIDENTIAL//REL TO USA, CAN"),
    ("usa_releaser", RELEASE, "noforn", "MEX", False, "nothing in this product is releasable to MEX"),
    ("usa_analyst", RELEASE, "report", "MEX", False, "role releasing_officer is needed to release"),
    (
        "usa_releaser_c",
        RELEASE,
        "report",
        "MEX",
        False,
        "clearance CONFIDENTIAL is below the product's SECRET",
    ),
    (
        "can_releaser",
        RELEASE,
        "report",
        "MEX",
        False,
        "only USA releasing officers may release a USA product",
    ),
    ("usa_releaser", RELEASE, "report", "USA", False, "USA owns the product"),
    ("usa_releaser", RELEASE, "report", "MX", False, "not an ISO 3166 country trigraph"),
    ("usa_releaser", RELEASE, "ntk", "MEX", False, "need-to-know"),
    ("jtf_analyst", RELEASE, "ntk", "MEX", True, "release to MEX"),
    # EXPORT: decided like a release, per partner
    ("usa_releaser", EXPORT, "report", "CAN", True, "export to CAN of the tear-line version"),
    ("usa_analyst", EXPORT, "report", "CAN", False, "role releasing_officer is needed to export"),
    ("usa_releaser", EXPORT, "noforn", "CAN", False, "nothing in this product is releasable to CAN"),
    ("mex_analyst", EXPORT, "report", "CAN", False, "role releasing_officer is needed to export"),
    # AUDIT: auditors only; administrators are what the log checks
    ("usa_auditor", AUDIT, None, None, True, "auditors read the audit log"),
    ("usa_admin", AUDIT, None, None, False, "role auditor is needed to read the audit log"),
    ("usa_analyst", AUDIT, None, None, False, "role auditor is needed"),
]


@pytest.mark.parametrize(
    "row", MATRIX, ids=[f"{w}-{a.value}-{p}{'-' + t if t else ''}" for w, a, p, t, _, _ in MATRIX]
)
def test_access_matrix(row: Row) -> None:
    who, action, product, partner, allowed, reason = row
    decision = decide(USERS[who], action, PRODUCTS[product] if product else None, partner)
    assert decision.allowed is allowed, decision.reason
    assert decision.action is action
    assert reason in decision.reason
    if not allowed:
        assert decision.version is None


def test_foreign_reader_gets_exactly_the_partners_tear_line() -> None:
    decision = may_read(USERS["mex_analyst"], REPORT)
    assert decision.version == tear_line(REPORT, "MEX")
    assert isinstance(decision.version, TearLineVersion)
    assert "cartel accountant" not in decision.version.render()
    assert "Canadian companies" not in decision.version.render()


def test_owner_country_reader_gets_the_whole_product() -> None:
    assert may_read(USERS["usa_officer"], REPORT).version is REPORT


def test_dual_national_gets_the_more_restrictive_version() -> None:
    # A Mexican national at the Canadian agency: only what is releasable to both Canada and Mexico.
    version = may_read(USERS["mex_at_can"], REPORT).version
    assert isinstance(version, TearLineVersion)
    assert [p.text[:15] for p in version.portions] == ["Trucks of carri"]
    assert str(version.banner) == "CONFIDENTIAL//REL TO USA, CAN, MEX"
    assert version.withheld == 3
    # A US analyst who also holds Mexican nationality reads as a Mexican user does, never the whole product.
    assert may_read(USERS["usa_dual_mex"], REPORT).version == tear_line(REPORT, "MEX")


def test_release_carries_what_may_leave() -> None:
    decision = may_release(USERS["usa_releaser"], REPORT, "mex")
    assert decision.allowed and decision.version == tear_line(REPORT, "MEX")


def test_missing_product_or_partner_is_a_denial_with_a_reason() -> None:
    assert decide(USERS["usa_analyst"], "read").reason == "read needs a product"
    denied = decide(USERS["usa_releaser"], Action.RELEASE, REPORT)
    assert not denied.allowed and denied.reason == "release needs a partner country"


def test_a_denial_cannot_carry_content() -> None:
    with pytest.raises(ValueError, match="denied decision"):
        Decision(False, Action.READ, "no", REPORT)


def test_users_are_validated_and_roles_may_be_strings() -> None:
    analyst = User("a", CBP, S, "usa", frozenset({"analyst"}))  # type: ignore[arg-type]
    assert analyst.roles == {Role.ANALYST} and analyst.nationality == "USA"
    with pytest.raises(InputError, match="roles are analyst"):
        User("a", CBP, S, "USA", frozenset({"boss"}))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not an ISO 3166"):
        User("a", CBP, S, "MX")
    with pytest.raises(InputError, match="not an ISO 3166"):
        Organisation("x", "Mexico")
