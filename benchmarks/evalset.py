"""A reproducible screening evaluation built from the real lists: labelled positives and hard negatives.

Positives are listed persons and organisations written the way travelers and declarations write them (one
perturbation kind per query, labelled with the entity it must find). Negatives are generated innocents, people
who share both surnames with a listed person but not the given name, and listed names with a birth date that
rules the listed person out. Everything is drawn from one seed: the same seed and lists give the same queries.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from anyascii import anyascii
from faker import Faker
from rapidfuzz.distance import Levenshtein

from benchmarks.perturb import (
    COMPOUND_NICKNAMES,
    PARTICLES,
    PersonName,
    abbreviation_variant,
    accent_variant,
    drop_maternal_variant,
    entity_group,
    fold,
    initials_variant,
    is_hispanic_country,
    is_latin,
    name_key,
    nickname_forms,
    nickname_variant,
    order_swap_variant,
    original_script_name,
    person_name,
    primary_name,
    render_person,
    title_name,
    transliteration_variant,
    typo_variant,
    words,
)
from cruce.core.dates import PartialDate
from cruce.core.model import AliasQuality, Entity, Name, NameKind, Schema
from cruce.matching.types import Query

POSITIVE_KINDS: tuple[str, ...] = (
    "exact",
    "alias",
    "accents",
    "typo",
    "drop_maternal",
    "order_swap",
    "initials",
    "abbreviation",
    "nickname",
    "transliteration",
    "dob_match",
)
NEGATIVE_KINDS: tuple[str, ...] = ("innocent", "near_miss_surname", "near_miss_dob")
INNOCENT_GROUPS: tuple[str, ...] = ("hispanic", "anglo", "arabic", "slavic", "company")

GROUP_WEIGHTS: dict[str, float] = {
    "hispanic": 8.0,
    "arabic": 2.0,
    "slavic": 1.5,
    "asian": 1.5,
    "other": 1.0,
    "company": 1.0,
}
"""Sampling weights for positives: Mexican, Colombian and other Hispanic names are oversampled."""

NEGATIVE_SHARES: dict[str, float] = {"innocent": 0.70, "near_miss_surname": 0.17, "near_miss_dob": 0.13}
INNOCENT_SHARES: dict[str, float] = {
    "hispanic": 0.33,
    "anglo": 0.24,
    "arabic": 0.17,
    "slavic": 0.12,
    "company": 0.14,
}
MIN_CONFLICT_YEARS = 2.0


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One labelled query. Positives name `expected_entity_id`; near-misses name the entity they imitate."""

    query: Query
    kind: str
    expected_entity_id: str | None
    group: str
    near_entity_id: str | None = None
    listed_name: str | None = None  # the list's name the query was derived from, for failure reports

    @property
    def is_positive(self) -> bool:
        return self.expected_entity_id is not None


@dataclass(frozen=True, slots=True)
class EvalSet:
    queries: tuple[EvalQuery, ...]
    seed: int
    entity_count: int
    notes: tuple[str, ...] = field(default=())

    @property
    def positives(self) -> list[EvalQuery]:
        return [q for q in self.queries if q.is_positive]

    @property
    def negatives(self) -> list[EvalQuery]:
        return [q for q in self.queries if not q.is_positive]

    def counts(self) -> dict[str, int]:
        return dict(Counter(q.kind for q in self.queries))


@dataclass(frozen=True, slots=True)
class _Candidate:
    entity: Entity
    group: str
    primary: Name
    person: PersonName | None


Generated = tuple[str, PartialDate | None]
KindMaker = Callable[[_Candidate, random.Random], Generated | None]


# ----------------------------------------------------------------------------------------------------------
# Positive kinds
# ----------------------------------------------------------------------------------------------------------


def _base_text(c: _Candidate, rng: random.Random) -> str:
    return render_person(c.person, rng) if c.person else c.primary.text


def _exact(c: _Candidate, rng: random.Random) -> Generated | None:
    return c.primary.text, None


