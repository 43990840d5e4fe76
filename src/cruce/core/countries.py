"""Country names as lists write them ("Korea, North", "Burma", "Palestinian") to ISO 3166-1 alpha-2."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry

# Where the names come from. ISO 3166 as pycountry ships it (Debian's iso-codes, maintained) is the source:
# every country's name, official name and common name, matched without accents or case (`Cote d'Ivoire`,
# `Turkiye`, `Curacao`), and historic countries by name or ISO 3166-3 code (`SUHH`). `countrynames`
# (OpenSanctions) agrees with this table on 92 of its 106 entries, but needs PyICU, a compiled ICU binding,
# which a screening-only node should not have to build; so cruce keeps the few names below itself.
#
# cruce's own policy, kept small: what no ISO source says, or says differently from what a border node needs.
# 1. A dissolved state is read as its main successor, so a nationality on an old listing still compares (by
#    ISO 3166-3 code; other historic countries stay unknown, as they have no current code to compare).
_SUCCESSORS = {"SUHH": "RU", "YUCS": "RS", "CSXX": "RS", "ANHH": "AN"}
# 2. Territories and regions the lists name where ISO has no country (or a partial one): the country a
#    booth will see on the document.
_REGIONS = {
    "west bank": "PS", "gaza": "PS", "palestinian territories": "PS", "occupied palestinian territory": "PS",
    "palestinian authority": "PS", "crimea": "UA", "crimea region of ukraine": "UA", "northern mali": "ML",
    "kosovo": "XK", "xk": "XK",  # XK: the user-assigned code every list and passport uses for Kosovo
}  # fmt: skip
# 3. Demonyms: nationalities written as adjectives (`Mexican`, `mexicana`) on lists and travel documents.
_DEMONYMS = {
    "mexican": "MX", "mexicana": "MX", "mexicano": "MX", "american": "US", "canadian": "CA",
    "colombian": "CO", "syrian": "SY", "iranian": "IR", "iraqi": "IQ", "afghan": "AF", "pakistani": "PK",
    "lebanese": "LB",
    "russian": "RU", "chinese": "CN", "cuban": "CU", "venezuelan": "VE", "palestinian": "PS", "tajik": "TJ",
    "eritrean": "ER",
}  # fmt: skip
# 4. Short and inverted names the OFAC, UN and FollowTheMoney lists print that ISO does not carry.
_SPELLINGS = {
    "korea, north": "KP", "korea, south": "KR", "burma": "MM",
    "russia": "RU", "palestine": "PS", "state of palestine": "PS", "macau": "MO", "brunei": "BN",
    "congo, democratic republic of the": "CD", "democratic republic of the congo": "CD",
    "congo, republic of the": "CG", "ivory coast": "CI", "cote d ivoire": "CI", "sint maarten": "SX",
    "turkey": "TR", "uk": "GB", "great britain": "GB", "uae": "AE", "cape verde": "CV", "swaziland": "SZ",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK", "macedonia, the former yugoslav republic of": "MK",
    "holy see": "VA", "micronesia": "FM", "st. kitts and nevis": "KN", "st. lucia": "LC",
    "st. vincent and the grenadines": "VC", "bahamas, the": "BS", "gambia, the": "GM", "man, isle of": "IM",
    "iran (islamic republic of)": "IR", "china, hong kong special administrative region": "HK",
    "hong kong special administrative region": "HK", "soviet union": "RU", "ussr": "RU",
    "former soviet union": "RU", "yugoslavia": "RS",
}  # fmt: skip
_ALIASES = {**_SPELLINGS, **_DEMONYMS, **_REGIONS}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().strip(".").lower()


@lru_cache(maxsize=4096)
def to_iso2(text: str | None) -> str | None:
    """Best ISO alpha-2 for a country name, code or demonym (`Mexico`, `mx`, `Region: Crimea`,
    `Bosnia & Herzegovina`); None when unknown (never guesses)."""
    if not text:
        return None
    key = _fold(" ".join(text.replace("&", " and ").split()))
    if key.startswith("region:"):
        key = key[len("region:") :].strip()
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("the "):
        key = key[len("the ") :]
        if key in _ALIASES:
            return _ALIASES[key]
    if len(key) == 2:
        country = pycountry.countries.get(alpha_2=key.upper())
        return country.alpha_2 if country else None
    if len(key) == 3:
        country = pycountry.countries.get(alpha_3=key.upper())
        if country:
            return str(country.alpha_2)
    return _iso_names().get(key)


@lru_cache(maxsize=1)
def _iso_names() -> dict[str, str]:
    """Folded ISO 3166 names (current, then historic read as their successor) and ISO 3166-3 codes."""
    names: dict[str, str] = {}
    for old in pycountry.historic_countries:
        code = _SUCCESSORS.get(old.alpha_4)
        if code is None:
            continue
        for value in (old.name, getattr(old, "official_name", None), old.alpha_4):
            if value:
                names[_fold(value)] = code
    for country in pycountry.countries:
        official, common = getattr(country, "official_name", None), getattr(country, "common_name", None)
        for value in (country.name, official, common):
            if value:
                names[_fold(value)] = str(country.alpha_2)
    return names
