"""Names as the matcher sees them: cleaned tokens, each with a role (first given name, paternal surname...).

Roles let the scorer forgive what people really drop (a maternal surname, a middle name) and refuse what makes
a different person (another given name with the same two surnames).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import IntEnum
from typing import Final, final

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cruce.core.model import Name, Schema
from cruce.matching.lexicon import short_forms
from cruce.matching.phonetic import has_vowel
from cruce.matching.scorer import CONFIG
from cruce.matching.text import ascii_fold, tokenize
from cruce.matching.variants import (
    LEADING_TITLES,
    LEGAL_FORMS,
    NICKNAME_CANONICAL,
    ORG_SYNONYMS,
    PARTICLES,
    TITLES,
    VARIANT_KEY,
)


class Role(IntEnum):
    """What a token is within its name; its value indexes `UNMATCHED_PENALTY`."""

    FIRST = 0  # first given name
    GIVEN = 1  # middle / second given name
    FAMILY = 2  # paternal (first) surname
    FAMILY2 = 3  # maternal surname, married name
    UNKNOWN = 4  # a person name whose structure the list does not give
    ORG = 5  # a word of an organization or vessel name
    TITLE = 6  # a title or rank that may also be a name (Haji, Sheikh, Coronel): kept, but weighs little


# Enum members read once: compiled code would otherwise look each up on its class every time.
ORG_ROLE: Final = Role.ORG
UNKNOWN_ROLE: Final = Role.UNKNOWN
PERSON_SCHEMA: Final = Schema.PERSON
_UNKNOWN_SCHEMA: Final = Schema.UNKNOWN
_PERSON_OR_UNKNOWN: Final = frozenset((Schema.PERSON, Schema.UNKNOWN))
_ORG_LIKE: Final = frozenset((Schema.ORGANIZATION, Schema.VESSEL, Schema.AIRCRAFT, Schema.VEHICLE))

# How much an unmatched listed token counts against a match, relative to its weight.
UNMATCHED_PENALTY: Final = CONFIG.unmatched_listed_penalty
TITLE_WEIGHT: Final = CONFIG.title_weight
GIVEN_ROLES: Final = frozenset({Role.FIRST, Role.GIVEN})

_ARABIC_COMPOUND_PREFIXES: Final = (
    "abdul",
    "abdel",
    "abdal",
    "abdol",
    "abdoul",
    "abdur",
    "abdar",
    "abdus",
    "abdas",
)


@final
class NameTokens:
    """A name reduced to comparable tokens; `tokens` and `roles` run in parallel. A value: its fields are
    final, and two are equal when their fields are.

    Not a frozen dataclass: compiled, this constructor runs as native code, where a frozen dataclass's
    generated `__init__` ran in the interpreter for every presented name and every other reading of it.
    """

    def __init__(
        self,
        text: str,
        tokens: tuple[str, ...],
        roles: tuple[Role, ...],
        alt_initials: tuple[tuple[int, str], ...] = (),
    ) -> None:
        self.text: Final = text
        self.tokens: Final = tokens
        self.roles: Final = roles
        # (token index, letter): another letter the token may be written as an initial by, because a particle
        # or a kunya the tokens leave out came first (`AL-NAQIB` is `A.`, `Abu Hammam` is `H.`).
        self.alt_initials: Final = alt_initials

    def _fields(self) -> tuple[str, tuple[str, ...], tuple[Role, ...], tuple[tuple[int, str], ...]]:
        return (self.text, self.tokens, self.roles, self.alt_initials)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameTokens) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"NameTokens(text={self.text!r}, tokens={self.tokens!r}, roles={self.roles!r}, "
            f"alt_initials={self.alt_initials!r})"
        )


_SLAVIC_SURNAME_ENDINGS: Final = ("ov", "ova", "ev", "eva", "yev", "yeva", "ovich", "evich", "ovna", "evna")


def _split_arabic_compounds(tokens: list[str]) -> list[str]:
    """`abdulrahman` and `abdul rahman` -> `abd rahman`, so that every spelling aligns token by token."""
    out: list[str] = []
    for token in tokens:
        if token in _ABD_SHORT_FORMS:  # `Abdl.`, written short for Abdul
            out.append("abd")
            continue
        # Every compound prefix starts with `ab`; abdallah, abdullah... are whole names, not abd + allah.
        if not token.startswith("ab") or token in VARIANT_KEY:
            out.append(token)
            continue
        for prefix in _ARABIC_COMPOUND_PREFIXES:
            if token == prefix:
                out.append("abd")
                break
            if token.startswith(prefix) and len(token) - len(prefix) >= 3:
                if token.endswith(_SLAVIC_SURNAME_ENDINGS):  # Abdurakhmanov, Abdullaev: one Russian surname
                    out.append(token)
                else:
                    out.extend(("abd", token[len(prefix) :]))
                break
        else:
            out.append(token)
    return out


def _join_kunya(tokens: list[str]) -> list[str]:
    """`abu ali` (father of Ali) is one name, not the given name Ali: join it so it only matches itself.

    An article between them goes (`abu al-khayr` is `abukhayr`), as it does in `abualkhayr` (`unglued`).
    """
    out: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        after = index + 1
        while after < len(tokens) - 1 and tokens[after] in _ARTICLES:
            after += 1
        if token in _KUNYA and after < len(tokens) and tokens[after] not in PARTICLES:
            name = _SINGLE_FULL_FORM.get(tokens[after], tokens[after])  # `Abu Moh.` is Abu Muhammad
            out.append(token[:2] + "u" + name if token != "umm" else "umm" + name)
            index = after + 1
            continue
        out.append(token)
        index += 1
    return out


_KUNYA: Final = frozenset({"abu", "abou", "abo", "umm"})
_SHORT_FORMS: Final = short_forms()
# Short forms that stand for one name only: inside a kunya, joined into one token, the full name is written.
_SINGLE_FULL_FORM: Final = {short: next(iter(full)) for short, full in _SHORT_FORMS.items() if len(full) == 1}
_ABD_SHORT_FORMS: Final = frozenset(
    short
    for short, full in _SHORT_FORMS.items()
    if all(f in _ARABIC_COMPOUND_PREFIXES for f in full) and short not in _ARABIC_COMPOUND_PREFIXES
)
_ARTICLES: Final = frozenset({"al", "el", "ul", "ad", "ar", "as", "ash", "at", "az", "ud"})


def _drop_titles(tokens: list[str], *, name_end: bool = True) -> list[str]:
    """Remove honorifics that are never names (Dr., Lic., Mr.) and suffixes (Jr.), keeping at least one token.

    Titles and ranks that are also names or surnames (Haji, Sheikh, Don, Coronel) stay, as tokens of little
    weight (`is_title`), so that a list and a traveler that disagree on them still align.
    """
    tokens = [t for t in tokens if t not in TITLES and t not in _SUFFIXES_ANYWHERE] or tokens
    end = len(tokens)
    suffixes = _SUFFIXES if name_end else _SUFFIX_ABBREVIATIONS
    while end > 1 and tokens[end - 1] in suffixes:
        end -= 1
    return tokens[:end]


_SUFFIX_ABBREVIATIONS: Final = frozenset({"jr", "sr", "esq", "ii", "iii", "iv"})
# Generational suffixes that are never a name, wherever a form put them (`SMITH JR, John`, `John Jr Smith`).
_SUFFIXES_ANYWHERE: Final = frozenset({"jr", "esq", "ii", "iii", "iv"})
_SUFFIXES: Final = _SUFFIX_ABBREVIATIONS | {"junior"}  # Junior inside a name is a given name (Onofre Junior)


def person_tokens(text: str, *, name_end: bool = True, cut: bool = False) -> list[str]:
    """Tokens of a person's name; `name_end=False` for a part that does not end the name (so `Junior` in
    `AGUINO ARBOLEDA, Onofre Junior` is a given name, not a suffix); `cut` for a name cut at a field width,
    whose last letter is what is left of a word (`ABDALLAH, Muhammad Y`), not the particle `y`."""
    tokens = tokenize(text)
    if len(tokens) >= 2 and all(len(t) == 1 and t.isalpha() for t in tokens):
        return ["".join(tokens)]  # G.L.G. is an acronym, not three initials
    tokens = _drop_titles(tokens, name_end=name_end)
    tokens = _join_kunya(_split_arabic_compounds(tokens))
    accented = frozenset() if text.isascii() else _accented_particles(text)
    # A single letter leading a name is an initial (`Y. Aitzol`, `D. Castillo`), not the particle `y` or `d`.
    last = len(tokens) - 1
    kept = [
        t
        for i, t in enumerate(tokens)
        if t not in PARTICLES
        or t in accented
        or (i == 0 and len(t) == 1 and len(tokens) > 1)
        or (cut and i == last and len(t) == 1 and i > 0)
    ]
    if len(kept) >= 2 and all(len(t) == 1 and t.isalpha() for t in kept):
        return ["".join(kept)]  # as above: letters alone are an acronym, however they were reached
    return kept or tokens


def _accented_particles(text: str) -> frozenset[str]:
    """Words spelt as a particle once their accents are gone, but written with them (`Lê`, `Văn`, `Đỗ`): no
    particle carries an accent, so these are Vietnamese names (Le, Van, Do), kept as the lists keep them."""
    return frozenset(
        folded
        for word in text.split()
        if not word.isascii() and _latin(word) and (folded := ascii_fold(word)) in PARTICLES
    )


def _latin(word: str) -> bool:
    """Written in Latin letters, accented ones included (Latin-1 to Extended-B, and Extended Additional,
    where Vietnamese letters are): not the Arabic `بن` that folds to the particle bin."""
    return all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF for c in word)


def _join_acronyms(tokens: list[str]) -> list[str]:
    """`s a de c v` (from S.A. de C.V.) -> `sa de cv`: letters of a dotted acronym become one token."""
    out: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1 and token.isalpha():
            run += token
            continue
        if run:
            out.append(run)
            run = ""
        out.append(token)
    if run:
        out.append(run)
    return out


_LONG_LEGAL_FORMS: Final = tuple(sorted(f for f in LEGAL_FORMS if len(f) >= 6))


_LEGAL_FORM_ANSWERS: Final[dict[str, bool]] = {}


def _is_legal_form(token: str) -> bool:
    """A legal form, also misspelt (`comeany`, `limiwted`): companies are told apart by their other words."""
    found = _LEGAL_FORM_ANSWERS.get(token)
    if found is None:
        found = _is_legal_form_uncached(token)
        if len(_LEGAL_FORM_ANSWERS) < 100_000:
            _LEGAL_FORM_ANSWERS[token] = found
    return found


def _is_legal_form_uncached(token: str) -> bool:
    if token in LEGAL_FORMS:
        return True
    if len(token) < 6:
        return False
    return process.extractOne(token, _LONG_LEGAL_FORMS, scorer=OSA.distance, score_cutoff=2) is not None


# Ship-type prefixes written before a vessel's name: motor vessel, motor tanker, steamship, fishing vessel.
_VESSEL_PREFIXES: Final = frozenset({"mv", "mt", "ms", "mts", "ss", "fv", "mvs", "tb"})

# Pieces of Spanish legal forms that lose their dots and spaces (`DEC.V.`, `S.DER.L.`, `SADECV`).
_LEGAL_PIECES: Final = ("sapi", "sab", "sa", "de", "cv", "rl", "s", "c", "v", "r", "l", "a")


_GLUED_LEGAL_FORM_ANSWERS: Final[dict[str, bool]] = {}


def _is_glued_legal_form(token: str) -> bool:
    """`dec`, `derl`, `sderl`, `sadecv`: a token made only of legal-form pieces, at least two of them."""
    found = _GLUED_LEGAL_FORM_ANSWERS.get(token)
    if found is None:
        found = _is_glued_legal_form_uncached(token)
        if len(_GLUED_LEGAL_FORM_ANSWERS) < 100_000:
            _GLUED_LEGAL_FORM_ANSWERS[token] = found
    return found


def _is_glued_legal_form_uncached(token: str) -> bool:
    if len(token) > 10 or len(token) < 3 or "de" not in token or token.endswith("de"):  # casa, sade: names
        return False
    return _splits_into_legal_pieces(token, 0)


def _splits_into_legal_pieces(rest: str, parts: int) -> bool:
    """`rest` is made of `_LEGAL_PIECES`, with `parts` pieces already taken (two at least in all). A module
    function, not a closure: a nested function refers to itself through a cycle the collector must free."""
    if not rest:
        return parts >= 2
    return any(
        rest.startswith(p) and _splits_into_legal_pieces(rest[len(p) :], parts + 1) for p in _LEGAL_PIECES
    )


LONGEST_LEGAL_FORM: Final = 7  # words: Sociedad de Responsabilidad Limitada de Capital Variable
FUZZY_JOINED_FORM: Final = 20
"""Letters from which a legal form of several words may be spelt two letters off and still be read as one
(`ogranichennoi`/`ogranichennoy`, `aktsionernoye`/`aktsionernoe`): no name's words come that close to one."""
_LONG_FORM_STARTS: Final = frozenset(f[:4] for f in _LONG_LEGAL_FORMS if len(f) >= FUZZY_JOINED_FORM)