def _alias(c: _Candidate, rng: random.Random) -> Generated | None:
    primary_key = name_key(c.primary.text)
    options: list[Name] = []
    for name in c.entity.names:
        if (
            name.kind is NameKind.PRIMARY
            or name.quality is not AliasQuality.STRONG
            or not is_latin(name.text)
        ):
            continue
        key = name_key(name.text)
        if key == primary_key or not key:
            continue
        if c.entity.schema is Schema.PERSON and len(key.split()) < 2:
            continue
        if len(key.replace(" ", "")) < 4:
            continue
        options.append(name)
    if not options:
        return None
    alias = rng.choice(options)
    person = person_name(alias) if c.entity.schema is Schema.PERSON else None
    return (render_person(person, rng) if person else alias.text), None


def _accents(c: _Candidate, rng: random.Random) -> Generated | None:
    text = accent_variant(_base_text(c, rng))
    return (text, None) if text else None


def _typo(c: _Candidate, rng: random.Random) -> Generated | None:
    text = typo_variant(_base_text(c, rng), rng)
    return (text, None) if text else None


def _drop_maternal(c: _Candidate, rng: random.Random) -> Generated | None:
    if c.person is None or c.group != "hispanic":
        return None
    text = drop_maternal_variant(c.person)
    return (text, None) if text else None


def _order_swap(c: _Candidate, rng: random.Random) -> Generated | None:
    if c.person is None:
        return None
    text = order_swap_variant(c.person, rng)
    return (text, None) if text else None


def _initials(c: _Candidate, rng: random.Random) -> Generated | None:
    if c.person is None:
        return None
    text = initials_variant(c.person, rng, hispanic=c.group == "hispanic")
    return (text, None) if text else None


def _abbreviation(c: _Candidate, rng: random.Random) -> Generated | None:
    if c.entity.schema is Schema.PERSON:
        return None
    text = abbreviation_variant(c.primary.text, rng)
    return (text, None) if text else None


def _nickname(c: _Candidate, rng: random.Random) -> Generated | None:
    if c.person is None:
        return None
    text = nickname_variant(c.person, rng)
    return (text, None) if text else None


def _transliteration(c: _Candidate, rng: random.Random) -> Generated | None:
    original = original_script_name(c.entity)
    if original and rng.random() < 0.3:
        return original, None
    if c.group in ("arabic", "company"):
        text = transliteration_variant(_base_text(c, rng), rng)
        if text:
            return text, None
    return (original, None) if original else None


def full_birth_dates(entity: Entity) -> list[PartialDate]:
    return [d for d in entity.birth_dates if d.day is not None and not d.approximate]


def _dob_match(c: _Candidate, rng: random.Random) -> Generated | None:
    dates = full_birth_dates(c.entity)
    if c.person is None or not dates:
        return None
    return render_person(c.person, rng), rng.choice(dates)


POSITIVE_MAKERS: dict[str, KindMaker] = {
    "exact": _exact,
    "alias": _alias,
    "accents": _accents,
    "typo": _typo,
    "drop_maternal": _drop_maternal,
    "order_swap": _order_swap,
    "initials": _initials,
    "abbreviation": _abbreviation,
    "nickname": _nickname,
    "transliteration": _transliteration,
    "dob_match": _dob_match,
}


# ----------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------


def _rng(seed: int, label: str) -> random.Random:
    return random.Random(f"{seed}:{label}")


def _weighted_order(candidates: Sequence[_Candidate], rng: random.Random) -> list[_Candidate]:
    """A weighted random permutation (Efraimidis-Spirakis keys): heavier groups come first more often."""

    def weight(c: _Candidate) -> float:
        w = GROUP_WEIGHTS.get(c.group, 1.0)
        if c.group == "company" and is_hispanic_country(c.entity):
            w *= 2.5
        return w

    keyed = [(rng.random() ** (1.0 / weight(c)), i) for i, c in enumerate(candidates)]
    keyed.sort(reverse=True)
    return [candidates[i] for _, i in keyed]


