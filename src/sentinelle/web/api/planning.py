"""API: planning linked to threat analysis — the posture of a month against the risk to
civilians (``GET /posture``), its alignment year by year (``GET /alignment``, and the same table
as CSV), and the placement of mobile units (``POST /optimise``).

The numbers are the planning engine's (``sentinelle.planning``: posture, reach, alignment,
plan); this module only checks the parameters, calls it and shapes its answers. The functions
below the models are shared with the planning pages (``web/pages/planning.py``), so that a page
and its API answer always agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select
from starlette.status import HTTP_422_UNPROCESSABLE_CONTENT

from sentinelle.domain.vocabulary import Language
from sentinelle.planning.alignment import Alignment, align, parse_years, yearly_alignment
from sentinelle.planning.plan import (
    DEFAULT_PERIOD_MONTHS,
    DEFAULT_UNIT_SIZE,
    RAINY_REACH_FACTOR,
    NamedPlan,
    load_risk,
    plan,
    posture_coverage,
)
from sentinelle.planning.posture import DEFAULT_FORCE_PROTECTION, Posture, load_posture
from sentinelle.planning.reach import DEFAULT_REACH_KM, Areas, load_areas
from sentinelle.store.database import Store
from sentinelle.store.deployments import load_deployments
from sentinelle.store.schema import events
from sentinelle.web import i18n
from sentinelle.web.access import Principal, Require, store_of
from sentinelle.web.cache import cache_of

router = APIRouter(prefix="/planning", tags=["planning"])

RiskMeasure = Literal["events", "fatalities"]
PlanRisk = Literal["events", "fatalities", "forecast"]
RISK_MEASURES: tuple[str, ...] = ("events", "fatalities")
PLAN_RISKS: tuple[str, ...] = ("events", "fatalities", "forecast")

MONTH_PATTERN = r"^\d{4}-\d{2}$"
YEARS_PATTERN = r"^\d{4}(:\d{4})?$"
FIRST_YEAR, LAST_YEAR = 1990, 2100
"""Months and years outside these are refused: no deployment data lies there."""
MAX_REACH_KM = 1000.0
MAX_YEARS = 30
MAX_PERIOD_MONTHS = 120
MAX_UNITS = 1000
MAX_UNIT_SIZE = 100_000.0
MAX_MINIMUM = 50
MAX_TEMPORARY_BASES = 100
MAX_CLOSED = 100
RISK_MONTHS = 12
"""The posture map's risk: VAC over the twelve months ending with the month shown."""
TIME_LIMIT = 10.0
"""Seconds HiGHS may take for one plan (the best placement found by then is returned)."""
DEFAULT_YEARS = (2014, 2019)
"""The alignment's years when the stored deployments cover them (MINUSMA's, docs/planning.md)."""
NOTE = (
    "Decision support for planners, not an order: reach is a straight line from each site to a "
    "cercle's representative point; risk is realised violence against civilians (or a "
    "forecast) per cercle."
)

MonthQuery = Annotated[
    str | None,
    Query(
        max_length=7,
        pattern=MONTH_PATTERN,
        description="month of the posture, YYYY-MM (default: the latest month with stored "
        "deployments, not after the last month with events)",
    ),
]
ReachQuery = Annotated[
    float,
    Query(
        gt=0,
        le=MAX_REACH_KM,
        allow_inf_nan=False,
        description="straight-line reach of a site, km",
    ),
]
ForceProtectionQuery = Annotated[
    float,
    Query(
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="share of a site's troops protecting the base itself, [0, 1)",
    ),
]
RiskQuery = Annotated[
    RiskMeasure,
    Query(description="events or fatalities: VAC over the 12 months ending with the month"),
]
YearsQuery = Annotated[
    str | None,
    Query(
        max_length=9,
        pattern=YEARS_PATTERN,
        description="YYYY or YYYY:YYYY (default: 2014:2019 when the deployments cover it, "
        "else every year with stored deployments)",
    ),
]


# --- models ----------------------------------------------------------------------------------


