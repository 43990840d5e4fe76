"""Marking-definitions read by their content: ACS 3.0 as cruce markings, TLP as onward-sharing labels.

A marking-definition means what its *content* says, never what its id or `name` suggests:

* **ACS 3.0** (`extension-definition--3a65884d-…`). The owner country is the first segment of the originator
  (`USA.DHS.CBP` → USA; the custodian when the originator is a sector such as `PRIVATESECTOR`). The level is
  `control_set.classification`; NOFORN is `control_set.formal_determination` `NF`; FOUO is `FOUO` there (on
  unclassified content); LES is `control_set.sensitivity` `LES`. Who may read is `access_privilege`: the union
  of the `permit` scopes' `permitted_nationalities` (or the countries of `permitted_organizations`) minus the
  `deny` scopes'; without any entry the policy's `privdefault` decides. `control_set.permitted_nationalities`
  and `further_sharing` (when present) narrow it further; `further_sharing` that permits only the owner's
  own organisations is ORCON. SCI controls keep the content with its owner (cruce has no compartments).
  Classified content releasable to "ALL" stays with its owner, since a classified marking without a REL TO
  list is the owner's only: content is never released further than a cruce marking can say.
  The `name`, if it is a banner cruce can read, must agree with the content or the definition is refused.
* **TLP 2.0** (extension `…60a3c5c5…`, `tlp_2_0`) and TLP 1.0 (`definition_type: tlp`): labels with no
  releasability, remembered by level because RED and AMBER+STRICT forbid a receiving node to pass content on.
* **Statements** (`definition_type: statement`, e.g. a copyright): labels.
* Anything else is refused: cruce cannot tell who may read what it marks.

Ids. cruce's own definitions have ids derived from their content (`content_id`: uuid5 in cruce's namespace
over the canonical JSON of everything but the id), so the same marking always has the same id and a
definition cannot be swapped under it. Every definition arriving with a version-5 id (cruce's kind) must
hash to it, so nobody can claim in advance an id cruce will later use; definitions are immutable, so an id
already known with other content is refused (see `cruce.sharing.exchange.MarkingIndex`).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pycountry

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking, MarkingError, is_country_trigraph

NAMESPACE = uuid.UUID("6b1f8f5e-2f0c-4d8e-9c37-8a1d2e4b5c60")  # cruce's namespace for derived STIX ids
ACS_EXTENSION = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce"
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_ID = {marking_id: level for level, marking_id in TLP2_IDS.items()}
NO_ONWARD_SHARING = frozenset({"red", "amber+strict"})
"""TLP levels under which a receiving organisation may not pass content to a third organisation."""
_TLP1 = {"white": "clear", "green": "green", "amber": "amber", "red": "red"}
_CLASSIFICATIONS = {level.abbreviation: level for level in Classification}
_POLICY = re.compile(r"privdefault=(permit|deny)")


class DefinitionError(InputError):
    """A marking-definition cruce will not take, with the definition at fault."""

    def __init__(self, message: str, marking_id: str | None = None) -> None:
        where = f"{marking_id}: " if marking_id else ""
        super().__init__("bad_stix", where + message, {"object": marking_id} if marking_id else None)


@dataclass(frozen=True, slots=True)
class Definition:
    """What one marking-definition means: a cruce marking (ACS), or a label (TLP level, statement)."""

    marking_id: str
    marking: Marking | None
    tlp: str | None = None
    digest: str = ""  # sha256 of the canonical JSON of the whole definition: equal content, equal digest

    @property
    def forbids_onward_sharing(self) -> bool:
        return self.tlp in NO_ONWARD_SHARING


def canonical(obj: Mapping[str, Any]) -> str:
    """One JSON text per content: sorted keys, no spaces, unicode kept."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(obj: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(obj).encode("utf-8")).hexdigest()


def content_id(definition: Mapping[str, Any]) -> str:
    """The id cruce gives a marking-definition: uuid5 over the canonical JSON of all but its id."""
    content = {key: value for key, value in definition.items() if key != "id"}
    return f"marking-definition--{uuid.uuid5(NAMESPACE, canonical(content))}"


def _is_cruce_kind(marking_id: str) -> bool:
    try:
        return uuid.UUID(marking_id.partition("--")[2]).version == 5
    except ValueError:
        return False


