"""Phonetic keys tuned for Spanish and for Latin transliterations of Arabic and Slavic names.

Two keys per token: `sound_key` folds spellings a Spanish speaker pronounces alike (v/b, z/s/ce, ll/y, silent
h, qu/k, ge/je, doubled letters); `skeleton` keeps only consonants, which survives vowel changes of
transliteration (Muhammad/Mohammed) and names written without vowels.
"""

from __future__ import annotations

import re
from typing import Final

_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (guard, re.compile(pattern), repl)
    for guard, pattern, repl in (
        # (text every match contains, so the rule is skipped when it is absent; pattern; replacement)
        ("j", r"(?<=\w\w[aeiou])j$", "i"),  # German, Czech, Polish final j for i: Sergej, Nikolaj, Jurij
        ("dj", r"dj", "j"),  # French transliteration of Arabic: Hadj/Hajj, Djamel/Jamel
        ("ee", r"ee", "i"),  # English transliteration: Jaleel/Jalil, Azeez/Aziz
        ("o", r"oo|ou", "u"),  # Yousuf/Yusuf, Mahmood/Mahmud
        ("ph", r"ph", "f"),
        ("th", r"th", "t"),
        ("kh", r"kh", "j"),
        ("sch", r"sch", "sh"),
        ("t", r"tch|tsch", "ch"),
        ("ch", r"ch", "C"),  # keep "ch" as one sound before c/h rules
        ("sh", r"sh", "S"),
        ("zh", r"zh", "S"),
        ("ll", r"ll", "y"),
        ("qu", r"qu(?=[ei])", "k"),
        ("gu", r"gu(?=[ei])", "g"),
        ("g", r"g(?=[ei])", "j"),
        ("c", r"c(?=[ei])", "s"),
        ("q", r"q", "k"),
        ("c", r"c", "k"),
        ("ck", r"ck", "k"),
        ("x", r"x", "j"),
        ("z", r"z", "s"),
        ("v", r"v", "b"),
        ("w", r"w", "u"),
        ("h", r"h", ""),
        ("y", r"y(?![aeiou])", "i"),
    )
)
"""After them, each run of a letter is written once (`collapse_runs`)."""


INITIAL_LETTERS: Final = (("j", "y"), ("gh", "q"))
"""Starts one name is written with in two conventions: German and Slavic j for English y (Jurij/Yuriy,
Jusuf/Yusuf), Persian gh for Arabic q (Ghasem/Qasem). A word keeps four letters or more after them (not
Juan/Yuan)."""
INITIAL_LETTERS_MIN_REST: Final = 4
INITIAL_LETTER_FIRSTS: Final = frozenset(start[0] for pair in INITIAL_LETTERS for start in pair)
"""The first letters of those starts: two words can be such a pair only if both begin with one."""


def other_start_keys(token: str) -> list[str]:
    """Sound keys of the token written with its start in the other convention (`jurij` -> that of `yurij`)."""
    keys = []
    for one, other in INITIAL_LETTERS:
        for start, swapped in ((one, other), (other, one)):
            if token.startswith(start) and len(token) - len(start) >= INITIAL_LETTERS_MIN_REST:
                keys.append(sound_key(swapped + token[len(start) :]))
    return keys


GERMAN_READING_MIN_LENGTH: Final = 5
GH_FOR_Q_MIN: Final = 5
"""Letters a word needs before its gh is read as a Persian q (Eghtesad/Eqtesad, Sadegh/Sadeq), so that
Hugh is not Huq: the index files such a word under its q spelling, and the scorer pairs the two."""


def german_reading(token: str) -> str:
    """A Slavic name written the German way (`wladimirowitsch`, `prigoschin`, `jewgeni`) as the lists write
    it: w as v, tsch as ch, sch as sh, a first j as y. "" for a word with none of these or too short to tell
    (`wang`). The lists' zh is read as sh on both sides (`anglo_reading`): German writes both as sch."""
    if len(token) < GERMAN_READING_MIN_LENGTH or ("w" not in token and "sch" not in token):
        return ""
    read = token.replace("tsch", "ch").replace("sch", "sh").replace("w", "v")
    if read[0] == "j":
        read = "y" + read[1:]
    return read.replace("zh", "sh")


def anglo_reading(token: str) -> str:
    """The word with zh read as sh, as `german_reading` leaves both."""
    return token.replace("zh", "sh") if "zh" in token else token


_SOUND_KEYS: Final[dict[str, str]] = {}


def sound_key(token: str) -> str:
    """Spanish-style phonetic key of an ASCII lowercase token; empty string for an empty token."""
    found = _SOUND_KEYS.get(token)
    if found is None:
        found = _sound_key_uncached(token)
        if len(_SOUND_KEYS) < 200_000:
            _SOUND_KEYS[token] = found
    return found


def _sound_key_uncached(token: str) -> str:
    key = token
    for guard, pattern, repl in _RULES:
        if guard in key:  # a regex substitution costs far more than this test, and most rules do not apply
            key = pattern.sub(repl, key)
    return collapse_runs(key)  # upper-case marks (C for ch, S for sh) stay distinct from plain letters


def collapse_runs(text: str) -> str:
    """Each run of one character written once (`mohammed` -> `mohamed`): `re.sub(r"(.)\\1+", r"\\1", text)`
    without the regex module's Python-level template expansion on every call."""
    kept: list[str] = []
    previous = ""
    for char in text:
        if char != previous:
            kept.append(char)
            previous = char
    return "".join(kept)


_NO_VOWELS: Final = str.maketrans("", "", "aeiouy")


_SKELETONS: Final[dict[str, str]] = {}


def skeleton(token: str) -> str:
    """Consonant skeleton of the sound key: vowels dropped, repeats collapsed (`mohammed` -> `md`, `hrnndz` ->
    `rnds` like `hernandez`)."""
    found = _SKELETONS.get(token)
    if found is None:
        found = _skeleton_uncached(token)
        if len(_SKELETONS) < 200_000:
            _SKELETONS[token] = found
    return found


def _skeleton_uncached(token: str) -> str:
    return collapse_runs(sound_key(token).translate(_NO_VOWELS))


_CONSONANT_RUNS: Final[dict[str, str]] = {}


def consonant_run(token: str) -> str:
    """The first letter, then the consonants, each run of one letter written once (`hernandez` -> `hrndz`)."""
    found = _CONSONANT_RUNS.get(token)
    if found is None:
        found = _consonant_run_uncached(token)
        if len(_CONSONANT_RUNS) < 200_000:
            _CONSONANT_RUNS[token] = found
    return found


def _consonant_run_uncached(token: str) -> str:
    letters = token[0] + "".join(c for c in token[1:] if c not in "aeiou")
    return "".join(c for k, c in enumerate(letters) if k == 0 or c != letters[k - 1])


def has_vowel(token: str) -> bool:
    return any(c in "aeiou" for c in token)


def vowel_count(token: str) -> int:
    # five scans in C beat a membership test per character in compiled code
    return token.count("a") + token.count("e") + token.count("i") + token.count("o") + token.count("u")
