"""Watchlists and their versions, and reloading the screening index after an import."""

from __future__ import annotations

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import IndexView, ListsPage, Page, VersionView

router = APIRouter(prefix="/api/v1/lists", tags=["lists"])


@router.get("", response_model=ListsPage, summary="Watchlists, their active versions, what screening uses")
def lists(user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT) -> ListsPage:
    return svc.lists.page(user, cursor, limit)


@router.get("/{list_id}/versions", response_model=Page[VersionView], summary="A list's versions")
def versions(
    list_id: str, user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT
) -> Page[VersionView]:
    return svc.lists.versions(user, list_id, cursor, limit)


@router.post("/reload", response_model=IndexView, summary="Rebuild the screening index (administrators)")
def reload(user: CurrentUser, svc: Svc) -> IndexView:
    return svc.lists.reload(user)
