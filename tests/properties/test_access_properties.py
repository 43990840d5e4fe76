"""Access decisions never leak: properties over generated users × products × actions.

Users come from three partner agencies and one outsider, with any clearance, any mix of roles and groups,
and sometimes a second nationality or a nationality that differs from their agency's; products have
portions of every marking combination and sometimes need-to-know groups.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.markings import Classification, Marking
from cruce.sharing.access import Action, Decision, Organisation, Role, User, decide
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion

PARTNERS = ("USA", "MEX", "CAN")
COUNTRIES = (*PARTNERS, "GBR")
GROUPS = ("jtf-nogales", "jtf-detroit", "fincen")
ORGANISATIONS = {
    "USA": Organisation("us-cbp", "USA"),
    "MEX": Organisation("mx-anam", "MEX"),
    "CAN": Organisation("ca-cbsa", "CAN"),
    "GBR": Organisation("uk-nca", "GBR"),
}


def random_marking(rng: random.Random, owner: str) -> Marking:
    level = rng.choice(list(Classification))
    classified = level > Classification.UNCLASSIFIED
    noforn = rng.random() < 0.2
    rel_to: list[str] = []
    if classified and not noforn and rng.random() < 0.8:
        others = [c for c in COUNTRIES if c != owner]
        rel_to = [owner, *rng.sample(others, rng.randint(1, len(others)))]
    return Marking.of(
        level,
        owner,
        rel_to,
        noforn=noforn,
        orcon=classified and rng.random() < 0.1,
        fouo=not classified and rng.random() < 0.3,
    )


actions = st.sampled_from(list(Action))
partners = st.sampled_from([*COUNTRIES, "XX"])


@st.composite
def products(draw: st.DrawFn) -> Product:
    rng = random.Random(draw(st.integers(0, 2**32)))
    owner = draw(st.sampled_from(PARTNERS))
    portions = tuple(Portion(f"portion {i}", random_marking(rng, owner)) for i in range(rng.randint(1, 6)))
    summary = Portion("summary", random_marking(rng, owner)) if rng.random() < 0.7 else None
    need_to_know = frozenset(draw(st.sets(st.sampled_from(GROUPS), max_size=2)))
    return Product(
        "p",
        ProductKind.INTELLIGENCE_REPORT,
        owner,
        Portion("title", random_marking(rng, owner)),
        portions,
        summary,
        need_to_know=need_to_know,
    )


@st.composite
def users(draw: st.DrawFn, home: str | None = None) -> User:
    """A user; half the time of the agency of `home` (the product's owner), so every rule is reached."""
    country = home if home is not None and draw(st.booleans()) else draw(st.sampled_from(COUNTRIES))
    org = ORGANISATIONS[country]
    nationality = draw(st.sampled_from([org.country] * 4 + list(COUNTRIES)))  # mostly their agency's
    others = draw(st.sets(st.sampled_from(COUNTRIES), max_size=1)) if draw(st.booleans()) else set()
    return User(
        "u",
        org,
        draw(st.sampled_from([*Classification, Classification.TOP_SECRET, Classification.TOP_SECRET])),
        nationality,
        frozenset(draw(st.sets(st.sampled_from(list(Role)), min_size=1, max_size=2))),
        frozenset(draw(st.sets(st.sampled_from(GROUPS), max_size=2))),
        frozenset(others),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[User, Product, Action, str]:
    product = draw(products())
    return draw(users(product.owner)), product, draw(actions), draw(partners)


def delivered(decision: Decision) -> tuple[Portion, ...]:
    version = decision.version
    return version.all_portions if version is not None else ()


@settings(max_examples=1500)
@given(cases())
def test_a_foreign_reader_never_receives_a_portion_not_releasable_to_them(
    case: tuple[User, Product, Action, str],
) -> None:
    user, product, action, partner = case
    decision = decide(user, action, product, partner)
    foreign = user.foreign_countries(product.owner)
    if action is Action.READ and decision.allowed and foreign:
        assert isinstance(decision.version, TearLineVersion)
        for portion in delivered(decision):
            assert all(portion.marking.releasable(country) for country in foreign), (portion, foreign)
    if action in (Action.RELEASE, Action.EXPORT) and decision.allowed:
        for portion in delivered(decision):
            assert portion.marking.releasable(partner), (portion, partner)


@settings(max_examples=1500)
@given(cases())
def test_no_decision_returns_content_above_the_users_clearance(
    case: tuple[User, Product, Action, str],
) -> None:
    user, product, action, partner = case
    decision = decide(user, action, product, partner)
    version = decision.version
    if version is not None:
        banner = version.banner
        assert banner is not None and banner.classification <= user.clearance
    for portion in delivered(decision):
        assert portion.marking.classification <= user.clearance


@settings(max_examples=1500)
@given(cases())
def test_denials_carry_nothing_and_say_why(case: tuple[User, Product, Action, str]) -> None:
    user, product, action, partner = case
    decision = decide(user, action, product, partner)
    assert decision.action is action and decision.reason
    if not decision.allowed:
        assert decision.version is None
    elif product.need_to_know and action is not Action.AUDIT:
        assert user.groups & product.need_to_know


@given(cases())
def test_deciding_is_deterministic(case: tuple[User, Product, Action, str]) -> None:
    user, product, action, partner = case
    first = decide(user, action, product, partner)
    # An equal user, built afresh from the same attributes, gets the same decision.
    again = User(
        user.user_id,
        Organisation(user.organisation.org_id, user.organisation.country),
        user.clearance,
        user.nationality,
        frozenset(sorted(user.roles)),
        frozenset(sorted(user.groups)),
        user.other_nationalities,
    )
    assert decide(again, action, product, partner) == first == decide(user, action, product, partner)