def read_definition(obj: Mapping[str, Any], *, stored: bool = False) -> Definition:
    """The meaning of one marking-definition object; DefinitionError when cruce cannot trust or read it.

    `stored`: the definition was accepted by this node before (its id rule was checked then, or it predates
    content-derived ids), so only its content is read."""
    marking_id = obj.get("id")
    if not isinstance(marking_id, str) or not marking_id.startswith("marking-definition--"):
        raise DefinitionError("a marking-definition needs an id of the form marking-definition--<uuid>")
    try:
        uuid.UUID(marking_id.partition("--")[2])
    except ValueError as exc:
        raise DefinitionError("the id does not end in a UUID", marking_id) from exc
    if not stored and _is_cruce_kind(marking_id) and content_id(obj) != marking_id:
        raise DefinitionError(
            "a version-5 marking-definition id must be derived from its content (cruce's rule), and this "
            "content does not hash to it; a definition cannot be given another's id",
            marking_id,
        )
    extensions = obj.get("extensions")
    if extensions is not None and not isinstance(extensions, Mapping):
        raise DefinitionError("`extensions` must be an object", marking_id)
    extensions = extensions or {}
    acs = extensions.get(ACS_EXTENSION)
    tlp = _tlp(obj, extensions, marking_id)
    expected = TLP_BY_ID.get(marking_id)
    if expected is not None and (tlp != expected or acs is not None):
        raise DefinitionError(f"this is the TLP:{expected.upper()} id, but the content is not", marking_id)
    if acs is not None:
        marking = acs_marking(acs, marking_id)
        _check_name(obj.get("name"), marking, marking_id)
        return Definition(marking_id, marking, tlp, digest(obj))
    if tlp is not None or obj.get("definition_type") == "statement":
        return Definition(marking_id, None, tlp, digest(obj))
    raise DefinitionError(
        "marking definition is neither ACS 3.0, TLP nor a statement; cruce cannot tell who may read what "
        "it marks",
        marking_id,
    )


def _tlp(obj: Mapping[str, Any], extensions: Mapping[str, Any], marking_id: str) -> str | None:
    tlp2 = extensions.get(TLP2_EXTENSION)
    if tlp2 is not None:
        level = tlp2.get("tlp_2_0") if isinstance(tlp2, Mapping) else None
        if level not in TLP2_IDS:
            raise DefinitionError(f"unknown TLP 2.0 level {level!r}", marking_id)
        return str(level)
    if obj.get("definition_type") == "tlp":
        body = obj.get("definition")
        level = body.get("tlp") if isinstance(body, Mapping) else None
        if level not in _TLP1:
            raise DefinitionError(f"unknown TLP level {level!r}", marking_id)
        return _TLP1[str(level)]
    return None


def _check_name(name: Any, marking: Marking, marking_id: str) -> None:
    """A name that reads as a cruce banner must say what the content says; any other name is ignored."""
    if not isinstance(name, str) or not name.strip():
        return
    try:
        named = Marking.parse(name, owner=marking.owner)
    except MarkingError:
        return
    if named != marking:
        raise DefinitionError(
            f"the name {name!r} disagrees with the ACS content, which says {marking}; refused rather than "
            "guess which one the producer meant",
            marking_id,
        )


# -- ACS 3.0 ---------------------------------------------------------------------------------------------


@cache
def _every_country() -> frozenset[str]:
    return frozenset(str(country.alpha_3) for country in pycountry.countries)


