"""Screening in reverse: an index over the members' parties, queried with listed entities.

When a list changes, only its added and changed entities are new; re-screening a million members forward to
find the few who match them wastes almost all the work. `MemberIndex` files every party's name tokens under
the keys the forward index looks names up by (`matching.index.query_token_keys`), so a listed entity finds
the parties the forward matcher could find it for. A cheap upper bound on the name score then drops the
parties that cannot reach the alert threshold (sharing one common surname is not enough), and each party
left is scored by the forward matcher itself (`Matcher.score_entity`): a reverse hit carries the very score
and reasons forward screening gives.

The bound: a listed token a party cannot pair adds its unmatched penalty to what is lost, a token it may pair
adds at most its full weight to what is gained, and the evidence beyond the name (an identical document, an
exact birth date, country and gender) can lift the name score only so far. Tokens the scorer may pair
without a shared key (initials, words no list knows, a name cut at a field width) are counted as pairable
by their first letter, or the party is always scored.
"""

from __future__ import annotations

import bisect
import itertools
import multiprocessing
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from cruce.core.model import Entity, Schema
from cruce.matching.compare import (
    FIELD_WIDTHS,
    LEFTOVER_MIN_SIMILARITY,
    MIN_TOKEN_SIMILARITY,
    ListedForm,
    presented_similarity,
)
from cruce.matching.features import normalize_identifier
from cruce.matching.index import FALLBACK_MIN_LENGTH, query_token_keys, sorted_union, token_keys
from cruce.matching.lexicon import short_forms
from cruce.matching.matcher import Matcher, gc_paused
from cruce.matching.names import (
    MIN_SPLIT_PART,
    TITLE_WEIGHT,
    NameTokens,
    is_title,
    listed_name_tokens,
    query_name_tokens,
)
from cruce.matching.phonetic import sound_key
from cruce.matching.scorer import CONFIG
from cruce.matching.text import ascii_fold
from cruce.matching.types import Match, Query
from cruce.programs.model import MemberParties, Party

_SHORT_FORMS = short_forms()
_FULL_FORMS: dict[str, tuple[str, ...]] = {}
for _short, _fulls in _SHORT_FORMS.items():
    for _full in _fulls:
        _FULL_FORMS[_full] = (*_FULL_FORMS.get(_full, ()), _short)

_EMPTY = np.empty(0, dtype=np.int32)
_ARTICLES = ("al", "el", "ul")


def _max_lift(*boosts: float) -> float:
    """The share of the distance to 1 that remains after every boost in `boosts` applied."""
    remaining = 1.0
    for boost in boosts:
        remaining *= 1.0 - boost
    return remaining


# Beyond the name, the evidence that can lift a score: always country and gender; an exact birth date and an
# identical document only where the party has them.
_LIFT_PLAIN = _max_lift(CONFIG.country_agrees_boost, CONFIG.gender_agrees_boost)
_LIFT_BIRTH = _LIFT_PLAIN * (1.0 - CONFIG.birth_date_exact_boost)
_SLACK = 1e-6


def needed_name_score(threshold: float, lift: float) -> float:
    """The least name score that evidence lifting by at most `lift` can bring to `threshold`."""
    return max(0.0, 1.0 - (1.0 - threshold) / lift) - _SLACK


@dataclass(frozen=True, slots=True)
class ReverseHit:
    """A member's party that the forward matcher alerts on for a listed entity."""

    member_no: int
    party: Party
    match: Match


@dataclass(frozen=True, slots=True)
class IndexStats:
    members: int
    parties: int
    tokens: int
    keys: int
    memory_bytes: int


