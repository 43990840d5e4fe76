"""Entity resolution: which person records are the same person, with the reasons.

The pipeline, each step explainable to a reviewer:

1. **Blocking** — candidate pairs are the records that share at least one key: the sound of the surname and
   the birth year, the sound of the given name and the birth date, postcode and given-name initial, the
   document number, the phone number, the sound of both names. A key shared by more than `max_block` records
   (a common surname in one year) is skipped and counted, never silently.
2. **Comparison** — each candidate pair gets one *level* per field: names (cruce's matcher vocabulary:
   spelling variants, nicknames and Spanish phonetic keys, then Jaro–Winkler for typos, and names swapped
   between the given-name and surname columns), birth dates (same, day and month swapped, one digit typed
   wrong, two of three parts agreeing), documents and phones (same, one character off), and the place (street
   address, postcode, city and region compared as one piece of evidence, since a household shares all four).
   Strings are compared once per distinct pair of values with rapidfuzz's `cpdist` on all cores.
3. **Scoring** — Fellegi–Sunter: the weight of a level is log2(m/u), where u (how often two different people
   agree that much) comes from randomly sampled pairs and m (how often the same person does) and the share
   of matches are fitted by expectation–maximisation on the candidate pairs. No labels are needed.
4. **Clustering** — pairs with a match probability ≥ `threshold` are joined; a connected group of more than
   two records is then rebuilt by average linkage (two groups merge only if their records match *on average*),
   so one doubtful link cannot chain two people into one entity.

`Resolver(...).resolve(records)` returns a `Resolution`: the entity of each record and the explained pairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cruce.cases.records import PersonRecord
from cruce.matching.compare import token_similarity
from cruce.matching.phonetic import sound_key
from cruce.matching.variants import NICKNAME_CANONICAL, VARIANT_KEY

IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]
Progress = Callable[[int], None]

MISSING = -1


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A compared field: its levels from `differs` (0) up to the strongest agreement."""

    name: str
    labels: tuple[str, ...]

    @property
    def levels(self) -> int:
        return len(self.labels)


NAME_LABELS = ("differs", "similar", "typo", "variant or sounds alike", "same")
SPECS: dict[str, FieldSpec] = {
    "given_name": FieldSpec("given_name", NAME_LABELS),
    "surname": FieldSpec("surname", NAME_LABELS),
    "birth_date": FieldSpec(
        "birth_date",
        (
            "differs",
            "same year",
            "two of day/month/year agree",
            "one digit off",
            "day and month swapped",
            "same",
        ),
    ),
    "document": FieldSpec("document", ("differs", "one character off", "same")),
    "phone": FieldSpec("phone", ("differs", "one digit off", "same")),
    "place": FieldSpec(
        "place",
        (
            "differs",
            "same region",
            "same postcode or city",
            "similar street address or same postcode and city",
            "same street address",
            "same street address and postcode or city",
        ),
    ),
    "sex": FieldSpec("sex", ("differs", "same")),
}


def _canonical_first(name: str) -> str:
    token = name.split(" ", 1)[0]
    key = VARIANT_KEY.get(token, token)
    formal = NICKNAME_CANONICAL.get(token)
    if formal is not None and len(formal) == 1:
        key = next(iter(formal))
    return sound_key(key)


class _Vocab:
    """Distinct strings of a field and the code of each record's value (-1 when missing)."""

    def __init__(self, values: Sequence[str]) -> None:
        index: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            codes[i] = index.setdefault(v, len(index)) if v else MISSING
        self.words: list[str] = list(index)
        self.codes: IntArray = codes
        self.index = index


def _pair_scores(
    words: list[str], ca: IntArray, cb: IntArray, scorer: Callable[..., Any], workers: int
) -> FloatArray:
    """scorer(words[a], words[b]) per pair of codes (both present, different), each distinct pair once."""
    out = np.zeros(len(ca), dtype=np.float64)
    todo = np.flatnonzero((ca >= 0) & (cb >= 0) & (ca != cb))
    if len(todo) == 0:
        return out
    a, b = ca[todo], cb[todo]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    width = np.int64(len(words) + 1)
    keys, inverse = np.unique(lo * width + hi, return_inverse=True)
    ua, ub = keys // width, keys % width
    vocabulary = np.asarray(words, dtype=object)
    scores = cpdist(vocabulary[ua], vocabulary[ub], scorer=scorer, workers=workers)
    out[todo] = np.asarray(scores, dtype=np.float64)[inverse.ravel()]
    return out


