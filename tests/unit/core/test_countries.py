"""Country names as lists and documents write them, to ISO 3166-1 alpha-2: ISO's own names from pycountry
(accents and case aside), and cruce's small policy tables for what ISO does not say."""

from __future__ import annotations

import pycountry
import pytest

from cruce.core.countries import _ALIASES, to_iso2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # ISO names, codes and official names, as pycountry has them, accents and case aside
        ("Mexico", "MX"), ("mx", "MX"), ("MEX", "MX"), ("Côte d'Ivoire", "CI"), ("Cote d'Ivoire", "CI"),
        ("Türkiye", "TR"), ("Turkiye", "TR"), ("Curacao", "CW"),
        ("Korea, Democratic People's Republic of", "KP"), ("Republic of Türkiye", "TR"), ("Viet Nam", "VN"),
        ("Bosnia & Herzegovina", "BA"), ("the Bahamas", "BS"),
        # list spellings
        ("Korea, North", "KP"), ("Burma", "MM"), ("Gambia, The", "GM"), ("Man, Isle of", "IM"),
        # demonyms
        ("Mexican", "MX"), ("mexicana", "MX"), ("Canadian", "CA"),
        # regions and Kosovo
        ("Region: Crimea", "UA"), ("Region: Gaza", "PS"), ("West Bank", "PS"), ("Kosovo", "XK"),
        ("XK", "XK"),
        # dissolved states: the successor, by name or ISO 3166-3 code
        ("Soviet Union", "RU"), ("SUHH", "RU"), ("USSR, Union of Soviet Socialist Republics", "RU"),
        ("Yugoslavia", "RS"), ("Serbia and Montenegro", "RS"), ("Netherlands Antilles", "AN"),
    ],
)  # fmt: skip
def test_names_read_as_their_country(text: str, code: str) -> None:
    assert to_iso2(text) == code


@pytest.mark.parametrize(
    "text", ["", "Nowhere", "Atlantis", "East Germany", "German Democratic Republic", "ZZ"]
)
def test_unknown_names_are_never_guessed(text: str) -> None:
    assert to_iso2(text) is None


def test_every_current_iso_country_reads_by_name_and_codes() -> None:
    for country in pycountry.countries:
        assert to_iso2(country.name) == country.alpha_2
        assert to_iso2(country.alpha_3) == country.alpha_2
        assert to_iso2(country.alpha_2.lower()) == country.alpha_2


def test_the_policy_tables_hold_only_what_iso_does_not_say() -> None:
    """An alias pycountry already resolves to the same country is dead weight: it must go."""
    redundant = []
    for alias, code in _ALIASES.items():
        try:
            found = pycountry.countries.lookup(alias).alpha_2
        except LookupError:
            continue
        if found == code:
            redundant.append(alias)
    assert not redundant
    assert len(_ALIASES) <= 80
