"""The forecast pages: the next months' probability map (``/forecast``), the backtest with its
scores and reliability chart (``/forecast/backtest``), an area's forecast history
(``/forecast/areas/{unit}``) and the stored runs (``/forecast/runs``).

The numbers come from the same functions as the API (``web/api/forecast.py``); these pages only
label, sort and draw them. Forecasts are decision support, never a substitute for field
information: every page says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from starlette.status import HTTP_404_NOT_FOUND

from sentinelle.domain.vocabulary import Language
from sentinelle.explore.overview import units_geojson
from sentinelle.forecast.backtest import METRICS
from sentinelle.geo.crosswalk import menaka_2016
from sentinelle.store import forecasts as forecast_store
from sentinelle.store.forecasts import RunRecord
from sentinelle.web import figures, i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import forecast as service
from sentinelle.web.api.forecast import BASELINE, LatestOut, RunKind
from sentinelle.web.api.schemas import MAX_ID
from sentinelle.web.components import Column, TablePage
from sentinelle.web.rendering import render

router = APIRouter()

MAP_TOLERANCE = 0.01
"""Simplification of the maps, in degrees (as on the threat map)."""
BAND_SCALE = [
    [0.0, "#f7fbff"],
    [0.25, "#c6dbef"],
    [0.5, "#6baed6"],
    [0.75, "#2171b5"],
    [1.0, "#08306b"],
]
"""ColorBrewer Blues for the width of the uncertainty band (distinct from the probability's
OrRd scale; it darkens steadily, so it reads in grey on paper)."""
MODEL_COLOURS = {
    "boosting": "#D55E00",
    "logit": "#0072B2",
    "rolling12": "#009E73",
    "rolling3": "#E69F00",
    "conflictology": "#CC79A7",
    "last": "#56B4E9",
    "zero": "#999999",
}
"""Okabe–Ito colours, one per model (the same on every chart)."""
OBSERVED_COLOUR = "#000000"
RUNS_PAGE_SIZE = 25
RUNS_SHOWN = 50

OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a stored run's id")]
HorizonQuery = Annotated[int | None, Query(ge=1, le=24)]
UnitPath = Annotated[
    str,
    PathParam(
        min_length=2,
        max_length=12,
        pattern=service.UNIT_PATTERN,
        description="P-code of a cercle or region, e.g. ML0505",
    ),
]


def _translator(language: Language) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return i18n.translate(key, language, **values)

    return t


def _colon(language: Language) -> str:
    return "\u00a0: " if language == "fr" else ": "


def percent(value: float | None, language: Language) -> str:
    return i18n.percent(value, language) if value is not None else "–"


def band_text(low: float | None, high: float | None, language: Language) -> str:
    """``12.0 %–31.5 %``, or empty without a band."""
    if low is None or high is None:
        return ""
    return f"{percent(low, language)}–{percent(high, language)}"


def count_text(value: float | None, language: Language) -> str:
    return i18n.number(value, language, 1) if value is not None else "–"


def range_text(low: float | None, high: float | None, language: Language) -> str:
    if low is None or high is None:
        return ""
    return f"{count_text(low, language)}–{count_text(high, language)}"


def model_label(code: str, language: Language) -> str:
    return service.label("model", code, language)


def metric_label(code: str, language: Language) -> str:
    return service.label("metric", code, language)


def metric_definition(code: str, language: Language) -> str:
    """What a metric measures: the engine's own definition in English, its translation in
    French."""
    if language == "en":
        return METRICS.get(code, "")
    try:
        return i18n.translate(f"forecast.metric.{code}.definition", language)
    except i18n.MissingMessage:
        return METRICS.get(code, "")


def month_name(month: str | pd.Period, language: Language, style: str = "MMMM y") -> str:
    return figures.month_label(pd.Period(month, freq="M"), language, style)


def unit_kind_of(unit: str) -> str:
    """``admin1`` for a region P-code (ML05), ``priogrid`` for a cell id, else ``admin2``."""
    if unit.isdigit():
        return "priogrid"
    return "admin1" if len(unit) <= 4 else "admin2"


def _area_of(pcode: str, known: Mapping[str, Any]) -> str | None:
    """The forecast area a map feature shows: its own code, or the pre-2016 cercle it lies in
    (forecasts are by cercle in the pre-2016 geography; the 2016 Ménaka cercles show ML0704)."""
    if pcode in known:
        return pcode
    older = menaka_2016().pre2016(pcode)
    return older if older in known else None


def run_header(run: service.RunOut, language: Language) -> dict[str, str]:
    """The texts of a run's header."""
    return {
        "created_at": i18n.datetime(run.created_at, language),
        "last_month": month_name(run.last_month, language),
        "first_month": month_name(run.first_month, language),
        "first_origin": month_name(run.first_origin, language),
        "last_origin": month_name(run.last_origin, language),
        "seconds": i18n.number(run.seconds, language, 1),
    }


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


