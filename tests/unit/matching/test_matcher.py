"""What an inspector would notice: the right person ranks first and alerts; the wrong one does not."""

from __future__ import annotations

import pytest

from cruce.core.dates import PartialDate
from cruce.core.model import Identifier, Schema
from cruce.matching.matcher import Matcher, compare_names
from cruce.matching.types import DEFAULT_ALERT_THRESHOLD, Query


def top(matcher: Matcher, name: str, **kwargs: object) -> tuple[str | None, float, bool]:
    matches = matcher.screen(Query(name, **kwargs))  # type: ignore[arg-type]
    if not matches:
        return None, 0.0, False
    return matches[0].entity_id, matches[0].score, matches[0].alert


@pytest.mark.parametrize(
    ("presented", "expected"),
    [
        ("Jose de Jesus Amezcua Contreras", "test:1"),
        ("JOSÉ DE JESÚS AMEZCUA CONTRERAS", "test:1"),
        ("Amezcua Contreras, José de Jesús", "test:1"),
        ("José de Jesús Amezcua", "test:1"),  # maternal surname dropped
        ("Pepe Amezcua Contreras", "test:1"),  # nickname
        ("Juan Carlos Hernandez", "test:3"),
        ("Juan C. Hernandez L.", "test:3"),  # initials
        ("Hernandez Lopez Juan Carlos", "test:3"),  # surname first, no comma
        ("Juan Carlos Hernandes Lopes", "test:3"),  # phonetic spelling
        ("Juan Carlos Hernnadez Lopez", "test:3"),  # transposed letters
        ("Joaquin Guzman Loera", "test:4"),
        ("Usama bin Ladin", "test:5"),
        ("Osama bin Laden", "test:5"),
        ("Ayman al-Zawahiri", "test:6"),
        ("Aiman el Zawahiry", "test:6"),
        ("Hamid Abdul Rahman", "test:11"),
        ("Hamid Abdulrahman", "test:11"),
        ("Mohamed Kasim Khan", "test:12"),
        ("Francisco Javier Ramirez Perez", "test:9"),
        ("Paco Ramirez Perez", "test:9"),
        ("Lupita Guadalupe Torres", "test:8"),
        ("Transportes Guzman SA de CV", "test:20"),
        ("Transportes Guzmán, S.A. de C.V.", "test:20"),
        ("National Bank of Cuba", "test:21"),
        ("Constructora e Inmobiliaria Los Pinos", "test:23"),
    ],
)
def test_listed_party_ranks_first_and_alerts(matcher: Matcher, presented: str, expected: str) -> None:
    entity_id, score, alert = top(matcher, presented)
    assert entity_id == expected, f"{presented!r} -> {entity_id} ({score})"
    assert alert, f"{presented!r} scored {score}, below the alert threshold {DEFAULT_ALERT_THRESHOLD}"


@pytest.mark.parametrize(
    "presented",
    [
        "Joѕé de Jesus Amezcua Contreras",  # Cyrillic dze inside a Latin word
        "Jose\u200b de Jesus Amez\u200dcua Contreras",  # zero-width characters
        "Jose de Jesus Amezcua Contreras\u00ad",  # soft hyphen
        "ＪＯＳＥ ＤＥ ＪＥＳＵＳ ＡＭＥＺＣＵＡ ＣＯＮＴＲＥＲＡＳ",  # full-width forms
        "Jsé d Jss Amzc Cntrrs",  # dropped vowels
        "Josse de Jesuss Ammezcua Conttreras",  # doubled letters
        "J0se de Jesus Amezcua C0ntreras",  # OCR digits for letters
        "Lic. Jose de Jesus Amezcua Contreras",  # title
        "Dr Jose de Jesus Amezcua Contreras Jr.",
        "Contreras Amezcua Jose de Jesus",  # reordered
        "Jose de Jesus Amezcua Contr",  # truncated
    ],
)
def test_adversarial_spellings_still_find_the_listed_person(matcher: Matcher, presented: str) -> None:
    entity_id, score, alert = top(matcher, presented)
    assert entity_id == "test:1", f"{presented!r} -> {entity_id}"
    assert alert, f"{presented!r} scored {score}"


@pytest.mark.parametrize(
    "presented",
    [
        "Pedro Amezcua Contreras",  # a relative: both surnames, another given name
        "Maria Elena Amezcua Contreras",
        "Pedro Hernandez Lopez",
        "Jane Smith",  # relatives sharing a family name
        "Richard Smith",
        "Ismael Garcia",
        "Global Trading Company Limited Paris Branch",  # another branch, another place
        "Juan Perez",
        "Maria Lopez",
        "Mario Guadalupe Torres",  # other gender form of the given name
    ],
)
def test_near_misses_do_not_alert(matcher: Matcher, presented: str) -> None:
    matches = matcher.screen(Query(presented))
    alerts = [(m.entity_id, m.score) for m in matches if m.alert]
    assert not alerts, f"{presented!r} alerted on {alerts}"


