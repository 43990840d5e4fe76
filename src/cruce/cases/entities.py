"""Cross-source resolution: which case subjects, crossing travelers and drivers, list entities and program
members are one person, proposed with the evidence a reviewer checks.

`casenet` joins case subjects only on exact keys; here names are compared by cruce's matcher (so
`Ma. Guadalupe Hernández López` and `María Guadalupe Hernandez` agree) and every other field is compared
on its own: birth dates, documents, phones, plates, addresses. Each candidate pair becomes a `Proposal` with
the fields that agreed, the fields that disagreed and a score, and one verdict:

* `blocked`: a birth date or a document of the same kind disagrees. Never merged, whatever else agrees
  (two Juan Hernández born on different days are two men).
* `merge`: a shared document (passport, national id...), or names that match corroborated by the same
  birth date, phone, plate or address. Merged automatically; a reviewer may still reject it.
* `review`: names that match and nothing else to go on, or a shared phone, plate or address under names
  that do not match (relatives share a home and a car). Never merged until a human accepts it.

Records are partitioned by who may see them (`SourceRecord.visible_to`): `propose(records, viewer)` only
reads the records visible to `viewer`, so a proposal, and its explanation, never carries anything of
another country's partition. Reviewer decisions and their history are kept by the service; `joined`
replays them into the pairs the network joins.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cruce.cases.casefile import Case, EventKind, SubjectKind
from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher, compare_names
from cruce.matching.text import ascii_fold
from cruce.matching.types import Query
from cruce.programs.model import MemberParties

NAME_AGREES = 0.70
"""The matcher's name score from which two names are one person's (variants, short forms, word order)."""
NAME_CONSIDERED = 0.55
"""Below this the names are different people's; only a shared identifier can still make a proposal."""
REFERENCE_SOURCES = frozenset({"list", "program"})
"""Sources matched against, never resolved among themselves (a list's own duplicates are its publisher's)."""
PUBLIC = "*"
"""`visible_to` of a record every country may see (a published sanctions list)."""

STRONG_KINDS = ("document",)
"""Identifier kinds that alone say one person: a passport or national id number is not shared."""
CORROBORATING_KINDS = ("phone", "plate", "address")
"""Kinds a household or a gang shares: they corroborate a name match, never replace it."""

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_DOCUMENT_KINDS = {
    **dict.fromkeys(("passport", "pasaporte"), "passport"),
    **dict.fromkeys(("curp",), "curp"),
    **dict.fromkeys(("ine", "voter_id", "credencial"), "ine"),
    **dict.fromkeys(("document", "documento", "doc", "id", "national_id"), "document"),
    **dict.fromkeys(("licence", "license", "driver_license", "licencia"), "licence"),
}
_PHONE_KINDS = frozenset(("phone", "mobile", "tel", "telefono", "teléfono", "celular", "cell"))
_PLATE_KINDS = frozenset(("plate", "placa", "placas", "license_plate"))
_ADDRESS_KINDS = frozenset(("address", "domicilio", "direccion", "dirección"))
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One person as one source knows them. `ref` is unique across sources (`case:ID/SUBJECT`,
    `crossing:...`, `list:LIST:ID`, `member:ID`); `visible_to` the countries whose users may see it."""

    ref: str
    source: str
    name: str
    visible_to: frozenset[str]
    birth_date: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()
    """(kind, value) pairs as the source wrote them: passport, curp, phone, plate, address..."""
    portion: str = ""

    def visible(self, country: str) -> bool:
        return PUBLIC in self.visible_to or country in self.visible_to


@dataclass(frozen=True, slots=True)
class Proposal:
    """Two records proposed as one person, with what agreed and what disagreed."""

    proposal_id: str
    a: str
    b: str
    verdict: str  # merge | review | blocked
    score: float
    name_score: float
    agreed: tuple[str, ...]
    disagreed: tuple[str, ...]
    labels: tuple[str, str] = ("", "")
    sources: tuple[str, str] = ("", "")

    def explanation(self) -> str:
        parts = [f"score {self.score:.2f}"]
        if self.agreed:
            parts.append("agreed: " + "; ".join(self.agreed))
        if self.disagreed:
            parts.append("disagreed: " + "; ".join(self.disagreed))
        return ", ".join(parts)


def proposal_id(a: str, b: str) -> str:
    """Stable for the pair, whichever order: a reviewer's decision outlives a re-run."""
    lo, hi = sorted((a, b))
    return "p-" + hashlib.sha256(f"{lo}\n{hi}".encode()).hexdigest()[:16]


