"""The OFAC remarks parser survives anything a list (or an attacker editing one) can put in a cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.core.dates import PartialDate
from cruce.core.errors import InputError
from cruce.lists import parse_dob, parse_remarks

KEYS = [
    "DOB",
    "alt. DOB",
    "DOB circa",
    "POB",
    "nationality",
    "citizen",
    "Gender",
    "Passport",
    "Diplomatic Passport",
    "C.U.R.P.",
    "R.F.C.",
    "RFC",
    "Cedula No.",
    "National ID No.",
    "D.N.I.",
    "Tax ID No.",
    "Registration ID",
    "Vessel Registration Identification IMO",
    "MMSI",
    "Aircraft Tail Number",
    "Driver's License No.",
    "Electoral Registry No.",
    "SWIFT/BIC",
    "Linked To:",
    "a.k.a.",
    "f.k.a.",
    "Former Vessel Flag",
    "Nationality of Registration",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Foo"]

value_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
date_text = st.one_of(
    st.builds(
        lambda d, m, y: f"{d:02d} {m} {y}",
        st.integers(0, 39),
        st.sampled_from(MONTHS),
        st.integers(1000, 3000),
    ),
    st.builds(lambda a, b: f"{a} to {b}", st.integers(1000, 3000), st.integers(1000, 3000)),
    st.builds(lambda y: f"circa {y}", st.integers(-5, 99999)),
    value_text,
)
phrase = st.one_of(
    st.builds(lambda k, v: f"{k} {v}", st.sampled_from(KEYS), value_text),
    st.builds(lambda v: f"DOB {v}", date_text),
    st.builds(lambda k, v, c: f"{k} {v} ({c})", st.sampled_from(KEYS), value_text, value_text),
    value_text,
)
remarks_text = st.builds(lambda parts: "; ".join(parts) + ".", st.lists(phrase, max_size=8))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), remarks_text))
def test_parse_remarks_never_raises(text: str) -> None:
    facts = parse_remarks(text, person=True)
    parse_remarks(text, person=False)
    for code in (*facts.nationalities, *facts.countries):
        assert len(code) == 2 and code.isupper()
    assert all(ident.value for ident in facts.identifiers)
    assert all(isinstance(d, PartialDate) for d in facts.birth_dates)
    assert all(name.text for name in facts.aliases)


@settings(max_examples=400, deadline=None)
@given(st.one_of(date_text, st.text()))
def test_date_parsing_raises_only_input_error(text: str) -> None:
    try:
        dates = parse_dob(text)
    except InputError:
        return
    assert dates
    assert all(isinstance(d, PartialDate) for d in dates)
    assert len(dates) <= 26  # ranges are bounded: never hundreds of candidate years


@settings(max_examples=200, deadline=None)
@given(st.integers(1850, 2100), st.integers(0, 25))
def test_year_ranges_expand_to_each_year(start: int, span: int) -> None:
    end = start + span
    try:
        dates = parse_dob(f"{start} to {end}")
    except InputError:
        assert end > 2100
        return
    assert [d.year for d in dates] == list(range(start, end + 1))
