"""Phonetic keys tuned for Spanish and for Latin transliterations of Arabic and Slavic names.

Two keys per token: `sound_key` folds spellings a Spanish speaker pronounces alike (v/b, z/s/ce, ll/y, silent
h, qu/k, ge/je, doubled letters); `skeleton` keeps only consonants, which survives vowel changes of
transliteration (Muhammad/Mohammed) and names written without vowels.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"ee", "i"),  # English transliteration: Jaleel/Jalil, Azeez/Aziz
        (r"oo|ou", "u"),  # Yousuf/Yusuf, Mahmood/Mahmud
        (r"ph", "f"),
        (r"th", "t"),
        (r"kh", "j"),
        (r"sch", "sh"),
        (r"tch|tsch", "ch"),
        (r"ch", "C"),  # keep "ch" as one sound before c/h rules
        (r"sh", "S"),
        (r"zh", "S"),
        (r"ll", "y"),
        (r"qu(?=[ei])", "k"),
        (r"gu(?=[ei])", "g"),
        (r"g(?=[ei])", "j"),
        (r"c(?=[ei])", "s"),
        (r"q", "k"),
        (r"c", "k"),
        (r"ck", "k"),
        (r"x", "j"),
        (r"z", "s"),
        (r"v", "b"),
        (r"w", "u"),
        (r"h", ""),
        (r"y(?![aeiou])", "i"),
        (r"(.)\1+", r"\1"),
    )
)


@lru_cache(maxsize=200_000)
def sound_key(token: str) -> str:
    """Spanish-style phonetic key of an ASCII lowercase token; empty string for an empty token."""
    key = token
    for pattern, repl in _RULES:
        key = pattern.sub(repl, key)
    return key  # upper-case marks (C for ch, S for sh) stay distinct from plain letters


_VOWELS = re.compile(r"[aeiouy]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Consonant skeleton of the sound key: vowels dropped, repeats collapsed (`mohammed` -> `md`, `hrnndz` ->
    `rnds` like `hernandez`)."""
    return _REPEATS.sub(r"\1", _VOWELS.sub("", sound_key(token)))
