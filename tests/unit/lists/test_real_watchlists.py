"""The importers against the real published lists in ../shared (skipped when that folder is absent).

Values asserted here were looked up in the files by hand; if a newer download changes them, update the
expectations after checking the new file, never the importer to fit.
"""

from __future__ import annotations

import collections
import dataclasses
from functools import cache
from pathlib import Path

import pytest

from cruce.core.dates import PartialDate
from cruce.core.model import Address, AliasQuality, Entity, Identifier, Name, NameKind, Schema
from cruce.lists import ImportResult, diff_versions, load_list

WATCHLISTS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "watchlists"

pytestmark = pytest.mark.shared


def need(*names: str) -> list[Path]:
    paths = [WATCHLISTS / n for n in names]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"real watchlist files not available in {WATCHLISTS.resolve()}: {', '.join(missing)}")
    return paths


@cache
def _load(list_id: str, names: tuple[str, ...]) -> ImportResult:
    return load_list(list_id, [WATCHLISTS / n for n in names])


SDN_FILES = ("ofac_sdn_sdn.csv", "ofac_sdn_alt.csv", "ofac_sdn_add.csv")


def sdn() -> ImportResult:
    need(*SDN_FILES)
    return _load("us-ofac-sdn", SDN_FILES)


def entity(result: ImportResult, entity_id: str) -> Entity:
    return next(e for e in result.entities if e.id == entity_id)


def test_sdn_imports_every_entry() -> None:
    paths = need(*SDN_FILES)
    result = load_list("us-ofac-sdn", paths)
    assert len(result.entities) == 8976
    assert result.skipped == []
    assert collections.Counter(e.schema for e in result.entities) == {
        Schema.PERSON: 4620,
        Schema.ORGANIZATION: 3673,
        Schema.VESSEL: 406,
        Schema.AIRCRAFT: 277,
    }
    # Every alias row lands on its entry (a few duplicate the primary name and are folded).
    assert sum(len(e.names) for e in result.entities) > 8976 + 11900
    # The only values we cannot place are genuinely odd (a disputed region, ...), and they are listed.
    assert len(result.dropped) < 20


def test_sdn_amezcua_contreras() -> None:
    amezcua = entity(sdn(), "us-ofac-sdn:6703")
    assert amezcua.names[0] == Name(
        "AMEZCUA CONTRERAS, Jose de Jesus", family="AMEZCUA CONTRERAS", given="Jose de Jesus"
    )
    assert [n.text for n in amezcua.names[1:]] == [
        "AMESCUA, Chuey",
        "AMEZCUA, Chuy",
        "AMEZCUA CONTRERAS, Jesus",
        "AMEZCUA, Jose de Jesus",
        "HERNANDEZ, Adan",
    ]
    assert all(n.kind is NameKind.AKA and n.quality is AliasQuality.STRONG for n in amezcua.names[1:])
    assert amezcua.birth_dates == (PartialDate(1964, 7, 31), PartialDate(1965, 7, 31))
    assert amezcua.birth_places == ("Mexico",)
    assert amezcua.programs == ("SDNTK",)


def test_sdn_mexican_entry_with_curp_and_rfc() -> None:
    arriola = entity(sdn(), "us-ofac-sdn:9338")
    assert arriola.caption == "ARRIOLA MARQUEZ, Miguel Angel"
    # OFAC prints this CURP with 17 characters; we keep what the list says.
    assert arriola.identifiers == (
        Identifier("rfc", "AIMM-671215-387", "MX"),
        Identifier("curp", "AIMM67125HCHRRG06", "MX"),
    )
    assert arriola.birth_dates == (PartialDate(1967, 12, 15),)
    assert arriola.birth_places == ("Chihuahua, Mexico",)
    assert arriola.nationalities == ("MX",)
    assert (
        Address("Calle Mina No. 15, Saucillo, Chihuahua, Mexico", city="Saucillo, Chihuahua", country="MX")
        in arriola.addresses
    )
    assert "US" in arriola.countries  # c/o addresses in Presidio, TX


def test_sdn_about_760_entries_are_linked_to_mexico() -> None:
    linked = [
        e
        for e in sdn().entities
        if "MX" in e.all_countries()
        or any(i.country == "MX" for i in e.identifiers)
        or any(p.endswith("Mexico") for p in e.birth_places)
    ]
    assert 700 <= len(linked) <= 820


def test_sdn_vessel_with_imo() -> None:
    ship = entity(sdn(), "us-ofac-sdn:15036")
    assert ship.caption == "ARTAVIL"
    assert ship.schema is Schema.VESSEL
    assert Identifier("imo", "9187629") in ship.identifiers
    assert Identifier("mmsi", "572469210") in ship.identifiers
    assert ship.countries == ("IR",)
    assert ship.extra["call_sign"] == "T2EU4"
    assert ship.linked_to == ("NATIONAL IRANIAN TANKER COMPANY",)
    assert Name("ALPHA", NameKind.FKA, AliasQuality.WEAK) in ship.names


