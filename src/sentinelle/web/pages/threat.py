"""The threat analysis pages: the threat map (``/threat``), a saved assessment's threat matrix
with the advisers' notes (``/threat/assessments/{id}``), an area's threat profile
(``/threat/areas/{unit}``) and the comparison of two assessments (``/threat/compare``).

The numbers come from the same functions as the API (``web/api/threat.py``); these pages only
label, filter, sort and draw them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.status import HTTP_303_SEE_OTHER

from sentinelle.domain.threat import RISK_LEVELS, responses, scale, threat_types
from sentinelle.domain.vocabulary import Language, event_type_label, sub_event_type_label
from sentinelle.explore.overview import units_geojson
from sentinelle.explore.search import name_key
from sentinelle.geo.crosswalk import menaka_2016
from sentinelle.store import assessments as assessment_store
from sentinelle.store.assessments import AssessmentRecord
from sentinelle.threat import export
from sentinelle.threat.actors import actor_families
from sentinelle.threat.matrix import area_risk
from sentinelle.web import figures, i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.api import threat as service
from sentinelle.web.api.schemas import MAX_ID
from sentinelle.web.api.threat import UNIT_KINDS, NoteIn, UnitKind
from sentinelle.web.components import Column, TablePage
from sentinelle.web.rendering import render

router = APIRouter()

MAP_TOLERANCE = 0.01
"""Simplification of the maps, in degrees (as on the overview)."""
PAGE_SIZES = (25, 50, 100, 250, 500)
SAVED_SHOWN = 100
RISK_COLOURS = {
    "none": "#eef0f2",
    "low": "#fdd49e",
    "moderate": "#fc8d59",
    "high": "#d7301f",
    "very_high": "#7f0000",
}
"""Map colours of the risk levels (ColorBrewer OrRd steps: they darken steadily, so the map
reads in grey on paper); areas without a threat in the matrix are pale grey."""
CHANGE_SCALE = [[0.0, "#2166ac"], [0.5, "#f7f7f7"], [1.0, "#b2182b"]]
"""Diverging scale of a change in risk: blue lower, red higher."""
THREAT_COLOURS = ["#D55E00", "#CC79A7", "#000000", "#E69F00", "#0072B2", "#009E73"]
"""Okabe–Ito colours, one per threat type in vocabulary order."""
CHANGES = ("new", "higher", "lower", "gone", "same")
CHANGE_CHOICES = ("changed", *CHANGES, "all")
"""The comparison's change filter: ``changed`` (the default) is every change but ``same``."""
COMPARE_PAGE_SIZE = 50
NOTE_KEYS = ("area", "region", "family", "threat_type", "risk_level", "sort", "page", "page_size")
"""Query parameters of the matrix page kept when a note is saved."""

PathId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Text = Annotated[str | None, Query(max_length=40)]


def _label(terms: Mapping[str, Any], code: Any, language: Language) -> str:
    return export.term_label(dict(terms), code, language)


def family_label(code: Any, language: Language) -> str:
    return _label(actor_families(), code, language)


def threat_label(code: Any, language: Language) -> str:
    return _label(threat_types(), code, language)


def risk_label(code: Any, language: Language) -> str:
    return _label(export.risk_terms(), code, language)


def class_label(name: str, value: Any, language: Language) -> str:
    """``4 · Likely`` for a likelihood or severity class."""
    if value is None:
        return "–"
    terms = {c.code: c for c in scale(name)}
    term = terms.get(str(value))
    return f"{value} · {term.label(language)}" if term else str(value)


def _region_of(unit: str, unit_kind: str) -> str:
    return unit[:4] if unit_kind == "admin2" else unit


def month_text(month: str, language: Language) -> str:
    """``décembre 2018`` / ``December 2018`` from ``2018-12`` (empty stays empty)."""
    return figures.month_label(pd.Period(month, freq="M"), language, "MMMM y") if month else ""


def profile_url(unit: str, unit_kind: str, found: AssessmentRecord | None, month: str) -> str:
    """An area's profile: at the assessment when the area is of its kind, else live."""
    if found is not None and found.unit_kind == unit_kind:
        return f"/threat/areas/{unit}?assessment={found.id}"
    return f"/threat/areas/{unit}?as_of={month}"


# --- maps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRisk:
    """An area's highest risk and the threat behind it."""

    unit: str
    name: str
    risk_level: str
    risk_score: int
    actor_family: str
    threat_type: str
    threats: int
    url: str


