"""Who may read, create, release and export a marked product, and who may read the audit log.

Decisions are made here, in the core, from attributes alone, so the API, the web console and the CLI can
never disagree about them, and every denial carries one sentence a person can act on. A decision that
allows a read or a release carries the content the user may have (the whole product or one tear-line
version); a denial never carries content.

The rules:

* A user's *countries* are their organisation's country and every nationality they hold. A user whose
  countries are all the product owner's is an *owner-country user*; anyone else is *foreign* and is
  judged by the most restrictive of their countries: they receive only what is releasable to every one of
  them. So a dual national, or a national of one partner working for another's agency, gets less, never
  more, than either country alone.
* READ needs a reading role: analyst, releasing_officer or officer (booth and inspection officers read
  only). An owner-country user reads the whole product if cleared to its banner level. A foreign user only
  ever reads the tear-line version for their organisation's country (`tear_line`, narrowed further by any
  other nationality they hold), only when it is not empty, and only if cleared to that version's banner.
* Need to know: when a product names need-to-know groups, every reader (owner-country or foreign), author
  and releasing officer must belong to one of them. Clearance and nationality say who *may* see a level
  and a country's text; need to know says who *should* see this product.
* CREATE needs the analyst role, an owner-country user (organisation and nationality: an author sees
  every portion, NOFORN included), clearance at or above the product's banner, and need to know.
* RELEASE to partner P needs the releasing_officer role, an owner-country user, clearance at or above the
  product's banner, need to know, P a country other than the owner, and a non-empty tear line for P; the
  decision carries that tear-line version, which is exactly what may leave. EXPORT (a STIX bundle, a
  file) is a release by another channel and is decided the same way, per partner.
* AUDIT (reading the audit log) needs the auditor role, and no administrator role. Administrators get no
  product or audit access from their role: the audit log is what checks them. Some duties never go on
  one account (`role_conflict`): administration with audit or release, audit with release.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from cruce.core.errors import InputError
from cruce.core.markings import Classification, is_country_trigraph, roll_up
from cruce.sharing.products import Portion, Product, TearLineVersion, tear_line


class Role(enum.StrEnum):
    ANALYST = "analyst"
    RELEASING_OFFICER = "releasing_officer"
    OFFICER = "officer"  # booth or inspection officer: reads, never writes or releases
    AUDITOR = "auditor"
    ADMIN = "admin"


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    RELEASE = "release"
    EXPORT = "export"
    AUDIT = "audit"  # read the audit log


READING_ROLES = frozenset({Role.ANALYST, Role.RELEASING_OFFICER, Role.OFFICER})
"""Roles whose holders read products; auditors and administrators do not."""


def _trigraph(value: str, what: str) -> str:
    code = value.strip().upper()
    if not is_country_trigraph(code):
        raise InputError("bad_country", f"{what} {value!r} is not an ISO 3166 country trigraph")
    return code


@dataclass(frozen=True, slots=True)
class Organisation:
    """A partner agency; its country decides which tear line its users may receive."""

    org_id: str
    country: str
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", _trigraph(self.country, f"organisation {self.org_id}'s country"))


@dataclass(frozen=True, slots=True)
class User:
    """A person and the attributes every decision is made from. Roles may be given as strings."""

    user_id: str
    organisation: Organisation
    clearance: Classification
    nationality: str
    roles: frozenset[Role] = frozenset()
    groups: frozenset[str] = frozenset()
    other_nationalities: frozenset[str] = field(default=frozenset())  # dual (or more) nationals

    def __post_init__(self) -> None:
        object.__setattr__(self, "nationality", _trigraph(self.nationality, f"{self.user_id}'s nationality"))
        others = frozenset(
            _trigraph(code, f"{self.user_id}'s nationality") for code in self.other_nationalities
        )
        object.__setattr__(self, "other_nationalities", others - {self.nationality})
        try:
            roles = frozenset(Role(role) for role in self.roles)
        except ValueError as exc:
            known = ", ".join(role.value for role in Role)
            raise InputError("bad_role", f"{exc}; roles are {known}") from exc
        object.__setattr__(self, "roles", roles)
        object.__setattr__(self, "groups", frozenset(self.groups))
        object.__setattr__(self, "clearance", Classification(self.clearance))

    @property
    def countries(self) -> frozenset[str]:
        """The organisation's country and every nationality held: the user is judged by all of them."""
        return frozenset({self.organisation.country, self.nationality, *self.other_nationalities})

    def foreign_countries(self, owner: str) -> frozenset[str]:
        """The user's countries other than `owner`; empty for an owner-country user."""
        return self.countries - {owner}


