"""Turn any Unicode name into lowercase ASCII tokens, robust to the tricks people and OCR play on names.

Order matters: invisible characters go first (they split or hide letters), then compatibility forms
(full-width, mathematical letters), then look-alike letters from other scripts inside Latin words
(homoglyphs), and only then transliteration of whole non-Latin words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from anyascii import anyascii

from cruce.matching.transliterate import romanize_arabic, romanize_hangul

# Cyrillic and Greek letters that look like Latin ones. Applied only to words that mix scripts (a spoofed
# "Јоsе"), never to a genuinely Cyrillic or Greek word, which is transliterated by sound instead.
_HOMOGLYPHS: Final = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "ё": "e", "ї": "i", "ɡ": "g",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "γ": "y",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        "ı": "i", "ℓ": "l", "０": "0",
    }
)  # fmt: skip

# Digits that OCR and leetspeak put in place of letters, applied only inside words that are mostly letters.
_DIGIT_LOOKALIKES: Final = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a"}
)
_WORD: Final = re.compile(r"\w+", re.UNICODE)
# A lowercase `l` inside a word otherwise in capitals is an `I` misread by OCR (`AZlZ`, `BlN`, `ALl`, `Rl`);
# `Al`, `El` and `Il` are words as written.
# A capital word with a lowercase l read for I (`KlM`); not one followed by a full stop (`Ml.` is Manuel).
_OCR_CAPITAL_L: Final = re.compile(r"\b(?=[A-Z]*l)(?=l*[A-Z])[A-Zl]+\b(?!\.)")
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT_MIX: Final = re.compile(r"(?=.*[a-z])(?=.*[0-9@])[a-z0-9@]+")
# Scripts written without spaces between syllables: each character becomes its own word (`习近平` -> xi jin
# ping), and the matcher joins adjacent words where the list writes them as one (`Xi Jinping`).
_SYLLABIC: Final = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")


_HANGUL_OR_ARABIC: Final = re.compile("[\uac00-\ud7a3\u0600-\u06ff]")


def _script_of(char: str) -> str:
    """A coarse script tag: LATIN, CYRILLIC, GREEK, ARABIC, CJK... from the character's Unicode name."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "OTHER"
    return name.split(" ", 1)[0]


def _fold_homoglyphs(word: str) -> str:
    """Replace look-alike letters in a word that mixes Latin with Cyrillic or Greek letters."""
    scripts = {_script_of(c) for c in word if c.isalpha()}
    if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"}:
        return word.translate(_HOMOGLYPHS)
    return word


