"""Request and response bodies of the REST API, for validation and for the OpenAPI document.

Responses are the services' own typed results, re-exported here; the screening response is declared here
because the busiest route sends `ScreenResult.to_json()` as is.

Bounds on every field (lengths, counts, ranges) are part of the contract: a request outside them is a 422
before any work is done, so no input can make the server do unbounded work.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cruce.core.text import control_character_at
from cruce.service.accounts import ApiKey, Revoked, TokenResponse, UserView
from cruce.service.alerts import AlertEventView, AlertView
from cruce.service.auditing import AuditRecordView, AuditVerificationView
from cruce.service.crossings import PortView
from cruce.service.index import IndexView
from cruce.service.jobs import JobView
from cruce.service.lists import ListsPage, ListView, VersionView
from cruce.service.paging import Page
from cruce.service.products import PortionView, ProductSummary, ProductView

__all__ = [
    "AlertEventView", "AlertView", "ApiKey", "AuditRecordView", "AuditVerificationView", "IndexView",
    "JobView", "ListView", "ListsPage", "Page", "PortView", "PortionView", "ProductSummary", "ProductView",
    "Revoked", "TokenResponse", "UserView", "VersionView",
]  # fmt: skip

Text = Annotated[str, Field(max_length=500)]
ShortText = Annotated[str, Field(min_length=1, max_length=128)]


class Strict(BaseModel):
    """A request body: unknown fields refused, and no control character in any text (422)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        where = control_character_at(data)
        if where is not None:
            raise ValueError(f"{where or 'a field'} holds a control character (NUL, escape...); remove it")
        return data


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | list[Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    """Every error this API returns, whatever the status."""

    error: ErrorBody


# -- auth and users --------------------------------------------------------------------------------------


class NewUser(Strict):
    user_id: ShortText
    organisation: ShortText
    country: Annotated[str, Field(min_length=3, max_length=3)]
    nationality: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    clearance: Annotated[str, Field(min_length=1, max_length=4)]
    roles: Annotated[
        list[Literal["analyst", "releasing_officer", "officer", "auditor", "admin"]], Field(max_length=5)
    ] = Field(default_factory=list)
    password: Annotated[str, Field(min_length=12, max_length=256)] | None = None
    kind: Literal["person", "system"] = Field(
        default="person",
        description="person (signs in with a password) or system (a sync or integration; the only kind "
        "that may be given API keys)",
    )


# -- screening and jobs ----------------------------------------------------------------------------------


class ScreenRequest(Strict):
    name: Annotated[str, Field(min_length=1, max_length=300)]
    schema_: Annotated[str, Field(max_length=20)] | None = Field(default=None, alias="schema")
    birth_date: Annotated[str, Field(max_length=40)] | None = None
    country: Annotated[str, Field(max_length=200)] | None = None
    gender: Annotated[str, Field(max_length=20)] | None = None
    documents: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)] = Field(
        default_factory=list
    )
    id: Annotated[str, Field(max_length=200)] | None = None
    top: Annotated[int, Field(ge=1, le=50)] = 5

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name, "schema": self.schema_, "birth_date": self.birth_date,
            "country": self.country, "gender": self.gender, "documents": self.documents, "id": self.id,
        }  # fmt: skip


class FeatureView(BaseModel):
    name: str
    value: float
    detail: str


class Candidate(BaseModel):
    rank: int
    entity_id: str
    caption: str
    schema_: str = Field(alias="schema")
    list_id: str
    score: float
    alert: bool
    matched_name: str
    reasons: str
    features: list[FeatureView]
    alert_id: str | None
    suppressed_by: str | None


class ScreenResponse(BaseModel):
    query: dict[str, Any]
    candidates: list[Candidate]
    alerts: list[str]
    suppressed: list[str]


class Simulation(Strict):
    port: Annotated[str, Field(min_length=1, max_length=100)]
    day: date | None = None
    seed: Annotated[int, Field(ge=0, le=2**31)] = 7
    scale: Annotated[float, Field(gt=0, le=0.1)] = 0.01


# -- lists -----------------------------------------------------------------------------------------------


# -- alerts ----------------------------------------------------------------------------------------------


class Assignment(Strict):
    assignee: Annotated[str, Field(min_length=1, max_length=128)] | None


class Comment(Strict):
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class DecisionRequest(Strict):
    state: Literal["confirmed_match", "false_positive", "escalated"]
    note: Annotated[str, Field(max_length=10_000)] | None = None


# -- products and audit ----------------------------------------------------------------------------------


class PortionIn(Strict):
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    marking: Annotated[str, Field(min_length=1, max_length=200)]


class NewProduct(Strict):
    product_id: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["intelligence-report", "alert", "watchlist-nomination", "case-summary"] = (
        "intelligence-report"
    )
    owner: Annotated[str, Field(min_length=3, max_length=3)]
    title: PortionIn
    portions: Annotated[list[PortionIn], Field(max_length=200)] = Field(default_factory=list)
    tearline_summary: PortionIn | None = None


class Health(BaseModel):
    status: Literal["ok"]
    entities: int