Content = Product | TearLineVersion


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed or denied, why, and (when allowed) the content the action may use or hand over."""

    allowed: bool
    action: Action
    reason: str
    version: Content | None = None

    def __post_init__(self) -> None:
        if not self.allowed and self.version is not None:
            raise ValueError("a denied decision must not carry content")


def _deny(action: Action, reason: str) -> Decision:
    return Decision(False, action, reason)


def _and(items: Iterable[str]) -> str:
    names = sorted(items)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _portions(n: int) -> str:
    return f"{n} portion{'' if n == 1 else 's'}"


# -- the checks every action shares ----------------------------------------------------------------------


def _role_missing(user: User, action: Action, needed: Role, verb: str) -> Decision | None:
    if needed in user.roles:
        return None
    return _deny(action, f"role {needed.value} is needed to {verb}")


def _not_owner_country(user: User, action: Action, product: Product, who: str) -> Decision | None:
    foreign = user.foreign_countries(product.owner)
    if not foreign:
        return None
    org = user.organisation.country
    if org == product.owner:
        holds = f"this user also holds {_and(foreign)} nationality"
    elif user.nationality == org and not user.other_nationalities:
        holds = f"this user is of {org}"
    else:
        holds = f"this user is of {_and(user.countries)} by organisation and nationality"
    return _deny(action, f"only {product.owner} {who} may {action.value} a {product.owner} product; {holds}")


def _below(user: User, action: Action, level: Classification, of_what: str) -> Decision | None:
    if user.clearance >= level:
        return None
    return _deny(action, f"clearance {user.clearance.banner} is below {of_what} {level.banner}")


def _no_need_to_know(user: User, action: Action, product: Product) -> Decision | None:
    if not product.need_to_know or user.groups & product.need_to_know:
        return None
    groups = _and(product.need_to_know)
    return _deny(
        action,
        f"the product is limited to need-to-know group{'s' if len(product.need_to_know) > 1 else ''} "
        f"{groups}, and the user is in none of them",
    )


# -- reading ---------------------------------------------------------------------------------------------


def _version_for(product: Product, countries: frozenset[str], partner: str) -> TearLineVersion:
    """`partner`'s tear line, narrowed to portions releasable to every one of `countries` as well."""
    version = tear_line(product, partner)
    rest = countries - {partner}
    if not rest or version.is_empty:
        return version

    def kept(portion: Portion | None) -> Portion | None:
        if portion is None or not all(portion.marking.releasable(c) for c in rest):
            return None
        return portion

    title, summary = kept(version.title), kept(version.summary)
    portions = tuple(p for p in version.portions if kept(p) is not None)
    given = [p for p in (title, *portions, summary) if p is not None]
    return TearLineVersion(
        product.product_id,
        product.kind,
        partner,
        title,
        portions,
        summary,
        roll_up(p.marking for p in given) if given else None,
        withheld=len(product.all_portions) - len(given),
    )


def may_read(user: User, product: Product) -> Decision:
    """The whole product for an owner-country user; the user's tear-line version for anyone else."""
    action = Action.READ
    if not user.roles & READING_ROLES:
        return _deny(action, "role analyst, releasing_officer or officer is needed to read products")
    foreign = user.foreign_countries(product.owner)
    if not foreign:
        banner = product.banner
        denied = _below(user, action, banner.classification, "the product's") or _no_need_to_know(
            user, action, product
        )
        if denied:
            return denied
        return Decision(
            True,
            action,
            f"{product.owner} user cleared {user.clearance.banner} reads the whole {banner} product",
            product,
        )
    org = user.organisation.country
    partner = org if org in foreign else min(foreign)
    version = _version_for(product, foreign, partner)
    if len(foreign) == 1:
        who = f"users holding {partner} nationality" if org == product.owner else f"{partner} users"
        to = partner
    else:
        who = f"users of {_and(foreign)} (by organisation and nationality)"
        to = f"every one of {_and(foreign)}"
    if version.banner is None:
        return _deny(
            action,
            f"{who} only receive the tear-line version releasable to {to}, and nothing in this product is",
        )
    denied = _no_need_to_know(user, action, product) or _below(
        user, action, version.banner.classification, f"the {partner} tear-line version's"
    )
    if denied:
        return denied
    return Decision(
        True,
        action,
        f"{who} receive the tear-line version releasable to {to}: "
        f"{_portions(len(version.all_portions))} of {len(product.all_portions)}, {version.banner}",
        version,
    )


