"""Issue 15, second pass: initials of surnames, OCR and keying slips, cut names, other scripts, the declared
scorer. Names here are made up or public figures; none is taken from a benchmark instance."""

from __future__ import annotations

import json

import pytest

from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher, compare_names
from cruce.matching.scorer import CONFIG, CruceScorer
from cruce.matching.text import fold_any
from cruce.matching.transliterate import hangul_syllable
from cruce.matching.types import Query

P = Schema.PERSON


@pytest.mark.parametrize(
    ("presented", "listed"),
    [
        ("A. Karim Nabil Fares", "AL-QADRI, Karim Nabil Fares"),  # initial of the particle before the surname
        ("D. Rosa Elena", "DE LA FUENTE, Rosa Elena"),
        ("QUTBI, Walid Samir", "QUTBl, Walid Samir"),  # a lowercase l for a capital I
        ("BlN HAMAD, Tariq", "BIN HAMAD, Tariq"),
        ("OKRAFOR, Chinedu Emeka", "OKAFROR, Chinedu Emeka"),  # two letters swapped
        ("RUIZ PADILLA, Mariso", "RUIZ PADILLA, Marisol Andrea"),  # 20 chars: cut mid-word
        ("VILLASENOR PADILLA,", "VILLASENOR PADILLA, Marisol"),  # cut after the comma, space stripped
        ("김정은", "KIM, Jong Un"),  # Hangul, Revised vs McCune-Reischauer
        ("أيمن الظواهري", "AL-ZAWAHIRI, Ayman"),  # Arabic script: common name table + long vowels
        ("بشار الأسد", "AL-ASSAD, Bashar"),  # doubled letters written once
    ],
)
def test_alerts_on_the_listed_party(presented: str, listed: str) -> None:
    match = compare_names(presented, listed, P)
    assert match is not None and match.alert, (presented, listed, match and match.reasons())


def test_an_initial_brings_the_right_surname_forward_among_many_namesakes() -> None:
    people = [
        Entity(f"t:{i}", P, (Name(f"{surname}, Andrei"),), "t", str(i))
        for i, surname in enumerate(["FURSENKO", "PURGIN", "KLISHAS", "MELNIKOV", "BOGDANOV", "TKACHEV"] * 3)
    ]
    matches = Matcher(people).screen(Query("M. Andrei"), top=3)
    assert matches and matches[0].matched_name == "MELNIKOV, Andrei" and matches[0].alert


def test_what_must_not_alert_stays_below() -> None:
    for presented, listed in [
        ("Rosa Elena", "DE LA FUENTE, Rosa Elena"),  # the surname missing, not abbreviated
        ("RUIZ PADILLA, Marta", "RUIZ PADILLA, Marisol Andrea"),  # 19 characters, but another given name
    ]:
        match = compare_names(presented, listed, P)
        assert match is None or not match.alert, (presented, match.reasons())


def test_hangul_revised_romanization() -> None:
    assert [hangul_syllable(c) for c in "김박리최"] == ["gim", "bak", "ri", "choe"]
    assert fold_any("박정희") == "bak jeong hui"
    assert fold_any("CHO, Il-U") == "cho il u"  # `Il` is a word, not a misread `II`


def test_the_declared_scorer_is_one_documented_object() -> None:
    about = CruceScorer.describe()
    assert about["name"] == CruceScorer.NAME and about["version"] == CruceScorer.VERSION
    assert about["threshold"] == CONFIG.threshold
    assert {f["name"] for f in about["features"]} >= {"initial", "vowels dropped", "birth_date", "identifier"}
    json.dumps(about)  # served as JSON
    match = compare_names("Ayman al-Zawahiri", "AL-ZAWAHIRI, Ayman", P)
    assert match is not None and match.matcher == CruceScorer.label(CONFIG.threshold)


@pytest.mark.parametrize(
    ("presented", "listed"),
    [
        ("Gen. ROMERO VALDEZ, Octavio", "ROMERO VALDEZ, Octavio"),  # a rank before the surname
        ("Hajji NASSER, Tariq Walid Abu", "NASSER, Tariq Walid Abu"),  # a title, then the kunya's surname
        ("ORTEGA LUGO, Sami A1-Din", "ORTEGA LUGO, Sami Al-Din"),  # OCR: 1 for l in a two-letter word
        ("5U, Wei Ming", "SU, Wei Ming"),  # OCR: 5 for S
        ("ELIZONDO, Abdelrnajid", "ELIZONDO, Abdelmajid"),  # `rn` read for the `m` that starts a part
        ("Tariq Walid NASSER, AL", "AL NASSER, Tariq Walid"),  # only the particle after the comma
        ("VILLALOBOS SANDOVAL,", "VILLALOBOS SANDOVAL, Ernesto Ivan"),  # 20 characters: cut at the comma
        ("TORRES LUNA, Ben", "TORRES LUNA, Benjamin"),  # a particle that is also a short form
        ("REYES GAZA, Octavio", "REYES GARZA, Octavio"),  # a letter dropped from a five-letter surname
        ("Mustaf Qaddour", "QADDOUR, Mustafa"),  # a dropped final `a` in a word no list knows
    ],
)
def test_titles_ocr_digits_and_cut_names(presented: str, listed: str) -> None:
    match = compare_names(presented, listed, P)
    assert match is not None and match.alert, (presented, listed, match and match.reasons())


