"""The planning pages: the posture of a month on a map against the risk to civilians
(``/planning``), its alignment year by year (``/planning/alignment``) and the placement of
mobile units with its what-ifs (``/planning/optimise``).

The numbers come from the planning engine through the same functions as the API
(``web/api/planning.py``); these pages only read the forms, label and draw. Plans are decision
support for planners, not orders: every page says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.status import HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.domain.vocabulary import Language
from sentinelle.explore.overview import units_geojson
from sentinelle.forecast.data import EARTH_RADIUS_KM
from sentinelle.geo.crosswalk import menaka_2016
from sentinelle.planning.plan import DEFAULT_PERIOD_MONTHS, DEFAULT_UNIT_SIZE, NamedPlan
from sentinelle.planning.posture import DEFAULT_FORCE_PROTECTION, load_posture
from sentinelle.planning.reach import DEFAULT_REACH_KM
from sentinelle.web import figures, i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import planning as service
from sentinelle.web.api.planning import PlanOptions, PostureView
from sentinelle.web.rendering import render

router = APIRouter()

MAP_TOLERANCE = 0.01
"""Simplification of the maps, in degrees (as on the threat and forecast maps)."""
MAP_HEIGHT = 540
SITE_COLOUR = "#0072B2"
"""Okabe–Ito blue: sites and their reach (distinct from the OrRd risk scale)."""
TEMPORARY_COLOUR = "#000000"
IDLE_COLOUR = "#7b8794"
CHART_COLOURS = {"events": "#D55E00", "fatalities": "#0072B2", "rank": "#009E73"}
CIRCLE_STEPS = 72
QueryText = Annotated[str | None, Query(max_length=40)]

FORM_FIELDS = (
    "month",
    "risk",
    "period_months",
    "units",
    "unit_size",
    "force_protection",
    "reach_km",
    "minimum",
    "temporary_bases",
    "add_units",
    "hold_back",
)
CHECKBOXES = ("rainy", "by_population")


def _translator(language: Language) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return i18n.translate(key, language, **values)

    return t


def _colon(language: Language) -> str:
    return "\u00a0: " if language == "fr" else ": "


def month_name(month: pd.Period, language: Language) -> str:
    return figures.month_label(month, language, "MMMM y")


def amount(value: float, language: Language) -> str:
    """A risk or troop figure: whole numbers as such, fractions with two decimals."""
    whole = float(value).is_integer() or abs(value) >= 100
    return i18n.number(value, language) if whole else i18n.number(value, language, 2)


def share_text(value: float | None, language: Language) -> str:
    return "–" if value is None or value != value else i18n.percent(value, language)


# --- reading the forms -----------------------------------------------------------------------


def parse_number(text: str) -> float:
    """A number as typed, with a decimal point or a decimal comma (ValueError otherwise)."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