def _month_axis(months: Sequence[pd.Period], language: Language) -> dict[str, Any]:
    """A date axis with the months named in ``language`` (at most about eight ticks)."""
    step = max(1, math.ceil(len(months) / 8))
    ticks = list(months)[::step]
    return {
        "type": "date",
        "tickmode": "array",
        "tickvals": [str(m.start_time.date()) for m in ticks],
        "ticktext": [month_name(m, language, "MMM y") for m in ticks],
        "showgrid": False,
        "linecolor": "#9aa5b1",
        "ticks": "outside",
    }


def _probability_axis(title: str, top: float = 1.0) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "range": [-0.03, top + 0.03],
        "tickformat": ".0%",
        "gridcolor": "#e4e7eb",
        "zeroline": False,
    }


def _map_traces(
    figure: figures.Figure,
    metric: str,
    customdata: Mapping[str, list[Any]],
    no_value: str,
    language: Language,
) -> list[dict[str, Any]]:
    """The map's traces with our hover texts; returns the traces with a value."""
    valued = []
    for trace in figure["data"]:
        if trace.get("name") == metric:
            trace["customdata"] = [customdata[p] for p in trace["locations"]]
            trace["hovertemplate"] = (
                "<b>%{customdata[2]}</b><br>" + metric + _colon(language) + "%{customdata[3]}"
                "<br>%{customdata[4]}<extra></extra>"
            )
            valued.append(trace)
        else:
            trace["hovertemplate"] = "<b>%{customdata[2]}</b><br>" + no_value + "<extra></extra>"
    return valued


def probability_map(
    geojson: Mapping[str, Any], latest: LatestOut, language: Language
) -> figures.Figure | None:
    """The primary model's probability of at least one VAC event per area (0–100 %, the same
    scale at every horizon); hovering shows the band, the baseline and expected fatalities,
    clicking opens the area's forecast page."""
    t = _translator(language)
    by_unit = {a.unit: a for a in latest.areas if a.probability is not None}
    values: dict[str, float] = {}
    customdata: dict[str, list[Any]] = {}
    for feature in geojson.get("features", []):
        properties = feature.get("properties", {})
        pcode = str(properties.get("pcode", ""))
        code = _area_of(pcode, by_unit)
        if code is None:
            continue
        area = by_unit[code]
        assert area.probability is not None
        values[pcode] = area.probability
        name = str(properties.get(f"name_{language}") or properties.get("name_fr") or pcode)
        lines = []
        if area.probability_low is not None and area.probability_high is not None:
            lines.append(
                t(
                    "forecast.map.hover_band",
                    band=band_text(area.probability_low, area.probability_high, language),
                )
            )
        if latest.baseline is not None:
            lines.append(
                t(
                    "forecast.map.hover_baseline",
                    model=model_label(latest.baseline.code, language),
                    probability=percent(area.baseline_probability, language),
                )
            )
        lines.append(
            t(
                "forecast.map.hover_fatalities",
                mean=count_text(area.fatalities_mean, language),
                range=range_text(area.fatalities_q10, area.fatalities_q90, language),
            )
        )
        customdata[pcode] = [
            pcode,
            properties.get("parent"),
            name,
            percent(area.probability, language),
            "<br>".join(lines),
            f"/forecast/areas/{code}?horizon={latest.horizon}",
        ]
    if not values:
        return None
    label = t("forecast.map.legend")
    figure = figures.choropleth(geojson, values, {}, label, language, height=480)
    for trace in _map_traces(figure, label, customdata, t("forecast.map.no_forecast"), language):
        trace.update(zmin=0, zmax=1)
        trace["colorbar"]["tickformat"] = ".0%"
    return figure


