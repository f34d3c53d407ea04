"""The events explorer: a filtered, searchable, sortable list of stored events (``/events``) and
one event in detail with its sources, placement and version history (``/events/{id}``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from sentinelle import exports
from sentinelle.domain.vocabulary import (
    Language,
    event_type_label,
    inter_codes,
    sources,
    sub_event_type_label,
)
from sentinelle.explore import search
from sentinelle.explore.filters import EventQuery
from sentinelle.geo.placement import placement_kinds
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.cache import cache_of
from sentinelle.web.components import Column, TablePage, event_query, filter_options
from sentinelle.web.rendering import render

router = APIRouter()

COLUMNS = [
    Column("date", "events.col.date", sortable=True, link="url"),
    Column("type", "events.col.type", sortable=True),
    Column("actors", "events.col.actors"),
    Column("location", "events.col.location"),
    Column("region", "events.col.region", sortable=True),
    Column("cercle", "events.col.cercle", sortable=True),
    Column("fatalities", "events.col.fatalities", sortable=True, number=True),
    Column("source", "events.col.source", sortable=True),
]
PAGE_SIZES = (25, 50, 100, 200)


def _sort(sort: str | None) -> search.Sort:
    try:
        return search.Sort.parse(sort)
    except search.SearchError as exc:
        raise HTTPException(422, str(exc)) from None


def source_label(code: str, language: Language) -> str:
    term = sources().get(code)
    return term.label(language) if term else code


def type_label(event_type: str, sub_event_type: str | None, language: Language) -> str:
    """``Violence contre les civils — Attaque`` (labels from the vocabulary)."""
    label = event_type_label(event_type, language)
    if sub_event_type:
        label += " — " + sub_event_type_label(event_type, sub_event_type, language)
    return label


def list_row(item: search.StoredEvent, language: Language) -> dict[str, Any]:
    """A row of the events table (cells as text, already formatted)."""
    event = item.event
    actors = " · ".join(a for a in (event.actor1, event.actor2) if a)
    return {
        "url": f"/events/{item.id}",
        "date": i18n.date(event.event_date, language),
        "type": type_label(event.event_type, event.sub_event_type, language),
        "actors": actors,
        "location": event.location or "",
        "region": item.region.name(language) if item.region else (event.admin1_pcode or ""),
        "cercle": item.cercle.name(language) if item.cercle else (event.admin2_pcode or ""),
        "fatalities": event.fatalities,
        "source": f"{source_label(event.source, language)} · {event.source_id}",
    }


@router.get("/events", response_class=HTMLResponse)
def events_page(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    query: EventQuery = Depends(event_query),
    sort: Annotated[str, Query(max_length=20)] = search.DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=search.MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=max(PAGE_SIZES))] = 50,
) -> HTMLResponse:
    """Stored events under the shared filters and a free-text search, one page at a time."""
    chosen = _sort(sort)
    language = principal.language
    with store_of(request).reading() as connection:
        options = cache_of(request).get(
            connection, ("filter_options", language), lambda: filter_options(connection, language)
        )
        found = search.search_events(connection, query, chosen, page, page_size, language)
    table = TablePage(
        columns=COLUMNS,
        rows=[list_row(item, language) for item in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        sort=str(chosen),
    )
    keep = {"sort": str(chosen)}
    return render(
        request,
        "events/list.html",
        principal,
        table=table,
        options=options,
        query=query,
        keep=keep,
        page_sizes=PAGE_SIZES,
        export_params=[*query.as_params(), ("sort", str(chosen))],
        formats=[(f, i18n.translate(f"events.format.{f}", language)) for f in exports.FORMATS],
    )


def _precision(kind: str, value: int | None, language: Language) -> str:
    if value is None:
        return "–"
    key = f"events.{kind}.{value}"
    if key in i18n.catalogue():
        return f"{value} · {i18n.translate(key, language)}"
    return str(value)


def _inter(value: int | None, language: Language) -> str:
    if value is None:
        return ""
    term = inter_codes().get(value)
    return f"{value} · {term.label(language)}" if term else str(value)


def _timestamp(value: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, dt.UTC) if value is not None else None


def field_label(name: str, language: Language) -> str:
    key = f"events.field.{name}"
    return i18n.translate(key, language) if key in i18n.catalogue() else name


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    return str(value)


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    event_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    principal: Principal = Depends(Require("view_events")),
) -> HTMLResponse:
    """One event: what, who, where (as the source says and as Sentinelle placed it), its
    sources and notes, the files it came from, and how the source revised it."""
    language = principal.language
    with store_of(request).reading() as connection:
        found = search.get_event(connection, event_id)
    if found is None:
        raise HTTPException(404, f"no event with id {event_id}")
    event = found.stored.event
    placement = placement_kinds().get(event.placement or "")
    versions = [
        {
            "version": v,
            "reason": i18n.translate(f"events.reason.{v.reason}", language)
            if f"events.reason.{v.reason}" in i18n.catalogue()
            else v.reason,
            "source_time": _timestamp(v.source_timestamp),
            "changes": [
                {
                    "field": field_label(c.field, language),
                    "before": _shown(c.before),
                    "after": _shown(c.after),
                }
                for c in v.changes
            ],
        }
        for v in found.versions
    ]
    return render(
        request,
        "events/detail.html",
        principal,
        detail=found,
        stored=found.stored,
        event=event,
        type_text=type_label(event.event_type, event.sub_event_type, language),
        source_text=source_label(event.source, language),
        inter1=_inter(event.inter1, language),
        inter2=_inter(event.inter2, language),
        geo_precision=_precision("geo_precision", event.geo_precision, language),
        time_precision=_precision("time_precision", event.time_precision, language),
        placement_text=placement.label(language) if placement else (event.placement or "–"),
        source_time=_timestamp(event.source_timestamp),
        versions=versions,
    )
