"""The shortcuts taken for speed give exactly what the plain computation gives."""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import os
import random
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
from anyascii import anyascii
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from cruce.core.model import Entity, Name, Schema
from cruce.matching import text as text_module
from cruce.matching.build import PURE_VARIABLE
from cruce.matching.compare import ListedForm, QueryForm, explain_alignment, score_alignment
from cruce.matching.features import new_feature, new_match, rounded
from cruce.matching.index import NameIndex, sorted_union
from cruce.matching.matcher import Matcher, gc_paused
from cruce.matching.names import listed_name_tokens, query_name_tokens
from cruce.matching.phonetic import _RULES, _sound_key_uncached, collapse_runs, skeleton, sound_key
from cruce.matching.text import to_ascii
from cruce.matching.types import Feature, Match, Query

# Letters every sound rule is about, and a few others, so that generated words trigger the rules often.
_WORDS = st.text(alphabet="abcdeghiklnopqrstuvwxyz", max_size=12)


@given(_WORDS)
@settings(max_examples=3000, deadline=None)
def test_sound_key_skips_only_rules_that_cannot_apply(token: str) -> None:
    key = token
    for _guard, pattern, repl in _RULES:
        key = pattern.sub(repl, key)
    assert _sound_key_uncached(token) == re.sub(r"(.)\1+", r"\1", key)


@given(st.text(max_size=20) | _WORDS)
@settings(max_examples=2000, deadline=None)
def test_collapsing_runs_is_the_regex(text: str) -> None:
    assert collapse_runs(text) == re.sub(r"(.)\1+", r"\1", text, flags=re.DOTALL)
    # a word's skeleton: its sound key without vowels, runs collapsed
    if text.isascii():
        without_vowels = re.sub("[aeiouy]", "", sound_key(text))
        assert skeleton(text) == re.sub(r"(.)\1+", r"\1", without_vowels, flags=re.DOTALL)


@given(st.text(max_size=30) | st.text(alphabet="ab1 'l`\t\n\x7f\x00é", max_size=30))
@settings(max_examples=2000, deadline=None)
def test_folding_shortcuts_are_the_plain_steps(text: str) -> None:
    """`_clean` skips the translation table for a printable text, `_words` the digit fixes for a text with no
    digit; both answer as the plain steps do."""
    assert text_module._clean(text) == text.translate(text_module._ASCII_CLEAN)
    latin = text_module.to_ascii(text).lower()
    plain = " ".join(
        text_module._fix_digit_lookalikes(t) for t in text_module._NON_ALNUM.sub(" ", latin).split()
    )
    assert text_module._words(latin) == plain


@given(st.text(max_size=30))
@settings(max_examples=2000, deadline=None)
def test_to_ascii_is_anyascii(text: str) -> None:
    """`to_ascii` transliterates through a table of the characters met so far; anyascii reads each one."""
    assert to_ascii(text) == anyascii(text)


def test_every_sound_rule_guard_is_in_every_match() -> None:
    """A rule is skipped when its guard is absent, so every text the rule matches must hold the guard."""
    words = ("ee", "oo", "ou", "ph", "th", "kh", "sch", "tch", "tsch", "ch", "sh", "zh", "ll", "que", "gue",
             "ge", "ce", "q", "c", "ck", "x", "z", "v", "w", "h", "yb", "aa")  # fmt: skip
    for guard, pattern, _repl in _RULES:
        for word in words:
            for found in re.finditer(pattern, word):
                assert guard in found.group(0)


@given(st.lists(st.lists(st.integers(0, 500), max_size=40), min_size=1, max_size=6))
@settings(max_examples=500, deadline=None)
def test_sorted_union_is_numpy_unique(parts: list[list[int]]) -> None:
    arrays = [np.unique(np.asarray(p, dtype=np.int32)) for p in parts]
    got = sorted_union(arrays)
    want = np.unique(np.concatenate(arrays))
    assert got.dtype == want.dtype
    assert got.tolist() == want.tolist()


