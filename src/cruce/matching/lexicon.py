"""A lexicon of common given names and surnames, so the matcher can tell a misspelling from another name.

`Albertoo` is nobody's name: it is a typo of Alberto and may be matched loosely. `Roberto` and `Barnes` are
real names: a spelling close to a listed name is another person. The lexicon is taken from Faker's
per-locale name tables (a runtime dependency already, no download), folded the same way as every name.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from cruce.matching.text import tokenize

_LOCALES = (
    "en_US", "en_GB", "es_MX", "es_ES", "es_CO", "fr_FR", "fr_CA", "pt_BR", "de_DE", "it_IT", "ru_RU",
    "pl_PL", "uk_UA", "ar_AA", "ar_SA", "tr_TR", "fa_IR", "nl_NL", "hi_IN",
)  # fmt: skip
_TABLES = ("first_names", "first_names_male", "first_names_female", "last_names", "first_names_nonbinary")
MIN_LENGTH = 4


@lru_cache(maxsize=1)
def common_name_tokens() -> frozenset[str]:
    """Folded tokens of common names in the border's and the lists' languages; empty if Faker is missing."""
    tokens: set[str] = set()
    for locale in _LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for table in _TABLES:
            for name in getattr(provider, table, ()) or ():
                tokens.update(t for t in tokenize(str(name)) if len(t) >= MIN_LENGTH)
    return frozenset(tokens)
