"""The evaluation's perturbations do what their labels claim, on a small hand-written list (no ../shared)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from benchmarks.evalset import (
    NEGATIVE_KINDS,
    POSITIVE_KINDS,
    EvalSet,
    _too_close,
    build_evalset,
    conflict_years,
)
from benchmarks.perturb import (
    ARABIC_VARIANTS,
    NICKNAMES,
    abbreviation_variant,
    accent_variant,
    drop_maternal_variant,
    fold,
    initials_variant,
    name_key,
    nickname_variant,
    order_swap_variant,
    person_name,
    transliteration_variant,
    typo_variant,
)
from rapidfuzz.distance import Levenshtein

from cruce.core.model import Entity, Name


@pytest.fixture(scope="module")
def entities(small_entities: list[Entity]) -> list[Entity]:
    return small_entities


@pytest.fixture(scope="module")
def evalset(entities: list[Entity]) -> EvalSet:
    return build_evalset(entities, seed=7, positives=110, negatives=60)


def _by_id(entities: list[Entity]) -> dict[str, Entity]:
    return {e.id: e for e in entities}


# --- the set as a whole -------------------------------------------------------------------------------------


def test_same_seed_same_queries_and_another_seed_differs(entities: list[Entity], evalset: EvalSet) -> None:
    again = build_evalset(entities, seed=7, positives=110, negatives=60)
    other = build_evalset(entities, seed=8, positives=110, negatives=60)
    assert [q.query.name for q in again.queries] == [q.query.name for q in evalset.queries]
    assert [q.query.name for q in other.queries] != [q.query.name for q in evalset.queries]


def test_every_kind_is_made_and_labelled(evalset: EvalSet, entities: list[Entity]) -> None:
    kinds = set(evalset.counts())
    assert set(POSITIVE_KINDS) <= kinds
    assert set(NEGATIVE_KINDS) <= kinds
    ids = _by_id(entities)
    for q in evalset.queries:
        if q.kind in POSITIVE_KINDS:
            assert q.expected_entity_id in ids
            assert q.near_entity_id is None
        else:
            assert q.expected_entity_id is None
            if q.kind != "innocent":
                assert q.near_entity_id in ids


def test_innocents_never_equal_a_listed_name(evalset: EvalSet, entities: list[Entity]) -> None:
    listed = {name_key(n.text) for e in entities for n in e.names}
    for e in entities:
        person = person_name(e.names[0])
        dropped = drop_maternal_variant(person) if person else None
        if dropped:
            listed.add(name_key(dropped))  # `Juan Carlos Hernandez` is a positive, never an innocent
    innocents = [q for q in evalset.queries if q.kind == "innocent"]
    assert innocents
    assert {q.group for q in innocents} <= {"hispanic", "anglo", "arabic", "slavic", "company"}
    assert all(name_key(q.query.name) not in listed for q in innocents)


# --- each perturbation, through the built set ---------------------------------------------------------------


def test_drop_maternal_removes_exactly_the_second_surname(evalset: EvalSet, entities: list[Entity]) -> None:
    ids = _by_id(entities)
    queries = [q for q in evalset.queries if q.kind == "drop_maternal"]
    assert queries
    for q in queries:
        person = person_name(ids[q.expected_entity_id or ""].names[0])
        assert person is not None
        paternal, maternal = person.surnames()
        assert fold(q.query.name).split() == fold(" ".join((*person.given, paternal))).split()
        assert fold(maternal) not in fold(q.query.name).split()


def test_nickname_replaces_the_given_name_with_a_hypocorism(evalset: EvalSet, entities: list[Entity]) -> None:
    ids = _by_id(entities)
    queries = [q for q in evalset.queries if q.kind == "nickname"]
    assert queries
    nicknames = {fold(n) for nicks in NICKNAMES.values() for n in nicks} | {"chuy", "lupita", "lupe"}
    for q in queries:
        entity = ids[q.expected_entity_id or ""]
        person = person_name(entity.names[0])
        assert person is not None
        tokens = fold(q.query.name).split()
        assert nicknames & set(tokens), q.query.name
        assert fold(person.given[0]) not in tokens  # the formal name is gone
        assert set(fold(" ".join(person.family)).split()) <= set(tokens)  # the surnames stay


def test_near_miss_surname_keeps_both_surnames_with_another_given_name(
    evalset: EvalSet, entities: list[Entity]
) -> None:
    ids = _by_id(entities)
    queries = [q for q in evalset.queries if q.kind == "near_miss_surname"]
    assert queries
    for q in queries:
        entity = ids[q.near_entity_id or ""]
        person = person_name(entity.names[0])
        assert person is not None
        tokens = set(fold(q.query.name).split())
        assert set(fold(" ".join(person.family)).split()) <= tokens
        # no given name of this entity, of its aliases, or of anyone listed with the same two surnames
        same_surnames = [e for e in entities if e.names[0].family == entity.names[0].family]
        taken = {t for e in same_surnames for n in e.names for t in fold(n.text).split()}
        given = tokens - set(fold(" ".join(person.family)).split())
        assert given
        assert not (given - {"de", "del", "la", "y"}) & taken, q.query.name
        assert not any(t.startswith(g) or g.startswith(t) for g in given for t in taken if len(g) > 2)


def test_a_truncated_or_one_letter_different_given_name_is_not_a_near_miss() -> None:
    assert _too_close({"jos"}, {"jose", "carlos"})
    assert _too_close({"jesas"}, {"jesus"})
    assert not _too_close({"pedro"}, {"jose", "jesus"})


def test_near_miss_dob_conflicts_with_every_listed_birth_date(
    evalset: EvalSet, entities: list[Entity]
) -> None:
    ids = _by_id(entities)
    queries = [q for q in evalset.queries if q.kind == "near_miss_dob"]
    assert queries
    for q in queries:
        entity = ids[q.near_entity_id or ""]
        dob = q.query.birth_date
        assert dob is not None and dob.day is not None and dob.month is not None
        assert q.query.name == entity.names[0].text
        asked = date(dob.year, dob.month, dob.day)
        assert all(conflict_years(asked, listed) >= 2.0 for listed in entity.birth_dates)


def test_dob_match_carries_a_listed_full_birth_date(evalset: EvalSet, entities: list[Entity]) -> None:
    ids = _by_id(entities)
    queries = [q for q in evalset.queries if q.kind == "dob_match"]
    assert queries
    for q in queries:
        assert q.query.birth_date in ids[q.expected_entity_id or ""].birth_dates
        assert q.query.birth_date is not None and q.query.birth_date.day is not None


def test_transliteration_uses_a_spelling_variant_or_the_original_script(evalset: EvalSet) -> None:
    queries = [q for q in evalset.queries if q.kind == "transliteration"]
    assert queries
    for q in queries:
        assert q.query.name != q.listed_name
        original_script = any(ord(c) > 0x600 for c in q.query.name)
        assert original_script or q.group in ("arabic", "company")


# --- each perturbation, directly ----------------------------------------------------------------------------


def test_drop_maternal_keeps_particles_with_their_surname() -> None:
    person = person_name(Name("DE LA CRUZ LOPEZ, Maria", family="DE LA CRUZ LOPEZ", given="Maria"))
    assert person is not None
    assert drop_maternal_variant(person) == "Maria de la Cruz"
    one_surname = person_name(Name("SMITH, John", family="SMITH", given="John"))
    assert one_surname is not None and drop_maternal_variant(one_surname) is None


def test_accents_are_added_and_removed() -> None:
    assert accent_variant("Jose de Jesus Hernandez") == "José de Jesús Hernández"
    assert accent_variant("HERNANDEZ LOPEZ, Juan") == "HERNÁNDEZ LÓPEZ, Juan"
    assert accent_variant("José Hernández") == "Jose Hernandez"
    assert accent_variant("John Smith") is None


def test_typo_edits_one_long_word_once_or_twice_and_keeps_its_first_letter() -> None:
    rng = random.Random(3)
    for _ in range(200):
        out = typo_variant("Juan Carlos Hernandez Lopez", rng)
        assert out is not None
        before, after = ["Juan", "Carlos", "Hernandez", "Lopez"], out.split()
        changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
        assert len(changed) == 1
        b, a = changed[0]
        assert len(b) >= 5 and a[0] == b[0]
        assert 1 <= Levenshtein.distance(b.lower(), a.lower()) <= 4  # a transposition counts two
    assert typo_variant("Li Wei", rng) is None
    assert typo_variant("AL-WADI, Anas", rng) is None  # `AL-WADI` is two short words, not one of seven


def test_order_swap_keeps_every_token() -> None:
    person = person_name(Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos"))
    assert person is not None
    rng = random.Random(1)
    seen = set()
    for _ in range(20):
        out = order_swap_variant(person, rng)
        assert out is not None and "," not in out
        assert sorted(fold(out).split()) == sorted(fold(person.text).split())
        seen.add(out)
    assert seen == {"Juan Carlos Hernandez Lopez", "HERNANDEZ LOPEZ Juan Carlos"}


def test_initials_shorten_the_middle_name_or_the_maternal_surname() -> None:
    person = person_name(Name("HERNANDEZ LOPEZ, Juan Carlos", family="HERNANDEZ LOPEZ", given="Juan Carlos"))
    assert person is not None
    rng = random.Random(1)
    seen = {initials_variant(person, rng, hispanic=True) for _ in range(30)}
    assert seen == {"Juan C. Hernandez Lopez", "Juan Carlos Hernandez L."}
    assert initials_variant(person, rng, hispanic=False) == "Juan C. Hernandez Lopez"


def test_abbreviation_rewrites_or_drops_legal_forms() -> None:
    rng = random.Random(1)
    seen = {abbreviation_variant("SERVICIOS EMPRESARIALES FICIE, S.A. DE C.V.", rng) for _ in range(40)}
    assert "SERVICIOS EMPRESARIALES FICIE, SA DE CV" in seen
    assert "SERVICIOS EMPRESARIALES FICIE" in seen
    seen = {abbreviation_variant("KOREAN NATIONAL INSURANCE COMPANY", rng) for _ in range(40)}
    assert "KOREAN NATIONAL INSURANCE CO." in seen
    assert abbreviation_variant("Blue International Trading Company", rng) is not None
    assert abbreviation_variant("HAMAS", rng) is None


def test_nickname_variant_only_for_names_with_a_hypocorism() -> None:
    rng = random.Random(2)
    francisco = person_name(Name("GARCIA ABREGO, Francisco", family="GARCIA ABREGO", given="Francisco"))
    assert francisco is not None
    outs = {nickname_variant(francisco, rng) or "" for _ in range(30)}
    assert all({"garcia", "abrego"} <= set(fold(o).split()) for o in outs)
    assert all("francisco" not in fold(o) for o in outs)
    assert "Paco Garcia Abrego" in outs
    assert "GARCIA ABREGO, Pancho" in outs
    chuy = person_name(
        Name("AMEZCUA CONTRERAS, Jose de Jesus", family="AMEZCUA CONTRERAS", given="Jose de Jesus")
    )
    assert chuy is not None
    assert "chuy" in fold(nickname_variant(chuy, rng) or "")
    nobody = person_name(Name("IVANOV, Boris", family="IVANOV", given="Boris"))
    assert nobody is not None and nickname_variant(nobody, rng) is None


def test_transliteration_variant_swaps_known_spellings() -> None:
    rng = random.Random(4)
    outs = {transliteration_variant("AL-TIKRITI, Mohammed Hussein", rng) for _ in range(50)}
    assert None not in outs
    assert any("MUHAMMAD" in (o or "").upper() or "MOHAMED" in (o or "").upper() for o in outs)
    assert any((o or "").upper().startswith("EL-") for o in outs)
    assert "Husayn" in ARABIC_VARIANTS["hussein"]
    assert transliteration_variant("John Smith", rng) is None
