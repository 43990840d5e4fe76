"""Dependencies every router shares: the service façade and the pagination parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from cruce.service.operations import DEFAULT_LIMIT, MAX_LIMIT, Operations


def operations(request: Request) -> Operations:
    ops: Operations = request.app.state.operations
    return ops


Ops = Annotated[Operations, Depends(operations)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="The `next` of the previous page; omit for the first.")
]

DEFAULT = DEFAULT_LIMIT
