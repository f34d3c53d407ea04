"""API: the overview's numbers — a metric per region or cercle, the monthly series by event type,
and headline totals — under the shared event filters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from sentinelle.domain.vocabulary import event_types
from sentinelle.explore import overview as aggregates
from sentinelle.explore.filters import EventQuery, FilterError
from sentinelle.explore.overview import MapLevel, Metric
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.cache import cache_of
from sentinelle.web.components import event_query

router = APIRouter(tags=["overview"])

METRIC_DESCRIPTION = (
    "`events`: number of events; `vac`: violence against civilians (that event type, plus events "
    "flagged civilian targeting); `fatalities`: sum of reported fatalities (best estimate)"
)
LEVEL_DESCRIPTION = "`admin1`: regions; `admin2`: cercles"


class FiltersOut(BaseModel):
    """The filters the numbers were computed under (as understood by the server)."""

    start: str | None = Field(description="first month, YYYY-MM")
    end: str | None = Field(description="last month, YYYY-MM")
    region: str | None
    cercle: str | None
    event_type: list[str]
    actor: str | None
    q: str | None
    source: list[str]
    vac_only: bool


class UnitOut(BaseModel):
    """The metric in one admin unit."""

    pcode: str = Field(description="OCHA P-code, e.g. ML05")
    name_fr: str
    name_en: str
    parent: str | None = Field(description="P-code of the region holding a cercle")
    value: int


class TypeSeriesOut(BaseModel):
    """One event type's monthly values, aligned with ``SeriesOut.months``."""

    event_type: str
    label_en: str
    label_fr: str
    values: list[int]


class SeriesOut(BaseModel):
    """The metric per month and event type."""

    months: list[str] = Field(
        description="every month of the period (YYYY-MM), months without events included"
    )
    types: list[TypeSeriesOut] = Field(
        description="event types with a non-zero total, and any the filters ask for"
    )


class TotalsOut(BaseModel):
    """Headline numbers of the events matching the filters."""

    events: int
    vac_events: int = Field(description="violence against civilians (type or civilian targeting)")
    fatalities: int
    vac_fatalities: int
    regions: int = Field(description="regions with at least one event")
    cercles: int = Field(description="cercles with at least one event")
    first_date: dt.date | None
    last_date: dt.date | None


class OverviewOut(BaseModel):
    """The overview of the events matching the filters."""

    metric: Metric
    level: MapLevel
    definition_en: str = Field(description="what the metric counts")
    definition_fr: str
    filters: FiltersOut
    units: list[UnitOut] = Field(
        description="every stored unit of the level left in view by the region/cercle filters "
        "(zeros included), in P-code order"
    )
    unplaced: int = Field(description="the metric for matching events with no unit at this level")
    series: SeriesOut
    totals: TotalsOut


def filters_out(query: EventQuery) -> FiltersOut:
    return FiltersOut(
        start=query.start,
        end=query.end,
        region=query.region,
        cercle=query.cercle,
        event_type=list(query.event_types),
        actor=query.actor,
        q=query.q,
        source=list(query.sources),
        vac_only=query.vac_only,
    )


def overview_out(found: aggregates.Overview) -> OverviewOut:
    """The API's shape of an overview."""
    vocabulary = event_types()
    series = found.series
    types = []
    for column in series.columns:
        code = str(column)
        term = vocabulary.get(code)
        types.append(
            TypeSeriesOut(
                event_type=code,
                label_en=term.label_en if term else code,
                label_fr=term.label_fr if term else code,
                values=[int(v) for v in series[column].tolist()],
            )
        )
    totals = found.totals
    return OverviewOut(
        metric=found.metric,
        level=found.level,
        definition_en=i18n.translate(f"overview.definition.{found.metric}", "en"),
        definition_fr=i18n.translate(f"overview.definition.{found.metric}", "fr"),
        filters=filters_out(found.query),
        units=[UnitOut(**u.__dict__) for u in found.units.units],
        unplaced=found.units.unplaced,
        series=SeriesOut(months=[str(m) for m in series.index], types=types),
        totals=TotalsOut(**totals.__dict__),
    )


@router.get("/overview", response_model=OverviewOut)
def overview(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    query: EventQuery = Depends(event_query),
    metric: Annotated[Metric, Query(description=METRIC_DESCRIPTION)] = "events",
    level: Annotated[MapLevel, Query(description=LEVEL_DESCRIPTION)] = "admin1",
) -> OverviewOut:
    """The metric per region or cercle, the metric per month and event type, and headline totals
    for the events matching the filters (the same filters as the events list)."""
    try:
        with store_of(request).reading() as connection:
            found = cache_of(request).get(
                connection,
                ("overview", query, metric, level),
                lambda: aggregates.overview(connection, query, metric, level),
            )
    except FilterError as exc:
        raise HTTPException(422, str(exc)) from None
    return overview_out(found)