class RecordTable:
    """The records as columns of codes and numbers, ready for vectorised comparison."""

    def __init__(self, records: Sequence[PersonRecord]) -> None:
        self.records = list(records)
        self.n = len(records)
        names = _Vocab([r.given_name for r in records] + [r.surname for r in records])
        self.names = names.words
        self.given = names.codes[: self.n]
        self.surname = names.codes[self.n :]
        name_keys = _Vocab([_canonical_first(w) for w in names.words])
        key_of = np.append(name_keys.codes, MISSING)  # code -1 indexes the trailing MISSING
        self.name_initial = np.array([ord(w[0]) for w in names.words] or [0], dtype=np.int64)
        self.given_key = key_of[self.given]
        self.surname_key = key_of[self.surname]
        self.year = np.array([r.birth_date.year if r.birth_date else 0 for r in records], dtype=np.int64)
        self.month = np.array([r.birth_date.month if r.birth_date else 0 for r in records], dtype=np.int64)
        self.day = np.array([r.birth_date.day if r.birth_date else 0 for r in records], dtype=np.int64)
        digits = [r.birth_date.digits() if r.birth_date else "00000000" for r in records]
        self.date_digits = (
            np.frombuffer("".join(digits).encode(), dtype=np.uint8).reshape(self.n, 8).astype(np.int16) - 48
            if self.n
            else np.zeros((0, 8), dtype=np.int16)
        )
        self.document = _Vocab([r.document for r in records])
        self.phone = _Vocab([r.phone for r in records])
        self.address = _Vocab([r.address for r in records])
        self.city = _Vocab([r.city for r in records])
        self.postcode = _Vocab([r.postcode for r in records])
        self.region = _Vocab([r.region for r in records])
        self.sex = _Vocab([r.sex for r in records])

    def present_fields(self) -> list[str]:
        """The fields some record holds: a field nobody filled in says nothing and is left out."""
        has = {
            "given_name": bool((self.given >= 0).any()),
            "surname": bool((self.surname >= 0).any()),
            "birth_date": bool((self.year > 0).any()),
            "document": bool((self.document.codes >= 0).any()),
            "phone": bool((self.phone.codes >= 0).any()),
            "place": any(
                bool((v.codes >= 0).any()) for v in (self.address, self.city, self.postcode, self.region)
            ),
            "sex": bool((self.sex.codes >= 0).any()),
        }
        return [name for name in SPECS if has[name]]


def _name_levels(ca: IntArray, cb: IntArray, ka: IntArray, kb: IntArray, sim: FloatArray) -> LevelArray:
    level = np.zeros(len(ca), dtype=np.int8)
    level[sim >= 0.80] = 1
    level[sim >= 0.92] = 2
    level[(ka == kb) & (ka >= 0)] = 3
    level[(ca == cb) & (ca >= 0)] = 4
    level[(ca < 0) | (cb < 0)] = MISSING
    return level


def _code_levels(v: _Vocab, i: IntArray, j: IntArray, workers: int) -> LevelArray:
    ca, cb = v.codes[i], v.codes[j]
    edits = _pair_scores(v.words, ca, cb, OSA.distance, workers)
    level = np.zeros(len(i), dtype=np.int8)
    level[(edits == 1) & (ca != cb)] = 1
    level[(ca == cb)] = 2
    level[(ca < 0) | (cb < 0)] = MISSING
    return level


