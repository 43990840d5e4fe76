"""Identifier numbers with the real structure and check digits, so the matcher sees well-formed documents.

A CURP or RFC that ignores the issuing rules would teach nothing: identifier normalisation, format checks and
"CURP agrees with the birth date" evidence all need values built the way RENAPO and the SAT build them. The
parts that cannot be derived from the name (homoclave) are drawn from the generator passed in.
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from datetime import date

# fmt: off
CURP_STATES: frozenset[str] = frozenset({
    "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN", "MS",
    "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS", "NE",
})
"""Two-letter birth-state codes RENAPO uses in the CURP; `NE` is "born abroad"."""

CURP_PATTERN = re.compile(
    r"^[A-Z][AEIOUX][A-Z]{2}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[HM]"
    r"(?:" + "|".join(sorted(CURP_STATES)) + r")[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\d$"
)
RFC_PERSON_PATTERN = re.compile(r"^[A-ZÑ&]{4}\d{6}[A-Z0-9]{2}[0-9A]$")
RFC_COMPANY_PATTERN = re.compile(r"^[A-ZÑ&]{3}\d{6}[A-Z0-9]{2}[0-9A]$")

# Words that RENAPO and the SAT refuse to print as the first four letters (the "palabras inconvenientes").
_INCONVENIENT = frozenset({
    "BACA", "BAKA", "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE", "COGI", "COJA",
    "COJE", "COJI", "COJO", "COLA", "CULO", "FALO", "FETO", "GETA", "GUEI", "GUEY", "JETA", "JOTO", "KACA",
    "KACO", "KAGA", "KAGO", "KAKA", "KAKO", "KOGE", "KOGI", "KOJA", "KOJE", "KOJI", "KOJO", "KOLA", "KULO",
    "LILO", "LOCA", "LOCO", "LOKA", "LOKO", "MAME", "MAMO", "MEAR", "MEAS", "MEON", "MIAR", "MION", "MOCO",
    "MOKO", "MULA", "MULO", "NACA", "NACO", "PEDA", "PEDO", "PENE", "PIPI", "PITO", "POPO", "PUTA", "PUTO",
    "QULO", "RATA", "ROBA", "ROBE", "ROBO", "RUIN", "SENO", "TETA", "VACA", "VAGA", "VAGO", "VAKA", "VUEI",
    "VUEY", "WUEI", "WUEY",
})
# Particles skipped when taking letters from a surname or given name.
_SKIP_WORDS = frozenset({
    "DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LOS", "LAS", "LE", "LES", "MAC", "MC",
    "VAN", "VON", "Y",
})
# When the first given name is one of these and there are more, the CURP and RFC use the second one.
_COMMON_FIRST = frozenset({"MARIA", "MA", "MA.", "JOSE", "J", "J."})
# Company words the SAT ignores when building the RFC letters.
_COMPANY_SKIP = frozenset({
    "DE", "DEL", "LA", "LAS", "LOS", "Y", "E", "EL", "SA", "CV", "RL", "S", "SAPI", "SC", "COMPANIA", "CIA",
    "SOCIEDAD", "SOC", "COOPERATIVA", "COOP", "THE", "OF", "AND",
})
# fmt: on
_VOWELS = frozenset("AEIOU")
_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_HOMOCLAVE = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


def _plain_upper(text: str) -> str:
    """Upper case without accents, keeping Ñ (which the rules treat specially)."""
    out = []
    for char in text.upper():
        if char == "Ñ":
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


def _words(text: str | None) -> list[str]:
    if not text:
        return []
    cleaned = re.sub(r"[^A-ZÑ ]", " ", _plain_upper(text).replace(".", " "))
    return [w for w in cleaned.split() if w not in _SKIP_WORDS]


def _surname_word(surname: str | None) -> str:
    words = _words(surname)
    return words[0] if words else ""


def _given_word(given: str | None) -> str:
    words = [w for w in re.sub(r"[^A-ZÑ. ]", " ", _plain_upper(given or "")).split() if w not in _SKIP_WORDS]
    if len(words) > 1 and words[0] in _COMMON_FIRST:
        return words[1].rstrip(".")
    return words[0].rstrip(".") if words else ""


def _first_internal(word: str, consonant: bool) -> str:
    for char in word[1:]:
        is_vowel = char in _VOWELS
        if (consonant and not is_vowel and char.isalpha()) or (not consonant and is_vowel):
            return "X" if char == "Ñ" else char
    return "X"


def _initial(word: str) -> str:
    if not word:
        return "X"
    return "X" if word[0] == "Ñ" else word[0]


def curp_check_digit(first17: str) -> str:
    """The 18th CURP character: a weighted sum of the first 17 over RENAPO's 37-symbol alphabet, mod 10."""
    total = sum(_CURP_ALPHABET.index(char) * (18 - pos) for pos, char in enumerate(first17))
    return str((10 - total % 10) % 10)


