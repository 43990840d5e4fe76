"""Checks on text that crosses a boundary (API bodies, console forms, CSV cells).

Control characters (NUL, escape, the C1 range...) never belong in a name, an id or a note: NUL cannot even
be stored by PostgreSQL or the audit log, and the others hide text on a terminal. They are refused where input
arrives, before anything is done with it. Tab, line feed and carriage return are ordinary text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

ALLOWED_CONTROLS = frozenset("\t\n\r")


def has_control_character(text: str) -> bool:
    """Does `text` hold a control character other than tab, line feed and carriage return?"""
    return any(
        unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in text if not c.isprintable()
    )


def control_character_at(value: Any, path: str = "") -> str | None:
    """The dotted path of the first text (or key) in `value` holding a control character; None if none."""
    if isinstance(value, str):
        return path if has_control_character(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_control_character(key):
                return here
            found = control_character_at(item, here)
            if found is not None:
                return found
        return None
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for i, item in enumerate(value):
            found = control_character_at(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