def band_map(
    geojson: Mapping[str, Any], latest: LatestOut, language: Language
) -> figures.Figure | None:
    """The width of each area's 10–90 % band (in probability points): where the model is
    least sure. None when the published model has no band."""
    t = _translator(language)
    by_unit = {
        a.unit: a
        for a in latest.areas
        if a.probability_low is not None and a.probability_high is not None
    }
    if not by_unit:
        return None
    values: dict[str, float] = {}
    customdata: dict[str, list[Any]] = {}
    for feature in geojson.get("features", []):
        properties = feature.get("properties", {})
        pcode = str(properties.get("pcode", ""))
        code = _area_of(pcode, by_unit)
        if code is None:
            continue
        area = by_unit[code]
        assert area.probability_low is not None and area.probability_high is not None
        width = max(area.probability_high - area.probability_low, 0.0)
        values[pcode] = width
        name = str(properties.get(f"name_{language}") or properties.get("name_fr") or pcode)
        customdata[pcode] = [
            pcode,
            properties.get("parent"),
            name,
            i18n.number(width * 100, language, 1),
            t(
                "forecast.map.hover_band",
                band=band_text(area.probability_low, area.probability_high, language),
            ),
            f"/forecast/areas/{code}?horizon={latest.horizon}",
        ]
    if not values:
        return None
    label = t("forecast.band.legend")
    figure = figures.choropleth(geojson, values, {}, label, language, height=320)
    top = max(0.05, math.ceil(max(values.values()) * 20) / 20)
    for trace in _map_traces(figure, label, customdata, t("forecast.map.no_forecast"), language):
        trace.update(zmin=0, zmax=top, colorscale=BAND_SCALE)
        trace["colorbar"]["tickformat"] = ".0%"
    return figure


def reliability_figure(
    frame: pd.DataFrame, models: Sequence[str], language: Language
) -> figures.Figure:
    """Forecast probability against observed frequency per model (marker area: forecasts in
    the bin), with the diagonal of perfect calibration."""
    t = _translator(language)
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [0, 1],
            "mode": "lines",
            "name": t("forecast.reliability.diagonal"),
            "line": {"color": "#9aa5b1", "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        }
    ]
    largest = max([1, *frame["count"].tolist()]) if len(frame) else 1
    for position, model in enumerate(models):
        part = frame[(frame["model"] == model) & (frame["count"] > 0)].sort_values("bin_low")
        part = part[part["mean_probability"].notna() & part["observed_frequency"].notna()]
        if part.empty:
            continue
        name = model_label(model, language)
        counts = [int(c) for c in part["count"]]
        traces.append(
            {
                "type": "scatter",
                "x": [float(v) for v in part["mean_probability"]],
                "y": [float(v) for v in part["observed_frequency"]],
                "mode": "lines+markers",
                "name": name,
                "line": {
                    "color": MODEL_COLOURS.get(model, figures.OTHER_COLOURS[position % 3]),
                    "dash": "dot" if service.model_kind(model) == "baseline" else "solid",
                    "width": 2,
                },
                "marker": {"size": [6 + 14 * math.sqrt(c / largest) for c in counts]},
                "customdata": [
                    [
                        band_text(float(r.bin_low), float(r.bin_high), language),
                        percent(float(r.mean_probability), language),
                        percent(float(r.observed_frequency), language),
                        i18n.number(int(r.count), language),
                    ]
                    for r in part.itertuples(index=False)
                ],
                "hovertemplate": f"<b>{name}</b><br>"
                + t("forecast.reliability.hover")
                + "<extra></extra>",
            }
        )
    layout = _layout(
        language,
        520,
        margin={"l": 64, "r": 16, "t": 12, "b": 56},
        xaxis={**_probability_axis(t("forecast.reliability.x")), "constrain": "domain"},
        yaxis={**_probability_axis(t("forecast.reliability.y")), "scaleanchor": "x"},
        legend={"orientation": "h", "x": 0, "y": -0.16, "yanchor": "top"},
        hovermode="closest",
    )
    return _figure(traces, layout)


