"""Watchlist importers: OFAC legacy CSV, UN consolidated XML, FollowTheMoney JSON; list diffs.

Pure domain code: plain files in, `cruce.core.model` entities out. Start with `load_list`.
"""

from cruce.lists.base import (
    FORMATS,
    KNOWN_LISTS,
    DroppedValue,
    ImportResult,
    ListSpec,
    SkippedRow,
    detect_format,
    load_list,
)
from cruce.lists.diff import EntityChange, FieldChange, ListDiff, diff_versions
from cruce.lists.remarks import RemarkFacts, parse_dob, parse_remarks

__all__ = [
    "FORMATS",
    "KNOWN_LISTS",
    "DroppedValue",
    "EntityChange",
    "FieldChange",
    "ImportResult",
    "ListDiff",
    "ListSpec",
    "RemarkFacts",
    "SkippedRow",
    "detect_format",
    "diff_versions",
    "load_list",
    "parse_dob",
    "parse_remarks",
]