def _strings(value: Any, what: str, marking_id: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DefinitionError(f"ACS {what} must be a list of strings", marking_id)
    return list(value)


def _country_of(org: str) -> str | None:
    """`USA.DHS.CBP` → USA; None when the first segment is not a country."""
    head = org.strip().upper().split(".")[0]
    return head if is_country_trigraph(head) else None


def _nationalities(values: Iterable[str]) -> frozenset[str]:
    codes = {value.strip().upper() for value in values}
    if "ALL" in codes:
        return frozenset({ALL})
    return frozenset(code for code in codes if is_country_trigraph(code))


def _minus(allowed: frozenset[str], denied: frozenset[str], owner: str) -> frozenset[str]:
    if ALL in denied:
        return frozenset({owner})
    if not denied:
        return allowed
    if ALL in allowed:
        allowed = _every_country()
    return allowed - (denied - {owner})


def _narrow(countries: frozenset[str], other: frozenset[str]) -> frozenset[str]:
    if ALL in other:
        return countries
    if ALL in countries:
        return other
    return countries & other


def _scope(scope: Any, marking_id: str) -> frozenset[str]:
    if not isinstance(scope, Mapping):
        raise DefinitionError("ACS privilege_scope must be an object", marking_id)
    nationalities = scope.get("permitted_nationalities")
    organisations = scope.get("permitted_organizations")
    countries = frozenset({ALL})
    if nationalities is not None:
        countries = _nationalities(_strings(nationalities, "permitted_nationalities", marking_id))
    if organisations is not None:
        orgs = _strings(organisations, "permitted_organizations", marking_id)
        if "ALL" not in orgs:
            countries = _narrow(countries, frozenset(c for c in map(_country_of, orgs) if c))
    return countries


def _access(acs: Mapping[str, Any], owner: str, marking_id: str) -> frozenset[str]:
    privileges = acs.get("access_privilege")
    if privileges is None:
        policy = _POLICY.search(str(acs.get("policy_reference") or ""))
        permit_default = policy is not None and policy.group(1) == "permit"
        return (
            frozenset({ALL})
            if permit_default or acs.get("further_sharing") is not None
            else frozenset({owner})
        )
    if not isinstance(privileges, list):
        raise DefinitionError("ACS access_privilege must be a list", marking_id)
    permitted: set[str] = set()
    denied: set[str] = set()
    for privilege in privileges:
        if not isinstance(privilege, Mapping):
            raise DefinitionError("ACS access_privilege entries must be objects", marking_id)
        who = _scope(privilege.get("privilege_scope"), marking_id)
        effect = privilege.get("rule_effect")
        if effect == "permit":
            permitted |= who
        elif effect == "deny":
            denied |= who
        else:
            raise DefinitionError(f"ACS rule_effect {effect!r} is neither permit nor deny", marking_id)
    allowed = frozenset({ALL}) if ALL in permitted else frozenset(permitted)
    return _minus(allowed, frozenset(denied), owner)


def _further(acs: Mapping[str, Any], owner: str, marking_id: str) -> frozenset[str] | None:
    rules = acs.get("further_sharing")
    if rules is None:
        return None
    if not isinstance(rules, list):
        raise DefinitionError("ACS further_sharing must be a list", marking_id)
    permitted: set[str] = set()
    denied: set[str] = set()
    for rule in rules:
        if not isinstance(rule, Mapping):
            raise DefinitionError("ACS further_sharing entries must be objects", marking_id)
        who: set[str] = set()
        for scope in _strings(rule.get("sharing_scope"), "sharing_scope", marking_id):
            if scope == "FOREIGNGOV":
                who.add(ALL)
            else:  # an organisation `CTY.ORG`; a sector (SECTOR, PRIVATESECTOR, …) is the owner's own
                who.add(_country_of(scope) or owner)
        if rule.get("rule_effect") == "permit":
            permitted |= who
        elif rule.get("rule_effect") == "deny":
            denied |= who
        else:
            raise DefinitionError("ACS further_sharing rule_effect is neither permit nor deny", marking_id)
    allowed = frozenset({ALL}) if ALL in permitted else frozenset(permitted | {owner})
    return _minus(allowed, frozenset(denied), owner)


def acs_marking(acs: Any, marking_id: str = "") -> Marking:
    """The cruce marking an ACS 3.0 extension's content says; never more releasable than the content."""
    if not isinstance(acs, Mapping):
        raise DefinitionError("the ACS 3.0 extension must be an object", marking_id)
    control = acs.get("control_set")
    if not isinstance(control, Mapping):
        raise DefinitionError("ACS control_set is required", marking_id)
    level = _CLASSIFICATIONS.get(str(control.get("classification")))
    if level is None:
        raise DefinitionError("ACS control_set.classification must be U, C, S or TS", marking_id)
    owner = None
    for field in ("responsible_entity_originator", "responsible_entity_custodian"):
        value = acs.get(field)
        if isinstance(value, str) and (owner := _country_of(value)):
            break
    if owner is None:
        raise DefinitionError(
            "neither the ACS originator nor the custodian names a country (e.g. USA.DHS); cruce cannot "
            "tell who owns what it marks",
            marking_id,
        )
    determinations = _strings(control.get("formal_determination"), "formal_determination", marking_id)
    sensitivity = _strings(control.get("sensitivity"), "sensitivity", marking_id)
    countries = _access(acs, owner, marking_id)
    if control.get("permitted_nationalities") is not None:
        listed = _strings(control.get("permitted_nationalities"), "permitted_nationalities", marking_id)
        countries = _narrow(countries, _nationalities(listed) | {owner})
    further = _further(acs, owner, marking_id)
    orcon = further is not None and ALL not in further and further <= {owner}
    if further is not None and not (orcon and level > Classification.UNCLASSIFIED):
        countries = _narrow(
            countries, further
        )  # ORCON keeps REL TO (what consent may release) but reaches none
    if _strings(control.get("sci_controls"), "sci_controls", marking_id):
        countries = frozenset({owner})
    classified = level > Classification.UNCLASSIFIED
    noforn = "NF" in determinations
    others = () if ALL in countries else tuple(sorted(countries - {owner}))
    if classified and ALL in countries:
        others = ()  # classified with no REL TO list: the owner's only
    home = noforn or (not classified and ALL not in countries and not others)
    return Marking(
        level,
        owner,
        (owner, *others) if others and not home else (),
        noforn=home,
        orcon=orcon and classified,
        fouo="FOUO" in determinations and not classified,
        les="LES" in sensitivity,
    )