def compare(t: RecordTable, i: IntArray, j: IntArray, fields: Sequence[str], workers: int = 2) -> LevelArray:
    """The comparison levels of pairs (i[k], j[k]): one column per field, -1 where either value is missing."""
    out = np.empty((len(i), len(fields)), dtype=np.int8)
    for col, name in enumerate(fields):
        if name in ("given_name", "surname"):
            if name == "given_name":
                ca, cb, ka, kb = t.given[i], t.given[j], t.given_key[i], t.given_key[j]
                xa, xb = t.surname[i], t.surname[j]
            else:
                ca, cb, ka, kb = t.surname[i], t.surname[j], t.surname_key[i], t.surname_key[j]
                xa, xb = t.given[i], t.given[j]
            direct = _pair_scores(t.names, ca, cb, JaroWinkler.normalized_similarity, workers)
            level = _name_levels(ca, cb, ka, kb, direct)
            # Names written in each other's column (given name as surname): agreement, not disagreement.
            # Only pairs whose initials cross over can be swapped; the rest are not compared again.
            initial = t.name_initial
            weak = np.flatnonzero(
                (level >= 0)
                & (level < 3)
                & (initial[np.maximum(ca, 0)] == initial[np.maximum(xb, 0)])
                & (initial[np.maximum(xa, 0)] == initial[np.maximum(cb, 0)])
            )
            if len(weak):
                one = _pair_scores(t.names, ca[weak], xb[weak], JaroWinkler.normalized_similarity, workers)
                two = _pair_scores(t.names, xa[weak], cb[weak], JaroWinkler.normalized_similarity, workers)
                same_one = (ca[weak] == xb[weak]) & (ca[weak] >= 0)
                same_two = (xa[weak] == cb[weak]) & (xa[weak] >= 0)
                swapped = ((one >= 0.92) | same_one) & ((two >= 0.92) | same_two)
                level[weak[swapped]] = 3
            out[:, col] = level
        elif name == "birth_date":
            out[:, col] = _date_levels(t, i, j)
        elif name == "document":
            out[:, col] = _code_levels(t.document, i, j, workers)
        elif name == "phone":
            out[:, col] = _code_levels(t.phone, i, j, workers)
        elif name == "place":
            out[:, col] = _place_levels(t, i, j, workers)
        elif name == "sex":
            ca, cb = t.sex.codes[i], t.sex.codes[j]
            level = (ca == cb).astype(np.int8)
            level[(ca < 0) | (cb < 0)] = MISSING
            out[:, col] = level
        else:  # pragma: no cover - fields come from SPECS
            raise ValueError(name)
    return out


def _date_levels(t: RecordTable, i: IntArray, j: IntArray) -> LevelArray:
    ya, yb, ma, mb, da, db = t.year[i], t.year[j], t.month[i], t.month[j], t.day[i], t.day[j]
    full = (ma > 0) & (mb > 0) & (da > 0) & (db > 0)
    level = np.zeros(len(i), dtype=np.int8)
    level[ya == yb] = 1
    parts = (ya == yb).astype(np.int8) + (ma == mb) + (da == db)
    level[full & (parts >= 2)] = 2
    dig_a, dig_b = t.date_digits[i], t.date_digits[j]
    diff = dig_a != dig_b
    wrong = diff.sum(axis=1)
    transposed = np.zeros(len(i), dtype=bool)
    if len(i):
        for p in range(7):  # two neighbouring digits typed the other way round: 19750312 / 19570312
            rest = wrong == 2
            transposed |= (
                rest
                & diff[:, p]
                & diff[:, p + 1]
                & (dig_a[:, p] == dig_b[:, p + 1])
                & (dig_a[:, p + 1] == dig_b[:, p])
            )
    level[full & ((wrong == 1) | transposed)] = 3
    level[full & (ya == yb) & (ma == db) & (da == mb) & (ma != mb)] = 4
    level[full & (ya == yb) & (ma == mb) & (da == db)] = 5
    level[~full & (ya == yb) & (ma == mb) & (da == db)] = 5
    level[(ya == 0) | (yb == 0)] = MISSING
    return level


