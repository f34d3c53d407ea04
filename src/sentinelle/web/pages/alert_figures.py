"""The alert figures pages: the response dashboard (``/alerts/dashboard``) and the warning
coverage (``/alerts/coverage``).

The numbers come from the same functions as the API (``web/api/alert_figures.py``, over
:mod:`sentinelle.alerts.figures`); these pages only label, lay out and draw them. Every table
and chart prints the definitions it was computed with (the table's ``attrs``, in the page's
language) and the targets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from shapely.geometry import shape

from sentinelle.alerts.linking import DAYS, RADIUS_KM
from sentinelle.alerts.measures import DIMENSIONS, TABLE_COLUMNS
from sentinelle.domain.alerts import label as vocabulary_label
from sentinelle.domain.alerts import measures, vocabulary
from sentinelle.domain.threat import threat_types
from sentinelle.domain.vocabulary import Language
from sentinelle.explore.overview import units_geojson
from sentinelle.explore.search import name_key
from sentinelle.web import figures, i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import alert_figures as service
from sentinelle.web.api.alert_figures import (
    COUNT_COLUMNS,
    HOUR_COLUMNS,
    RATE_COLUMNS,
    CoverageData,
    DaysQuery,
    Period,
    RadiusQuery,
    ResponseOut,
    ResponseRowOut,
)
from sentinelle.web.rendering import render

router = APIRouter()

MONTH_OR_EMPTY = r"^(\d{4}-\d{2})?$"
"""A month field of a page's form: empty means the default."""
MonthField = Annotated[str | None, Query(max_length=7, pattern=MONTH_OR_EMPTY)]
FromField = Annotated[str | None, Query(alias="from", max_length=7, pattern=MONTH_OR_EMPTY)]
PageField = Annotated[int, Query(ge=1, le=100_000)]
Frequency = Literal["W", "M", "Q", "Y"]
Breakdown = Literal[
    "admin1_pcode",
    "admin2_pcode",
    "responding_unit",
    "channel",
    "threat_type",
    "priority",
    "urgency",
    "none",
]
BREAKDOWNS: tuple[str, ...] = (
    "admin1_pcode",
    "admin2_pcode",
    "responding_unit",
    "channel",
    "threat_type",
    "priority",
    "urgency",
)
assert set(BREAKDOWNS) == set(DIMENSIONS)
FREQUENCIES: tuple[Frequency, ...] = ("W", "M", "Q", "Y")
PAGE_SIZE = 50
MAP_TOLERANCE = 0.01
LINKED_SHOWN = 5
"""VAC events linked from an alert's row (the rest are counted)."""

RATE_COLOUR = "#0072B2"
WITHIN_COLOUR = "#009E73"
DECISION_COLOUR = "#D55E00"
ON_SITE_COLOUR = "#CC79A7"
WARNED_COLOUR = "#0072B2"
UNWARNED_COLOUR = "#D55E00"
ALERT_COLOUR = "#000000"
"""Okabe–Ito colours (colour-blind safe): blue for warned, vermillion for not warned."""
REGION_FILL = "#f4f6f8"

HEADLINE = (
    "response_rate",
    "decision_median_h",
    "on_site_median_h",
    "decision_within_target",
    "on_site_within_target",
    "pending",
)
COMPARED = (
    "alerts",
    "requiring_response",
    "responded",
    "pending",
    "response_rate",
    "decision_median_h",
    "decision_p90_h",
    "decision_within_target",
    "on_site_median_h",
    "on_site_p90_h",
    "on_site_within_target",
)
MEASURE_OF = {
    "response_rate": "response_rate",
    "responded": "response_rate",
    "requiring_response": "response_rate",
    "pending": "response_rate",
    "decision_median_h": "decision_time",
    "decision_p90_h": "decision_time",
    "decision_within_target": "decision_time",
    "on_site_median_h": "on_site_time",
    "on_site_p90_h": "on_site_time",
    "on_site_within_target": "on_site_time",
}
"""The definition (``alert_measures.csv``) each headline figure follows."""


def _translator(language: Language) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return i18n.translate(key, language, **values)

    return t


def _colon(language: Language) -> str:
    return "\u00a0: " if language == "fr" else ": "


# --- formatting ------------------------------------------------------------------------------