def _split(total: int, shares: dict[str, float]) -> dict[str, int]:
    counts = {k: int(total * v) for k, v in shares.items()}
    remainder = total - sum(counts.values())
    for k in list(shares)[:remainder]:
        counts[k] += 1
    return counts


def _candidates(entities: Iterable[Entity], lists: Sequence[str]) -> list[_Candidate]:
    out: list[_Candidate] = []
    for entity in entities:
        if entity.list_id not in lists or entity.schema not in (Schema.PERSON, Schema.ORGANIZATION):
            continue
        primary = primary_name(entity)
        if primary is None or len(fold(primary.text)) < 3:
            continue
        person = person_name(primary) if entity.schema is Schema.PERSON else None
        out.append(_Candidate(entity, entity_group(entity), primary, person))
    return out


def conflict_years(query_date: date, listed: PartialDate) -> float:
    """How many years `query_date` lies outside the span a listed (possibly partial) date allows."""
    start = date(listed.year, listed.month or 1, listed.day or 1)
    if listed.day is not None and listed.month is not None:
        end = start
    elif listed.month is not None:
        following = date(listed.year + (listed.month == 12), listed.month % 12 + 1, 1)
        end = date.fromordinal(following.toordinal() - 1)
    else:
        end = date(listed.year, 12, 31)
    if start <= query_date <= end:
        return 0.0
    days = (start - query_date).days if query_date < start else (query_date - end).days
    return days / 365.25


def _conflicting_dob(entity: Entity, rng: random.Random) -> PartialDate | None:
    full = full_birth_dates(entity)
    if not full:
        return None
    for _ in range(40):
        base = rng.choice(full)
        year = base.year + rng.choice((-1, 1)) * rng.randint(3, 12)
        if not 1900 <= year <= 2008:
            continue
        candidate = date(year, rng.randint(1, 12), rng.randint(1, 28))
        if all(conflict_years(candidate, listed) >= MIN_CONFLICT_YEARS for listed in entity.birth_dates):
            return PartialDate(candidate.year, candidate.month, candidate.day)
    return None


# ----------------------------------------------------------------------------------------------------------
# Innocents
# ----------------------------------------------------------------------------------------------------------

_ARABIC_GIVEN = words(
    "Mohammed Ahmed Ali Omar Khalid Hassan Hussein Ibrahim Youssef Mustafa Abdullah Tariq Karim Samir "
    "Nabil Walid Rami Fadi Bilal Hamza Ziad Majid Nasser Faisal Adel Imad Jamal Sami Rashid Saleh Amr "
    "Hisham Osama Marwan Yasser Anas Bassam Ayman Hatem Sherif Tamer Wael Fatima Aisha Mariam Layla "
    "Noor Huda Samira Rania Amal Hanan Salma Dina Reem Yasmin Zainab Nadia Lina Mona Ghada Suha"
)
_ARABIC_FAMILY = words(
    "Haddad Khoury Nasser Saleh Mansour Hamdan Aziz Darwish Haddadin Masri Qureshi Farouk Bakr Zayed "
    "Suleiman Abbas Hamid Rahman Jaber Karam Tamimi Shami Halabi Najjar Sabbagh Kassab Hariri Ghanem "
    "Zaher Mahfouz Barakat Fakhoury Jaafari Khalil Habib Youssef Awad Issa Qasem Odeh Nassar Shaheen "
    "Salem Zidan Hakim Amin Fares Rashed Sharif Tahan Yassin Hijazi Ayoub Bitar Dabbagh Sayegh"
)
_ARABIC_ARTICLE_FAMILY = words(
    "Hashimi Masri Tamimi Zahrani Qahtani Shammari Otaibi Harbi Ansari Jaziri Baghdadi Husseini Najjar Khatib"
)