def area_risks(
    rows: pd.DataFrame,
    level: UnitKind,
    rows_kind: str,
    names: Mapping[str, str],
    found: AssessmentRecord | None,
    month: str,
) -> list[AreaRisk]:
    """Per area of ``level``, the highest risk of the matrix ``rows`` (by ``rows_kind``):
    cercles' rows count in their region on the region map. Highest risk first."""
    if rows.empty:
        return []
    frame = rows[["unit", "risk_score", "risk_level", "likelihood", "actor_family", "threat_type"]]
    frame = frame.copy()
    if level == "admin1" and rows_kind == "admin2":
        frame["unit"] = frame["unit"].astype(str).str[:4]
    frame["risk_level"] = frame["risk_level"].astype(str)
    table = area_risk(frame).sort_values(["risk_score", "threats"], ascending=False, kind="stable")
    return [
        AreaRisk(
            unit=str(r.unit),
            name=names.get(str(r.unit), str(r.unit)),
            risk_level=str(r.risk_level),
            risk_score=int(r.risk_score),
            actor_family=str(r.actor_family),
            threat_type=str(r.threat_type),
            threats=int(r.threats),
            url=profile_url(str(r.unit), level, found, month),
        )
        for r in table.itertuples(index=False)
    ]


def _feature_area(pcode: str, known: Mapping[str, Any]) -> str | None:
    """The area of the matrix a map feature shows (its own code, or the pre-2016 unit it lies
    in: the 2016 Ménaka cercles show ML0704)."""
    if pcode in known:
        return pcode
    older = menaka_2016().pre2016(pcode)
    return older if older in known else None


def _colon(language: Language) -> str:
    return "\u00a0: " if language == "fr" else ": "


def risk_map(
    geojson: Mapping[str, Any],
    areas: Sequence[AreaRisk],
    level: UnitKind,
    found: AssessmentRecord | None,
    month: str,
    language: Language,
) -> figures.Figure:
    """The map of the highest risk per area on the discrete risk scale (a grey class for
    areas without a threat in the matrix); hovering shows the top threat, clicking opens the
    area's profile."""
    t = _translator(language)
    by_unit = {a.unit: a for a in areas}
    codes = ("none", *RISK_LEVELS)
    values: dict[str, int] = {}
    customdata: dict[str, list[Any]] = {}
    for feature in geojson.get("features", []):
        properties = feature.get("properties", {})
        pcode = str(properties.get("pcode", ""))
        area_code = _feature_area(pcode, by_unit)
        area = by_unit.get(area_code) if area_code else None
        name = str(properties.get(f"name_{language}") or properties.get("name_fr") or pcode)
        if area is None:
            values[pcode] = 0
            text = t("threat.map.no_threat")
            level_text = t("threat.risk.none")
            url = profile_url(pcode, level, found, month)
        else:
            values[pcode] = codes.index(area.risk_level)
            level_text = risk_label(area.risk_level, language)
            text = t(
                "threat.map.top",
                family=family_label(area.actor_family, language),
                threat=threat_label(area.threat_type, language),
                score=area.risk_score,
                threats=i18n.number(area.threats, language),
            )
            url = area.url
        customdata[pcode] = [pcode, properties.get("parent"), name, level_text, text, url]
    label = t("threat.map.legend")
    figure = figures.choropleth(geojson, values, {}, label, language)
    steps: list[list[Any]] = []
    for index, code in enumerate(codes):
        steps += [
            [index / len(codes), RISK_COLOURS[code]],
            [(index + 1) / len(codes), RISK_COLOURS[code]],
        ]
    for trace in figure["data"]:
        trace["customdata"] = [customdata[p] for p in trace["locations"]]
        trace["hovertemplate"] = (
            "<b>%{customdata[2]}</b><br>" + label + _colon(language) + "%{customdata[3]}<br>"
            "%{customdata[4]}<extra></extra>"
        )
        trace.update(colorscale=steps, zmin=-0.5, zmax=len(codes) - 0.5)
        colorbar = trace.get("colorbar")
        if colorbar is not None:
            colorbar.pop("tickformat", None)
            colorbar.update(
                tickmode="array",
                tickvals=list(range(len(codes))),
                ticktext=[t("threat.risk.none")] + [risk_label(c, language) for c in RISK_LEVELS],
            )
    return figure


