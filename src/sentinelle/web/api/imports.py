"""API: the import log, rejected rows, uploads and their jobs.

``POST /imports`` takes a multipart upload (fields ``file`` and ``kind``) and answers ``202``
with the job that ingests it; ``GET /jobs/{id}`` reports its progress and, once ``done``, its
result (counts, and the ``import_id`` whose rejected rows ``/imports/{id}/rejected`` lists).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import asdict
from typing import Annotated, Any, overload

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.status import HTTP_202_ACCEPTED, HTTP_404_NOT_FOUND

from sentinelle.jobs import UPLOAD_KINDS
from sentinelle.readers.problems import PROBLEM_COLUMNS
from sentinelle.store import imports as import_store
from sentinelle.store.database import Store
from sentinelle.store.imports import ImportRecord
from sentinelle.store.jobs import Job
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import MAX_PAGE_SIZE, Page, Problem
from sentinelle.web.uploads import UploadForm, runner_of, start_upload, upload_form

router = APIRouter(tags=["imports"])

CSV_PAGE = 10_000
"""Rejected rows read at a time while a CSV download is written."""


class ImportOut(BaseModel):
    """One file that entered the store (or failed to), with its counts."""

    id: int
    kind: str = Field(
        description="acled, acled-deletions, acled-aggregate, ucdp, mission, boundaries, demo, "
        "or unknown (a file refused before its kind was known)"
    )
    file_name: str
    status: str = Field(description="running, done or failed")
    started_at: dt.datetime
    finished_at: dt.datetime | None
    vintage: str | None
    message: str | None = Field(description="why the file was refused, when it failed")
    rows: int | None = Field(description="data rows read from the file")
    inserted: int | None = Field(description="new events (boundaries: units stored)")
    updated: int | None = Field(description="events revised by this file")
    unchanged: int | None = Field(description="events already stored as they are")
    rejected: int | None = Field(
        description="rows left out, each with at least one problem (boundaries: features)"
    )
    counts: dict[str, Any] = Field(description="every count the import recorded")
    rejected_url: str

    @classmethod
    def of(cls, record: ImportRecord) -> ImportOut:
        counts = record.counts
        return cls(
            id=record.id,
            kind=record.kind,
            file_name=record.file_name,
            status=record.status,
            started_at=utc(record.started_at),
            finished_at=utc(record.finished_at),
            vintage=record.vintage,
            message=record.message,
            rows=_count(counts, "rows", "events"),
            inserted=_count(counts, "inserted", "units"),
            updated=_count(counts, "updated"),
            unchanged=_count(counts, "unchanged"),
            rejected=_count(counts, "rejected_rows", "problems"),
            counts=counts,
            rejected_url=f"/api/v1/imports/{record.id}/rejected",
        )


@overload
def utc(moment: dt.datetime) -> dt.datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment as UTC (SQLite gives it back without its zone)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def _count(counts: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = counts.get(key)
        if isinstance(value, int):
            return value
    return None


class RejectedRowOut(BaseModel):
    """A row (or boundary feature) left out of an import, and why."""

    file: str
    row: int | None = Field(description="as a spreadsheet shows it: the header is row 1")
    column: str | None
    value: str | None
    reason: str


class JobOut(BaseModel):
    """A background job ingesting an uploaded file."""

    id: int
    kind: str = Field(description="ingest (events) or boundaries")
    status: str = Field(description="queued, running, done or failed")
    file_name: str | None
    done: int = Field(description="rows (boundaries: events placed again) done so far")
    total: int | None = Field(description="rows to do, when known")
    result: dict[str, Any] | None = Field(description="the import's counts, once done")
    message: str | None = Field(description="why the job failed")
    import_id: int | None = Field(description="the import this job made, once done")
    created_by: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str

    @classmethod
    def of(cls, job: Job) -> JobOut:
        result = job.result or {}
        import_id = result.get("import_id")
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            file_name=job.file_name,
            done=job.done,
            total=job.total,
            result=job.result,
            message=job.message,
            import_id=import_id if isinstance(import_id, int) else None,
            created_by=job.created_by,
            created_at=utc(job.created_at),
            finished_at=utc(job.finished_at),
            url=f"/api/v1/jobs/{job.id}",
        )


ImportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the import's id")]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def find_import(store: Store, import_id: int) -> ImportRecord:
    """The import, or 404."""
    with store.reading() as connection:
        record = import_store.get_import(connection, import_id)
    if record is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no import {import_id}")
    return record


@router.get("/imports", response_model=Page[ImportOut])
def list_imports(
    request: Request,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    _: Principal = Depends(Require("view_imports")),
) -> Page[ImportOut]:
    """Every file imported (or refused), newest first."""
    with store_of(request).reading() as connection:
        total = import_store.count_imports(connection)
        found = import_store.list_imports(
            connection, limit=page_size, offset=(page - 1) * page_size
        )
    items = [ImportOut.of(r) for r in found]
    return Page[ImportOut](items=items, total=total, page=page, page_size=page_size)


@router.get("/imports/{import_id}", response_model=ImportOut, responses={404: {"model": Problem}})
def get_import(
    request: Request, import_id: ImportId, _: Principal = Depends(Require("view_imports"))
) -> ImportOut:
    """One import and its counts."""
    return ImportOut.of(find_import(store_of(request), import_id))


@router.get(
    "/imports/{import_id}/rejected",
    response_model=Page[RejectedRowOut],
    responses={404: {"model": Problem}},
)
def rejected_rows(
    request: Request,
    import_id: ImportId,
    page: PageNumber = 1,
    page_size: PageSize = 100,
    _: Principal = Depends(Require("view_imports")),
) -> Page[RejectedRowOut]:
    """The rows an import left out (file, row, column, value, reason), in the order found."""
    store = store_of(request)
    find_import(store, import_id)
    with store.reading() as connection:
        total = import_store.count_problems(connection, import_id)
        found = import_store.load_problems(
            connection, import_id, limit=page_size, offset=(page - 1) * page_size
        )
    items = [RejectedRowOut(**asdict(p)) for p in found]
    return Page[RejectedRowOut](items=items, total=total, page=page, page_size=page_size)


def rejected_csv(store: Store, import_id: int) -> Iterator[str]:
    """The rejected rows as CSV text, in the CLI report's layout (file, row, column, value,
    reason), read a page at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PROBLEM_COLUMNS)
    offset = 0
    while True:
        with store.reading() as connection:
            found = import_store.load_problems(connection, import_id, CSV_PAGE, offset)
        for p in found:
            writer.writerow([p.file, p.row, p.column, p.value, p.reason])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(found) < CSV_PAGE:
            return
        offset += CSV_PAGE


