"""Vocabulary the matcher treats on purpose: nicknames, spelling variants, particles, titles, legal forms.

The words themselves are shipped, versioned data (`matching/data/*.tsv`, each with its source and licence in
its header) so that a reviewer can read, and a partner can extend, exactly what is equated without reading
code; this module only turns the tables into the lookups the matcher uses.
"""

from __future__ import annotations

from cruce.matching.lexicon import read_table


def _words(name: str) -> frozenset[str]:
    return frozenset(row[0].strip() for row in read_table(name) if row and row[0].strip())


def _pairs(name: str) -> list[tuple[str, str]]:
    return [(row[0].strip(), row[1].strip()) for row in read_table(name) if len(row) >= 2]


def _groups(name: str) -> list[list[str]]:
    return [[t.strip() for t in row if t.strip()] for row in read_table(name)]


NICKNAMES: dict[str, tuple[str, ...]] = {
    nick: tuple(f for f in formals.split(",") if f) for nick, formals in _pairs("nicknames.tsv")
}
"""Hypocorism -> the formal given names it stands for (pepe -> jose)."""

VARIANT_KEY: dict[str, str] = {v: group[0] for group in _groups("spelling_variants.tsv") for v in group}
for _group in _groups("transliteration_variants.tsv"):  # Korean systems, Persian spellings
    _key = next((VARIANT_KEY[t] for t in _group if t in VARIANT_KEY), _group[0])
    for _spelling in _group:
        VARIANT_KEY.setdefault(_spelling, _key)
"""Spelling -> one key for words that are the same word (transliterations here, organization words below)."""

TITLES: frozenset[str] = _words("titles.tsv")
"""Honorifics, ranks and generational suffixes that never are names: dropped wherever they stand."""

LEADING_TITLES: frozenset[str] = _words("leading_titles.tsv")
"""Titles that are also names (Don, Said, Coronel): dropped only when they lead a name of three or more tokens."""

PARTICLES: frozenset[str] = _words("particles.tsv")
"""Name particles (de la, bin, van der): they join surnames and carry little identity."""

LEGAL_FORMS: frozenset[str] = _words("legal_forms.tsv")
"""Organization legal forms and filler words, dropped from company names (S.A. de C.V., LLC, GmbH ...)."""

ORG_SYNONYMS: dict[str, str] = dict(_pairs("org_synonyms.tsv"))
"""Word forms in organization names that mean the same thing (intl -> international)."""

for _word, _same in ORG_SYNONYMS.items():
    VARIANT_KEY.setdefault(_word, _same)
    VARIANT_KEY.setdefault(_same, _same)


def _canonical_nicknames() -> dict[str, frozenset[str]]:
    return {
        nick: frozenset(VARIANT_KEY.get(f, f) for f in formals)
        for nick, formals in NICKNAMES.items()
        if formals
    }


NICKNAME_CANONICAL: dict[str, frozenset[str]] = _canonical_nicknames()
"""Nickname -> the spelling-variant keys of the formal names it stands for (dima -> {dmitry})."""


def is_nickname_of(nickname: str, formal: str) -> bool:
    forms = NICKNAME_CANONICAL.get(nickname)
    return forms is not None and VARIANT_KEY.get(formal, formal) in forms
