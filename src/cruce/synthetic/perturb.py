"""How a listed name changes between the list and the border: each perturbation is one thing people do.

A planted traveler carries the labels of what was done to the listed name, so a benchmark can report recall
per perturbation ("we miss 30% of dropped maternal surnames") instead of one opaque number.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from cruce.core.model import AliasQuality, Entity, NameKind
from cruce.synthetic import namedata as nd
from cruce.synthetic.names import (
    TWO_SURNAME_ORIGINS,
    PersonName,
    arabic_variants,
    name_key,
    nicknames,
    strip_accents,
)

PERSON_PERTURBATIONS: tuple[str, ...] = (
    "exact",
    "accents_stripped",
    "maternal_dropped",
    "nickname",
    "typo",
    "order_swap",
    "initial",
    "abbreviation",
    "transliteration",
    "alias",
    "document_style",
)
ORGANIZATION_PERTURBATIONS: tuple[str, ...] = (
    "exact",
    "suffix_dropped",
    "suffix_variant",
    "accents_stripped",
    "typo",
    "abbreviation",
    "document_style",
)

_KEYBOARD_NEIGHBOURS = {
    "a": "qsz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}

# Legal-form suffixes, longest first so "S. de R.L. de C.V." wins over "S.A."; each with spellings seen on
# manifests for the same form.
COMPANY_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("S. de R.L. de C.V.", ("S de RL de CV", "S. DE R.L. DE C.V.", "SRL de CV")),
    ("S.A.P.I. de C.V.", ("SAPI de CV", "S.A.P.I. DE C.V.")),
    ("S.A. de C.V.", ("SA de CV", "S.A. DE C.V.", "SA DE CV", "S.A. de C.V")),
    ("L.L.C.", ("LLC",)),
    ("S.A.S.", ("SAS",)),
    ("Ltda.", ("Ltda", "Limitada")),
    ("Ltée", ("Limitée", "Ltee")),
    ("Corp.", ("Corporation", "Corp")),
    ("Inc.", ("Inc", "Incorporated")),
    ("Ltd.", ("Ltd", "Limited")),
    ("LLC", ("L.L.C.", "Limited Liability Company")),
    ("S.A.", ("SA",)),
    ("S.C.", ("SC",)),
    ("FZE", ("F.Z.E.",)),
    ("Co.", ("Company", "Co")),
    ("LP", ("L.P.",)),
)


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in one longer word: neighbour key, dropped, doubled or swapped letter."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 4]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    positions = [i for i in range(1, len(word)) if word[i].isalpha()]
    pos = rng.choice(positions)
    op = rng.choice(("neighbour", "drop", "double", "swap"))
    char = word[pos]
    if op == "neighbour":
        base = strip_accents(char).lower()
        replacement = rng.choice(_KEYBOARD_NEIGHBOURS.get(base, "e"))
        new = word[:pos] + (replacement.upper() if char.isupper() else replacement) + word[pos + 1 :]
    elif op == "drop":
        new = word[:pos] + word[pos + 1 :]
    elif op == "double":
        new = word[:pos] + char + word[pos:]
    elif pos >= 2:
        new = word[: pos - 1] + word[pos] + word[pos - 1] + word[pos + 1 :]
    elif pos + 1 < len(word):
        new = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    else:
        new = word[:pos]
    if new == word:
        new = word[:pos] + word[pos + 1 :]
    words[index] = new
    return " ".join(words)


def document_style(text: str) -> str:
    """Upper case without accents, as machine-readable documents and most manifests print names."""
    return strip_accents(text).upper()


# --- persons ----------------------------------------------------------------------------------------------


def _maternal_dropped(name: PersonName, rng: random.Random) -> PersonName | None:
    if name.origin not in TWO_SURNAME_ORIGINS or len(name.surnames) < 2:
        return None
    return name.with_surnames(name.surnames[:1])


def _nickname(name: PersonName, rng: random.Random) -> PersonName | None:
    for unit in name.given:
        options = nicknames(unit)
        if options:
            # "José Luis" is "Pepe"; "María Guadalupe" is "Lupe": the nickname replaces the given names.
            return name.with_given((rng.choice(options),))
    return None


def _initial(name: PersonName, rng: random.Random) -> PersonName | None:
    options: list[PersonName] = []
    if len(name.given) >= 2:
        second = name.given[1]
        word = second.split()[-1]
        options.append(name.with_given((name.given[0], *second.split()[:-1], f"{word[0]}.", *name.given[2:])))
        options.append(name.with_given((f"{name.given[0][0]}.", *name.given[1:])))
    if name.origin in TWO_SURNAME_ORIGINS and len(name.surnames) >= 2:
        maternal = name.surnames[1].split()[-1]
        options.append(name.with_surnames((name.surnames[0], f"{maternal[0]}.")))
    if not options:
        return None
    return rng.choice(options)


def _abbreviation(name: PersonName, rng: random.Random) -> PersonName | None:
    for index, unit in enumerate(name.given):
        short = nd.ABBREVIATIONS.get(unit)
        if short:
            return name.with_given((*name.given[:index], short, *name.given[index + 1 :]))
    return None


def _transliteration(name: PersonName, rng: random.Random) -> PersonName | None:
    if name.origin != "ar":
        return None
    units = [*name.given, *name.surnames]
    changeable = [i for i, unit in enumerate(units) if arabic_variants(unit)]
    if not changeable:
        return None
    for index in rng.sample(changeable, k=min(len(changeable), rng.choice((1, 1, 2)))):
        units[index] = rng.choice(arabic_variants(units[index]))
    cut = len(name.given)
    return name.with_given(tuple(units[:cut])).with_surnames(tuple(units[cut:]))


_STRUCTURAL: dict[str, Callable[[PersonName, random.Random], PersonName | None]] = {
    "maternal_dropped": _maternal_dropped,
    "nickname": _nickname,
    "initial": _initial,
    "abbreviation": _abbreviation,
    "transliteration": _transliteration,
}
_PERSON_WEIGHTS: dict[str, int] = {
    "exact": 8,
    "accents_stripped": 10,
    "maternal_dropped": 18,
    "nickname": 9,
    "typo": 14,
    "order_swap": 10,
    "initial": 12,
    "abbreviation": 4,
    "transliteration": 14,
    "alias": 5,
}


def _strong_aliases(entity: Entity) -> list[str]:
    return [
        n.text
        for n in entity.names
        if n.kind != NameKind.PRIMARY and n.quality == AliasQuality.STRONG and n.script is None
    ]


def perturb_person(name: PersonName, entity: Entity, rng: random.Random) -> tuple[str, list[str]]:
    """Render a listed person's name as presented at the border; returns the text and the labels applied."""
    weights = dict(_PERSON_WEIGHTS)
    if not _strong_aliases(entity):
        weights.pop("alias")
    if strip_accents(name.full) == name.full:
        weights.pop("accents_stripped")
    labels: list[str] = []
    while weights:
        choice = rng.choices(list(weights), weights=list(weights.values()))[0]
        weights.pop(choice)
        if choice in _STRUCTURAL:
            changed = _STRUCTURAL[choice](name, rng)
            if changed is None or changed.full == name.full:
                continue
            name = changed
        labels.append(choice)
        break
    primary = labels[0] if labels else "exact"
    if primary == "alias":
        text = rng.choice(_strong_aliases(entity))
    elif primary == "order_swap":
        given = " ".join(name.given)
        family = " ".join(name.surnames)
        text = f"{family}, {given}" if rng.random() < 0.5 else f"{family} {given}"
    else:
        text = name.full
    if primary == "typo":
        text = typo(text, rng)
    elif primary == "accents_stripped":
        text = strip_accents(text)
    # A second, independent change now and then: people rarely differ from the list in only one way.
    if primary != "exact" and rng.random() < 0.25:
        extra = rng.choice(("typo", "accents_stripped"))
        changed_text = typo(text, rng) if extra == "typo" else strip_accents(text)
        if changed_text != text and extra not in labels:
            text = changed_text
            labels.append(extra)
    return text, labels or ["exact"]


