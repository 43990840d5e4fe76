"""Token similarity and one-to-one alignment of a presented name with a listed name.

Each token pair gets a similarity in [0, 1] with the reason it was given (same, nickname, sounds alike, typo,
initial...). Tokens are then paired greedily, best pair first, each token used once, so that a repeated common
token cannot be counted twice and every unpaired token is visible to the scorer and to the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

from cruce.matching.names import GIVEN_ROLES, TITLE_WEIGHT, UNMATCHED_PENALTY, NameTokens, Role, is_title
from cruce.matching.phonetic import skeleton, sound_key
from cruce.matching.variants import VARIANT_KEY, is_nickname_of

MIN_TOKEN_SIMILARITY = 0.7
INITIAL_SIMILARITY = 0.8
UNMATCHED_QUERY_PENALTY = 0.9
UNMATCHED_QUERY_INITIAL_PENALTY = 0.3
UNKNOWN_TWO_EDITS = 0.8
UNKNOWN_ONE_EDIT_SHORT = 0.8
LEFTOVER_MIN_SIMILARITY = (
    0.7  # surnames and company words left after alignment count in part when mostly alike
)

_ARTICLE_PREFIXES = ("al", "el", "ul")


def _allowed_edits(shorter: int) -> int:
    if shorter <= 3:
        return 0
    if shorter <= 6:
        return 1
    return 2


def _vowels_dropped(short: str, long: str) -> bool:
    """`hrnndz` is `hernandez` without its vowels: same first letter, same consonants, in order."""
    if len(short) >= len(long) or short[0] != long[0]:
        return False
    consonants = long[0] + "".join(c for c in long[1:] if c not in "aeiou")
    if len(consonants) < 2:
        return False
    it = iter(long)
    return (
        all(c in it for c in short)
        and short[0] + "".join(c for c in short[1:] if c not in "aeiou") == consonants
    )


def _has_vowel(token: str) -> bool:
    return any(c in "aeiou" for c in token)


def _gender_pair(a: str, b: str) -> bool:
    """Mario/Maria, Fernando/Fernanda: one letter apart, but different people."""
    if len(a) == len(b):
        return a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}
    return a + "a" == b or b + "a" == a  # Daniel/Daniela, Luis/Luisa


@lru_cache(maxsize=500_000)
def token_similarity(a: str, b: str) -> tuple[float, str]:
    """Similarity of two normalised tokens and a short reason; (0.0, "") when they are not alike."""
    if a == b:
        return 1.0, "same"
    variant = VARIANT_KEY.get(a)
    if variant is not None and variant == VARIANT_KEY.get(b):
        return 0.95, "spelling variant"
    if is_nickname_of(a, b) or is_nickname_of(b, a):
        return 0.92, "nickname"
    la, lb = len(a), len(b)
    if la == 1 or lb == 1:
        return (INITIAL_SIMILARITY, "initial") if a[0] == b[0] else (0.0, "")
    if _gender_pair(a, b):
        return 0.55, "other gender form"
    shorter = min(la, lb)
    if shorter >= 3 and sound_key(a) == sound_key(b):
        return 0.93, "sounds alike"
    edits = OSA.distance(a, b, score_cutoff=2)
    if edits <= _allowed_edits(shorter):
        return (0.9 if edits == 1 else 0.8), f"{edits} letter{'s' if edits > 1 else ''} differ"
    if _vowels_dropped(a, b) or _vowels_dropped(b, a):
        return 0.85, "vowels dropped"
    skel_a, skel_b = skeleton(a), skeleton(b)
    if (
        shorter >= 3
        and abs(la - lb) <= 2
        and len(skel_a) >= 3
        and skel_a == skel_b
        and (a[0] == b[0] or not _has_vowel(a) or not _has_vowel(b))
    ):
        return 0.85, "same consonants"
    if shorter >= 4:
        sound_edits = OSA.distance(sound_key(a), sound_key(b), score_cutoff=1)
        if shorter >= 6 and sound_edits <= 1:
            return 0.8, "sounds nearly alike"
        if a.startswith(b) or b.startswith(a):
            return 0.75, "truncated"
    for prefix in _ARTICLE_PREFIXES:  # `alshanti` is `al-Shanti`: only a close match of the rest counts
        if la >= 5 and a.startswith(prefix) and _same_sound(a[2:], b):
            return 0.9, "article joined"
        if lb >= 5 and b.startswith(prefix) and _same_sound(a, b[2:]):
            return 0.9, "article joined"
    return 0.0, ""


# Reasons that rest on spelling closeness alone. Between two words the lists already know (Roberto/Alberto,
# Hernandez/Fernandez) they mean two names, not a typo, and do not count.
_SPELLING_ONLY = frozenset(
    {
        "1 letter differ",
        "2 letters differ",
        "same consonants",
        "sounds nearly alike",
        "truncated",
        "vowels dropped",
    }
)


@lru_cache(maxsize=500_000)
def presented_similarity(presented: str, listed: str, known: bool) -> tuple[float, str]:
    """Similarity of a presented token to a listed one, knowing whether the presented token is a listed word.

    A word no list knows is most likely a misspelling, so it may be two letters off; a known word that is only
    spelt alike is another name.
    """
    sim, why = token_similarity(presented, listed)
    if known:
        if why not in _SPELLING_ONLY:
            return sim, why
        # Transliterations differ in vowels (Ladin/Laden, Usama/Osama); other names differ in consonants.
        if (
            len(presented) == len(listed)
            and presented[0] == listed[0]
            and _consonants(presented) == _consonants(listed)
            and OSA.distance(presented, listed, score_cutoff=1) == 1
        ):
            return min(sim, 0.88), "vowels differ"  # Ladin/Laden; but Salma/Salim are two names
        if (
            abs(len(presented) - len(listed)) == 1
            and min(len(presented), len(listed)) >= 4
            and why == "1 letter differ"
        ):
            return (
                0.85,
                "1 letter missing",
            )  # Albero/Alberto, Agusti/Agustin: a dropped letter, not another name
        return 0.0, ""
    if sim == 0.0 and presented[0] == listed[0]:
        shorter = min(len(presented), len(listed))
        if shorter >= 4 and OSA.distance(presented, listed, score_cutoff=2) <= 2:
            return UNKNOWN_TWO_EDITS, "2 letters differ"
        if shorter == 3 and OSA.distance(presented, listed, score_cutoff=1) <= 1:
            return UNKNOWN_ONE_EDIT_SHORT, "1 letter differs"  # Cuz for Cruz, Saa for Saad
    return sim, why


def _consonants(token: str) -> str:
    return "".join(c for c in token if c not in "aeiouy")


def _same_sound(a: str, b: str) -> bool:
    return a == b or sound_key(a) == sound_key(b) or VARIANT_KEY.get(a, a) == VARIANT_KEY.get(b, b)


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    listed: str
    role: Role
    similarity: float
    why: str


@dataclass(frozen=True, slots=True)
class Alignment:
    """The result of aligning two names: the score and everything a reviewer needs to check it."""

    score: float
    pairs: tuple[Pair, ...]
    unmatched_query: tuple[str, ...]
    unmatched_listed: tuple[tuple[str, Role], ...]
    cap_reason: str


class ListedForm:
    """A listed name prepared once at index build: token weights and unmatched penalties precomputed."""

    __slots__ = ("given_mask", "name", "penalties", "penalties_given_found", "weights")

    def __init__(self, name: NameTokens, weight: dict[str, float], default_weight: float) -> None:
        self.name = name
        # A title weighs little only where the list uses it as one (Shaykh Adnan), not as a surname (Coronel).
        self.weights = tuple(
            min(_plain_weight(t, weight, default_weight), TITLE_WEIGHT)
            if r is Role.TITLE
            else _plain_weight(t, weight, default_weight)
            for t, r in zip(name.tokens, name.roles, strict=True)
        )
        self.penalties = tuple(
            UNMATCHED_PENALTY[r] * w for r, w in zip(name.roles, self.weights, strict=True)
        )
        # Once one given name is matched, a missing first given name is forgiven like a middle name
        # (María Guadalupe goes by Guadalupe).
        self.penalties_given_found = tuple(
            UNMATCHED_PENALTY[Role.GIVEN if r is Role.FIRST else r] * w
            for r, w in zip(name.roles, self.weights, strict=True)
        )
        self.given_mask = tuple(r in GIVEN_ROLES for r in name.roles)


def _token_weight(token: str, weight: dict[str, float], default_weight: float) -> float:
    """Weight of a presented token: its rarity on the lists, little for a title or an initial."""
    value = _plain_weight(token, weight, default_weight)
    return min(value, TITLE_WEIGHT) if is_title(token) else value


def _plain_weight(token: str, weight: dict[str, float], default_weight: float) -> float:
    value = weight.get(token, default_weight)
    return min(value, 0.5) if len(token) == 1 else value


class QueryForm:
    """A presented name prepared once per query; caches its similarity to every listed token it meets.

    `reachable[i]` are the listed tokens that share an index key with presented token i; similarity is only
    worked out for those (plus initials, truncations and near misspellings of unknown words), which keeps a
    query to a few dozen comparisons.
    """

    __slots__ = ("_rows", "known", "name", "penalties", "reachable", "vowel_poor", "weights")

    def __init__(
        self,
        name: NameTokens,
        weight: dict[str, float],
        default_weight: float,
        lexicon: frozenset[str] = frozenset(),
        reachable: tuple[frozenset[str], ...] | None = None,
    ) -> None:
        self.name = name
        self.known = tuple(t in weight or t in lexicon for t in name.tokens)
        self.reachable = reachable
        # hrnndz, jse: vowels dropped, so no index key may lead to the listed spelling
        self.vowel_poor = tuple(sum(c in "aeiou" for c in t) <= 1 for t in name.tokens)
        self.weights = tuple(_token_weight(t, weight, default_weight) for t in name.tokens)
        self.penalties = tuple(
            (UNMATCHED_QUERY_INITIAL_PENALTY if len(t) == 1 else UNMATCHED_QUERY_PENALTY) * w
            for t, w in zip(name.tokens, self.weights, strict=True)
        )
        self._rows: dict[str, tuple[float, ...]] = {}

    def similarities(self, listed_token: str) -> tuple[float, ...]:
        row = self._rows.get(listed_token)
        if row is None:
            row = self._rows[listed_token] = tuple(
                self._similarity(i, q, listed_token) for i, q in enumerate(self.name.tokens)
            )
        return row

    def _similarity(self, i: int, presented: str, listed: str) -> float:
        known = self.known[i]
        if self.reachable is not None and listed not in self.reachable[i]:
            short = len(presented) == 1 or len(listed) == 1
            prefix = listed.startswith(presented) or presented.startswith(listed)
            # Beyond that, only a misspelling of a word no list knows can still be alike.
            unknown_typo = not known and min(len(presented), len(listed)) >= 3 and presented[0] == listed[0]
            if not (short or prefix or self.vowel_poor[i] or unknown_typo):
                return 0.0
        return presented_similarity(presented, listed, known)[0]


GIVEN_NAME_DIFFERS = "given name differs"


def score_alignment(query: QueryForm, listed: ListedForm) -> tuple[float, str, list[tuple[int, int, float]]]:
    """Score, a reason to cap it ("" for none), and the chosen (query index, listed index, similarity) pairs.

    The cap: a different given name with the same surnames is another person (GIVEN_NAME_DIFFERS).

    Matched evidence over matched evidence plus penalties: a pair adds `sim * w` and loses `(1 - sim) * w`;
    an unpaired token loses its role's penalty (a dropped maternal surname costs little, a missing first
    given name a lot). Pairs are chosen greedily, best first, each token used once.
    """
    candidates: list[tuple[float, int, int]] = []
    for j, listed_token in enumerate(listed.name.tokens):
        for i, sim in enumerate(query.similarities(listed_token)):
            if sim >= MIN_TOKEN_SIMILARITY:
                candidates.append((sim, -i, -j))
    if not candidates:
        return 0.0, "", []
    candidates.sort(reverse=True)
    used_q: set[int] = set()
    used_l: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for sim, neg_i, neg_j in candidates:
        i, j = -neg_i, -neg_j
        if i not in used_q and j not in used_l:
            used_q.add(i)
            used_l.add(j)
            pairs.append((i, j, sim))
    if len(used_q) < len(query.weights) and len(used_l) < len(listed.weights):
        pairs.extend(_leftover_pairs(query, listed, used_q, used_l))
        used_q.update(i for i, _, _ in pairs)
        used_l.update(j for _, j, _ in pairs)
    gained = lost = 0.0
    for i, j, sim in pairs:
        w = (query.weights[i] + listed.weights[j]) / 2
        gained += sim * w
        lost += (1.0 - sim) * w
    for i, penalty in enumerate(query.penalties):
        if i not in used_q:
            lost += penalty
    given_found = any(listed.given_mask[j] for _, j, sim in pairs if sim >= MIN_TOKEN_SIMILARITY)
    for j, penalty in enumerate(listed.penalties_given_found if given_found else listed.penalties):
        if j not in used_l:
            lost += penalty
    score = gained / (gained + lost)
    other_names = any(
        len(t) > 1 and not is_title(t) for i, t in enumerate(query.name.tokens) if i not in used_q
    )
    if any(listed.given_mask) and not given_found and other_names:
        return score, GIVEN_NAME_DIFFERS, pairs
    return score, "", pairs


def _leftover_pairs(
    query: QueryForm, listed: ListedForm, used_q: set[int], used_l: set[int]
) -> list[tuple[int, int, float]]:
    """Heavily misspelt tokens (`ammaa` for `amaya`) paired by overall letter overlap, best first."""
    found: list[tuple[float, int, int]] = []
    for i, q in enumerate(query.name.tokens):
        if i in used_q or len(q) < 4 or query.known[i]:
            continue
        for j, t in enumerate(listed.name.tokens):
            # Given names are never paired this loosely: Alberto/Alvaro, Carolina/Rosalina are other people.
            if j in used_l or len(t) < 4 or t[0] != q[0] or listed.given_mask[j]:
                continue
            sim = Indel.normalized_similarity(q, t, score_cutoff=LEFTOVER_MIN_SIMILARITY)
            if sim:
                found.append((sim * 0.9, i, j))
    found.sort(reverse=True)
    chosen: list[tuple[int, int, float]] = []
    taken_q: set[int] = set()
    taken_l: set[int] = set()
    for sim, i, j in found:
        if i not in taken_q and j not in taken_l:
            taken_q.add(i)
            taken_l.add(j)
            chosen.append((i, j, sim))
    return chosen


def _why(query: QueryForm, i: int, listed: str, sim: float) -> str:
    why = presented_similarity(query.name.tokens[i], listed, query.known[i])[1]
    return why or f"partly alike, {sim:.0%}"


def explain_alignment(query: QueryForm, listed: ListedForm) -> Alignment:
    """The full account of an alignment, built only for the matches a person will see."""
    score, cap_reason, pairs = score_alignment(query, listed)
    q_tokens, l_tokens, roles = query.name.tokens, listed.name.tokens, listed.name.roles
    used_q = {i for i, _, _ in pairs}
    used_l = {j for _, j, _ in pairs}
    explained = tuple(
        Pair(q_tokens[i], l_tokens[j], roles[j], v, _why(query, i, l_tokens[j], v)) for i, j, v in pairs
    )
    return Alignment(
        score,
        explained,
        tuple(t for i, t in enumerate(q_tokens) if i not in used_q),
        tuple((t, roles[j]) for j, t in enumerate(l_tokens) if j not in used_l),
        cap_reason,
    )  # fmt: skip
