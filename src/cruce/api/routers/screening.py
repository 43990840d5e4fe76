"""Screening: one party now, or a CSV file as a background job with progress and a results download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import JobView, Page, ScreenRequest, ScreenResponse
from cruce.service.metrics import SCREENINGS

router = APIRouter(prefix="/api/v1", tags=["screening"])


@router.post("/screen", response_model=ScreenResponse, summary="Screen one person or company")
def screen(body: ScreenRequest, user: CurrentUser, svc: Svc) -> JSONResponse:
    # The result's JSON has ScreenResponse's shape (`ScreenResult.to_json`); returned as is, it skips
    # FastAPI's validate-and-serialise of the response model on the busiest route (the JSON is the same).
    result = svc.screening.screen(user, body.fields(), body.top)
    SCREENINGS.inc()
    return JSONResponse(result.to_json())


@router.post("/screen/batch", response_model=JobView, status_code=202, summary="Screen a CSV file (a job)")
def screen_batch(
    user: CurrentUser,
    svc: Svc,
    file: Annotated[UploadFile, File(description="CSV: id,name,schema,birth_date,country,gender,documents")],
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> JobView:
    return svc.batches.start(user, file.file.read(svc.config.max_upload_bytes + 1), top)


@router.get("/jobs", response_model=Page[JobView], summary="Your jobs")
def jobs(user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT) -> Page[JobView]:
    return svc.jobs.page(user, cursor, limit)


@router.get("/jobs/{job_id}", response_model=JobView, summary="A job's progress")
def job(job_id: str, user: CurrentUser, svc: Svc) -> JobView:
    return svc.jobs.job(user, job_id)


@router.get(
    "/jobs/{job_id}/results",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="A finished batch job's candidates (CSV)",
)
def job_results(job_id: str, user: CurrentUser, svc: Svc) -> FileResponse:
    path = svc.jobs.results(user, job_id)
    return FileResponse(path, media_type="text/csv", filename=f"{job_id.replace(':', '-')}.csv")
