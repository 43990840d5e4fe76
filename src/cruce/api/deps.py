"""Dependencies every router shares: the service façade and the pagination parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from cruce.service.operations import DEFAULT_LIMIT, MAX_LIMIT, Operations


async def operations(request: Request) -> Operations:
    """The app's `Operations`. A coroutine only so that FastAPI calls it in place: a plain function would
    cost every request a round trip through the thread pool for an attribute read."""
    ops: Operations = request.app.state.operations
    return ops


Ops = Annotated[Operations, Depends(operations)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="The `next` of the previous page; omit for the first.")
]

DEFAULT = DEFAULT_LIMIT