def history_figure(
    frame: pd.DataFrame, models: Sequence[str], language: Language
) -> figures.Figure | None:
    """An area's forecast probability per target month for each model, with what happened:
    a filled marker at 100 % where VAC happened, an open one at 0 % where it did not."""
    if frame.empty:
        return None
    t = _translator(language)
    months = sorted(set(frame["target_month"]))
    traces: list[dict[str, Any]] = []
    for position, model in enumerate(models):
        part = frame[frame["model"] == model].sort_values("target_month")
        if part.empty:
            continue
        name = model_label(model, language)
        traces.append(
            {
                "type": "scatter",
                "x": [str(m.start_time.date()) for m in part["target_month"]],
                "y": [service.number(v) for v in part["probability"]],
                "mode": "lines+markers",
                "name": name,
                "line": {
                    "color": MODEL_COLOURS.get(model, figures.OTHER_COLOURS[position % 3]),
                    "dash": "dot" if service.model_kind(model) == "baseline" else "solid",
                },
                "customdata": [
                    [month_name(m, language), percent(service.number(p), language)]
                    for m, p in zip(part["target_month"], part["probability"], strict=True)
                ],
                "hovertemplate": f"<b>{name}</b><br>%{{customdata[0]}}{_colon(language)}"
                "%{customdata[1]}<extra></extra>",
            }
        )
    observed = (
        frame.drop_duplicates("target_month")[["target_month", "observed_any"]]
        .dropna()
        .sort_values("target_month")
    )
    for happened, key, symbol in ((1, "yes", "diamond"), (0, "no", "circle-open")):
        part = observed[observed["observed_any"] == happened]
        if part.empty:
            continue
        name = t(f"forecast.area.observed_{key}")
        traces.append(
            {
                "type": "scatter",
                "x": [str(m.start_time.date()) for m in part["target_month"]],
                "y": [float(happened)] * len(part),
                "mode": "markers",
                "name": name,
                "marker": {"symbol": symbol, "size": 11, "color": OBSERVED_COLOUR},
                "customdata": [[month_name(m, language)] for m in part["target_month"]],
                "hovertemplate": f"<b>{name}</b><br>%{{customdata[0]}}<extra></extra>",
            }
        )
    layout = _layout(
        language,
        380,
        margin={"l": 64, "r": 12, "t": 12, "b": 40},
        xaxis=_month_axis(months, language),
        yaxis=_probability_axis(t("forecast.area.probability_axis")),
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        hovermode="closest",
    )
    return _figure(traces, layout)