def _may_spell_long_form(joined: str, first: str) -> bool:
    """Words joined long enough to be a legal form spelt two letters off, and starting as one does: a name's
    word before the form (`up` of `AMERICAN ROOF UP, SOCIEDAD ...`) is two letters too, and must stay."""
    return len(joined) >= FUZZY_JOINED_FORM and first[:4] in _LONG_FORM_STARTS


def _strip_legal_tail(tokens: list[str]) -> list[str]:
    """Drop a legal form at the end however its dots split it (`s der l dec v` from `S.DER.L. DEC.V.`)."""
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for k in range(min(LONGEST_LEGAL_FORM, len(tokens) - 1), 0, -1):
            tail = "".join(ORG_SYNONYMS.get(t, t) for t in tokens[-k:])  # `Co` is company, `Ltd` limited
            # Misspelt forms (`limiwted`) only as one word or as a long form of several (`Obshchestvo s
            # Ogranichennoi Otvetstvennostyu`): joined to the word before, a short form two letters from a
            # legal form is a name (`up sociedad` is not `sociedad`, `uk limited` not `limited`).
            fuzzy = k == 1 or _may_spell_long_form(tail, tokens[-k])
            legal = _is_legal_form(tail) if fuzzy else tail in LEGAL_FORMS
            if tail in PARTICLES or legal or _is_glued_legal_form(tail):
                tokens = tokens[:-k]
                changed = True
                break
    return tokens