def value_text(column: str, value: float | None, language: Language) -> str:
    """A figure as shown: rates as percentages, times in hours, counts as whole numbers."""
    if value is None:
        return "–"
    if column in RATE_COLUMNS:
        return i18n.percent(value, language)
    if column in HOUR_COLUMNS:
        return i18n.translate(
            "alert_figures.hours", language, hours=i18n.number(value, language, 1)
        )
    return i18n.number(value, language)


def change_text(column: str, change: float | None, language: Language) -> str:
    """A change between periods: percentage points for rates, hours for times."""
    if change is None:
        return "–"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    size = abs(change)
    if column in RATE_COLUMNS:
        amount = i18n.number(size * 100, language, 1)
        return sign + i18n.translate("alert_figures.points", language, points=amount)
    if column in HOUR_COLUMNS:
        amount = i18n.number(size, language, 1)
        return sign + i18n.translate("alert_figures.hours", language, hours=amount)
    return sign + i18n.number(size, language)


def period_label(value: str | None, freq: str, language: Language) -> str:
    """A row's period in ``language``: ``juin 2018``, ``T2 2018``, ``semaine du 4 juin 2018``."""
    if value is None:
        return i18n.translate("alert_figures.whole_period", language)
    if freq == "M":
        return figures.month_label(pd.Period(value, freq="M"), language, "MMM y")
    if freq == "Q":
        quarter = pd.Period(value, freq="Q")
        return i18n.translate(
            "alert_figures.quarter", language, quarter=quarter.quarter, year=quarter.year
        )
    if freq == "W":
        week = pd.Period(value, freq="W-SUN")
        return i18n.translate(
            "alert_figures.week", language, date=i18n.date(week.start_time.date(), language)
        )
    return value


def month_text(month: pd.Period, language: Language) -> str:
    return figures.month_label(month, language, "MMMM y")


def period_text(period: Period, language: Language) -> str:
    first, last = month_text(period.first, language), month_text(period.last, language)
    if period.first == period.last:
        return first
    return i18n.translate("alert_figures.period_range", language, first=first, last=last)


def cutoff_text(period: Period, language: Language) -> str:
    if period.to_today:
        return i18n.translate(
            "alert_figures.cutoff_now", language, at=i18n.datetime(period.cutoff, language)
        )
    return i18n.translate(
        "alert_figures.cutoff_end", language, date=i18n.date(period.cutoff.date(), language)
    )


def column_label(column: str, language: Language) -> str:
    return i18n.translate(f"alert_figures.col.{column}", language)


def breakdown_label(dimension: str, language: Language) -> str:
    return i18n.translate(f"alert_figures.by.{dimension}", language)


# --- definitions -----------------------------------------------------------------------------


def definitions(
    answer: ResponseOut, codes: Sequence[str] | None, language: Language
) -> list[dict[str, str]]:
    """The definitions a table was computed with, in ``language`` (only ``codes`` if given)."""
    return [
        {
            "code": d.code,
            "label": d.label_fr if language == "fr" else d.label_en,
            "text": d.definition_fr if language == "fr" else d.definition_en,
        }
        for d in answer.definitions
        if codes is None or d.code in codes
    ]


def target_lines(answer: ResponseOut, language: Language) -> list[dict[str, Any]]:
    """The targets used, one line per measure: ``Time to decision: high 2 h · medium 12 h``."""
    terms = measures()
    lines: dict[str, list[str]] = {}
    for target in answer.targets:
        hours = i18n.translate(
            "alert_figures.hours", language, hours=i18n.number(target.hours, language, 0)
        )
        priority = vocabulary_label("priority", target.priority, language)
        lines.setdefault(target.measure, []).append(f"{priority.lower()} {hours}")
    return [
        {
            "measure": m,
            "label": terms[m].label(language) if m in terms else m,
            "text": " · ".join(items),
        }
        for m, items in lines.items()
    ]


# --- tables ----------------------------------------------------------------------------------


def cells(row: ResponseRowOut | service.FiguresOut, language: Language) -> list[dict[str, Any]]:
    values = row.model_dump()
    return [
        {
            "column": c,
            "value": "" if values[c] is None else values[c],
            "text": value_text(c, values[c], language),
        }
        for c in TABLE_COLUMNS
    ]