def test_gc_paused_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_the_index_finds_names_through_keys_shared_by_several_tokens() -> None:
    # `alqaida` and `qaida` share the key "tqaida"; a typo of either finds both names.
    names = [listed_name_tokens(Name(text), Schema.ORGANIZATION) for text in ("Alqaida", "Qaida", "Other")]
    index = NameIndex(names)
    assert sorted(index.candidates(["qaida"], 5)) == [0, 1]
    assert sorted(index.candidates(["alqaidda"], 5)) == [0]
    exact = index._hits("qaida")[1]
    assert exact is not None and len(exact) == 2  # both names have it as written


def test_explaining_with_the_kept_alignment_is_explaining_afresh() -> None:
    names = [listed_name_tokens(Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ",
                                     given="Juan Carlos"), Schema.PERSON)]  # fmt: skip
    index = NameIndex(names)
    listed = ListedForm(names[0], index.weight, index.default_weight)
    query = QueryForm(query_name_tokens("Juan Karlos Hernandes", Schema.PERSON), index.weight, 1.0)
    scored = score_alignment(query, listed)
    assert explain_alignment(query, listed, scored) == explain_alignment(query, listed)
    assert scored[0] > 0.8


_COUNT_ALIGNMENTS = """
import json
import cruce.matching.matcher as matcher_module
from cruce.core.model import Entity, Name, Schema
from cruce.matching.compare import score_alignment
from cruce.matching.matcher import Matcher
from cruce.matching.types import Query

entity = Entity("t:1", Schema.PERSON, (Name("Juan Carlos Hernandez"), Name("Juan Hernandez")), "t", "1")
matcher = Matcher([entity])
calls = []

def counting(query, listed):
    calls.append(list(listed.tokens))
    return score_alignment(query, listed)

matcher_module.score_alignment = counting
matches = matcher.screen(Query("Juan Carlos Hernandez"))
print(json.dumps({"alert": bool(matches and matches[0].alert), "calls": sorted(calls)}))
"""


def test_a_name_is_aligned_once_per_query() -> None:
    # Both aliases are candidates, and the entity scores high enough to have all its names scored again.
    # Counting replaces a module function, which compiled modules never look up again: run as pure Python.
    env = {**os.environ, PURE_VARIABLE: "1"}
    command = [sys.executable, "-c", _COUNT_ALIGNMENTS]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["alert"]
    assert found["calls"] == [["juan", "carlos", "hernandez"], ["juan", "hernandez"]]


def _cold(matcher: Matcher) -> Matcher:
    """The same matcher with every per-token cache of its index emptied (as if never warmed)."""
    index = matcher.index
    for cache in (index._reach_cache, index._key_cache, index._list_cache, index._query_keys_cache,
                  index._near_cache, index._set_cache):  # fmt: skip
        cache.clear()
    matcher.forget_names()
    return matcher


_JUAN = Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos")
_LISTED = (
    Entity("t:1", Schema.PERSON, (_JUAN,), "t", "1"),
    Entity("t:2", Schema.PERSON, (Name("Ahmad Khalil HORS"), Name("Muhammad HORS")), "t", "2"),
    Entity("t:3", Schema.PERSON, (Name("John SMITH"), Name("Jon Smyth")), "t", "3"),
    Entity("t:4", Schema.ORGANIZATION, (Name("Grupo Hernandez SA de CV"),), "t", "4"),
    Entity("t:5", Schema.PERSON, (Name("Maria Guadalupe RODRIGUEZ GARCIA"),), "t", "5"),
)
_PRESENTED = st.lists(
    st.sampled_from(["hrnndz", "hernandez", "lopez", "jn", "crls", "khors", "hmd", "smth", "xmth", "jhn",
                     "mrs", "grp", "rdrgz", "grc", "maria", "ahmad", "muhd", "sa", "x", "de"]),
    min_size=1, max_size=4,
)  # fmt: skip