class SiteOut(BaseModel):
    """A site held in the month."""

    mission: str
    name: str
    kind: str
    latitude: float
    longitude: float
    troops: float = Field(description="mean troops over the days held in the month")
    troops_known: bool
    deployable: float = Field(description="troops × (1 − force-protection share)")
    held_from: dt.date | None = Field(description="first day of the site's stored deployments")
    held_to: dt.date | None = Field(description="last day (null: open-ended)")
    areas_reached: list[str] = Field(description="P-codes of the cercles within reach")


class AreaOut(BaseModel):
    """A cercle (pre-2016 geography) with its risk and the capacity that can reach it."""

    code: str
    name: str
    risk: float
    reached: bool
    capacity: float = Field(description="deployable troops of the sites reaching it")


class AreaRiskOut(BaseModel):
    code: str
    name: str
    risk: float


class PostureSummaryOut(BaseModel):
    sites: int
    troops: float
    deployable: float
    areas: int = Field(description="cercles in the pre-2016 geography")
    areas_reached: int
    total_risk: float
    risk_within_reach: float
    share_within_reach: float | None = Field(description="null when there is no risk")
    rank_correlation: float | None = Field(
        description="Spearman's rho between the cercles' risk and the capacity reaching them "
        "(null when either is constant)"
    )


class PostureOut(BaseModel):
    """The posture of a month against the risk to civilians."""

    month: str
    start: dt.date
    end: dt.date
    reach_km: float
    force_protection: float
    risk: RiskMeasure
    risk_note: str
    summary: PostureSummaryOut
    high_risk_out_of_reach: list[AreaRiskOut] = Field(
        description="of the fewest riskiest cercles holding 80 % of the risk, those no site "
        "reaches, riskiest first"
    )
    sites: list[SiteOut]
    areas: list[AreaOut]
    note: str


class AlignmentRowOut(BaseModel):
    year: int
    sites: int
    troops: float
    deployable: float
    areas_reached: int
    vac_events: float
    vac_events_within_reach: float | None = Field(description="share; null without VAC")
    vac_fatalities: float
    vac_fatalities_within_reach: float | None = Field(description="share; null without VAC")
    rank_correlation: float | None
    high_risk_out_of_reach: list[str] = Field(description="names, riskiest first")


class AlignmentOut(BaseModel):
    """One row per year: the year's posture against the year's VAC per cercle."""

    years: str
    reach_km: float
    force_protection: float
    risk: RiskMeasure
    areas: int
    rows: list[AlignmentRowOut]
    note: str


class OptimiseIn(BaseModel):
    """What to optimise: the form's fields."""

    model_config = ConfigDict(extra="forbid")

    month: str | None = Field(
        default=None,
        max_length=7,
        pattern=MONTH_PATTERN,
        description="month of the posture, YYYY-MM (default as for the posture)",
    )
    risk: PlanRisk = Field(
        default="events",
        description="events or fatalities (VAC over the period), or forecast (the latest live "
        "forecast of cercles)",
    )
    period_months: int = Field(default=DEFAULT_PERIOD_MONTHS, ge=1, le=MAX_PERIOD_MONTHS)
    by_population: bool = Field(
        default=True, description="with the forecast: probability × population (else × 1)"
    )
    units: int | None = Field(
        default=None, ge=0, le=MAX_UNITS, description="K (null: deployable troops ÷ unit size)"
    )
    unit_size: float = Field(default=DEFAULT_UNIT_SIZE, gt=0, le=MAX_UNIT_SIZE, allow_inf_nan=False)
    force_protection: float = Field(
        default=DEFAULT_FORCE_PROTECTION, ge=0, lt=1, allow_inf_nan=False
    )
    reach_km: float = Field(default=DEFAULT_REACH_KM, gt=0, le=MAX_REACH_KM, allow_inf_nan=False)
    minimum: int = Field(default=0, ge=0, le=MAX_MINIMUM, description="units kept at each site")
    temporary_bases: int = Field(
        default=0,
        ge=0,
        le=MAX_TEMPORARY_BASES,
        description="most temporary bases opened at cercles' representative points",
    )
    close: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=MAX_CLOSED, description="what-if: sites closed"
    )
    add_units: int = Field(
        default=0, ge=-MAX_UNITS, le=MAX_UNITS, description="what-if: more (or fewer) units"
    )
    hold_back: float = Field(
        default=0.0,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="what-if: share of K kept back to protect a base",
    )
    rainy: bool = Field(default=False, description="what-if: rainy season, reach × 0.6")