def _arabic_latin(rng: random.Random) -> str:
    parts = [rng.choice(_ARABIC_GIVEN)]
    if rng.random() < 0.45:
        parts.append(rng.choice(_ARABIC_GIVEN[:40]))  # father's name
    if rng.random() < 0.3:
        parts.append("Al-" + rng.choice(_ARABIC_ARTICLE_FAMILY))
    else:
        parts.append(rng.choice(_ARABIC_FAMILY))
    return " ".join(parts)


class _InnocentFactory:
    """Generated names per group, from Faker locales and (for Latin-script Arabic names) built-in lists."""

    def __init__(self, seed: int) -> None:
        self.rng = _rng(seed, "innocent")
        self.fakers: dict[str, Faker] = {}
        for i, locale in enumerate(("es_MX", "es_CO", "en_US", "en_CA", "ar_AA", "ru_RU", "pl_PL")):
            faker = Faker(locale)
            faker.seed_instance(seed * 101 + i)
            self.fakers[locale] = faker

    def make(self, group: str) -> tuple[str, Schema]:
        rng = self.rng
        if group == "hispanic":
            f = self.fakers["es_MX" if rng.random() < 0.55 else "es_CO"]
            given = [f.first_name()]
            if rng.random() < 0.3:
                given.append(f.first_name())
            family = [f.last_name()]
            if rng.random() < 0.8:
                family.append(f.last_name())
            return " ".join((*given, *family)), Schema.PERSON
        if group == "anglo":
            f = self.fakers["en_US" if rng.random() < 0.5 else "en_CA"]
            middle = ""
            if rng.random() < 0.15:
                middle = f.first_name() + " "
            elif rng.random() < 0.15:
                middle = f.first_name()[0] + ". "
            return f"{f.first_name()} {middle}{f.last_name()}", Schema.PERSON
        if group == "arabic":
            if rng.random() < 0.7:
                return _arabic_latin(rng), Schema.PERSON
            f = self.fakers["ar_AA"]
            return f"{f.first_name()} {f.last_name()}", Schema.PERSON
        if group == "slavic":
            if rng.random() < 0.55:
                f = self.fakers["ru_RU"]
                if rng.random() < 0.5:
                    male = rng.random() < 0.5
                    first = f.first_name_male() if male else f.first_name_female()
                    middle = f.middle_name_male() if male else f.middle_name_female()
                    last = f.last_name_male() if male else f.last_name_female()
                    cyrillic = f"{first} {middle} {last}"
                else:
                    cyrillic = f"{f.first_name()} {f.last_name()}"
                return (cyrillic if rng.random() < 0.2 else anyascii(cyrillic)), Schema.PERSON
            f = self.fakers["pl_PL"]
            return f"{f.first_name()} {f.last_name()}", Schema.PERSON
        # company
        locale = rng.choice(("es_MX", "es_MX", "en_US", "en_US", "es_CO"))
        f = self.fakers[locale]
        name = f.company()
        if rng.random() < 0.5 and locale.startswith("es"):
            name = (
                f"{name} {rng.choice(('S.A. de C.V.', 'SA de CV', 'S. de R.L. de C.V.', 'S.A.S.', 'Ltda.'))}"
            )
        return name, Schema.ORGANIZATION


# ----------------------------------------------------------------------------------------------------------
# Build
# ----------------------------------------------------------------------------------------------------------


def _positives(candidates: list[_Candidate], total: int, seed: int, notes: list[str]) -> list[EvalQuery]:
    per_kind = _split(total, dict.fromkeys(POSITIVE_KINDS, 1.0 / len(POSITIVE_KINDS)))
    out: list[EvalQuery] = []
    for kind in POSITIVE_KINDS:
        rng = _rng(seed, f"positive:{kind}")
        maker = POSITIVE_MAKERS[kind]
        made = 0
        for cand in _weighted_order(candidates, rng):
            if made >= per_kind[kind]:
                break
            generated = maker(cand, rng)
            if generated is None:
                continue
            text, birth_date = generated
            text = " ".join(text.split())
            if not fold(text):
                continue
            out.append(
                EvalQuery(
                    query=Query(
                        name=text, schema=cand.entity.schema, birth_date=birth_date, id=f"{kind}:{made}"
                    ),
                    kind=kind,
                    expected_entity_id=cand.entity.id,
                    group=cand.group,
                    listed_name=cand.primary.text,
                )
            )
            made += 1
        if made < per_kind[kind]:
            notes.append(f"{kind}: only {made} of {per_kind[kind]} positives could be made from these lists")
    return out