@given(_PRESENTED)
@settings(max_examples=200, deadline=None)
def test_a_warmed_index_answers_as_a_cold_one(words: list[str]) -> None:
    query = Query(" ".join(words))
    warm = Matcher(_LISTED)
    cold = _cold(Matcher(_LISTED))

    def answer(matcher: Matcher) -> list[tuple[str, float, bool, str]]:
        return [(m.entity_id, m.score, m.alert, m.reasons()) for m in matcher.screen(query, 5)]

    assert answer(warm) == answer(cold)
    assert warm.index._key_cache, "the build worked out the listed words' postings"
    assert set(warm.index.weight) <= set(warm.index._reach_cache), "and every listed word's look-alikes"


_LISTED_WORDS = ["hernandez", "hors", "ahmad", "smith", "smyth", "john", "jon", "carlos", "khalil", "jo",
                 "muhammad", "grupo", "rodriguez", "garcia", "guadalupe", "lopez", "maria", "al",
                 "x"]  # fmt: skip


def _alike_plainly(form: QueryForm, listed: str) -> tuple[tuple[float, int], ...]:
    """`QueryForm.matches` as one plain pass over the presented tokens: each is compared unless nothing can
    make it alike (not a look-alike, not an initial either way, no prefix either way, not a typo of an
    unknown word with the same first letter, not a vowel-poor word starting alike)."""
    from cruce.matching.compare import _start_alike

    row: list[tuple[float, int]] = []
    for i, presented in enumerate(form.tokens):
        reach = None if form.reachable is None else form.reachable[i]
        unknown = not form.known[i] and len(presented) >= 3
        if (
            reach is not None
            and len(presented) != 1
            and listed not in reach
            and len(listed) != 1
            and not listed.startswith(presented)
            and not presented.startswith(listed)
            and not (unknown and len(listed) >= 3 and listed[0] == presented[0])
            and (not form.vowel_poor[i] or not _start_alike(presented, listed))
        ):
            continue
        form._compare(row, i, presented, listed, form.known[i])  # what is compared is the question here
    return tuple(row)


@given(
    st.lists(
        st.sampled_from(["hrnndz", "hernandez", "hernandes", "lopez", "jn", "j", "crls", "khors", "hmd",
                         "smth", "xmth", "jhn", "john", "jo", "mrs", "mar", "grp", "rdrgz", "maria", "ahmad",
                         "muhd", "x", "al", "guadalup", "smi", "kh", "zzz", "hernandezz"]),
        min_size=1, max_size=5,
    ),
    st.booleans(),
    st.booleans(),
)  # fmt: skip
@settings(max_examples=400, deadline=None)
def test_matches_compares_exactly_the_tokens_that_may_be_alike(
    words: list[str], indexed: bool, cut: bool
) -> None:
    index = NameIndex([listed_name_tokens(Name(w), Schema.PERSON) for w in _LISTED_WORDS])
    text = " ".join(words)
    if cut:  # a name cut at a field width: its last word may be the start of a listed one
        text = ("guadalupe " + text)[:20]
    tokens = query_name_tokens(text, Schema.PERSON)
    if not tokens.tokens:
        return
    reach = tuple(index.reachable(t) for t in tokens.tokens) if indexed else None
    form = QueryForm(tokens, index.weight, 1.0, reachable=reach)
    for listed in _LISTED_WORDS:
        assert form.matches(listed) == _alike_plainly(form, listed), (text, listed)