def csv_download(store: Store, import_id: int) -> StreamingResponse:
    find_import(store, import_id)
    return StreamingResponse(
        rejected_csv(store, import_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rejected-{import_id}.csv"'},
    )


@router.get(
    "/imports/{import_id}/rejected.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 404: {"model": Problem}},
)
def rejected_rows_csv(
    request: Request, import_id: ImportId, _: Principal = Depends(Require("view_imports"))
) -> StreamingResponse:
    """The rejected rows as a CSV file, as ``sentinelle ingest`` writes them."""
    return csv_download(store_of(request), import_id)


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "events: .csv or .xlsx (ACLED export or deletion "
                            "list, ACLED aggregate, UCDP GED, mission template; detected from "
                            "the header); boundaries: .geojson, .json, .topojson, .gpkg or a "
                            ".zip holding one shapefile",
                        },
                        "kind": {
                            "type": "string",
                            "enum": list(UPLOAD_KINDS),
                            "default": "events",
                            "description": "events, admin1 (regions) or admin2 (cercles); "
                            "boundaries replace the stored units of their level",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/imports",
    status_code=HTTP_202_ACCEPTED,
    response_model=JobOut,
    openapi_extra=UPLOAD_BODY,
    responses={
        411: {"model": Problem, "description": "no Content-Length"},
        413: {"model": Problem, "description": "over SENTINELLE_MAX_UPLOAD_MB"},
        415: {"model": Problem, "description": "not multipart, or a file type not accepted"},
        422: {"model": Problem, "description": "no file, empty file or unknown kind"},
    },
)
def upload(
    request: Request,
    response: Response,
    principal: Principal = Depends(Require("import_data")),
    form: UploadForm = Depends(upload_form),
) -> JobOut:
    """Upload a file to import. The answer is the job ingesting it: poll its ``url`` until
    ``status`` is ``done`` or ``failed``."""
    runner = runner_of(request)
    job_id = start_upload(request, principal, form)
    job = runner.job(job_id)
    assert job is not None
    response.headers["Location"] = f"/api/v1/jobs/{job_id}"
    return JobOut.of(job)


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: {"model": Problem}})
def get_job(
    request: Request,
    job_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    _: Principal = Depends(Require("view_imports")),
) -> JobOut:
    """A job's status and progress (``done`` of ``total`` rows); its result once done."""
    job = runner_of(request).job(job_id)
    if job is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no job {job_id}")
    return JobOut.of(job)