def change_map(
    geojson: Mapping[str, Any],
    before: Mapping[str, int],
    after: Mapping[str, int],
    names: Mapping[str, str],
    urls: Mapping[str, str],
    language: Language,
) -> figures.Figure:
    """The change of each area's highest risk score between two assessments, on a diverging
    scale (red: higher, blue: lower); areas without a threat in either count 0."""
    t = _translator(language)
    known = {**before, **after}
    values: dict[str, int] = {}
    customdata: dict[str, list[Any]] = {}
    for feature in geojson.get("features", []):
        properties = feature.get("properties", {})
        pcode = str(properties.get("pcode", ""))
        area = _feature_area(pcode, known) or pcode
        old, new = before.get(area, 0), after.get(area, 0)
        values[pcode] = new - old
        text = t("threat.compare.map.hover", before=old, after=new, change=f"{new - old:+d}")
        name = str(properties.get(f"name_{language}") or names.get(area) or pcode)
        customdata[pcode] = [pcode, properties.get("parent"), name, "", text, urls.get(area, "")]
    label = t("threat.compare.map.legend")
    figure = figures.choropleth(geojson, values, {}, label, language)
    top = max([1, *(abs(v) for v in values.values())])
    for trace in figure["data"]:
        trace["customdata"] = [customdata[p] for p in trace["locations"]]
        trace["hovertemplate"] = "<b>%{customdata[2]}</b><br>%{customdata[4]}<extra></extra>"
        trace.update(colorscale=CHANGE_SCALE, zmin=-top, zmax=top)
    return figure


def series_figure(profile: service.AreaProfileOut, language: Language) -> figures.Figure:
    """Threat events per month by threat type (stacked bars, labelled in ``language``)."""
    months = pd.PeriodIndex([pd.Period(m, freq="M") for m in profile.series.months], freq="M")
    frame = pd.DataFrame(
        {s.threat_type: s.values for s in profile.series.types}, index=months, dtype="int64"
    )
    figure = figures.time_series(frame, language, _translator(language)("threat.area.series.axis"))
    order = list(threat_types())
    for trace, series in zip(figure["data"], profile.series.types, strict=True):
        label = series.label_fr if language == "fr" else series.label_en
        trace["hovertemplate"] = trace["hovertemplate"].replace(
            f"<b>{trace['name']}</b>", f"<b>{label}</b>"
        )
        trace["name"] = label
        colour = THREAT_COLOURS[order.index(series.threat_type) % len(THREAT_COLOURS)]
        trace["marker"]["color"] = colour
    return figure


def _translator(language: Language) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return i18n.translate(key, language, **values)

    return t


def legend(language: Language) -> list[dict[str, str]]:
    """The risk levels with their colours and meanings, for the legend under a map."""
    t = _translator(language)
    entries = [
        {
            "code": c.code,
            "label": c.label(language),
            "meaning": c.meaning(language),
            "colour": RISK_COLOURS[c.code],
        }
        for c in reversed(scale("risk"))
    ]
    entries.append(
        {
            "code": "none",
            "label": t("threat.risk.none"),
            "meaning": t("threat.map.no_threat"),
            "colour": RISK_COLOURS["none"],
        }
    )
    return entries


# --- the threat map --------------------------------------------------------------------------


def _saved_options(saved: Iterable[AssessmentRecord], language: Language) -> list[dict[str, Any]]:
    t = _translator(language)
    return [
        {
            "id": r.id,
            "label": t(
                "threat.saved.option",
                id=r.id,
                month=service.month_of(r),
                kind=t(f"threat.level.{r.unit_kind}"),
                title=r.title or "",
            ).rstrip(" ·"),
        }
        for r in saved
    ]