class MemberIndex:
    """The parties of active memberships, indexed by the keys forward screening looks names up by."""

    def __init__(self, members: Iterable[MemberParties]) -> None:
        self.members: list[MemberParties] = []
        self.parties: list[Party] = []
        party_member: list[int] = []
        birth: list[int] = []
        cut: list[bool] = []
        by_token: dict[str, list[int]] = defaultdict(list)
        csr_tokens: list[int] = []
        csr_start: list[int] = []
        vocabulary: dict[str, int] = {}
        documents: dict[str, list[int]] = defaultdict(list)
        folded: dict[str, str] = {}
        cut_last: dict[str, list[int]] = defaultdict(list)
        with gc_paused():
            for member in members:
                member_no = len(self.members)
                self.members.append(member)
                for party in member.parties:
                    party_no = len(self.parties)
                    self.parties.append(party)
                    party_member.append(member_no)
                    query = party.query
                    name = self._tokens_of(query, folded)
                    csr_start.append(len(csr_tokens))
                    for token in dict.fromkeys(name.tokens):
                        by_token[token].append(party_no)
                        token_no = vocabulary.setdefault(token, len(vocabulary))
                        csr_tokens.append(token_no)
                    length = len(query.name.strip())
                    is_cut = length in FIELD_WIDTHS or (length + 1 in FIELD_WIDTHS and "," in query.name)
                    cut.append(is_cut)
                    if is_cut and name.tokens:
                        cut_last[name.tokens[-1]].append(party_no)
                    date = query.birth_date
                    full = date is not None and date.month is not None and date.day is not None
                    birth.append(date.year * 10_000 + date.month * 100 + date.day if full else 0)  # type: ignore[union-attr,operator]
                    for ident in query.identifiers:
                        value = normalize_identifier(ident.value)
                        if value:
                            documents[value].append(party_no)
            self._vocabulary = vocabulary
            self._tokens = list(vocabulary)
            self._postings = [np.asarray(by_token[t], dtype=np.int32) for t in self._tokens]
            del by_token
            key_tokens: dict[str, list[int]] = defaultdict(list)
            for token, token_no in vocabulary.items():
                for key in member_token_keys(token):
                    key_tokens[key].append(token_no)
            self._key_tokens = {k: np.asarray(v, dtype=np.int32) for k, v in key_tokens.items()}
            del key_tokens
            by_shape: dict[tuple[int, str], list[str]] = defaultdict(list)
            for token in vocabulary:
                if len(token) >= FALLBACK_MIN_LENGTH:
                    by_shape[len(token), token[0]].append(token)
            self._long_tokens = dict(by_shape)
            self._documents = {k: np.asarray(v, dtype=np.int32) for k, v in documents.items()}
            self._cut_last = {k: np.asarray(v, dtype=np.int32) for k, v in cut_last.items()}
        self.party_member = np.asarray(party_member, dtype=np.int32)
        self.birth = np.asarray(birth, dtype=np.int32)
        self.cut = np.asarray(cut, dtype=bool)
        self._csr_tokens = np.asarray(csr_tokens, dtype=np.int32)
        self._csr_start = np.asarray(csr_start, dtype=np.int64)
        self._posting_cache: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.members)

    @staticmethod
    def _tokens_of(query: Query, folded: dict[str, str]) -> NameTokens:
        """`query_name_tokens`, with each word folded once for the whole index: folding is most of the work
        and a million names share a few thousand words. Only for people's names without a comma, whose
        folding goes word by word (a test checks the two agree)."""
        if query.schema is not Schema.PERSON or "," in query.name:
            return query_name_tokens(query.name, query.schema)
        words = []
        for word in query.name.split():
            done = folded.get(word)
            if done is None:
                done = folded[word] = ascii_fold(word)
            words.append(done)
        return query_name_tokens(" ".join(words), Schema.PERSON)

    def stats(self) -> IndexStats:
        arrays = (self.party_member, self.birth, self.cut, self._csr_tokens, self._csr_start)
        postings = sum(a.nbytes for a in self._postings) + sum(a.nbytes for a in self._key_tokens.values())
        documents = sum(a.nbytes for a in self._documents.values())
        # Python objects for the vocabulary and keys: about 60 bytes per entry of a dict of short strings.
        objects = 60 * (len(self._vocabulary) + len(self._key_tokens) + len(self._documents))
        return IndexStats(
            members=len(self.members),
            parties=len(self.parties),
            tokens=len(self._vocabulary),
            keys=len(self._key_tokens),
            memory_bytes=sum(a.nbytes for a in arrays) + postings + documents + objects,
        )

    def bind(self, matcher: Matcher) -> BoundIndex:
        """The index read against one forward matcher (its token weights and known words)."""
        return BoundIndex(self, matcher)

    # -- lookups ---------------------------------------------------------------------------------------

    def _token_parties(self, token_nos: Iterable[int]) -> np.ndarray:
        arrays = [self._postings[t] for t in token_nos]
        if not arrays:
            return _EMPTY
        if len(arrays) == 1:
            return arrays[0]
        return sorted_union(arrays)

    def listed_token_parties(self, token: str) -> np.ndarray:
        """Parties with a token the forward matcher may pair with listed `token` by an index key."""
        cached = self._posting_cache.get(token)
        if cached is not None:
            return cached
        token_nos: set[int] = set()
        for key in listed_lookup_keys(token):
            found = self._key_tokens.get(key)
            if found is not None:
                token_nos.update(found.tolist())
        # A long presented word no list knows reaches listed words two edits away (`NameIndex._near_tokens`).
        if len(token) >= FALLBACK_MIN_LENGTH - 2:
            for length in range(max(len(token) - 2, FALLBACK_MIN_LENGTH), len(token) + 3):
                choices = self._long_tokens.get((length, token[0]))
                if choices:
                    for hit, _score, _ in process.extract(
                        token, choices, scorer=OSA.distance, score_cutoff=2, limit=None
                    ):
                        token_nos.add(self._vocabulary[hit])
        parties = self._token_parties(token_nos)
        # Two presented words joined make the listed one (`abdul rahman` for ABDULRAHMAN).
        split = self._split_parties(token)
        if len(split):
            parties = sorted_union([parties, split])
        if len(self._posting_cache) < 200_000:
            self._posting_cache[token] = parties
        return parties

    def _split_parties(self, token: str) -> np.ndarray:
        found: list[np.ndarray] = []
        for cut in range(MIN_SPLIT_PART, len(token) - MIN_SPLIT_PART + 1):
            head, tail = self._vocabulary.get(token[:cut]), self._vocabulary.get(token[cut:])
            if head is not None and tail is not None:
                both = np.intersect1d(self._postings[head], self._postings[tail], assume_unique=True)
                if len(both):
                    found.append(both)
        if not found:
            return _EMPTY
        return found[0] if len(found) == 1 else sorted_union(found)

    def document_parties(self, entity: Entity) -> np.ndarray:
        found = [
            self._documents[v]
            for v in (normalize_identifier(i.value) for i in entity.identifiers)
            if v in self._documents
        ]
        if not found:
            return _EMPTY
        return found[0] if len(found) == 1 else sorted_union(found)