def _strip_legal_head(tokens: list[str]) -> list[str]:
    """Drop a legal form of several words written first (`JOINT STOCK COMPANY TAATTA BANK`); one-word forms
    are dropped wherever they stand (`org_tokens`)."""
    for k in range(min(4, len(tokens) - 1), 1, -1):
        head = "".join(ORG_SYNONYMS.get(t, t) for t in tokens[:k])
        if head in LEGAL_FORMS or (_may_spell_long_form(head, tokens[0]) and _is_legal_form(head)):
            return tokens[k:]
    return tokens


def org_tokens(text: str, *, cut: bool = False) -> list[str]:
    """Tokens of an organisation's name without legal forms, particles or personal titles around it; `cut`
    for a name cut at a field width, whose last word is kept whatever it is (`INTERNET RESEARCH AG` is
    what is left of Internet Research Agency, `CONCORD MANAGEMENT A` of Concord Management and ...)."""
    words = org_words(text)
    if cut:
        for k in range(min(LONGEST_LEGAL_FORM, len(words) - 1), 1, -1):
            # Cut inside a legal form of several words (`... PRIVATE LIMI`, `... PUBLIC JO`): it is dropped.
            if "".join(ORG_SYNONYMS.get(t, t) for t in words[-k:]) in _LEGAL_FORM_STARTS:
                words = words[:-k]
                cut = False
                break
    whole = _org_kept(words)
    if cut and len(words) > 1:
        before = _org_kept(words[:-1])
        if whole == before:  # the last word alone was dropped: it may be the start of a longer word
            return [*before, words[-1]]
    return whole


