"""From case files to one network: subjects resolved into entities across cases, linked by what they share.

Resolution here is by keys a prosecutor can cite, each kept as the explanation of the merge: two subjects are
one entity when they share an identifier (a passport or document number, a phone number, a plate, an
account, a hull number: compared on letters and digits only, and for phones on the last ten digits), or,
for persons, the same name (accents, case and word order ignored) and the same birth date. A name alone
never merges two persons (two men named Juan Hernández are not one). Beyond these keys, the merges of
cross-source resolution (`cruce.cases.entities`: names by the matcher, with dates, documents, phones, plates
and addresses, reviewed by a human) are passed in as `joins`, each with its explanation. The probabilistic
resolver (`cruce.cases.resolve`) is for bulk files of person records; a case file's subjects are few, named.

Links between entities (`cruce.cases.network.LINK_KINDS`): subjects named in one event are linked
(`co-travel` for a crossing, `seizure` for a seizure, else `case`); a person and the phone, address, account
or vehicle named with them take that kind. Being in the same case file is not a link: a case gathers people
who never met, and counting it would make every case one clique and blur who bridges whom. Crossing events
feed `co_travel` too: travelers seen together at one port (same vehicle, or within minutes) on at least two
occasions are linked as `co-travel` with the count as weight.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from cruce.cases.casefile import Case, EventKind, Subject, SubjectKind
from cruce.cases.network import Crossing, Network, co_travel
from cruce.matching.text import ascii_fold

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_LINK_OF_KIND = {
    SubjectKind.PHONE: "phone",
    SubjectKind.ADDRESS: "address",
    SubjectKind.ACCOUNT: "account",
    SubjectKind.VEHICLE: "vehicle",
    SubjectKind.VESSEL: "vehicle",
}


@dataclass(slots=True)
class Entity:
    """Subjects (`case_id/subject_id`) found to be one person, phone, vehicle...; `why` says by what key."""

    entity_id: str
    kind: SubjectKind
    label: str
    members: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    portion: str = ""


_KIND_ALIASES = {
    **dict.fromkeys(("phone", "mobile", "tel", "telefono", "teléfono", "celular", "cell"), "phone"),
    **dict.fromkeys(
        ("passport", "pasaporte", "document", "documento", "doc", "id", "curp", "ine"), "document"
    ),
    **dict.fromkeys(("plate", "placa", "placas", "license_plate"), "plate"),
    **dict.fromkeys(("account", "cuenta", "iban", "clabe"), "account"),
}
"""Identifier kinds as the two sides write them: a `pasaporte` and a `passport` number are compared."""


def _keys(subject: Subject) -> list[str]:
    keys = []
    for kind, value in subject.identifiers.items():
        name = _KIND_ALIASES.get(kind.strip().lower(), kind.strip().lower())
        clean = _NOT_ALNUM.sub("", value.upper())
        if name == "phone" or subject.kind is SubjectKind.PHONE:
            clean = re.sub(r"\D", "", value)[-10:]
            name = "phone"
        if len(clean) >= 4:
            keys.append(f"{name}:{clean}")
    if subject.kind is SubjectKind.PHONE:
        digits = re.sub(r"\D", "", subject.name)[-10:]
        if len(digits) >= 7:
            keys.append(f"phone:{digits}")
    elif subject.kind in (SubjectKind.VEHICLE, SubjectKind.VESSEL, SubjectKind.ACCOUNT):
        clean = _NOT_ALNUM.sub("", subject.name.upper())
        name = {SubjectKind.VEHICLE: "plate", SubjectKind.ACCOUNT: "account"}.get(subject.kind, "vessel")
        if len(clean) >= 4:
            keys.append(f"{name}:{clean}")
    elif subject.kind is SubjectKind.ADDRESS:
        keys.append("address:" + " ".join(sorted(ascii_fold(subject.name).split())))
    elif subject.kind is SubjectKind.PERSON and subject.birth_date:
        keys.append("person:" + " ".join(sorted(ascii_fold(subject.name).split())) + "|" + subject.birth_date)
    elif subject.kind is SubjectKind.ORGANISATION:
        keys.append("organisation:" + " ".join(sorted(ascii_fold(subject.name).split())))
    return keys


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True, slots=True)
class CaseNetwork:
    network: Network
    entities: dict[str, Entity]
    entity_of: dict[str, str]  # "case_id/subject_id" -> entity id
    co_travel: list[tuple[str, str, int]]


def build(
    cases: Iterable[Case],
    *,
    window: timedelta = timedelta(minutes=10),
    min_times: int = 2,
    joins: Iterable[tuple[str, str, str]] = (),
) -> CaseNetwork:
    """Resolve the subjects of `cases` into entities and link them (see the module's notes). `joins` are
    the merges of cross-source resolution (`cruce.cases.entities`) that stand: `(ref_a, ref_b, why)`,
    each joining two subjects the keys alone do not."""
    case_list = list(cases)
    union = _Union()
    by_key: dict[str, str] = {}
    subjects: dict[str, Subject] = {}
    reasons: dict[str, list[str]] = defaultdict(list)
    for case in case_list:
        for s in case.subjects:
            ref = f"{case.case_id}/{s.subject_id}"
            subjects[ref] = s
            union.find(ref)
            for key in _keys(s):
                other = by_key.setdefault(key, ref)
                if other != ref:
                    union.join(other, ref)
                    reasons[ref].append(f"same {key.split(':', 1)[0]} as {other}")
    for a, b, why in joins:
        if a in subjects and b in subjects and union.find(a) != union.find(b):
            union.join(a, b)
            reasons[max(a, b)].append(f"{why} ({min(a, b)})")
    entities: dict[str, Entity] = {}
    entity_of: dict[str, str] = {}
    # a group is named after its first person (else its first member): "Juan Soto", not his phone number
    ordered = sorted(
        subjects.items(), key=lambda item: (item[1].kind is not SubjectKind.PERSON, item[1].name.isupper())
    )
    for ref, s in ordered:
        root = union.find(ref)
        eid = f"entity:{root}"
        entity = entities.get(eid)
        if entity is None:
            entity = entities[eid] = Entity(eid, s.kind, s.name, portion=s.marking.portion)
        entity.members.append(ref)
        entity.why.extend(reasons.get(ref, []))
        entity_of[ref] = eid
    net = Network()
    for e in entities.values():
        net.add_node(e.entity_id, e.kind.value, e.label, e.portion)
    crossings: list[Crossing] = []
    for case in case_list:
        for ev in case.events:
            members = [f"{case.case_id}/{sid}" for sid in ev.subjects if f"{case.case_id}/{sid}" in entity_of]
            _link_event(net, members, subjects, entity_of, ev.kind)
            if ev.kind is EventKind.CROSSING:
                vehicle = next((entity_of[m] for m in members if subjects[m].kind is SubjectKind.VEHICLE), "")
                for m in members:
                    if subjects[m].kind is SubjectKind.PERSON:
                        crossings.append(Crossing(entity_of[m], ev.place, ev.at, vehicle))
    together = co_travel(crossings, window=window, min_times=min_times)
    for a, b, times in together:
        net.add_link(a, b, "co-travel", float(times))
    return CaseNetwork(net, entities, entity_of, together)


def _link_event(
    net: Network,
    members: Sequence[str],
    subjects: dict[str, Subject],
    entity_of: dict[str, str],
    kind: EventKind,
) -> None:
    base = {EventKind.CROSSING: "co-travel", EventKind.SEIZURE: "seizure"}.get(kind, "case")
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            ea, eb = entity_of[a], entity_of[b]
            if ea == eb:
                continue
            sa, sb = subjects[a], subjects[b]
            link = base
            for one, other in ((sa, sb), (sb, sa)):
                if one.kind is SubjectKind.PERSON and other.kind in _LINK_OF_KIND:
                    link = _LINK_OF_KIND[other.kind]
            net.add_link(ea, eb, link)
