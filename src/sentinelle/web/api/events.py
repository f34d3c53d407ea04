"""API: stored events — search (filters, sort, pages), one event with its versions, and exports
(CSV, XLSX, GeoJSON, GeoPackage)."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from sentinelle import exports
from sentinelle.explore import search
from sentinelle.explore.filters import EventQuery
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api.schemas import MAX_PAGE_SIZE, Page
from sentinelle.web.components import event_query

router = APIRouter(tags=["events"])

SORT_DESCRIPTION = (
    f"one of {', '.join(search.SORT_KEYS)}; a leading '-' sorts descending. Names and labels "
    "sort in the user's language; ties are broken by id"
)


class PlaceOut(BaseModel):
    pcode: str
    name_fr: str
    name_en: str


class EventOut(BaseModel):
    """A stored event: every field of the event schema, with where Sentinelle placed it."""

    id: int
    version: int = Field(description="1 for the first version; +1 at each revision")
    source: str = Field(description="acled, ucdp, mission, demo")
    source_id: str = Field(description="the source's id, e.g. ACLED event_id_cnty")
    vintage: str | None
    source_timestamp: int | None = Field(description="when the source last changed it (Unix s)")
    event_date: dt.date
    time_precision: int | None
    disorder_type: str | None
    event_type: str
    sub_event_type: str | None
    original_event_type: str | None
    civilian_targeting: bool | None
    actor1: str | None
    assoc_actor_1: str | None
    inter1: int | None
    actor2: str | None
    assoc_actor_2: str | None
    inter2: int | None
    interaction: int | None
    country: str | None
    admin1: str | None = Field(description="region name as the source gives it")
    admin2: str | None
    admin3: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    sources: str | None = Field(description="the reports the event is coded from")
    source_scale: str | None
    notes: str | None
    tags: str | None
    fatalities: int
    fatalities_low: int | None
    fatalities_high: int | None
    admin1_pcode: str | None = Field(description="region where Sentinelle placed the event")
    admin2_pcode: str | None = Field(description="cercle where Sentinelle placed the event")
    priogrid_gid: int | None
    placement: str | None
    region: PlaceOut | None
    cercle: PlaceOut | None


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class VersionOut(BaseModel):
    id: int
    version: int | None
    reason: str = Field(description="revised, older-vintage or deleted")
    recorded_at: dt.datetime
    source_timestamp: int | None
    vintage: str | None
    import_id: int | None
    fields: dict[str, Any]
    changes: list[FieldChangeOut] = Field(
        description="what the following version changed (older vintages: against the current)"
    )


class ImportOut(BaseModel):
    id: int
    file_name: str
    kind: str
    vintage: str | None
    started_at: dt.datetime


class EventDetailOut(EventOut):
    first_import: ImportOut | None
    last_import: ImportOut | None
    versions: list[VersionOut]


def event_out(stored: search.StoredEvent) -> dict[str, Any]:
    """The fields of :class:`EventOut` for a stored event."""
    # a shallow copy: dataclasses.asdict deep-copies every value, which cost more than the
    # whole query on a page of 50 events
    values: dict[str, Any] = dict(stored.event.__dict__)
    values.update(
        id=stored.id,
        version=stored.version,
        region=dict(stored.region.__dict__) if stored.region else None,
        cercle=dict(stored.cercle.__dict__) if stored.cercle else None,
    )
    return values


def parse_sort(sort: str | None) -> search.Sort:
    try:
        return search.Sort.parse(sort)
    except search.SearchError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/events", response_model=Page[EventOut])
def list_events(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    query: EventQuery = Depends(event_query),
    sort: Annotated[str, Query(max_length=20, description=SORT_DESCRIPTION)] = search.DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=search.MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = search.DEFAULT_PAGE_SIZE,
) -> Page[EventOut]:
    """Events matching the filters, one page at a time, with the total over all pages."""
    chosen = parse_sort(sort)
    with store_of(request).reading() as connection:
        found = search.search_events(connection, query, chosen, page, page_size, principal.language)
    return Page[EventOut](
        items=[EventOut(**event_out(item)) for item in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.get(
    "/events/export",
    response_class=FileResponse,
    responses={
        200: {
            "description": "the file; its filters are in its name and in X-Sentinelle-Filters",
            "content": {media: {} for media in exports.MEDIA_TYPES.values()},
        }
    },
)
def export(
    request: Request,
    principal: Principal = Depends(Require("export_events")),
    format: Annotated[
        exports.ExportFormat, Query(description="csv, xlsx, geojson or gpkg")
    ] = "csv",
    query: EventQuery = Depends(event_query),
    hxl: Annotated[
        bool, Query(description="add the HXL hashtag row under the header (CSV, XLSX)")
    ] = False,
    sort: Annotated[str, Query(max_length=20, description=SORT_DESCRIPTION)] = exports.EXPORT_SORT,
) -> FileResponse:
    """Every event matching the filters as a file. The export is recorded in the audit log."""
    chosen = parse_sort(sort)
    folder = Path(tempfile.mkdtemp(prefix="sentinelle-export-"))
    try:
        result = exports.export_events(
            store_of(request),
            principal.name,
            query,
            format,
            folder,
            hxl=hxl,
            sort=chosen,
            language=principal.language,
        )
    except exports.ExportError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(422, str(exc)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        result.path,
        media_type=result.media_type,
        filename=result.file_name,
        headers={
            "X-Sentinelle-Filters": result.filters,
            "X-Sentinelle-Rows": str(result.rows),
            "X-Sentinelle-Sort": result.sort,
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/events/{event_id}", response_model=EventDetailOut)
def event_detail(
    request: Request,
    event_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    principal: Principal = Depends(Require("view_events")),
) -> EventDetailOut:
    """One event with the files it came from and its previous versions, oldest first."""
    with store_of(request).reading() as connection:
        found = search.get_event(connection, event_id)
    if found is None:
        raise HTTPException(404, f"no event with id {event_id}")
    return EventDetailOut(
        **event_out(found.stored),
        first_import=ImportOut(**asdict(found.first_import)) if found.first_import else None,
        last_import=ImportOut(**asdict(found.last_import)) if found.last_import else None,
        versions=[VersionOut(**asdict(version)) for version in found.versions],
    )