def org_words(text: str) -> list[str]:
    """An organisation's words before any is dropped: dotted acronyms joined (`s a de c v` -> `sa de cv`), a
    ship's IMO number left out (`IMO 9116412` identifies the hull; identifiers are compared apart) and `No.`
    before a number dropped (`NO. 8` is 8)."""
    tokens = _join_acronyms(tokenize(text))
    out: list[str] = []
    k = 0
    while k < len(tokens):
        token = tokens[k]
        following = tokens[k + 1] if k + 1 < len(tokens) else ""
        if token == "imo" and following.isdigit() and len(following) == IMO_NUMBER_LENGTH:
            k += 2
            continue
        if token in _NUMBER_WORDS and out and following.isdigit():
            k += 1
            continue
        out.append(token)
        k += 1
    return out or tokens


def _org_kept(tokens: list[str]) -> list[str]:
    if len(tokens) > 1 and tokens[0] in _VESSEL_PREFIXES:  # M/V EVER GIVEN is the ship EVER GIVEN
        tokens = tokens[1:]
    tokens = _strip_legal_head(_strip_legal_tail(tokens))
    kept = [
        t
        for t in tokens
        if t not in PARTICLES
        and t not in TITLES
        and not _is_legal_form(ORG_SYNONYMS.get(t, t))
        and not _is_glued_legal_form(t)
    ] or tokens
    # A series in roman numerals after the first word is a number: `DREAM II` is DREAM 2, and `FUND IV` is
    # not FUND I.
    return [str(_roman_value(t)) if k and _ROMAN_NUMERAL.fullmatch(t) else t for k, t in enumerate(kept)]


_ROMAN_NUMERAL: Final = re.compile(r"(x{0,3})(ix|iv|v?i{0,3})")
_ROMAN_VALUES: Final = {"i": 1, "v": 5, "x": 10}
_NUMBER_WORDS: Final = frozenset({"no", "nro", "num", "nr"})
IMO_NUMBER_LENGTH: Final = 7


def _roman_value(numeral: str) -> int:
    total = 0
    for k, char in enumerate(numeral):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[numeral[k + 1]] if k + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


_FILLER_PREFIXES: Final = frozenset(
    word[:k] for word in LEGAL_FORMS | PARTICLES if len(word) <= 12 for k in range(1, len(word) + 1)
)


_LEGAL_FORM_STARTS: Final = frozenset(
    form[:k] for form in LEGAL_FORMS if len(form) >= 8 for k in range(4, len(form) + 1)
)