def test_vowel_poor_words_skip_only_listed_words_they_cannot_be_alike_to() -> None:
    """`QueryForm.matches` compares a vowel-poor word only with listed words that start alike; on these
    words that must give exactly what comparing it with every listed word gives."""
    from cruce.matching.compare import MIN_TOKEN_SIMILARITY, presented_similarity

    listed_words = ["hernandez", "hors", "ahmad", "smith", "smyth", "john", "jon", "carlos", "khalil",
                    "muhammad", "grupo", "rodriguez", "garcia", "guadalupe", "lopez", "maria"]  # fmt: skip
    index = NameIndex([listed_name_tokens(Name(w), Schema.PERSON) for w in listed_words])
    for presented in ("hrnndz", "khors", "hmd", "smth", "xmth", "jhn", "crls", "rdrgz", "grc", "lpz", "mhmd"):
        tokens = query_name_tokens(presented, Schema.PERSON)
        reach = tuple(index.reachable(t) for t in tokens.tokens)
        form = QueryForm(tokens, index.weight, 1.0, reachable=reach)
        known = presented in index.weight
        for word in listed_words:
            want = presented_similarity(presented, word, known)[0]
            got = {i: sim for sim, i in form.matches(word)}
            if want >= MIN_TOKEN_SIMILARITY:
                assert got.get(0) is not None, (presented, word, want)
            else:
                assert 0 not in got, (presented, word)


def _near_plainly(token: str, vocabulary: list[str]) -> tuple[str, ...]:
    """The words a long unknown token is searched for, stated plainly: for each length from two letters
    shorter to two longer, the five listed words of that length and first letter nearest to it (at most two
    edits, adjacent swaps counting one), nearest first and in index order within a distance."""
    out: list[str] = []
    for length in range(len(token) - 2, len(token) + 3):
        same = [w for w in vocabulary if len(w) == length and w[0] == token[0]]
        scored = [(OSA.distance(token, w), n, w) for n, w in enumerate(same)]
        out += [w for d, _, w in sorted(s for s in scored if s[0] <= 2)[:5]]
    return tuple(out)


_EDITS = st.lists(st.tuples(st.sampled_from("sdi"), st.integers(1, 12), st.sampled_from("abc")), max_size=3)


def _edited(token: str, edits: list[tuple[str, int, str]]) -> str:
    """`token` with substitutions, deletions and insertions (never at its first letter)."""
    for kind, place, letter in edits:
        at = 1 + place % len(token)
        token = {"s": token[:at] + letter + token[at + 1 :], "d": token[:at] + token[at + 1 :],
                 "i": token[:at] + letter + token[at:]}[kind]  # fmt: skip
    return token