def translucent(colour: str, alpha: float) -> str:
    """``#D55E00`` → ``rgba(213, 94, 0, 0.18)``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def fatality_figure(frame: pd.DataFrame, model: str, language: Language) -> figures.Figure | None:
    """Observed VAC fatalities per target month against one model's expected fatalities and
    its 10–90 % range."""
    part = frame[frame["model"] == model].sort_values("target_month")
    if part.empty:
        return None
    t = _translator(language)
    x = [str(m.start_time.date()) for m in part["target_month"]]
    name = model_label(model, language)
    colour = MODEL_COLOURS.get(model, figures.OTHER_COLOURS[0])
    labels = [month_name(m, language) for m in part["target_month"]]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": x,
            "y": [service.number(v) for v in part["fatalities_q90"]],
            "mode": "lines",
            "line": {"width": 0, "color": colour},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": "q90",
        },
        {
            "type": "scatter",
            "x": x,
            "y": [service.number(v) for v in part["fatalities_q10"]],
            "mode": "lines",
            "line": {"width": 0, "color": colour},
            "fill": "tonexty",
            "fillcolor": translucent(colour, 0.18),
            "name": t("forecast.area.fatality_band", model=name),
            "customdata": [
                [label, range_text(service.number(lo), service.number(hi), language)]
                for label, lo, hi in zip(
                    labels, part["fatalities_q10"], part["fatalities_q90"], strict=True
                )
            ],
            "hovertemplate": "%{customdata[0]}" + _colon(language) + "%{customdata[1]}"
            "<extra></extra>",
        },
        {
            "type": "scatter",
            "x": x,
            "y": [service.number(v) for v in part["fatalities_mean"]],
            "mode": "lines+markers",
            "line": {"color": colour, "width": 2},
            "name": t("forecast.area.fatality_mean", model=name),
            "customdata": [
                [label, count_text(service.number(v), language)]
                for label, v in zip(labels, part["fatalities_mean"], strict=True)
            ],
            "hovertemplate": "%{customdata[0]}" + _colon(language) + "%{customdata[1]}"
            "<extra></extra>",
        },
    ]
    seen = part[part["observed_fatalities"].notna()]
    if not seen.empty:
        traces.append(
            {
                "type": "scatter",
                "x": [str(m.start_time.date()) for m in seen["target_month"]],
                "y": [int(v) for v in seen["observed_fatalities"]],
                "mode": "markers",
                "name": t("forecast.area.fatality_observed"),
                "marker": {"symbol": "diamond", "size": 10, "color": OBSERVED_COLOUR},
                "customdata": [
                    [month_name(m, language), i18n.number(int(v), language)]
                    for m, v in zip(seen["target_month"], seen["observed_fatalities"], strict=True)
                ],
                "hovertemplate": "%{customdata[0]}" + _colon(language) + "%{customdata[1]}"
                "<extra></extra>",
            }
        )
    layout = _layout(
        language,
        340,
        margin={"l": 64, "r": 12, "t": 12, "b": 40},
        xaxis=_month_axis(sorted(set(part["target_month"])), language),
        yaxis={
            "title": {"text": t("forecast.area.fatality_axis")},
            "rangemode": "tozero",
            "gridcolor": "#e4e7eb",
        },
        legend={"orientation": "h", "x": 0, "y": -0.14, "yanchor": "top"},
        hovermode="closest",
    )
    return _figure(traces, layout)


# --- the forecast map ------------------------------------------------------------------------


def _horizon_choices(run: service.RunOut, language: Language) -> list[dict[str, Any]]:
    origin = pd.Period(run.first_origin, freq="M")
    return [
        {"horizon": h, "month": month_name(origin + h - 1, language, "MMM y")} for h in run.horizons
    ]


@router.get("/forecast", response_class=HTMLResponse)
def forecast_map(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    horizon: HorizonQuery = None,
    run: OptionalId = None,
) -> HTMLResponse:
    """The next months' probability of violence against civilians by area, from the latest
    live forecast (or run ``run``), for a horizon."""
    language = principal.language
    with store_of(request).reading() as connection:
        latest = service.latest_forecast(request, connection, horizon, None, run)
        backtest = service.latest_of(connection, "backtest")
        kind = latest.run.unit_kind if latest else "admin2"
        geojson = (
            units_geojson(connection, kind, MAP_TOLERANCE)  # type: ignore[arg-type]
            if latest and kind in ("admin1", "admin2")
            else {"features": []}
        )
    if latest is None:
        return render(
            request, "forecast/map.html", principal, latest=None, backtest=backtest, tab="map"
        )
    figure = probability_map(geojson, latest, language) if geojson["features"] else None
    band = band_map(geojson, latest, language) if geojson["features"] else None
    rows = [
        {
            "unit": a.unit,
            "area": a.name_fr if language == "fr" else a.name_en,
            "url": a.url,
            "probability": a.probability,
            "probability_text": percent(a.probability, language),
            "band": band_text(a.probability_low, a.probability_high, language),
            "baseline": a.baseline_probability,
            "baseline_text": percent(a.baseline_probability, language),
            "fatalities": count_text(a.fatalities_mean, language),
            "fatalities_range": range_text(a.fatalities_q10, a.fatalities_q90, language),
        }
        for a in latest.areas
    ]
    t = _translator(language)
    return render(
        request,
        "forecast/map.html",
        principal,
        tab="map",
        latest=latest,
        run=latest.run,
        header=run_header(latest.run, language),
        model_name=model_label(latest.model.code, language),
        model_kind=t(f"forecast.kind.{latest.model.kind}"),
        baseline_name=model_label(latest.baseline.code, language) if latest.baseline else "",
        target=month_name(latest.target_month, language),
        horizons=_horizon_choices(latest.run, language),
        figure=figure,
        band=band,
        rows=rows,
        backtest=backtest,
        level_label=t(f"forecast.level.{latest.run.unit_kind}"),
        approximate=any(f["properties"].get("approximate") for f in geojson["features"]),
        has_band=any(a.probability_low is not None for a in latest.areas),
    )


# --- the backtest ----------------------------------------------------------------------------


def score_tables(
    scores: service.ScoresOut, record: RunRecord, language: Language
) -> list[dict[str, Any]]:
    """One table per horizon: a row per model (baselines first), a column per metric, the best
    value of each metric marked, and how the best learned model fares against the best
    baseline."""
    t = _translator(language)
    tables = []
    metrics = [m.code for m in scores.metrics]
    for horizon in record.horizons:
        part = [s for s in scores.scores if s.horizon == horizon]
        if not part:
            continue
        values: dict[tuple[str, str], float] = {
            (s.model, s.metric): s.value for s in part if s.value is not None
        }
        models = [
            m for m in service.ordered_models(record.models) if any(s.model == m for s in part)
        ]
        best: dict[str, float] = {}
        for metric in metrics:
            found = [values[(m, metric)] for m in models if (m, metric) in values]
            if found:
                best[metric] = max(found) if service.higher_is_better(metric) else min(found)
        rows = []
        for model in models:
            cells = []
            for metric in metrics:
                value = values.get((model, metric))
                cells.append(
                    {
                        "metric": metric,
                        "value": value,
                        "text": i18n.number(value, language, 3) if value is not None else "–",
                        "best": value is not None and value == best.get(metric),
                    }
                )
            kind = service.model_kind(model)
            rows.append(
                {
                    "model": model,
                    "label": model_label(model, language),
                    "kind": kind,
                    "kind_label": t(f"forecast.kind.{kind}"),
                    "cells": cells,
                }
            )
        baselines = [
            (values[(m, "brier")], m)
            for m in models
            if service.model_kind(m) == "baseline" and (m, "brier") in values
        ]
        learned = [
            (values[(m, "brier_skill")], m)
            for m in models
            if service.model_kind(m) == "learned" and (m, "brier_skill") in values
        ]
        margin = None
        if baselines and learned:
            brier, base = min(baselines, key=lambda item: (item[0], item[1]))
            skill, top = max(learned, key=lambda item: (item[0], item[1]))
            margin = {
                "skill": skill,
                "text": t(
                    "forecast.backtest.margin_better"
                    if skill > 0
                    else "forecast.backtest.margin_worse",
                    model=model_label(top, language),
                    skill=percent(skill, language),
                    baseline=model_label(base, language),
                    brier=i18n.number(brier, language, 3),
                ),
            }
        tables.append(
            {
                "horizon": horizon,
                "n": part[0].n,
                "positives": part[0].positives,
                "rows": rows,
                "margin": margin,
            }
        )
    return tables


def _run_options(runs: Sequence[RunRecord], language: Language) -> list[dict[str, Any]]:
    t = _translator(language)
    return [
        {
            "id": r.id,
            "label": t(
                "forecast.run.option",
                id=r.id,
                level=t(f"forecast.level.{r.unit_kind}"),
                first=str(r.first_origin),
                last=str(r.last_origin),
                at=i18n.date(r.created_at.date(), language),
            ),
        }
        for r in runs
    ]


@router.get("/forecast/backtest", response_class=HTMLResponse)
def backtest_page(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    run: OptionalId = None,
    horizon: HorizonQuery = None,
) -> HTMLResponse:
    """A backtest (the latest, or run ``run``): scores by horizon for every model against the
    baselines, with the metrics' definitions, and the reliability chart of a horizon."""
    language = principal.language
    with store_of(request).reading() as connection:
        record = (
            service.find_run(connection, run, "backtest")
            if run is not None
            else service.latest_of(connection, "backtest")
        )
        runs = forecast_store.list_runs(connection, kind="backtest", limit=RUNS_SHOWN)
        if record is not None:
            chosen = service.check_horizon(record, horizon) or record.horizons[0]
            scores = service.scores_out(connection, record)
            curves = service.reliability_frame(request, connection, record)
    if record is None:
        return render(request, "forecast/backtest.html", principal, record=None, tab="backtest")
    curves = curves[curves["horizon"] == chosen]
    models = service.ordered_models(record.models)
    summary = service.run_out(record)
    t = _translator(language)
    return render(
        request,
        "forecast/backtest.html",
        principal,
        tab="backtest",
        record=record,
        run=summary,
        header=run_header(summary, language),
        origins=len(pd.period_range(record.first_origin, record.last_origin, freq="M")),
        runs=_run_options(runs, language),
        tables=score_tables(scores, record, language),
        metrics=[
            {
                "code": m.code,
                "label": metric_label(m.code, language),
                "definition": metric_definition(m.code, language),
                "better": t(
                    "forecast.metric.higher" if m.higher_is_better else "forecast.metric.lower"
                ),
                "arrow": "↑" if m.higher_is_better else "↓",
            }
            for m in scores.metrics
        ],
        models=[
            {
                "code": m,
                "label": model_label(m, language),
                "kind": service.model_kind(m),
                "kind_label": t(f"forecast.kind.{service.model_kind(m)}"),
            }
            for m in models
        ],
        horizon=chosen,
        reliability=reliability_figure(curves, models, language) if len(curves) else None,
        level_label=t(f"forecast.level.{record.unit_kind}"),
    )


