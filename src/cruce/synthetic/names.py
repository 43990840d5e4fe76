"""Person names with their structure kept (given units, surnames), for each naming culture near the border.

Screening fails on structure, not on letters: a dropped maternal surname, "José de Jesús" split into three
tokens, a `bin` in the middle of an Arabic name. Generating names as units and rendering them late lets the
traveler generator perturb them the way people and documents really do.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, replace

from faker import Faker

from cruce.synthetic import namedata as nd

ORIGINS: tuple[str, ...] = ("mx", "co", "cam", "us", "us_hisp", "ca_en", "ca_fr", "ar")
"""Naming cultures: Mexican, Colombian, Central American, US, Hispanic US, English/French Canadian, Arabic."""

TWO_SURNAME_ORIGINS: frozenset[str] = frozenset({"mx", "co", "cam"})

_LOCALES: tuple[str, ...] = ("es_MX", "es_CO", "en_US", "en_CA", "fr_CA")
_FAKER_FIXES = {"Crúz": "Cruz", "Manuél": "Manuel", "Rafaél": "Rafael"}  # misspellings in Faker es_MX
_AR_BY_LATIN: dict[str, nd.ArabicName] = {entry[0]: entry for entry in (*nd.AR_MALE, *nd.AR_FEMALE)}
_AR_FAMILY_SCRIPT: dict[str, str] = dict(nd.AR_FAMILY)


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name as units: `given=("José", "de Jesús")`, `surnames=("Hernández", "de la Cruz")`."""

    origin: str
    gender: str
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    suffix: str | None = None

    @property
    def given_text(self) -> str:
        return " ".join(self.given)

    @property
    def family_text(self) -> str:
        return " ".join(self.surnames)

    @property
    def full(self) -> str:
        parts = [*self.given, *self.surnames]
        if self.suffix:
            parts.append(self.suffix)
        return " ".join(parts)

    def with_given(self, given: tuple[str, ...]) -> PersonName:
        return replace(self, given=given)

    def with_surnames(self, surnames: tuple[str, ...]) -> PersonName:
        return replace(self, surnames=surnames)


def split_units(text: str | None) -> tuple[str, ...]:
    """Split a name part into units, attaching particles to the word after them ("de la Cruz" is one unit)."""
    if not text:
        return ()
    units: list[str] = []
    pending: list[str] = []
    for token in text.split():
        if token.lower() in nd.PARTICLES:
            pending.append(token)
            continue
        units.append(" ".join([*pending, token]))
        pending = []
    if pending:
        if units:
            units[-1] = " ".join([units[-1], *pending])
        else:
            units.append(" ".join(pending))
    return tuple(units)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


_NON_WORD = re.compile(r"[^\w]+")


def name_key(text: str) -> str:
    """Case, accent and punctuation blind form, used to keep innocent travelers off listed names."""
    return " ".join(_NON_WORD.sub(" ", strip_accents(text).casefold()).split())


def token_key(text: str) -> tuple[str, ...]:
    """`name_key` tokens in sorted order, so that an order swap still counts as the same name."""
    return tuple(sorted(name_key(text).split()))


def arabic_script(name: PersonName) -> str | None:
    """The name in Arabic script when every unit is in the curated table, else None."""
    out: list[str] = []
    for unit in name.given:
        connector, _, rest = unit.partition(" ")
        if connector in ("bin", "ibn", "bint") and rest:
            entry = _AR_BY_LATIN.get(rest)
            if entry is None:
                return None
            out.append(("بنت " if connector == "bint" else "بن ") + entry[1])
            continue
        entry = _AR_BY_LATIN.get(unit)
        if entry is None:
            return None
        out.append(entry[1])
    for unit in name.surnames:
        script = _AR_FAMILY_SCRIPT.get(unit)
        if script is None:
            return None
        out.append(script)
    return " ".join(out)


def arabic_variants(unit: str) -> tuple[str, ...]:
    """Other Latin spellings of an Arabic name unit ("Mohammed" -> "Muhammad", "al-Masri" -> "Al Masri")."""
    connector, _, rest = unit.partition(" ")
    if connector in ("bin", "ibn", "bint") and rest:
        inner = arabic_variants(rest)
        other = {"bin": "ibn", "ibn": "bin", "bint": "bint"}[connector]
        return tuple(f"{connector} {v}" for v in inner) + ((f"{other} {rest}",) if other != connector else ())
    entry = _AR_BY_LATIN.get(unit)
    if entry is not None:
        return entry[2]
    if unit.startswith("al-"):
        base = unit[3:]
        return (f"Al {base}", f"Al-{base}", f"Al{base.lower()}", f"El-{base}", base)
    return ()


def nicknames(unit: str) -> tuple[str, ...]:
    return nd.NICKNAMES.get(unit, ())