def test_a_surname_that_is_also_a_legal_form_reads_as_a_person() -> None:
    listed = [Entity("t:1", P, (Name("PAO, Wen Tai"),), "t", "1"),
              Entity("t:2", P, (Name("CHANG, Tai-wen"),), "t", "2")]  # fmt: skip
    for text in ("Mr. PAO, Wen Tai", "PAO, Wen Tai Jr."):
        matches = Matcher(listed).screen(Query(text, schema=Schema.UNKNOWN), top=1)
        assert matches and matches[0].entity.id == "t:1" and matches[0].alert, text


def test_titles_and_cuts_do_not_make_strangers_alert() -> None:
    for presented, listed in [
        ("AGUIRRE, Juan", "CORONEL AGUIRRE, Juan"),  # Coronel before a comma is a surname, not a rank
        ("VILLALOBOS SANDOVAL, Ana", "VILLALOBOS SANDOVAL, Ernesto Ivan"),  # 24 characters: nothing was cut
        ("VILLALOBOS SANDOVALES,", "VILLALOBOS SANDOVAL, Ernesto Ivan"),  # 22: not a field width
        ("LOPEZ MORA, Daniel", "LOPEZ MORA, Daniela"),  # a known name's other gender: another person
    ]:
        match = compare_names(presented, listed, P)
        assert match is None or not match.alert, (presented, match.reasons())


def test_a_name_cut_at_a_field_width_keeps_its_last_letter_and_its_whole_last_word() -> None:
    listed = [Entity("t:1", P, (Name("OROZCO, Marian Luz"),), "t", "1"),
              Entity("t:2", P, (Name("OROZCO, Marian Luz Yolanda"),), "t", "2"),
              Entity("t:3", P, (Name("MEZA, Ismael Antonio Jose Luis Zaragoza"),), "t", "3")]  # fmt: skip
    matcher = Matcher(listed)
    cut_letter = matcher.screen(Query("OROZCO, Marian Luz Y"), top=1)  # 20 characters: `Y` is what is left
    assert cut_letter and cut_letter[0].entity.id == "t:2" and cut_letter[0].alert
    cut_word = matcher.screen(Query("MEZA, Ismael Antonio"), top=1)  # 20: cut just after a whole word
    assert cut_word and cut_word[0].entity.id == "t:3" and cut_word[0].alert
    whole = matcher.screen(Query("MEZA, Ismael Antonios"), top=1)  # 21: not cut, and not the same name
    assert not whole or not whole[0].alert


@pytest.mark.parametrize(
    ("presented", "listed"),
    [
        ("ZUMARAN TRADING Limited Liability Company", "ZUMARAN TRADING LLC"),  # a form spelt out
        ("ZUMARAN TRADING LTD. LIABILITY CO.", "ZUMARAN TRADING LLC"),
        ("OPEN JOINT STOCK Co TELVARO", "OPEN JOINT STOCK COMPANY TELVARO"),  # a form of common words, first
        ("TELVARO JOINT STOCK COMPANY", "TELVARO JSC"),
        ("KELLNER TECHNIK GESELLSCHAFT MBH", "KELLNER TECHNIK GMBH"),
        ("MINERA SAN QUINTIN SADECV", "MINERA SAN QUINTIN S.A. DE C.V."),  # glued, and read as a company
        ("LAGUNA PERU S AC.", "LAGUNA PERU S.A.C."),  # the dots split the form oddly
        ("AMERICAN ROOF UP, SOCIEDAD ANONIMA DE CAPITAL VARIABLE", "AMERICAN ROOF UP, S.A. DE C.V."),
        ("PETROVAL UK Ltd.", "PETROVAL UK LIMITED"),  # `uk limited` is not a misspelt `limited`
        ("YASIN, Abdl. Karim", "YASIN, Abdul Karim"),  # a written short form of Abdul
        ("AL-JAWARI, Abu Moh.", "AL-JAWARI, Abu Muhammad"),  # a short form inside a kunya
    ],
)
def test_legal_forms_and_short_forms_across_spellings(presented: str, listed: str) -> None:
    schema = Schema.PERSON if "," in listed and "S.A." not in listed else Schema.ORGANIZATION
    entity = Entity("t:1", schema, (Name(listed),), "t", "1")
    matches = Matcher([entity]).screen(Query(presented, schema=Schema.UNKNOWN), top=1)
    assert matches and matches[0].alert, (presented, listed, matches and matches[0].reasons())


def test_a_name_that_splits_into_legal_form_pieces_stays_a_person() -> None:
    entity = Entity("t:1", P, (Name("SAFAR, Adel"),), "t", "1")  # `adel` reads as `a de l`, but is a name
    matches = Matcher([entity]).screen(Query("SAFAR, Adel"), top=1)
    assert matches and matches[0].score == 1.0
