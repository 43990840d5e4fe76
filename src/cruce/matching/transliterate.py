"""Whole-word transliteration where a letter-by-letter table loses what lists write: Hangul and Arabic.

- Hangul: the Revised Romanization of Korean (Ministry of Culture and Tourism, 2000), worked out from the
  syllable's jamo (initial, medial, final). Lists often write McCune-Reischauer forms (`Kim Jong Un`); the
  spellings both systems give for the same syllable are equated by `data/transliteration_variants.tsv`.
- Arabic: written without short vowels, so letter tables give skeletons (`mhmd`). Common given names and name
  words are looked up whole in `data/arabic_names.tsv`; other words are transliterated letter by letter with
  the long vowels (alif, waw, ya) read as vowels between consonants and the article `al-` kept apart.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from cruce.matching.lexicon import read_table

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_INITIALS: Final = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"
)  # fmt: skip
_MEDIALS: Final = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "eu", "ui", "i"
)  # fmt: skip
_FINALS: Final = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
    "ng", "t", "t", "k", "t", "p", "t"
)  # fmt: skip


def hangul_syllable(char: str) -> str:
    """One Hangul syllable in Revised Romanization (`김` -> `gim`, `박` -> `bak`); other characters as is."""
    code = ord(char) - _HANGUL_FIRST
    if not 0 <= code <= _HANGUL_LAST - _HANGUL_FIRST:
        return char
    initial, rest = divmod(code, 21 * 28)
    medial, final = divmod(rest, 28)
    return _INITIALS[initial] + _MEDIALS[medial] + _FINALS[final]


_HANGUL: Final = re.compile("[\uac00-\ud7a3]")


def romanize_hangul(text: str) -> str:
    """Every Hangul syllable as its own romanized word (names are read syllable by syllable)."""
    return _HANGUL.sub(lambda m: " " + hangul_syllable(m.group(0)) + " ", text)


_ARABIC_LETTERS: Final = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ء": "", "ؤ": "u", "ئ": "i", "ب": "b", "ت": "t",
    "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh",
    "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l",
    "م": "m", "ن": "n", "ه": "h", "ة": "a", "و": "w", "ى": "a", "ي": "y", "پ": "p", "چ": "ch", "ژ": "zh",
    "گ": "g", "ک": "k", "ی": "y",
}  # fmt: skip
_ARABIC_WORD: Final = re.compile("[\u0600-\u06ff]+")
_PERSIAN_LETTERS: Final = str.maketrans({"ی": "ي", "ک": "ك"})
"""Persian ya and kaf as the Arabic letters they are, so the names table knows Persian spellings too."""
_HARAKAT: Final = re.compile("[\u064b-\u065f\u0670]")


@lru_cache(maxsize=1)
def arabic_names() -> dict[str, str]:
    """Arabic-script word (without short-vowel marks) -> its usual Latin form on lists."""
    return {row[0].strip(): row[1].strip() for row in read_table("arabic_names.tsv") if len(row) >= 2}


def _arabic_letters(word: str) -> str:
    out: list[str] = []
    for k, char in enumerate(word):
        latin = _ARABIC_LETTERS.get(char, "")
        # Waw and ya after a consonant are long vowels (u, i) unless a vowel follows; at the start of a word
        # or after a vowel, w and y.
        after = word[k + 1] if k + 1 < len(word) else ""
        if (
            char in "وي"
            and out
            and out[-1][-1:] not in ("a", "i", "u", "")
            and _ARABIC_LETTERS.get(after, "x") not in ("a", "i", "u")
        ):
            latin = "u" if char == "و" else "i"
        elif char == "ع" and k == 0:
            latin = "a"  # a word opening with ayn: lists write its vowel (Abd, Ali, Aziz, Awlaki)
        out.append(latin)
    return "".join(out)


_ARABIC_WORDS: Final[dict[str, str]] = {}


def arabic_word(word: str) -> str:
    """One Arabic-script word in Latin letters, with the article kept apart (`الظواهري` -> `al zawahiri`)."""
    found = _ARABIC_WORDS.get(word)
    if found is None:
        found = _arabic_word_uncached(word)
        if len(_ARABIC_WORDS) < 50_000:
            _ARABIC_WORDS[word] = found
    return found


def _arabic_word_uncached(word: str) -> str:
    word = _HARAKAT.sub("", word).translate(_PERSIAN_LETTERS)
    table = arabic_names()
    known = table.get(word)
    if known is not None:
        return known
    if word.startswith("ال") and len(word) > 3:
        rest = word[2:]
        return "al " + table.get(rest, _arabic_letters(rest))
    return _arabic_letters(word)


def romanize_arabic(text: str) -> str:
    return _ARABIC_WORD.sub(lambda m: " " + arabic_word(m.group(0)) + " ", text)
