"""Partial dates: lists give a full date, a month and year, or only a year ("DOB 1962", "circa 1951")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from cruce.core.errors import InputError

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january", "ene", "enero"),
            ("feb", "february", "febrero"),
            ("mar", "march", "marzo"),
            ("apr", "april", "abr", "abril"),
            ("may", "mayo"),
            ("jun", "june", "junio"),
            ("jul", "july", "julio"),
            ("aug", "august", "ago", "agosto"),
            ("sep", "sept", "september", "septiembre"),
            ("oct", "october", "octubre"),
            ("nov", "november", "noviembre"),
            ("dec", "december", "dic", "diciembre"),
        ],
        start=1,
    )
    for m in names
}

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY_TEXT = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3,10})\.?\s+(\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_APPROXIMATE = re.compile(r"^(?:circa|ca\.|c\.|approximately|approx\.?|about|around|~)\s*", re.IGNORECASE)
MIN_YEAR = 1850


def strip_approximate(text: str) -> tuple[str, bool]:
    """`circa 1951`, `about 1970`, `~1960` -> the date text without the word, and whether it was there."""
    if m := _APPROXIMATE.match(text):
        return text[m.end() :].strip(), True
    return text, False


MAX_YEAR = 2100


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to year, month or day precision; `approximate` marks "circa" dates."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InputError("bad_date", f"year {self.year} is outside {MIN_YEAR}-{MAX_YEAR}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InputError("bad_date", f"month {self.month} is not 1-12")
        if self.day is not None:
            if self.month is None:
                raise InputError("bad_date", "a day needs a month")
            try:
                date(self.year, self.month, self.day)
            except ValueError as exc:
                raise InputError(
                    "bad_date", f"{self.year}-{self.month}-{self.day} is not a date: {exc}"
                ) from exc

    @property
    def precision(self) -> str:
        return "day" if self.day is not None else "month" if self.month is not None else "year"

    def iso(self) -> str:
        if self.day is not None and self.month is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return ("~" if self.approximate else "") + self.iso()

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse `1970-01-12`, `1970-01`, `1970`, `12 Jan 1970`, `Jan 1970`, `25/01/1970` or `01/25/1970`.

        A numeric date that reads both ways (`03/02/1975`) is refused: a traveler's document and a US form
        disagree on the order, and a wrong guess silently changes the evidence.

        Raises InputError with the offending text on anything else, including impossible dates.
        """
        raw = text.strip()
        cleaned, approximate = strip_approximate(raw.lower())
        if m := _ISO.match(cleaned):
            year, month, day = m.group(1), m.group(2), m.group(3)
            return cls(int(year), int(month) if month else None, int(day) if day else None, approximate)
        if m := _DMY_TEXT.match(cleaned):
            month_no = _MONTHS.get(m.group(2).lower())
            if month_no is None:
                raise InputError("bad_date", f"unknown month in date {raw!r}")
            day_text = m.group(1)
            return cls(int(m.group(3)), month_no, int(day_text) if day_text else None, approximate)
        if m := _NUMERIC.match(cleaned):
            first, second = int(m.group(1)), int(m.group(2))
            if first <= 12 and second <= 12 and first != second:
                raise InputError(
                    "ambiguous_date",
                    f"{raw!r} could be day/month or month/day; write it as YYYY-MM-DD",
                )
            day, month = (second, first) if second > 12 else (first, second)
            return cls(int(m.group(3)), month, day, approximate)
        raise InputError("bad_date", f"cannot read date {raw!r}; use YYYY-MM-DD, YYYY-MM or YYYY")