def member_token_keys(token: str) -> set[str]:
    """Keys a party's token is filed under: what it looks up when screened forward, plus `d` + a 4-letter word
    (`Ruiz` for a listed `RUIZZ` is one letter missing, which no forward key finds but the scorer pairs)."""
    keys = query_token_keys(token)
    keys.update(_extra_keys(token))
    return keys


def _extra_keys(token: str) -> set[str]:
    """Keys for pairs the scorer makes that forward keys do not link: one edit in a four-letter word and
    the vowels of a short word changed (`Jon` / `Jan`)."""
    keys = {"c" + "".join("*" if c in "aeiou" else c for c in token)} if len(token) >= 3 else set()
    if len(token) == 4:
        keys.add("d" + token)
        keys.update("d" + token[:i] + token[i + 1 :] for i in range(4))
    return keys


def listed_lookup_keys(token: str) -> set[str]:
    """Keys a listed token is found under, plus its written full forms (`MA.` for María)."""
    keys = token_keys(token)
    keys.update(_extra_keys(token))
    for full in _SHORT_FORMS.get(token, ()):
        keys.add("t" + full)
    for short in _FULL_FORMS.get(token, ()):
        keys.add("t" + short)
    return keys


def _may_pair(presented: str, listed: str) -> bool:
    """Whether the scorer may pair a presented word no list knows with a listed word (`compare`'s tests)."""
    if presented_similarity(presented, listed, False)[0] >= MIN_TOKEN_SIMILARITY:
        return True
    if len(presented) >= 2 and listed.startswith(presented):  # the last word of a name cut short
        return True
    return (
        len(presented) >= 4
        and len(listed) >= 4
        and presented[0] == listed[0]
        and Indel.normalized_similarity(presented, listed) >= LEFTOVER_MIN_SIMILARITY
    )


