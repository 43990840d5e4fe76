"""Keyset pagination with opaque cursors, the same for every list a service pages.

A page is `limit` items after the cursor's key, in a stable order, so following `next` returns every item
exactly once even while items are added. A page is built from what the caller may see, and its cursor holds
the key of the last item it returned, never of an item the caller could not see.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from cruce.core.errors import InputError
from cruce.core.text import has_control_character

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_KEY = 2**63 - 1
"""Keys are database BIGINTs: a cursor past them is not one this API gave out (and must not reach SQL)."""


class Page(BaseModel, Generic[T]):
    """A page of a list; follow `next` (pass it as `cursor`) until it is null."""

    items: list[T]
    next: str | None = None


def encode_cursor(key: int | str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: type) -> Any:
    """The key a cursor holds; InputError for anything this API did not hand out."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InputError("bad_cursor", "the cursor is not one this API gave out; start without it") from exc
    if not isinstance(key, kind) or isinstance(key, bool) or not _key_in_range(key):
        raise InputError("bad_cursor", "the cursor is not one this API gave out; start without it")
    return key


def _key_in_range(key: Any) -> bool:
    if isinstance(key, int):
        return 0 <= key <= MAX_KEY
    if isinstance(key, str):
        return len(key) <= 300 and not has_control_character(key)
    return False


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError("bad_limit", f"limit must be 1 to {MAX_LIMIT}")
    return limit


def page_of(items: list[T], more: bool, last_key: int | str | None) -> Page[T]:
    """A page whose `next` holds the last returned item's key when more follow."""
    return Page(items=items, next=encode_cursor(last_key) if more and last_key is not None else None)


def key_page(
    items: Sequence[T], key: Callable[[T], str], cursor: str | None, limit: int
) -> tuple[list[T], bool, str | None]:
    """Keyset over a small in-memory list sorted by a string key (lists, users, ports)."""
    after = decode_cursor(cursor, str)
    ordered = sorted(items, key=key)
    rest = [i for i in ordered if after is None or key(i) > after]
    page = rest[:limit]
    return page, len(rest) > limit, key(page[-1]) if page else None