class NameFactory:
    """Draws person names from seeded Faker instances plus the curated lists; owns no global state."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._fakers: dict[str, Faker] = {}
        for locale in _LOCALES:
            fake = Faker(locale)
            fake.seed_instance(rng.getrandbits(64))
            self._fakers[locale] = fake

    # --- pieces -----------------------------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        words = [_FAKER_FIXES.get(w, w) for w in text.split()]
        return " ".join(words)

    def _first(self, locale: str, gender: str) -> str:
        fake = self._fakers[locale]
        raw = fake.first_name_female() if gender == "female" else fake.first_name_male()
        return self._clean(str(raw))

    def _last(self, locale: str) -> str:
        return self._clean(str(self._fakers[locale].last_name()))

    def spanish_surname(self, origin: str = "mx") -> str:
        """A surname with realistic concentration: the common ones recur, which is what makes namesakes."""
        rng = self._rng
        roll = rng.random()
        if roll < 0.08:
            return rng.choice(nd.MX_PARTICLE_SURNAMES)
        if origin == "co":
            return self._last("es_CO") if roll < 0.70 else rng.choice(nd.MX_COMMON_SURNAMES)
        if roll < 0.60:
            return rng.choice(nd.MX_COMMON_SURNAMES)
        return self._last("es_MX")

    def _spanish_given(self, origin: str, gender: str) -> tuple[str, ...]:
        rng = self._rng
        locale = "es_CO" if origin == "co" else "es_MX"
        roll = rng.random()
        if roll < 0.25:
            if origin == "co":
                pool = nd.CO_COMPOUND_FEMALE if gender == "female" else nd.CO_COMPOUND_MALE
            else:
                pool = nd.MX_COMPOUND_FEMALE if gender == "female" else nd.MX_COMPOUND_MALE
            return split_units(rng.choice(pool))
        first = self._first(locale, gender)
        if roll < 0.55 and " " not in first:
            second = self._first(locale, gender)
            if second != first and " " not in second:
                return split_units(f"{first} {second}")
        return split_units(first)

    def _english_given(self, locale: str, gender: str) -> tuple[str, ...]:
        rng = self._rng
        first = self._first(locale, gender)
        roll = rng.random()
        if roll < 0.40:
            middle = self._first(locale, gender)
            return (first, middle) if middle != first else (first,)
        if roll < 0.55:
            return (first, f"{rng.choice('ABCDEFGHJKLMNPRSTW')}.")
        return (first,)

    # --- whole names ------------------------------------------------------------------------------------

    def person(self, origin: str, gender: str) -> PersonName:
        """One name in the given naming culture; `gender` is "male" or "female"."""
        rng = self._rng
        given: tuple[str, ...]
        if origin in TWO_SURNAME_ORIGINS:
            given = self._spanish_given(origin, gender)
            paternal = self.spanish_surname(origin)
            maternal = self.spanish_surname(origin)
            while maternal == paternal and rng.random() < 0.9:
                maternal = self.spanish_surname(origin)
            return PersonName(origin, gender, given, (paternal, maternal))
        if origin == "us_hisp":
            if rng.random() < 0.7:
                given = split_units(self._first("es_MX", gender))
            else:
                given = (self._first("en_US", gender),)
            roll = rng.random()
            first_surname = self.spanish_surname()
            surnames: tuple[str, ...]
            if roll < 0.15:
                second = self.spanish_surname()
                if " " in first_surname + second:
                    surnames = (first_surname, second)
                else:
                    surnames = (f"{first_surname}-{second}",)
            elif roll < 0.30:
                surnames = (first_surname, self.spanish_surname())
            else:
                surnames = (first_surname,)
            return PersonName(origin, gender, given, surnames)
        if origin in ("us", "ca_en"):
            locale = "en_US" if origin == "us" else "en_CA"
            suffix = rng.choice(nd.EN_SUFFIXES) if gender == "male" and rng.random() < 0.05 else None
            given = self._english_given(locale, gender)
            return PersonName(origin, gender, given, (self._last(locale),), suffix)
        if origin == "ca_fr":
            if rng.random() < 0.35:
                pool = nd.FR_CA_COMPOUND_FEMALE if gender == "female" else nd.FR_CA_COMPOUND_MALE
                given = (rng.choice(pool),)
            else:
                given = (self._first("fr_CA", gender),)
            return PersonName(origin, gender, given, (self._last("fr_CA"),))
        if origin == "ar":
            return self._arabic(gender)
        raise ValueError(f"unknown name origin {origin!r}")

    def _arabic(self, gender: str) -> PersonName:
        rng = self._rng
        own = rng.choice(nd.AR_FEMALE if gender == "female" else nd.AR_MALE)[0]
        father = rng.choice(nd.AR_MALE)[0]
        while father == own:
            father = rng.choice(nd.AR_MALE)[0]
        family = rng.choice(nd.AR_FAMILY)[0]
        roll = rng.random()
        if roll < 0.40:
            connector = "bint" if gender == "female" else rng.choice(("bin", "bin", "ibn"))
            given: tuple[str, ...] = (own, f"{connector} {father}")
        elif roll < 0.80:
            given = (own, father)
        else:
            given = (own,)
        return PersonName("ar", gender, given, (family,))

    def given_for(self, origin: str, gender: str) -> tuple[str, ...]:
        """Only a given name, for relatives who share the surnames of a listed person."""
        if origin in TWO_SURNAME_ORIGINS:
            return self._spanish_given(origin, gender)
        return self.person(origin, gender).given

    def spouse_surname(self) -> str:
        return self._rng.choice(nd.MX_COMMON_SURNAMES)

    def alias(self, origin: str, gender: str) -> str:
        """An invented street name of the kind lists carry as a weak alias ("EL TLACUACHE", "ABU HAMZA")."""
        rng = self._rng
        if origin == "ar":
            return f"Abu {rng.choice(nd.AR_MALE)[0]}"
        if origin in ("us", "ca_en", "ca_fr"):
            return rng.choice(nd.EN_ALIASES)
        if gender == "female":
            return f"LA {rng.choice(nd.ALIAS_WORDS_FEMALE)}"
        return f"EL {rng.choice(nd.ALIAS_WORDS_MALE)}"

    def faker(self, locale: str) -> Faker:
        return self._fakers[locale]