def _map_page(
    request: Request,
    principal: Principal,
    assessment: int | None = None,
    live_view: bool = False,
    as_of: str | None = None,
    level: UnitKind | None = None,
    status_code: int = 200,
    error: str | None = None,
    form: Mapping[str, str] | None = None,
) -> HTMLResponse:
    language = principal.language
    store = store_of(request)
    with store.reading() as connection:
        saved = assessment_store.list_all(connection, SAVED_SHOWN)
        months = service.data_months(request, connection)
        found = None
        if not live_view and (assessment is not None or saved):
            chosen = assessment if assessment is not None else saved[0].id
            found = service.stored(request, connection, chosen)
        level_note = False
        if found is not None:
            rows, rows_kind = found.rows, found.record.unit_kind
            month = service.month_of(found.record)
            shown: UnitKind = level or ("admin1" if rows_kind == "admin1" else "admin2")
            if rows_kind == "admin1" and shown == "admin2":
                shown, level_note = "admin1", True
        elif months is not None:
            shown = level or "admin2"
            period = service.check_month(request, connection, as_of)
            rows = service.live(request, connection, period, shown).matrix
            rows_kind, month = shown, str(period)
        else:
            shown, rows, rows_kind, month = level or "admin2", pd.DataFrame(), "admin2", ""
        names = service.unit_names(request, connection, shown, language)
        geojson = units_geojson(connection, shown, MAP_TOLERANCE)
    record = found.record if found is not None else None
    areas = area_risks(rows, shown, rows_kind, names, record, month)
    figure = (
        risk_map(geojson, areas, shown, record, month, language) if geojson["features"] else None
    )
    t = _translator(language)
    area_rows = [
        {
            "unit": a.unit,
            "area": a.name,
            "url": a.url,
            "risk": risk_label(a.risk_level, language),
            "risk_level": a.risk_level,
            "score": a.risk_score,
            "top": " — ".join(
                (family_label(a.actor_family, language), threat_label(a.threat_type, language))
            ),
            "threats": a.threats,
        }
        for a in areas
    ]
    first, last = (str(months[0]), str(months[1])) if months else ("", "")
    return render(
        request,
        "threat/map.html",
        principal,
        status_code=status_code,
        found=found,
        record=record,
        month=month,
        month_text=month_text(month, language),
        level=shown,
        levels=UNIT_KINDS,
        level_note=level_note,
        live_view=found is None,
        saved=_saved_options(saved, language),
        figure=figure,
        legend=legend(language),
        areas=area_rows,
        first_month=first,
        last_month=last,
        error=error,
        form=form or {"as_of": last, "unit_kind": "admin2", "title": ""},
        citation=export.citation(record.id, record.revision) if record else "",
        level_label=t(f"threat.level.{shown}"),
        approximate=any(f["properties"].get("approximate") for f in geojson["features"]),
    )


@router.get("/threat", response_class=HTMLResponse)
def threat_map(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    assessment: Annotated[str | None, Query(max_length=12, pattern=r"^\d*$")] = None,
    live: Annotated[bool, Query(description="show the live matrix, not a saved one")] = False,
    as_of: Annotated[str | None, Query(max_length=7)] = None,
    level: Annotated[UnitKind | None, Query()] = None,
) -> HTMLResponse:
    """The risk to civilians by area: a saved assessment (the newest by default) or, when none
    is saved or ``live`` is asked, the matrix computed now for a month."""
    chosen = int(assessment) if assessment else None
    if chosen is not None and not 1 <= chosen <= MAX_ID:
        raise service.unprocessable(f"assessment: expected an id from 1 to {MAX_ID}")
    return _map_page(request, principal, chosen, live, as_of or None, level)


