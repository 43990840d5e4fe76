"""Token similarity and one-to-one alignment of a presented name with a listed name.

Each token pair gets a similarity in [0, 1] with the reason it was given (same, nickname, sounds alike, typo,
initial...). Tokens are then paired greedily, best pair first, each token used once, so that a repeated common
token cannot be counted twice and every unpaired token is visible to the scorer and to the reviewer.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Final, NamedTuple

from rapidfuzz.distance import OSA, Indel

from cruce.matching.lexicon import short_forms
from cruce.matching.names import (
    ORG_ROLE,
    TITLE_WEIGHT,
    UNKNOWN_ROLE,
    UNMATCHED_PENALTY,
    NameTokens,
    Role,
    dotted_words,
    generation,
    is_filler_fragment,
    is_filler_word,
    is_patronymic,
    is_title,
    particle_splits,
    unglued,
)
from cruce.matching.phonetic import (
    GH_FOR_Q_MIN,
    INITIAL_LETTER_FIRSTS,
    anglo_reading,
    consonant_run,
    german_reading,
    has_vowel,
    other_start_keys,
    skeleton,
    sound_key,
    vowel_count,
)
from cruce.matching.scorer import CONFIG
from cruce.matching.variants import PARTICLES, VARIANT_KEY, is_nickname_of

MIN_TOKEN_SIMILARITY: Final = CONFIG.min_token_similarity
INITIAL_SIMILARITY: Final = CONFIG.initial_similarity
UNMATCHED_QUERY_PENALTY: Final = CONFIG.unmatched_query_penalty
UNMATCHED_QUERY_INITIAL_PENALTY: Final = CONFIG.unmatched_query_initial_penalty
UNMATCHED_PATRONYMIC_PENALTY: Final = CONFIG.unmatched_listed_penalty[int(Role.GIVEN)]
"""A presented patronymic the listed name leaves out costs what a listed middle name left out does."""
UNKNOWN_TWO_EDITS: Final = CONFIG.unknown_two_edits
UNKNOWN_ONE_EDIT_SHORT: Final = CONFIG.unknown_one_edit_short
SHORT_FORM_SIMILARITY: Final = (
    CONFIG.short_form_similarity
)  # `Ma.` is María as written, not a looser nickname or an initial
PARTICLE_JOINED_SIMILARITY: Final = CONFIG.particle_joined_similarity
VOWELS_DROPPED_SIMILARITY: Final = CONFIG.vowels_dropped_similarity
SWAPPED_SIMILARITY: Final = (
    CONFIG.swapped_similarity
)  # two neighbouring letters swapped: a keying slip, also between known words
# `rn` read as `m`, `cl` as `d`: one misread glyph
READ_ALIKE_SIMILARITY: Final = CONFIG.read_alike_similarity
ABBREVIATION_SIMILARITY: Final = CONFIG.abbreviation_similarity
DOTTED_SHORT_LETTERS: Final = 2
DOTTED_SHORT_MIN_FULL: Final = 5
"""A two-letter word with a full stop after it (`Vl.`) abbreviates a listed word of five letters or more
that it starts (Vladimir, Ghulam); a shorter one is more likely a name of its own."""
DROPPED_ORG_WORD_FACTOR: Final = CONFIG.dropped_org_word_factor
DROPPED_ORG_WORD_MIN_PAIRED: Final = 3
ACRONYM_SIMILARITY: Final = CONFIG.acronym_similarity
KNOWN_ONE_EDIT_SIMILARITY: Final = CONFIG.known_one_edit_similarity
KNOWN_ONE_EDIT_SUPPORT: Final = 0.9
KNOWN_ONE_EDIT_MIN_SUPPORT: Final = 2
ACRONYM_MIN_LETTERS: Final = 2
ACRONYM_MAX_SWAP: Final = 4
"""A short word without vowels is an acronym, and one with two letters swapped is another (MSP, SMP)."""
ACRONYM_MAX_LETTERS: Final = 6
TRUNCATED_SIMILARITY: Final = CONFIG.truncated_similarity  # the last word of a name cut at a field width
FIELD_WIDTHS: Final = frozenset(CONFIG.field_widths)
"""Lengths at which legacy systems and messages cut a name; a presented name of exactly such a length whose
last word is the start of a listed word was cut there, and the listed words after it were never given."""
LEFTOVER_MIN_SIMILARITY: Final = (
    CONFIG.leftover_min_similarity
)  # surnames and company words left after alignment count in part when mostly alike

_ARTICLE_PREFIXES: Final = ("al", "el", "ul")
FIRST_LETTER_SLIP_MIN: Final = 4
"""Letters a word no list knows needs before a listed word differing only at its first letter (mistyped,
added or dropped) is compared with it (`Uose`/Jose, `Fuiz`/Ruiz, `bdulaziz`/Abdulaziz): shorter words
differ there as often as two names do."""


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
    consonants = consonant_run(long)
    # Doubled letters count once: Arabic script writes `assad` as `asd` and `muammar` as `mmr`.
    if len(consonants) < 2 or consonant_run(short) != consonants:
        return False
    it = iter(long)
    return all(c in it for c in short)


def _is_short_form(short: str, full: str) -> bool:
    """`fco` for francisco, `muhd` for muhammad (and its spellings): see `data/short_forms.tsv`."""
    forms = _SHORT_FORMS.get(short)
    return forms is not None and (full in forms or VARIANT_KEY.get(full, full) in _SHORT_FORM_KEYS[short])


_SHORT_FORMS: Final = short_forms()
_SHORT_FORM_KEYS: Final = {k: frozenset(VARIANT_KEY.get(f, f) for f in v) for k, v in _SHORT_FORMS.items()}

_MISREADS: Final = (("rn", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u"), ("li", "h"))


def _read_alike(a: str, b: str) -> bool:
    """One pair of letters read as one letter by OCR or a tired eye (`Ahrned` is `Ahmed`)."""
    if abs(len(a) - len(b)) != 1:  # the misread pair may lead the word (`rnalek` is malek)
        return False
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    for pair, single in _MISREADS:
        if pair in longer and single in shorter:
            start = longer.find(pair)
            while start >= 0:
                if longer[:start] + single + longer[start + 2 :] == shorter:
                    return True
                start = longer.find(pair, start + 1)
    return False


def _gender_pair(a: str, b: str) -> bool:
    """Mario/Maria, Fernando/Fernanda: one letter apart, but different people."""
    if len(a) == len(b):
        return a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}
    return a + "a" == b or b + "a" == a  # Daniel/Daniela, Luis/Luisa


TRANSLITERATED_LETTERS_SIMILARITY: Final = CONFIG.transliterated_letters_similarity


def _transliterated_letters(a: str, b: str) -> bool:
    """The two words are one name written in two alphabets' conventions: x for ks (Alexeyevich/
    Alekseyevich), Persian gh for Arabic q (Shargh/Sharq), a Slavic name written the German way, or another
    start (`phonetic.INITIAL_LETTERS`: Jurij/Yuriy)."""
    german_a, german_b = german_reading(a), german_reading(b)
    if german_a or german_b:  # `Wladimirowitsch`/Vladimirovich, `Prigoschin`/Prigozhin, `Jewgeni`/Yevgeni
        read_a, read_b = german_a or anglo_reading(a), german_b or anglo_reading(b)
        if read_a == read_b or sound_key(read_a) == sound_key(read_b):
            return True
    if ("x" in a and "ks" in b) or ("x" in b and "ks" in a):  # (most pairs: neither, at no cost)
        a_ks, b_ks = a.replace("x", "ks"), b.replace("x", "ks")
        if a_ks == b_ks or sound_key(a_ks) == sound_key(b_ks):
            return True
    # Persian gh for Arabic q anywhere in the word (Eghtesad/Eqtesad; at the start also by `INITIAL_LETTERS`).
    if (len(a) >= GH_FOR_Q_MIN and "gh" in a and "q" in b) or (
        len(b) >= GH_FOR_Q_MIN and "gh" in b and "q" in a
    ):
        a_q, b_q = a.replace("gh", "q"), b.replace("gh", "q")
        if a_q == b_q or sound_key(a_q) == sound_key(b_q):
            return True
    # Only words whose starts differ and are among the convention letters can be such a pair (few are).
    if a[0] == b[0] or a[0] not in INITIAL_LETTER_FIRSTS or b[0] not in INITIAL_LETTER_FIRSTS:
        return False
    return sound_key(b) in other_start_keys(a)


def token_similarity(a: str, b: str) -> tuple[float, str]:
    """Similarity of two normalised tokens and a short reason; (0.0, "") when they are not alike.

    Not cached itself: its only caller, `presented_similarity`, is, and asks for each pair once."""
    if a == b:
        return 1.0, "same"
    variant = VARIANT_KEY.get(a)
    if variant is not None and variant == VARIANT_KEY.get(b):
        return CONFIG.spelling_variant_similarity, "spelling variant"
    if _is_short_form(a, b) or _is_short_form(b, a):
        return SHORT_FORM_SIMILARITY, "written short form"
    if is_nickname_of(a, b) or is_nickname_of(b, a):
        return CONFIG.nickname_similarity, "nickname"
    if _transliterated_letters(a, b):
        return TRANSLITERATED_LETTERS_SIMILARITY, "transliterated letters"
    if _other_numbers(a, b):
        return 0.0, ""  # 1506 and 1507, DY905 and DY907, Fund 2 and Fund 3: another series, not a typo
    la, lb = len(a), len(b)
    ua, ub = unglued(a), unglued(b)
    if (ua != a or ub != b) and (ua == ub or (min(len(ua), len(ub)) >= 4 and _same_sound(ua, ub))):
        return PARTICLE_JOINED_SIMILARITY, "particle joined"
    if b in particle_splits(a) or a in particle_splits(b):  # `deleon` is de Leon (not del-eon)
        return PARTICLE_JOINED_SIMILARITY, "particle joined"
    if la == 1 or lb == 1:
        return (INITIAL_SIMILARITY, "initial") if a[0] == b[0] else (0.0, "")
    if _gender_pair(a, b):
        return 0.55, "other gender form"
    shorter = min(la, lb)
    if shorter >= 3 and sound_key(a) == sound_key(b):
        return CONFIG.sounds_alike_similarity, "sounds alike"
    if (
        la == lb
        and la >= 3
        and sorted(a) == sorted(b)
        and OSA.distance(a, b, score_cutoff=1) == 1
        and (la > ACRONYM_MAX_SWAP or has_vowel(a))
    ):
        return SWAPPED_SIMILARITY, "letters swapped"  # `Abudl` for Abdul, `Ikm` for Kim
    edits = OSA.distance(a, b, score_cutoff=2)
    if edits <= _allowed_edits(shorter):
        return (0.9 if edits == 1 else 0.8), f"{edits} letter{'s' if edits > 1 else ''} differ"
    if _vowels_dropped(a, b) or _vowels_dropped(b, a):
        return VOWELS_DROPPED_SIMILARITY, "vowels dropped"
    if _read_alike(a, b):
        return READ_ALIKE_SIMILARITY, "misread letters"
    skel_a, skel_b = skeleton(a), skeleton(b)
    if (
        shorter >= 3
        and abs(la - lb) <= 2
        and len(skel_a) >= 3
        and skel_a == skel_b
        and (a[0] == b[0] or not has_vowel(a) or not has_vowel(b))
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
_SPELLING_ONLY: Final = frozenset(
    {
        "1 letter differ",
        "2 letters differ",
        "same consonants",
        "sounds nearly alike",
        "truncated",
        "vowels dropped",
        "misread letters",
    }
)


_PRESENTED_SIMILARITIES: Final[dict[tuple[str, str, bool], tuple[float, str]]] = {}


def presented_similarity(presented: str, listed: str, known: bool) -> tuple[float, str]:
    """Similarity of a presented token to a listed one, knowing whether the presented token is a listed word.

    A word no list knows is most likely a misspelling, so it may be two letters off; a known word that is only
    spelt alike is another name.
    """
    key = (presented, listed, known)
    found = _PRESENTED_SIMILARITIES.get(key)
    if found is None:
        found = _presented_similarity_uncached(presented, listed, known)
        if len(_PRESENTED_SIMILARITIES) < 500_000:
            _PRESENTED_SIMILARITIES[key] = found
    return found


def _presented_similarity_uncached(presented: str, listed: str, known: bool) -> tuple[float, str]:
    sim, why = token_similarity(presented, listed)
    if why in _SPELLING_ONLY and _two_known_names(presented, listed):
        return 0.0, ""  # Hyon and Hyok, two names the spelling tables know: not a misspelling of one
    if sim == 0.0 and _other_numbers(presented, listed):
        return 0.0, ""  # another number is another series, however few its letters differ
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
        if min(len(presented), len(listed)) >= 3 and OSA.distance(presented, listed, score_cutoff=1) == 1:
            # David/Davis, Ruiz/Fuiz: both listed words, yet a keying slip as often as another name. Counts
            # only beside two words that agree (`score_alignment`).
            return KNOWN_ONE_EDIT_SIMILARITY, "1 letter differs, both listed words"
        return 0.0, ""
    if why == "other gender form" and min(len(presented), len(listed)) >= 4:
        # Daniel/Daniela are two names; `Mustaf`, a word no list knows, is Mustafa with a letter dropped.
        return 0.85, "1 letter missing"
    if sim < ABBREVIATION_SIMILARITY and _abbreviates(presented, listed):
        return ABBREVIATION_SIMILARITY, "abbreviated"
    if sim == 0.0 and presented[0] == listed[0]:
        shorter = min(len(presented), len(listed))
        if shorter >= 4 and OSA.distance(presented, listed, score_cutoff=2) <= 2:
            return UNKNOWN_TWO_EDITS, "2 letters differ"
        if shorter == 3 and OSA.distance(presented, listed, score_cutoff=1) <= 1:
            return UNKNOWN_ONE_EDIT_SHORT, "1 letter differs"  # Cuz for Cruz, Saa for Saad
    return sim, why


def _two_known_names(a: str, b: str) -> bool:
    """Both words are spellings of names the variant tables know, and of two different names."""
    key_a = VARIANT_KEY.get(a)
    if key_a is None:
        return False
    key_b = VARIANT_KEY.get(b)
    return key_b is not None and key_b != key_a


ABBREVIATION_MIN_LENGTH: Final = 3


def _abbreviates(short: str, full: str) -> bool:
    """`short` is written for `full` the way documents shorten given names beyond any table: the start of the
    word (`ign` for ignacio, `aleks` for aleksandr), or its first and last letters with only consonants of
    the word between (`rbto` for roberto, `stgo` for santiago, `gdo` for gerardo). Two letters at least are
    left out, so a word missing one letter stays a misspelling."""
    if not (ABBREVIATION_MIN_LENGTH <= len(short) <= len(full) - 2) or short[0] != full[0]:
        return False
    if not short.isalpha():
        return False
    if full.startswith(short):
        return True
    if short[-1] != full[-1]:
        return False
    for char in short[1:-1]:
        if char in "aeiouy":
            return False
    it = iter(full)
    return all(char in it for char in short)


def _other_numbers(a: str, b: str) -> bool:
    """Both words carry numbers, and not the same: another series or unit, whatever else is alike. (A digit
    in one word only is more likely a misread letter: `LOPE2` is Lopez.)"""
    if a.isalpha() or b.isalpha():
        return False
    return [c for c in a if c.isdigit()] != [c for c in b if c.isdigit()]


def _consonants(token: str) -> str:
    return "".join(c for c in token if c not in "aeiouy")


def _same_sound(a: str, b: str) -> bool:
    return a == b or sound_key(a) == sound_key(b) or VARIANT_KEY.get(a, a) == VARIANT_KEY.get(b, b)


class Pair(NamedTuple):
    """A presented token aligned with a listed one, and why they are alike. (A named tuple, like `Alignment`:
    several are made for every reported match, at under half a frozen dataclass's cost.)"""

    query: str
    listed: str
    role: Role
    similarity: float
    why: str


class Alignment(NamedTuple):
    """The result of aligning two names: the score and everything a reviewer needs to check it."""

    score: float
    pairs: tuple[Pair, ...]
    unmatched_query: tuple[str, ...]
    unmatched_listed: tuple[tuple[str, Role], ...]
    cap_reason: str


class ListedForm:
    """A listed name prepared once at index build: token weights and unmatched penalties precomputed."""

    __slots__ = (
        "alt_initials",
        "generation",
        "given_mask",
        "has_given",
        "leftover",
        "name",
        "organisation",
        "penalties",
        "penalties_given_found",
        "tokens",
        "weights",
    )

    def __init__(self, name: NameTokens, weight: dict[str, float], default_weight: float) -> None:
        self.name = name
        self.tokens = name.tokens
        self.alt_initials = name.alt_initials
        self.organisation = Role.ORG in name.roles
        self.generation = "" if self.organisation else generation(name.text)
        weights, penalties, penalties_given_found, given_mask, leftover = [], [], [], [], []
        for j, (t, r) in enumerate(zip(name.tokens, name.roles, strict=True)):
            role = int(r)
            w = _plain_weight(t, weight, default_weight)
            # A title weighs little only where the list uses it as one (Shaykh Adnan), not as a surname
            # (Coronel).
            if role == _TITLE:
                w = min(w, TITLE_WEIGHT)
            weights.append(w)
            # `AKHMED RAJAPOVICH CHATAEV`: a patronymic is a middle name wherever it stands.
            missing = _GIVEN if role == _UNKNOWN and is_patronymic(t) else role
            penalties.append(UNMATCHED_PENALTY[missing] * w)
            # Once one given name is matched, a missing first given name is forgiven like a middle name
            # (María Guadalupe goes by Guadalupe).
            penalties_given_found.append(UNMATCHED_PENALTY[_GIVEN if missing == _FIRST else missing] * w)
            given = role in (_FIRST, _GIVEN)
            given_mask.append(given)
            # Tokens `_leftover_pairs` may pair loosely: long enough, and never given names.
            if len(t) >= 4 and not given:
                leftover.append(j)
        self.weights = tuple(weights)
        self.penalties = tuple(penalties)
        self.penalties_given_found = tuple(penalties_given_found)
        self.given_mask = tuple(given_mask)
        self.has_given = any(given_mask)
        self.leftover = tuple(leftover)


# Role values as plain ints: ListedForm is built for every listed name, and enum attribute access is slow.
_FIRST, _GIVEN, _TITLE, _UNKNOWN = int(Role.FIRST), int(Role.GIVEN), int(Role.TITLE), int(Role.UNKNOWN)


def _token_weight(token: str, weight: dict[str, float], default_weight: float) -> float:
    """Weight of a presented token: its rarity on the lists, little for a title or an initial."""
    value = _plain_weight(token, weight, default_weight)
    return min(value, TITLE_WEIGHT) if is_title(token) else value


def _plain_weight(token: str, weight: dict[str, float], default_weight: float) -> float:
    value = weight.get(token, default_weight)
    # An initial says little; a number (`Fund 3`, `Ji Song 6`) tells one of a series from another.
    return min(value, 0.5) if len(token) == 1 and not token.isdigit() else value


class QueryForm:
    """A presented name prepared once per query; caches its similarity to every listed token it meets.

    `reachable[i]` are the listed tokens that share an index key with presented token i; similarity is only
    worked out for those (plus initials, truncations and near misspellings of unknown words), which keeps a
    query to a few dozen comparisons. Each listed token's result is kept as the few (similarity, i) pairs
    that can be aligned, since the scorer, called for every candidate name, needs nothing else.
    """

    __slots__ = (
        "_loose",
        "_matches",
        "_strict",
        "cut",
        "cut_optional",
        "cut_partial",
        "cut_whole",
        "dotted_short",
        "generation",
        "initials",
        "known",
        "leftover",
        "name",
        "penalties",
        "reachable",
        "substantive",
        "tokens",
        "vowel_poor",
        "weights",
    )

    def __init__(
        self,
        name: NameTokens,
        weight: dict[str, float],
        default_weight: float,
        lexicon: frozenset[str] = frozenset(),
        reachable: tuple[frozenset[str], ...] | None = None,
        *,
        stripped: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.tokens = name.tokens
        self.reachable = reachable
        # The index of the last token when the name was cut at a field width, else -1.
        length = len(name.text.strip())
        self.cut = len(name.tokens) - 1 if length in FIELD_WIDTHS and name.tokens else -1
        # A name written `FAMILY, Given` (the lists' order) at a field width, or one short of it (the space
        # after the cut stripped), may have been cut just after a word or its comma (`TAHA, Khalil Ibrahim`,
        # `CASTELLANOS SANCHEZ,` at 20): its last word may be whole, and only what followed is gone.
        organisation = bool(name.roles) and all(r is ORG_ROLE for r in name.roles)
        self.generation = "" if organisation else generation(name.text)
        self.cut_whole = (self.cut >= 0 or length + 1 in FIELD_WIDTHS) and (
            ("," in name.text and UNKNOWN_ROLE not in name.roles) or organisation
        )
        if self.cut_whole and name.tokens:
            self.cut = len(name.tokens) - 1
        # A company's name cut inside a word the lists drop (`... A` of `and`, `... L` of `LLC`): that last
        # word may be left unpaired at no cost, and what the listed name has after its paired words was cut.
        self.cut_optional = (
            organisation
            and length in FIELD_WIDTHS
            and len(name.tokens) > 1
            and is_filler_fragment(name.tokens[-1])
        )
        # Only a word cut short (not a whole legal form: `... TRADING CORP` is complete) says that the listed
        # words after those paired were cut off.
        self.cut_partial = self.cut_optional and (
            len(name.tokens[-1]) == 1 or not is_filler_word(name.tokens[-1])
        )
        dotted = dotted_words(name.text)  # `Aleks.`: written short on purpose, so read as an abbreviation
        known, vowel_poor, weights, penalties, leftover, substantive, plan = [], [], [], [], [], [], []
        for i, t in enumerate(name.tokens):
            # A word written without vowels (`stripped`), even a listed one (`amn`), may be another's
            # consonants.
            is_known = t not in stripped and t not in dotted and (t in weight or t in lexicon)
            # hrnndz, jse: vowels dropped, so no index key may lead to the listed spelling
            poor = t in stripped or vowel_count(t) <= 1
            w = _token_weight(t, weight, default_weight)
            known.append(is_known)
            vowel_poor.append(poor)
            weights.append(w)
            initial = len(t) == 1 and not t.isdigit()
            # An initial says little; nor does a particle kept for its accents (`Văn`), which lists drop.
            unmatched = (
                UNMATCHED_QUERY_INITIAL_PENALTY
                if initial or t in PARTICLES
                else UNMATCHED_PATRONYMIC_PENALTY
                if is_patronymic(t)
                else UNMATCHED_QUERY_PENALTY
            )
            penalties.append(0.0 if self.cut_optional and i == self.cut else unmatched * w)
            # Tokens `_leftover_pairs` may pair loosely: long misspellings of words no list knows.
            if len(t) >= 4 and not is_known:
                leftover.append(i)
            # Tokens that, left unpaired, make a different given name a different person.
            substantive.append(len(t) > 1 and not is_title(t))
            # What `matches` needs per presented token: its listed look-alikes (None: any listed token),
            # how loosely it is compared beyond them (`_LOOSE_*`), and the first letter when it is a word no
            # list knows that may be misspelt beyond what the index keys find.
            plan.append(
                (
                    i,
                    t,
                    None if reachable is None else reachable[i],
                    is_known,
                    _LOOSE_ANY if len(t) == 1 else _LOOSE_START if poor else _LOOSE_NONE,
                    t[0] if not is_known and len(t) >= 3 else "",
                )
            )
        self.initials = tuple(i for i, t in enumerate(name.tokens) if len(t) == 1 and t.isalpha())
        # Two letters written with a full stop (`Vl.`, `Gh.`): the start of a longer word, on purpose.
        self.dotted_short = 0
        for i, t in enumerate(name.tokens):
            if len(t) == DOTTED_SHORT_LETTERS and t in dotted and t.isalpha():
                self.dotted_short |= 1 << i
        self.known = tuple(known)
        self.vowel_poor = tuple(vowel_poor)
        self.weights = tuple(weights)
        self.penalties = tuple(penalties)
        self.leftover = tuple(leftover)
        self.substantive = tuple(substantive)
        # The plan split in two for `matches`. Strict: a token compared only with its look-alikes, listed
        # initials and listed words with its first letter (a prefix either way, an unknown word's typo), so
        # most listed words are skipped after two cheap tests. Loose: initials, vowel-poor words and tokens
        # without an index, which need the full test.
        strict: list[tuple[int, str, str, frozenset[str], bool, str, str]] = []
        loose_plan: list[tuple[int, str, frozenset[str] | None, bool, int, str]] = []
        for entry in plan:
            i, t, reach, is_known, loose, unknown_first = entry
            if reach is not None and loose == _LOOSE_NONE:
                # An unknown word may also be a listed word with its first letter mistyped, added or dropped.
                slip = t[1:] if not is_known and len(t) >= FIRST_LETTER_SLIP_MIN else ""
                strict.append((i, t, t[:1], reach, is_known, unknown_first, slip))
            else:
                loose_plan.append(entry)
        self._strict = tuple(strict)
        self._loose = tuple(loose_plan)
        self._matches: dict[str, tuple[tuple[float, int], ...]] = {}

    def forget_matches(self) -> None:
        """Drop the per-token cache once every candidate is scored (a remembered form keeps no more)."""
        self._matches = {}

    def matches(self, listed_token: str) -> tuple[tuple[float, int], ...]:
        """(similarity, presented index) for the presented tokens that may be aligned with `listed_token`.

        Beyond the tokens the index links (`reachable`), only initials, truncations, vowel-poor tokens and
        misspellings of words no list knows can still be alike; every other pair is 0 without comparing.
        """
        found = self._matches.get(listed_token)
        if found is not None:
            return found
        single = len(listed_token) == 1
        first = listed_token[:1]
        row: list[tuple[float, int]] = []
        for i, presented, presented_first, reach, known, unknown, slip in self._strict:
            if not single and listed_token not in reach:
                if first != presented_first:
                    if not (slip and _first_letter_slip(presented, slip, listed_token)):
                        continue
                elif not (
                    listed_token.startswith(presented)
                    or presented.startswith(listed_token)
                    or (unknown and len(listed_token) >= 3)
                ):
                    continue
            self._compare(row, i, presented, listed_token, known)
        if self._loose:
            # Initials and tokens without an index are compared with every listed word; a vowel-poor word
            # with what a strict token is compared with, and with listed words that start alike.
            for i, presented, loose_reach, known, loose, unknown_first in self._loose:
                if (
                    loose == _LOOSE_START
                    and loose_reach is not None
                    and listed_token not in loose_reach
                    and not single
                    and not listed_token.startswith(presented)
                    and not presented.startswith(listed_token)
                    and not (unknown_first and len(listed_token) >= 3 and first == unknown_first)
                    and not _start_alike(presented, listed_token)
                ):
                    continue
                self._compare(row, i, presented, listed_token, known)
            if self._strict and len(row) > 1:
                row.sort(key=itemgetter(1))  # in presented order, as one pass over the plan gives
        found = self._matches[listed_token] = tuple(row)
        return found

    def _compare(
        self, row: list[tuple[float, int]], i: int, presented: str, listed: str, known: bool
    ) -> None:
        """Add (similarity, i) to the row when the pair is alike enough to be aligned."""
        sim = presented_similarity(presented, listed, known)[0]
        if (
            i == self.cut
            and len(presented) >= 2
            and len(listed) > len(presented)
            and listed.startswith(presented)
        ):
            sim = max(sim, TRUNCATED_SIMILARITY)
        elif (
            self.dotted_short
            and (self.dotted_short >> i) & 1
            and len(listed) >= DOTTED_SHORT_MIN_FULL
            and listed.startswith(presented)
        ):
            sim = max(sim, ABBREVIATION_SIMILARITY)  # `Vl.` for Vladimir
        if sim >= MIN_TOKEN_SIMILARITY:
            row.append((sim, i))


def _first_letter_slip(presented: str, rest: str, listed: str) -> bool:
    """`listed` is `presented` (`rest` is all of it but its first letter) with the first letter mistyped
    (`Uose`/Jose), one added before it (`OIbrahim`) or the first letter dropped (`bdulaziz`)."""
    size = len(listed) - len(presented)
    if size == 0:
        return listed.endswith(rest)
    if size == -1:
        return listed == rest
    return size == 1 and listed.endswith(presented)


_LOOSE_NONE, _LOOSE_START, _LOOSE_ANY = 0, 1, 2
"""How a presented token is compared beyond its listed look-alikes: not at all; with listed words that start
alike (a vowel-poor word, `hrnndz`, which no index key may lead to its listed spelling); with every listed
word (an initial)."""


def _start_alike(presented: str, listed: str) -> bool:
    """The two words start alike, within one letter added, dropped or changed before the rest: the same first
    letter (`hrnndz`/hernandez), a letter dropped or added in front (`khors`/hors, `hmd`/ahmad, an article
    joined), or the first letter alone changed (`xmth`/smith). Every rule comparing spellings needs one of
    these; skipping the other pairs (four in five of a vowel-poor word's comparisons) changed no result on
    the evaluation sets."""
    return listed[0] in presented[:2] or presented[0] in listed[:3] or listed[1:2] == presented[1:2]


GIVEN_NAME_DIFFERS: Final = "given name differs"
GENERATION_DIFFERS: Final = "generation differs"
NUMBER_DIFFERS: Final = "number differs"


def score_alignment(query: QueryForm, listed: ListedForm) -> tuple[float, str, list[tuple[int, int, float]]]:
    """Score, a reason to cap it ("" for none), and the chosen (query index, listed index, similarity) pairs.

    The cap: a different given name with the same surnames is another person (GIVEN_NAME_DIFFERS), and so is
    another generation of the same name, Jr. against Sr. (GENERATION_DIFFERS).

    Matched evidence over matched evidence plus penalties: a pair adds `sim * w` and loses `(1 - sim) * w`;
    an unpaired token loses its role's penalty (a dropped maternal surname costs little, a missing first
    given name a lot). Pairs are chosen greedily, best first, each token used once.

    This runs for every candidate name of every query, so it is written for speed: plain loops over
    precomputed tuples (no generator expressions), and the sums in one fixed order so scores are stable.
    """
    known_matches = query._matches
    candidates: list[tuple[float, int, int]] = []
    neg_j = 0
    for listed_token in listed.tokens:
        row = known_matches.get(listed_token)
        if row is None:
            row = query.matches(listed_token)
        for sim, i in row:
            candidates.append((sim, -i, neg_j))
        neg_j -= 1
    if not candidates:
        return 0.0, "", []
    # The tokens used so far, as bit masks (bit i: presented token i; bit j: listed token j), and how many.
    pairs: list[tuple[int, int, float]]
    weak = 0  # pairs of another listed word one letter off (`KNOWN_ONE_EDIT_SIMILARITY`)
    if len(candidates) == 1:
        sim, neg_i, neg_j = candidates[0]
        pairs = [(-neg_i, -neg_j, sim)]
        used_q = 1 << -neg_i
        used_l = 1 << -neg_j
        paired = 1
        if sim == KNOWN_ONE_EDIT_SIMILARITY:
            weak = 1
    else:
        candidates.sort(reverse=True)
        used_q = used_l = paired = 0
        pairs = []
        for sim, neg_i, neg_j in candidates:
            i, j = -neg_i, -neg_j
            if not (used_q >> i) & 1 and not (used_l >> j) & 1:
                used_q |= 1 << i
                used_l |= 1 << j
                paired += 1
                pairs.append((i, j, sim))
                if sim == KNOWN_ONE_EDIT_SIMILARITY:
                    weak += 1
    if weak:
        pairs, used_q, used_l = _without_lone_slips(pairs, used_q, used_l, weak)
        paired = len(pairs)
    q_weights, l_weights = query.weights, listed.weights
    if query.leftover and listed.leftover and paired < len(q_weights) and paired < len(l_weights):
        extra = _leftover_pairs(query, listed, used_q, used_l)
        if extra:
            pairs.extend(extra)
            for i, j, _ in extra:
                used_q |= 1 << i
                used_l |= 1 << j
                paired += 1
    if listed.alt_initials and query.initials and paired < len(q_weights):
        for j, letter in listed.alt_initials:  # `A.` for AL-NAQIB, `H.` for Abu Hammam
            if (used_l >> j) & 1:
                continue
            for i in query.initials:
                if not (used_q >> i) & 1 and query.tokens[i] == letter:
                    pairs.append((i, j, INITIAL_SIMILARITY))
                    used_q |= 1 << i
                    used_l |= 1 << j
                    paired += 1
                    break
    if listed.organisation and paired < len(q_weights) and len(l_weights) - paired >= ACRONYM_MIN_LETTERS:
        # `R S LINES` for REACH SHIPPING LINES: one presented word, several listed ones.
        for i, j, sim in _acronym_pairs(query, listed, used_q, used_l):
            pairs.append((i, j, sim))
            used_q |= 1 << i
            used_l |= 1 << j
    gained = lost = 0.0
    given_mask = listed.given_mask
    given_found = False
    after_cut = len(l_weights)  # listed tokens from here on come after the cut: never given, never missing
    cut = query.cut
    for i, j, sim in pairs:
        if (
            i == cut
            and (query.cut_whole or listed.tokens[j] != query.tokens[i])
            and listed.tokens[j].startswith(query.tokens[i])
        ):
            after_cut = j + 1
        w = (q_weights[i] + l_weights[j]) / 2
        gained += sim * w
        lost += (1.0 - sim) * w
        if sim >= MIN_TOKEN_SIMILARITY and given_mask[j]:
            given_found = True
    if query.cut_partial and not (used_q >> cut) & 1 and pairs:
        last = max(j for _, j, _ in pairs)
        if used_l & ((2 << last) - 1) == (2 << last) - 1:  # a cut name is the start of the listed one
            after_cut = last + 1
    for i, penalty in enumerate(query.penalties):
        if not (used_q >> i) & 1:
            lost += penalty
    # A company named by all its words but one (three of four): the one left out weighs less, as long as every
    # presented word was found (a word swapped for another, `... of Kenya` for `... of Belarus`, does not).
    dropped_factor = 1.0
    if listed.organisation and used_q == (1 << len(q_weights)) - 1:
        found = bin(used_l).count("1")
        if found >= DROPPED_ORG_WORD_MIN_PAIRED and len(l_weights) - found == 1:
            dropped_factor = DROPPED_ORG_WORD_FACTOR
    for j, penalty in enumerate(listed.penalties_given_found if given_found else listed.penalties):
        if not (used_l >> j) & 1 and j < after_cut:
            lost += penalty * dropped_factor
    score = gained / (gained + lost)
    if listed.organisation and (
        _lone_number(query.tokens, used_q, listed.tokens, len(q_weights))
        or _lone_number(listed.tokens, used_l, query.tokens, after_cut)
    ):
        return score, NUMBER_DIFFERS, pairs  # `... FUND` and `... FUND 2`, `CASCADA` and `CASCADA II`
    if query.generation and listed.generation and query.generation != listed.generation:
        return score, GENERATION_DIFFERS, pairs  # Jr. and Sr.: the same name, another person
    if listed.has_given and not given_found:
        substantive = query.substantive
        for i in range(len(substantive)):
            if substantive[i] and not (used_q >> i) & 1:
                return score, GIVEN_NAME_DIFFERS, pairs
    return score, "", pairs


def _lone_number(tokens: tuple[str, ...], used: int, others: tuple[str, ...], end: int) -> bool:
    """A number among the first `end` tokens left unpaired, with no number starting alike on the other side
    (`33` and `33rd` are one): a company's number or series tells it from its namesakes."""
    for i in range(end):
        token = tokens[i]
        if token.isdigit() and not (used >> i) & 1:
            for other in others:
                if other[:1].isdigit() and (other.startswith(token) or token.startswith(other)):
                    break
            else:
                return True
    return False


def _without_lone_slips(
    pairs: list[tuple[int, int, float]], used_q: int, used_l: int, weak: int
) -> tuple[list[tuple[int, int, float]], int, int]:
    """Another listed word one letter off is a slip only beside two words that agree, and only once a name:
    otherwise its pairs are taken back."""
    strong = 0
    for _, _, sim in pairs:
        if sim >= KNOWN_ONE_EDIT_SUPPORT:
            strong += 1
    if weak == 1 and strong >= KNOWN_ONE_EDIT_MIN_SUPPORT:
        return pairs, used_q, used_l
    kept: list[tuple[int, int, float]] = []
    for pair in pairs:
        if pair[2] == KNOWN_ONE_EDIT_SIMILARITY:
            used_q &= ~(1 << pair[0])
            used_l &= ~(1 << pair[1])
        else:
            kept.append(pair)
    return kept, used_q, used_l


def _acronym_pairs(
    query: QueryForm, listed: ListedForm, used_q: int, used_l: int
) -> list[tuple[int, int, float]]:
    """A presented word made of the initials of consecutive listed words not yet paired (`rs` for Reach
    Shipping, `irgc` for Islamic Revolutionary Guard Corps), paired with each of them; companies only."""
    q_tokens, l_tokens = query.tokens, listed.tokens
    for i, token in enumerate(q_tokens):
        if (
            (used_q >> i) & 1
            or not (ACRONYM_MIN_LETTERS <= len(token) <= ACRONYM_MAX_LETTERS)
            or not token.isalpha()
        ):
            continue
        for start in range(len(l_tokens) - len(token) + 1):
            if all(
                not (used_l >> (start + k)) & 1 and l_tokens[start + k][0] == letter
                for k, letter in enumerate(token)
            ):
                return [(i, start + k, ACRONYM_SIMILARITY) for k in range(len(token))]
    return []


def _leftover_pairs(
    query: QueryForm, listed: ListedForm, used_q: int, used_l: int
) -> list[tuple[int, int, float]]:
    """Heavily misspelt tokens (`ammaa` for `amaya`) paired by overall letter overlap, best first, among the
    tokens not yet used (bit masks, as in `score_alignment`).

    Only presented words no list knows (`QueryForm.leftover`) and listed words that are not given names
    (`ListedForm.leftover`: Alberto/Alvaro, Carolina/Rosalina are other people) are paired this loosely.
    """
    found: list[tuple[float, int, int]] = []
    q_tokens, l_tokens = query.tokens, listed.tokens
    for i in query.leftover:
        if (used_q >> i) & 1:
            continue
        q = q_tokens[i]
        for j in listed.leftover:
            t = l_tokens[j]
            if (used_l >> j) & 1 or t[0] != q[0]:
                continue
            sim = Indel.normalized_similarity(q, t, score_cutoff=LEFTOVER_MIN_SIMILARITY)
            if sim and not _other_numbers(q, t):
                found.append((sim * 0.9, i, j))
    if not found:
        return []
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
    presented = query.name.tokens[i]
    if len(presented) == 1 and sim == INITIAL_SIMILARITY and presented != listed[0]:
        return "initial of the particle or kunya before it"
    why = presented_similarity(presented, listed, query.known[i])[1]
    if not why and sim == ACRONYM_SIMILARITY and len(presented) >= ACRONYM_MIN_LETTERS:
        return "acronym"
    if not why and sim == ABBREVIATION_SIMILARITY and (query.dotted_short >> i) & 1:
        return "abbreviated"
    if not why and sim == TRUNCATED_SIMILARITY and i == query.cut:
        return "cut at a field width"
    return why or f"partly alike, {sim:.0%}"


def explain_alignment(
    query: QueryForm,
    listed: ListedForm,
    scored: tuple[float, str, list[tuple[int, int, float]]] | None = None,
) -> Alignment:
    """The full account of an alignment, built only for the matches a person will see.

    `scored` is `score_alignment(query, listed)` when the caller has it already (it is not worked out again).
    """
    score, cap_reason, pairs = score_alignment(query, listed) if scored is None else scored
    q_tokens, l_tokens, roles = query.name.tokens, listed.name.tokens, listed.name.roles
    used_q = {i for i, _, _ in pairs}
    used_l = {j for _, j, _ in pairs}
    # Named tuples made with `tuple.__new__`: their generated `__new__` is Python code, run by the interpreter
    # for every pair of every reported match; this is the same tuple without it.
    explained = tuple(
        [
            tuple.__new__(Pair, (q_tokens[i], l_tokens[j], roles[j], v, _why(query, i, l_tokens[j], v)))
            for i, j, v in pairs
        ]
    )
    return tuple.__new__(
        Alignment,
        (
            score,
            explained,
            tuple([t for i, t in enumerate(q_tokens) if i not in used_q]),
            tuple([(t, roles[j]) for j, t in enumerate(l_tokens) if j not in used_l]),
            cap_reason,
        ),
    )