def _innocents(
    total: int, seed: int, listed_keys: set[str], maternal_dropped: set[str], notes: list[str]
) -> list[EvalQuery]:
    factory = _InnocentFactory(seed)
    out: list[EvalQuery] = []
    seen: set[str] = set()
    dropped = dropped_maternal = 0
    for group, count in _split(total, INNOCENT_SHARES).items():
        made = 0
        attempts = 0
        while made < count and attempts < count * 20:
            attempts += 1
            text, schema = factory.make(group)
            key = name_key(text)
            if not key or key in seen:
                continue
            if key in listed_keys:
                dropped += 1
                continue
            if key in maternal_dropped:
                dropped_maternal += 1
                continue
            seen.add(key)
            out.append(
                EvalQuery(
                    query=Query(name=text, schema=schema, id=f"innocent:{len(out)}"),
                    kind="innocent",
                    expected_entity_id=None,
                    group=group,
                )
            )
            made += 1
    notes.append(
        f"innocent: dropped {dropped} generated names equal to a listed name and {dropped_maternal} equal to "
        "a listed name without its maternal surname"
    )
    return out


def _surname_pair(person: PersonName) -> tuple[str, str] | None:
    surnames = person.surnames()
    if len(surnames) != 2:
        return None
    return fold(surnames[0]), fold(surnames[1])


def _given_tokens(person: PersonName) -> set[str]:
    return {t for t in fold(" ".join(person.given)).split() if t not in PARTICLES}


def _too_close(tokens: set[str], forbidden: set[str]) -> bool:
    """A given name that is, or could be mistaken for, one the listed person carries: equal, a truncation
    (`Jos` for `Jose`) or one edit away (`Jesus`/`Jesas`)."""
    for token in tokens:
        if len(token) < 3:
            return True
        for taken in forbidden:
            if token == taken or taken.startswith(token) or token.startswith(taken):
                return True
            if min(len(token), len(taken)) >= 4 and Levenshtein.distance(token, taken) <= 1:
                return True
    return False