# --- an area ---------------------------------------------------------------------------------


@router.get("/forecast/areas/{unit}", response_class=HTMLResponse)
def area_page(
    request: Request,
    unit: UnitPath,
    principal: Principal = Depends(Require("view_events")),
    run: OptionalId = None,
    horizon: HorizonQuery = None,
    model: Annotated[str | None, Query(max_length=30, pattern=r"^[a-z0-9_]*$")] = None,
) -> HTMLResponse:
    """An area's forecast history in a backtest (the latest of its unit kind, or run ``run``)
    for a horizon: each model's probability per target month against what happened, and the
    fatality forecast against the fatalities observed; then the live forecast's next months."""
    language = principal.language
    kind = unit_kind_of(unit)
    with store_of(request).reading() as connection:
        record = (
            service.find_run(connection, run, "backtest")
            if run is not None
            else service.latest_of(connection, "backtest", kind)
        )
        live = service.latest_of(connection, "forecast", kind)
        names = service.unit_names(request, connection, kind)
        history = (
            service.predictions(request, connection, record, unit=unit)
            if record is not None
            else None
        )
        upcoming = (
            service.predictions(request, connection, live, unit=unit) if live is not None else None
        )
    if record is not None and record.unit_kind != kind:
        raise service.unprocessable(f"run {record.id} is by {record.unit_kind}; {unit} is not")
    known = (
        unit in names
        or (history is not None and len(history))
        or (upcoming is not None and len(upcoming))
    )
    if not known:
        raise HTTPException(HTTP_404_NOT_FOUND, f"no area {unit}")
    t = _translator(language)
    fr, en = names.get(unit, (unit, unit))
    name = fr if language == "fr" else en
    older = menaka_2016().pre2016(unit)
    context: dict[str, Any] = {
        "unit": unit,
        "name": name,
        "level_label": t(f"forecast.level.{kind}"),
        "record": record,
        "live": live,
        "older": older if older != unit else None,
        "older_name": names.get(older, (older, older))[0 if language == "fr" else 1],
        "threat_link": f"/threat/areas/{older}" if kind != "priogrid" else "",
    }
    if record is not None and history is not None:
        chosen = nearest_horizon(record.horizons, horizon)
        models = service.ordered_models(record.models)
        main = service.check_model(record, model or None) or service.primary_of(record)
        part = history[history["horizon"] == chosen]
        shown = [m for m in models if service.model_kind(m) == "learned" or m == BASELINE]
        shown = shown or models
        run_summary = service.run_out(record)
        context.update(
            run=run_summary,
            header=run_header(run_summary, language),
            horizon=chosen,
            asked=horizon if horizon is not None and horizon != chosen else None,
            horizons=record.horizons,
            models=[{"code": m, "label": model_label(m, language)} for m in models],
            model=main,
            model_name=model_label(main, language),
            history=history_figure(part, shown, language),
            fatalities=fatality_figure(part, main, language),
            rows=_history_rows(part, models, language),
            shown_models=[{"code": m, "label": model_label(m, language)} for m in models],
        )
    if live is not None and upcoming is not None and len(upcoming):
        context.update(
            upcoming=_upcoming_rows(upcoming, live, language), live_run=service.run_out(live)
        )
        context["live_model"] = model_label(service.primary_of(live), language)
        context["live_baseline"] = (
            model_label(BASELINE, language) if BASELINE in live.models else ""
        )
        context["live_header"] = run_header(context["live_run"], language)
    return render(request, "forecast/area.html", principal, tab="", **context)