@dataclass
class FormState:
    """What was typed (kept to show again) and the problems beside each field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    close: list[str] = field(default_factory=list)
    checked: dict[str, bool] = field(default_factory=dict)


class Reader:
    """Reads typed values into numbers, recording a precise message per bad field."""

    def __init__(self, state: FormState, language: Language) -> None:
        self.state = state
        self.t = _translator(language)

    def real(
        self,
        name: str,
        default: float,
        low: float,
        high: float,
        *,
        low_open: bool = False,
        high_open: bool = False,
        message: str,
    ) -> float:
        text = self.state.values.get(name, "").strip()
        if not text:
            return default
        try:
            value = parse_number(text)
        except ValueError:
            self.state.errors[name] = self.t("planning.error.number", value=text)
            return default
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if too_low or too_high:
            self.state.errors[name] = self.t(message, value=text)
            return default
        return value

    def whole(
        self, name: str, default: int | None, low: int, high: int, *, message: str
    ) -> int | None:
        text = self.state.values.get(name, "").strip()
        if not text:
            return default
        try:
            value = parse_number(text)
        except ValueError:
            self.state.errors[name] = self.t("planning.error.whole", value=text)
            return default
        if not value.is_integer():
            self.state.errors[name] = self.t("planning.error.whole", value=text)
            return default
        if not low <= value <= high:
            self.state.errors[name] = self.t(message, value=text, low=low, high=high)
            return default
        return int(value)

    def choice(self, name: str, default: str, choices: Sequence[str]) -> str:
        text = self.state.values.get(name, "").strip()
        if not text:
            return default
        if text not in choices:
            self.state.errors[name] = self.t(
                "planning.error.choice", value=text[:40], choices=", ".join(choices)
            )
            return default
        return text

    def month(self, name: str, default: pd.Period | None) -> pd.Period | None:
        text = self.state.values.get(name, "").strip()
        if not text:
            if default is None:
                self.state.errors[name] = self.t("planning.error.no_deployments")
            return default
        try:
            return service.parse_month_text(text)
        except ValueError:
            self.state.errors[name] = self.t(
                "planning.error.month",
                value=text[:40],
                first=service.FIRST_YEAR,
                last=service.LAST_YEAR,
            )
            return default


def read_common(reader: Reader, risks: Sequence[str]) -> tuple[float, float, str]:
    """Reach, force protection and risk, shared by the three forms."""
    reach = reader.real(
        "reach_km",
        DEFAULT_REACH_KM,
        0,
        service.MAX_REACH_KM,
        low_open=True,
        message="planning.error.reach",
    )
    force = reader.real(
        "force_protection",
        DEFAULT_FORCE_PROTECTION,
        0,
        1,
        high_open=True,
        message="planning.error.force_protection",
    )
    risk = reader.choice("risk", "events", risks)
    return reach, force, risk


ENGINE_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    ("no site held", "month", "planning.error.no_sites"),
    ("no site named", "close", "planning.error.unknown_site"),
    ("minimum presence", "minimum", "planning.error.minimum"),
    ("no live forecast", "risk", "planning.error.no_forecast"),
    ("no one-month-ahead", "risk", "planning.error.no_forecast"),
    ("no population", "by_population", "planning.error.no_population"),
    ("cannot remove", "add_units", "planning.error.too_few_units"),
    ("no cercles", "form", "planning.error.no_areas"),
    ("no deployments", "form", "planning.error.no_deployments"),
    ("HiGHS", "form", "planning.error.no_placement"),
)


def engine_problem(message: str, language: Language) -> tuple[str, str]:
    """(field, message in ``language``) for a ValueError of the planning engine."""
    t = _translator(language)
    for pattern, name, key in ENGINE_PROBLEMS:
        if pattern in message:
            return name, t(key, detail=message)
    return "form", message


# --- maps ------------------------------------------------------------------------------------


def circle(longitude: float, latitude: float, km: float) -> tuple[list[float], list[float]]:
    """The points at ``km`` great-circle kilometres around a point (closed, every 5°)."""
    distance = km / EARTH_RADIUS_KM
    phi, lam = math.radians(latitude), math.radians(longitude)
    bearings = np.linspace(0.0, 2 * math.pi, CIRCLE_STEPS + 1)
    lat2 = np.arcsin(
        math.sin(phi) * math.cos(distance) + math.cos(phi) * math.sin(distance) * np.cos(bearings)
    )
    lon2 = lam + np.arctan2(
        np.sin(bearings) * math.sin(distance) * math.cos(phi),
        math.cos(distance) - math.sin(phi) * np.sin(lat2),
    )
    lons = [round(float(v), 5) for v in (np.degrees(lon2) + 540.0) % 360.0 - 180.0]
    lats = [round(float(v), 5) for v in np.degrees(lat2)]
    return lons, lats


def circles_trace(
    points: Sequence[tuple[float, float]], km: float, colour: str, name: str
) -> dict[str, Any]:
    """One line trace drawing a reach circle around each point (None between circles)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for lon, lat in points:
        x, y = circle(lon, lat, km)
        lons += [*x, None]
        lats += [*y, None]
    return {
        "type": "scattermap",
        "mode": "lines",
        "lon": lons,
        "lat": lats,
        "line": {"color": colour, "width": 1.6},
        "name": name,
        "hoverinfo": "skip",
        "showlegend": True,
    }


def _bounds(geojson: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
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

    for feature in geojson.get("features", []):
        walk((feature.get("geometry") or {}).get("coordinates", []))
    return None if west == math.inf else (west, south, east, north)


def _area_of(pcode: str, known: Mapping[str, int]) -> str | None:
    """The planning area a map feature shows: its own code, or the pre-2016 cercle it lies in
    (the 2016 Ménaka cercles show Ansongo)."""
    if pcode in known:
        return pcode
    older = menaka_2016().pre2016(pcode)
    return older if older in known else None


def _feature_name(properties: Mapping[str, Any], language: Language) -> str:
    pcode = str(properties.get("pcode", ""))
    return str(properties.get(f"name_{language}") or properties.get("name_fr") or pcode)


def _finish_map(figure: figures.Figure, geojson: Mapping[str, Any], height: int) -> None:
    """Show the whole country whatever is shaded, with a legend for the points and lines."""
    centre, zoom = figures.view_of(
        _bounds(geojson), width=int(640 * figures.MAP_WIDTH_SHARE), height=height
    )
    figure["layout"]["map"].update(center=centre, zoom=zoom)
    figure["layout"].update(
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "bottom", "bgcolor": "#ffffffcc"},
    )