def _key(kind: str, value: str) -> tuple[str, str] | None:
    k = kind.strip().lower()
    if k in _PHONE_KINDS:
        digits = re.sub(r"\D", "", value)[-10:]
        return ("phone", digits) if len(digits) >= 7 else None
    if k in _PLATE_KINDS:
        clean = _NOT_ALNUM.sub("", value.upper())
        return ("plate", clean) if len(clean) >= 4 else None
    if k in _ADDRESS_KINDS:
        words = " ".join(sorted(ascii_fold(value).split()))
        return ("address", words) if words else None
    doc = _DOCUMENT_KINDS.get(k, f"document:{k}" if k else "document")
    clean = _NOT_ALNUM.sub("", value.upper())
    return (doc, clean) if len(clean) >= 4 else None


def _family(kind: str) -> str:
    return kind if kind in CORROBORATING_KINDS else "document"


def _keys(record: SourceRecord) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for kind, value in record.identifiers:
        key = _key(kind, value)
        if key is not None:
            out.setdefault(key[0], set()).add(key[1])
    return out


def _date(text: str) -> tuple[int, int | None, int | None] | None:
    m = _DATE.match(text.strip())
    if m is None:
        return None
    return int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None


def _dates_compare(a: str, b: str) -> bool | None:
    """True when the dates agree (as far as both are known), False when they conflict, None if unknown."""
    da, db = _date(a), _date(b)
    if da is None or db is None:
        return None
    return all(x is None or y is None or x == y for x, y in zip(da, db, strict=True))


@dataclass(slots=True)
class _Pair:
    name_score: float = 0.0
    name_detail: str = ""
    shared: dict[str, str] = field(default_factory=dict)


def _name_scores(people: Sequence[SourceRecord], top: int) -> dict[tuple[int, int], tuple[float, str]]:
    """The matcher's score of each pair of names it finds alike. Candidates come from one index over all
    the names; each candidate pair is then scored on its own (`compare_names`, both directions, the better
    kept), so a pair's score does not depend on which other names happen to be in the pool."""
    entities = [
        Entity(id=str(k), schema=Schema.PERSON, names=(Name(r.name),), list_id="resolve", source_id=str(k))
        for k, r in enumerate(people)
    ]
    matcher = Matcher(entities)
    candidates: set[tuple[int, int]] = set()
    for i, r in enumerate(people):
        if r.source in REFERENCE_SOURCES:
            continue  # matched against, not resolved among themselves
        for match in matcher.screen(Query(r.name, schema=Schema.PERSON), top=top):
            j = int(match.entity.id)
            if j != i:
                candidates.add((min(i, j), max(i, j)))
    out: dict[tuple[int, int], tuple[float, str]] = {}
    for i, j in sorted(candidates):
        best = (0.0, "")
        for a, b in ((people[i].name, people[j].name), (people[j].name, people[i].name)):
            found = compare_names(a, b, Schema.PERSON)
            if found is not None and found.score > best[0]:
                best = (round(float(found.score), 4), found.features[0].detail if found.features else "")
        if best[0] > 0:
            out[i, j] = best
    return out