class UnitOut(BaseModel):
    """One placed unit, explained."""

    unit: int
    site: str
    temporary: bool = Field(description="a temporary base at a cercle's representative point")
    latitude: float
    longitude: float
    required: bool = Field(description="part of the minimum presence")
    covers: list[str] = Field(description="cercles with risk the site reaches, riskiest first")
    covers_alone: list[str] = Field(description="those no other placed unit reaches")
    risk_added: float = Field(description="what the plan loses without this unit")
    next_site: str | None = Field(description="the best site not chosen for this one unit")
    next_risk: float = Field(description="the risk it would add there")
    shortfall: float = Field(description="risk_added − next_risk")


class PlanOut(BaseModel):
    """The placement: covered risk, the solver's status, and each unit explained."""

    month: str
    risk: PlanRisk
    notes: list[str]
    reach_km: float = Field(description="effective reach (× 0.6 in the rainy season)")
    units_available: int = Field(description="K after the what-ifs")
    status: str = Field(description="optimal, time_limit or no_solution")
    objective: float = Field(description="risk covered")
    total: float = Field(description="all risk")
    share: float = Field(description="objective ÷ total (0 without risk)")
    gap: float | None = Field(description="HiGHS's relative optimality gap (null: unknown)")
    seconds: float
    posture_coverage: float = Field(
        description="risk within reach of every existing site held (one unit each)"
    )
    posture_share: float
    covered_areas: list[AreaRiskOut]
    units: list[UnitOut]
    note: str


# --- shared with the pages -------------------------------------------------------------------


def unprocessable(message: str) -> HTTPException:
    return HTTPException(HTTP_422_UNPROCESSABLE_CONTENT, message)


def number(value: Any) -> float | None:
    """A float, or None for missing and not-a-number values."""
    if value is None or value is pd.NA:
        return None
    result = float(value)
    return None if math.isnan(result) or math.isinf(result) else result


def month_in_range(month: pd.Period) -> bool:
    return FIRST_YEAR <= month.year <= LAST_YEAR


def parse_month_text(text: str) -> pd.Period:
    """``"2018-12"`` → the month, or a ValueError saying what is wrong."""
    value = text.strip()
    try:
        if len(value) != 7 or value[4] != "-":
            raise ValueError
        month = pd.Period(dt.date(int(value[:4]), int(value[5:]), 1), freq="M")
    except ValueError:
        raise ValueError(f"the month must read YYYY-MM (e.g. 2018-12), not {text!r}") from None
    if not month_in_range(month):
        raise ValueError(f"the month must lie between {FIRST_YEAR} and {LAST_YEAR}, not {month}")
    return month


@dataclass(frozen=True)
class Span:
    """What the store holds: the deployments' first and last months, the last month with
    events (None without events)."""

    first: pd.Period
    last: pd.Period
    last_events: pd.Period | None

    @property
    def default_month(self) -> pd.Period:
        """The latest month with deployments, but not after the last month with events when
        that lies within the deployments (no risk would be seen after it)."""
        if self.last_events is not None and self.first <= self.last_events < self.last:
            return self.last_events
        return self.last

    @property
    def default_years(self) -> tuple[int, int]:
        first, last = DEFAULT_YEARS
        if self.first.year <= first and last <= self.last.year:
            return first, last
        return self.first.year, min(self.last.year, self.first.year + MAX_YEARS - 1)


def deployment_span(request: Request, connection: Connection) -> Span | None:
    """The store's span (None without deployments); an open-ended deployment runs to today."""

    def compute() -> Span | None:
        records = load_deployments(connection)
        if not records:
            return None
        today = dt.date.today()
        first = min(r.start for r in records)
        last = max(r.end or today for r in records)
        newest = connection.execute(select(func.max(events.c.event_date))).scalar()
        return Span(
            pd.Period(first, freq="M"),
            pd.Period(last, freq="M"),
            pd.Period(newest, freq="M") if newest is not None else None,
        )

    span: Span | None = cache_of(request).get(connection, ("planning.span",), compute)
    return span