def is_filler_fragment(token: str) -> bool:
    """A legal form or particle, or the start of one (`a` of `and`, `l` of `llc`, `ag`): the last word of a
    name cut at a field width that may be all that is left of a word the lists drop."""
    return token in _FILLER_PREFIXES


_GENERATIONS: Final = {
    "jr": "jr",
    "junior": "jr",
    "sr": "sr",
    "senior": "sr",
    "ii": "ii",
    "iii": "iii",
    "iv": "iv",
}


def generation(text: str) -> str:
    """The generational suffix a person's name carries (`jr`, `sr`, `ii`, `iii`, `iv`), or "" for none.
    Not the first word (`Sr.` leading a Spanish name is Señor); `Junior` and `Senior` only last (Onofre
    Junior is a given name)."""
    tokens = tokenize(text)
    for k in range(1, len(tokens)):
        found = _GENERATIONS.get(tokens[k])
        if found is not None and (len(tokens[k]) <= 3 or k == len(tokens) - 1):
            return found
    return ""


STRIPPED_MIN_LENGTH: Final = 4
_DIGITS: Final = "0123456789"


def vowels_stripped(tokens: tuple[str, ...]) -> bool:
    """A name written without its vowels (`VLNCA ARS, Ls Frnndo`, `MHDV, Amn`), as degraded records and some
    messages carry it: every word of four letters or more keeps no vowel between its first and last letters,
    and there is such a word. Its words are then compared by their consonants, known words included."""
    found = False
    for token in tokens:
        if len(token) >= STRIPPED_MIN_LENGTH and token[0] not in _DIGITS:  # 1425 is a number
            for char in token[1:-1]:
                if char in "aeiouy":
                    return False
            found = True
    return found


_NO_WORDS: Final[frozenset[str]] = frozenset()


def stripped_words(tokens: tuple[str, ...]) -> frozenset[str]:
    """The words of a presented name written without their vowels: every word when the whole name is
    (`vowels_stripped`), else each word of three letters or more with no vowel at all (`Mhsn Qomi`)."""
    if vowels_stripped(tokens):
        return frozenset(tokens)
    found = [
        t for t in tokens if len(t) >= STRIPPED_MIN_LENGTH - 1 and t[0] not in _DIGITS and not has_vowel(t)
    ]
    return frozenset(found) if found else _NO_WORDS


_DOTTED_WORD: Final = re.compile(r"([^\W\d_]{2,})\.(?!\w)")


def dotted_words(text: str) -> frozenset[str]:
    """Words of two letters or more written with a full stop after them (`Aleks.`, `Ml.`, `Abd.`): the
    writer marks them as short, so they are read as abbreviations even when a list knows the word itself."""
    if "." not in text:
        return _NO_WORDS
    # Folded with its full stop, which keeps `Vl.` from being read as a misread `VI`.
    found = [t for m in _DOTTED_WORD.finditer(text) for t in tokenize(m.group(0))]
    return frozenset(found) if found else _NO_WORDS


def is_filler_word(token: str) -> bool:
    """A whole legal form or particle (`corp`, `ag`, `de`), as opposed to the start of one."""
    return token in LEGAL_FORMS or token in PARTICLES


def is_title(token: str) -> bool:
    return token in LEADING_TITLES


_PATRONYMIC_ENDINGS: Final = (
    "ovich", "evich", "avich", "ovych", "evych", "ovna", "evna", "ivna", "owitsch", "ewitsch", "ovitch",
    "evitch",
)  # fmt: skip
PATRONYMIC_MIN_LENGTH: Final = 7


def is_patronymic(token: str) -> bool:
    """A father's name as East Slavic names carry it (Romanovich, Borisovna, Hryhoryavich, German
    Wladimirowitsch): a middle name, which one side often gives and the other leaves out."""
    return len(token) >= PATRONYMIC_MIN_LENGTH and token.endswith(_PATRONYMIC_ENDINGS)


def _assign_roles(tokens: list[str], first: Role, rest: Role) -> list[Role]:
    """`first` for the first token that is not a title, `rest` for the others, TITLE for titles."""
    roles: list[Role] = []
    assigned = False
    for token in tokens:
        if is_title(token):
            roles.append(Role.TITLE)
        elif not assigned:
            roles.append(first)
            assigned = True
        else:
            roles.append(rest)
    return roles


def _alt_initials(family: str, family_tokens: list[str]) -> tuple[tuple[int, str], ...]:
    """Letters the first surname may also be abbreviated to (see `NameTokens.alt_initials`)."""
    if not family_tokens:
        return ()
    first = family_tokens[0]
    found = set()
    raw = tokenize(family)
    if raw and raw[0] in PARTICLES and raw[0][0] != first[0]:
        found.add(raw[0][0])
    bare = unglued(first)
    if bare and bare[0] != first[0]:
        found.add(bare[0])
    for kunya in ("abu", "umm"):
        if first.startswith(kunya) and len(first) > len(kunya) + 2:
            found.add(first[len(kunya)])
    return tuple((0, letter) for letter in sorted(found))


