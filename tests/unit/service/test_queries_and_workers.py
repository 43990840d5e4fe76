"""Queries built from user text, and screening on several threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from cruce.core.errors import InputError
from cruce.core.model import Entity, Identifier, Name, Schema
from cruce.matching.matcher import Matcher
from cruce.service.queries import make_query
from cruce.service.screening import screen_queries


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Korea, North", ("KP",)),
        ("MX, US", ("MX", "US")),
        ("Mexico; Canada", ("MX", "CA")),
        ("mex", ("MX",)),
        ("Bosnia & Herzegovina", ("BA",)),
        ("The Gambia", ("GM",)),
    ],
)
def test_countries_with_and_without_commas(text: str, codes: tuple[str, ...]) -> None:
    assert make_query("Ana Ruiz", country=text).countries == codes


@pytest.mark.parametrize("text", ["03/02/1975", "1975-13-01", "31 Feb 1970", "soon"])
def test_unreadable_or_ambiguous_birth_dates_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        make_query("Ana Ruiz", birth_date=text)


def test_unambiguous_numeric_and_approximate_dates_are_read() -> None:
    assert make_query("Ana Ruiz", birth_date="25/03/1975").birth_date.iso() == "1975-03-25"  # type: ignore[union-attr]
    assert make_query("Ana Ruiz", birth_date="03/25/1975").birth_date.iso() == "1975-03-25"  # type: ignore[union-attr]
    approx = make_query("Ana Ruiz", birth_date="about 1970").birth_date
    assert approx is not None and approx.approximate and approx.year == 1970


def _person(list_id: str, name: str) -> Entity:
    return Entity(f"{list_id}:1", Schema.PERSON, (Name(name),), list_id, "1")


def test_two_screenings_on_two_threads_keep_their_own_lists() -> None:
    first = Matcher([_person("first", "Ana Maria Ruiz Lopez")])
    second = Matcher([_person("second", "Ana Maria Ruiz Lopez")])
    queries = [make_query("Ana Maria Ruiz Lopez", query_id=str(i)) for i in range(300)]

    def lists_seen(matcher: Matcher) -> set[str]:
        return {m.entity.list_id for r in screen_queries(matcher, queries, workers=1) for m in r.matches}

    with ThreadPoolExecutor(2) as pool:
        seen_first, seen_second = pool.map(lists_seen, [first, second])
    assert seen_first == {"first"} and seen_second == {"second"}


def test_a_schema_filter_is_not_crowded_out_by_other_kinds() -> None:
    companies = [
        Entity(f"t:{i}", Schema.ORGANIZATION, (Name("JUAN HERNANDEZ LOPEZ S.A. DE C.V."),), "t", str(i))
        for i in range(20)
    ]
    person = Entity("t:p", Schema.PERSON, (Name("HERNANDEZ LOPEZ, Juan"),), "t", "p")
    matcher = Matcher([*companies, person])
    found = matcher.screen(make_query("Juan Hernandez Lopez", schema="person"))
    assert found and found[0].entity_id == "t:p"


def test_top_must_be_positive() -> None:
    with pytest.raises(InputError):
        Matcher([_person("t", "Ana Ruiz")]).screen(make_query("Ana Ruiz"), top=0)


def test_documents_and_gender_are_read_and_checked() -> None:
    query = make_query("Ana Ruiz", gender="F", documents="curp:RUAA700101MDFZNN09; passport: G123")
    assert query.gender == "female"
    assert [(i.kind, i.value) for i in query.identifiers] == [
        ("curp", "RUAA700101MDFZNN09"),
        ("passport", "G123"),
    ]
    for bad in ("curp", "nickname:x", "passport:"):
        with pytest.raises(InputError, match="kind:number"):
            make_query("Ana Ruiz", documents=bad)
    with pytest.raises(InputError, match="gender"):
        make_query("Ana Ruiz", gender="x")


def test_a_listed_document_lifts_a_partial_name_to_an_alert() -> None:
    listed = Entity(
        "t:1",
        Schema.PERSON,
        (Name("RAMIREZ PEREZ, Francisco Javier", family="RAMIREZ PEREZ", given="Francisco Javier"),),
        "t",
        "1",
        identifiers=(Identifier("curp", "RAPF700505HSLMRR06"),),
    )
    matcher = Matcher([listed])
    without = matcher.screen(make_query("F. Ramirez"))
    with_document = matcher.screen(make_query("F. Ramirez", documents=["curp:RAPF-700505-HSLMRR06"]))
    assert not (without and without[0].alert)
    assert with_document[0].alert


def _collector_thresholds(_item: int, _given: Matcher | None) -> tuple[int, int, int]:
    import gc

    return gc.get_threshold()


def test_batch_workers_collect_older_objects_less_often_and_the_parent_is_untouched() -> None:
    """Full collections walked the matcher's caches 7-10% of a worker's time; only workers are tuned."""
    import gc

    from cruce.matching.matcher import SCREENING_GC_MIDDLE_THRESHOLD
    from cruce.service.screening import _Workers

    before = gc.get_threshold()
    matcher = Matcher([_person("lst", "Juan Garcia Lopez")])
    with _Workers(matcher, 2) as pool:
        if pool.workers < 2:
            pytest.skip("no fork, or one core: screening runs in this process")
        seen = list(pool.map(_collector_thresholds, range(4)))
    assert all(t[1] == SCREENING_GC_MIDDLE_THRESHOLD for t in seen), seen
    assert all(t[0] == before[0] and t[2] == before[2] for t in seen), seen
    assert gc.get_threshold() == before