def test_sdn_remarks_aliases_ranges_and_documents() -> None:
    result = sdn()
    herrera = entity(result, "us-ofac-sdn:4106")
    assert Identifier("cedula", "16247821", "CO") in herrera.identifiers
    assert Identifier("passport", "J287011", "CO") in herrera.identifiers
    weak = [n.text for n in herrera.names if n.quality is AliasQuality.WEAK]
    assert weak == ["PACHO", "H7"]
    sani = entity(result, "us-ofac-sdn:23631")
    assert sani.birth_dates[:3] == (PartialDate(1960), PartialDate(1961), PartialDate(1962))
    bank = entity(result, "us-ofac-sdn:306")
    assert bank.names[-1] == Name("BNC", NameKind.AKA, AliasQuality.WEAK)
    assert {a.country for a in bank.addresses} == {"CH", "ES", "JP", "PA"}


def test_ofac_consolidated_list() -> None:
    names = ("ofac_cons_prim.csv", "ofac_cons_alt.csv", "ofac_cons_add.csv")
    need(*names)
    result = _load("us-ofac-cons", names)
    assert len(result.entities) == 442
    assert result.skipped == []
    haniya = entity(result, "us-ofac-cons:9639")
    assert haniya.names[0].family == "HANIYA"
    assert haniya.birth_dates == (PartialDate(1962),)


def test_un_consolidated_list() -> None:
    need("un_consolidated.xml")
    result = _load("un-sc", ("un_consolidated.xml",))
    assert len(result.entities) == 1003
    assert collections.Counter(e.schema for e in result.entities) == {
        Schema.PERSON: 730,
        Schema.ORGANIZATION: 273,
    }
    assert result.skipped == []
    zawahiri = entity(result, "un-sc:QDi.006")
    assert zawahiri.caption == "AIMAN MUHAMMED RABI AL-ZAWAHIRI"
    assert Name("أيمن محمد ربيع الظواهري", script="Arab") in zawahiri.names
    assert Identifier("passport", "1084010", "EG") in zawahiri.identifiers
    assert zawahiri.birth_dates[0] == PartialDate(1951, 6, 19)
    assert zawahiri.nationalities == ("EG",)
    saddam = entity(result, "un-sc:IQi.001")
    assert Name("صدام حسين التكريتي", script="Arab") in saddam.names
    # Every value we could not read is accounted for with its line.
    assert all(d.line > 0 for d in result.dropped)


def test_opensanctions_ftm_sample() -> None:
    need("opensanctions_eu_fsf_sample.ftm.json")
    result = _load("opensanctions-eu-fsf", ("opensanctions_eu_fsf_sample.ftm.json",))
    assert len(result.entities) == 6
    assert result.ignored == {"schema Address": 1}
    assert result.skipped == []
    kuzmenko = entity(result, "opensanctions-eu-fsf:NK-2Ka3UvopqbpZmVDFjWd4LA")
    assert kuzmenko.caption == "Vitaly Yurievich KUZMENKO"
    assert Name("Виталий Юрьевич КУЗЬМЕНКО", family="КУЗЬМЕНКО", given="Виталий Юрьевич", script="Cyrl") in (
        kuzmenko.names
    )
    assert kuzmenko.birth_dates == (PartialDate(1971, 1, 22),)
    assert kuzmenko.identifiers == (Identifier("tax_id", "366510784303"),)
    assert kuzmenko.nationalities == ("RU",)
    assert kuzmenko.gender == "male"
    tobacco = entity(result, "opensanctions-eu-fsf:NK-2GdmHtZTeNXjNVrBGEXZNj")
    scripts = collections.Counter(n.script for n in tobacco.names)
    assert scripts == {None: 8, "Cyrl": 3, "Grek": 1}
    assert tobacco.identifiers == (Identifier("registration", "808000714"),)


def test_real_sdn_diff_reports_a_dropped_and_an_edited_entry() -> None:
    old = sdn().entities
    edited = entity(sdn(), "us-ofac-sdn:6703")
    new = [e for e in old if e.id not in ("us-ofac-sdn:306", "us-ofac-sdn:6703")]
    new.append(dataclasses.replace(edited, gender="male"))
    diff = diff_versions(old, new)
    assert [e.id for e in diff.removed] == ["us-ofac-sdn:306"]
    assert [str(c) for c in diff.changed] == ["us-ofac-sdn:6703: gender: None -> 'male'"]
    assert diff.unchanged == 8974
