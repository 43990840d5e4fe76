"""Helpers every importer needs: reading files safely, country and script lookup, birth-date ranges.

Private to `cruce.lists`; the public types live in `cruce.lists.base`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import TypeVar

from cruce.core.dates import PartialDate, strip_approximate
from cruce.core.errors import ImportFailedError, InputError

T = TypeVar("T")

MAX_RANGE_YEARS = 25
"""A birth-date range wider than this is more likely a typo than knowledge; we reject it instead of
expanding it into dozens of candidate years that would make every traveler of that age match."""

_EOF_MARK = "\x1a"  # DOS end-of-file byte that OFAC still appends to its CSV files


def fail(code: str, path: Path, reason: str, line: int | None = None) -> ImportFailedError:
    """Build the one error an importer raises: the file (and line) in the message and in the details."""
    where = f"{path.name}:{line}" if line is not None else path.name
    details: dict[str, object] = {"file": path.name, "path": str(path)}
    if line is not None:
        details["line"] = line
    return ImportFailedError(code, f"{where}: {reason}", details)


def read_bytes(path: Path) -> bytes:
    """Read a list file, turning every OS problem into an ImportFailedError that names the file."""
    _check_file(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise fail("file_unreadable", path, f"cannot read file: {exc.strerror or exc}") from exc


def read_head(path: Path, size: int = 1 << 16) -> bytes:
    """The first `size` bytes, enough to recognise a format without reading a large file twice."""
    _check_file(path)
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise fail("file_unreadable", path, f"cannot read file: {exc.strerror or exc}") from exc


def _check_file(path: Path) -> None:
    if not path.exists():
        raise fail("file_missing", path, "file not found")
    if path.is_dir():
        raise fail("file_unreadable", path, "is a directory; pass the list files themselves")


def decode(path: Path, data: bytes) -> str:
    """Decode list text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252.

    OFAC has shipped both UTF-8 and cp1252 files over the years. Latin-1 is deliberately not a fallback:
    it decodes any byte sequence, so it would hide a file that is really binary or in another encoding.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").rstrip(_EOF_MARK)
        except UnicodeDecodeError as exc:
            raise fail(
                "bad_encoding", path, f"invalid UTF-16 at byte {exc.start}", _line_of(data, exc.start)
            ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise fail(
                "bad_encoding",
                path,
                f"byte 0x{data[exc.start]:02x} at offset {exc.start} is neither UTF-8 nor Windows-1252; "
                "is this the right file?",
                _line_of(data, exc.start),
            ) from exc
    # OFAC ends its files with a DOS EOF byte; anything after it is not data.
    end = text.find(_EOF_MARK)
    if end >= 0 and not text[end:].strip(_EOF_MARK + "\r\n \t"):
        text = text[:end]
    return text


def read_text(path: Path) -> str:
    return decode(path, read_bytes(path))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def clean(text: str | None) -> str | None:
    """Collapse whitespace; an empty value becomes None so that callers test one thing."""
    if text is None:
        return None
    out = text.strip()
    if "  " in out or "\n" in out or "\t" in out or "\r" in out:
        out = " ".join(out.split())
    return out or None


NO_COUNTRY = frozenset({"", "none identified", "undetermined", "unknown", "na", "n/a", "-", "zz", "xx"})
"""Values that explicitly say "no country"; they are dropped without a warning."""


def is_no_country(text: str | None) -> bool:
    return text is None or " ".join(text.split()).strip(" .").lower() in NO_COUNTRY


_SCRIPTS = {
    "CYRILLIC": "Cyrl",
    "GREEK": "Grek",
    "ARABIC": "Arab",
    "HEBREW": "Hebr",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Hang",
    "DEVANAGARI": "Deva",
    "BENGALI": "Beng",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "THAI": "Thai",
    "ETHIOPIC": "Ethi",
    "SYRIAC": "Syrc",
    "THAANA": "Thaa",
    "TAMIL": "Taml",
    "GUJARATI": "Gujr",
    "GURMUKHI": "Guru",
    "KHMER": "Khmr",
    "LAO": "Laoo",
    "MYANMAR": "Mymr",
    "SINHALA": "Sinh",
    "TIBETAN": "Tibt",
    "MONGOLIAN": "Mong",
}


def detect_script(text: str) -> str | None:
    """ISO 15924 code of the dominant non-Latin script in a name, None for Latin (the default).

    The matcher transliterates non-Latin names before comparing them, so it must know which they are.
    """
    if text.isascii():
        return None
    counts: dict[str, int] = {}
    latin = 0
    for char in text:
        if not char.isalpha():
            continue
        word = unicodedata.name(char, "").split(" ", 1)[0]
        if word == "LATIN":
            latin += 1
            continue
        code = _SCRIPTS.get(word)
        if code is not None:
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    best, best_count = max(counts.items(), key=lambda item: item[1])
    return best if best_count >= latin else None


def expand_range(start: PartialDate, end: PartialDate, approximate: bool = False) -> tuple[PartialDate, ...]:
    """Turn a birth-date range into the candidate dates a matcher can compare against.

    Within one year we keep months (`26 Sep 1946 to 07 Dec 1946` -> 1946-09..1946-12), and a range that
    spans the whole year collapses to the year; across years we keep each year (`1960 to 1962`).
    """
    if (end.year, end.month or 12) < (start.year, start.month or 1):
        raise InputError("bad_date", f"date range ends ({end}) before it starts ({start})")
    if end.year - start.year > MAX_RANGE_YEARS:
        raise InputError("bad_date", f"date range {start}..{end} spans more than {MAX_RANGE_YEARS} years")
    if start.year == end.year:
        first, last = start.month or 1, end.month or 12
        if first == 1 and last == 12:
            return (PartialDate(start.year, approximate=approximate),)
        return tuple(PartialDate(start.year, m, approximate=approximate) for m in range(first, last + 1))
    return tuple(PartialDate(y, approximate=approximate) for y in range(start.year, end.year + 1))


_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|to)\s*(\d{4})$", re.ASCII)
_RANGE = re.compile(r"^(.+?)\s+(?:to|-|–)\s+(.+)$", re.ASCII | re.IGNORECASE)


def parse_dates(text: str) -> tuple[PartialDate, ...]:
    """Parse a list's birth-date text into one or more candidate dates.

    Accepts what `PartialDate.parse` accepts plus `circa ...` and ranges (`1960 to 1962`,
    `01 Jan 1961 to 31 Dec 1963`, `circa 1979-1982`). Raises InputError (never anything else) otherwise.
    """
    raw = " ".join(text.split()).strip(" .;,")
    if not raw:
        raise InputError("bad_date", "empty date")
    raw, approximate = strip_approximate(raw)
    if m := _YEAR_RANGE.match(raw):
        return expand_range(PartialDate(int(m.group(1))), PartialDate(int(m.group(2))), approximate)
    if m := _RANGE.match(raw):
        start = PartialDate.parse(m.group(1))
        end = PartialDate.parse(m.group(2))
        return expand_range(start, end, approximate)
    found = PartialDate.parse(raw)
    if approximate and not found.approximate:
        found = PartialDate(found.year, found.month, found.day, True)
    return (found,)


def unique(items: list[T]) -> tuple[T, ...]:
    """Deduplicate, keeping first-seen order (lists repeat values, e.g. `DOB X; alt. DOB X`)."""
    if len(items) < 2:
        return tuple(items)
    return tuple(dict.fromkeys(items))
