"""Placing mobile units from the store: risk per cercle, candidate sites, K units, what-ifs.

:func:`build_problem` turns the store into a :class:`~sentinelle.planning.optimise.PlacementProblem`
with names attached (:class:`NamedProblem`); :func:`plan` solves it and returns a
:class:`NamedPlan` whose units read in words (site names, cercle names).

* **Areas**: the cercles in the pre-2016 geography, each with its representative point
  (:func:`sentinelle.planning.reach.load_areas`).
* **Risk per cercle**: realised VAC ``events`` or ``fatalities`` over the ``period_months``
  months ending with ``month``; or ``forecast``: the latest live forecast's probability of VAC
  next month (its primary model, horizon 1), times the cercle's population (latest stored year)
  when ``by_population`` is true, else times 1.
* **Candidate sites**: the sites of the posture of ``month`` (each keeps a minimum presence of
  ``minimum`` units) and, when ``temporary_bases`` > 0, every cercle's representative point as a
  temporary base, of which at most ``temporary_bases`` may be opened.
* **K**: ``units`` when given; else the number of units with mobile capacity stored for the
  month (``sentinelle units import``), when there are any and ``mobile_units`` is true; else
  ``floor(deployable capacity / unit_size)`` where the deployable capacity is the posture's
  troops × (1 − force-protection share).
* **Reach**: straight line within ``reach_km`` × ``reach_factor`` (the rainy season: 0.6); or,
  given ``roads`` (:func:`sentinelle.planning.roads.read_roads`), travel time over the road
  network within ``hours`` (default 2 h) at ``speeds`` in ``season`` (the rainy season: rainy
  speeds and closed tracks instead of the 0.6 factor).
* **What-ifs**: ``close`` (site names), ``add_units``, ``hold_back`` (a further share of K kept
  for force protection, e.g. a base under attack), ``reach_factor`` (straight line) or
  ``season`` (roads).

:attr:`NamedProblem.parameters` records every input the problem was built from (JSON values),
for a decision log: see :func:`build_problem`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection

from sentinelle.domain.vocabulary import Language
from sentinelle.forecast.data import haversine_km
from sentinelle.panel import load_panel
from sentinelle.planning.alignment import risk_vector, road_parameters
from sentinelle.planning.optimise import (
    PlacementProblem,
    Plan,
    add_units,
    close_sites,
    force_protection,
    solve,
)
from sentinelle.planning.posture import (
    DEFAULT_FORCE_PROTECTION,
    Posture,
    check_force_protection,
    load_posture,
)
from sentinelle.planning.reach import DEFAULT_REACH_KM, Areas, check_reach_km, load_areas
from sentinelle.planning.roads import (
    DEFAULT_REACH_HOURS,
    Roads,
    Season,
    Speeds,
    check_hours,
    check_season,
    default_speeds,
    road_graph,
    travel_hours,
)

__all__ = [
    "NamedPlan",
    "NamedProblem",
    "PlanUnit",
    "RiskSource",
    "build_problem",
    "load_risk",
    "plan",
    "posture_coverage",
]

RiskSource = Literal["events", "fatalities", "forecast"]
RISK_SOURCES: tuple[str, ...] = ("events", "fatalities", "forecast")
DEFAULT_UNIT_SIZE = 150
DEFAULT_PERIOD_MONTHS = 12
RAINY_REACH_FACTOR = 0.6

PLAN_COLUMNS = (
    "unit",
    "site",
    "temporary",
    "latitude",
    "longitude",
    "required",
    "covers",
    "covers_alone",
    "risk_added",
    "next_site",
    "next_risk",
    "shortfall",
)


@dataclass(frozen=True, eq=False)
class NamedProblem:
    """A placement problem with the names needed to explain its solution."""

    problem: PlacementProblem
    areas: Areas
    posture: Posture
    site_names: tuple[str, ...]  # existing sites' names; cercle names for temporary bases
    temporary: npt.NDArray[np.bool_]  # per site: a candidate temporary base
    latitude: npt.NDArray[np.float64]
    longitude: npt.NDArray[np.float64]
    reach_km: float  # effective straight-line reach (after the reach factor); unused with roads
    risk_source: str
    notes: tuple[str, ...] = ()
    parameters: dict[str, object] = field(default_factory=dict)  # inputs, JSON values

    @property
    def reach_mode(self) -> str:
        """``straight`` or ``roads``."""
        return str(self.parameters.get("reach_mode", "straight"))

    @property
    def n_existing(self) -> int:
        return int((~self.temporary).sum())


@dataclass(frozen=True)
class PlanUnit:
    """One placed unit, in words."""

    site: str
    temporary: bool
    latitude: float
    longitude: float
    required: bool
    covers: tuple[str, ...]  # cercles with risk the site reaches, riskiest first
    covers_alone: tuple[str, ...]  # those no other placed unit reaches
    risk_added: float
    next_site: str | None
    next_risk: float
    shortfall: float


@dataclass(frozen=True, eq=False)
class NamedPlan:
    plan: Plan
    named: NamedProblem

    @property
    def covered_names(self) -> tuple[str, ...]:
        return tuple(self.named.areas.names[i] for i in self.plan.covered_areas)

    def units(self) -> list[PlanUnit]:
        named, plan = self.named, self.plan
        risk = named.problem.risk
        reach = named.problem.reach
        result = []
        for e in plan.explanations:
            reached = np.flatnonzero(reach[e.site] & (risk > 0))
            reached = reached[np.argsort(-risk[reached], kind="stable")]
            alone = sorted(e.areas, key=lambda a: -risk[a])
            result.append(
                PlanUnit(
                    site=named.site_names[e.site],
                    temporary=bool(named.temporary[e.site]),
                    latitude=float(named.latitude[e.site]),
                    longitude=float(named.longitude[e.site]),
                    required=bool(e.required),
                    covers=tuple(named.areas.names[a] for a in reached),
                    covers_alone=tuple(named.areas.names[a] for a in alone if risk[a] > 0),
                    risk_added=e.risk_added,
                    next_site=None if e.next_site is None else named.site_names[e.next_site],
                    next_risk=e.next_risk,
                    shortfall=e.shortfall,
                )
            )
        return result

    def frame(self) -> pd.DataFrame:
        rows = [
            {
                "unit": i,
                "site": u.site,
                "temporary": u.temporary,
                "latitude": u.latitude,
                "longitude": u.longitude,
                "required": u.required,
                "covers": "; ".join(u.covers),
                "covers_alone": "; ".join(u.covers_alone),
                "risk_added": u.risk_added,
                "next_site": u.next_site or "",
                "next_risk": u.next_risk,
                "shortfall": u.shortfall,
            }
            for i, u in enumerate(self.units(), start=1)
        ]
        frame = pd.DataFrame(rows, columns=list(PLAN_COLUMNS))
        frame.attrs.update(
            {
                "status": self.plan.status,
                "covered_risk": self.plan.objective,
                "total_risk": self.plan.total_risk,
                "share": self.plan.share,
                "gap": self.plan.gap,
                "reach_km": self.named.reach_km,
                "risk": self.named.risk_source,
                "reach_mode": self.named.reach_mode,
                "hours": self.named.parameters.get("hours"),
                "season": self.named.parameters.get("season"),
            }
        )
        return frame


def month_period(month: str | pd.Period) -> pd.Period:
    """``"2018-12"`` → the monthly period, or a ValueError."""
    if isinstance(month, pd.Period):
        return month.asfreq("M")
    text = str(month).strip()
    try:
        if len(text) != 7 or text[4] != "-":
            raise ValueError
        return pd.Period(dt.date(int(text[:4]), int(text[5:]), 1), freq="M")
    except ValueError:
        raise ValueError(f"the month must read YYYY-MM (e.g. 2018-12), not {month!r}") from None


def load_risk(
    connection: Connection,
    areas: Areas,
    source: str,
    month: pd.Period,
    period_months: int = DEFAULT_PERIOD_MONTHS,
    by_population: bool = True,
) -> tuple[npt.NDArray[np.float64], tuple[str, ...]]:
    """Risk per area (in the areas' order) and notes on how it was made."""
    values, notes, _ = _load_risk(connection, areas, source, month, period_months, by_population)
    return values, notes


def _load_risk(
    connection: Connection,
    areas: Areas,
    source: str,
    month: pd.Period,
    period_months: int = DEFAULT_PERIOD_MONTHS,
    by_population: bool = True,
) -> tuple[npt.NDArray[np.float64], tuple[str, ...], int | None]:
    """:func:`load_risk`, and the id of the forecast run used (None for realised VAC)."""
    if source in ("events", "fatalities"):
        if period_months < 1:
            raise ValueError(f"the period must be at least one month, not {period_months}")
        first = month - (period_months - 1)
        panel = load_panel(connection, "admin2", first, month, geography="pre2016")
        column = "vac_events" if source == "events" else "vac_fatalities"
        sums = (
            pd.DataFrame(
                {
                    "unit": panel["unit"].astype(str).to_numpy(),
                    "value": panel[column].to_numpy(dtype=float),
                }
            )
            .groupby("unit")["value"]
            .sum()
        )
        return risk_vector(areas, sums), (f"VAC {source} {first}–{month}",), None
    if source != "forecast":
        raise ValueError(f"the risk must be one of {', '.join(RISK_SOURCES)}, not {source!r}")
    from sentinelle.store.forecasts import latest_run, load_predictions
    from sentinelle.threat.population import population_by_unit

    run = latest_run(connection, "forecast", "admin2")
    if run is None:
        raise ValueError("the store holds no live forecast of cercles: run sentinelle forecast")
    predictions = load_predictions(connection, run.id, model=run.primary, horizon=1)
    if predictions.empty:
        raise ValueError(f"forecast run #{run.id} holds no one-month-ahead predictions")
    probability = pd.Series(
        predictions["probability"].to_numpy(dtype=float),
        index=predictions["unit"].astype(str).to_numpy(),
    )
    target = str(predictions["target_month"].iloc[0])
    notes = [f"forecast run #{run.id} ({run.primary}), probability of VAC in {target}"]
    if by_population:
        population = population_by_unit(connection, "admin2", geography="pre2016")
        if not len(population):
            raise ValueError("no population figures stored: use the forecast without population")
        aligned = population.rename(index=str).reindex(probability.index)
        missing = int(aligned.isna().sum())
        if missing:
            notes.append(f"{missing} cercles without population count 0")
        probability = probability * aligned.fillna(0.0)
        notes.append(f"× population {population.attrs.get('year', '')}".strip())
    return risk_vector(areas, probability), tuple(notes), int(run.id)


def _site_indices(names: Sequence[str], site_names: Sequence[str], n_existing: int) -> list[int]:
    lookup: dict[str, list[int]] = {}
    for i, name in enumerate(site_names[:n_existing]):
        lookup.setdefault(name.casefold(), []).append(i)
    chosen: list[int] = []
    unknown = []
    for name in names:
        found = lookup.get(name.strip().casefold())
        if found:
            chosen.extend(found)
        else:
            unknown.append(name)
    if unknown:
        known = ", ".join(sorted(set(site_names[:n_existing]))) or "none"
        raise ValueError(f"no site named {', '.join(map(repr, unknown))} held; sites: {known}")
    return sorted(set(chosen))


def build_problem(
    connection: Connection,
    month: str | pd.Period,
    *,
    risk: str = "events",
    period_months: int = DEFAULT_PERIOD_MONTHS,
    by_population: bool = True,
    units: int | None = None,
    unit_size: float = DEFAULT_UNIT_SIZE,
    force_protection_share: float = DEFAULT_FORCE_PROTECTION,
    reach_km: float = DEFAULT_REACH_KM,
    minimum: int = 0,
    temporary_bases: int = 0,
    close: Sequence[str] = (),
    extra_units: int = 0,
    hold_back: float = 0.0,
    reach_factor: float = 1.0,
    mission: str | None = None,
    language: Language = "fr",
    roads: Roads | None = None,
    speeds: Speeds | None = None,
    season: Season = "dry",
    hours: float | None = None,
    mobile_units: bool = True,
) -> NamedProblem:
    """The placement problem of ``month`` from the store (see the module docstring).

    K is ``units`` when given; else, with ``mobile_units``, the number of stored units with
    mobile capacity available in the month (``sentinelle units import``), when there are any;
    else the deployable troops ÷ ``unit_size``. ``parameters["units_source"]`` says which.

    With ``roads``, reach is travel time within ``hours`` (default 2 h) in ``season``;
    ``reach_km`` is then not used and ``reach_factor`` must stay 1 (the rainy what-if by road is
    ``season="rainy"``). The result's ``parameters`` record every input (JSON values): month,
    risk, period_months, by_population, units (K before the what-ifs) and units_given,
    unit_size, deployable, force_protection, reach_mode (``straight`` or ``roads``), reach_km,
    reach_factor, effective_reach_km, with roads the roads file's name and SHA-256, the season,
    hours and speeds, minimum, temporary_bases, close, add_units, hold_back, mission, the
    final K (units_final) and, with a forecast risk, forecast_run_id."""
    period = month_period(month)
    share = check_force_protection(force_protection_share)
    limit = check_reach_km(reach_km)
    if not (math.isfinite(reach_factor) and 0 < reach_factor <= 1):
        raise ValueError(f"the reach factor must be above 0 and at most 1, not {reach_factor}")
    chosen_season = check_season(season)
    time_limit = check_hours(DEFAULT_REACH_HOURS if hours is None else hours)
    if roads is not None and reach_factor != 1:
        raise ValueError(
            "the reach factor applies to straight-line reach; by road, the rainy what-if is "
            "the rainy season (season='rainy')"
        )
    if not 0 <= hold_back <= 1:
        raise ValueError(f"the share held back must be between 0 and 1, not {hold_back}")
    if minimum < 0 or temporary_bases < 0:
        raise ValueError("the minimum presence and the temporary bases must be ≥ 0")
    if units is not None and units < 0:
        raise ValueError(f"the number of units must be ≥ 0, not {units}")
    if units is None and not (math.isfinite(unit_size) and unit_size > 0):
        raise ValueError(f"the unit size must be a positive number of troops, not {unit_size}")
    areas = load_areas(connection, language)
    start = dt.date(period.year, period.month, 1)
    end = period.end_time.date()
    posture = load_posture(connection, start, end, share, mission)
    if not posture.sites:
        raise ValueError(f"no site held in {period}: import deployments covering it first")
    values, notes, run_id = _load_risk(
        connection, areas, risk, period, period_months, by_population
    )

    n_existing = len(posture.sites)
    names = [s.name for s in posture.sites]
    lat = list(posture.latitude)
    lon = list(posture.longitude)
    temporary = [False] * n_existing
    if temporary_bases > 0:
        usable = np.flatnonzero(np.isfinite(areas.latitude) & np.isfinite(areas.longitude))
        names += [areas.names[i] for i in usable]
        lat += list(areas.latitude[usable])
        lon += list(areas.longitude[usable])
        temporary += [True] * usable.size
    latitude = np.asarray(lat, dtype=float)
    longitude = np.asarray(lon, dtype=float)
    is_new = np.asarray(temporary, dtype=bool)
    table = speeds or default_speeds()
    effective = limit * reach_factor
    if roads is None:
        distance = haversine_km(
            longitude[:, None], latitude[:, None], areas.longitude[None, :], areas.latitude[None, :]
        ).reshape(len(names), len(areas))
        matrix = np.asarray(distance <= effective, dtype=bool)
    else:
        graph = road_graph(roads, chosen_season, table)
        time = travel_hours(
            np.column_stack([longitude, latitude]),
            np.column_stack([areas.longitude, areas.latitude]),
            graph,
        ).reshape(len(names), len(areas))
        matrix = np.asarray(time <= time_limit, dtype=bool)  # NaN compares False
        notes += (
            f"reach by road within {time_limit:g} h, {chosen_season} season "
            f"({Path(roads.file).name}, {len(roads.lines)} lines)",
        )

    deployable = posture.deployable
    movable: list[str] = []
    if units is None and mobile_units:
        from sentinelle.planning.units import mobile_units_in

        movable = [u.name for u in mobile_units_in(connection, period, mission) if u.mobile]
    if units is not None:
        k, source = int(units), "given"
    elif movable:
        k, source = len(movable), "mobile units"
        notes += (f"K = {k} units with mobile capacity stored for {period}",)
    else:
        k, source = math.floor(deployable / unit_size + 1e-9), "deployable troops"
        notes += (f"K = {deployable:.0f} deployable troops ÷ {unit_size:g} = {k}",)
    closed = _site_indices(close, names, n_existing) if close else []
    floor_presence = np.where(is_new, 0, minimum).astype(np.int64)
    floor_presence[closed] = 0
    needed = int(floor_presence.sum())
    if needed > k:
        raise ValueError(
            f"K = {k} units is less than the minimum presence of {minimum} at each of "
            f"{n_existing - len(closed)} sites ({needed} units)"
        )
    problem = PlacementProblem(
        risk=values,
        reach=matrix,
        units=k,
        minimum=floor_presence,
        new_site=is_new,
        max_new_sites=temporary_bases if temporary_bases > 0 else None,
    )
    if closed:
        problem = close_sites(problem, closed)
    if extra_units:
        problem = add_units(problem, extra_units)
    if hold_back:
        problem = force_protection(problem, hold_back)
    parameters: dict[str, object] = {
        "month": str(period),
        "risk": risk,
        "period_months": int(period_months),
        "by_population": bool(by_population),
        "units": int(k),
        "units_given": units is not None,
        "units_source": source,
        "mobile_units": movable,
        "unit_size": float(unit_size),
        "deployable": float(deployable),
        "force_protection": share,
        "reach_mode": "straight" if roads is None else "roads",
        "reach_km": limit,
        "reach_factor": float(reach_factor),
        "effective_reach_km": effective if roads is None else None,
        "roads_file": None,
        "roads_sha256": None,
        "season": None,
        "hours": None,
        "minimum": int(minimum),
        "temporary_bases": int(temporary_bases),
        "close": [str(name) for name in close],
        "add_units": int(extra_units),
        "hold_back": float(hold_back),
        "mission": mission,
        "units_final": int(problem.units),
        "forecast_run_id": run_id,
    }
    if roads is not None:
        parameters.update(road_parameters(roads, table, chosen_season, time_limit))
    return NamedProblem(
        problem=problem,
        areas=areas,
        posture=posture,
        site_names=tuple(names),
        temporary=is_new,
        latitude=latitude,
        longitude=longitude,
        reach_km=effective,
        risk_source=risk,
        notes=notes,
        parameters=parameters,
    )


def plan(
    connection: Connection,
    month: str | pd.Period,
    *,
    mip_rel_gap: float = 1e-3,
    time_limit: float = 10.0,
    **options: object,
) -> NamedPlan:
    """:func:`build_problem` with ``options``, solved."""
    named = build_problem(connection, month, **options)  # type: ignore[arg-type]
    solver = {"mip_rel_gap": float(mip_rel_gap), "time_limit": float(time_limit)}
    named = replace(named, parameters={**named.parameters, **solver})
    return NamedPlan(solve(named.problem, mip_rel_gap=mip_rel_gap, time_limit=time_limit), named)


def posture_coverage(named: NamedProblem) -> float:
    """The risk within reach (effective straight-line, or by road) of every existing site held —
    what the posture covers with one unit at each site, as ``sentinelle align`` counts it."""
    existing = named.problem.reach[~named.temporary]
    reached = existing.any(axis=0)
    return float(named.problem.risk[reached].sum())
