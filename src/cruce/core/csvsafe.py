"""Every CSV cruce writes goes through here, so that no cell can run as a spreadsheet formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or becomes one) when
the file is opened in Excel, LibreOffice or Google Sheets: an uploaded batch id `=cmd|' /C calc'!A0` would
run on the analyst's machine (CSV injection, OWASP ASVS 5.3.x). Such a text cell is written with a leading
apostrophe, which spreadsheets show as text and which a person reading the file understands. Numbers (int
and float values, not text) are written as they are: `-3` is a number, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> Any:
    """`value`, with a leading apostrophe if it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose every text cell is passed through `safe_cell`."""

    def __init__(self, handle: _Writable, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: _Writable, **options: Any) -> SafeWriter:
    """The CSV writer to use everywhere in cruce."""
    return SafeWriter(handle, **options)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are neutralised, for `DataFrame.to_csv`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out
