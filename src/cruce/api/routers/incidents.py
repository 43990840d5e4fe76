"""Joint incidents: the board (timeline, sitreps at the reader's tear line, assistance), opening one,
writing a sitrep; and the rescue heat map. Country partitions and roles are decided in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from cruce.api.auth import CurrentUser
from cruce.api.deps import Svc
from cruce.service.respond import (
    HeatMap,
    IncidentBoard,
    IncidentView,
    RespondService,
    SitrepView,
    board,
    heat_map,
)
from cruce.storage.sharing import Account

router = APIRouter(tags=["incidents"])


def _service(svc: Svc) -> RespondService:
    return svc.respond


def _account(user: CurrentUser, svc: Svc) -> Account:
    return svc.sharing.account(user.user_id)


Service = Annotated[RespondService, Depends(_service)]
Caller = Annotated[Account, Depends(_account)]


class IncidentIn(BaseModel):
    kind: str = Field(max_length=32, description="hurricane, earthquake, flood, pandemic, telecom_outage, …")
    name: str = Field(min_length=1, max_length=300)
    marking: str = Field("U", max_length=200, description="Who may read it, e.g. 'C//REL TO USA, MEX'.")


class PortionIn(BaseModel):
    marking: str = Field(max_length=200)
    text: str = Field(min_length=1, max_length=5000)


class SitrepIn(BaseModel):
    title: str = Field("Situation report", max_length=300)
    title_marking: str | None = Field(None, max_length=200)
    portions: list[PortionIn] = Field(min_length=1, max_length=100)


@router.get("/api/v1/incidents", response_model=list[IncidentView], summary="Incidents you may see")
def incidents(service: Service, account: Caller) -> list[IncidentView]:
    return service.incidents(account)


@router.post("/api/v1/incidents", response_model=IncidentView, status_code=201, summary="Open an incident")
def open_incident(body: IncidentIn, service: Service, account: Caller) -> IncidentView:
    return service.open_incident(account, kind=body.kind, name=body.name, marking=body.marking)


@router.get("/api/v1/incidents/{incident_id}", response_model=IncidentBoard, summary="An incident's board")
def incident(incident_id: str, service: Service, account: Caller) -> IncidentBoard:
    return board(service, account, incident_id)


@router.post(
    "/api/v1/incidents/{incident_id}/sitreps", response_model=SitrepView, status_code=201, summary="Sitrep"
)
def sitrep(incident_id: str, body: SitrepIn, service: Service, account: Caller) -> SitrepView:
    portions = [(p.marking, p.text) for p in body.portions]
    return service.write_sitrep(account, incident_id, body.title, portions, body.title_marking)


@router.get("/api/v1/rescues/heatmap", response_model=HeatMap, summary="People rescued by sector and month")
def rescue_heatmap(service: Service, account: Caller) -> HeatMap:
    return heat_map(service, account)