# -- writing and releasing -------------------------------------------------------------------------------


def may_create(user: User, product: Product) -> Decision:
    """May `user` author `product` as it is marked?"""
    action = Action.CREATE
    banner = product.banner
    denied = (
        _role_missing(user, action, Role.ANALYST, "create")
        or _not_owner_country(user, action, product, "analysts")
        or _below(user, action, banner.classification, "the product's")
        or _no_need_to_know(user, action, product)
    )
    if denied:
        return denied
    return Decision(
        True, action, f"{product.owner} analyst cleared {user.clearance.banner} may write {banner}"
    )


def _release(user: User, action: Action, product: Product, partner: str) -> Decision:
    verb = action.value
    code = partner.strip().upper()
    denied = _role_missing(user, action, Role.RELEASING_OFFICER, verb) or _not_owner_country(
        user, action, product, "releasing officers"
    )
    if denied:
        return denied
    if not is_country_trigraph(code):
        return _deny(action, f"partner {partner!r} is not an ISO 3166 country trigraph")
    if code == product.owner:
        return _deny(action, f"{code} owns the product; {verb} is to a partner country")
    denied = _below(user, action, product.banner.classification, "the product's") or _no_need_to_know(
        user, action, product
    )
    if denied:
        return denied
    version = tear_line(product, code)
    if version.banner is None:
        return _deny(
            action, f"nothing in this product is releasable to {code}, so there is nothing to {verb}"
        )
    return Decision(
        True,
        action,
        f"{verb} to {code} of the tear-line version: "
        f"{_portions(len(version.all_portions))} of {len(product.all_portions)}, {version.banner}",
        version,
    )


def may_release(user: User, product: Product, partner: str) -> Decision:
    """May `user` release `product` to `partner`? When allowed, carries exactly what may leave."""
    return _release(user, Action.RELEASE, product, partner)


def may_export(user: User, product: Product, partner: str) -> Decision:
    """Export (STIX, a file) is a release by another channel, so it is decided per partner like one."""
    return _release(user, Action.EXPORT, product, partner)


def may_audit(user: User) -> Decision:
    """Reading the audit log is the auditors' job alone, and never an administrator's, whom it checks."""
    missing = _role_missing(user, Action.AUDIT, Role.AUDITOR, "read the audit log")
    if missing:
        return missing
    if Role.ADMIN in user.roles:
        return _deny(Action.AUDIT, "an administrator does not read the audit log that checks it")
    return Decision(True, Action.AUDIT, "auditors read the audit log")


CONFLICTING_ROLES: tuple[tuple[Role, Role, str], ...] = (
    (Role.ADMIN, Role.AUDITOR, "an administrator cannot audit itself"),
    (Role.ADMIN, Role.RELEASING_OFFICER, "an administrator cannot release what its accounts write"),
    (Role.AUDITOR, Role.RELEASING_OFFICER, "an auditor cannot release what it audits"),
)
"""Duties one account never holds together (separation of duties)."""


def role_conflict(roles: Iterable[Role | str]) -> str | None:
    """Why `roles` may not be held by one account, or None."""
    held = {Role(r) for r in roles}
    for a, b, why in CONFLICTING_ROLES:
        if a in held and b in held:
            return f"roles {a.value} and {b.value} on one account: {why}"
    return None


def decide(
    user: User, action: Action | str, product: Product | None = None, partner: str | None = None
) -> Decision:
    """One entry point for every action; a request missing its product or partner is denied, not raised."""
    act = Action(action)
    if act is Action.AUDIT:
        return may_audit(user)
    if product is None:
        return _deny(act, f"{act.value} needs a product")
    if act is Action.READ:
        return may_read(user, product)
    if act is Action.CREATE:
        return may_create(user, product)
    if partner is None:
        return _deny(act, f"{act.value} needs a partner country")
    return (
        may_release(user, product, partner) if act is Action.RELEASE else may_export(user, product, partner)
    )