def _presented_weight(token: str, weight: dict[str, float]) -> float:
    """A presented word's weight as `compare.QueryForm` gives it: rarity on the lists, less for an initial
    or a title."""
    value = weight.get(token, 1.0)
    if len(token) == 1 and not token.isdigit():
        value = min(value, 0.5)
    return min(value, TITLE_WEIGHT) if is_title(token) else value


def _letter_bit(token: str) -> int:
    first = token[:1]
    return 1 << (ord(first) - 97) if "a" <= first <= "z" else 1 << 26


class BoundIndex:
    """A `MemberIndex` read with one forward matcher: finds the parties it alerts on for listed entities."""

    def __init__(self, index: MemberIndex, matcher: Matcher) -> None:
        self.index = index
        self.matcher = matcher
        weight, lexicon = matcher.index.weight, matcher.lexicon
        # Per party, the first letters of its words the scorer may pair beyond the index keys: initials.
        # Words neither the lists nor the lexicon know (misspellings, which the scorer compares loosely) are
        # paired with listed words by the scorer's own tests (`_unknown_parties`).
        loose_bits = np.zeros(len(index._tokens), dtype=np.int32)
        unknown: list[str] = []
        for token_no, token in enumerate(index._tokens):
            if len(token) == 1:
                loose_bits[token_no] = _letter_bit(token)
            elif token not in weight and token not in lexicon:
                unknown.append(token)
        self._unknown = unknown
        self._unknown_set = frozenset(unknown)
        self._unknown_sorted = sorted(unknown)
        self._unknown_by_length: dict[int, list[str]] = defaultdict(list)
        self._unknown_by_letter: dict[str, list[str]] = defaultdict(list)
        self._unknown_by_sound: dict[str, list[str]] = defaultdict(list)
        self._unknown_sounds: dict[str, list[str]] = defaultdict(list)  # sound keys of words of 6+ letters
        self._unknown_articles: dict[str, list[str]] = defaultdict(list)  # by the sound of what follows al-
        for u in unknown:
            self._unknown_by_length[len(u)].append(u)
            self._unknown_by_letter[u[0]].append(u)
            key = sound_key(u) if len(u) >= 3 else u
            self._unknown_by_sound[key].append(u)
            if len(u) >= 6:
                self._unknown_sounds[key].append(u)
            if len(u) >= 5 and u[:2] in _ARTICLES:
                self._unknown_articles[sound_key(u[2:])].append(u)
        self._unknown_sound_keys = list(self._unknown_sounds)
        self._unknown_cache: dict[str, np.ndarray] = {}
        # Per party: the heaviest weight a word of it has, the penalties of all its words left unpaired,
        # and the largest one (what the bound allows one pair to save).
        token_weight = np.asarray([_presented_weight(t, weight) for t in index._tokens], dtype=np.float64)
        is_initial = np.asarray([len(t) == 1 and t.isalpha() for t in index._tokens], dtype=bool)
        token_penalty = token_weight * np.where(
            is_initial, CONFIG.unmatched_query_initial_penalty, CONFIG.unmatched_query_penalty
        )
        parties = len(index.parties)
        self.max_weight = np.ones(parties, dtype=np.float64)
        self.penalty_sum = np.zeros(parties, dtype=np.float64)
        self.penalty_max = np.zeros(parties, dtype=np.float64)
        self.word_count = np.zeros(parties, dtype=np.int32)
        if parties and len(index._csr_tokens):
            starts = index._csr_start
            nonempty = np.append(starts[1:], len(index._csr_tokens)) > starts
            at = starts[nonempty]
            self.max_weight[nonempty] = np.maximum.reduceat(token_weight[index._csr_tokens], at)
            self.penalty_sum[nonempty] = np.add.reduceat(token_penalty[index._csr_tokens], at)
            self.penalty_max[nonempty] = np.maximum.reduceat(token_penalty[index._csr_tokens], at)
            self.word_count = np.diff(np.append(starts, len(index._csr_tokens))).astype(np.int32)
        if parties and len(index._csr_tokens):
            starts = index._csr_start
            nonempty = np.append(starts[1:], len(index._csr_tokens)) > starts
            loose = np.zeros(parties, dtype=np.int32)
            reduced = np.bitwise_or.reduceat(loose_bits[index._csr_tokens], starts[nonempty])
            loose[nonempty] = reduced
        else:
            loose = np.zeros(parties, dtype=np.int32)
        self.loose = loose
        self._loose_of = [np.flatnonzero(loose & (1 << bit)).astype(np.int32) for bit in range(27)]
        threshold = matcher.threshold
        self.need_plain = needed_name_score(threshold, _LIFT_PLAIN)
        self.need_birth = needed_name_score(threshold, _LIFT_BIRTH)
        self.need_document = CONFIG.min_reported_score - _SLACK
        self.pairs_scored = 0
        self._local = threading.local()

    def candidates(self, entity: Entity) -> np.ndarray:
        """Parties whose name score bound lets them reach the alert threshold for `entity` (sorted)."""
        index = self.index
        documents = index.document_parties(entity)
        births = np.asarray(
            sorted(
                {d.year * 10_000 + d.month * 100 + d.day for d in entity.birth_dates if d.month and d.day}
                if not any(d.approximate for d in entity.birth_dates)
                else set()
            ),
            dtype=np.int32,
        )
        kept: list[np.ndarray] = []
        weight, default = self.matcher.index.weight, self.matcher.index.default_weight
        seen: set[tuple[str, ...]] = set()
        for name in entity.names:
            tokens = listed_name_tokens(name, entity.schema)
            if not tokens.tokens or tokens.tokens in seen:
                continue
            seen.add(tokens.tokens)
            found = self._name_candidates(tokens, ListedForm(tokens, weight, default), documents, births)
            if len(found):
                kept.append(found)
        if not kept:
            return _EMPTY
        return kept[0] if len(kept) == 1 else sorted_union(kept)

    def _name_candidates(
        self, tokens: NameTokens, form: ListedForm, documents: np.ndarray, births: np.ndarray
    ) -> np.ndarray:
        index = self.index
        words = tokens.tokens
        postings = [self.token_parties(t) for t in words]
        letters = [_letter_bit(t) for t in words]
        for at, letter in tokens.alt_initials:
            letters[at] |= _letter_bit(letter)
        # Prefix filtering: the most common words, together, cannot lift a party to the least score it
        # needs; so every candidate shares one of the rarer words (or an initial or a cut word that may
        # stand for one), and only the rarer words' postings are gathered. The common ones are looked up.
        need = min(self.need_plain, self.need_birth) if len(births) else self.need_plain
        common = self._common_words(form, [len(p) for p in postings], need)
        rare = [j for j in range(len(words)) if j not in common]
        parts = [postings[j] for j in rare if len(postings[j])]
        rare_bits = 0
        for j in rare:
            rare_bits |= letters[j]
        parts.extend(
            self._loose_of[bit] for bit in range(27) if rare_bits >> bit & 1 and len(self._loose_of[bit])
        )
        if len(documents):
            parts.append(documents)
        if not parts:
            return _EMPTY
        touched = parts[0] if len(parts) == 1 else sorted_union(parts)
        gained = np.zeros(len(touched), dtype=np.float64)
        forgiven = np.zeros(len(touched), dtype=np.float64)
        paired = np.zeros(len(touched), dtype=np.int32)
        max_weight = self.max_weight[touched]
        loose = self.loose[touched]
        running = np.zeros(len(touched), dtype=np.float64)
        lost_cut = np.zeros(len(touched), dtype=np.float64)
        mark = self._mark_buffer()
        for j in range(len(words)):
            posting = postings[j]
            if j in common:  # a long posting: look the few touched parties up in it
                pos = np.searchsorted(posting, touched)
                found = posting[np.minimum(pos, len(posting) - 1)] == touched if len(posting) else pos < 0
                reached = found | ((loose & letters[j]) != 0)
            else:
                mark[posting] = True
                reached = mark[touched] | ((loose & letters[j]) != 0)
                mark[posting] = False
            w = form.weights[j]
            gained += reached * ((max_weight + w) / 2.0)
            paired += reached
            forgiven += reached * form.penalties_given_found[j]
            # A name cut at a field width never gave the listed words after the one its last word starts.
            lost_cut = np.where(reached, running, lost_cut)
            running += (~reached) * form.penalties_given_found[j]
        lost = np.maximum(float(sum(form.penalties_given_found)) - forgiven, 0.0)
        cut = index.cut[touched]
        lost[cut] = lost_cut[cut]
        # The party's own words left unpaired: at most one per reached listed word is paired.
        spared = np.minimum(paired, self.word_count[touched]) * self.penalty_max[touched]
        lost += np.maximum(self.penalty_sum[touched] - spared, 0.0)
        bound = np.divide(gained, gained + lost, out=np.zeros_like(gained), where=gained > 0)
        needed = np.full(len(touched), self.need_plain)
        if len(births):
            needed[np.isin(index.birth[touched], births)] = self.need_birth
        if len(documents):
            needed[np.isin(touched, documents, assume_unique=True)] = self.need_document
        return touched[bound >= needed]

    @staticmethod
    def _common_words(form: ListedForm, sizes: list[int], need: float) -> set[int]:
        """The largest set of the most common words that, all paired and nothing else, stays below `need`
        (counting the cut-name allowance and a perfect presented weight, so the test errs towards more)."""
        common: set[int] = set()
        penalties = form.penalties_given_found
        for j in sorted(range(len(sizes)), key=lambda k: -sizes[k]):
            trial = common | {j}
            gained = sum((1.0 + form.weights[k]) / 2.0 for k in trial)
            last = max(trial)
            lost = sum(penalties[k] for k in range(len(sizes)) if k not in trial and k < last)
            if gained / (gained + lost) >= need:
                break
            common = trial
        return common

    def token_parties(self, token: str) -> np.ndarray:
        """Parties with a word the scorer may pair with listed `token`: by index key, misspelt, or the last
        word of a name cut at a field width that `token` starts with."""
        parts = [self.index.listed_token_parties(token), self._unknown_parties(token)]
        cut_last = self.index._cut_last
        parts.extend(cut_last[token[:k]] for k in range(2, len(token)) if token[:k] in cut_last)
        parts = [p for p in parts if len(p)]
        if not parts:
            return _EMPTY
        return parts[0] if len(parts) == 1 else sorted_union(parts)

    def _unknown_parties(self, token: str) -> np.ndarray:
        cached = self._unknown_cache.get(token)
        if cached is not None:
            return cached
        index = self.index
        pairable: list[int] = []
        if self._unknown and len(token) > 1:
            near = self._near_unknown(token)
            pairable = [index._vocabulary[u] for u in near if _may_pair(u, token)]
        found = index._token_parties(pairable)
        if len(self._unknown_cache) < 200_000:
            self._unknown_cache[token] = found
        return found

    def _near_unknown(self, token: str) -> set[str]:
        """Misspelt member words the scorer might pair with listed `token`: a superset, each rule of
        `compare.token_similarity` and `presented_similarity` for an unknown word passing one test here.
        Two edits (any first letter), most letters shared (same first letter: vowels dropped, leftovers,
        misread letters), one word starting the other (truncation), sound keys one edit apart (six letters
        or more), and an article (`al`, `el`, `ul`) joined on either side."""
        near: set[str] = set()
        length = len(token)
        for size in range(max(length - 2, 1), length + 3):
            bucket = self._unknown_by_length.get(size)
            if bucket:
                near.update(
                    hit
                    for hit, _s, _ in process.extract(
                        token, bucket, scorer=OSA.distance, score_cutoff=2, limit=None
                    )
                )
        same_letter = self._unknown_by_letter.get(token[0])
        if same_letter:
            near.update(
                hit
                for hit, _s, _ in process.extract(
                    token, same_letter, scorer=Indel.normalized_similarity, score_cutoff=0.59, limit=None
                )
            )
        near.update(token[:k] for k in range(2, length) if token[:k] in self._unknown_set)
        start = bisect.bisect_left(self._unknown_sorted, token)
        for u in itertools.islice(self._unknown_sorted, start, None):
            if not u.startswith(token):
                break
            near.add(u)
        if length >= 6 and self._unknown_sounds:
            key = sound_key(token)
            near.update(
                u
                for hit, _s, _ in process.extract(
                    key, self._unknown_sound_keys, scorer=OSA.distance, score_cutoff=1, limit=None
                )
                for u in self._unknown_sounds[hit]
            )
        near.update(self._unknown_articles.get(sound_key(token), ()))
        if length >= 5 and token[:2] in _ARTICLES:
            bare = token[2:]
            near.update(self._unknown_by_sound.get(sound_key(bare), ()))
            if bare in self._unknown_set:
                near.add(bare)
        return near

    def _mark_buffer(self) -> np.ndarray:
        """A cleared flag per party, reused: allocating a million flags per listed token costs more."""
        buffer: np.ndarray | None = getattr(self._local, "mark", None)
        if buffer is None:
            buffer = self._local.mark = np.zeros(len(self.index.parties), dtype=bool)
        return buffer

    def hits(self, entity: Entity) -> list[ReverseHit]:
        """Every party the forward matcher alerts on for `entity`, scored by it."""
        index, matcher = self.index, self.matcher
        found: list[ReverseHit] = []
        prepared = matcher.prepare(entity)
        for party_no in self.candidates(entity).tolist():
            party = index.parties[party_no]
            self.pairs_scored += 1
            match = matcher.score_entity(party.query, entity, prepared)
            if match is not None and match.alert:
                found.append(ReverseHit(int(index.party_member[party_no]), party, match))
        return found

    def screen(self, entities: Sequence[Entity]) -> Iterator[tuple[Entity, list[ReverseHit]]]:
        for entity in entities:
            yield entity, self.hits(entity)


