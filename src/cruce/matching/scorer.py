"""The declared scorer: one algorithm, its name and version, one table of features and one config.

Everything the matcher weighs is declared here, so that a reviewer, a partner or an auditor can read what an
alert rests on without reading the code, and every alert and batch row can say which scorer (name, version)
and which threshold produced it. The modules that compute (`compare`, `names`, `index`, `matcher`,
`features`) read their numbers from `CONFIG`; nothing is weighted anywhere else.

How a score is made (`CruceScorer.describe()` serves this as data):

1. The presented and the listed name are reduced to tokens with roles (`names`), the index proposes a few
   candidate names (`index`), and each candidate is aligned token by token (`compare.score_alignment`).
2. Each token pair has a similarity by the first rule that applies (the `TOKEN_RULES` table); the name score
   is matched evidence over matched plus missing evidence, every token weighted by its rarity on the lists.
3. The name score is capped when another given name stands beside the same surnames, and lowered for weak
   aliases (`NAME_RULES`).
4. Evidence beyond the name adjusts it (`EVIDENCE`): agreement lifts the score a share of the way to 1,
   conflict multiplies it down.
5. A match at or above `CONFIG.threshold` is an alert.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ScorerConfig:
    """The scorer's numbers. The threshold and the main weights are fitted on development data and judged on a
    held-out half (`python -m benchmarks fit-scorer`; benchmarks/README: "Fitting the scorer")."""

    threshold: float = 0.80
    """Score at or above which a match is an alert: the evidence that agrees is at least four times what is
    missing or wrong."""
    # token similarities (see TOKEN_RULES)
    min_token_similarity: float = 0.7
    initial_similarity: float = 0.8
    short_form_similarity: float = 0.97
    abbreviation_similarity: float = 0.9
    acronym_similarity: float = 0.85
    known_one_edit_similarity: float = 0.74
    spelling_variant_similarity: float = 0.95
    transliterated_letters_similarity: float = 0.9
    nickname_similarity: float = 0.92
    particle_joined_similarity: float = 0.95
    sounds_alike_similarity: float = 0.93
    swapped_similarity: float = 0.88
    vowels_dropped_similarity: float = 0.92
    read_alike_similarity: float = 0.9
    truncated_similarity: float = 0.95
    unknown_two_edits: float = 0.8
    unknown_one_edit_short: float = 0.8
    leftover_min_similarity: float = 0.7
    # unmatched tokens
    unmatched_query_penalty: float = 0.9
    unmatched_query_initial_penalty: float = 0.3
    unmatched_listed_penalty: tuple[float, ...] = (1.0, 0.3, 1.0, 0.3, 0.6, 1.0, 0.3)
    """Per role: first given name, middle name, surname, second surname, unknown, organisation word, title."""
    title_weight: float = 0.15
    dropped_org_word_factor: float = 0.35
    field_widths: tuple[int, ...] = (20, 30, 35, 40)
    # name rules
    given_name_conflict_cap: float = 0.6
    weak_alias_factor: float = 0.9
    single_token_weak_alias_cap: float = 0.7
    # candidates
    candidate_names: int = 12
    fuzzy_evidence_share: float = 0.8
    """What a presented word counts for in ranking a name that holds only a look-alike of it."""
    other_aliases_from: float = 0.4
    min_reported_score: float = 0.3
    initial_boost: float = 0.3
    # evidence beyond the name: (boost on agreement, factor on conflict)
    identifier_match_boost: float = 0.8
    identifier_conflict_factor: float = 0.7
    birth_date_exact_boost: float = 0.5
    birth_date_years_apart_factor: float = 0.5
    birth_date_one_year_factor: float = 0.8
    country_agrees_boost: float = 0.05
    country_differs_factor: float = 0.95
    gender_agrees_boost: float = 0.02
    gender_differs_factor: float = 0.8


CONFIG = ScorerConfig()


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One row of the feature table: what is measured, by which function, at what weight, and why."""

    name: str
    function: str  # module:function that computes it
    weight: str  # the config field(s) holding its weight
    doc: str
    values: dict[str, float] = field(default_factory=dict)


def _v(*names: str) -> dict[str, float]:
    return {n: getattr(CONFIG, n) for n in names}


