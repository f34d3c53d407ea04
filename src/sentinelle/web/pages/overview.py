"""The overview page (``/``): headline numbers, a map of the chosen metric by region or cercle,
and the metric by event type over time, under the shared filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from sentinelle.domain.vocabulary import Language
from sentinelle.explore import overview as aggregates
from sentinelle.explore.filters import EventQuery, FilterError
from sentinelle.explore.overview import MAP_LEVELS, METRICS, MapLevel, Metric
from sentinelle.web import figures, i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.cache import cache_of
from sentinelle.web.components import event_query, filter_options
from sentinelle.web.rendering import render

router = APIRouter()

MAP_TOLERANCE = 0.01
"""Simplification of the page's map, in degrees (about 1 km: below a pixel at the first zoom)."""
RANKING_SIZE = 10


@dataclass(frozen=True)
class MessageKeys:
    """The page's message keys that depend on the metric or level, spelled out whole."""

    metric: dict[str, str]
    definition: dict[str, str]
    level: dict[str, str]
    map_title: dict[str, str]
    map_hint: dict[str, str]
    unplaced: dict[str, str]
    totals: dict[str, str]  # in the order shown


KEYS = MessageKeys(
    metric={
        "events": "overview.metric.events",
        "vac": "overview.metric.vac",
        "fatalities": "overview.metric.fatalities",
    },
    definition={
        "events": "overview.definition.events",
        "vac": "overview.definition.vac",
        "fatalities": "overview.definition.fatalities",
    },
    level={"admin1": "overview.level.admin1", "admin2": "overview.level.admin2"},
    map_title={"admin1": "overview.map.title.admin1", "admin2": "overview.map.title.admin2"},
    map_hint={"admin1": "overview.map.hint.admin1", "admin2": "overview.map.hint.admin2"},
    unplaced={
        "admin1": "overview.map.unplaced.admin1",
        "admin2": "overview.map.unplaced.admin2",
    },
    totals={
        "events": "overview.total.events",
        "vac_events": "overview.total.vac_events",
        "fatalities": "overview.total.fatalities",
        "vac_fatalities": "overview.total.vac_fatalities",
        "regions": "overview.total.regions",
        "cercles": "overview.total.cercles",
    },
)


@dataclass(frozen=True)
class RankedUnit:
    pcode: str
    name: str
    parent: str | None
    value: int
    share: float | None


def ranking(units: aggregates.UnitValues, language: Language) -> list[RankedUnit]:
    """The units with the highest values (above zero), highest first."""
    total = units.total
    ranked = sorted((u for u in units.units if u.value > 0), key=lambda u: (-u.value, u.pcode))
    return [
        RankedUnit(u.pcode, u.name(language), u.parent, u.value, u.value / total if total else None)
        for u in ranked[:RANKING_SIZE]
    ]


@router.get("/", response_class=HTMLResponse)
def overview_page(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    query: EventQuery = Depends(event_query),
    metric: Annotated[Metric, Query()] = "events",
    level: Annotated[MapLevel, Query()] = "admin1",
) -> HTMLResponse:
    """The overview under the filters of the URL (links to it are shareable)."""
    language = principal.language
    try:
        cache = cache_of(request)
        with store_of(request).reading() as connection:
            options = cache.get(
                connection,
                ("filter_options", language),
                lambda: filter_options(connection, language),
            )
            found = cache.get(
                connection,
                ("overview", query, metric, level),
                lambda: aggregates.overview(connection, query, metric, level),
            )
            geojson = aggregates.units_geojson(connection, level, MAP_TOLERANCE)
    except FilterError as exc:
        raise HTTPException(422, str(exc)) from None
    metric_label = i18n.translate(KEYS.metric[metric], language)

    def build_figures() -> tuple[dict[str, object], dict[str, object]]:
        return (
            figures.choropleth(
                geojson,
                found.units.values,
                aggregates.names_of(found.units.units, language),
                metric_label,
                language,
            ),
            figures.time_series(found.series, language, metric_label),
        )

    # building plotly figures costs more than the queries: keep them with the results
    with store_of(request).reading() as connection:
        map_figure, series_figure = cache_of(request).get(
            connection, ("overview-figures", query, metric, level, language), build_figures
        )
    features = geojson["features"]
    in_view = found.units.values
    return render(
        request,
        "overview.html",
        principal,
        keys=KEYS,
        query=query,
        options=options,
        metric=metric,
        metrics=METRICS,
        level=level,
        levels=MAP_LEVELS,
        metric_label=metric_label,
        overview=found,
        totals=found.totals,
        ranking=ranking(found.units, language),
        map_figure=map_figure,
        series_figure=series_figure,
        has_units=bool(features),
        outside=any(f["properties"]["pcode"] not in in_view for f in features),
        approximate=any(f["properties"].get("approximate") for f in features),
    )