@router.post("/threat/assessments")
def create_page(
    request: Request,
    principal: Principal = Depends(Require("edit_assessments")),
    as_of: Annotated[str, Form(max_length=20)] = "",
    unit_kind: Annotated[str, Form(max_length=20)] = "admin2",
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The form "new assessment for month M": compute, save, and open it."""
    form = {"as_of": as_of, "unit_kind": unit_kind, "title": title}
    try:
        if not as_of.strip():
            raise service.unprocessable(
                i18n.translate("threat.create.month_missing", principal.language)
            )
        kind: UnitKind = "admin1" if unit_kind == "admin1" else "admin2"
        if unit_kind not in UNIT_KINDS:
            raise service.unprocessable(f"unit_kind: expected admin2 or admin1, not {unit_kind!r}")
        if service.CONTROL.search(title.replace("\n", " ")):
            raise service.unprocessable("title: control characters are not allowed")
        assessment_id = service.create(request, principal, as_of.strip(), kind, title)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        return _map_page(request, principal, status_code=422, error=str(exc.detail), form=form)
    return RedirectResponse(f"/threat/assessments/{assessment_id}", status_code=HTTP_303_SEE_OTHER)


# --- the threat matrix -----------------------------------------------------------------------

SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "area": lambda r: name_key(r["area"]),
    "family": lambda r: name_key(r["family_label"]),
    "threat": lambda r: name_key(r["threat_label"]),
    "likelihood": lambda r: (r["likelihood_class"], r["likelihood"]),
    "severity": lambda r: (r["severity_class"], r["severity_value"]),
    "risk": lambda r: r["risk_score"],
    "trend": lambda r: (
        ("insufficient", "decreasing", "stable", "increasing").index(r["trend"])
        if r["trend"] in ("insufficient", "decreasing", "stable", "increasing")
        else None
    ),
    "population": lambda r: r["population"],
    "hotspot": lambda r: r["hotspot_label"] or None,
    "events_3m": lambda r: r["events_3m"],
    "events_12m": lambda r: r["events_12m"],
    "fatalities_12m": lambda r: r["fatalities_12m"],
}
DEFAULT_SORT = "-risk"


def sort_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Rows sorted by a key of :data:`SORTS` (``-`` descending); ties keep the matrix order
    (highest risk first) and missing values go last."""
    key = sort.lstrip("-")
    if key not in SORTS or sort.count("-") > 1:
        raise service.unprocessable(
            f"sort: unknown {sort!r}; expected one of {', '.join(SORTS)}, with a leading '-' "
            "for descending"
        )
    ordered = sorted(rows, key=lambda r: r["position"] or 0)
    value = SORTS[key]
    present = [r for r in ordered if value(r) is not None]
    missing = [r for r in ordered if value(r) is None]
    return sorted(present, key=value, reverse=sort.startswith("-")) + missing


def matrix_rows(
    records: Sequence[dict[str, Any]],
    unit_kind: str,
    names: Mapping[str, str],
    language: Language,
) -> list[dict[str, Any]]:
    """Matrix records with their labels in ``language`` (for the page's table)."""
    phases, tiers = responses()["phase"], responses()["tier"]
    out = []
    for r in records:
        unit = str(r["unit"])
        chosen_tiers = r["response_tiers"].split("|") if r.get("response_tiers") else []
        trend = export.TREND_TERMS.get(str(r["trend"])) if r["trend"] else None
        hotspot = export.HOTSPOT_TERMS.get(str(r["hotspot_class"])) if r["hotspot_class"] else None
        out.append(
            {
                **r,
                "area": names.get(unit) or r["unit_name"] or unit,
                "region": _region_of(unit, unit_kind),
                "family_label": family_label(r["actor_family"], language),
                "threat_label": threat_label(r["threat_type"], language),
                "likelihood_label": class_label("likelihood", r["likelihood_class"], language),
                "severity_label": class_label("severity", r["severity_class"], language),
                "risk_label": risk_label(r["risk_level"], language),
                "trend_label": trend.label(language) if trend else (r["trend"] or "–"),
                "trend_meaning": trend.meaning(language) if trend else "",
                "hotspot_label": hotspot.label(language) if hotspot else "",
                "hotspot_meaning": hotspot.meaning(language) if hotspot else "",
                "tiers": chosen_tiers,
                "tier_labels": [tiers[c].label(language) for c in chosen_tiers if c in tiers],
                "phase_label": phases[r["response_phase"]].label(language)
                if r.get("response_phase") in phases
                else "",
            }
        )
    return out


@dataclass(frozen=True)
class MatrixFilters:
    """The matrix page's filters (empty: everything)."""

    area: str | None = None
    region: str | None = None
    family: str | None = None
    threat_type: str | None = None
    risk_level: str | None = None

    def keep(self, row: Mapping[str, Any]) -> bool:
        return (
            (not self.area or row["unit"] == self.area)
            and (not self.region or row["region"] == self.region)
            and (not self.family or row["actor_family"] == self.family)
            and (not self.threat_type or row["threat_type"] == self.threat_type)
            and (not self.risk_level or row["risk_level"] == self.risk_level)
        )

    def check(self) -> None:
        if self.risk_level and self.risk_level not in RISK_LEVELS:
            raise service.unprocessable(
                f"risk_level: unknown {self.risk_level!r}; expected one of {', '.join(RISK_LEVELS)}"
            )
        if self.threat_type and self.threat_type not in threat_types():
            raise service.unprocessable(
                f"threat_type: unknown {self.threat_type!r}; expected one of "
                f"{', '.join(threat_types())}"
            )
        if self.family and self.family not in actor_families():
            raise service.unprocessable(
                f"family: unknown {self.family!r}; expected one of {', '.join(actor_families())}"
            )


def _choices(rows: Sequence[Mapping[str, Any]], code: str, label: str) -> list[tuple[str, str]]:
    found = {str(r[code]): str(r[label]) for r in rows}
    return sorted(found.items(), key=lambda item: name_key(item[1]))


MATRIX_COLUMNS = [
    ("area", "threat.col.area"),
    ("family", "threat.col.family"),
    ("threat", "threat.col.threat_type"),
    ("likelihood", "threat.col.likelihood"),
    ("severity", "threat.col.severity"),
    ("risk", "threat.col.risk"),
    ("trend", "threat.col.trend"),
    ("population", "threat.col.population"),
    ("hotspot", "threat.col.hotspot"),
    ("events_3m", "threat.col.events_3m"),
    ("events_12m", "threat.col.events_12m"),
    ("fatalities_12m", "threat.col.fatalities_12m"),
]
"""(sort key, heading) of the matrix table's columns."""


@router.get("/threat/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(
    request: Request,
    assessment_id: PathId,
    principal: Principal = Depends(Require("view_events")),
    revision: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    area: Text = None,
    region: Text = None,
    family: Text = None,
    threat_type: Text = None,
    risk_level: Text = None,
    sort: Annotated[str, Query(max_length=20)] = DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=max(PAGE_SIZES))] = 50,
    saved: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> HTMLResponse:
    """A saved assessment's threat matrix at a revision, filtered and sorted, with the notes
    (editable by advisers on the latest revision), its revisions and exports."""
    language = principal.language
    filters = MatrixFilters(area, region, family, threat_type, risk_level)
    filters.check()
    with store_of(request).reading() as connection:
        found = service.stored(request, connection, assessment_id, revision)
        record = found.record
        kind: UnitKind = "admin1" if record.unit_kind == "admin1" else "admin2"
        names = service.unit_names(request, connection, kind, language)
        region_names = service.unit_names(request, connection, "admin1", language)
        log = export.revision_log(connection, assessment_id)
    everything = matrix_rows(export.matrix_records(found), kind, names, language)
    for row in everything:
        row["profile_url"] = profile_url(row["unit"], kind, record, service.month_of(record))
    chosen = [r for r in everything if filters.keep(r)]
    chosen = sort_rows(chosen, sort)
    total = len(chosen)
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    shown = chosen[(page - 1) * page_size : page * page_size]
    by_row = {r["row_id"]: r for r in everything}
    revisions = [
        {
            "revision": e.revision,
            "row": by_row.get(e.row_id),
            "by": e.by,
            "at": e.at,
        }
        for e in reversed(log)
    ]
    latest = found.revision == record.revision
    return render(
        request,
        "threat/assessment.html",
        principal,
        found=found,
        record=record,
        month=service.month_of(record),
        month_text=month_text(service.month_of(record), language),
        revision=found.revision,
        latest=latest,
        citation=export.citation(record.id, found.revision),
        rows=shown,
        total=total,
        all_rows=len(everything),
        page=page,
        pages=pages,
        page_size=page_size,
        page_sizes=PAGE_SIZES,
        sort=sort,
        columns=MATRIX_COLUMNS,
        filters=filters,
        areas=_choices(everything, "unit", "area"),
        regions=sorted(
            {(r["region"], region_names.get(r["region"], r["region"])) for r in everything},
            key=lambda item: name_key(item[1]),
        ),
        families=_choices(everything, "actor_family", "family_label"),
        threat_types=_choices(everything, "threat_type", "threat_label"),
        risk_levels=[(c, risk_label(c, language)) for c in reversed(RISK_LEVELS)],
        tiers=[(code, term.label(language)) for code, term in responses()["tier"].items()],
        phases=[(code, term.label(language)) for code, term in responses()["phase"].items()],
        revisions=revisions,
        editable=latest and principal.can("edit_assessments"),
        back=urlencode([(k, v) for k, v in request.query_params.multi_items() if k in NOTE_KEYS]),
        saved_revision=saved,
        level_label=i18n.translate(f"threat.level.{kind}", language),
        kind=kind,
    )