def _marker_sizes(values: Sequence[float]) -> list[float]:
    top = max([*values, 1.0])
    return [round(7 + 19 * math.sqrt(max(v, 0.0) / top), 1) for v in values]


def posture_map(
    geojson: Mapping[str, Any], view: PostureView, language: Language
) -> figures.Figure | None:
    """Cercles shaded by risk, each site sized by its troops with its reach drawn around it."""
    t = _translator(language)
    areas = view.areas
    index = {code: i for i, code in enumerate(areas.codes)}
    values: dict[str, float] = {}
    customdata: dict[str, list[Any]] = {}
    for feature in geojson.get("features", []):
        properties = feature.get("properties", {})
        pcode = str(properties.get("pcode", ""))
        code = _area_of(pcode, index)
        if code is None:
            continue
        j = index[code]
        values[pcode] = float(view.values[j])
        reached = bool(view.reached[j])
        customdata[pcode] = [
            pcode,
            properties.get("parent"),
            _feature_name(properties, language),
            amount(float(view.values[j]), language),
            t(
                "planning.map.reached" if reached else "planning.map.not_reached",
                capacity=amount(float(view.alignment.reach.capacity[j]), language),
            ),
        ]
    if not values:
        return None
    label = t(f"planning.risk.{view.risk}")
    figure = figures.choropleth(geojson, values, {}, label, language, height=MAP_HEIGHT)
    for trace in figure["data"]:
        trace["customdata"] = [customdata.get(p, [p, None, p, "–", ""]) for p in trace["locations"]]
        trace["hovertemplate"] = (
            "<b>%{customdata[2]}</b><br>" + label + _colon(language) + "%{customdata[3]}"
            "<br>%{customdata[4]}<extra></extra>"
        )
    sites = view.posture.sites
    if sites:
        figure["data"].append(
            circles_trace(
                [(s.longitude, s.latitude) for s in sites],
                view.reach_km,
                SITE_COLOUR,
                t("planning.map.reach", km=i18n.number(view.reach_km, language)),
            )
        )
        custom = []
        for i, site in enumerate(sites):
            first, last = view.held_of(i)
            period = t(
                "planning.map.held",
                start=i18n.date(first, language) if first else "–",
                end=i18n.date(last, language) if last else t("planning.map.open_ended"),
            )
            troops = (
                i18n.number(site.troops, language)
                if site.troops_known
                else t("planning.map.troops_unknown")
            )
            custom.append(
                [
                    site.name,
                    t("planning.map.troops", troops=troops),
                    t("planning.map.deployable", troops=i18n.number(site.deployable, language)),
                    period,
                ]
            )
        name = t("planning.map.sites")
        figure["data"].append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [s.longitude for s in sites],
                "lat": [s.latitude for s in sites],
                "name": name,
                "marker": {
                    "color": SITE_COLOUR,
                    "size": _marker_sizes([s.troops for s in sites]),
                    "opacity": 0.85,
                },
                "customdata": custom,
                "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
                "%{customdata[2]}<br>%{customdata[3]}<extra></extra>",
            }
        )
    _finish_map(figure, geojson, MAP_HEIGHT)
    return figure