def _roles_from_split(family: str, given: str, *, cut: bool = False) -> tuple[list[str], list[Role]]:
    """Tokens and roles of a name the list (or the presenter) split into surnames and given names; `cut`
    when a presented name was cut at a field width (see `person_tokens`)."""
    given_tokens = person_tokens(given, name_end=False, cut=cut) if given.strip() else []
    family_tokens = person_tokens(family, cut=cut and not given_tokens)
    # A rank or honorific written before the surname (`Gen. SAEED`, `Hajji AZIZAH`) is a title, not the
    # paternal surname; titles that are also Spanish surnames (Coronel, Mayor) stay surnames.
    lead = 0
    while (
        lead < len(family_tokens) - 1
        and is_title(family_tokens[lead])
        and family_tokens[lead] not in _SURNAME_TITLES
    ):
        lead += 1
    if given_tokens and family_tokens and given_tokens[-1] in _KUNYA:
        # `HAMMAM, Yahya Abu` is Yahya Abu Hammam: the kunya belongs to the surname (after any title).
        family_tokens[lead] = _join_kunya([given_tokens.pop(), family_tokens[lead]])[0]
    tokens = family_tokens + given_tokens
    roles = [Role.TITLE] * lead
    roles += [Role.FAMILY if i == 0 else Role.FAMILY2 for i in range(len(family_tokens) - lead)]
    roles += _assign_roles(given_tokens, Role.FIRST, Role.GIVEN)
    return tokens, roles


# Titles that are also surnames in Spanish: before a comma they are read as the surname they may be.
_SURNAME_TITLES: Final = frozenset(
    {"coronel", "mayor", "capitan", "teniente", "sargento", "almirante", "comandante", "don", "lord"}
)


def listed_name_tokens(name: Name, schema: Schema) -> NameTokens:
    """Tokens and roles of a name on a list, using the list's own surname split when it gives one."""
    if schema is PERSON_SCHEMA:
        # Only a suffix or a title after the comma (`ORVILLE L. PARKER, JR.`): the name is not in the
        # lists' order, and is read as a whole below.
        if name.family is not None and (not name.given or _has_name_words(name.given)):
            tokens, roles = _roles_from_split(name.family, name.given or "")
            if tokens:
                alt = _alt_initials(name.family, tokens[:1])
                return NameTokens(name.text, tuple(tokens), tuple(roles), alt)
        family, comma, given = name.text.partition(",")
        if comma and _has_name_words(given):
            tokens, roles = _roles_from_split(family, given)
            if tokens:
                alt = _alt_initials(family, tokens[:1])
                return NameTokens(name.text, tuple(tokens), tuple(roles), alt)
        tokens = person_tokens(name.text)
        roles = [Role.TITLE if is_title(t) else UNKNOWN_ROLE for t in tokens]
        plain = [i for i, role in enumerate(roles) if role is UNKNOWN_ROLE]
        if len(plain) >= 2:
            roles[plain[0]] = Role.FIRST
            roles[plain[-1]] = Role.FAMILY
        return NameTokens(name.text, tuple(tokens), tuple(roles))
    tokens = org_tokens(name.text)
    return NameTokens(name.text, tuple(tokens), (ORG_ROLE,) * len(tokens))


def query_name_tokens(text: str, schema: Schema) -> NameTokens:
    """Tokens of a presented name; its structure is unknown unless written `FAMILY, Given`.

    A name of unknown kind written `FAMILY, Given` is read as a person's unless it carries a company word:
    lists and manifests write people that way, and reading it the same way as the list keeps the two alike.
    """
    if "," in text and (
        schema is PERSON_SCHEMA
        or (
            schema is _UNKNOWN_SCHEMA
            and (not looks_like_organization(text) or _surname_is_a_legal_form(text))
        )
    ):
        family, _, given = text.partition(",")
        # Only particles, titles or a suffix after the comma (`Mohammed GHABRA, AL`, `PIZANA, JR.`): the
        # name is not in the lists' order, so it is read as a name of unknown order below. A name cut at a
        # field width just after the comma keeps its surnames as surnames (what followed is simply absent).
        length = len(text.strip())
        if _has_name_words(given) or length in _FIELD_WIDTHS or length + 1 in _FIELD_WIDTHS:
            tokens, roles = _roles_from_split(family, given, cut=length in _FIELD_WIDTHS)
            if tokens:
                return NameTokens(text, tuple(tokens), tuple(roles))
    if schema in _ORG_LIKE or (schema is _UNKNOWN_SCHEMA and looks_like_organization(text)):
        tokens = org_tokens(text, cut=len(text.strip()) in _FIELD_WIDTHS)
        return NameTokens(text, tuple(tokens), (ORG_ROLE,) * len(tokens))
    tokens = person_tokens(text, cut=len(text.strip()) in _FIELD_WIDTHS)
    return NameTokens(text, tuple(tokens), (UNKNOWN_ROLE,) * len(tokens))


