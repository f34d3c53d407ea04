"""The data page: the import log, each import's rejected rows, and uploading a file.

With JavaScript (``static/data.js``) the upload form sends the file to ``POST /api/v1/imports``
showing the upload's progress, then polls the job and shows its summary (the fragment
``/data/jobs/{id}?partial=1``). Without it the form posts to ``/data/upload``, which redirects to
the job's page; that page refreshes itself until the job ends.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER, HTTP_404_NOT_FOUND

from sentinelle.domain.vocabulary import Language
from sentinelle.jobs import EXTENSIONS, UPLOAD_KINDS
from sentinelle.store import imports as import_store
from sentinelle.store.imports import ImportRecord
from sentinelle.store.jobs import Job
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.imports import ImportOut, find_import
from sentinelle.web.components import Column, TablePage
from sentinelle.web.rendering import render
from sentinelle.web.uploads import UploadForm, runner_of, settings_of, start_upload, upload_form

router = APIRouter()

IMPORTS_PER_PAGE = 25
REJECTED_PER_PAGE = 50
COUNT_KEYS = (
    "rows",
    "events",
    "inserted",
    "updated",
    "unchanged",
    "older",
    "merged_rows",
    "duplicate_rows",
    "rejected_rows",
    "deleted",
    "not_in_store",
    "units",
    "unmatched",
    "problems",
    "name_mismatches",
    "outside_units",
)
"""Counts shown on an import's page, in this order, when the import recorded them."""
ALWAYS_SHOWN = frozenset({"rows", "events", "inserted", "updated", "unchanged", "rejected_rows"})
"""Counts shown even when zero (the others only when something happened)."""

IMPORT_COLUMNS = [
    Column("when", "data.col.when"),
    Column("kind", "data.col.kind"),
    Column("file", "data.col.file", link="url"),
    Column("status", "data.col.status"),
    Column("rows", "data.col.rows", number=True),
    Column("inserted", "data.col.inserted", number=True),
    Column("updated", "data.col.updated", number=True),
    Column("rejected", "data.col.rejected", number=True),
]
REJECTED_COLUMNS = [
    Column("row", "data.col.row", number=True),
    Column("column", "data.col.column"),
    Column("value", "data.col.value"),
    Column("reason", "data.col.reason"),
]

PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
RecordPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


def label(key: str, language: Language, fallback: str) -> str:
    """The message ``key`` if the catalogue has it, else ``fallback`` (e.g. a new file kind)."""
    return i18n.translate(key, language) if key in i18n.catalogue() else fallback


def kind_label(record: ImportRecord, language: Language) -> str:
    if record.kind == "boundaries" and record.counts.get("level"):
        return label(f"data.kind.boundaries_{record.counts['level']}", language, record.kind)
    return label(f"data.kind.{record.kind}", language, record.kind)


def _imports_table(
    records: list[ImportRecord], total: int, page: int, language: Language
) -> TablePage:
    rows = []
    for record in records:
        out = ImportOut.of(record)
        rows.append(
            {
                "when": i18n.datetime(record.started_at, language),
                "kind": kind_label(record, language),
                "file": record.file_name,
                "status": label(f"data.status.{record.status}", language, record.status),
                "rows": out.rows,
                "inserted": out.inserted,
                "updated": out.updated,
                "rejected": out.rejected,
                "url": f"/data/imports/{record.id}",
            }
        )
    return TablePage(IMPORT_COLUMNS, rows, total, page, IMPORTS_PER_PAGE)


def _index(
    request: Request,
    principal: Principal,
    page: int = 1,
    status_code: int = 200,
    upload_error: str | None = None,
) -> HTMLResponse:
    with store_of(request).reading() as connection:
        total = import_store.count_imports(connection)
        records = import_store.list_imports(
            connection, limit=IMPORTS_PER_PAGE, offset=(page - 1) * IMPORTS_PER_PAGE
        )
    settings = settings_of(request)
    return render(
        request,
        "data/index.html",
        principal,
        status_code=status_code,
        imports_table=_imports_table(records, total, page, principal.language),
        kinds=UPLOAD_KINDS,
        accept=",".join(sorted({e for ext in EXTENSIONS.values() for e in ext})),
        extensions={k: " ".join(v) for k, v in EXTENSIONS.items()},
        max_upload_mb=settings.max_upload_mb,
        upload_error=upload_error,
    )


@router.get("/data", response_class=HTMLResponse)
def data_page(
    request: Request,
    page: PageNumber = 1,
    principal: Principal = Depends(Require("view_imports")),
) -> HTMLResponse:
    """The import log and, for those who may import, the upload form."""
    return _index(request, principal, page)


@router.post("/data/upload")
def upload_page(
    request: Request,
    principal: Principal = Depends(Require("import_data")),
    form: UploadForm = Depends(upload_form),
) -> Response:
    """The upload form without JavaScript: start the job and show its page."""
    try:
        job_id = start_upload(request, principal, form)
    except HTTPException as exc:
        return _index(request, principal, status_code=exc.status_code, upload_error=exc.detail)
    return RedirectResponse(f"/data/jobs/{job_id}", status_code=HTTP_303_SEE_OTHER)


def _job_values(job: Job) -> dict[str, Any]:
    result = job.result or {}
    import_id = result.get("import_id")
    return {
        "job": job,
        "result": result,
        "import_id": import_id if isinstance(import_id, int) else None,
        "finished": job.status in ("done", "failed"),
        "boundaries": job.kind == "boundaries",
    }


@router.get("/data/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: RecordPath,
    partial: Annotated[bool, Query(description="only the summary, for data.js")] = False,
    principal: Principal = Depends(Require("view_imports")),
) -> HTMLResponse:
    """An upload's job: progress while it runs (the page refreshes itself), then its result."""
    job = runner_of(request).job(job_id)
    if job is None:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no job {job_id}")
    template = "data/_job_summary.html" if partial else "data/job.html"
    return render(request, template, principal, **_job_values(job))


@router.get("/data/imports/{import_id}", response_class=HTMLResponse)
def import_page(
    request: Request,
    import_id: RecordPath,
    page: PageNumber = 1,
    principal: Principal = Depends(Require("view_imports")),
) -> HTMLResponse:
    """One import: its counts and its rejected rows, a page at a time, with a CSV download."""
    store = store_of(request)
    record = find_import(store, import_id)
    with store.reading() as connection:
        total = import_store.count_problems(connection, import_id)
        problems = import_store.load_problems(
            connection, import_id, REJECTED_PER_PAGE, (page - 1) * REJECTED_PER_PAGE
        )
    rows = [
        {"row": p.row, "column": p.column, "value": p.value, "reason": p.reason} for p in problems
    ]
    language = principal.language
    counts = [
        (label(f"data.count.{key}", language, key), record.counts[key])
        for key in COUNT_KEYS
        if isinstance(record.counts.get(key), int)
        and (key in ALWAYS_SHOWN or record.counts[key] or record.kind == "acled-deletions")
    ]
    placement = record.counts.get("placement")
    return render(
        request,
        "data/import.html",
        principal,
        record=record,
        kind=kind_label(record, language),
        status=label(f"data.status.{record.status}", language, record.status),
        counts=counts,
        placement=sorted(placement.items()) if isinstance(placement, dict) else [],
        variant=record.counts.get("variant"),
        rejected=TablePage(REJECTED_COLUMNS, rows, total, page, REJECTED_PER_PAGE),
        csv_url=f"/api/v1/imports/{import_id}/rejected.csv",
    )
