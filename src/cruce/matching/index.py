"""Candidate generation: an inverted index from token keys to listed names, so no query scans the whole list.

Every listed token is filed under several keys: the token, its Spanish sound key, its consonant skeleton and
its one-letter deletions (which find any single typo, transposition or dropped letter). A query collects the
names that share keys with it, weighted by how rare the shared token is, and only the best few are scored.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Final

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from cruce.matching.lexicon import short_forms
from cruce.matching.names import STRIPPED_MIN_LENGTH, NameTokens, particle_splits, unglued
from cruce.matching.phonetic import (
    GH_FOR_Q_MIN,
    anglo_reading,
    consonant_run,
    german_reading,
    other_start_keys,
    skeleton,
    sound_key,
    vowel_count,
)
from cruce.matching.scorer import CONFIG
from cruce.matching.variants import NICKNAME_CANONICAL, VARIANT_KEY

MIN_DELETE_LENGTH: Final = 5
# a token on at most this many names may still be a typo of another: look up its typo keys
RARE_EXACT: Final = 3
FALLBACK_MIN_LENGTH: Final = 8  # a long token no key finds is searched in the vocabulary within two edits
NEAR_PER_LENGTH: Final = 5  # of those, the nearest few of each length
SKELETON_LENGTH_SLACK: Final = 2  # how far in length a word with vowels reaches words of its consonants
CUT_MIN_LETTERS: Final = 3  # a word cut shorter than this starts too many listed words to look them up
CUT_MAX_WORDS: Final = 20  # nor does one that starts more listed words than this
_AFTER_EVERY_LETTER: Final = "\U0010ffff"  # sorts after any character a listed word holds
LENGTH_TIE_BREAK: Final = 0.02  # among names with equal evidence, prefer those of the query's length
FUZZY_EVIDENCE_SHARE: Final = CONFIG.fuzzy_evidence_share
"""What a word counts for in the ranking of a name that holds only a look-alike of it (a typo, a
sound-alike), against a name holding it as written. Without it a misspelt word no list knows (`Razk`) found
a dozen look-alikes that outranked the names holding the other word as written (`MUSAVI`), and a word as
common as Salma tied hundreds of Salims and Usamas with the Salmas."""
# candidates with less than this share of the best index evidence are not scored
MIN_SHARE_OF_BEST: Final = 0.65
REACH_MARGIN: Final = 1e-4
"""How far below the cut a name must stay, at most, for `candidates` to stop looking for more names."""
_CACHED_TOKENS: Final = 100_000
"""Words each per-token cache keeps at most (memory stays bounded; later words are worked out each time)."""
SMALL_HITS: Final = 300  # up to this many postings, ranking in plain Python beats numpy's per-call overhead
INITIAL_BOOST: Final = (
    CONFIG.initial_boost
)  # index evidence of a presented initial for a name with a word of that letter


def token_keys(token: str) -> set[str]:
    """All keys a token is filed under; the same function serves listed and presented tokens."""
    keys = {"t" + token}
    variant = VARIANT_KEY.get(token)
    if variant is not None:
        keys.add("v" + variant)
    if len(token) >= 3:
        keys.add("s" + sound_key(token))
        if "x" in token:  # `xiros` is filed under `ksiros` too (Xiros/Ksiros, Alexei/Aleksei)
            keys.add("s" + sound_key(token.replace("x", "ks")))
        if "gh" in token and len(token) >= GH_FOR_Q_MIN:  # `shargh` under `sharq` too (Persian gh for q)
            keys.add("s" + sound_key(token.replace("gh", "q")))
        german = german_reading(token)  # `prigoschin` under `prigoshin`, and `prigozhin` there too
        if german or "zh" in token:
            keys.add("s" + sound_key(german or anglo_reading(token)))
        skel = skeleton(token)
        if len(skel) >= 3:
            keys.add("k" + skel)
    if 3 <= len(token) < MIN_DELETE_LENGTH:  # two letters swapped in a short word (`ikm` for kim)
        keys.add("a" + "".join(sorted(token)))
    if len(token) >= MIN_DELETE_LENGTH:
        keys.add("d" + token)
        keys.update("d" + token[:i] + token[i + 1 :] for i in range(len(token)))
    if len(token) >= 5 and token[:2] in ("al", "el"):
        keys.add("t" + token[2:])
    bare = unglued(token)
    if bare != token:  # delarosa, abualkhayr: filed under rosa, abukhayr too
        keys.add("t" + bare)
    return keys


def same_name_keys(token: str) -> set[str]:
    """The keys of the same name otherwise written: as written, its spellings (Mohammed/Muhammad), the
    formal names of a nickname or written short form (Pepe, Ma.) and the reverse. Not typo, sound or
    consonant keys: names found only through those hold a look-alike."""
    keys = {"t" + token}
    variant = VARIANT_KEY.get(token)
    if variant is not None:
        keys.add("v" + variant)
    for formal in NICKNAME_CANONICAL.get(token, ()):
        keys.update(("t" + formal, "v" + formal))
    keys.update("t" + nick for nick in _NICKNAMES_OF.get(VARIANT_KEY.get(token, token), ()))
    for full in _SHORT_FORMS.get(token, ()):
        keys.update(("t" + full, "v" + VARIANT_KEY.get(full, full)))
    return keys


def query_token_keys(token: str) -> set[str]:
    """A presented token also looks up the formal names its nickname stands for, and the reverse."""
    keys = token_keys(token) | same_name_keys(token)  # fco -> francisco, pepe -> jose, and the reverse
    if len(token) == MIN_DELETE_LENGTH - 1:  # `gaza` for garza, `vila` for villa: a letter dropped from a
        keys.add("d" + token)  # five-letter word, found through that word's one-letter deletions
    if "rn" in token:  # `rn` read for `m` (`Mornir` is Momir)
        keys.add("t" + token.replace("rn", "m"))
    keys.update("t" + rest for rest in particle_splits(token))  # `deleon`: de Leon as well as del-eon
    keys.update("s" + key for key in other_start_keys(token))  # `jurij`: Yuriy, `ghasem`: Qasem
    return keys


_SHORT_FORMS: Final = short_forms()


_NICKNAMES_OF: dict[str, tuple[str, ...]] = {}
for _nick, _formals in NICKNAME_CANONICAL.items():
    for _formal in _formals:
        _NICKNAMES_OF[_formal] = (*_NICKNAMES_OF.get(_formal, ()), _nick)


def sorted_union(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """`np.unique(np.concatenate(arrays))` for integer arrays, by sorting: numpy 2's hash-based unique is
    about fifteen times slower on the few thousand postings a query or a key gathers."""
    merged = np.concatenate(arrays)
    if len(merged) == 0:
        return merged
    merged.sort()
    keep = np.empty(len(merged), dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def _beyond_reach(reach: float, best: float) -> bool:
    """Whether a name the words so far did not find can no longer make the cut (`MIN_SHARE_OF_BEST` of the
    best), even holding every word still to come: those words then only re-rank the names found. The ranking
    is the same as adding every word up (MaxScore pruning); `REACH_MARGIN` keeps float rounding out of it."""
    return reach < MIN_SHARE_OF_BEST * best - REACH_MARGIN


class NameIndex:
    """Inverted index over the listed names; also the source of token rarity weights."""

    def __init__(self, names: Sequence[NameTokens]) -> None:
        names_of_token: dict[str, list[int]] = defaultdict(list)
        for name_no, name in enumerate(names):
            for token in set(name.tokens):
                names_of_token[token].append(name_no)
        key_tokens: dict[str, list[str]] = defaultdict(list)
        for token in names_of_token:
            for key in token_keys(token):
                key_tokens[key].append(token)
            if len(token) >= STRIPPED_MIN_LENGTH:  # looked up only for names written without vowels
                key_tokens["c" + consonant_run(token)].append(token)
        # A key's posting list is the union of its tokens' names; it is only worked out when a query needs
        # it (`_posting`, `_hits`), since most of the ~200,000 keys are never looked up.
        # Name numbers as numpy's index type: an index array of any other type is cast on every use.
        self._token_names = {t: np.asarray(v, dtype=np.intp) for t, v in names_of_token.items()}
        self._key_tokens = dict(key_tokens)
        self.size = max(len(names), 1)
        self._log_n = math.log(self.size + 1)
        self.weight: dict[str, float] = {
            token: self._rarity(len(names_no)) for token, names_no in names_of_token.items()
        }
        self.default_weight = 1.0
        self.name_lengths = np.asarray([len(n.tokens) for n in names], dtype=np.float32)
        # Listed words by first letter, shortest first (in index order within a length): the words within
        # two letters of a length are one slice (`_near_tokens`).
        self._vocabulary: dict[str, list[str]] = defaultdict(list)
        for token in names_of_token:
            self._vocabulary[token[0]].append(token)
        for words in self._vocabulary.values():
            words.sort(key=len)  # stable
        # All listed words in alphabetical order: the words a start begins are one slice (`_cut_hits`).
        self._alphabetical = sorted(names_of_token)
        self._near_cache: dict[str, tuple[str, ...]] = {}
        self._key_cache: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._reach_cache: dict[str, frozenset[str]] = {}
        self._query_keys_cache: dict[str, frozenset[str]] = {}
        self._list_cache: dict[str, list[int]] = {}
        self._stripped_cache: dict[str, tuple[frozenset[str], np.ndarray]] = {}
        self._cut_cache: dict[str, np.ndarray] = {}
        self._set_cache: dict[str, frozenset[int]] = {}
        self._lengths = [len(n.tokens) for n in names]
        # One int object per name number, shared by every cached posting list (`_as_list`): a list of 500
        # names costs 4 KB, not the 18 KB of 500 fresh ints.
        self._numbers = list(range(len(names)))
        self._local = threading.local()
        # Names by the letters their words may be written as initials by (`M. Andrei` is MELNIKOV, Andrei).
        by_letter: dict[str, list[int]] = defaultdict(list)
        for name_no, name in enumerate(names):
            letters = {t[0] for t in name.tokens}
            letters.update(letter for _, letter in name.alt_initials)
            for letter in letters:
                by_letter[letter].append(name_no)
        self._initial_names = {k: np.asarray(v, dtype=np.intp) for k, v in by_letter.items()}
        self._initial_sets: dict[str, frozenset[int]] = {}

    def warm(self) -> None:
        """Work out now what a query needs of each listed word: its look-alikes (`reachable`), the names they
        stand for and those names as a list, for the most common words, up to half of what the caches keep.

        Most presented words are listed words, and this is most of a new word's cost. Done once at build, a
        server's or a batch's forked workers start with it (copy-on-write) instead of each paying it again
        for every word the first time it is presented (a fifth of a cold batch's time, ~0.3 s here).
        The names by initial letter (`_initial_set`, a few MB for all letters) are made here for the same
        reason: each cost a worker a millisecond the first time a presented initial needed it.
        """
        common_first = sorted(self.weight, key=self.weight.__getitem__)  # half the room: presented words too
        for token in common_first[: _CACHED_TOKENS // 2]:
            hits, _exact = self._hits(token)
            self._as_list(token, hits)
            self.reachable(token)  # `_hits` asks only for a rare word's; every presented word needs its own
        for letter in self._initial_names:
            self._initial_set(letter)

    def reachable(self, token: str) -> frozenset[str]:
        """Listed tokens that share a key with `token`: the only ones it can be alike to, bar initials,
        truncations and misspellings of words no list knows, which the scorer checks itself."""
        cached = self._reach_cache.get(token)
        if cached is None:
            found: set[str] = set()
            # A word written with its vowels is not another word of the same consonants and a different
            # length (`esquerra` is not Oscar): the scorer would not align them, and the names of such a
            # common word would crowd the right one out of the candidates.
            vowelled = vowel_count(token) >= 2
            for key in self._query_keys(token):
                listed = self._key_tokens.get(key, ())
                if vowelled and key[0] == "k":
                    found.update(t for t in listed if abs(len(t) - len(token)) <= SKELETON_LENGTH_SLACK)
                else:
                    found.update(listed)
            if len(token) >= FALLBACK_MIN_LENGTH and "t" + token not in self._key_tokens:
                found.update(self._near_tokens(token))
            cached = frozenset(found)
            if len(self._reach_cache) < _CACHED_TOKENS:
                self._reach_cache[token] = cached
        return cached

    def stripped_reach(self, token: str) -> frozenset[str]:
        """`reachable`, plus the listed words with the same consonants (`vlnca`: valencia), for a word
        written without its vowels (`stripped_words`)."""
        return self._stripped(token)[0]

    def _stripped(self, token: str) -> tuple[frozenset[str], np.ndarray]:
        """The look-alikes of a word of a name written without vowels, and the names they stand for."""
        cached = self._stripped_cache.get(token)
        if cached is None:
            same_consonants = self._key_tokens.get("c" + consonant_run(token), ())
            reach = self.reachable(token).union(same_consonants)
            hits = self._hits(token)[0]
            if same_consonants:
                hits = sorted_union([hits, *(self._token_names[t] for t in same_consonants)])
            cached = (reach, hits)
            if len(self._stripped_cache) < _CACHED_TOKENS:
                self._stripped_cache[token] = cached
        return cached

    def _query_keys(self, token: str) -> frozenset[str]:
        """`query_token_keys(token)`, worked out once per token for `reachable` and `_hits` both."""
        cached = self._query_keys_cache.get(token)
        if cached is None:
            cached = frozenset(query_token_keys(token))
            if len(self._query_keys_cache) < _CACHED_TOKENS:
                self._query_keys_cache[token] = cached
        return cached

    def _posting(self, key: str) -> np.ndarray | None:
        """Names filed under `key` (sorted), None for a key no listed token has."""
        tokens = self._key_tokens.get(key)
        if tokens is None:
            return None
        if len(tokens) == 1:
            return self._token_names[tokens[0]]
        return sorted_union([self._token_names[t] for t in tokens])

    def _hits(self, token: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Names the token may stand for, and those holding it or the same name otherwise (None: none do)."""
        cached = self._key_cache.get(token)
        if cached is not None:
            return cached
        exact = self._posting("t" + token)
        listed: set[str] | frozenset[str]
        if exact is not None and len(exact) > RARE_EXACT and len(token) >= 3:
            # A token many names share as written is a real name: sound-alike and nickname keys suffice.
            keys = [k for k in self._query_keys(token) if k[0] in "tsva"]
            # The union of the keys' postings is the union of the names of all their tokens.
            listed = {t for k in keys for t in self._key_tokens.get(k, ())}
        else:
            # All its keys (and near spellings of a long unknown token): the tokens `reachable` finds.
            listed = self.reachable(token)
        if not listed:
            hits = np.empty(0, dtype=np.intp)
        elif len(listed) == 1:
            hits = self._token_names[next(iter(listed))]
        else:
            hits = sorted_union([self._token_names[t] for t in listed])
        # Names holding the token as written or the same name otherwise written: the ranking counts these in
        # full, every other look-alike at `FUZZY_EVIDENCE_SHARE`.
        same_postings = [found for key in same_name_keys(token) if (found := self._posting(key)) is not None]
        same = (
            None
            if not same_postings
            else same_postings[0]
            if len(same_postings) == 1
            else sorted_union(same_postings)
        )
        result = (hits, same)
        if len(self._key_cache) < _CACHED_TOKENS:
            self._key_cache[token] = result
        return result

    def candidates(
        self, tokens: Sequence[str], limit: int, stripped: frozenset[str] = frozenset(), cut: str = ""
    ) -> list[int]:
        """The `limit` names sharing the most rare evidence with the presented tokens, best first; words in
        `stripped`, written without vowels, also find the listed words with their consonants; `cut`, the last
        word of a name cut at a field width, also finds the listed words it starts."""
        common_cutoff = max(200, self.size // 10)
        unique = dict.fromkeys(tokens)
        # An initial is no evidence of its own; it re-ranks the names the words found (`M. Andrei`).
        letters = [t for t in unique if len(t) == 1 and t.isalpha()]
        if letters and len(letters) < len(unique):
            unique = dict.fromkeys(t for t in unique if t not in letters)
        else:
            letters = []
        # Per word: the word, the names it may stand for, the key its cached lists of them are filed under
        # (a word written without vowels, or cut, stands for more names than the same word as a whole), and
        # the names holding it or the same name otherwise written (`hits` itself when all do; None when none
        # does, or for a word written without vowels: its every hit is a look-alike).
        found: list[tuple[str, np.ndarray, str, np.ndarray | None]] = []
        for token in unique:
            hits, exact = self._hits(token)
            key = token
            if token in stripped:
                hits = self._stripped(token)[1]
                key = "~" + token
                exact = None
            if token == cut and len(token) >= CUT_MIN_LETTERS:
                hits = self._cut_hits(token, hits)
                key = "^" + key
            if exact is not None and len(exact) == len(hits):
                exact = hits
            if len(hits):
                found.append((token, hits, key, exact))
        if not found:
            return []
        if letters:
            weights = [self._ranking_weight(token, hits) for token, hits, _, _ in found]
            return self._candidates_small(found, limit, weights, [False] * len(found), letters=letters)
        # Rare tokens first, so that a very common one can be limited to re-ranking what they found.
        found.sort(key=lambda f: len(f[1]))
        rare_exists = len(found[0][1]) <= common_cutoff
        reranks = [rare_exists and len(hits) > common_cutoff for _, hits, _, _ in found]
        weights = [self._ranking_weight(token, hits) for token, hits, _, _ in found]
        postings = 0
        for k, (_token, hits, _key, _exact) in enumerate(found):
            if not reranks[k]:
                postings += len(hits)
        if postings <= SMALL_HITS:
            # reach[k]: the most evidence a name no word before the k-th found can still gather: found by the
            # next word that adds names, it may hold that word and every one after it.
            reach = [0.0] * len(found)
            after = found_by_next = 0.0
            for k in range(len(found) - 1, -1, -1):
                after += weights[k]
                if not reranks[k]:
                    found_by_next = after
                reach[k] = found_by_next
            return self._candidates_small(found, limit, weights, reranks, reach=reach)
        # Many names hit: numpy. (No early stop here: this path picks among names of equal evidence as
        # `argpartition` leaves them, and stopping early would change which it keeps.)
        scores = self._buffer()
        touched_parts = []
        for k, (_token, hits, _key, exact) in enumerate(found):
            token_weight = weights[k]
            fuzzy = token_weight if exact is hits else token_weight * FUZZY_EVIDENCE_SHARE
            exact_only = None if exact is None or exact is hits else exact  # names owed the difference
            if reranks[k]:
                seen = hits[scores[hits] > 0]
                if exact_only is not None:
                    exact_only = exact_only[scores[exact_only] > 0]
                scores[seen] += fuzzy
            else:
                scores[hits] += fuzzy
                touched_parts.append(hits)
            if exact_only is not None:
                scores[exact_only] += token_weight - fuzzy  # every one is among `hits`
        touched = touched_parts[0] if len(touched_parts) == 1 else sorted_union(touched_parts)
        values = scores[touched] - LENGTH_TIE_BREAK * np.abs(self.name_lengths[touched] - len(found))
        scores[touched] = 0.0  # leave the buffer clean for the next query
        if len(touched) > limit:
            best = np.argpartition(-values, limit)[:limit]
            touched, values = touched[best], values[best]
        order = np.argsort(-values, kind="stable")
        values = values[order]
        cutoff = float(values[0]) * MIN_SHARE_OF_BEST
        ranked: list[int] = touched[order[values >= cutoff]].tolist()
        return ranked

    def _rarity(self, names: int) -> float:
        """Weight in [0.25, 1]: 1 for a token on one name, lower the more names share it."""
        return 0.25 + 0.75 * (math.log((self.size + 1) / max(names, 1)) / self._log_n)

    def _ranking_weight(self, token: str, hits: np.ndarray) -> float:
        """What a presented word counts for in the ranking: a listed word its rarity; a word no list knows
        what a listed word on as many names as its look-alikes does. Counted as the rarest of words, a
        misspelling (`Razk`) let its dozens of look-alikes outrank the names holding the other presented
        word as written (MUSAVI)."""
        weight = self.weight.get(token)
        return self._rarity(len(hits)) if weight is None else weight

    def _candidates_small(
        self,
        found: list[tuple[str, np.ndarray, str, np.ndarray | None]],
        limit: int,
        weights: list[float],
        reranks: list[bool],
        *,
        reach: list[float] | None = None,
        letters: Sequence[str] = (),
    ) -> list[int]:
        """The same ranking in plain Python, faster than numpy when few names are hit.

        Evidence is added up in a per-thread list of zeros indexed by name number (cheaper than a dict:
        no hashing, no resizing); the names touched are remembered in order and their slots zeroed again.
        With initials, every name the words found counts, each initial adding a little to names with its
        letter; otherwise a very common word, or any word once no other name can reach the cut (`reach`),
        only re-ranks names the rarer words found.
        """
        scores = self._score_list()
        touched: list[int] = []
        size = len(found) + len(letters)
        settled = False
        evidence = 0.0  # the most any name can hold so far
        try:
            for k, (_token, hits, key, exact) in enumerate(found):
                token_weight = weights[k]
                fuzzy = token_weight if exact is hits else token_weight * FUZZY_EVIDENCE_SHARE
                if reach is not None and not settled and touched and reach[k] < MIN_SHARE_OF_BEST * evidence:
                    settled = _beyond_reach(reach[k], self._best_value(scores, touched, size))
                evidence += token_weight
                if settled or reranks[k]:
                    members = self._member_set(key, hits)
                    exact_members = (
                        members
                        if exact is hits
                        else frozenset()
                        if exact is None
                        else self._member_set("=" + key, exact)
                    )
                    extra = token_weight - fuzzy
                    for name_no in touched:
                        if name_no in members:
                            scores[name_no] += fuzzy
                            if name_no in exact_members:
                                scores[name_no] += extra
                    continue
                for name_no in self._as_list(key, hits):
                    value = scores[name_no]
                    if value == 0.0:  # every weight is positive: 0.0 is a name no word has hit yet
                        touched.append(name_no)
                    scores[name_no] = value + fuzzy
                if exact is not None and exact is not hits:
                    extra = token_weight - fuzzy
                    for name_no in self._as_list("=" + key, exact):  # every one is among `hits`
                        scores[name_no] += extra
            for letter in letters:
                members = self._initial_set(letter)
                for name_no in touched:
                    if name_no in members:
                        scores[name_no] += INITIAL_BOOST
            return self._ranked(scores, touched, limit, size)
        finally:
            for name_no in touched:
                scores[name_no] = 0.0

    def _best_value(self, scores: list[float], touched: list[int], size: int) -> float:
        """The best ranking value among the names found so far (evidence less the length tie-break)."""
        lengths = self._lengths
        best = 0.0
        for name_no in touched:
            best = max(best, scores[name_no] - LENGTH_TIE_BREAK * abs(lengths[name_no] - size))
        return best

    def _ranked(self, scores: list[float], touched: list[int], limit: int, size: int) -> list[int]:
        lengths = self._lengths
        # Most hit names share only a common token. The best ranked value is at least that of the first
        # name with the most evidence, and a name's value never exceeds its evidence, so names below the
        # share of that can be dropped before ranking: the result is the same, at a third of the work.
        most = 0.0
        first_best = touched[0]
        for name_no in touched:
            value = scores[name_no]
            if value > most:
                most = value
                first_best = name_no
        floor = (most - LENGTH_TIE_BREAK * abs(lengths[first_best] - size)) * MIN_SHARE_OF_BEST
        kept: list[int] = []
        for name_no in touched:
            if scores[name_no] >= floor:
                kept.append(name_no)
        # Best value first, ties by name number: the names sorted by number, then their values by a stable
        # sort (ints and floats sort several times faster than (value, name) tuples).
        kept.sort()
        values = [scores[name_no] - LENGTH_TIE_BREAK * abs(lengths[name_no] - size) for name_no in kept]
        order = sorted(range(len(kept)), key=values.__getitem__, reverse=True)
        cutoff = values[order[0]] * MIN_SHARE_OF_BEST
        return [kept[k] for k in order[:limit] if values[k] >= cutoff]

    def _score_list(self) -> list[float]:
        """A list of zeros per thread, one per name, reused across queries (`_candidates_small`)."""
        scores: list[float] | None = getattr(self._local, "score_list", None)
        if scores is None:
            scores = self._local.score_list = [0.0] * self.size
        return scores

    def _initial_set(self, letter: str) -> frozenset[int]:
        cached = self._initial_sets.get(letter)
        if cached is None:
            names = self._initial_names.get(letter)
            cached = self._initial_sets[letter] = frozenset(() if names is None else names.tolist())
        return cached

    def _as_list(self, key: str, hits: np.ndarray) -> list[int]:
        """`hits` as a list, cached under the word's key (`candidates`)."""
        cached = self._list_cache.get(key)
        if cached is None:
            cached = list(map(self._numbers.__getitem__, hits.tolist()))
            if len(self._list_cache) < _CACHED_TOKENS:
                self._list_cache[key] = cached
        return cached

    def _cut_hits(self, token: str, hits: np.ndarray) -> np.ndarray:
        """`hits`, and the names of the listed words `token` is the start of (`muha` of a name cut at 20
        characters: Muhammad, Muhanad): the rest of the word was cut off, so no key of it can find them."""
        cached = self._cut_cache.get(token)
        if cached is None:
            words = self._alphabetical
            start = bisect.bisect_left(words, token)
            end = bisect.bisect_left(words, token + _AFTER_EVERY_LETTER, start)
            longer = [self._token_names[w] for w in words[start:end] if len(w) > len(token)]
            # A start many listed words share says little of which: its names would only crowd the ranking.
            cached = sorted_union([hits, *longer]) if 0 < len(longer) <= CUT_MAX_WORDS else hits
            if len(self._cut_cache) < _CACHED_TOKENS:
                self._cut_cache[token] = cached
        return cached

    def _member_set(self, key: str, hits: np.ndarray) -> frozenset[int]:
        cached = self._set_cache.get(key)
        if cached is None:
            cached = frozenset(hits.tolist())
            if len(self._set_cache) < 10_000:
                self._set_cache[key] = cached
        return cached

    def _near_tokens(self, token: str) -> tuple[str, ...]:
        """Listed tokens within two edits of a long token, same first letter (typos deletion keys miss)."""
        cached = self._near_cache.get(token)
        if cached is not None:
            return cached
        near: list[str] = []
        words = self._vocabulary.get(token[0])
        if words is not None:
            lo = bisect.bisect_left(words, len(token) - 2, key=len)
            hi = bisect.bisect_left(words, len(token) + 3, lo, key=len)
            # One search over the words two letters shorter to two longer; then, length by length, the 5
            # nearest of each (hits come nearest first, in word order within a distance).
            by_length: dict[int, list[str]] = defaultdict(list)
            for hit, _score, _ in process.extract(
                token, words[lo:hi], scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                kept = by_length[len(hit)]
                if len(kept) < NEAR_PER_LENGTH:
                    kept.append(hit)
            for length in sorted(by_length):
                near.extend(by_length[length])
        result = tuple(near)
        if len(self._near_cache) < _CACHED_TOKENS:
            self._near_cache[token] = result
        return result

    def _buffer(self) -> np.ndarray:
        """A zeroed score array per thread, reused across queries (allocating one per query costs more)."""
        buffer: np.ndarray | None = getattr(self._local, "scores", None)
        if buffer is None:
            buffer = self._local.scores = np.zeros(self.size, dtype=np.float32)
        return buffer