def nearest_horizon(horizons: Sequence[int], asked: int | None) -> int:
    """The backtest's horizon nearest to the one asked (the area page is reached from the live
    forecast's map, whose horizons a backtest need not have); its first by default."""
    if asked is None:
        return horizons[0]
    return min(horizons, key=lambda h: (abs(h - asked), h))


def _history_rows(
    frame: pd.DataFrame, models: Sequence[str], language: Language
) -> list[dict[str, Any]]:
    """A row per target month: each model's probability and what happened."""
    rows = []
    for month, part in frame.groupby("target_month", sort=True):
        by_model = part.set_index("model")
        observed = part["observed_any"].iloc[0]
        fatalities = part["observed_fatalities"].iloc[0]
        rows.append(
            {
                "month": str(month),
                "month_text": month_name(month, language, "MMM y"),
                "origin": str(part["origin"].iloc[0]),
                "cells": [
                    {
                        "model": m,
                        "value": service.number(by_model["probability"].get(m)),
                        "text": percent(service.number(by_model["probability"].get(m)), language),
                    }
                    for m in models
                ],
                "observed": None if pd.isna(observed) else bool(observed),
                "fatalities": None if pd.isna(fatalities) else int(fatalities),
            }
        )
    return rows


def _upcoming_rows(
    frame: pd.DataFrame, live: RunRecord, language: Language
) -> list[dict[str, Any]]:
    """The live forecast's months for the area: the published model beside the baseline."""
    primary = service.primary_of(live)
    rows = []
    for horizon, part in frame.groupby("horizon", sort=True):
        by_model = part.set_index("model")
        if primary not in by_model.index:
            continue
        main = by_model.loc[primary]
        baseline = (
            service.number(by_model.loc[BASELINE, "probability"])
            if BASELINE in by_model.index and primary != BASELINE
            else None
        )
        low, high = (
            service.number(main["probability_low"]),
            service.number(main["probability_high"]),
        )
        rows.append(
            {
                "horizon": int(horizon),
                "month": month_name(main["target_month"], language),
                "probability": service.number(main["probability"]),
                "probability_text": percent(service.number(main["probability"]), language),
                "band": band_text(low, high, language),
                "baseline": baseline,
                "baseline_text": percent(baseline, language),
                "fatalities": count_text(service.number(main["fatalities_mean"]), language),
                "fatalities_range": range_text(
                    service.number(main["fatalities_q10"]),
                    service.number(main["fatalities_q90"]),
                    language,
                ),
            }
        )
    return rows