def test_relative_does_not_tie_with_the_listed_person(matcher: Matcher) -> None:
    matches = matcher.screen(Query("Jose de Jesus Amezcua Contreras"))
    assert matches[0].entity_id == "test:1"
    relative = {m.entity_id: m.score for m in matcher.screen(Query("Luis Ignacio Amezcua Contreras"))}
    assert relative.get("test:1", 0.0) < 0.6 and relative["test:2"] == 1.0
    others = [m for m in matches if m.entity_id == "test:2"]
    assert not others or others[0].score < matches[0].score - 0.3


def test_conflicting_birth_date_drops_below_the_threshold(matcher: Matcher) -> None:
    same = matcher.screen(Query("Jose de Jesus Amezcua Contreras", birth_date=PartialDate(1964, 7, 31)))
    other = matcher.screen(Query("Jose de Jesus Amezcua Contreras", birth_date=PartialDate(1990, 1, 15)))
    assert same[0].alert and same[0].score > 0.95
    assert other[0].entity_id == "test:1" and not other[0].alert
    assert any(f.name == "birth_date" and "years apart" in f.detail for f in other[0].features)


def test_birth_date_one_off_day_is_tolerated_but_lowers_the_score(matcher: Matcher) -> None:
    exact = matcher.screen(Query("Juan Carlos Hernandez Lopez", birth_date=PartialDate(1975, 3, 2)))[0]
    swapped = matcher.screen(Query("Juan Carlos Hernandez Lopez", birth_date=PartialDate(1975, 2, 3)))[0]
    assert exact.alert and swapped.alert
    assert any("swapped" in f.detail for f in swapped.features)


def test_identifier_match_and_conflict(matcher: Matcher) -> None:
    curp = Identifier("curp", "RAPF-700505-HSLMRR06")
    matched = matcher.screen(Query("F. Javier Ramirez", identifiers=(curp,)))[0]
    assert matched.entity_id == "test:9" and matched.alert
    other = Identifier("curp", "RAPF700505HSLMRR01")
    conflict = matcher.screen(Query("Francisco Javier Ramirez Perez", identifiers=(other,)))[0]
    assert not conflict.alert


def test_schema_keeps_people_and_companies_apart(matcher: Matcher) -> None:
    as_person = matcher.screen(Query("Transportes Guzman", schema=Schema.PERSON))
    assert all(m.entity.schema is not Schema.ORGANIZATION for m in as_person)
    vessel = matcher.screen(Query("Sea Star", schema=Schema.VESSEL))
    assert vessel and vessel[0].entity_id == "test:24"


def test_weak_single_word_alias_never_alerts_alone(matcher: Matcher) -> None:
    matches = matcher.screen(Query("Chapo"))
    assert not any(m.alert for m in matches)


def test_every_match_explains_itself(matcher: Matcher) -> None:
    match = matcher.screen(
        Query("José de Jesús Amezcua", birth_date=PartialDate(1964, 7, 31), countries=("MX",))
    )[0]
    names = [f.name for f in match.features]
    assert names[0] == "name" and "birth_date" in names and "country" in names
    assert "contreras (second surname)" in match.reasons()
    assert "birth date 1964-07-31 agrees" in match.reasons()


def test_empty_and_garbage_queries_return_nothing(matcher: Matcher) -> None:
    assert matcher.screen(Query("")) == []
    assert matcher.screen(Query("!!! ???")) == []
    assert matcher.screen(Query("\u200b\u200b")) == []


@pytest.mark.parametrize(
    ("presented", "listed", "same"),
    [
        (
            "Grupo Aeroportuario del Pacifico SAB de CV",
            "GRUPO AEROPORTUARIO DEL PACIFICO, S.A.B. DE C.V.",
            True,
        ),
        ("Acme Intl Trading Co.", "ACME INTERNATIONAL TRADING COMPANY", True),
        ("Banco Azteca Sucursal Tijuana", "BANCO AZTECA SUCURSAL MEXICALI", False),  # branches, other places
        ("Transportes Lopez Monterrey", "TRANSPORTES LOPEZ GUADALAJARA", False),
    ],
)
def test_company_pairs(presented: str, listed: str, same: bool) -> None:
    match = compare_names(presented, listed, Schema.ORGANIZATION)
    assert (match is not None and match.alert) == same, match.reasons() if match else "no match"


@pytest.mark.parametrize(
    ("presented", "listed", "same"),
    [
        ("Juan Carlos Hernández", "HERNANDEZ LOPEZ, Juan Carlos", True),
        ("Mohamed Abdel Rahman", "ABD AL-RAHMAN, Muhammad", True),
        ("Jane Smith", "SMITH, John", False),  # relatives sharing a family name
        ("Roberto Mejia Valencia", "MEJIA VALENCIA, Alberto", False),  # one consonant apart: another name
        ("Daniela Ortiz", "ORTIZ, Daniel", False),  # other gender form
    ],
)
def test_pairwise_comparison(presented: str, listed: str, same: bool) -> None:
    match = compare_names(presented, listed)
    assert (match is not None and match.alert) == same, match.reasons() if match else "no match"
