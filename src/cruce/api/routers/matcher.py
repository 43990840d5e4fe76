"""The screening matcher's own documentation: its name, version, threshold, feature table and config."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import Svc

router = APIRouter(prefix="/api/v1/matcher", tags=["screening"])


@router.get("", summary="How screening scores a name: the declared scorer, its features and config")
def matcher(user: CurrentUser, svc: Svc) -> dict[str, Any]:
    from cruce.matching.scorer import CruceScorer

    del user  # signed in is enough: the scorer is the same for every country
    return CruceScorer.describe(svc.index.matcher().threshold)
