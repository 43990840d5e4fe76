"""The screening matcher: find the listed entities a presented party may be, score them, and say why.

`Matcher(entities).screen(Query("Juan Carlos Hernández"))` returns ranked `Match`es. The score is the name
alignment score (see `compare.score_alignment`) adjusted by birth date, documents, country and gender;
every step leaves a `Feature` with a sentence, so an inspector can see what the score rests on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from cruce.core.errors import InputError
from cruce.core.model import AliasQuality, Entity, Name, Schema
from cruce.matching.compare import (
    GENERATION_DIFFERS,
    GIVEN_NAME_DIFFERS,
    NUMBER_DIFFERS,
    Alignment,
    ListedForm,
    QueryForm,
    explain_alignment,
    score_alignment,
)
from cruce.matching.features import (
    Adjustment,
    birth_date_adjustment,
    country_adjustment,
    gender_adjustment,
    identifier_adjustment,
    new_feature,
    new_match,
    rounded,
)
from cruce.matching.index import NameIndex, query_token_keys, token_keys
from cruce.matching.lexicon import common_name_tokens
from cruce.matching.names import (
    ORG_ROLE,
    PERSON_SCHEMA,
    NameTokens,
    Role,
    listed_name_tokens,
    query_name_tokens,
    rejoined,
    stripped_words,
    unordered_reading,
)
from cruce.matching.scorer import CONFIG, CruceScorer
from cruce.matching.types import DEFAULT_ALERT_THRESHOLD, Feature, Match, Query

GIVEN_NAME_CONFLICT_CAP: Final = CONFIG.given_name_conflict_cap
WEAK_ALIAS_FACTOR: Final = CONFIG.weak_alias_factor
SINGLE_TOKEN_WEAK_ALIAS_CAP: Final = CONFIG.single_token_weak_alias_cap
CANDIDATE_NAMES: Final = CONFIG.candidate_names
OTHER_ALIASES_FROM: Final = (
    CONFIG.other_aliases_from
)  # a candidate entity scoring at least this has all its other names scored too
MIN_REPORTED_SCORE: Final = CONFIG.min_reported_score
NAME_MEMO: Final = 20_000
"""Presented names whose candidates a matcher remembers (see `Matcher.screen`); 0 turns the memo off."""

_COMPATIBLE: dict[Schema, frozenset[Schema]] = {
    Schema.PERSON: frozenset({Schema.PERSON, Schema.UNKNOWN}),
    Schema.ORGANIZATION: frozenset({Schema.ORGANIZATION, Schema.UNKNOWN}),
    Schema.VESSEL: frozenset({Schema.VESSEL, Schema.UNKNOWN}),
    Schema.AIRCRAFT: frozenset({Schema.AIRCRAFT, Schema.UNKNOWN}),
    Schema.VEHICLE: frozenset({Schema.VEHICLE, Schema.UNKNOWN}),
}


_Scored = tuple[float, str, list[tuple[int, int, float]]]
_Best = dict[int, tuple[float, int, _Scored]]


@dataclass(frozen=True, slots=True)
class _ListedName:
    entity_no: int
    tokens: NameTokens
    weak: bool
    form: ListedForm


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    Building the index allocates a few hundred thousand containers, none of them garbage; with the collector
    on, each full collection walks them all again, which cost a third of the build.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


SCREENING_GC_MIDDLE_THRESHOLD: Final = 100
"""Young collections between two of the middle generation in a screening worker (CPython's default: 10)."""


def tune_gc_for_screening() -> None:
    """For a process that does nothing but screen (a batch worker): collect older objects less often.

    Screening fills the matcher's caches (the name memo, token similarities) with hundreds of thousands of
    long-lived containers that hold no reference cycles. With CPython's default thresholds, every tenth
    middle-generation collection could turn into a full one that walks them all (70 ms each on the real
    lists): 7-10% of a batch worker's time went to the collector. Collecting the middle generation a tenth
    as often leaves young garbage collected as before and full collections rare; cycles are still freed.
    """
    young, _middle, old = gc.get_threshold()
    gc.set_threshold(young, SCREENING_GC_MIDDLE_THRESHOLD, old)


class Matcher:
    """Screens queries against a fixed set of listed entities. Build once, screen many times (thread-safe)."""

    NAME = CruceScorer.NAME
    VERSION = CruceScorer.VERSION

    def __init__(
        self,
        entities: Iterable[Entity],
        threshold: float = DEFAULT_ALERT_THRESHOLD,
        lexicon: frozenset[str] | None = None,
        memo: int = NAME_MEMO,
    ) -> None:
        self.threshold = threshold
        self.memo = memo
        self._memo: dict[tuple[str, Schema], tuple[_Best, dict[int, QueryForm]] | None] = {}
        with gc_paused():
            self.lexicon = common_name_tokens() if lexicon is None else lexicon
            self.entities: list[Entity] = list(entities)
            self._build()

    def _build(self) -> None:
        names: list[tuple[int, NameTokens, bool]] = []
        for entity_no, entity in enumerate(self.entities):
            seen: set[tuple[str, ...]] = set()
            for name in entity.names:
                tokens = listed_name_tokens(name, entity.schema)
                if not tokens.tokens or tokens.tokens in seen:
                    continue
                seen.add(tokens.tokens)
                names.append((entity_no, tokens, name.quality is AliasQuality.WEAK))
        self.index = NameIndex([tokens for _, tokens, _ in names])
        self.index.warm()
        # Token weights come from the whole index, so each name's prepared form is made after it.
        self._names = [
            _ListedName(
                entity_no, tokens, weak, ListedForm(tokens, self.index.weight, self.index.default_weight)
            )
            for entity_no, tokens, weak in names
        ]
        # Each name's entity schema, read for every candidate name of every query with a schema filter.
        self._schema_of_name = [self.entities[listed.entity_no].schema for listed in self._names]
        self._names_of: list[list[int]] = [[] for _ in self.entities]
        for name_no, listed in enumerate(self._names):
            self._names_of[listed.entity_no].append(name_no)

    def forget_names(self) -> None:
        """Empty the memo of presented names (a benchmark timing distinct queries starts from none)."""
        self._memo.clear()

    def __len__(self) -> int:
        return len(self.entities)

    def screen(self, query: Query, top: int = 5) -> list[Match]:
        """The best `top` entities for the query, highest score first; empty when nothing is alike."""
        if top < 1:
            raise InputError("bad_top", f"top must be at least 1, not {top}")
        found = self._candidates_of(query.name, query.schema)
        if found is None:
            return []
        best, forms = found
        names, entities = self._names, self.entities
        scored = []
        for entity_no, (name_score, name_no, result) in best.items():
            if name_score < MIN_REPORTED_SCORE:
                continue
            entity = entities[entity_no]
            final, adjustments = self._adjust(query, entity, name_score)
            scored.append((final, entity.id, name_score, name_no, adjustments, forms[entity_no], result))
        scored.sort(key=lambda item: (-item[0], item[1]))
        matches = []
        for final, _, name_score, name_no, adjustments, form, result in scored[:top]:
            listed = names[name_no]
            alignment = explain_alignment(form, listed.form, result)
            features = (_name_feature(name_score, listed, alignment), *(a.feature for a in adjustments))
            entity = entities[listed.entity_no]
            alert, threshold = final >= self.threshold, self.threshold
            matched = listed.tokens.text
            matches.append(new_match(entity, final, alert, matched, features=features, threshold=threshold))
        return matches

    def _candidates_of(self, text: str, schema: Schema) -> tuple[_Best, dict[int, QueryForm]] | None:
        """Per candidate entity its best name (score, number, alignment) and the query's form; None when the
        name has no token.

        This is all the work that depends on the name alone (most of a screening), so it is remembered per
        (name, schema) for the next query presenting the same name: a batch file or a day at a booth names
        the same people and companies again and again, with other dates and documents, which are weighed
        afresh every time. The memo is emptied when full, so memory stays bounded.
        """
        key = (text, schema)
        memo = self._memo
        try:
            return memo[key]
        except KeyError:  # not seen yet (or the memo was just emptied by another thread)
            pass
        found = self._work_out_candidates(text, schema)
        if self.memo > 0:
            if len(memo) >= self.memo:
                memo.clear()
            memo[key] = found
        return found

    def _work_out_candidates(self, text: str, schema: Schema) -> tuple[_Best, dict[int, QueryForm]] | None:
        query_tokens = query_name_tokens(text, schema)
        if not query_tokens.tokens:
            return None
        allowed = _COMPATIBLE.get(schema)
        best, forms = self._best_names(query_tokens, allowed)
        for alternative in self._other_readings(query_tokens, schema):
            other_best, other_forms = self._best_names(alternative, allowed)
            for entity_no, found in other_best.items():
                if entity_no not in best or found[0] > best[entity_no][0]:
                    best[entity_no] = found
                    forms[entity_no] = other_forms[entity_no]
        # Only what `screen` reads is kept (the memo holds it): names too unlike to report are dropped.
        kept = {e: found for e, found in best.items() if found[0] >= MIN_REPORTED_SCORE}
        kept_forms = {e: forms[e] for e in kept}
        for form in {id(f): f for f in kept_forms.values()}.values():
            form.forget_matches()  # explaining a match needs the alignment kept above, not this cache
        return kept, kept_forms

    def _other_readings(self, query_tokens: NameTokens, schema: Schema) -> list[NameTokens]:
        """The name's other readings, each scored and the better kept: words joined or split as the lists
        write them (`Abdul Rahman` / `Abdulrahman`, `Xi Jin Ping` / `Xi Jinping`), and a name whose comma is
        followed only by a particle read in no particular order (`Mohammed GHABRA, AL`)."""
        found = [rejoined(query_tokens, self.index.weight), unordered_reading(query_tokens, schema)]
        return [reading for reading in found if reading is not None]

    def _query_form(self, query_tokens: NameTokens) -> tuple[QueryForm, frozenset[str]]:
        """The presented name prepared for scoring against any listed name, and its words written without
        vowels (looked up and compared by their consonants)."""
        index = self.index
        stripped = stripped_words(query_tokens.tokens)
        reachable = tuple(
            index.stripped_reach(t) if t in stripped else index.reachable(t) for t in query_tokens.tokens
        )
        form = QueryForm(
            query_tokens, index.weight, index.default_weight, self.lexicon, reachable, stripped=stripped
        )
        return form, stripped

    def _best_names(
        self, query_tokens: NameTokens, allowed: frozenset[Schema] | None
    ) -> tuple[_Best, dict[int, QueryForm]]:
        """Per candidate entity: its best name score, that name's number and its alignment; and the form."""
        index = self.index
        form, stripped = self._query_form(query_tokens)
        names, schema_of_name = self._names, self._schema_of_name
        scored_names: set[int] = set()  # each name is aligned at most once per query
        best: _Best = {}
        # With a schema filter, look further down the ranking so that other kinds cannot crowd it out.
        limit = CANDIDATE_NAMES if allowed is None else CANDIDATE_NAMES * 4
        kept = 0
        cut = query_tokens.tokens[form.cut] if form.cut >= 0 else ""
        for name_no in index.candidates(query_tokens.tokens, limit, stripped, cut):
            if allowed is not None and schema_of_name[name_no] not in allowed:
                continue
            kept += 1
            if kept > CANDIDATE_NAMES:
                break
            listed = names[name_no]
            entity_no = listed.entity_no
            result = score_alignment(form, listed.form)
            scored_names.add(name_no)
            name_score = self._name_score(result[0], result[1], listed)
            previous = best.get(entity_no)
            if previous is None or name_score > previous[0]:
                best[entity_no] = (name_score, name_no, result)
        for entity_no, (name_score, _, _) in list(best.items()):
            if name_score < OTHER_ALIASES_FROM:
                continue
            # The index found this entity through one name; another of its names may fit the query better.
            for name_no in self._names_of[entity_no]:
                if name_no in scored_names:  # scored already, and counted in `best`
                    continue
                listed = names[name_no]
                result = score_alignment(form, listed.form)
                scored_names.add(name_no)
                other = self._name_score(result[0], result[1], listed)
                if other > best[entity_no][0]:
                    best[entity_no] = (other, name_no, result)
        return best, dict.fromkeys(best, form)

    def score_entity(
        self, query: Query, entity: Entity, prepared: Sequence[_ListedName] | None = None
    ) -> Match | None:
        """The match `screen` gives `entity` for `query`, scored alone, with the same score and reasons.

        For screening in reverse (re-vetting members when a list changes): the caller has found the pair
        another way and wants the forward verdict, weighed with this matcher's token weights. Only names the
        forward index can reach from the query are scored first; the entity's other names join when one of
        them reaches `OTHER_ALIASES_FROM`, as in `screen`. None when `screen` could not report the entity.
        `prepared` is `prepare(entity)`, for a caller scoring one entity against many queries.
        """
        query_tokens = query_name_tokens(query.name, query.schema)
        if not query_tokens.tokens:
            return None
        allowed = _COMPATIBLE.get(query.schema)
        if allowed is not None and entity.schema not in allowed:
            return None
        listed = self.prepare(entity) if prepared is None else prepared
        best = self._best_of_entity(query_tokens, listed)
        for alternative in self._other_readings(query_tokens, query.schema):
            other = self._best_of_entity(alternative, listed)
            if other is not None and (best is None or other[0] > best[0]):
                best = other
        if best is None or best[0] < MIN_REPORTED_SCORE:
            return None
        name_score, name, form, result = best
        final, adjustments = self._adjust(query, entity, name_score)
        alignment = explain_alignment(form, name.form, result)
        features = (_name_feature(name_score, name, alignment), *(a.feature for a in adjustments))
        return Match(entity, final, final >= self.threshold, name.tokens.text, features, self.threshold)

    def prepare(self, entity: Entity) -> list[_ListedName]:
        """The entity's names prepared as `_build` prepares them (any entity, indexed here or not)."""
        seen: set[tuple[str, ...]] = set()
        out: list[_ListedName] = []
        weight, default = self.index.weight, self.index.default_weight
        for name in entity.names:
            tokens = listed_name_tokens(name, entity.schema)
            if not tokens.tokens or tokens.tokens in seen:
                continue
            seen.add(tokens.tokens)
            weak = name.quality is AliasQuality.WEAK
            out.append(_ListedName(0, tokens, weak, ListedForm(tokens, weight, default)))
        return out

    def _best_of_entity(
        self, query_tokens: NameTokens, listed: Sequence[_ListedName]
    ) -> tuple[float, _ListedName, QueryForm, _Scored] | None:
        form, _stripped = self._query_form(query_tokens)
        reachable = form.reachable or ()
        reach = frozenset().union(*reachable) if reachable else frozenset()
        keyed: set[str] | None = None
        best: tuple[float, _ListedName, QueryForm, _Scored] | None = None
        scored: set[int] = set()
        for no, name in enumerate(listed):
            if reach.isdisjoint(name.tokens.tokens):  # not reached here: the entity may not be indexed
                if keyed is None:
                    keyed = _lookup_keys(query_tokens.tokens)
                if not _shares_key(keyed, name.tokens.tokens):
                    continue  # the forward index would not propose this name
            result = score_alignment(form, name.form)
            scored.add(no)
            score = self._name_score(result[0], result[1], name)
            if best is None or score > best[0]:
                best = (score, name, form, result)
        if best is not None and best[0] >= OTHER_ALIASES_FROM:
            for no, name in enumerate(listed):
                if no in scored:
                    continue
                result = score_alignment(form, name.form)
                score = self._name_score(result[0], result[1], name)
                if score > best[0]:
                    best = (score, name, form, result)
        return best

    def screen_many(self, queries: Sequence[Query], top: int = 5) -> list[list[Match]]:
        return [self.screen(query, top) for query in queries]

    @staticmethod
    def _name_score(score: float, cap_reason: str, listed: _ListedName) -> float:
        if cap_reason in (GIVEN_NAME_DIFFERS, GENERATION_DIFFERS, NUMBER_DIFFERS):
            score = min(score, GIVEN_NAME_CONFLICT_CAP)
        if listed.weak:
            score = (
                min(score * WEAK_ALIAS_FACTOR, SINGLE_TOKEN_WEAK_ALIAS_CAP)
                if len(listed.tokens.tokens) == 1
                else score * WEAK_ALIAS_FACTOR
            )
        return score

    @staticmethod
    def _adjust(query: Query, entity: Entity, name_score: float) -> tuple[float, list[Adjustment]]:
        """Apply birth date, document, country and gender evidence to the name score."""
        found = [
            birth_date_adjustment(query.birth_date, entity),
            identifier_adjustment(query.identifiers, entity),
            country_adjustment(query.countries, entity),
            gender_adjustment(query.gender, entity) if entity.schema is PERSON_SCHEMA else None,
        ]
        adjustments = [a for a in found if a is not None]
        score = name_score
        for adjustment in adjustments:
            score = score * adjustment.factor
            score = score + (1.0 - score) * adjustment.boost
        return rounded(min(max(score, 0.0), 1.0), 4), adjustments


def _lookup_keys(tokens: tuple[str, ...]) -> set[str]:
    """The keys the index looks a presented name up by: its words' (its letters' if it has no words)."""
    words = [t for t in tokens if not (len(t) == 1 and t.isalpha())] or list(tokens)
    return {k for t in words for k in query_token_keys(t)}


def _shares_key(keys: set[str], listed_tokens: tuple[str, ...]) -> bool:
    return any(not keys.isdisjoint(token_keys(t)) for t in listed_tokens)


def _name_feature(score: float, listed: _ListedName, alignment: Alignment) -> Feature:
    parts = []
    for pair in alignment.pairs:
        if pair.why == "same":
            parts.append(pair.listed)
        else:
            parts.append(f"{pair.query}~{pair.listed} ({pair.why})")
    detail = f"{rounded(score, 2)} '{listed.tokens.text}'"
    if parts:
        detail += ": " + ", ".join(parts)
    if alignment.unmatched_query:
        detail += "; not on list: " + " ".join(alignment.unmatched_query)
    if alignment.unmatched_listed:
        detail += "; not given: " + " ".join(
            f"{t} ({_ROLE_WORDS[role]})" if role is not ORG_ROLE else t
            for t, role in alignment.unmatched_listed
        )
    if alignment.cap_reason:
        detail += f"; {alignment.cap_reason}"
    if listed.weak:
        detail += "; weak alias"
    return new_feature("name", rounded(score, 3), detail)


_ROLE_WORDS: Final = {
    Role.FIRST: "given name",
    Role.GIVEN: "middle name",
    Role.FAMILY: "surname",
    Role.FAMILY2: "second surname",
    Role.UNKNOWN: "name part",
    Role.ORG: "word",
    Role.TITLE: "title",
}


def compare_names(presented: str, listed: str, schema: Schema = Schema.PERSON) -> Match | None:
    """Score one presented name against one listed name (for pairwise checks and tests).

    The listed name is read as lists write it (`FAMILY, Given` for people). Rarity weights cannot come
    from a single name, so every token weighs the same; screening against real lists uses their weights.
    """
    entity = Entity(id="pair:1", schema=schema, names=(Name(listed),), list_id="pair", source_id="1")
    matches = Matcher([entity]).screen(Query(presented, schema=schema), top=1)
    return matches[0] if matches else None