def held_periods(
    connection: Connection,
) -> dict[tuple[str, str, float, float], tuple[dt.date, dt.date | None]]:
    """Per site (mission, name, rounded coordinates, as the posture folds them): the first day
    and last day (None: open-ended) of its stored deployments."""
    held: dict[tuple[str, str, float, float], tuple[dt.date, dt.date | None]] = {}
    for r in load_deployments(connection):
        key = (r.mission, r.name, round(r.latitude, 5), round(r.longitude, 5))
        first, last = held.get(key, (r.start, r.end))
        end = None if r.end is None or last is None else max(last, r.end)
        held[key] = (min(first, r.start), end)
    return held


@dataclass(frozen=True, eq=False)
class PostureView:
    """The posture of a month, its reach and its alignment with the month's risk."""

    month: pd.Period
    reach_km: float
    force_protection: float
    risk: str
    risk_note: str
    posture: Posture
    areas: Areas
    alignment: Alignment
    held: dict[tuple[str, str, float, float], tuple[dt.date, dt.date | None]]

    @property
    def values(self) -> npt.NDArray[np.float64]:
        return self.alignment.risk

    @property
    def reached(self) -> npt.NDArray[np.bool_]:
        return self.alignment.reach.reached

    @property
    def risk_within_reach(self) -> float:
        return float(self.values[self.reached].sum())

    def held_of(self, index: int) -> tuple[dt.date | None, dt.date | None]:
        site = self.posture.sites[index]
        key = (site.mission, site.name, round(site.latitude, 5), round(site.longitude, 5))
        return self.held.get(key, (None, None))


def posture_view(
    request: Request,
    connection: Connection,
    month: pd.Period,
    reach_km: float,
    force_protection: float,
    risk: str,
    language: Language,
) -> PostureView:
    """The posture of ``month`` against VAC ``risk`` over the twelve months ending with it (a
    ValueError when the store cannot answer, e.g. without cercles)."""

    def compute() -> PostureView:
        areas = load_areas(connection, language)
        start = dt.date(month.year, month.month, 1)
        posture = load_posture(connection, start, month.end_time.date(), force_protection)
        values, notes = load_risk(connection, areas, risk, month, RISK_MONTHS)
        alignment = align(posture, areas, values, reach_km)
        return PostureView(
            month=month,
            reach_km=reach_km,
            force_protection=force_protection,
            risk=risk,
            risk_note="; ".join(notes),
            posture=posture,
            areas=areas,
            alignment=alignment,
            held=held_periods(connection),
        )

    key = ("planning.posture", str(month), reach_km, force_protection, risk, language)
    view: PostureView = cache_of(request).get(connection, key, compute)
    return view


def posture_out(view: PostureView) -> PostureOut:
    areas, alignment = view.areas, view.alignment
    matrix = alignment.reach.matrix
    sites = []
    for i, site in enumerate(view.posture.sites):
        first, last = view.held_of(i)
        sites.append(
            SiteOut(
                mission=site.mission,
                name=site.name,
                kind=site.kind,
                latitude=site.latitude,
                longitude=site.longitude,
                troops=site.troops,
                troops_known=site.troops_known,
                deployable=site.deployable,
                held_from=first,
                held_to=last,
                areas_reached=[areas.codes[j] for j in np.flatnonzero(matrix[i])],
            )
        )
    order = np.argsort(-view.values, kind="stable")
    total = alignment.total_risk
    return PostureOut(
        month=str(view.month),
        start=view.posture.start,
        end=view.posture.end,
        reach_km=view.reach_km,
        force_protection=view.force_protection,
        risk="fatalities" if view.risk == "fatalities" else "events",
        risk_note=view.risk_note,
        summary=PostureSummaryOut(
            sites=len(view.posture.sites),
            troops=view.posture.troops,
            deployable=view.posture.deployable,
            areas=len(areas),
            areas_reached=int(view.reached.sum()),
            total_risk=total,
            risk_within_reach=view.risk_within_reach,
            share_within_reach=number(alignment.share_within_reach),
            rank_correlation=number(alignment.rank_correlation),
        ),
        high_risk_out_of_reach=[
            AreaRiskOut(code=areas.codes[j], name=areas.names[j], risk=float(view.values[j]))
            for j in alignment.out_of_reach
        ],
        sites=sites,
        areas=[
            AreaOut(
                code=areas.codes[j],
                name=areas.names[j],
                risk=float(view.values[j]),
                reached=bool(view.reached[j]),
                capacity=float(alignment.reach.capacity[j]),
            )
            for j in order
        ],
        note=NOTE,
    )