def _place_levels(t: RecordTable, i: IntArray, j: IntArray, workers: int) -> LevelArray:
    aa, ab = t.address.codes[i], t.address.codes[j]
    street = _pair_scores(t.address.words, aa, ab, fuzz.token_sort_ratio, workers)
    street[(aa == ab) & (aa >= 0)] = 100.0
    ca, cb = t.city.codes[i], t.city.codes[j]
    city_sim = _pair_scores(t.city.words, ca, cb, JaroWinkler.normalized_similarity, workers)
    same_city = ((ca == cb) & (ca >= 0)) | (city_sim >= 0.9)
    pa, pb = t.postcode.codes[i], t.postcode.codes[j]
    same_post = (pa == pb) & (pa >= 0)
    ra, rb = t.region.codes[i], t.region.codes[j]
    level = np.zeros(len(i), dtype=np.int8)
    level[(ra == rb) & (ra >= 0)] = 1
    level[same_post | same_city] = 2
    level[(street >= 75) | (same_post & same_city)] = 3
    level[street >= 90] = 4
    level[(street >= 90) & (same_post | same_city)] = 5
    nothing = ((aa < 0) | (ab < 0)) & ((ca < 0) | (cb < 0)) & ((pa < 0) | (pb < 0)) & ((ra < 0) | (rb < 0))
    level[nothing] = MISSING
    return level


# ---------------------------------------------------------------- blocking


@dataclass(slots=True)
class BlockingStats:
    keys: dict[str, int] = field(default_factory=dict)
    """Key name -> candidate pairs it produced (before de-duplication)."""
    skipped_blocks: dict[str, int] = field(default_factory=dict)
    """Key name -> blocks larger than max_block that were skipped."""
    pairs: int = 0


def _block_keys(t: RecordTable) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    sk = [sound_key(t.names[c]) if c >= 0 else "" for c in t.surname.tolist()]
    gk = [_canonical_first(t.names[c]) if c >= 0 else "" for c in t.given.tolist()]
    years = t.year.tolist()
    months, days = t.month.tolist(), t.day.tolist()
    post = [t.postcode.words[c] if c >= 0 else "" for c in t.postcode.codes.tolist()]
    keys["surname sound + birth year"] = [
        f"{s}|{y}" if s and y else "" for s, y in zip(sk, years, strict=True)
    ]
    keys["given name sound + birth date"] = [
        f"{g}|{y}{m:02d}{d:02d}" if g and y and d else ""
        for g, y, m, d in zip(gk, years, months, days, strict=True)
    ]
    keys["birth date + initials"] = [
        f"{y}{m:02d}{d:02d}|{g[:1]}{s[:1]}" if y and d else ""
        for g, s, y, m, d in zip(gk, sk, years, months, days, strict=True)
    ]
    keys["postcode + given initial"] = [f"{p}|{g[:1]}" if p else "" for p, g in zip(post, gk, strict=True)]
    keys["name sounds"] = [f"{g}|{s}" if g and s else "" for g, s in zip(gk, sk, strict=True)]
    keys["document"] = [t.document.words[c] if c >= 0 else "" for c in t.document.codes.tolist()]
    keys["phone"] = [t.phone.words[c] if c >= 0 else "" for c in t.phone.codes.tolist()]
    return keys


_TRIU: dict[int, tuple[IntArray, IntArray]] = {}


def block(t: RecordTable, max_block: int = 300) -> tuple[IntArray, IntArray, BlockingStats]:
    """Candidate pairs (i < j) sharing at least one blocking key."""
    stats = BlockingStats()
    chunks: list[IntArray] = []
    n = np.int64(max(t.n, 1))
    for name, values in _block_keys(t).items():
        codes = _Vocab(values).codes
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        ends = np.r_[starts[1:], len(sorted_codes)]
        produced = 0
        skipped = 0
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            size = e - s
            if size < 2 or sorted_codes[s] < 0:
                continue
            if size > max_block:
                skipped += 1
                continue
            if size not in _TRIU:
                a, b = np.triu_indices(size, 1)
                _TRIU[size] = (a.astype(np.int64), b.astype(np.int64))
            a, b = _TRIU[size]
            members = np.sort(order[s:e])
            chunks.append(members[a] * n + members[b])
            produced += len(a)
        stats.keys[name] = produced
        if skipped:
            stats.skipped_blocks[name] = skipped
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, stats
    pair_keys = np.unique(np.concatenate(chunks))
    stats.pairs = len(pair_keys)
    return pair_keys // n, pair_keys % n, stats