@given(st.text(alphabet="abc", min_size=8, max_size=10), st.lists(_EDITS, min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_near_tokens_are_the_nearest_listed_words_of_each_length(
    token: str, edits: list[list[tuple[str, int, str]]]
) -> None:
    # Listed words one to three edits from the token, so that many are near and each length's cut to five
    # is reached; the token itself is not listed (only unknown words are searched this way).
    words = list(dict.fromkeys(w for w in (_edited(token, e) for e in edits) if len(w) >= 6 and w != token))
    if not words:
        return
    index = NameIndex([listed_name_tokens(Name(word), Schema.ORGANIZATION) for word in words])
    listed = list(index.weight)  # the index's words in its own order
    assert index._near_tokens(token) == _near_plainly(token, listed)


def test_screening_leaves_no_cyclic_garbage() -> None:
    """Screening workers walk their older objects rarely (`tune_gc_for_screening`): cyclic garbage would wait
    for those walks, so screening makes none (a nested helper function once did, on every new word)."""
    from cruce.synthetic.travelers import generate_travelers
    from cruce.synthetic.watchlist import generate_watchlist

    watchlist = generate_watchlist(seed=15, size=300)
    travelers = generate_travelers(seed=16, watchlist=watchlist, count=200, hit_rate=0.3, near_miss_rate=0.1)
    # Company words, glued legal forms, an initial, a name read in no particular order.
    odd = ("COMERCIAL DEL NORTE SADECV", "Importadora Sur SDERL", "M. Andrei", "Mohammed GHABRA, AL")
    queries = [t.query for t in travelers] + [Query(name, schema=Schema.UNKNOWN) for name in odd]
    matcher = Matcher(watchlist)
    gc.collect()
    gc.disable()
    try:
        for query in queries:
            for match in matcher.screen(query, top=3):
                match.reasons()
        cyclic = gc.collect()
    finally:
        gc.enable()
    assert cyclic == 0


def _plain_candidates(index: NameIndex, tokens: list[str], limit: int) -> list[int]:
    """`NameIndex.candidates` for a small query, worked out the plain way: a dict of sums in token order and
    one sort of (value, -name) tuples over every hit name."""
    from cruce.matching.index import (
        FUZZY_EVIDENCE_SHARE,
        INITIAL_BOOST,
        LENGTH_TIE_BREAK,
        MIN_SHARE_OF_BEST,
    )

    unique = list(dict.fromkeys(tokens))
    letters = [t for t in unique if len(t) == 1 and t.isalpha()]
    if letters and len(letters) < len(unique):
        unique = [t for t in unique if t not in letters]
    else:
        letters = []
    hits = {t: index._hits(t) for t in unique}
    found = [(t, hits[t][0].tolist()) for t in unique]
    found = [(t, names) for t, names in found if names]
    if not found:
        return []
    common_cutoff = max(200, index.size // 10)
    if not letters:
        found.sort(key=lambda f: len(f[1]))
    rare_exists = not letters and len(found[0][1]) <= common_cutoff
    scores: dict[int, float] = {}
    log_n = math.log(index.size + 1)
    for token, names in found:
        # A listed word weighs its rarity; a word no list knows, that of a word on as many names.
        on = len(index._token_names[token]) if token in index._token_names else len(names)
        weight = 0.25 + 0.75 * (math.log((index.size + 1) / on) / log_n)
        # Names holding the word (or a spelling of it) count it in full, look-alikes in part.
        exact = set() if hits[token][1] is None else set(hits[token][1].tolist())
        fuzzy = weight if exact == set(names) else weight * FUZZY_EVIDENCE_SHARE
        if rare_exists and len(names) > common_cutoff:
            kept = [n for n in scores if n in names]
        else:
            kept = names
            for name_no in names:
                scores.setdefault(name_no, 0.0)
        for name_no in kept:
            scores[name_no] += fuzzy
            if name_no in exact and fuzzy != weight:
                scores[name_no] += weight - fuzzy
    for letter in letters:
        with_letter = set(index._initial_names[letter].tolist()) if letter in index._initial_names else set()
        for name_no in scores:
            if name_no in with_letter:
                scores[name_no] += INITIAL_BOOST
    size = len(found) + len(letters)
    ranked = sorted(
        ((value - LENGTH_TIE_BREAK * abs(index._lengths[n] - size), -n) for n, value in scores.items()),
        reverse=True,
    )
    cutoff = ranked[0][0] * MIN_SHARE_OF_BEST
    return [-neg for value, neg in ranked[:limit] if value >= cutoff]


_VOCABULARY = (
    "ana", "juan", "jon", "perez", "peres", "lopez", "garcia", "garsia", "ali", "aly", "hassan", "hasan",
    "maria", "mario", "smith", "smyth", "khan", "kan", "delarosa", "rosa", "abdul", "rahman",
)  # fmt: skip
_LISTED_NAMES = st.lists(
    st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=4), min_size=1, max_size=60
)
_QUERY_TOKENS = st.lists(
    st.one_of(st.sampled_from(_VOCABULARY), st.sampled_from("ajmpr"), st.text("aehiklnoprs", min_size=2)),
    min_size=1,
    max_size=5,
)


@given(_LISTED_NAMES, _QUERY_TOKENS, st.sampled_from([1, 3, 12, 48]))
@settings(max_examples=300, deadline=None)
def test_index_ranking_is_the_plain_ranking(listed: list[list[str]], query: list[str], limit: int) -> None:
    """The index adds evidence up in a reused list and sorts names and values apart (`_candidates_small`,
    `_ranked`); the answer is the plain computation's, ties and cutoffs included."""
    names = [listed_name_tokens(Name(" ".join(words)), Schema.PERSON) for words in listed]
    index = NameIndex(names)
    for _ in range(2):  # the second time the reused list must be clean again
        assert index.candidates(query, limit) == _plain_candidates(index, query, limit)


@example(seed=891, count=917, query=["jon", "aly", "lopez", "juan"], limit=48)  # a common word re-ranks
@example(seed=1301, count=887, query=["rahman", "garcia", "lopez", "ana"], limit=48)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(250, 1200),
    st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=4),
    st.sampled_from([1, 3, 12, 48]),
)
@settings(max_examples=150, deadline=None)
def test_ranking_many_names_is_the_plain_ranking(seed: int, count: int, query: list[str], limit: int) -> None:
    """With hundreds of names, a very common word only re-ranks the names rarer words found, and the index
    stops looking for new names once none could reach the cut (`_beyond_reach`); the answer is still the
    plain computation's (where few enough names are hit to rank them in plain Python)."""
    pick = random.Random(seed)
    listed = [pick.sample(_VOCABULARY, pick.randint(1, 4)) for _ in range(count)]
    names = [listed_name_tokens(Name(" ".join(words)), Schema.PERSON) for words in listed]
    index = NameIndex(names)
    assume(_ranked_in_python(index, query))
    for _ in range(2):  # the second time the reused list must be clean again
        assert index.candidates(query, limit) == _plain_candidates(index, query, limit)