def _strip_invisible(text: str) -> str:
    """Drop format, control and combining-only characters that hide inside names (zero-width spaces, BOMs)."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Cs", "Co", "Cn"):
            if char in "\t\n\r":
                out.append(" ")
            continue
        if category == "Zs":
            out.append(" ")
            continue
        out.append(char)
    return "".join(out)


def _fix_digit_lookalikes(token: str) -> str:
    """`j0se` -> `jose`, but a document number like `a1234567` stays as it is."""
    if token.isalpha():  # nearly every token: nothing to do
        return token
    digits = sum(c.isdigit() for c in token)
    if digits and digits * 2 < len(token) and _LETTER_DIGIT_MIX.fullmatch(token):
        return token.translate(_DIGIT_LOOKALIKES)
    if len(token) == 2 and digits == 1 and token.isalnum():  # `A1-Din` is Al-Din, `5U` Su, `La 8o` La Bo
        return token.translate(_DIGIT_LOOKALIKES)
    return token


_FOLDED: Final[dict[str, str]] = {}


def ascii_fold(text: str) -> str:
    """Lowercase ASCII, single spaces; punctuation becomes a space, apostrophes vanish (O'Brien -> obrien)."""
    found = _FOLDED.get(text)
    if found is None:
        found = _ascii_fold_uncached(text)
        if len(_FOLDED) < 200_000:
            _FOLDED[text] = found
    return found


def _ascii_fold_uncached(text: str) -> str:
    if "l" in text:
        text = _OCR_CAPITAL_L.sub(_capital_i, text)
    if text.isascii():  # most list names: the same result as `fold_any`, without its per-character work
        return _words(_clean(text).lower())
    if _ACCENTED_LATIN.fullmatch(text):  # most other names: Latin letters with accents (Piña, Błaszyk)
        return _words(to_ascii(_clean(text)).lower())
    return fold_any(text)


def _clean(text: str) -> str:
    """`text.translate(_ASCII_CLEAN)`: control characters out (tabs and line breaks read as spaces), and
    apostrophes. A printable text has only the apostrophes to drop, which two replacements do faster."""
    if text.isprintable():
        return text.replace("'", "").replace("`", "")
    return text.translate(_ASCII_CLEAN)


def _words(latin: str) -> str:
    """Lowercase ASCII text as single-spaced alphanumeric words, digits read as letters where they stand
    for them."""
    words = _NON_ALNUM.sub(" ", latin).split()
    for char in latin:
        if char.isdigit():
            return " ".join([_fix_digit_lookalikes(t) for t in words])
    return " ".join(words)  # no digit: every word is letters only, as `_fix_digit_lookalikes` leaves it


# Printable ASCII and the precomposed Latin letters of Latin-1 and Latin Extended-A, bar the six with a
# compatibility form (Ĳ ĳ Ŀ ŀ ŉ ſ): in such a text `fold_any` has nothing to strip, normalise, unmask or
# split, and its result is the ASCII path's with the accents transliterated (a property test checks this).
_ACCENTED_LATIN: Final = re.compile("[\t\n\r\x20-\x7e\u00c0-\u0131\u0134-\u013e\u0141-\u0148\u014a-\u017e]+")


_ASCII_CLEAN: Final = {c: None for c in range(32)} | {9: " ", 10: " ", 13: " ", 127: None, 39: None, 96: None}


def _capital_i(match: re.Match[str]) -> str:
    word = match.group(0)
    capitals = len(word) - word.count("l")
    if capitals < 2 and (len(word) != 2 or word[0] in "AEIOU"):  # `Al`, `El`, `Il` are written so
        return word
    return word.replace("l", "I")


def fold_any(text: str) -> str:
    """`ascii_fold` for any Unicode text."""
    if "l" in text:
        text = _OCR_CAPITAL_L.sub(_capital_i, text)
    cleaned = _strip_invisible(text)
    cleaned = unicodedata.normalize("NFKC", cleaned)
    cleaned = _WORD.sub(lambda m: _fold_homoglyphs(m.group(0)), cleaned)
    if _HANGUL_OR_ARABIC.search(cleaned):
        cleaned = romanize_arabic(romanize_hangul(cleaned))
    if _SYLLABIC.search(cleaned):  # a template substitution costs even where nothing matches
        cleaned = _SYLLABIC.sub(r" \1 ", cleaned)
    cleaned = cleaned.replace("'", "").replace("’", "").replace("`", "").replace("ʼ", "").replace("ʻ", "")
    return _words(to_ascii(cleaned).lower().replace("'", ""))


_ASCII_OF: Final[dict[int, str]] = {}
"""anyascii's transliteration of each non-ASCII character met so far, by code point."""
_ASCII_OF_MAX: Final = 200_000


def to_ascii(text: str) -> str:
    """`anyascii(text)`, by `str.translate`: anyascii reads each character on its own, so its answer is
    that of a table of single characters, and a table lookup per character beats its Python loop."""
    if text.isascii():
        return text
    table = _ASCII_OF
    for char in text:
        point = ord(char)
        if point > 127 and point not in table:
            if len(table) >= _ASCII_OF_MAX:  # memory stays bounded, whatever characters are sent
                return anyascii(text)
            table[point] = anyascii(char)
    return text.translate(table)


def tokenize(text: str) -> list[str]:
    return ascii_fold(text).split()
