"""Figures for the pages, built on the server with plotly's Python API and drawn in the browser
by ``static/sentinelle.js`` (``<div data-figure='…'>``; see the ``components/map.html`` and
``components/timeseries.html`` macros).

Everything works offline: maps are ``choroplethmap`` traces over our own GeoJSON on a plain white
background (``map.style = "white-bg"``: no tiles, no basemap, nothing fetched), and every label,
month name and number is formatted here in the reader's language (plotly.js itself only speaks
English). Colours are chosen to survive printing: a sequential scale that darkens steadily for
maps, and the Okabe–Ito colour-blind-safe palette for event types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from babel.dates import format_date

from sentinelle.domain.vocabulary import Language, event_type_label
from sentinelle.web import i18n

Figure = dict[str, Any]
"""A plotly figure as plain JSON data: ``{"data": [...], "layout": {...}, "config": {...}}``."""

MAP_SCALE = [
    [0.0, "#fff7ec"],
    [0.125, "#fee8c8"],
    [0.25, "#fdd49e"],
    [0.375, "#fdbb84"],
    [0.5, "#fc8d59"],
    [0.625, "#ef6548"],
    [0.75, "#d7301f"],
    [0.875, "#b30000"],
    [1.0, "#7f0000"],
]
"""ColorBrewer OrRd: lightness falls steadily from the lowest to the highest value, so the map
reads the same in grey on paper."""

MAP_WIDTH_SHARE = 0.86
"""The map's share of the figure's width; the colour bar takes the rest."""
OUTSIDE_FILL = "#e4e7eb"
BORDER = "#52606d"

EVENT_TYPE_COLOURS = {
    "Battles": "#0072B2",
    "Explosions/Remote violence": "#E69F00",
    "Violence against civilians": "#D55E00",
    "Protests": "#009E73",
    "Riots": "#CC79A7",
    "Strategic developments": "#999999",
}
"""Okabe–Ito colours, one per ACLED event type (the same on every page)."""
OTHER_COLOURS = ["#56B4E9", "#000000", "#F0E442"]

SEPARATORS = {"fr": ", ", "en": ".,"}
"""plotly's decimal and thousands separators per language (French: decimal comma, space)."""

FONT = {"family": "DejaVu Sans, Segoe UI, system-ui, sans-serif", "size": 13, "color": "#1f2933"}
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}

_OUTSIDE = {"fr": "hors de la sélection", "en": "outside the selection"}


def _colon(language: Language) -> str:
    """A colon as each language writes it (French puts a no-break space before it)."""
    return "\u00a0: " if language == "fr" else ": "


def _figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> Figure:
    """A figure as plotly.js takes it, built as plain data: plotly's Python objects validate
    every property, which took longer than the queries behind the figure."""
    return {"data": traces, "layout": layout, "config": dict(CONFIG)}


def _base_layout(language: Language, height: int) -> dict[str, Any]:
    return {
        "height": height,
        "font": FONT,
        "separators": SEPARATORS.get(language, SEPARATORS["en"]),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
    }


# --- maps ------------------------------------------------------------------------------------


def view_of(
    bounds: tuple[float, float, float, float] | None, width: int = 640, height: int = 480
) -> tuple[dict[str, float], float]:
    """(centre, zoom) of a web-Mercator map of ``width`` × ``height`` pixels showing ``bounds``
    (west, south, east, north) whole; Mali's centre when there are none."""
    if bounds is None:
        return {"lon": -4.0, "lat": 17.5}, 4.2
    west, south, east, north = bounds

    def mercator(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    x_fraction = max((east - west) / 360.0, 1e-6)
    y_fraction = max((mercator(north) - mercator(south)) / (2 * math.pi), 1e-6)
    zoom = min(math.log2(width / (512 * x_fraction)), math.log2(height / (512 * y_fraction)))
    middle = (mercator(north) + mercator(south)) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(middle)) - math.pi / 2)
    return {"lon": (west + east) / 2, "lat": centre_lat}, round(max(zoom - 0.2, 0.0), 2)


