"""Crossings and lanes: the ports, and a simulated day routed under a budget (a job; referrals alert)."""

from __future__ import annotations

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import JobView, Page, PortView, Simulation

router = APIRouter(prefix="/api/v1", tags=["crossings"])


@router.get("/ports", response_model=Page[PortView], summary="Ports of entry cruce knows")
def ports(user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT) -> Page[PortView]:
    return svc.crossings.ports(user, cursor, limit)


@router.post(
    "/crossings/simulations", response_model=JobView, status_code=202, summary="Simulate and route a day"
)
def simulate(body: Simulation, user: CurrentUser, svc: Svc) -> JobView:
    return svc.crossings.simulate(user, body.model_dump())
