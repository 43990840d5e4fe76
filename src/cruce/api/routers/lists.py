"""Watchlists and their versions, and reloading the screening index after an import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Ops
from cruce.api.schemas import IndexView, ListsPage, Page, VersionView

router = APIRouter(prefix="/api/v1/lists", tags=["lists"])


@router.get("", response_model=ListsPage, summary="Watchlists, their active versions, what screening uses")
def lists(user: CurrentUser, ops: Ops, cursor: Cursor = None, limit: Limit = DEFAULT) -> dict[str, Any]:
    return ops.lists(user, cursor, limit)


@router.get("/{list_id}/versions", response_model=Page[VersionView], summary="A list's versions")
def versions(
    list_id: str, user: CurrentUser, ops: Ops, cursor: Cursor = None, limit: Limit = DEFAULT
) -> dict[str, Any]:
    return ops.versions(user, list_id, cursor, limit)


@router.post("/reload", response_model=IndexView, summary="Rebuild the screening index (administrators)")
def reload(user: CurrentUser, ops: Ops) -> dict[str, Any]:
    return ops.reload_lists(user)