def _bounds(features: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    west = south = math.inf
    east = north = -math.inf

    def walk(coordinates: Any) -> None:
        nonlocal west, south, east, north
        if coordinates and isinstance(coordinates[0], int | float):
            x, y = float(coordinates[0]), float(coordinates[1])
            west, east, south, north = min(west, x), max(east, x), min(south, y), max(north, y)
            return
        for part in coordinates:
            walk(part)

    for feature in features:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "GeometryCollection":
            for member in geometry.get("geometries", []):
                walk(member.get("coordinates", []))
        else:
            walk(geometry.get("coordinates", []))
    return None if west == math.inf else (west, south, east, north)


def choropleth(
    geojson: Mapping[str, Any],
    values: Mapping[str, float | int],
    names: Mapping[str, str],
    metric_label: str,
    language: Language,
    height: int = 480,
) -> Figure:
    """A choropleth map of ``values`` (P-code → value) over the units of ``geojson`` (a
    FeatureCollection whose features carry ``properties.pcode``, as from
    :func:`sentinelle.explore.overview.units_geojson`).

    Units with a value are coloured on a sequential scale starting at 0; units of the GeoJSON
    without one are drawn in light grey, as "outside the selection" (e.g. the other regions when
    a region is chosen), and the view then closes in on the units with a value. Hover texts show
    the unit's name (``names``, else the GeoJSON's name in ``language``) and the value formatted
    for ``language``; ``metric_label`` titles the colour bar.
    Each unit's ``customdata`` is ``[pcode, parent P-code, name, formatted value]``, which
    ``static/overview.js`` uses to turn a click into a filter.
    """
    features = list(geojson.get("features", []))

    def name_of(feature: dict[str, Any]) -> str:
        properties = feature.get("properties", {})
        pcode = properties.get("pcode", "")
        fallback = properties.get(f"name_{language}") or properties.get("name_fr") or pcode
        return str(names.get(pcode, fallback))

    inside = [f for f in features if f.get("properties", {}).get("pcode") in values]
    outside = [f for f in features if f.get("properties", {}).get("pcode") not in values]
    traces: list[dict[str, Any]] = []
    if outside:
        traces.append(
            dict(
                type="choroplethmap",
                geojson={"type": "FeatureCollection", "features": outside},
                featureidkey="properties.pcode",
                locations=[f["properties"]["pcode"] for f in outside],
                z=[0] * len(outside),
                colorscale=[[0, OUTSIDE_FILL], [1, OUTSIDE_FILL]],
                showscale=False,
                marker={"line": {"color": "#9aa5b1", "width": 0.6}},
                customdata=[
                    [f["properties"]["pcode"], f["properties"].get("parent"), name_of(f), ""]
                    for f in outside
                ],
                hovertemplate="<b>%{customdata[2]}</b><br>"
                + _OUTSIDE.get(language, _OUTSIDE["en"])
                + "<extra></extra>",
                name=_OUTSIDE.get(language, _OUTSIDE["en"]),
                showlegend=False,
            )
        )
    if inside:
        numbers = [values[f["properties"]["pcode"]] for f in inside]
        top = max([*numbers, 1])
        traces.append(
            dict(
                type="choroplethmap",
                geojson={"type": "FeatureCollection", "features": inside},
                featureidkey="properties.pcode",
                locations=[f["properties"]["pcode"] for f in inside],
                z=numbers,
                zmin=0,
                zmax=top,
                colorscale=MAP_SCALE,
                marker={"line": {"color": BORDER, "width": 0.8}, "opacity": 0.95},
                colorbar={
                    "title": {"text": metric_label, "side": "right"},
                    "thickness": 14,
                    "len": 0.8,
                    "x": 1.0,
                    "xanchor": "right",
                    "tickformat": ",d" if top >= 5 else ",.1~f",
                    "outlinewidth": 0,
                },
                customdata=[
                    [
                        f["properties"]["pcode"],
                        f["properties"].get("parent"),
                        name_of(f),
                        i18n.number(values[f["properties"]["pcode"]], language),
                    ]
                    for f in inside
                ],
                hovertemplate="<b>%{customdata[2]}</b><br>"
                + metric_label
                + _colon(language)
                + "%{customdata[3]}<extra></extra>",
                name=metric_label,
                showlegend=False,
            )
        )
    view = _bounds(inside) if inside and outside else _bounds(features)  # zoom on the selection
    centre, zoom = view_of(view, width=int(640 * MAP_WIDTH_SHARE), height=height)
    layout = {
        **_base_layout(language, height),
        "map": {
            "style": "white-bg",
            "center": centre,
            "zoom": zoom,
            "domain": {"x": [0, MAP_WIDTH_SHARE], "y": [0, 1]},
        },
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "dragmode": "pan",
        "uirevision": "map",
    }
    return _figure(traces, layout)


# --- time series -----------------------------------------------------------------------------


def month_label(month: pd.Period, language: Language, style: str = "MMM y") -> str:
    """A month in ``language``, e.g. "janv. 2017" / "Jan 2017"."""
    return format_date(month.start_time.date(), format=style, locale=language)


def _tick_step(months: int, most: int = 7) -> int:
    for step in (1, 2, 3, 4, 6, 12, 24, 36, 60, 120):
        if months / step <= most:
            return step
    return 240


def colour_of(event_type: str, position: int = 0) -> str:
    """The colour of an event type on every chart (Okabe–Ito)."""
    return EVENT_TYPE_COLOURS.get(event_type, OTHER_COLOURS[position % len(OTHER_COLOURS)])


def time_series(
    frame: pd.DataFrame,
    language: Language,
    value_label: str | None = None,
    height: int = 380,
) -> Figure:
    """Stacked monthly bars, one colour per column (event type), from a frame indexed by month
    (a monthly ``PeriodIndex``, as from :func:`sentinelle.explore.overview.monthly_by_type`).

    Legend entries are the event types' French or English labels from the vocabulary; month
    names on the axis and numbers in hover texts are formatted for ``language``; ``value_label``
    titles the vertical axis.
    """
    months = pd.PeriodIndex(frame.index, freq="M")
    x = [str(m.start_time.date()) for m in months]
    labels = [month_label(m, language, "MMMM y") for m in months]
    traces: list[dict[str, Any]] = []
    others = 0
    for column in frame.columns:
        code = str(column)
        if code not in EVENT_TYPE_COLOURS:
            others += 1
        name = event_type_label(code, language) if code else "–"
        counts = [int(v) for v in frame[column].tolist()]
        traces.append(
            dict(
                type="bar",
                x=x,
                y=counts,
                name=name,
                marker={"color": colour_of(code, others - 1), "line": {"width": 0}},
                customdata=[
                    [label, i18n.number(v, language)]
                    for label, v in zip(labels, counts, strict=True)
                ],
                hovertemplate=f"<b>{name}</b><br>%{{customdata[0]}}{_colon(language)}"
                "%{customdata[1]}<extra></extra>",
            )
        )
    step = _tick_step(len(months))
    first_tick = next((i for i, m in enumerate(months) if (m.month - 1) % step == 0), 0)
    ticks = list(range(first_tick, len(months), step))
    layout = dict(
        **_base_layout(language, height),
        barmode="stack",
        bargap=0.15,
        margin={"l": 56, "r": 12, "t": 12, "b": 40},
        legend={"orientation": "h", "x": 0, "y": -0.1, "yanchor": "top", "traceorder": "normal"},
        hovermode="closest",
        xaxis={
            "type": "date",
            "tickmode": "array",
            "tickvals": [x[i] for i in ticks],
            "ticktext": [month_label(months[i], language) for i in ticks],
            "tickangle": 0,
            "showgrid": False,
            "linecolor": "#9aa5b1",
            "ticks": "outside",
        },
        yaxis={
            "title": {"text": value_label or ""},
            "rangemode": "tozero",
            "tickformat": ",d",
            "gridcolor": "#e4e7eb",
            "zeroline": True,
            "zerolinecolor": "#9aa5b1",
        },
    )
    return _figure(traces, layout)