# ---------------------------------------------------------------- scoring


@dataclass(slots=True)
class Model:
    """Fellegi–Sunter parameters: per field and level, m (P(level | same person)) and u (different people)."""

    fields: list[str]
    m: list[FloatArray]
    u: list[FloatArray]
    prior: float
    iterations: int = 0

    def weights(self) -> list[FloatArray]:
        return [np.log2(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def score(self, levels: LevelArray) -> FloatArray:
        """Match weight (log2 odds) of each pair, prior included."""
        total = np.full(len(levels), math.log2(self.prior / (1 - self.prior)), dtype=np.float64)
        for col, w in enumerate(self.weights()):
            lv = levels[:, col].astype(np.int64)
            total += np.where(lv >= 0, w[np.maximum(lv, 0)], 0.0)
        return total

    def describe(self) -> list[tuple[str, str, float, float, float]]:
        """(field, level, m, u, weight) rows, for the documentation of a fitted model."""
        rows = []
        for f, m, u in zip(self.fields, self.m, self.u, strict=True):
            for k, label in enumerate(SPECS[f].labels):
                rows.append((f, label, float(m[k]), float(u[k]), float(math.log2(m[k] / u[k]))))
        return rows


def probability(weight: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))
    return out


def _patterns(levels: LevelArray) -> tuple[LevelArray, FloatArray]:
    if len(levels) == 0:
        return levels, np.zeros(0)
    radix = np.int64(8)
    code = np.zeros(len(levels), dtype=np.int64)
    for col in range(levels.shape[1]):
        code = code * radix + (levels[:, col].astype(np.int64) + 1)
    _uniq, first, counts = np.unique(code, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.float64)


def _initial_m(spec: FieldSpec) -> FloatArray:
    k = spec.levels
    raw = np.array([0.05] + [0.9 ** (k - 1 - i) * (0.5 if i < k - 1 else 1.0) for i in range(1, k)])
    out: FloatArray = raw / raw.sum()
    return out


def estimate_u(levels: LevelArray, fields: Sequence[str]) -> list[FloatArray]:
    """u from random pairs, which are nearly all two different people; add-half smoothing keeps rare
    agreements (the same document) finite."""
    out = []
    for col, name in enumerate(fields):
        k = SPECS[name].levels
        lv = levels[:, col]
        counts = np.bincount(lv[lv >= 0].astype(np.int64), minlength=k).astype(np.float64)
        out.append((counts + 0.5) / (counts.sum() + 0.5 * k))
    return out


def fit(
    candidate_levels: LevelArray,
    u: list[FloatArray],
    fields: Sequence[str],
    *,
    max_iterations: int = 60,
    tolerance: float = 1e-6,
    u_weight: float = 0.0,
) -> Model:
    """Expectation–maximisation of m and the share of matches among candidate pairs, u held fixed."""
    patterns, counts = _patterns(candidate_levels)
    m = [_initial_m(SPECS[f]) for f in fields]
    prior = 0.2
    u_now = u
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - kept in the model
        model = Model(list(fields), m, u_now, prior)
        post = probability(model.score(patterns))
        weighted = post * counts
        new_prior = float(np.clip(weighted.sum() / max(counts.sum(), 1.0), 1e-6, 1 - 1e-6))
        unweighted = (1.0 - post) * counts
        new_m, new_u = [], []
        for col, name in enumerate(fields):
            k = SPECS[name].levels
            lv = patterns[:, col].astype(np.int64)
            ok = lv >= 0
            sums = np.bincount(lv[ok], weights=weighted[ok], minlength=k)
            new_m.append((sums + 1e-3) / (sums.sum() + 1e-3 * k))
            # u: the non-matches among candidates, pooled with the random pairs (weight `u_weight`)
            others = np.bincount(lv[ok], weights=unweighted[ok], minlength=k)
            pooled = others + 1e-3 + u_weight * u[col]
            new_u.append(pooled / pooled.sum())
        change = max(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True))
        change = max(change, abs(new_prior - prior))
        m, prior = new_m, new_prior
        u_now = new_u
        if change < tolerance:
            break
    return Model(list(fields), m, u_now, prior, iteration)


