"""Normalisation and screening must survive any Unicode a traveler's document or a typist can produce."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.dates import PartialDate
from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.matching.names import _accented_particles, person_tokens, query_name_tokens
from cruce.matching.text import _ascii_fold_uncached, ascii_fold, fold_any
from cruce.matching.types import Query

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
NAMEISH = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Mn", "Zs", "Pd", "Po", "Cf", "Nd")), max_size=60
)

_SPLIT_NAME = Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos")
_MATCHER = Matcher(
    [
        Entity("t:1", Schema.PERSON, (_SPLIT_NAME,), "t", "1"),
        Entity("t:2", Schema.ORGANIZATION, (Name("TRANSPORTES GUZMAN S.A. DE C.V."),), "t", "2"),
        Entity("t:3", Schema.PERSON, (Name("محمد بن سلمان"), Name("Muhammad bin Salman")), "t", "3"),
    ]
)  # fmt: skip


@given(ANY_TEXT)
@settings(max_examples=2000, deadline=None)
def test_fold_is_idempotent_ascii_and_never_raises(text: str) -> None:
    once = ascii_fold(text)
    assert ascii_fold(once) == once
    assert once.isascii()
    assert once == once.lower()
    assert "  " not in once and once == once.strip()


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
@settings(max_examples=2000, deadline=None)
def test_ascii_fast_path_folds_like_the_general_path(text: str) -> None:
    assert ascii_fold(text) == fold_any(text)


# Printable ASCII, Latin-1's and Latin Extended-A's letters (the accented fast path's alphabet, and the six
# letters it leaves to the general path), and a few characters just outside it.
_LATIN_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=32, max_codepoint=126),
        st.characters(min_codepoint=0xC0, max_codepoint=0x17F),
        st.sampled_from(["\u00a0", "\u0301", "\u200b", "\t", "\u0410", "\u00aa"]),
    ),
    max_size=40,
)


@given(_LATIN_TEXT)
@settings(max_examples=3000, deadline=None)
def test_accented_latin_fast_path_folds_like_the_general_path(text: str) -> None:
    assert _ascii_fold_uncached(text) == fold_any(text)


@given(NAMEISH)
@settings(max_examples=1000, deadline=None)
def test_name_tokens_are_stable_under_refolding(text: str) -> None:
    tokens = person_tokens(text)
    assert all(t and t.isascii() and " " not in t for t in tokens)
    # A word spelt as a particle once its accents are gone (`Lê`, `Văn`) is kept as a name for its accents;
    # the ASCII tokens no longer carry them, so only the other words must come back the same.
    accented = _accented_particles(text)
    again = person_tokens(" ".join(tokens))
    assert again == [t for t in tokens if t not in accented or t in again] or not tokens


@given(
    ANY_TEXT,
    st.sampled_from(list(Schema)),
    st.none()
    | st.dates().map(lambda d: PartialDate(d.year, d.month, d.day) if 1850 <= d.year <= 2100 else None),
)
@settings(max_examples=1500, deadline=None)
def test_screening_never_raises_and_scores_stay_in_range(
    text: str, schema: Schema, dob: PartialDate | None
) -> None:
    for match in _MATCHER.screen(Query(text, schema=schema, birth_date=dob), top=3):
        assert 0.0 <= match.score <= 1.0
        assert match.alert == (match.score >= _MATCHER.threshold)
        assert match.features and match.features[0].name == "name"


@given(NAMEISH)
@settings(max_examples=500, deadline=None)
def test_query_tokens_never_raise(text: str) -> None:
    for schema in Schema:
        query_name_tokens(text, schema)