# --- organisations ----------------------------------------------------------------------------------------


_LEGAL_FORM_KEYS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        {
            tuple(name_key(form).split())
            for suffix, variants in COMPANY_SUFFIXES
            for form in (suffix, *variants)
        },
        key=len,
        reverse=True,
    )
)


def legal_form_free_key(text: str) -> str:
    """`name_key` without trailing legal forms: "Grupo Halcón, S.A. de C.V." and "GRUPO HALCON LLC" agree.

    Matchers rightly treat the legal form as noise, so two companies differing only there are one name.
    """
    tokens = name_key(text).split()
    stripped = True
    while stripped:
        stripped = False
        for form in _LEGAL_FORM_KEYS:
            if len(tokens) > len(form) and tuple(tokens[-len(form) :]) == form:
                tokens = tokens[: -len(form)]
                stripped = True
                break
    return " ".join(tokens)


def split_company_suffix(name: str) -> tuple[str, str | None]:
    """`("Transportes Halcón", "S.A. de C.V.")` from `"Transportes Halcón, S.A. de C.V."`."""
    for suffix, _variants in COMPANY_SUFFIXES:
        if name.endswith(" " + suffix):
            return name[: -len(suffix)].rstrip(" ,"), suffix
    return name, None


def _abbreviate_words(text: str) -> str | None:
    words = text.split(" ")
    changed = [nd.ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(changed) if changed != words else None


def perturb_organization(name: str, rng: random.Random) -> tuple[str, list[str]]:
    """Render a listed company's name as a manifest would show it, with the labels applied."""
    base, suffix = split_company_suffix(name)
    options: dict[str, int] = {"exact": 10, "typo": 20}
    if suffix:
        options["suffix_dropped"] = 25
        options["suffix_variant"] = 25
    if _abbreviate_words(base):
        options["abbreviation"] = 10
    if strip_accents(name) != name:
        options["accents_stripped"] = 15
    choice = rng.choices(list(options), weights=list(options.values()))[0]
    if choice == "suffix_dropped":
        text = base
    elif choice == "suffix_variant" and suffix:
        variants = dict(COMPANY_SUFFIXES)[suffix]
        text = f"{base} {rng.choice(variants)}"
    elif choice == "abbreviation":
        text = f"{_abbreviate_words(base)} {suffix}" if suffix else str(_abbreviate_words(base))
    elif choice == "accents_stripped":
        text = strip_accents(name)
    elif choice == "typo":
        text = typo(name, rng)
    else:
        text = name
    return text, [choice]