def check_years(text: str) -> list[int]:
    """``"2014:2019"`` → the years, or a ValueError saying what is wrong."""
    years = parse_years(text.strip())
    if years[0] < FIRST_YEAR or years[-1] > LAST_YEAR:
        raise ValueError(f"years must lie between {FIRST_YEAR} and {LAST_YEAR}, not {text!r}")
    if len(years) > MAX_YEARS:
        raise ValueError(f"at most {MAX_YEARS} years at a time, not {len(years)} ({text!r})")
    return years


def years_text(years: Sequence[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}:{years[-1]}"


def alignment_frame(
    request: Request,
    connection: Connection,
    years: Sequence[int],
    reach_km: float,
    force_protection: float,
    risk: str,
    language: Language,
) -> pd.DataFrame:
    """:func:`sentinelle.planning.alignment.yearly_alignment` (a ValueError when the store
    cannot answer), kept until the data change."""

    def compute() -> pd.DataFrame:
        return yearly_alignment(
            connection,
            list(years),
            reach_km=reach_km,
            force_protection=force_protection,
            risk="fatalities" if risk == "fatalities" else "events",
            language=language,
        )

    key = ("planning.alignment", tuple(years), reach_km, force_protection, risk, language)
    frame: pd.DataFrame = cache_of(request).get(connection, key, compute)
    return frame


def alignment_rows(frame: pd.DataFrame) -> list[AlignmentRowOut]:
    return [
        AlignmentRowOut(
            year=int(r["year"]),
            sites=int(r["sites"]),
            troops=float(r["troops"]),
            deployable=float(r["deployable"]),
            areas_reached=int(r["areas_reached"]),
            vac_events=float(r["vac_events"]),
            vac_events_within_reach=number(r["vac_events_within_reach"]),
            vac_fatalities=float(r["vac_fatalities"]),
            vac_fatalities_within_reach=number(r["vac_fatalities_within_reach"]),
            rank_correlation=number(r["rank_correlation"]),
            high_risk_out_of_reach=[
                n for n in str(r["high_risk_out_of_reach"] or "").split("; ") if n
            ],
        )
        for r in frame.to_dict("records")
    ]


def alignment_csv(frame: pd.DataFrame, years: Sequence[int], language: Language) -> str:
    """The table as CSV: ``#`` lines saying what it is, then a header and one row per year
    (shares 0–1, empty when undefined). ``pandas.read_csv(path, comment="#")`` reads it."""
    t = i18n.translate
    out = io.StringIO()
    out.write(f"# {t('planning.csv.title', language)}\n")
    out.write(
        "# "
        + t(
            "planning.csv.parameters",
            language,
            years=years_text(years),
            reach=frame.attrs.get("reach_km", ""),
            force=frame.attrs.get("force_protection", ""),
            risk=frame.attrs.get("risk", ""),
            areas=frame.attrs.get("areas", ""),
        )
        + "\n"
    )
    out.write(f"# {t('planning.csv.definition', language)}\n")
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    columns = list(frame.columns)
    writer.writerow(columns)
    for record in frame.to_dict("records"):
        row: list[Any] = []
        for column in columns:
            value = record[column]
            if isinstance(value, str):
                row.append(value)
            else:
                cleaned = number(value)
                row.append("" if cleaned is None else cleaned)
        writer.writerow(row)
    return out.getvalue()


@dataclass(frozen=True)
class PlanOptions:
    """The optimiser's inputs, checked."""

    month: pd.Period
    risk: str = "events"
    period_months: int = DEFAULT_PERIOD_MONTHS
    by_population: bool = True
    units: int | None = None
    unit_size: float = DEFAULT_UNIT_SIZE
    force_protection: float = DEFAULT_FORCE_PROTECTION
    reach_km: float = DEFAULT_REACH_KM
    minimum: int = 0
    temporary_bases: int = 0
    close: tuple[str, ...] = ()
    add_units: int = 0
    hold_back: float = 0.0
    rainy: bool = False

    def engine_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`sentinelle.planning.plan.plan`."""
        return {
            "risk": self.risk,
            "period_months": self.period_months,
            "by_population": self.by_population,
            "units": self.units,
            "unit_size": self.unit_size,
            "force_protection_share": self.force_protection,
            "reach_km": self.reach_km,
            "minimum": self.minimum,
            "temporary_bases": self.temporary_bases,
            "close": self.close,
            "extra_units": self.add_units,
            "hold_back": self.hold_back,
            "reach_factor": RAINY_REACH_FACTOR if self.rainy else 1.0,
        }


def run_plan(store: Store, options: PlanOptions, language: Language) -> NamedPlan:
    """The engine's plan for ``options`` (a ValueError for inputs it refuses, e.g. a site not
    held, or no feasible placement)."""
    with store.reading() as connection:
        try:
            return plan(
                connection,
                options.month,
                time_limit=TIME_LIMIT,
                language=language,
                **options.engine_options(),
            )
        except RuntimeError as exc:  # HiGHS found no placement at all
            raise ValueError(str(exc)) from None


def plan_out(result: NamedPlan, options: PlanOptions) -> PlanOut:
    solved, named = result.plan, result.named
    base = posture_coverage(named)
    risk = named.problem.risk
    covered = sorted(solved.covered_areas.tolist(), key=lambda a: -risk[a])
    return PlanOut(
        month=str(options.month),
        risk="fatalities"
        if options.risk == "fatalities"
        else ("forecast" if options.risk == "forecast" else "events"),
        notes=list(named.notes),
        reach_km=named.reach_km,
        units_available=int(named.problem.units),
        status=solved.status,
        objective=solved.objective,
        total=solved.total_risk,
        share=solved.share,
        gap=number(solved.gap),
        seconds=solved.seconds,
        posture_coverage=base,
        posture_share=base / solved.total_risk if solved.total_risk > 0 else 0.0,
        covered_areas=[
            AreaRiskOut(code=named.areas.codes[a], name=named.areas.names[a], risk=float(risk[a]))
            for a in covered
        ],
        units=[
            UnitOut(
                unit=i,
                site=u.site,
                temporary=u.temporary,
                latitude=u.latitude,
                longitude=u.longitude,
                required=u.required,
                covers=list(u.covers),
                covers_alone=list(u.covers_alone),
                risk_added=u.risk_added,
                next_site=u.next_site,
                next_risk=u.next_risk,
                shortfall=u.shortfall,
            )
            for i, u in enumerate(result.units(), start=1)
        ],
        note=NOTE,
    )


def chosen_month(request: Request, connection: Connection, text: str | None) -> pd.Period:
    """The month asked for (checked), or the default; 422 when there is neither."""
    if text:
        try:
            return parse_month_text(text)
        except ValueError as exc:
            raise unprocessable(f"month: {exc}") from None
    span = deployment_span(request, connection)
    if span is None:
        raise unprocessable("the store holds no deployments: import a deployments file first")
    return span.default_month


# --- endpoints -------------------------------------------------------------------------------


@router.get("/posture", response_model=PostureOut)
def get_posture(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    month: MonthQuery = None,
    reach_km: ReachQuery = DEFAULT_REACH_KM,
    force_protection: ForceProtectionQuery = DEFAULT_FORCE_PROTECTION,
    risk: RiskQuery = "events",
) -> PostureOut:
    """The sites held in a month, what they reach, and how that lines up with VAC over the
    twelve months ending with it: the share of risk within reach, the rank correlation and the
    high-risk cercles out of reach."""
    with store_of(request).reading() as connection:
        chosen = chosen_month(request, connection, month)
        try:
            view = posture_view(
                request, connection, chosen, reach_km, force_protection, risk, principal.language
            )
        except ValueError as exc:
            raise unprocessable(str(exc)) from None
    return posture_out(view)


def _alignment(
    request: Request,
    principal: Principal,
    years: str | None,
    reach_km: float,
    force_protection: float,
    risk: str,
) -> tuple[pd.DataFrame, list[int]]:
    with store_of(request).reading() as connection:
        if years:
            try:
                chosen = check_years(years)
            except ValueError as exc:
                raise unprocessable(f"years: {exc}") from None
        else:
            span = deployment_span(request, connection)
            if span is None:
                raise unprocessable("the store holds no deployments: import a deployments file")
            first, last = span.default_years
            chosen = list(range(first, last + 1))
        try:
            frame = alignment_frame(
                request, connection, chosen, reach_km, force_protection, risk, principal.language
            )
        except ValueError as exc:
            raise unprocessable(str(exc)) from None
    return frame, chosen


@router.get("/alignment", response_model=AlignmentOut)
def get_alignment(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    years: YearsQuery = None,
    reach_km: ReachQuery = DEFAULT_REACH_KM,
    force_protection: ForceProtectionQuery = DEFAULT_FORCE_PROTECTION,
    risk: RiskQuery = "events",
) -> AlignmentOut:
    """One row per year: sites, troops, deployable troops, cercles reached, VAC events and
    fatalities with the share within reach, the rank correlation and the high-risk cercles out
    of reach (for ``risk``)."""
    frame, chosen = _alignment(request, principal, years, reach_km, force_protection, risk)
    return AlignmentOut(
        years=years_text(chosen),
        reach_km=reach_km,
        force_protection=force_protection,
        risk="fatalities" if risk == "fatalities" else "events",
        areas=int(frame.attrs.get("areas", 0)),
        rows=alignment_rows(frame),
        note=NOTE,
    )


@router.get(
    "/alignment.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the table as CSV"}},
)
def get_alignment_csv(
    request: Request,
    principal: Principal = Depends(Require("view_planning")),
    years: YearsQuery = None,
    reach_km: ReachQuery = DEFAULT_REACH_KM,
    force_protection: ForceProtectionQuery = DEFAULT_FORCE_PROTECTION,
    risk: RiskQuery = "events",
) -> Response:
    """The alignment table as CSV (``#`` lines first: what it is and its parameters)."""
    frame, chosen = _alignment(request, principal, years, reach_km, force_protection, risk)
    name = f"alignment_{years_text(chosen).replace(':', '-')}.csv"
    return Response(
        alignment_csv(frame, chosen, principal.language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/optimise", response_model=PlanOut)
def post_optimise(
    request: Request,
    body: OptimiseIn,
    principal: Principal = Depends(Require("run_plans")),
) -> PlanOut:
    """Place K mobile units where they cover the most risk (HiGHS, exact within 0.1 %), with
    the what-ifs asked, and explain each unit."""
    store = store_of(request)
    with store.reading() as connection:
        month = chosen_month(request, connection, body.month)
    options = options_of(body, month)
    try:
        result = run_plan(store, options, principal.language)
    except ValueError as exc:
        raise unprocessable(str(exc)) from None
    return plan_out(result, options)


def options_of(body: OptimiseIn, month: pd.Period) -> PlanOptions:
    """The checked inputs of a request to optimise, for ``month``."""
    return PlanOptions(
        month=month,
        risk=body.risk,
        period_months=body.period_months,
        by_population=body.by_population,
        units=body.units,
        unit_size=body.unit_size,
        force_protection=body.force_protection,
        reach_km=body.reach_km,
        minimum=body.minimum,
        temporary_bases=body.temporary_bases,
        close=tuple(name.strip() for name in body.close),
        add_units=body.add_units,
        hold_back=body.hold_back,
        rainy=body.rainy,
    )
