"""Country names as lists write them ("Korea, North", "Burma", "Palestinian") to ISO 3166-1 alpha-2."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry

# Names the lists use that pycountry's fuzzy-free lookup does not know.
_ALIASES = {
    "korea, north": "KP",
    "north korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "burma": "MM",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "laos": "LA",
    "vietnam": "VN",
    "palestinian": "PS",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "the west bank": "PS",
    "palestinian territories": "PS",
    "occupied palestinian territory": "PS",
    "taiwan": "TW",
    "macau": "MO",
    "kosovo": "XK",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo": "CG",
    "republic of the congo": "CG",
    "cote d'ivoire": "CI",
    "ivory coast": "CI",
    "turkey": "TR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "mexico": "MX",
    "mexicana": "MX",
    "mexicano": "MX",
    "mexican": "MX",
    "colombian": "CO",
    "american": "US",
    "canadian": "CA",
    "syrian": "SY",
    "iranian": "IR",
    "iraqi": "IQ",
    "afghan": "AF",
    "pakistani": "PK",
    "lebanese": "LB",
    "russian": "RU",
    "chinese": "CN",
    "cuban": "CU",
    "venezuelan": "VE",
    "region: gaza": "PS",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "holy see": "VA",
    "micronesia": "FM",
    "st. kitts and nevis": "KN",
    "saint kitts and nevis": "KN",
    "st. lucia": "LC",
    "st. vincent and the grenadines": "VC",
    "bahamas, the": "BS",
    "gambia, the": "GM",
    "crimea region of ukraine": "UA",
    "yemen": "YE",
    "united arab emirates": "AE",
    "uae": "AE",
    "saudi arabia": "SA",
    "netherlands antilles": "AN",
    "curacao": "CW",
    "sint maarten": "SX",
    "sudan": "SD",
    "south sudan": "SS",
    "libya": "LY",
    "egypt": "EG",
    "yugoslavia": "RS",
    "serbia and montenegro": "RS",
    "soviet union": "RU",
    "ussr": "RU",
    "tajik": "TJ",
    # Spellings seen in the OFAC, UN and FollowTheMoney lists
    "the gambia": "GM",
    "cote d ivoire": "CI",
    "congo, republic of the": "CG",
    "iran (islamic republic of)": "IR",
    "state of palestine": "PS",
    "palestinian authority": "PS",
    "former soviet union": "RU",
    "china, hong kong special administrative region": "HK",
    "hong kong special administrative region": "HK",
    "russian federation": "RU",
    "united republic of tanzania": "TZ",
    "northern mali": "ML",
    "crimea": "UA",
    "eritrean": "ER",
    "macedonia, the former yugoslav republic of": "MK",
    "man, isle of": "IM",
    # FollowTheMoney codes outside ISO 3166-1
    "xk": "XK",
    "suhh": "RU",
    "yucs": "RS",
}


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
    try:
        found = pycountry.countries.lookup(key)
    except LookupError:
        return None
    return str(found.alpha_2)