def plan_map(
    geojson: Mapping[str, Any], result: NamedPlan, language: Language
) -> figures.Figure | None:
    """The plan: covered cercles shaded by their risk (the rest grey), the placed units at their
    sites (temporary bases in black) with their reach, and the sites left without a unit."""
    t = _translator(language)
    named, solved = result.named, result.plan
    areas = named.areas
    risk = named.problem.risk
    index = {code: i for i, code in enumerate(areas.codes)}
    covered = set(solved.covered_areas.tolist())
    values: dict[str, float] = {}
    customdata: dict[str, list[Any]] = {}
    for feature in geojson.get("features", []):
        properties = feature.get("properties", {})
        pcode = str(properties.get("pcode", ""))
        code = _area_of(pcode, index)
        if code is None:
            continue
        j = index[code]
        if j in covered:
            values[pcode] = float(risk[j])
        customdata[pcode] = [
            pcode,
            properties.get("parent"),
            _feature_name(properties, language),
            amount(float(risk[j]), language),
            t("planning.result.covered" if j in covered else "planning.result.not_covered"),
        ]
    if not customdata:
        return None
    label = t("planning.result.covered_risk")
    figure = figures.choropleth(geojson, values, {}, label, language, height=MAP_HEIGHT)
    risk_label = t(f"planning.risk.{named.risk_source}")
    for trace in figure["data"]:
        if trace.get("name") != label:
            trace["name"] = t("planning.result.not_covered")
        trace["customdata"] = [customdata.get(p, [p, None, p, "–", ""]) for p in trace["locations"]]
        trace["hovertemplate"] = (
            "<b>%{customdata[2]}</b><br>" + risk_label + _colon(language) + "%{customdata[3]}"
            "<br>%{customdata[4]}<extra></extra>"
        )
    units = solved.units  # units per candidate site
    placed = np.flatnonzero(units)
    idle = [i for i in range(named.n_existing) if units[i] == 0]
    if len(idle):
        figure["data"].append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [float(named.longitude[i]) for i in idle],
                "lat": [float(named.latitude[i]) for i in idle],
                "name": t("planning.result.idle_sites"),
                "marker": {"color": IDLE_COLOUR, "size": 7, "opacity": 0.8},
                "customdata": [[named.site_names[i]] for i in idle],
                "hovertemplate": "<b>%{customdata[0]}</b><br>"
                + t("planning.result.idle_site")
                + "<extra></extra>",
            }
        )
    for temporary, colour, key in (
        (False, SITE_COLOUR, "planning.result.units_at_sites"),
        (True, TEMPORARY_COLOUR, "planning.result.units_at_temporary"),
    ):
        chosen = [int(i) for i in placed if bool(named.temporary[i]) == temporary]
        if not chosen:
            continue
        name = t(key)
        figure["data"].append(
            circles_trace(
                [(float(named.longitude[i]), float(named.latitude[i])) for i in chosen],
                named.reach_km,
                colour,
                t("planning.map.reach", km=i18n.number(named.reach_km, language)),
            )
        )
        figure["data"][-1]["showlegend"] = not temporary
        figure["data"].append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [float(named.longitude[i]) for i in chosen],
                "lat": [float(named.latitude[i]) for i in chosen],
                "name": name,
                "marker": {
                    "color": colour,
                    "size": [12 + 4 * min(int(units[i]) - 1, 4) for i in chosen],
                    "opacity": 0.9,
                },
                "customdata": [
                    [
                        named.site_names[i],
                        name,
                        t("planning.result.unit_count", count=int(units[i])),
                    ]
                    for i in chosen
                ],
                "hovertemplate": "<b>%{customdata[0]}</b> · %{customdata[1]}<br>"
                "%{customdata[2]}<extra></extra>",
            }
        )
    _finish_map(figure, geojson, MAP_HEIGHT)
    return figure


# --- the posture map -------------------------------------------------------------------------