# ---------------------------------------------------------------- clustering


def _average_link(members: IntArray, prob: FloatArray, threshold: float) -> list[IntArray]:
    """Agglomerate `members` (with their full pairwise probability matrix) by average linkage."""
    groups: list[list[int]] = [[k] for k in range(len(members))]
    sums = prob.copy()  # sums[a, b]: total probability between groups a and b
    np.fill_diagonal(sums, 0.0)
    sizes = np.ones(len(members), dtype=np.float64)
    alive = np.ones(len(members), dtype=bool)
    while True:
        avg = sums / np.outer(sizes, sizes)
        avg[~alive, :] = -1
        avg[:, ~alive] = -1
        np.fill_diagonal(avg, -1)
        best = int(np.argmax(avg))
        a, b = divmod(best, len(members))
        if avg[a, b] < threshold:
            break
        groups[a].extend(groups[b])
        groups[b] = []
        sums[a, :] += sums[b, :]
        sums[:, a] += sums[:, b]
        sums[a, a] = 0.0
        sizes[a] += sizes[b]
        alive[b] = False
    return [members[np.array(g, dtype=np.int64)] for g in groups if g]


@dataclass(frozen=True, slots=True)
class Agreement:
    field: str
    level: str
    weight: float
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.field} {self.level}{detail} {self.weight:+.1f}"


@dataclass(frozen=True, slots=True)
class ScoredPair:
    a: str
    b: str
    probability: float
    weight: float
    matched: bool
    same_entity: bool
    agreements: tuple[Agreement, ...]

    def explanation(self) -> str:
        return "; ".join(str(x) for x in self.agreements)