def propose(records: Iterable[SourceRecord], viewer: str, *, top: int = 20) -> list[Proposal]:
    """Proposals among the records `viewer` may see (see the module's notes), strongest first."""
    people = [r for r in records if r.visible(viewer) and r.name.strip()]
    seen: set[str] = set()
    unique = []
    for r in people:
        if r.ref not in seen:
            seen.add(r.ref)
            unique.append(r)
    people = unique
    pairs: dict[tuple[int, int], _Pair] = {}
    for pair, (score, detail) in _name_scores(people, top).items():
        if score >= NAME_CONSIDERED:
            pairs[pair] = _Pair(score, detail)
    keys = [_keys(r) for r in people]
    holders: dict[tuple[str, str], list[int]] = {}
    for i, ks in enumerate(keys):
        for kind, values in ks.items():
            for v in values:
                holders.setdefault((kind, v), []).append(i)
    for (kind, value), who in holders.items():
        for x, i in enumerate(who):
            for j in who[x + 1 :]:
                if people[i].source in REFERENCE_SOURCES and people[j].source in REFERENCE_SOURCES:
                    continue
                pair = (min(i, j), max(i, j))
                pairs.setdefault(pair, _Pair()).shared[kind] = value
    out = [_judge(people[i], people[j], keys[i], keys[j], p) for (i, j), p in pairs.items()]
    # a conflict between two names that do not match anyway (and share nothing) tells a reviewer nothing
    out = [
        p
        for p, pair in zip(out, pairs.values(), strict=True)
        if p.verdict != "blocked" or pair.shared or p.name_score >= NAME_AGREES
    ]
    order = {"merge": 0, "review": 1, "blocked": 2}
    return sorted(out, key=lambda p: (order[p.verdict], -p.score, p.a, p.b))


def _judge(
    ra: SourceRecord, rb: SourceRecord, ka: dict[str, set[str]], kb: dict[str, set[str]], p: _Pair
) -> Proposal:
    agreed: list[str] = []
    disagreed: list[str] = []
    names_agree = p.name_score >= NAME_AGREES
    if p.name_score:
        (agreed if names_agree else disagreed).append(f"name {p.name_score:.2f} ({p.name_detail})")
    else:
        disagreed.append(f"name: {ra.name!r} and {rb.name!r} are not alike")
    dates = _dates_compare(ra.birth_date, rb.birth_date)
    if dates is True:
        same_text = ra.birth_date == rb.birth_date
        agreed.append(f"birth date {ra.birth_date}" + ("" if same_text else f" ~ {rb.birth_date}"))
    elif dates is False:
        disagreed.append(f"birth date {ra.birth_date} vs {rb.birth_date}")
    conflict = dates is False
    strong = False
    corroborated = dates is True
    for kind in sorted(set(ka) | set(kb)):
        va, vb = ka.get(kind, set()), kb.get(kind, set())
        same = va & vb
        if same:
            agreed.append(f"{kind} {min(same)}")
            if _family(kind) == "document":
                strong = True
            else:
                corroborated = True
        elif va and vb and _family(kind) == "document":
            disagreed.append(f"{kind} {min(va)} vs {min(vb)}")
            conflict = True
    if conflict:
        verdict = "blocked"
    elif strong or (names_agree and corroborated):
        verdict = "merge"
    else:
        verdict = "review"
    score = p.name_score + 0.5 * (dates is True) - 1.0 * (dates is False)
    score += sum(0.6 if _family(k) == "document" else 0.3 for k in ka if ka[k] & kb.get(k, set()))
    score -= sum(0.8 for k in ka if _family(k) == "document" and kb.get(k) and not ka[k] & kb[k])
    a, b = sorted((ra, rb), key=lambda r: r.ref)
    return Proposal(
        proposal_id(ra.ref, rb.ref),
        a.ref,
        b.ref,
        verdict,
        round(score, 4),
        p.name_score,
        tuple(agreed),
        tuple(disagreed),
        (a.name, b.name),
        (a.source, b.source),
    )