@router.get("/planning", response_class=HTMLResponse)
def posture_page(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    month: QueryText = None,
    reach_km: QueryText = None,
    force_protection: QueryText = None,
    risk: QueryText = None,
) -> HTMLResponse:
    """The posture of a month on a map: cercles shaded by VAC over the twelve months ending
    with it, the sites sized by troops with their reach, and how much of the risk lies within
    reach."""
    language = principal.language
    t = _translator(language)
    state = FormState(
        {
            "month": month or "",
            "reach_km": reach_km or "",
            "force_protection": force_protection or "",
            "risk": risk or "",
        }
    )
    reader = Reader(state, language)
    context: dict[str, Any] = {"tab": "posture", "state": state, "view": None}
    with store_of(request).reading() as connection:
        span = service.deployment_span(request, connection)
        context["span"] = span
        if span is None:
            return render(request, "planning/posture.html", principal, **context)
        chosen = reader.month("month", span.default_month)
        reach, force, measure = read_common(reader, service.RISK_MEASURES)
        if state.errors:
            return render(
                request,
                "planning/posture.html",
                principal,
                status_code=HTTP_422_UNPROCESSABLE_CONTENT,
                **context,
            )
        assert chosen is not None
        try:
            view = service.posture_view(
                request, connection, chosen, reach, force, measure, language
            )
        except ValueError as exc:
            name, message = engine_problem(str(exc), language)
            state.errors[name] = message
            return render(
                request,
                "planning/posture.html",
                principal,
                status_code=HTTP_422_UNPROCESSABLE_CONTENT,
                **context,
            )
        geojson = units_geojson(connection, "admin2", MAP_TOLERANCE)
    state.values.update(
        month=str(chosen),
        reach_km=f"{reach:g}",
        force_protection=f"{force:g}",
        risk=measure,
    )
    summary = service.posture_out(view)
    sites = [
        {
            "name": s.name,
            "kind": s.kind,
            "troops": i18n.number(s.troops, language) if s.troops_known else "–",
            "deployable": i18n.number(s.deployable, language),
            "reached": ", ".join(
                view.areas.names[view.areas.codes.index(c)] for c in s.areas_reached
            )
            or "–",
            "held": t(
                "planning.map.held",
                start=i18n.date(s.held_from, language) if s.held_from else "–",
                end=i18n.date(s.held_to, language) if s.held_to else t("planning.map.open_ended"),
            ),
        }
        for s in summary.sites
    ]
    context.update(
        view=view,
        summary=summary.summary,
        month_text=month_name(chosen, language),
        figure=posture_map(geojson, view, language) if geojson["features"] else None,
        sites=sites,
        out_of_reach=[
            {"code": a.code, "name": a.name, "risk": amount(a.risk, language)}
            for a in summary.high_risk_out_of_reach
        ],
        risk_label=t(f"planning.risk.{measure}"),
        risk_note=view.risk_note,
        api_url="/api/v1/planning/posture?"
        + urlencode(
            {"month": str(chosen), "reach_km": reach, "force_protection": force, "risk": measure}
        ),
        amount=lambda v: amount(v, language),
        share=lambda v: share_text(v, language),
    )
    return render(request, "planning/posture.html", principal, **context)


# --- alignment over time ---------------------------------------------------------------------


def _year_axis(years: Sequence[int]) -> dict[str, Any]:
    return {
        "tickmode": "array",
        "tickvals": list(years),
        "ticktext": [str(y) for y in years],
        "showgrid": False,
        "linecolor": "#9aa5b1",
        "ticks": "outside",
    }


def _layout(language: Language, height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "font": figures.FONT,
        "separators": figures.SEPARATORS.get(language, figures.SEPARATORS["en"]),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 64, "r": 16, "t": 12, "b": 40},
        "hovermode": "closest",
        **extra,
    }


def share_figure(frame: pd.DataFrame, language: Language) -> figures.Figure | None:
    """The share of VAC events and of VAC fatalities within reach, per year."""
    if frame.empty:
        return None
    t = _translator(language)
    years = [int(y) for y in frame["year"]]
    traces = []
    for measure, column, total in (
        ("events", "vac_events_within_reach", "vac_events"),
        ("fatalities", "vac_fatalities_within_reach", "vac_fatalities"),
    ):
        name = t(f"planning.alignment.share_{measure}")
        shares = [service.number(v) for v in frame[column]]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": years,
                "y": shares,
                "name": name,
                "line": {"color": CHART_COLOURS[measure], "width": 2},
                "marker": {"size": 8},
                "customdata": [
                    [str(y), share_text(s, language), amount(float(n), language)]
                    for y, s, n in zip(years, shares, frame[total], strict=True)
                ],
                "hovertemplate": f"<b>{name}</b><br>%{{customdata[0]}}{_colon(language)}"
                "%{customdata[1]} (%{customdata[2]})<extra></extra>",
            }
        )
    layout = _layout(
        language,
        360,
        xaxis=_year_axis(years),
        yaxis={
            "title": {"text": t("planning.alignment.share_axis")},
            "range": [-0.03, 1.03],
            "tickformat": ".0%",
            "gridcolor": "#e4e7eb",
            "zeroline": False,
        },
        legend={"orientation": "h", "x": 0, "y": -0.14, "yanchor": "top"},
    )
    return {"data": traces, "layout": layout, "config": dict(figures.CONFIG)}