TOKEN_RULES: tuple[FeatureSpec, ...] = (
    FeatureSpec("same", "compare:token_similarity", "1.0", "the same token after folding"),
    FeatureSpec(
        "spelling variant",
        "compare:token_similarity",
        "spelling_variant_similarity",
        "transliterations of one name (Usama/Osama, gim/kim): data/transliteration_variants.tsv",
        _v("spelling_variant_similarity"),
    ),
    FeatureSpec(
        "transliterated letters",
        "compare:token_similarity",
        "transliterated_letters_similarity",
        "one name in two alphabets' conventions: x for ks (Alexei/Aleksei), j for y at the start "
        "(Jurij/Yuriy, Jusuf/Yusuf), Persian gh for Arabic q (Ghasem/Qasem, Eghtesad/Eqtesad), a Slavic name "
        "written the German "
        "way (Wladimirowitsch/Vladimirovich, Prigoschin/Prigozhin)",
        _v("transliterated_letters_similarity"),
    ),
    FeatureSpec(
        "written short form",
        "compare:token_similarity",
        "short_form_similarity",
        "Ma. for María, Muhd. for Muhammad: data/short_forms.tsv",
        _v("short_form_similarity"),
    ),
    FeatureSpec(
        "abbreviated",
        "compare:presented_similarity",
        "abbreviation_similarity",
        "a word no list knows, or any word written with a full stop after it, that abbreviates a listed "
        "one: its start (Ign. for Ignacio, Aleks. for Aleksandr) or its first and last letters with "
        "consonants between (Rbto. for Roberto, Stgo. for Santiago); two letters with a full stop for a "
        "listed word of five or more they start (Vl. for Vladimir, Gh. for Ghulam)",
        _v("abbreviation_similarity"),
    ),
    FeatureSpec(
        "acronym",
        "compare:score_alignment",
        "acronym_similarity",
        "companies: a word made of the initials of consecutive listed words (R.S. Lines: Reach Shipping)",
        _v("acronym_similarity"),
    ),
    FeatureSpec(
        "1 letter differs, both listed words",
        "compare:presented_similarity",
        "known_one_edit_similarity",
        "David for Davis: counted only once a name, beside two words that agree at 0.9 or more",
        _v("known_one_edit_similarity"),
    ),
    FeatureSpec(
        "nickname",
        "compare:token_similarity",
        "nickname_similarity",
        "Pepe for José, Bill for William",
        _v("nickname_similarity"),
    ),
    FeatureSpec(
        "particle joined",
        "compare:token_similarity",
        "particle_joined_similarity",
        "DELAROSA for de la Rosa",
        _v("particle_joined_similarity"),
    ),
    FeatureSpec(
        "initial",
        "compare:token_similarity",
        "initial_similarity",
        "J. for John; A. for a surname after a dropped particle (AL-NAQIB)",
        _v("initial_similarity"),
    ),
    FeatureSpec(
        "sounds alike",
        "phonetic:sound_key",
        "sounds_alike_similarity",
        "same Spanish sound key",
        _v("sounds_alike_similarity"),
    ),
    FeatureSpec(
        "letters swapped",
        "compare:token_similarity",
        "swapped_similarity",
        "two neighbouring letters swapped (Abudl/Abdul)",
        _v("swapped_similarity"),
    ),
    FeatureSpec(
        "1-2 letters differ",
        "compare:token_similarity",
        "0.9 / 0.8",
        "edit distance within the length's allowance; only for words no list knows, which may also differ "
        "at their first letter from four letters on (Uose/Jose, OIbrahim/Ibrahim); never between two names "
        "the spelling tables know (Hyon/Hyok)",
    ),
    FeatureSpec(
        "vowels dropped",
        "compare:token_similarity",
        "vowels_dropped_similarity",
        "Hrnndz for Hernandez, Arabic script without short vowels",
        _v("vowels_dropped_similarity"),
    ),
    FeatureSpec(
        "misread letters",
        "compare:token_similarity",
        "read_alike_similarity",
        "rn read as m, a lowercase l for a capital I",
        _v("read_alike_similarity"),
    ),
    FeatureSpec(
        "truncated",
        "compare:QueryForm.matches",
        "truncated_similarity",
        "the last word of a name cut at a field width",
        _v("truncated_similarity", "field_widths"),
    ),
)