def make_curp(
    paternal: str,
    maternal: str | None,
    given: str,
    *,
    birth: date,
    male: bool,
    state: str,
    rng: random.Random,
) -> str:
    """Build a CURP the way RENAPO does: letters from the names, birth date, sex, state, consonants, check.

    The 17th character only distinguishes namesakes (a digit before 2000, a letter from 2000), so it is drawn.
    """
    if state not in CURP_STATES:
        raise ValueError(f"unknown CURP state code {state!r}")
    pat, mat, giv = _surname_word(paternal), _surname_word(maternal), _given_word(given)
    letters = _initial(pat) + _first_internal(pat, False) + _initial(mat) + _initial(giv)
    if letters in _INCONVENIENT:
        letters = letters[0] + "X" + letters[2:]
    consonants = _first_internal(pat, True) + _first_internal(mat, True) + _first_internal(giv, True)
    differentiator = rng.choice(string.digits) if birth.year < 2000 else rng.choice(string.ascii_uppercase)
    body = f"{letters}{birth:%y%m%d}{'H' if male else 'M'}{state}{consonants}{differentiator}"
    return body + curp_check_digit(body)


def rfc_check_digit(first: str) -> str:
    """The SAT check character over the first 11 (company) or 12 (person) characters; `A` stands for 10."""
    padded = first.rjust(12)
    total = sum(_RFC_ALPHABET.index(char) * (13 - pos) for pos, char in enumerate(padded))
    remainder = total % 11
    digit = 0 if remainder == 0 else 11 - remainder
    return "A" if digit == 10 else str(digit)


def make_rfc_person(paternal: str, maternal: str | None, given: str, birth: date, rng: random.Random) -> str:
    """A 13-character RFC for a natural person: four name letters, birth date, drawn homoclave, check."""
    pat, mat, giv = _surname_word(paternal), _surname_word(maternal), _given_word(given)
    if not mat:
        letters = (pat[:2] + giv[:2]).ljust(4, "X")
    else:
        letters = _initial(pat) + _first_internal(pat, False) + _initial(mat) + _initial(giv)
    if letters in _INCONVENIENT:
        letters = letters[:3] + "X"
    body = f"{letters}{birth:%y%m%d}{rng.choice(_HOMOCLAVE)}{rng.choice(_HOMOCLAVE)}"
    return body + rfc_check_digit(body)


def make_rfc_company(name: str, founded: date, rng: random.Random) -> str:
    """A 12-character RFC for a company: three letters from the name's significant words, founding date."""
    words = [w for w in re.sub(r"[^A-ZÑ& ]", " ", _plain_upper(name)).split() if w not in _COMPANY_SKIP]
    if not words:
        words = ["XXX"]
    if len(words) >= 3:
        letters = words[0][0] + words[1][0] + words[2][0]
    elif len(words) == 2:
        letters = words[0][0] + words[1][:2]
    else:
        letters = words[0][:3]
    letters = letters.ljust(3, "X")
    body = f"{letters}{founded:%y%m%d}{rng.choice(_HOMOCLAVE)}{rng.choice(_HOMOCLAVE)}"
    return body + rfc_check_digit(body)


def imo_number(rng: random.Random) -> str:
    """Seven digits whose last is the IMO check digit (weights 7..2 over the first six, mod 10)."""
    first = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(5)]
    check = sum(d * w for d, w in zip(first, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, first)) + str(check)


def imo_is_valid(value: str) -> bool:
    digits = value.upper().removeprefix("IMO").strip()
    if not re.fullmatch(r"\d{7}", digits):
        return False
    return sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10 == int(digits[6])


_MMSI_MID = {
    "MX": ("345",),
    "US": ("338", "366", "367", "368", "369"),
    "CA": ("316",),
    "CO": ("730",),
    "PA": ("351", "352", "353", "354", "355"),
    "HN": ("334",),
    "BZ": ("312",),
    "LR": ("636",),
    "MH": ("538",),
    "GT": ("332",),
}


def mmsi_number(flag: str, rng: random.Random) -> str:
    """Nine digits starting with the flag state's Maritime Identification Digits."""
    mid = rng.choice(_MMSI_MID.get(flag, ("345",)))
    return mid + "".join(rng.choice(string.digits) for _ in range(6))


def passport_number(country: str, rng: random.Random) -> str:
    """A passport number in the shape the issuing country uses (letter + 8 digits in Mexico, 9 in the US)."""
    digits = string.digits
    if country == "MX":
        return rng.choice("GNP") + "".join(rng.choice(digits) for _ in range(8))
    if country == "US":
        return str(rng.randint(1, 9)) + "".join(rng.choice(digits) for _ in range(8))
    if country == "CA":
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(2)) + "".join(
            rng.choice(digits) for _ in range(6)
        )
    if country == "CO":
        return rng.choice(("AO", "AP", "AR", "AT", "PE")) + "".join(rng.choice(digits) for _ in range(6))
    return rng.choice(string.ascii_uppercase) + "".join(rng.choice(digits) for _ in range(7))


def cedula_number(rng: random.Random) -> str:
    """A Colombian cédula: 8 to 10 digits, no leading zero."""
    length = rng.choice((8, 10, 10))
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(length - 1))


def us_ein(rng: random.Random) -> str:
    return f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"


def ca_business_number(rng: random.Random) -> str:
    return str(rng.randint(100000000, 999999999))


def co_nit(rng: random.Random) -> str:
    """Colombian NIT: nine digits and a verification digit (mod 11 with DIAN's prime weights)."""
    body = str(rng.randint(800000000, 901999999))
    weights = (41, 37, 29, 23, 19, 17, 13, 7, 3)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    check = total if total < 2 else 11 - total
    return f"{body}-{check}"
