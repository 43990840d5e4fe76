"""Request and response bodies of the REST API, for validation and for the OpenAPI document.

Bounds on every field (lengths, counts, ranges) are part of the contract: a request outside them is a 422
before any work is done, so no input can make the server do unbounded work.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cruce.core.text import control_character_at

T = TypeVar("T")

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


class Page(BaseModel, Generic[T]):
    """A page of a list; follow `next` (pass it as `cursor`) until it is null."""

    items: list[T]
    next: str | None = None


# -- auth and users --------------------------------------------------------------------------------------


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    expires_at: str


class UserView(BaseModel):
    user_id: str
    organisation: str
    country: str
    nationality: str
    clearance: str
    roles: list[str]
    kind: Literal["person", "system"] = "person"


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


class ApiKey(BaseModel):
    user_id: str
    api_key: str


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


class JobView(BaseModel):
    job_id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    total: int | None
    done: int
    progress: float
    created_at: str
    finished_at: str | None
    error: str | None
    summary: dict[str, Any]
    results: str | None


class Simulation(Strict):
    port: Annotated[str, Field(min_length=1, max_length=100)]
    day: date | None = None
    seed: Annotated[int, Field(ge=0, le=2**31)] = 7
    scale: Annotated[float, Field(gt=0, le=0.1)] = 0.01


# -- lists -----------------------------------------------------------------------------------------------


class VersionView(BaseModel):
    list_id: str
    version: int
    key: str
    imported_at: str
    entity_count: int
    skipped_count: int
    status: str
    active: bool
    source_files: list[dict[str, Any]]


class ListView(BaseModel):
    list_id: str
    title: str
    publisher: str
    format: str
    url: str | None
    active_version: VersionView | None


class IndexView(BaseModel):
    entities: int
    versions: list[str]
    loaded_at: str | None


class ListsPage(Page[ListView]):
    screening: IndexView


# -- alerts ----------------------------------------------------------------------------------------------


class AlertView(BaseModel):
    alert_id: str
    kind: str
    country: str
    state: str
    assignee: str | None
    person: dict[str, Any]
    entity_id: str
    entity_caption: str
    score: float
    features: list[dict[str, Any]]
    source: str
    created_by: str
    created_at: str
    updated_at: str


class AlertEventView(BaseModel):
    seq: int
    alert_id: str
    at: str
    actor: str
    kind: str
    state: str
    text: str | None
    details: dict[str, Any]


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


class PortionView(BaseModel):
    text: str
    marking: str
    portion_mark: str


class ProductView(BaseModel):
    product_id: str
    kind: str
    owner: str | None
    view: Literal["full", "tear-line"]
    partner: str | None
    banner: str | None
    title: PortionView | None
    portions: list[PortionView | None]
    tearline_summary: PortionView | None
    withheld: int
    author: str | None


class ProductSummary(BaseModel):
    product_id: str
    kind: str
    owner: str | None
    view: Literal["full", "tear-line"]
    banner: str | None
    title: PortionView | None


class AuditRecordView(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    resource: str
    outcome: str
    reason: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    country: str | None = None


class AuditVerificationView(BaseModel):
    ok: bool
    checked: int
    head: dict[str, Any]
    problems: list[dict[str, Any]]


class PortView(BaseModel):
    code: str
    name: str
    state: str
    border: str
    timezone: str
    crossings_per_day: float


class Health(BaseModel):
    status: Literal["ok"]
    entities: int


class Revoked(BaseModel):
    revoked: int = Field(description="How many tokens and keys were revoked")