def table_rows(
    answer: ResponseOut,
    language: Language,
    units: Mapping[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    rows = []
    for row in answer.rows:
        if answer.by:
            key = answer.by[0]
            code = row.breakdown[key]
            label = service.value_label(key, code, language, units)
        else:
            code = row.period or ""
            label = period_label(row.period, answer.freq, language)
        rows.append({"key": code, "label": label, "cells": cells(row, language)})
    return rows


def breakdown_order(dimension: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in the vocabulary's order (priority high → low, channels as listed), others by
    label; values not recorded last."""
    order: list[str] = []
    if dimension in ("channel", "priority", "urgency"):
        order = list(vocabulary(dimension))
    elif dimension == "threat_type":
        order = [*threat_types(), "other"]

    def key(row: dict[str, Any]) -> tuple[int, int, str]:
        code = row["key"]
        rank = order.index(code) if code in order else len(order)
        return (code == "unknown", rank, name_key(row["label"]))

    return sorted(rows, key=key)


def headline(answer: ResponseOut, language: Language) -> list[dict[str, Any]]:
    values = answer.totals.model_dump()
    return [
        {
            "code": c,
            "label": column_label(c, language),
            "value": "" if values[c] is None else values[c],
            "text": value_text(c, values[c], language),
            "late": c == "pending" and bool(values[c]),
        }
        for c in HEADLINE
    ]


def comparison(now: ResponseOut, before: ResponseOut, language: Language) -> list[dict[str, Any]]:
    """A row per figure: the earlier period, the chosen one and the change."""
    a, b = now.totals.model_dump(), before.totals.model_dump()
    rows = []
    for column in COMPARED:
        change = None if a[column] is None or b[column] is None else a[column] - b[column]
        rows.append(
            {
                "column": column,
                "label": column_label(column, language),
                "before": "" if b[column] is None else b[column],
                "before_text": value_text(column, b[column], language),
                "now": "" if a[column] is None else a[column],
                "now_text": value_text(column, a[column], language),
                "change": "" if change is None else change,
                "change_text": change_text(column, change, language),
            }
        )
    return rows


# --- figures ---------------------------------------------------------------------------------


def _layout(language: Language, height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "font": figures.FONT,
        "separators": figures.SEPARATORS.get(language, figures.SEPARATORS["en"]),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        **extra,
    }


def _figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> figures.Figure:
    return {"data": traces, "layout": layout, "config": dict(figures.CONFIG)}


def _category_axis(labels: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "category",
        "showgrid": False,
        "linecolor": "#9aa5b1",
        "ticks": "outside",
        "automargin": True,
        "nticks": 12,
    }


def _line(
    rows: Sequence[ResponseRowOut],
    labels: Sequence[str],
    column: str,
    name: str,
    colour: str,
    language: Language,
    dash: str = "solid",
) -> dict[str, Any]:
    values = [getattr(r, column) for r in rows]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "x": list(labels),
        "y": values,
        "name": name,
        "line": {"color": colour, "width": 2, "dash": dash},
        "marker": {"color": colour, "size": 7},
        "connectgaps": False,
        "customdata": [
            [label, value_text(column, v, language)]
            for label, v in zip(labels, values, strict=True)
        ],
        "hovertemplate": f"<b>{name}</b><br>%{{customdata[0]}}{_colon(language)}"
        "%{customdata[1]}<extra></extra>",
    }


def rate_figure(answer: ResponseOut, language: Language) -> figures.Figure | None:
    """The response rate per period and the share of decisions within target (0–100 %)."""
    if not answer.rows:
        return None
    labels = [period_label(r.period, answer.freq, language) for r in answer.rows]
    traces = [
        _line(answer.rows, labels, "response_rate", column_label("response_rate", language),
              RATE_COLOUR, language),
        _line(answer.rows, labels, "decision_within_target",
              column_label("decision_within_target", language), WITHIN_COLOUR, language, "dash"),
        _line(answer.rows, labels, "on_site_within_target",
              column_label("on_site_within_target", language), ON_SITE_COLOUR, language, "dot"),
    ]  # fmt: skip
    layout = _layout(
        language,
        340,
        margin={"l": 56, "r": 12, "t": 12, "b": 40},
        xaxis=_category_axis(labels),
        yaxis={"range": [-0.03, 1.03], "tickformat": ".0%", "gridcolor": "#e4e7eb"},
        legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        hovermode="closest",
    )
    return _figure(traces, layout)


def time_figure(answer: ResponseOut, language: Language) -> figures.Figure | None:
    """The median and 90th percentile of the times to decision and to on site per period."""
    if not answer.rows:
        return None
    labels = [period_label(r.period, answer.freq, language) for r in answer.rows]
    traces = [
        _line(answer.rows, labels, "decision_median_h",
              column_label("decision_median_h", language), DECISION_COLOUR, language),
        _line(answer.rows, labels, "decision_p90_h",
              column_label("decision_p90_h", language), DECISION_COLOUR, language, "dot"),
        _line(answer.rows, labels, "on_site_median_h",
              column_label("on_site_median_h", language), ON_SITE_COLOUR, language),
        _line(answer.rows, labels, "on_site_p90_h",
              column_label("on_site_p90_h", language), ON_SITE_COLOUR, language, "dot"),
    ]  # fmt: skip
    layout = _layout(
        language,
        340,
        margin={"l": 56, "r": 12, "t": 12, "b": 40},
        xaxis=_category_axis(labels),
        yaxis={
            "title": {"text": i18n.translate("alert_figures.hours_axis", language)},
            "rangemode": "tozero",
            "gridcolor": "#e4e7eb",
        },
        legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        hovermode="closest",
    )
    return _figure(traces, layout)


def breakdown_figure(rows: Sequence[dict[str, Any]], language: Language) -> figures.Figure | None:
    """The response rate per breakdown value, as horizontal bars (the value with no alert
    requiring a response has no bar)."""
    if not rows:
        return None
    labels = [r["label"] for r in rows]
    rates = [next(c["value"] for c in r["cells"] if c["column"] == "response_rate") for r in rows]
    needing = [
        next(c["text"] for c in r["cells"] if c["column"] == "requiring_response") for r in rows
    ]
    name = column_label("response_rate", language)
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [None if v == "" else v for v in rates],
        "y": labels,
        "name": name,
        "marker": {"color": RATE_COLOUR},
        "customdata": [
            [label, "–" if v == "" else i18n.percent(v, language), n]
            for label, v, n in zip(labels, rates, needing, strict=True)
        ],
        "hovertemplate": "<b>%{customdata[0]}</b><br>"
        + name
        + _colon(language)
        + "%{customdata[1]}<br>"
        + column_label("requiring_response", language)
        + _colon(language)
        + "%{customdata[2]}<extra></extra>",
    }
    layout = _layout(
        language,
        max(220, 28 * len(rows) + 80),
        margin={"l": 12, "r": 12, "t": 12, "b": 40},
        xaxis={
            "range": [0, 1.02],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%",
            "gridcolor": "#e4e7eb",
        },
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        showlegend=False,
        hovermode="closest",
    )
    return _figure([trace], layout)


def coverage_figure(data: CoverageData, language: Language) -> figures.Figure | None:
    """VAC events per month, warned and not warned (stacked), with the share warned."""
    summary = data.by_month
    if summary.empty:
        return None
    t = _translator(language)
    months = list(summary["month"])
    labels = [figures.month_label(m, language, "MMM y") for m in months]
    warned = [int(v) for v in summary["warned"]]
    unwarned = [int(n) - int(w) for n, w in zip(summary["vac_events"], warned, strict=True)]
    shares = [service.number(v) for v in summary["coverage"]]

    def bars(values: list[int], name: str, colour: str) -> dict[str, Any]:
        return {
            "type": "bar",
            "x": labels,
            "y": values,
            "name": name,
            "marker": {"color": colour},
            "customdata": [
                [m, i18n.number(v, language)] for m, v in zip(labels, values, strict=True)
            ],
            "hovertemplate": f"<b>{name}</b><br>%{{customdata[0]}}{_colon(language)}"
            "%{customdata[1]}<extra></extra>",
        }

    share_name = t("alert_figures.coverage.share")
    traces = [
        bars(warned, t("alert_figures.coverage.warned"), WARNED_COLOUR),
        bars(unwarned, t("alert_figures.coverage.unwarned"), UNWARNED_COLOUR),
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": labels,
            "y": shares,
            "yaxis": "y2",
            "name": share_name,
            "line": {"color": "#000000", "width": 2},
            "customdata": [
                [m, i18n.percent(s, language) if s is not None else "–"]
                for m, s in zip(labels, shares, strict=True)
            ],
            "hovertemplate": f"<b>{share_name}</b><br>%{{customdata[0]}}{_colon(language)}"
            "%{customdata[1]}<extra></extra>",
        },
    ]
    layout = _layout(
        language,
        340,
        barmode="stack",
        margin={"l": 56, "r": 56, "t": 12, "b": 40},
        xaxis=_category_axis(labels),
        yaxis={
            "title": {"text": t("alert_figures.coverage.events_axis")},
            "rangemode": "tozero",
            "gridcolor": "#e4e7eb",
        },
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.04],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%",
            "showgrid": False,
            "zeroline": False,
        },
        legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        hovermode="closest",
    )
    return _figure(traces, layout)


def _marker_size(fatalities: int) -> float:
    return round(min(7 + 3.5 * math.sqrt(max(fatalities, 0)), 34), 1)


def _extent(longitudes: Sequence[float], latitudes: Sequence[float]) -> Any:
    if not longitudes:
        return None
    pad = 0.5
    return (
        min(longitudes) - pad,
        min(latitudes) - pad,
        max(longitudes) + pad,
        max(latitudes) + pad,
    )


def _geojson_bounds(features: Sequence[Mapping[str, Any]]) -> Any:
    boxes = [shape(f["geometry"]).bounds for f in features if f.get("geometry")]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def coverage_map(
    data: CoverageData,
    geojson: Mapping[str, Any],
    units: Mapping[str, tuple[str, str]],
    language: Language,
) -> figures.Figure | None:
    """The period's VAC events, warned (blue) or not (vermillion), sized by fatalities, and the
    alerts (black) over the regions. Every point's ``customdata`` is ``[kind, id, title,
    details, URL]``: clicking one opens its event or alert."""
    t = _translator(language)
    placed = data.events[data.events["latitude"].notna() & data.events["longitude"].notna()]
    if placed.empty and data.alerts.empty:
        return None
    traces: list[dict[str, Any]] = []
    features = list(geojson.get("features", []))
    if features:
        traces.append(
            {
                "type": "choroplethmap",
                "geojson": {"type": "FeatureCollection", "features": features},
                "featureidkey": "properties.pcode",
                "locations": [f["properties"]["pcode"] for f in features],
                "z": [0] * len(features),
                "colorscale": [[0, REGION_FILL], [1, REGION_FILL]],
                "showscale": False,
                "marker": {"line": {"color": figures.BORDER, "width": 0.8}},
                "customdata": [
                    [
                        f["properties"]["pcode"],
                        str(f["properties"].get(f"name_{language}") or f["properties"]["pcode"]),
                    ]
                    for f in features
                ],
                "hovertemplate": "<b>%{customdata[1]}</b><extra></extra>",
                "name": t("alert_figures.map.regions"),
                "showlegend": False,
            }
        )
    for warned, colour in ((False, UNWARNED_COLOUR), (True, WARNED_COLOUR)):
        part = placed[placed["warned"].astype(bool) == warned]
        if part.empty:
            continue
        name = t("alert_figures.coverage.warned" if warned else "alert_figures.coverage.unwarned")
        custom = []
        for r in part.to_dict("records"):
            event_id = int(r["event_id"])
            day = i18n.date(pd.Timestamp(r["event_date"]).date(), language)
            details = t("alert_figures.map.event_details", date=day,
                        fatalities=i18n.number(int(r["fatalities"]), language))  # fmt: skip
            if warned:
                details += "<br>" + t(
                    "alert_figures.map.warned_by",
                    alert=int(r["first_alert_id"]),
                    days=int(r["lead_days"]),
                )
            title = str(r["location"]) if isinstance(r["location"], str) else f"#{event_id}"
            custom.append(["event", event_id, title, details, f"/events/{event_id}"])
        traces.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [float(v) for v in part["longitude"]],
                "lat": [float(v) for v in part["latitude"]],
                "name": name,
                "marker": {
                    "color": colour,
                    "size": [_marker_size(int(v)) for v in part["fatalities"]],
                    "opacity": 0.8,
                },
                "customdata": custom,
                "hovertemplate": f"<b>%{{customdata[2]}}</b> · {name}<br>%{{customdata[3]}}"
                "<extra></extra>",
            }
        )
    if not data.alerts.empty:
        name = t("alert_figures.map.alerts")
        custom = []
        for r in data.alerts.to_dict("records"):
            alert_id = int(r["alert_id"])
            received = i18n.date(pd.Timestamp(r["received_at"]).date(), language)
            followed = t(
                "alert_figures.map.alert_followed"
                if r["violence_followed"]
                else "alert_figures.map.alert_not_followed",
                count=int(r["vac_after"]),
            )
            custom.append(
                [
                    "alert",
                    alert_id,
                    t("alert_figures.map.alert_title", id=alert_id),
                    f"{received}<br>{followed}",
                    f"/alerts/{alert_id}",
                ]
            )
        traces.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [float(v) for v in data.alerts["longitude"]],
                "lat": [float(v) for v in data.alerts["latitude"]],
                "name": name,
                "marker": {"color": ALERT_COLOUR, "size": 6, "opacity": 0.9},
                "customdata": custom,
                "hovertemplate": "<b>%{customdata[2]}</b><br>%{customdata[3]}<extra></extra>",
            }
        )
    height = 520
    longitudes = [float(v) for v in placed["longitude"]] + [
        float(v) for v in data.alerts["longitude"]
    ]
    latitudes = [float(v) for v in placed["latitude"]] + [float(v) for v in data.alerts["latitude"]]
    bounds = _geojson_bounds(features) if features else _extent(longitudes, latitudes)
    centre, zoom = figures.view_of(bounds, width=640, height=height)
    layout = _layout(
        language,
        height,
        map={"style": "white-bg", "center": centre, "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "bottom", "bgcolor": "#ffffffcc"},
        dragmode="pan",
        uirevision="coverage",
    )
    return _figure(traces, layout)


# --- the dashboard ---------------------------------------------------------------------------


def _months_of(
    first: str | None, last: str | None, names: tuple[str, str]
) -> tuple[pd.Period | None, pd.Period | None]:
    return service.parse_month_field(names[0], first), service.parse_month_field(names[1], last)


def compare_period(chosen: Period, first: str | None, last: str | None, now: Any) -> Period:
    """The period compared with: as asked, else the same length just before."""
    names = ("cmp_from", "cmp_to")
    start, end = _months_of(first, last, names)
    if start is None and end is None:
        return chosen.before(now)
    if start is None:
        assert end is not None
        start = end - (chosen.months - 1)
    if end is None:
        end = start + (chosen.months - 1)
    return service.checked_period(start, end, now, names)


def _query(**values: Any) -> str:
    pairs = [(k, str(v)) for k, v in values.items() if v not in (None, "")]
    return urlencode(pairs)


@router.get("/alerts/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    first: FromField = None,
    to: MonthField = None,
    freq: Annotated[Frequency, Query()] = "M",
    by: Annotated[Breakdown, Query()] = "admin1_pcode",
    cmp_from: MonthField = None,
    cmp_to: MonthField = None,
) -> HTMLResponse:
    """The response dashboard: headline figures of a period, the response rate and times per
    week, month, quarter or year, a breakdown, and the period against another."""
    language = principal.language
    t = _translator(language)
    now = service.utc_now()
    with store_of(request).reading() as connection:
        period = service.choose_period(connection, first or None, to or None, now)
        other = compare_period(period, cmp_from or None, cmp_to or None, now)
        known = service.alert_months(connection)
        series, _ = service.response_out(connection, period, (), freq)
        split = None
        if by != "none":
            split, _ = service.response_out(connection, period, (by,), "all")
        before, _ = service.response_out(connection, other, (), "all")
        units = service.unit_names(request, connection)
    params = {"from": str(period.first), "to": str(period.last)}
    series_rows = table_rows(series, language, units)
    split_rows = (
        breakdown_order(by, table_rows(split, language, units)) if split is not None else []
    )
    return render(
        request,
        "alert_figures/dashboard.html",
        principal,
        tab="dashboard",
        period=period,
        period_text=period_text(period, language),
        cutoff=cutoff_text(period, language),
        other=other,
        other_text=period_text(other, language),
        other_cutoff=cutoff_text(other, language),
        known=known,
        form={
            "from": str(period.first),
            "to": str(period.last),
            "cmp_from": str(other.first),
            "cmp_to": str(other.last),
            "freq": freq,
            "by": by,
        },
        frequencies=[(f, t(f"alert_figures.freq.{f}")) for f in FREQUENCIES],
        breakdowns=[(b, breakdown_label(b, language)) for b in (*BREAKDOWNS, "none")],
        headline=headline(series, language),
        headline_definitions=definitions(series, None, language),
        targets=target_lines(series, language),
        series=series,
        series_rows=series_rows,
        rate_chart=rate_figure(series, language),
        time_chart=time_figure(series, language),
        columns=[(c, column_label(c, language)) for c in TABLE_COLUMNS],
        split=split,
        split_rows=split_rows,
        split_label=breakdown_label(by, language),
        split_chart=breakdown_figure(split_rows, language),
        compare_rows=comparison(series, before, language),
        compare_definitions=definitions(before, None, language),
        rate_definitions=definitions(series, ("response_rate", "decision_time"), language),
        time_definitions=definitions(series, ("decision_time", "on_site_time"), language),
        series_csv="/api/v1/alert-figures/response.csv?" + _query(**params, freq=freq),
        split_csv="/api/v1/alert-figures/response.csv?"
        + _query(**params, by=by if by != "none" else None, freq="all"),
        series_json="/api/v1/alert-figures/response?" + _query(**params, freq=freq),
        count_columns=COUNT_COLUMNS,
    )


# --- warning coverage ------------------------------------------------------------------------


def _pages(total: int, page: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return min(page, pages), pages


def _unit_name(code: Any, units: Mapping[str, tuple[str, str]], language: Language) -> str:
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    fr, en = units.get(str(code), (str(code), str(code)))
    return fr if language == "fr" else en


def alert_rows(
    data: CoverageData, page: int, units: Mapping[str, tuple[str, str]], language: Language
) -> list[dict[str, Any]]:
    t = _translator(language)
    chosen = data.alerts.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = []
    for r in chosen.to_dict("records"):
        alert_id = int(r["alert_id"])
        linked = data.followed_by.get(alert_id, [])
        first = r["first_vac_days"]
        rows.append(
            {
                "id": alert_id,
                "url": f"/alerts/{alert_id}",
                "received": i18n.datetime(pd.Timestamp(r["received_at"]).to_pydatetime(), language),
                "area": _unit_name(r["admin2_pcode"], units, language)
                or _unit_name(r["admin1_pcode"], units, language),
                "threat": service.value_label(
                    "threat_type", str(r["threat_type"]) if r["threat_type"] else "unknown",
                    language, units,
                ),
                "priority": vocabulary_label("priority", r["priority"], language)
                if isinstance(r["priority"], str)
                else "",
                "events_after": int(r["events_after"]),
                "vac_after": int(r["vac_after"]),
                "deaths": int(r["vac_fatalities_after"]),
                "first_days": None if pd.isna(first) else int(first),
                "followed": bool(r["violence_followed"]),
                "followed_text": t(
                    "alert_figures.yes" if r["violence_followed"] else "alert_figures.no"
                ),
                "events": [{"id": e, "url": f"/events/{e}"} for e in linked[:LINKED_SHOWN]],
                "more": max(0, len(linked) - LINKED_SHOWN),
            }
        )  # fmt: skip
    return rows


def event_rows(
    data: CoverageData, page: int, units: Mapping[str, tuple[str, str]], language: Language
) -> list[dict[str, Any]]:
    t = _translator(language)
    chosen = data.events.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = []
    for r in chosen.to_dict("records"):
        event_id = int(r["event_id"])
        warned = bool(r["warned"])
        rows.append(
            {
                "id": event_id,
                "url": f"/events/{event_id}",
                "date": i18n.date(pd.Timestamp(r["event_date"]).date(), language),
                "location": r["location"] if isinstance(r["location"], str) else "",
                "area": _unit_name(r["admin2_pcode"], units, language)
                or _unit_name(r["admin1_pcode"], units, language),
                "fatalities": int(r["fatalities"]),
                "warned": warned,
                "warned_text": t("alert_figures.yes" if warned else "alert_figures.no"),
                "alert": int(r["first_alert_id"]) if warned else None,
                "lead": int(r["lead_days"]) if warned else None,
            }
        )
    return rows


def region_rows(
    data: CoverageData, units: Mapping[str, tuple[str, str]], language: Language
) -> list[dict[str, Any]]:
    rows = []
    for r in data.by_region.to_dict("records"):
        code = str(r["admin1_pcode"])
        name = (
            i18n.translate("alert_figures.value.unknown", language)
            if code == "unknown"
            else _unit_name(code, units, language)
        )
        share = service.number(r["coverage"])
        rows.append(
            {
                "code": code,
                "name": name,
                "vac_events": int(r["vac_events"]),
                "warned": int(r["warned"]),
                "share": "" if share is None else share,
                "share_text": i18n.percent(share, language) if share is not None else "–",
            }
        )
    return rows


@router.get("/alerts/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    principal: Principal = Depends(Require("view_alerts")),
    first: FromField = None,
    to: MonthField = None,
    radius_km: RadiusQuery = RADIUS_KM,
    days: DaysQuery = DAYS,
    page: PageField = 1,
    events_page: PageField = 1,
) -> HTMLResponse:
    """Warning coverage: the period's VAC events on a map, warned or not, the share warned by
    month and region, and the alerts with the violence that followed them."""
    language = principal.language
    now = service.utc_now()
    with store_of(request).reading() as connection:
        period = service.choose_period(connection, first or None, to or None, now)
        data = service.coverage_data(connection, period, radius_km, days)
        units = service.unit_names(request, connection)
        geojson = units_geojson(connection, "admin1", MAP_TOLERANCE)
        known = service.alert_months(connection)
    page, alert_pages = _pages(len(data.alerts), page)
    events_page, event_pages = _pages(len(data.events), events_page)
    overall = data.overall.to_dict("records")[0]
    share = service.number(overall["coverage"])
    followed = int(data.alerts["violence_followed"].sum()) if len(data.alerts) else 0
    params = {"from": str(period.first), "to": str(period.last)}
    return render(
        request,
        "alert_figures/coverage.html",
        principal,
        tab="coverage",
        period=period,
        period_text=period_text(period, language),
        known=known,
        form={
            "from": str(period.first),
            "to": str(period.last),
            "radius_km": f"{radius_km:g}",
            "days": days,
        },
        bounds={"radius": service.RADIUS_BOUNDS, "days": service.DAYS_BOUNDS},
        summary={
            "vac_events": int(overall["vac_events"]),
            "warned": int(overall["warned"]),
            "share": "" if share is None else share,
            "share_text": i18n.percent(share, language) if share is not None else "–",
            "alerts": len(data.alerts),
            "followed": followed,
            "without_place": data.alerts_without_place,
        },
        coverage_map=coverage_map(data, geojson, units, language),
        month_chart=coverage_figure(data, language),
        months=[
            {
                "month": str(r["month"]),
                "label": month_text(r["month"], language),
                "vac_events": int(r["vac_events"]),
                "warned": int(r["warned"]),
                "share": "" if service.number(r["coverage"]) is None else r["coverage"],
                "share_text": i18n.percent(float(r["coverage"]), language)
                if service.number(r["coverage"]) is not None
                else "–",
            }
            for r in data.by_month.to_dict("records")
        ],
        regions=region_rows(data, units, language),
        alert_rows=alert_rows(data, page, units, language),
        alert_page=page,
        alert_pages=alert_pages,
        alert_total=len(data.alerts),
        event_rows=event_rows(data, events_page, units, language),
        events_page=events_page,
        event_pages=event_pages,
        event_total=len(data.events),
        definitions=[
            {
                "code": d.code,
                "label": d.label_fr if language == "fr" else d.label_en,
                "text": d.definition_fr if language == "fr" else d.definition_en,
            }
            for d in service.coverage_definitions(radius_km, days)
        ],
        json_url="/api/v1/alert-figures/coverage?"
        + _query(**params, radius_km=f"{radius_km:g}", days=days),
    )