def rank_figure(frame: pd.DataFrame, language: Language) -> figures.Figure | None:
    """Spearman's rank correlation between the cercles' risk and the capacity reaching them,
    per year (−1 to 1; gaps where undefined)."""
    if frame.empty:
        return None
    t = _translator(language)
    years = [int(y) for y in frame["year"]]
    values = [service.number(v) for v in frame["rank_correlation"]]
    name = t("planning.alignment.rank")
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "x": years,
        "y": values,
        "name": name,
        "line": {"color": CHART_COLOURS["rank"], "width": 2},
        "marker": {"size": 8},
        "customdata": [
            [str(y), "–" if v is None else i18n.number(v, language, 2)]
            for y, v in zip(years, values, strict=True)
        ],
        "hovertemplate": f"<b>{name}</b><br>%{{customdata[0]}}{_colon(language)}"
        "%{customdata[1]}<extra></extra>",
    }
    layout = _layout(
        language,
        280,
        xaxis=_year_axis(years),
        yaxis={
            "title": {"text": t("planning.alignment.rank_axis")},
            "range": [-1.05, 1.05],
            "gridcolor": "#e4e7eb",
            "zeroline": True,
            "zerolinecolor": "#9aa5b1",
        },
        showlegend=False,
    )
    return {"data": [trace], "layout": layout, "config": dict(figures.CONFIG)}


@router.get("/planning/alignment", response_class=HTMLResponse)
def alignment_page(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    years: QueryText = None,
    reach_km: QueryText = None,
    force_protection: QueryText = None,
    risk: QueryText = None,
) -> HTMLResponse:
    """Alignment over time: per year, the share of VAC within reach of the sites held that
    year, the rank correlation and the high-risk cercles out of reach; CSV download."""
    language = principal.language
    t = _translator(language)
    state = FormState(
        {
            "years": years or "",
            "reach_km": reach_km or "",
            "force_protection": force_protection or "",
            "risk": risk or "",
        }
    )
    reader = Reader(state, language)
    context: dict[str, Any] = {"tab": "alignment", "state": state, "rows": None}
    with store_of(request).reading() as connection:
        span = service.deployment_span(request, connection)
        context["span"] = span
        if span is None:
            return render(request, "planning/alignment.html", principal, **context)
        chosen: list[int] = []
        if state.values["years"].strip():
            try:
                chosen = service.check_years(state.values["years"])
            except ValueError:
                state.errors["years"] = t(
                    "planning.error.years",
                    value=state.values["years"][:40],
                    most=service.MAX_YEARS,
                    first=service.FIRST_YEAR,
                    last=service.LAST_YEAR,
                )
        else:
            first, last = span.default_years
            chosen = list(range(first, last + 1))
        reach, force, measure = read_common(reader, service.RISK_MEASURES)
        if state.errors:
            return render(
                request,
                "planning/alignment.html",
                principal,
                status_code=HTTP_422_UNPROCESSABLE_CONTENT,
                **context,
            )
        try:
            frame = service.alignment_frame(
                request, connection, chosen, reach, force, measure, language
            )
        except ValueError as exc:
            name, message = engine_problem(str(exc), language)
            state.errors[name] = message
            return render(
                request,
                "planning/alignment.html",
                principal,
                status_code=HTTP_422_UNPROCESSABLE_CONTENT,
                **context,
            )
    state.values.update(
        years=service.years_text(chosen),
        reach_km=f"{reach:g}",
        force_protection=f"{force:g}",
        risk=measure,
    )
    query = urlencode(
        {
            "years": service.years_text(chosen),
            "reach_km": reach,
            "force_protection": force,
            "risk": measure,
            "lang": language,
        }
    )
    rows = [
        {
            "year": r.year,
            "sites": i18n.number(r.sites, language),
            "troops": i18n.number(r.troops, language),
            "deployable": i18n.number(r.deployable, language),
            "areas_reached": i18n.number(r.areas_reached, language),
            "vac_events": amount(r.vac_events, language),
            "events_share": share_text(r.vac_events_within_reach, language),
            "vac_fatalities": amount(r.vac_fatalities, language),
            "fatalities_share": share_text(r.vac_fatalities_within_reach, language),
            "rank": "–"
            if r.rank_correlation is None
            else i18n.number(r.rank_correlation, language, 2),
            "out_of_reach": ", ".join(r.high_risk_out_of_reach) or "–",
        }
        for r in service.alignment_rows(frame)
    ]
    context.update(
        rows=rows,
        shares=share_figure(frame, language),
        ranks=rank_figure(frame, language),
        years_text=service.years_text(chosen).replace(":", "–"),
        risk_label=t(f"planning.risk.{measure}"),
        areas=int(frame.attrs.get("areas", 0)),
        csv_url=f"/api/v1/planning/alignment.csv?{query}",
        api_url=f"/api/v1/planning/alignment?{query}",
    )
    return render(request, "planning/alignment.html", principal, **context)


