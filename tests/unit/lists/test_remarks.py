"""The OFAC Remarks parser: the phrases that occur in the real SDN list."""

from __future__ import annotations

import pytest

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.core.model import AliasQuality, Identifier, Name, NameKind
from cruce.lists import parse_dob, parse_remarks
from cruce.lists.remarks import parse_identifier, split_person_name, strip_full_stop


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Jan 1970", (PartialDate(1970, 1, 12),)),
        ("1962", (PartialDate(1962),)),
        ("Jan 1970", (PartialDate(1970, 1),)),
        ("circa 1951", (PartialDate(1951, approximate=True),)),
        ("circa 07 Jul 1966", (PartialDate(1966, 7, 7, approximate=True),)),
        ("1960 to 1962", (PartialDate(1960), PartialDate(1961), PartialDate(1962))),
        ("circa 1979-1982", tuple(PartialDate(y, approximate=True) for y in range(1979, 1983))),
        ("01 Jan 1961 to 31 Dec 1963", (PartialDate(1961), PartialDate(1962), PartialDate(1963))),
        ("01 Jan 1973 to 31 Dec 1973", (PartialDate(1973),)),
        ("01 Feb 1960 to 29 Feb 1960", (PartialDate(1960, 2),)),
        ("26 Sep 1946 to 07 Dec 1946", tuple(PartialDate(1946, m) for m in (9, 10, 11, 12))),
        ("Mar 1962 to Feb 1963", (PartialDate(1962), PartialDate(1963))),
    ],
)
def test_dob_forms_in_the_sdn_list(text: str, expected: tuple[PartialDate, ...]) -> None:
    assert parse_dob(text) == expected


@pytest.mark.parametrize(
    "text",
    ["31 Feb 1970", "1962 to 1950", "1900 to 1990", "30-35 years old", "", "circa", "24/06/1402 (Hijri)"],
)
def test_bad_dob_raises_input_error(text: str) -> None:
    with pytest.raises(InputError):
        parse_dob(text)


def test_a_full_mexican_entry() -> None:
    facts = parse_remarks(
        "DOB 15 Dec 1967; alt. DOB 11 Jun 1968; POB Chihuahua, Mexico; nationality Mexico; citizen Mexico; "
        "Gender Male; R.F.C. AIMM-671215-387 (Mexico); C.U.R.P. AIMM671215HCHRRG06 (Mexico) issued 1968; "
        "Driver's License No. 180839 (Mexico); Electoral Registry No. 22942118 (Venezuela); "
        "Credencial electoral 101924629544 (Mexico); Linked To: CARTEL DE SINALOA.",
        person=True,
    )
    assert facts.birth_dates == [PartialDate(1967, 12, 15), PartialDate(1968, 6, 11)]
    assert facts.birth_places == ["Chihuahua, Mexico"]
    assert facts.nationalities == ["MX"]
    assert facts.gender == "male"
    assert facts.identifiers == [
        Identifier("rfc", "AIMM-671215-387", "MX"),
        Identifier("curp", "AIMM671215HCHRRG06", "MX"),
        Identifier("drivers_license", "180839", "MX"),
        Identifier("voter_id", "22942118", "VE"),
        Identifier("voter_id", "101924629544", "MX"),
    ]
    assert facts.linked_to == ["CARTEL DE SINALOA"]
    assert facts.problems == []


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Passport 1084010 (Egypt)", Identifier("passport", "1084010", "EG")),
        ("alt. Passport 265 216 (Egypt)", Identifier("passport", "265 216", "EG")),
        ("Diplomatic Passport 008827 (Iran) issued 1999", Identifier("passport", "008827", "IR")),
        ("Passport B 960789", Identifier("passport", "B 960789")),
        ("Cedula No. 16247821 (Colombia)", Identifier("cedula", "16247821", "CO")),
        ("National ID No. 660000 73767 (Belgium)", Identifier("national_id", "660000 73767", "BE")),
        ("D.N.I. 78.865.882 (Spain)", Identifier("national_id", "78.865.882", "ES")),
        ("Tax ID No. AABA 670850 Y", Identifier("tax_id", "AABA 670850 Y")),
        ("C.U.I.T. 30-68074603-2 (Argentina)", Identifier("tax_id", "30-68074603-2", "AR")),
        ("C.U.I. 1995739560513 (Guatemala)", Identifier("national_id", "1995739560513", "GT")),
        ("C.U.I.P. FOFS770822H09576414 (Mexico)", Identifier("other", "FOFS770822H09576414", "MX")),
        ("Registration ID 1027700132195 (Russia)", Identifier("registration", "1027700132195", "RU")),
        (
            "Folio Mercantil No. 343997 (Mexico) issued 14 Dec 2005",
            Identifier("registration", "343997", "MX"),
        ),
        ("Vessel Registration Identification IMO 9187629", Identifier("imo", "9187629")),
        ("MMSI 572469210", Identifier("mmsi", "572469210")),
        (
            "Aircraft Manufacturer's Serial Number (MSN) 1023409321",
            Identifier("aircraft_serial", "1023409321"),
        ),
        ("Aircraft Tail Number YV2565", Identifier("tail_number", "YV2565")),
        ("Previous Aircraft Tail Number YI-NAE", Identifier("tail_number", "YI-NAE")),
        ("SWIFT/BIC HAVIGB2L", Identifier("swift", "HAVIGB2L")),
        ("RFC cavp 590612 ad1 (Mexico)", Identifier("rfc", "CAVP590612AD1", "MX")),
        ("NIT # 800160353-2 (Colombia)", Identifier("tax_id", "800160353-2", "CO")),
        (
            "Identification Number AO 2879097 (Italy) expires 30 Oct 2012",
            Identifier("national_id", "AO 2879097", "IT"),
        ),
    ],
)
def test_identifier_phrases(phrase: str, expected: Identifier) -> None:
    assert parse_remarks(phrase + ".").identifiers == [expected]