# --- the runs --------------------------------------------------------------------------------

RUN_COLUMNS = [
    Column("id", "forecast.runs.col.id", link="url"),
    Column("kind", "forecast.runs.col.kind"),
    Column("unit_kind", "forecast.runs.col.unit_kind"),
    Column("created", "forecast.runs.col.created"),
    Column("models", "forecast.runs.col.models"),
    Column("origins", "forecast.runs.col.origins"),
    Column("horizons", "forecast.runs.col.horizons"),
    Column("model_version", "forecast.runs.col.model_version"),
    Column("data_version", "forecast.runs.col.data_version"),
    Column("seconds", "forecast.runs.col.seconds"),
    Column("predictions", "forecast.runs.col.predictions", number=True),
]


@router.get("/forecast/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    kind: Annotated[RunKind | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The stored runs, the newest first, each linking to its page."""
    language = principal.language
    t = _translator(language)
    offset = (page - 1) * RUNS_PAGE_SIZE
    with store_of(request).reading() as connection:
        records = forecast_store.list_runs(connection, kind, None, RUNS_PAGE_SIZE, offset)
        total = forecast_store.count_runs(connection, kind)
    rows = [
        {
            "id": f"#{r.id}",
            "url": service.page_url(r),
            "kind": t(f"forecast.runs.kind.{r.kind}"),
            "unit_kind": t(f"forecast.level.{r.unit_kind}"),
            "created": f"{i18n.datetime(r.created_at, language)} · {r.created_by}",
            "models": ", ".join(model_label(m, language) for m in service.ordered_models(r.models)),
            "origins": str(r.first_origin)
            if r.first_origin == r.last_origin
            else f"{r.first_origin} – {r.last_origin}",
            "horizons": ", ".join(str(h) for h in r.horizons),
            "model_version": r.model_version,
            "data_version": r.data_version,
            "seconds": i18n.number(r.seconds, language, 1),
            "predictions": r.predictions,
        }
        for r in records
    ]
    return render(
        request,
        "forecast/runs.html",
        principal,
        tab="runs",
        table=TablePage(RUN_COLUMNS, rows, total, page, RUNS_PAGE_SIZE),
        kind=kind,
        records=records,
    )