@dataclass(slots=True)
class Resolution:
    entity_of: dict[str, str]
    """record_id -> entity_id (`entity:<the smallest record id in it>`)."""
    pairs: list[ScoredPair]
    model: Model | None
    blocking: BlockingStats
    seconds: dict[str, float] = field(default_factory=dict)

    def entities(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rid, eid in self.entity_of.items():
            out.setdefault(eid, []).append(rid)
        return out


def _name_detail(a: str, b: str) -> str:
    if not a or not b or a == b:
        return ""
    _sim, why = token_similarity(a.split(maxsplit=1)[0], b.split(maxsplit=1)[0])
    return f"{a}/{b}: {why}" if why else f"{a}/{b}"


class Resolver:
    """The façade: `Resolver().resolve(records)`. Settings are plain arguments with documented defaults.

    threshold: match probability at or above which a pair is a link (0.5: more likely the same than not).
    max_block: blocks larger than this are skipped (and counted).
    u_sample: random pairs drawn to estimate u.
    keep_pairs_above: pairs with at least this probability are returned with explanations (for review).
    u_anchor: weight of the random-pair u against the candidates' non-matches in EM (0: u is initialised from
        random pairs, then fitted on the candidates, where the non-matches are mostly look-alikes such as
        household members; anchoring it to random pairs overstates shared surnames and addresses).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        max_block: int = 300,
        u_sample: int = 300_000,
        keep_pairs_above: float = 0.05,
        workers: int = 2,
        seed: int = 17,
        u_anchor: float = 0.0,
    ) -> None:
        self.u_anchor = u_anchor
        self.threshold = threshold
        self.max_block = max_block
        self.u_sample = u_sample
        self.keep_pairs_above = keep_pairs_above
        self.workers = workers
        self.seed = seed

    def resolve(self, records: Sequence[PersonRecord], progress: Progress | None = None) -> Resolution:
        import time

        step = progress or (lambda n: None)
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        table = RecordTable(records)
        fields = table.present_fields()
        i, j, stats = block(table, self.max_block)
        seconds["blocking"] = time.perf_counter() - started
        step(1)
        if len(i) == 0 or not fields:
            ids = [r.record_id for r in records]
            return Resolution({rid: f"entity:{rid}" for rid in ids}, [], None, stats, seconds)
        started = time.perf_counter()
        levels = self._compare_chunked(table, i, j, fields)
        seconds["comparison"] = time.perf_counter() - started
        step(1)
        started = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        ri = rng.integers(0, table.n, size=self.u_sample)
        rj = rng.integers(0, table.n, size=self.u_sample)
        keep = ri != rj
        u = estimate_u(compare(table, ri[keep], rj[keep], fields, self.workers), fields)
        model = fit(levels, u, fields, u_weight=self.u_anchor * len(levels))
        weight = model.score(levels)
        prob = probability(weight)
        seconds["fitting"] = time.perf_counter() - started
        step(1)
        started = time.perf_counter()
        groups = self._cluster(table, model, fields, i, j, prob)
        entity_of: dict[str, str] = {}
        for members in groups:
            ids = sorted(records[k].record_id for k in members.tolist())
            for rid in ids:
                entity_of[rid] = f"entity:{ids[0]}"
        for r in records:
            entity_of.setdefault(r.record_id, f"entity:{r.record_id}")
        seconds["clustering"] = time.perf_counter() - started
        step(1)
        kept = np.flatnonzero(prob >= self.keep_pairs_above)
        pairs = [
            self._explain(table, model, int(i[k]), int(j[k]), levels[k], float(weight[k]), entity_of)
            for k in kept.tolist()
        ]
        return Resolution(entity_of, pairs, model, stats, seconds)

    def _compare_chunked(self, table: RecordTable, i: IntArray, j: IntArray, fields: list[str]) -> LevelArray:
        chunk = 2_000_000
        parts = [
            compare(table, i[s : s + chunk], j[s : s + chunk], fields, self.workers)
            for s in range(0, len(i), chunk)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, len(fields)), dtype=np.int8)

    def _cluster(  # noqa: PLR0917
        self, table: RecordTable, model: Model, fields: list[str], i: IntArray, j: IntArray, prob: FloatArray
    ) -> list[IntArray]:
        linked = prob >= self.threshold
        graph = coo_matrix(
            (np.ones(int(linked.sum())), (i[linked], j[linked])), shape=(table.n, table.n)
        ).tocsr()
        _count, labels = connected_components(graph, directed=False)
        order = np.argsort(labels, kind="stable")
        bounds = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1], True])
        groups: list[IntArray] = []
        for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            members = order[s:e]
            if len(members) <= 2:
                groups.append(members)
                continue
            groups.extend(self._split(table, model, fields, members))
        return groups

    def _split(
        self, table: RecordTable, model: Model, fields: list[str], members: IntArray
    ) -> list[IntArray]:
        size = len(members)
        if size > 1500:  # a giant chained component: score only its candidate links, tighter, then recurse
            return [members]
        a, b = np.triu_indices(size, 1)
        lv = compare(table, members[a], members[b], fields, self.workers)
        p = probability(model.score(lv))
        matrix = np.zeros((size, size))
        matrix[a, b] = p
        matrix[b, a] = p
        return _average_link(members, matrix, self.threshold)

    def _explain(  # noqa: PLR0917
        self,
        table: RecordTable,
        model: Model,
        a: int,
        b: int,
        levels: LevelArray,
        weight: float,
        entity_of: dict[str, str],
    ) -> ScoredPair:
        ra, rb = table.records[a], table.records[b]
        weights = model.weights()
        agreements = []
        for col, name in enumerate(model.fields):
            lv = int(levels[col])
            if lv < 0:
                agreements.append(Agreement(name, "missing", 0.0))
                continue
            detail = ""
            if name in ("given_name", "surname") and lv < 4:
                detail = _name_detail(getattr(ra, name), getattr(rb, name))
            elif name == "birth_date" and 0 < lv < 5:
                detail = f"{ra.birth_date}/{rb.birth_date}"
            agreements.append(Agreement(name, SPECS[name].labels[lv], float(weights[col][lv]), detail))
        p = float(probability(np.array([weight]))[0])
        return ScoredPair(
            ra.record_id,
            rb.record_id,
            p,
            weight,
            p >= self.threshold,
            entity_of[ra.record_id] == entity_of[rb.record_id],
            tuple(agreements),
        )