# Words that make a presented name of unknown kind a company: legal forms, bar those that are also words
# of people's names, plus a few unmistakable company words.
_CORPORATE_MARKERS: Final = frozenset(
    f for f in LEGAL_FORMS if len(f) > 1 and f not in {"and", "the", "of", "as", "ab", "ac", "ao", "ci", "eu"}
) | {
    "bank",
    "banco",
    "group",
    "holdings",
    "industries",
}


_ORG_WORDS: Final = frozenset(k for k in ORG_SYNONYMS if len(k) >= 5) | frozenset(
    v for v in ORG_SYNONYMS.values() if len(v) >= 5
)


_FIELD_WIDTHS: Final = frozenset(CONFIG.field_widths)


def _has_name_words(part: str) -> bool:
    """A word that is no particle, title or suffix, or a particle that is also a given name's short form
    (Ben)."""
    return any(
        (t not in PARTICLES or t in NICKNAME_CANONICAL)
        and t not in TITLES
        and not is_title(t)
        and t not in _SUFFIXES
        for t in tokenize(part)
    )


def unordered_reading(name: NameTokens, schema: Schema) -> NameTokens | None:
    """`Mohammed GHABRA, AL`: only a particle after the comma, and one that is also a short given name (Al,
    Ben). Read first as `FAMILY, Given` (`TORRES SOSA, Ben`), the name is also read in no particular order,
    and the matcher keeps the better reading. None when there is no second reading."""
    if "," not in name.text or schema not in _PERSON_OR_UNKNOWN or ORG_ROLE in name.roles:
        return None
    words = tokenize(name.text.partition(",")[2])
    if not words or not all(t in PARTICLES for t in words) or not any(t in NICKNAME_CANONICAL for t in words):
        return None
    tokens = person_tokens(name.text)
    return NameTokens(name.text, tuple(tokens), (UNKNOWN_ROLE,) * len(tokens))


def _surname_is_a_legal_form(text: str) -> bool:
    """`PAO, Hua Chiang`: a surname that is also a legal form (PAO, SA, AG), alone before the comma, and a
    given part with no company word: a person written the way lists write people."""
    family, _, given = text.partition(",")
    words = [t for t in tokenize(family) if t not in TITLES and not is_title(t)]
    return (
        len(words) == 1
        and len(words[0]) <= 3
        and _has_name_words(given)
        and not looks_like_organization(given)
    )


def looks_like_organization(text: str) -> bool:
    """A presented name of unknown kind that carries a legal form or a corporate word is a company, also when
    the form lost its dots and spaces (`SADECV`) or its dots split it oddly (`S AC.`, `SAR.L.`)."""
    tokens = _join_acronyms(tokenize(text))
    if any(token in _CORPORATE_MARKERS or token in _ORG_WORDS for token in tokens):
        return True
    # SADECV, SDERL; not `adel`, which also splits into legal-form pieces
    if any(len(t) >= 5 and t.endswith(("cv", "rl")) and _is_glued_legal_form(t) for t in tokens):
        return True
    return len(tokens) >= 3 and any("".join(tokens[-k:]) in _CORPORATE_MARKERS for k in (2, 3))


# Particles that people and systems glue to the next word (`DELAROSA`, `delRio`, `VANDERBERG`, `ALSHANTI`),
# longest first so that `dela` is taken before `de`.
_GLUED_PARTICLES: Final = tuple(
    sorted(
        {"de", "del", "dela", "delas", "delos", "da", "das", "dos", "di", "du", "van", "vander", "vanden",
         "von", "der", "den", "la", "las", "los", "le", "bin", "ibn", "ben", "bint", "al", "el", "ul", "ad",
         "ar", "as", "ash", "at", "az", "ud"},
        key=len,
        reverse=True,
    )
)  # fmt: skip


MIN_UNGLUED: Final = 3


_PARTICLE_SPLITS: Final[dict[str, tuple[str, ...]]] = {}


def particle_splits(token: str) -> tuple[str, ...]:
    """What may follow a particle glued to the front of `token` besides `unglued`'s longest-first choice
    (`deleon` -> leon, where `unglued` takes `del` and leaves `eon`): every other particle's rest of four
    letters or more. Compared with a listed word, never indexed."""
    found = _PARTICLE_SPLITS.get(token)
    if found is None:
        found = _particle_splits_uncached(token)
        if len(_PARTICLE_SPLITS) < 200_000:
            _PARTICLE_SPLITS[token] = found
    return found