def _near_miss_surname(
    candidates: list[_Candidate], entities: Sequence[Entity], total: int, seed: int, notes: list[str]
) -> list[EvalQuery]:
    rng = _rng(seed, "near_miss_surname")
    # every given name anyone on the lists carries with a given pair of surnames
    taken: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entity in entities:
        if entity.schema is not Schema.PERSON:
            continue
        for name in entity.names:
            person = person_name(name)
            pair = person and _surname_pair(person)
            if person and pair:
                taken[pair] |= _given_tokens(person)
    nick = nickname_forms()
    compound = {fold(n) for nicks in COMPOUND_NICKNAMES.values() for n in nicks}
    pool = [
        c for c in candidates if c.person is not None and c.group == "hispanic" and _surname_pair(c.person)
    ]
    faker = Faker("es_MX")
    faker.seed_instance(seed * 7 + 3)
    male = sorted({faker.first_name_male() for _ in range(3000)})
    female = sorted({faker.first_name_female() for _ in range(3000)})
    per_entity = max(1, -(-total // max(1, len(pool))))
    out: list[EvalQuery] = []
    for cand in _weighted_order(pool, rng):
        if len(out) >= total:
            break
        assert cand.person is not None
        pair = _surname_pair(cand.person)
        assert pair is not None
        forbidden = set(taken[pair]) | compound
        for name in cand.entity.names:
            person = person_name(name)
            if person:
                forbidden |= _given_tokens(person)
            forbidden |= set(fold(name.text).split())
        for token in list(forbidden):
            forbidden |= nick.get(token, set())
        first = fold(cand.person.given[0])
        female_name = cand.entity.gender == "female" or (cand.entity.gender is None and first.endswith("a"))
        names = female if female_name else male
        choices = [n for n in names if not _too_close(set(fold(n).split()) - PARTICLES, forbidden)]
        rng.shuffle(choices)
        for given in choices[:per_entity]:
            if len(out) >= total:
                break
            surnames = cand.person.surnames()
            if cand.person.family_first and rng.random() < 0.5:
                text = f"{' '.join(cand.person.family)}, {given}"
            else:
                text = title_name(" ".join((given, *surnames)))
            out.append(
                EvalQuery(
                    query=Query(name=text, schema=Schema.PERSON, id=f"near_miss_surname:{len(out)}"),
                    kind="near_miss_surname",
                    expected_entity_id=None,
                    group="hispanic",
                    near_entity_id=cand.entity.id,
                    listed_name=cand.primary.text,
                )
            )
    if len(out) < total:
        notes.append(f"near_miss_surname: only {len(out)} of {total} could be made")
    return out


def _near_miss_dob(candidates: list[_Candidate], total: int, seed: int, notes: list[str]) -> list[EvalQuery]:
    rng = _rng(seed, "near_miss_dob")
    pool = [c for c in candidates if c.entity.schema is Schema.PERSON and full_birth_dates(c.entity)]
    out: list[EvalQuery] = []
    for cand in _weighted_order(pool, rng):
        if len(out) >= total:
            break
        dob = _conflicting_dob(cand.entity, rng)
        if dob is None:
            continue
        out.append(
            EvalQuery(
                query=Query(
                    name=cand.primary.text,
                    schema=Schema.PERSON,
                    birth_date=dob,
                    id=f"near_miss_dob:{len(out)}",
                ),
                kind="near_miss_dob",
                expected_entity_id=None,
                group=cand.group,
                near_entity_id=cand.entity.id,
                listed_name=cand.primary.text,
            )
        )
    if len(out) < total:
        notes.append(f"near_miss_dob: only {len(out)} of {total} could be made")
    return out


def build_evalset(
    entities: Sequence[Entity],
    *,
    seed: int = 0,
    positives: int = 4000,
    negatives: int = 6000,
    positive_lists: Sequence[str] | None = None,
) -> EvalSet:
    """Build the labelled queries. `entities` is everything the matcher will index; positives and near-misses
    are drawn from `positive_lists` (default: every list present)."""
    lists = tuple(positive_lists) if positive_lists else tuple(dict.fromkeys(e.list_id for e in entities))
    notes: list[str] = []
    candidates = _candidates(entities, lists)
    listed_keys = {name_key(n.text) for e in entities for n in e.names}
    # `Juan Carlos Hernandez` is what `drop_maternal` makes of `HERNANDEZ LOPEZ, Juan Carlos` and must alert;
    # an "innocent" generated with exactly that name would ask the matcher for the opposite, so it is dropped.
    maternal_dropped = set()
    for entity in entities:
        if entity.schema is not Schema.PERSON:
            continue
        for name in entity.names:
            person = person_name(name)
            dropped = drop_maternal_variant(person) if person else None
            if dropped:
                maternal_dropped.add(name_key(dropped))
    shares = _split(negatives, NEGATIVE_SHARES)
    queries = [
        *_positives(candidates, positives, seed, notes),
        *_innocents(shares["innocent"], seed, listed_keys, maternal_dropped, notes),
        *_near_miss_surname(candidates, entities, shares["near_miss_surname"], seed, notes),
        *_near_miss_dob(candidates, shares["near_miss_dob"], seed, notes),
    ]
    return EvalSet(queries=tuple(queries), seed=seed, entity_count=len(entities), notes=tuple(notes))