def test_curp_without_country_is_mexican_and_unspaced() -> None:
    assert parse_identifier("curp", " aimm 671215 hchrrg06 ") == Identifier(
        "curp", "AIMM671215HCHRRG06", "MX"
    )


def test_identifier_without_number_is_a_problem_not_an_identifier() -> None:
    facts = parse_remarks("Passport (Mexico); DOB 1970")
    assert facts.identifiers == []
    assert facts.problems == [("Passport", "(Mexico)", "identifier without a number")]
    assert facts.birth_dates == [PartialDate(1970)]


def test_aliases_in_remarks_are_weak() -> None:
    facts = parse_remarks("a.k.a. 'BAKR, Abu'; a.k.a. 'EL FLACO'; f.k.a. 'TARHUNA BRIGADE'.", person=True)
    assert facts.aliases == [
        Name("BAKR, Abu", NameKind.AKA, AliasQuality.WEAK, family="BAKR", given="Abu"),
        Name("EL FLACO", NameKind.AKA, AliasQuality.WEAK),
        Name("TARHUNA BRIGADE", NameKind.FKA, AliasQuality.WEAK),
    ]


def test_organisation_aliases_are_not_split() -> None:
    facts = parse_remarks("a.k.a. 'CIMEX, S.A.'")
    assert facts.aliases == [Name("CIMEX, S.A.", NameKind.AKA, AliasQuality.WEAK)]


def test_nationality_citizenship_and_registration_countries() -> None:
    facts = parse_remarks(
        "nationality Palestinian; alt. nationality Germany; citizen Korea, North; "
        "nationality possibly Syria; Nationality of Registration Korea, North; "
        "Other Vessel Flag Tanzania; Former Vessel Flag None Identified"
    )
    assert facts.nationalities == ["PS", "DE", "KP", "SY"]
    assert facts.countries == ["KP", "TZ"]
    assert facts.problems == []
    assert "former_flags" not in facts.extra


def test_unknown_country_is_reported() -> None:
    facts = parse_remarks("nationality Atlantis")
    assert facts.nationalities == []
    assert facts.problems == [("nationality", "Atlantis", "unknown country")]


def test_free_text_stays_out_of_the_facts() -> None:
    facts = parse_remarks(
        "Additional Sanctions Information - Subject to Secondary Sanctions; Former Secretary General of X; "
        "Executive Order 13662 Directive Determination - Subject to Directive 2."
    )
    assert facts.birth_dates == [] and facts.identifiers == [] and facts.aliases == []
    assert facts.problems == []


def test_contact_details_and_aircraft_facts_go_to_extra() -> None:
    facts = parse_remarks(
        "Website www.example.ir; Email Address info@example.ir; alt. Email Address x@example.ir; "
        "Aircraft Model IL76-TD; Aircraft Operator YAS AIR; Aircraft Manufacture Date 1992; "
        "Digital Currency Address - XBT 12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h."
    )
    assert facts.extra == {
        "website": ["www.example.ir"],
        "email": ["info@example.ir", "x@example.ir"],
        "aircraft_model": ["IL76-TD"],
        "aircraft_operator": ["YAS AIR"],
        "aircraft_manufacture_date": ["1992"],
        "digital_currency_address": ["XBT 12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h"],
    }


def test_gender_and_bad_gender() -> None:
    assert parse_remarks("Gender Female.").gender == "female"
    facts = parse_remarks("Gender Unknown")
    assert facts.gender is None
    assert facts.problems == [("Gender", "Unknown", "expected Male or Female")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NATIONAL IRANIAN TANKER COMPANY.", "NATIONAL IRANIAN TANKER COMPANY"),
        ("PETROLEOS DE VENEZUELA, S.A.", "PETROLEOS DE VENEZUELA, S.A."),
        ("RIO GRANDE STOCKYARDS, INC.", "RIO GRANDE STOCKYARDS, INC."),
        ("KNOWLES, Samuel, Jr.", "KNOWLES, Samuel, Jr."),
        ("Mexico", "Mexico"),
    ],
)
def test_full_stop_is_dropped_but_abbreviations_kept(value: str, expected: str) -> None:
    assert strip_full_stop(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AMEZCUA CONTRERAS, Jose de Jesus", ("AMEZCUA CONTRERAS", "Jose de Jesus")),
        ("DELOS REYES, Feliciano Semborio, Jr.", ("DELOS REYES", "Feliciano Semborio")),
        ("MARUF, Taha, Muhyi al-Din", ("MARUF", "Taha Muhyi al-Din")),
        ("ABU ZUBAYDAH", (None, None)),
    ],
)
def test_person_name_split(text: str, expected: tuple[str | None, str | None]) -> None:
    assert split_person_name(text) == expected


def test_empty_remarks() -> None:
    assert parse_remarks("-0-").birth_dates == []
    assert parse_remarks(None).problems == []