# --- the optimiser ---------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:100] if isinstance(value, str) else ""


def default_state(month: str = "") -> FormState:
    return FormState(
        {
            "month": month,
            "risk": "events",
            "period_months": str(DEFAULT_PERIOD_MONTHS),
            "units": "",
            "unit_size": f"{DEFAULT_UNIT_SIZE:g}",
            "force_protection": f"{DEFAULT_FORCE_PROTECTION:g}",
            "reach_km": f"{DEFAULT_REACH_KM:g}",
            "minimum": "0",
            "temporary_bases": "0",
            "add_units": "0",
            "hold_back": "0",
        },
        checked={"rainy": False, "by_population": True},
    )


def read_plan_form(
    state: FormState, default: pd.Period | None, sites: Sequence[str], language: Language
) -> PlanOptions | None:
    """The optimiser's form as :class:`PlanOptions`, or None with the problems in ``state``."""
    reader = Reader(state, language)
    t = _translator(language)
    month = reader.month("month", default)
    reach, force, risk = read_common(reader, service.PLAN_RISKS)
    period = reader.whole(
        "period_months",
        DEFAULT_PERIOD_MONTHS,
        1,
        service.MAX_PERIOD_MONTHS,
        message="planning.error.range",
    )
    units = reader.whole("units", None, 0, service.MAX_UNITS, message="planning.error.range")
    unit_size = reader.real(
        "unit_size",
        DEFAULT_UNIT_SIZE,
        0,
        service.MAX_UNIT_SIZE,
        low_open=True,
        message="planning.error.unit_size",
    )
    minimum = reader.whole("minimum", 0, 0, service.MAX_MINIMUM, message="planning.error.range")
    bases = reader.whole(
        "temporary_bases", 0, 0, service.MAX_TEMPORARY_BASES, message="planning.error.range"
    )
    extra = reader.whole(
        "add_units", 0, -service.MAX_UNITS, service.MAX_UNITS, message="planning.error.range"
    )
    hold_back = reader.real("hold_back", 0.0, 0, 1, message="planning.error.hold_back")
    if len(state.close) > service.MAX_CLOSED:
        state.errors["close"] = t("planning.error.too_many_sites", most=service.MAX_CLOSED)
    elif sites and "month" not in state.errors:
        known = {s.casefold() for s in sites}
        unknown = [name for name in state.close if name.strip().casefold() not in known]
        if unknown:
            state.errors["close"] = t(
                "planning.error.unknown_site", detail=", ".join(u[:60] for u in unknown)
            )
    if state.errors or month is None:
        return None
    return PlanOptions(
        month=month,
        risk=risk,
        period_months=period or DEFAULT_PERIOD_MONTHS,
        by_population=state.checked.get("by_population", False),
        units=units,
        unit_size=unit_size,
        force_protection=force,
        reach_km=reach,
        minimum=minimum or 0,
        temporary_bases=bases or 0,
        close=tuple(name.strip() for name in state.close),
        add_units=extra or 0,
        hold_back=hold_back,
        rainy=state.checked.get("rainy", False),
    )


def _site_names(
    request: Request, month: pd.Period | None, force: float = DEFAULT_FORCE_PROTECTION
) -> list[str]:
    """The names of the sites held in ``month`` (for the "close" choices)."""
    if month is None:
        return []
    with store_of(request).reading() as connection:
        start = month.start_time.date()
        posture = load_posture(connection, start, month.end_time.date(), force)
    return sorted({s.name for s in posture.sites}, key=str.casefold)


def unit_rows(result: NamedPlan, language: Language) -> list[dict[str, Any]]:
    """The explanation table: one row per placed unit."""
    rows = []
    for i, unit in enumerate(result.units(), start=1):
        rows.append(
            {
                "unit": i,
                "site": unit.site,
                "temporary": unit.temporary,
                "required": unit.required,
                "covers": ", ".join(unit.covers) or "–",
                "covers_alone": ", ".join(unit.covers_alone) or "–",
                "risk_added": amount(unit.risk_added, language),
                "risk_added_value": unit.risk_added,
                "next_site": unit.next_site or "–",
                "next_risk": amount(unit.next_risk, language) if unit.next_site else "–",
            }
        )
    return rows