NAME_RULES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "name",
        "compare:score_alignment",
        "token rarity weights",
        "sum(sim*w) / (sum(sim*w) + sum((1-sim)*w) + penalties of unpaired tokens); w is a token's "
        "rarity on the lists (0.25..1); an unpaired presented initial, or particle kept for its accents "
        "(Văn), costs the initial's penalty",
        _v("unmatched_query_penalty", "unmatched_query_initial_penalty", "title_weight"),
    ),
    FeatureSpec(
        "patronymic left out",
        "compare:QueryForm / ListedForm",
        "unmatched_listed_penalty",
        "a patronymic (Romanovich, Borisovna) one side gives and the other leaves out costs what a middle "
        "name left out does, wherever it stands",
        {"penalty": CONFIG.unmatched_listed_penalty[1]},
    ),
    FeatureSpec(
        "company word left out",
        "compare:score_alignment",
        "dropped_org_word_factor",
        "a company named by every word but one of its listed name (three or more found, none extra): the "
        "missing word's penalty is scaled down",
        _v("dropped_org_word_factor"),
    ),
    FeatureSpec(
        "given name differs",
        "matcher:Matcher._name_score",
        "given_name_conflict_cap",
        "another given name beside the same surnames is another person",
        _v("given_name_conflict_cap"),
    ),
    FeatureSpec(
        "generation differs",
        "matcher:Matcher._name_score",
        "given_name_conflict_cap",
        "Jr. against Sr., or II against III: the father is not the son",
        _v("given_name_conflict_cap"),
    ),
    FeatureSpec(
        "number differs",
        "matcher:Matcher._name_score",
        "given_name_conflict_cap",
        "a company's number or series differs or is on one side only (Fund II/Fund III, Cascada/Cascada II): "
        "another company",
        _v("given_name_conflict_cap"),
    ),
    FeatureSpec(
        "weak alias",
        "matcher:Matcher._name_score",
        "weak_alias_factor",
        "a list's low-quality alias counts less",
        _v("weak_alias_factor", "single_token_weak_alias_cap"),
    ),
)

EVIDENCE: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "identifier",
        "features:identifier_adjustment",
        "identifier_match_boost / conflict_factor",
        "a document number on the list lifts; another number of the same kind lowers",
        _v("identifier_match_boost", "identifier_conflict_factor"),
    ),
    FeatureSpec(
        "birth_date",
        "features:birth_date_adjustment",
        "birth_date_*",
        "agreement lifts by precision (year < month < day); years apart is another person",
        _v("birth_date_exact_boost", "birth_date_years_apart_factor", "birth_date_one_year_factor"),
    ),
    FeatureSpec(
        "country",
        "features:country_adjustment",
        "country_*",
        "nationality or residence",
        _v("country_agrees_boost", "country_differs_factor"),
    ),
    FeatureSpec(
        "gender",
        "features:gender_adjustment",
        "gender_*",
        "people only",
        _v("gender_agrees_boost", "gender_differs_factor"),
    ),
)


class CruceScorer:
    """cruce's name-screening algorithm as one declared object (the shape of nomenklatura's logic-v2)."""

    NAME = "cruce-names"
    VERSION = "2.4"
    CONFIG = CONFIG
    FEATURES = (*TOKEN_RULES, *NAME_RULES, *EVIDENCE)

    @classmethod
    def label(cls, threshold: float | None = None) -> str:
        """`cruce-names 2.0 @0.80`: what an alert or a batch row records about how it was made."""
        return f"{cls.NAME} {cls.VERSION} @{CONFIG.threshold if threshold is None else threshold:.2f}"

    @classmethod
    def describe(cls, threshold: float | None = None) -> dict[str, Any]:
        """The scorer's documentation as data: GET /api/v1/matcher, `cruce screen --explain-matcher`."""
        from cruce.matching.build import state
        from cruce.matching.lexicon import table_header

        return {
            "name": cls.NAME,
            "version": cls.VERSION,
            "threshold": CONFIG.threshold if threshold is None else threshold,
            # How this node runs it (same answers either way): `compiled (mypyc)` or `pure Python`.
            "runs": state().label,
            "doc": (__doc__ or "").strip(),
            "features": [
                {"group": group, "name": f.name, "function": f.function, "weight": f.weight, "doc": f.doc,
                 "values": {k: list(v) if isinstance(v, tuple) else v for k, v in f.values.items()}}
                for group, rows in (("token", TOKEN_RULES), ("name", NAME_RULES), ("evidence", EVIDENCE))
                for f in rows
            ],
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(CONFIG).items()},
            "data": {name: table_header(name).splitlines()[0] for name in DATA_TABLES},
        }  # fmt: skip


DATA_TABLES = (
    "short_forms.tsv",
    "common_names.tsv",
    "arabic_names.tsv",
    "transliteration_variants.tsv",
)