def estimated_pairs(index: MemberIndex, entities: int) -> int:
    """Pairs a brute-force scan of `entities` listed entities would score: for the ratio in reports."""
    return len(index.parties) * entities


_FORKED: BoundIndex | None = None
"""The index forked workers screen with: set in the parent just before the fork, shared copy-on-write."""


def _screen_chunk(entities: list[Entity]) -> tuple[list[tuple[Entity, list[ReverseHit]]], int]:
    assert _FORKED is not None
    before = _FORKED.pairs_scored
    found = [(entity, _FORKED.hits(entity)) for entity in entities]
    return found, _FORKED.pairs_scored - before


def screen_parallel(
    bound: BoundIndex, entities: Sequence[Entity], workers: int = 2, chunk: int = 20
) -> Iterator[tuple[Entity, list[ReverseHit]]]:
    """`bound.screen(entities)` in `workers` forked processes (in order); in this process when 1 or fork
    is unavailable. The index is built once, before the fork, and shared copy-on-write."""
    global _FORKED  # noqa: PLW0603 - the forked children's copy of the index
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods() or len(entities) <= chunk:
        yield from bound.screen(entities)
        return
    parts = [list(entities[i : i + chunk]) for i in range(0, len(entities), chunk)]
    _FORKED = bound
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for found, scored in pool.imap(_screen_chunk, parts):
                bound.pairs_scored += scored
                yield from found
    finally:
        _FORKED = None