def _ranked_in_python(index: NameIndex, tokens: list[str]) -> bool:
    """Whether `candidates` ranks these words' names in plain Python: few enough hits outside very common
    words (numpy ranks the rest, picking among names of equal evidence in its own order)."""
    from cruce.matching.index import SMALL_HITS

    unique = list(dict.fromkeys(tokens))
    sizes = sorted(len(index._hits(t)[0]) for t in unique)
    sizes = [size for size in sizes if size]
    if not sizes:
        return True
    common_cutoff = max(200, index.size // 10)
    rare_exists = sizes[0] <= common_cutoff
    return sum(size for size in sizes if not (rare_exists and size > common_cutoff)) <= SMALL_HITS


_SHORT_WORDS = st.lists(st.text("abcm", min_size=1, max_size=6), min_size=1, max_size=80)


@given(_SHORT_WORDS, st.text("abcm", min_size=3, max_size=4))
@settings(max_examples=300, deadline=None)
def test_a_cut_word_finds_the_listed_words_it_starts(words: list[str], start: str) -> None:
    """`_cut_hits` finds the longer listed words a cut word starts by bisecting the words in alphabetical
    order; the answer is a scan of every word's."""
    index = NameIndex([listed_name_tokens(Name(word), Schema.PERSON) for word in words])
    hits = np.empty(0, dtype=np.int32)
    longer = [t for t in index._token_names if t.startswith(start) and len(t) > len(start)]
    names = sorted({n for t in longer for n in index._token_names[t].tolist()})
    assert index._cut_hits(start, hits).tolist() == (names if len(longer) <= 20 else [])


_NEAR_HALVES = st.integers(-20000, 20000).map(lambda k: k / 10000 + 5e-5)


@given(st.floats(allow_nan=False) | st.floats(-2, 2) | _NEAR_HALVES, st.integers(0, 5))
@settings(max_examples=3000, deadline=None)
def test_rounded_is_round(value: float, digits: int) -> None:
    """The same float as `round`, sign of zero included (near-halves, the hard case, are generated too)."""
    assert struct.pack("d", rounded(value, digits)) == struct.pack("d", round(value, digits))


@given(st.text(max_size=8), st.floats(-1, 1), st.text(max_size=20), st.booleans())
@settings(max_examples=300, deadline=None)
def test_made_features_and_matches_are_the_constructed_ones(
    name: str, value: float, detail: str, alert: bool
) -> None:
    feature = new_feature(name, value, detail)
    assert feature == Feature(name, value, detail) and hash(feature) == hash(Feature(name, value, detail))
    entity = Entity(id="x:1", schema=Schema.PERSON, names=(Name("Ana Perez"),), list_id="x", source_id="1")
    made = new_match(entity, value, alert, detail, features=(feature,), threshold=0.8)
    assert made == Match(entity, value, alert, detail, (feature,), 0.8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.score = 1.0  # type: ignore[misc]
