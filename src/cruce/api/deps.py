"""Dependencies every router shares: the services and the pagination parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from cruce.service.paging import DEFAULT_LIMIT, MAX_LIMIT
from cruce.service.services import Services


async def services(request: Request) -> Services:
    """The app's `Services`. A coroutine only so that FastAPI calls it in place: a plain function would
    cost every request a round trip through the thread pool for an attribute read."""
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="The `next` of the previous page; omit for the first.")
]

DEFAULT = DEFAULT_LIMIT