def _back(text: str) -> str:
    """The matrix page's query parameters to go back to (filters, sort, page only)."""
    kept = [(k, v) for k, v in parse_qsl(text or "")[:20] if k in NOTE_KEYS and len(v) <= 40]
    return urlencode(kept)


@router.post("/threat/assessments/{assessment_id}/rows/{row_id}")
def note_page(
    request: Request,
    assessment_id: PathId,
    row_id: PathId,
    principal: Principal = Depends(Require("edit_assessments")),
    motive: Annotated[str, Form(max_length=service.MAX_TEXT)] = "",
    civilians_targeted: Annotated[str, Form(max_length=service.MAX_TEXT)] = "",
    response_tiers: Annotated[list[str] | None, Form()] = None,
    response_phase: Annotated[str, Form(max_length=20)] = "",
    planned_response: Annotated[str, Form(max_length=service.MAX_TEXT)] = "",
    back: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Save the notes of a row (the form on the matrix page) as a new revision, and go back to
    the matrix where it was."""
    try:
        note = NoteIn(
            motive=motive or None,
            civilians_targeted=civilians_targeted or None,
            response_tiers=[t for t in (response_tiers or []) if t] or None,  # type: ignore[misc]
            response_phase=response_phase or None,  # type: ignore[arg-type]
            planned_response=planned_response or None,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise service.unprocessable(problems) from None
    revision = service.save_note(request, principal, assessment_id, row_id, note.values())
    query = _back(back)
    target = f"/threat/assessments/{assessment_id}?{query + '&' if query else ''}saved={revision}"
    return RedirectResponse(f"{target}#row-{row_id}", status_code=HTTP_303_SEE_OTHER)


# --- an area ---------------------------------------------------------------------------------

ACTOR_COLUMNS = [
    Column("family", "threat.col.family"),
    Column("events_12m", "threat.area.col.events_12m", number=True),
    Column("fatalities_12m", "threat.area.col.fatalities_12m", number=True),
    Column("recent", "threat.area.col.recent", number=True),
    Column("prior", "threat.area.col.prior", number=True),
    Column("trend", "threat.col.trend"),
    Column("victims", "threat.area.col.victims"),
]


@router.get("/threat/areas/{unit}", response_class=HTMLResponse)
def area_page(
    request: Request,
    unit: service.UnitPath,
    principal: Principal = Depends(Require("view_events")),
    assessment: OptionalId = None,
    as_of: Annotated[str | None, Query(max_length=7)] = None,
) -> HTMLResponse:
    """An area's threat profile at a saved assessment or a month."""
    language = principal.language
    with store_of(request).reading() as connection:
        found = service.area_profile(request, connection, unit, as_of or None, assessment)
        record = service.find_record(connection, assessment) if assessment else None
        kind: UnitKind = found.unit_kind
        names = service.unit_names(request, connection, kind, language)
        regions = service.unit_names(request, connection, "admin1", language)

    def pick(en: str, fr: str) -> str:
        return fr if language == "fr" else en

    actors = TablePage(
        ACTOR_COLUMNS,
        [
            {
                "family": pick(a.label_en, a.label_fr),
                "events_12m": a.events_12m,
                "fatalities_12m": a.fatalities_12m,
                "recent": a.events_recent,
                "prior": a.events_prior,
                "trend": pick(a.trend_label_en, a.trend_label_fr),
                "victims": ", ".join(
                    f"{pick(v.label_en, v.label_fr)} ({i18n.number(v.events, language)})"
                    for v in a.victims[:4]
                ),
            }
            for a in found.actors
        ],
        total=len(found.actors),
        page=1,
        page_size=max(1, len(found.actors)),
    )
    risks = matrix_rows(
        [r.model_dump() | {"response_tiers": "|".join(r.response_tiers)} for r in found.risks],
        kind,
        names,
        language,
    )
    events = [
        {
            "id": e.id,
            "url": e.url,
            "date": e.event_date,
            "type": event_type_label(e.event_type, language)
            + (
                f" — {sub_event_type_label(e.event_type, e.sub_event_type, language)}"
                if e.sub_event_type
                else ""
            ),
            "actors": " · ".join(a for a in (e.actor1, e.actor2) if a),
            "location": e.location or "",
            "fatalities": e.fatalities,
            "notes": e.notes or "",
        }
        for e in found.latest_events
    ]
    hotspot = found.hotspot
    return render(
        request,
        "threat/area.html",
        principal,
        profile=found,
        record=record,
        name=pick(found.name_en, found.name_fr),
        region=regions.get(found.parent or "", found.parent or ""),
        level_label=i18n.translate(f"threat.level.{kind}", language),
        figure=series_figure(found, language),
        actors=actors,
        risks=risks,
        events=events,
        hotspot_label=pick(hotspot.label_en, hotspot.label_fr) if hotspot else "",
        hotspot_meaning=pick(hotspot.meaning_en, hotspot.meaning_fr) if hotspot else "",
        matrix_url=f"/threat/assessments/{record.id}?area={unit}" if record else "",
    )


# --- comparing two assessments ---------------------------------------------------------------

COMPARE_COLUMNS = [
    Column("change", "threat.compare.col.change"),
    Column("area", "threat.col.area", link="url"),
    Column("family", "threat.col.family"),
    Column("threat", "threat.col.threat_type"),
    Column("before", "threat.compare.col.before"),
    Column("after", "threat.compare.col.after"),
    Column("events_before", "threat.compare.col.events_before", number=True),
    Column("events_after", "threat.compare.col.events_after", number=True),
]


def _highest(rows: Iterable[service.CompareRowOut], after: bool, region: bool) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in rows:
        score = row.risk_score_after if after else row.risk_score_before
        if score is None:
            continue
        unit = row.unit[:4] if region else row.unit
        found[unit] = max(found.get(unit, 0), score)
    return found


@router.get("/threat/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    principal: Principal = Depends(Require("view_events")),
    first: OptionalId = None,
    second: OptionalId = None,
    change: Annotated[str, Query(max_length=10)] = "changed",
    area: Text = None,
    region: Text = None,
    family: Text = None,
    threat_type: Text = None,
    level: Annotated[UnitKind | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Two saved assessments side by side: threats new, gone, higher, lower or the same, and a
    map of the change of each area's highest risk."""
    language = principal.language
    change = change or "changed"
    if change not in CHANGE_CHOICES:
        raise service.unprocessable(
            f"change: unknown {change!r}; expected one of {', '.join(CHANGE_CHOICES)}"
        )
    filters = MatrixFilters(area, region, family, threat_type)
    filters.check()
    with store_of(request).reading() as connection:
        saved = assessment_store.list_all(connection, SAVED_SHOWN)
        if first is None and second is None and len(saved) >= 2:
            second, first = saved[0].id, saved[1].id
        result = None
        if first is not None and second is not None:
            result = service.comparison(request, connection, first, second)
        kind: UnitKind = "admin1" if result and result.second.unit_kind == "admin1" else "admin2"
        shown: UnitKind = level or kind
        if kind == "admin1":
            shown = "admin1"
        names = service.unit_names(request, connection, kind, language)
        map_names = service.unit_names(request, connection, shown, language)
        geojson = units_geojson(connection, shown, MAP_TOLERANCE) if result else {"features": []}
    rows: list[dict[str, Any]] = []
    figure = None
    counts: dict[str, int] = {}
    if result is not None:
        month = result.second.as_of
        for row in result.rows:
            region_code = _region_of(row.unit, kind)
            entry = {
                "unit": row.unit,
                "region": region_code,
                "actor_family": row.actor_family,
                "threat_type": row.threat_type,
                "risk_level": row.risk_level_after or row.risk_level_before,
            }
            wanted = (
                change == "all"
                or (change == "changed" and row.change != "same")
                or row.change == change
            )
            if not wanted or not filters.keep(entry):
                continue
            rows.append(
                {
                    "change_code": row.change,
                    "change": i18n.translate(f"threat.change.{row.change}", language),
                    "area": names.get(row.unit) or row.unit_name or row.unit,
                    "url": f"/threat/areas/{row.unit}?assessment={result.second.id}",
                    "family": family_label(row.actor_family, language),
                    "threat": threat_label(row.threat_type, language),
                    "before": _score_text(row.risk_score_before, row.risk_level_before, language),
                    "after": _score_text(row.risk_score_after, row.risk_level_after, language),
                    "events_before": row.events_12m_before,
                    "events_after": row.events_12m_after,
                }
            )
        counts = result.counts
        if geojson["features"]:
            by_region = shown == "admin1" and kind == "admin2"
            urls = {
                u: f"/threat/areas/{u}?assessment={result.second.id}"
                if shown == kind
                else f"/threat/areas/{u}?as_of={month}"
                for u in map_names
            }
            figure = change_map(
                geojson,
                _highest(result.rows, after=False, region=by_region),
                _highest(result.rows, after=True, region=by_region),
                map_names,
                urls,
                language,
            )
    everything = result.rows if result else []
    return render(
        request,
        "threat/compare.html",
        principal,
        result=result,
        saved=_saved_options(saved, language),
        first=first,
        second=second,
        change=change,
        changes=CHANGES,
        change_choices=CHANGE_CHOICES,
        counts=counts,
        table=TablePage(
            COMPARE_COLUMNS,
            rows[(page - 1) * COMPARE_PAGE_SIZE : page * COMPARE_PAGE_SIZE],
            len(rows),
            page,
            COMPARE_PAGE_SIZE,
        ),
        figure=figure,
        level=shown,
        levels=UNIT_KINDS,
        filters=filters,
        areas=sorted(
            {(r.unit, names.get(r.unit) or r.unit_name or r.unit) for r in everything},
            key=lambda item: name_key(item[1]),
        ),
        families=sorted(
            {(r.actor_family, family_label(r.actor_family, language)) for r in everything},
            key=lambda item: name_key(item[1]),
        ),
        threat_types=sorted(
            {(r.threat_type, threat_label(r.threat_type, language)) for r in everything},
            key=lambda item: name_key(item[1]),
        ),
    )


def _score_text(score: int | None, level: str | None, language: Language) -> str:
    if score is None:
        return "–"
    return f"{risk_label(level, language)} ({score})"