def _particle_splits_uncached(token: str) -> tuple[str, ...]:
    longest = unglued(token)
    return tuple(
        [
            token[len(particle) :]
            for particle in _GLUED_PARTICLES
            if token.startswith(particle)
            and len(token) - len(particle) > MIN_UNGLUED
            and token[len(particle) :] != longest
        ]
    )


_UNGLUED: Final[dict[str, str]] = {}


def unglued(token: str) -> str:
    """`token` without particles glued to its front (`delarosa` -> `rosa`, `abualkhayr` -> `abukhayr`).

    What remains must keep three letters, so that real names starting like a particle (`delgado` -> `gado`)
    are only ever compared, never indexed as something else; the scorer decides whether the rest agrees.
    """
    found = _UNGLUED.get(token)
    if found is None:
        found = _unglued_uncached(token)
        if len(_UNGLUED) < 200_000:
            _UNGLUED[token] = found
    return found


def _unglued_uncached(token: str) -> str:
    head = ""
    for kunya in ("abu", "umm"):
        if token.startswith(kunya) and len(token) > len(kunya) + 3:
            head, token = kunya, token[len(kunya) :]
            break
    stripped = True
    while stripped:
        stripped = False
        for particle in _GLUED_PARTICLES:  # longest first; a shorter one never splits what a longer began
            if token.startswith(particle):
                if len(token) - len(particle) >= MIN_UNGLUED:
                    token = token[len(particle) :]
                    stripped = True
                break
    return head + token


MIN_SPLIT_PART: Final = 2
LEGAL_SPLIT_MIN: Final = 4  # letters of each part when a company's word is split off a legal form or filler


def rejoined(name: NameTokens, vocabulary: Mapping[str, object]) -> NameTokens | None:
    """The name with words joined or split the way the lists write them, or None when nothing changes.

    Two adjacent words whose concatenation is a listed word are joined (`abdul rahman`, `jin ping`); a word
    no list knows that splits into two listed words is split (`chongnam` -> `chong nam`). The matcher scores
    both readings and keeps the better, so a joined or split name is never worse off than it was.
    """
    tokens, roles = name.tokens, name.roles
    out: list[str] = []
    out_roles: list[Role] = []
    changed = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if i + 1 < len(tokens) and token + tokens[i + 1] in vocabulary:
            out.append(token + tokens[i + 1])
            out_roles.append(roles[i])
            changed = True
            i += 2
            continue
        if token not in vocabulary and len(token) >= 2 * MIN_SPLIT_PART + 1 and token not in LEGAL_FORMS:
            parts = _split_into_words(token, vocabulary, three=roles[i] is ORG_ROLE)
            out.extend(parts)
            out_roles.extend(roles[i] for _ in parts)
            changed = changed or parts != [token]
        else:
            out.append(token)
            out_roles.append(roles[i])
        i += 1
    if not changed:
        return None
    return NameTokens(name.text, tuple(out), tuple(out_roles))


def _split_into_words(token: str, vocabulary: Mapping[str, object], *, three: bool) -> list[str]:
    """`chongnam` -> [chong, nam]; failing two words and when `three`, three (`chonmasan` -> [chon, ma, san],
    ships and companies named syllable by syllable on the lists); else [token]. People's joined names are
    two words (`jongun`): trying three for every misspelt surname would find spurious readings."""
    for cut in range(MIN_SPLIT_PART, len(token) - MIN_SPLIT_PART + 1):
        head, tail = token[:cut], token[cut:]
        if head in vocabulary and tail in vocabulary:
            return [head, tail]
    if three:
        # A company's word joined to a word the lists drop from its names (`tigristrading`, `capitalpawn`):
        # the listed word alone is what is left to compare.
        for cut in range(LEGAL_SPLIT_MIN, len(token) - LEGAL_SPLIT_MIN + 1):
            head, tail = token[:cut], token[cut:]
            if head in vocabulary and tail in LEGAL_FORMS:
                return [head]
            if tail in vocabulary and head in LEGAL_FORMS:
                return [tail]
    if three and len(token) >= 3 * MIN_SPLIT_PART:
        for cut in range(MIN_SPLIT_PART, len(token) - 2 * MIN_SPLIT_PART + 1):
            head = token[:cut]
            if head not in vocabulary:
                continue
            for second in range(cut + MIN_SPLIT_PART, len(token) - MIN_SPLIT_PART + 1):
                middle, tail = token[cut:second], token[second:]
                if middle in vocabulary and tail in vocabulary:
                    return [head, middle, tail]
    return [token]