def _optimise_page(
    request: Request,
    principal: Principal,
    state: FormState,
    sites: Sequence[str],
    month: pd.Period | None,
    result: NamedPlan | None = None,
    options: PlanOptions | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = principal.language
    t = _translator(language)
    context: dict[str, Any] = {
        "tab": "optimise",
        "state": state,
        "sites": sites,
        "risks": [(code, t(f"planning.risk.{code}")) for code in service.PLAN_RISKS],
        "month_text": month_name(month, language) if month is not None else "",
        "result": None,
    }
    if result is not None and options is not None:
        with store_of(request).reading() as connection:
            geojson = units_geojson(connection, "admin2", MAP_TOLERANCE)
        out = service.plan_out(result, options)
        context.update(
            result=out,
            figure=plan_map(geojson, result, language) if geojson["features"] else None,
            units=unit_rows(result, language),
            covered_text=amount(out.objective, language),
            total_text=amount(out.total, language),
            share=share_text(out.share, language),
            posture_text=amount(out.posture_coverage, language),
            posture_share=share_text(out.posture_share, language),
            gap_text="–" if out.gap is None else i18n.percent(out.gap, language),
            seconds_text=i18n.number(out.seconds, language, 2),
            status_text=t(f"planning.status.{out.status}")
            if out.status in ("optimal", "time_limit", "no_solution")
            else out.status,
            risk_label=t(f"planning.risk.{options.risk}"),
            reach_text=i18n.number(out.reach_km, language, 1 if out.reach_km % 1 else 0),
        )
    return render(request, "planning/optimise.html", principal, status_code=status_code, **context)


def _default_month(request: Request) -> pd.Period | None:
    with store_of(request).reading() as connection:
        span = service.deployment_span(request, connection)
    return span.default_month if span is not None else None


@router.get("/planning/optimise", response_class=HTMLResponse)
def optimise_form(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    month: QueryText = None,
) -> HTMLResponse:
    """The optimiser's form (its button only for roles that may run plans); ``?month=`` chooses
    the month whose sites may be closed."""
    default = _default_month(request)
    state = default_state(month or (str(default) if default is not None else ""))
    chosen = Reader(state, principal.language).month("month", default)
    sites = _site_names(request, chosen)
    status = HTTP_422_UNPROCESSABLE_CONTENT if state.errors else 200
    return _optimise_page(request, principal, state, sites, chosen, status_code=status)


async def read_posted_plan(
    request: Request, language: Language
) -> tuple[FormState, list[str], pd.Period | None, PlanOptions | None]:
    """The optimiser's posted form: its state, the month's sites, the month, and the checked
    options (None with the problems in the state)."""
    form = await request.form()
    state = FormState(
        {name: _text(form, name) for name in FORM_FIELDS},
        close=[v[:200] for v in form.getlist("close") if isinstance(v, str) and v.strip()],
        checked={name: _text(form, name) in ("1", "on", "true") for name in CHECKBOXES},
    )
    default = await run_in_threadpool(_default_month, request)
    probe = FormState(dict(state.values))
    month = Reader(probe, language).month("month", default)
    sites = await run_in_threadpool(_site_names, request, month)
    if month is not None and not state.values["month"].strip():
        state.values["month"] = str(month)
    return state, sites, month, read_plan_form(state, default, sites, language)


def optimise_page(
    request: Request,
    principal: Principal,
    state: FormState,
    sites: Sequence[str],
    month: pd.Period | None,
    status_code: int,
) -> HTMLResponse:
    """The optimiser's form again, with the problems in ``state``."""
    return _optimise_page(request, principal, state, sites, month, status_code=status_code)


@router.post("/planning/optimise", response_class=HTMLResponse)
async def optimise_run(
    request: Request, principal: Principal = Depends(Require("run_plans"))
) -> HTMLResponse:
    """Run the optimiser on the form's values and show the plan; problems are shown beside
    their fields with what was typed kept."""
    language = principal.language
    state, sites, month, options = await read_posted_plan(request, language)
    store = store_of(request)
    if options is None:
        return _optimise_page(
            request, principal, state, sites, month, status_code=HTTP_422_UNPROCESSABLE_CONTENT
        )
    try:
        result = await run_in_threadpool(service.run_plan, store, options, language)
    except ValueError as exc:
        name, message = engine_problem(str(exc), language)
        state.errors[name] = message
        return _optimise_page(
            request, principal, state, sites, month, status_code=HTTP_422_UNPROCESSABLE_CONTENT
        )
    return _optimise_page(request, principal, state, sites, month, result, options)