def joined(proposals: Sequence[Proposal], decisions: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs to join, given `(proposal_id, state)` decisions replayed in order (state: accepted,
    rejected or split). An automatic merge stands unless rejected or split; a proposal for review joins
    only once accepted and not split since; a blocked one never joins."""
    state: dict[str, str] = {}
    for pid, s in decisions:
        state[pid] = s
    out = []
    for p in proposals:
        s = state.get(p.proposal_id, "")
        if p.verdict == "blocked":
            continue
        if (p.verdict == "merge" and s not in ("rejected", "split")) or s == "accepted":
            out.append((p.a, p.b))
    return out


# -- adapters --------------------------------------------------------------------------------------------


def case_records(cases: Iterable[Case], visible_to: frozenset[str] | None = None) -> list[SourceRecord]:
    """Person subjects of cases (as the caller may read them): the travelers and drivers of their crossing
    events among them, marked so in `source`. `visible_to` defaults to each case's owner."""
    out = []
    for case in cases:
        drivers_travelers = {
            sid for ev in case.events if ev.kind is EventKind.CROSSING for sid in ev.subjects
        }
        # a phone, vehicle or address named in an event with exactly one person is that person's; in an
        # event with several it is nobody's in particular (five men and one car do not all own the car)
        kinds = {SubjectKind.PHONE: "phone", SubjectKind.VEHICLE: "plate", SubjectKind.ADDRESS: "address"}
        of = {s.subject_id: s for s in case.subjects}
        linked: dict[str, list[tuple[str, str]]] = {}
        for ev in case.events:
            persons = [i for i in ev.subjects if i in of and of[i].kind is SubjectKind.PERSON]
            if len(persons) != 1:
                continue
            for i in ev.subjects:
                if i in of and of[i].kind in kinds:
                    linked.setdefault(persons[0], []).append((kinds[of[i].kind], of[i].name))
        for s in case.subjects:
            if s.kind is not SubjectKind.PERSON:
                continue
            source = "crossing" if s.subject_id in drivers_travelers else "case"
            if s.role.lower() in ("driver", "traveler", "traveller", "chofer", "conductor"):
                source = "crossing"
            out.append(
                SourceRecord(
                    f"{case.case_id}/{s.subject_id}",
                    source,
                    s.name,
                    visible_to if visible_to is not None else frozenset({case.owner}),
                    s.birth_date,
                    tuple(s.identifiers.items()) + tuple(linked.get(s.subject_id, ())),
                    s.marking.portion,
                )
            )
    return out


def list_records(entities: Iterable[Entity]) -> list[SourceRecord]:
    """Persons of published lists: every country may see them."""
    out = []
    for e in entities:
        if e.schema is not Schema.PERSON or not e.names:
            continue
        ids = tuple((i.kind, i.value) for i in e.identifiers)
        born = e.birth_dates[0].iso() if e.birth_dates else ""
        out.append(SourceRecord(f"list:{e.id}", "list", e.names[0].text, frozenset({PUBLIC}), born, ids))
    return out


def listed_matches(matcher: Matcher, records: Iterable[SourceRecord], top: int = 3) -> list[SourceRecord]:
    """The list entities a loaded screening matcher finds for the (non-list) records, as records to
    resolve with them: a case subject who is a listed person gets a proposal like any other pair."""
    out: dict[str, SourceRecord] = {}
    for r in records:
        if r.source in REFERENCE_SOURCES or not r.name.strip():
            continue
        for match in matcher.screen(Query(r.name, schema=Schema.PERSON), top=top):
            if match.score >= NAME_CONSIDERED:
                for found in list_records([match.entity]):
                    out.setdefault(found.ref, found)
    return list(out.values())


def member_records(members: Iterable[MemberParties]) -> list[SourceRecord]:
    """Persons of trusted-traveler program memberships: only their own country's users see them."""
    out = []
    for m in members:
        for k, party in enumerate(m.parties):
            q = party.query
            if q.schema not in (Schema.PERSON, Schema.UNKNOWN) or not q.name.strip():
                continue
            ids = tuple((i.kind, i.value) for i in q.identifiers)
            born = q.birth_date.iso() if q.birth_date else ""
            ref = f"member:{m.membership_id}/{k}"
            out.append(SourceRecord(ref, "program", q.name, frozenset({m.country}), born, ids))
    return out
