"""The failure kinds of issue 15: each must alert on the party it names, and the look-alikes must not."""

from __future__ import annotations

from importlib import resources

import pytest

from cruce.core.model import Schema
from cruce.matching.lexicon import common_name_tokens, read_table, short_forms, table_header
from cruce.matching.matcher import compare_names
from cruce.matching.names import NameTokens, Role, org_tokens, person_tokens, rejoined, unglued
from cruce.matching.text import tokenize
from cruce.matching.variants import (
    LEGAL_FORMS,
    NICKNAMES,
    PARTICLES,
    TITLES,
    VARIANT_KEY,
    is_nickname_of,
)

P, ORG, V = Schema.PERSON, Schema.ORGANIZATION, Schema.VESSEL


@pytest.mark.parametrize(
    ("presented", "listed", "schema"),
    [
        ("Ma. Guadalupe Hernandez Lopez", "HERNANDEZ LOPEZ, Maria Guadalupe", P),  # written short form
        ("Fco. Javier Hernandez", "HERNANDEZ, Francisco Javier", P),
        ("Jno. Smith", "SMITH, John", P),
        ("Thos. Brown", "BROWN, Thomas", P),
        ("Muhd. Hafiz Saeed", "SAEED, Hafiz Muhammad", P),
        ("Eng. Chang Chin Sung", "CHANG, Chin Sung", P),  # titles and suffixes anywhere
        ("John Jr. Smith", "SMITH, John", P),
        ("Dr. Acme Trading Ltd", "ACME TRADING LIMITED", ORG),
        ("Jose Delarosa", "DE LA ROSA, Jose", P),  # glued particles
        ("DEMARTINI TAMAYO, Sergio Rene", "DE MARTINI TAMAYO, Sergio Rene", P),
        ("TRANSPORTES GUZMAN DEC.V.", "TRANSPORTES GUZMAN, S.A. DE C.V.", ORG),  # glued legal forms
        ("Constructora del Norte S.DER.L.", "CONSTRUCTORA DEL NORTE, S. DE R.L. DE C.V.", ORG),
        ("LEAL LOPEZ, Janey Fa", "LEAL LOPEZ, Janey Farides", P),  # cut at 20 characters
        ("KHATTALAH, Ahrned Abu", "KHATTALAH, Ahmed Abu", P),  # rn read as m
        ("Xi Jin Ping", "XI, Jinping", P),  # split word
        ("Kim Jongun", "KIM, Jong Un", P),  # joined words
        ("习近平", "XI, Jinping", P),  # other script, syllables as words
        ("MV Wise Honest", "WISE HONEST", V),
        ("Y. Aitzol Iriondo", "YARZA, Aitzol Iriondo", P),  # an initial, not the particle y
        ("Maria delRio", "DEL RIO, Maria", P),
    ],
)
def test_alerts_on_the_named_party(presented: str, listed: str, schema: Schema) -> None:
    match = compare_names(presented, listed, schema)
    assert match is not None and match.alert, (presented, listed, match and match.reasons())


@pytest.mark.parametrize(
    ("presented", "listed", "schema"),
    [
        ("Acme Fund II", "ACME FUND III", ORG),  # a series
        ("Ji Song 8", "JI SONG 6", V),
        ("Kum Un San 3", "KUM UN SAN", V),
        ("Transportes Guzman Monterrey", "TRANSPORTES GUZMAN TIJUANA", ORG),  # a place
        ("Kim Yo Jong", "KIM, Jong Un", P),  # relatives sharing a family name
        ("Jesus Alfredo Guzman Salazar", "GUZMAN SALAZAR, Ivan Archivaldo", P),
        ("Mario Garcia", "GARCIA, Maria", P),
    ],
)
def test_look_alikes_do_not_alert(presented: str, listed: str, schema: Schema) -> None:
    match = compare_names(presented, listed, schema)
    assert match is None or not match.alert, match.reasons()


def test_short_forms_are_shipped_data_with_a_source() -> None:
    assert "maria" in short_forms()["ma"]
    assert "muhammad" in short_forms()["muhd"]
    header = table_header("short_forms.tsv")
    assert "Source" in header and "Licence" in header
    assert "Licence" in table_header("common_names.tsv")
    assert "roberto" in common_name_tokens()


def test_every_shipped_table_states_its_source_licence_and_version() -> None:
    folder = resources.files("cruce.matching").joinpath("data")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".tsv"))
    expected = {"nicknames.tsv", "titles.tsv", "particles.tsv", "legal_forms.tsv", "org_synonyms.tsv"}
    assert expected <= set(names)
    for name in names:
        header = table_header(name)
        assert "Source" in header and "Licence" in header and "Version" in header, name
        for row in read_table(name):
            assert all(cell == cell.strip() and cell for cell in row[:1]), (name, row)


def test_name_vocabulary_comes_from_the_tables() -> None:
    nicknames = dict((row[0], row[1].split(",")) for row in read_table("nicknames.tsv"))
    assert set(nicknames) == set(NICKNAMES)
    assert all(tuple(nicknames[k]) == v for k, v in NICKNAMES.items())
    assert {row[0] for row in read_table("titles.tsv")} == TITLES
    assert {row[0] for row in read_table("legal_forms.tsv")} == LEGAL_FORMS
    assert {row[0] for row in read_table("particles.tsv")} == PARTICLES
    for group in read_table("spelling_variants.tsv"):
        # a later group may take a spelling over, so at most two keys per group
        assert len({VARIANT_KEY[spelling] for spelling in group}) <= 2, group
    assert VARIANT_KEY["mohammed"] == VARIANT_KEY["muhammad"]
    assert is_nickname_of("pepe", "jose") and not is_nickname_of("jose", "pepe")


def test_unglued_keeps_real_names_whole_enough() -> None:
    assert unglued("delarosa") == "rosa"
    assert unglued("abualkhayr") == "abukhayr"
    assert unglued("delrio") == "rio"
    assert unglued("lara") == "lara"  # `la` would leave too little
    assert unglued("rosa") == "rosa"


def test_glued_legal_forms_and_titles_leave_org_names() -> None:
    assert org_tokens("Constructora del Norte S.DER.L. DEC.V.") == ["constructora", "norte"]
    assert person_tokens("Jr. John Smith III") == ["john", "smith"]


def test_rejoined_joins_and_splits_by_the_vocabulary() -> None:
    name = NameTokens("x", ("xi", "jin", "ping"), (Role.UNKNOWN,) * 3)
    joined = rejoined(name, {"xi": 1, "jinping": 1})
    assert joined is not None and joined.tokens == ("xi", "jinping")
    split = rejoined(NameTokens("y", ("chongnam",), (Role.UNKNOWN,)), {"chong": 1, "nam": 1})
    assert split is not None and split.tokens == ("chong", "nam")
    assert rejoined(name, {}) is None


def test_syllabic_scripts_become_words() -> None:
    assert tokenize("习近平") == ["xi", "jin", "ping"]
