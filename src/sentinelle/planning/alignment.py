"""Alignment: does the posture cover where the risk is?

For a posture, the areas and a risk per area over the same period (realised violence against
civilians — events or fatalities — or any per-area series, such as forecast probabilities):

* the **share of risk within reach** — the risk of the areas some site reaches, over all risk;
* the **rank correlation** (Spearman) between the areas' risk and the capacity that can reach
  them — NaN when either is constant, e.g. no risk at all or no site;
* the **high-risk areas out of reach** — the fewest top areas holding ``high_risk_share`` of the
  risk (default 80 %), or the ``top_k`` riskiest areas with risk, that no site reaches.

:func:`yearly_alignment` computes this for each year of a range from the store: the posture of
the year (sites held at any time in it) against the year's VAC events and fatalities per cercle;
:func:`yearly_results` keeps each year's :class:`Alignment` as well (for maps).

Reach is straight-line by default (:mod:`sentinelle.planning.reach`). Given ``roads`` (see
:mod:`sentinelle.planning.roads`), a site reaches an area when the travel time over the road
network to the area's representative point, in ``season``, is at most ``hours``.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import spearmanr
from sqlalchemy import Connection

from sentinelle.domain.vocabulary import Language
from sentinelle.panel import load_panel
from sentinelle.planning.posture import DEFAULT_FORCE_PROTECTION, Posture, load_posture
from sentinelle.planning.reach import DEFAULT_REACH_KM, Areas, Reach, load_areas, reach
from sentinelle.planning.roads import (
    DEFAULT_REACH_HOURS,
    RoadGraph,
    Roads,
    Season,
    Speeds,
    check_hours,
    check_season,
    default_speeds,
    road_graph,
    travel_hours,
)
from sentinelle.store.deployments import load_deployments

RiskMeasure = Literal["events", "fatalities"]
RISK_COLUMNS: dict[str, str] = {"events": "vac_events", "fatalities": "vac_fatalities"}
DEFAULT_HIGH_RISK_SHARE = 0.8
ReachMode = Literal["straight", "roads"]


@dataclass(frozen=True, eq=False)
class Alignment:
    """How one posture lines up with one risk series (see the module docstring)."""

    reach: Reach
    risk: npt.NDArray[np.float64]  # per area, in the areas' order
    total_risk: float
    share_within_reach: float  # NaN when there is no risk
    rank_correlation: float  # NaN when risk or reached capacity is constant
    high_risk: tuple[int, ...]  # positions of the high-risk areas, riskiest first
    out_of_reach: tuple[int, ...]  # those of them no site reaches
    travel_hours: npt.NDArray[np.float64] | None = None  # sites × areas, with roads only
    hours: float | None = None  # the travel-time limit, with roads only

    @property
    def mode(self) -> ReachMode:
        """``straight`` (reach within ``reach.reach_km``) or ``roads`` (within ``hours``)."""
        return "straight" if self.hours is None else "roads"


def risk_vector(areas: Areas, risk: pd.Series | Sequence[float] | npt.ArrayLike) -> np.ndarray:
    """``risk`` in the areas' order: a Series is matched on area codes (missing areas: 0; codes
    of no area are ignored), anything else must have one value per area. Risk must be finite
    and non-negative."""
    if isinstance(risk, pd.Series):
        values = risk.rename(index=str).reindex(list(areas.codes)).fillna(0.0)
        vector = pd.to_numeric(values).to_numpy(dtype=float)
    else:
        vector = np.asarray(risk, dtype=float).ravel()
        if len(vector) != len(areas):
            raise ValueError(f"risk has {len(vector)} values for {len(areas)} areas")
    if not np.isfinite(vector).all() or (vector < 0).any():
        raise ValueError("risk must be finite and non-negative in every area")
    return vector


def high_risk_areas(
    risk: npt.ArrayLike, share: float = DEFAULT_HIGH_RISK_SHARE, top_k: int | None = None
) -> tuple[int, ...]:
    """Positions of the high-risk areas, riskiest first (ties by position): the ``top_k``
    riskiest areas with some risk, or else the fewest holding at least ``share`` of the risk."""
    values = np.asarray(risk, dtype=float)
    order = [int(i) for i in np.argsort(-values, kind="stable") if values[i] > 0]
    if top_k is not None:
        if top_k < 1:
            raise ValueError(f"top-k must be at least 1, not {top_k}")
        return tuple(order[:top_k])
    if math.isnan(share) or not 0 < share <= 1:
        raise ValueError(f"the high-risk share must be above 0 and at most 1, not {share}")
    total = float(values.sum())
    chosen: list[int] = []
    held = 0.0
    for i in order:
        if held >= share * total * (1 - 1e-12):
            break
        chosen.append(i)
        held += float(values[i])
    return tuple(chosen)


def rank_correlation(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Spearman's rank correlation; NaN when either series is constant or too short."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = spearmanr(a, b)
    return float(result.statistic)


def road_reach_of(
    posture: Posture, areas: Areas, graph: RoadGraph, hours: float = DEFAULT_REACH_HOURS
) -> tuple[Reach, npt.NDArray[np.float64]]:
    """Reach of the posture's sites over ``areas`` by road: a site reaches an area when the travel
    time to its representative point over ``graph`` is at most ``hours``. The :class:`Reach` has
    NaN ``reach_km`` (no distance limit) and straight-line ``distance_km``; the travel hours
    (sites × areas) come second."""
    limit = check_hours(hours)
    straight = reach(posture, areas, DEFAULT_REACH_KM)
    sites = np.column_stack([posture.longitude, posture.latitude]).reshape(-1, 2)
    points = np.column_stack([areas.longitude, areas.latitude])
    time = travel_hours(sites, points, graph).reshape(len(posture.sites), len(areas))
    matrix = np.asarray(time <= limit, dtype=bool)  # NaN compares False
    capacity = (
        posture.capacity @ matrix.astype(float) if len(posture.sites) else np.zeros(len(areas))
    )
    return Reach(math.nan, straight.distance_km, matrix, np.asarray(capacity, dtype=float)), time


def align(
    posture: Posture,
    areas: Areas,
    risk: pd.Series | Sequence[float] | npt.ArrayLike,
    reach_km: float = DEFAULT_REACH_KM,
    high_risk_share: float = DEFAULT_HIGH_RISK_SHARE,
    top_k: int | None = None,
    *,
    graph: RoadGraph | None = None,
    hours: float | None = None,
) -> Alignment:
    """How ``posture`` lines up with ``risk`` over ``areas``: straight-line reach within
    ``reach_km``, or with a road ``graph`` (:func:`~sentinelle.planning.roads.road_graph`, whose
    season it carries) travel time within ``hours`` (default 2 h)."""
    values = risk_vector(areas, risk)
    time: npt.NDArray[np.float64] | None = None
    limit: float | None = None
    if graph is None:
        covered = reach(posture, areas, reach_km)
    else:
        limit = check_hours(DEFAULT_REACH_HOURS if hours is None else hours)
        covered, time = road_reach_of(posture, areas, graph, limit)
    total = float(values.sum())
    reached = covered.reached
    share = float(values[reached].sum() / total) if total > 0 else math.nan
    high = high_risk_areas(values, high_risk_share, top_k)
    return Alignment(
        reach=covered,
        risk=values,
        total_risk=total,
        share_within_reach=share,
        rank_correlation=rank_correlation(values, covered.capacity),
        high_risk=high,
        out_of_reach=tuple(i for i in high if not reached[i]),
        travel_hours=time,
        hours=limit,
    )


def parse_years(text: str) -> list[int]:
    """``"2014:2019"`` or ``"2014"`` → the years, first to last."""
    parts = text.split(":")
    try:
        if len(parts) == 1:
            first = last = int(parts[0])
        elif len(parts) == 2:
            first, last = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"years must read YYYY or YYYY:YYYY (e.g. 2014:2019), not {text!r}"
        ) from None
    if not (1900 <= first <= 2100 and 1900 <= last <= 2100):
        raise ValueError(f"years out of range in {text!r}")
    if last < first:
        raise ValueError(f"the last year comes before the first in {text!r}")
    return list(range(first, last + 1))


def yearly_risk(connection: Connection, years: Sequence[int]) -> pd.DataFrame:
    """VAC events and fatalities per (year, cercle) in the pre-2016 geography."""
    first = pd.Period(f"{min(years)}-01", "M")
    last = pd.Period(f"{max(years)}-12", "M")
    panel = load_panel(connection, "admin2", first, last, geography="pre2016")
    frame = pd.DataFrame(
        {
            "year": panel["month"].dt.year.to_numpy(),
            "unit": panel["unit"].astype(str).to_numpy(),
            "vac_events": panel["vac_events"].to_numpy(dtype=float),
            "vac_fatalities": panel["vac_fatalities"].to_numpy(dtype=float),
        }
    )
    return frame.groupby(["year", "unit"])[["vac_events", "vac_fatalities"]].sum()


YEARLY_COLUMNS = (
    "year",
    "sites",
    "troops",
    "deployable",
    "areas_reached",
    "vac_events",
    "vac_events_within_reach",
    "vac_fatalities",
    "vac_fatalities_within_reach",
    "rank_correlation",
    "high_risk_out_of_reach",
)


@dataclass(frozen=True, eq=False)
class YearAlignment:
    """One year: its posture, and how it lines up with the year's VAC events and fatalities."""

    year: int
    posture: Posture
    events: Alignment
    fatalities: Alignment
    risk: RiskMeasure = "events"

    @property
    def chosen(self) -> Alignment:
        """The alignment on the chosen risk measure (ranks, high-risk areas)."""
        return self.events if self.risk == "events" else self.fatalities


@dataclass(frozen=True, eq=False)
class YearlyResults:
    """Every year's :class:`YearAlignment` over the same areas; :meth:`frame` is the table."""

    areas: Areas
    years: tuple[YearAlignment, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> ReachMode:
        return "roads" if self.parameters.get("reach_mode") == "roads" else "straight"

    def frame(self) -> pd.DataFrame:
        """One row per year (the columns of :data:`YEARLY_COLUMNS`); ``attrs`` hold the
        parameters."""
        rows = []
        for item in self.years:
            events, deaths, chosen = item.events, item.fatalities, item.chosen
            rows.append(
                {
                    "year": item.year,
                    "sites": len(item.posture.sites),
                    "troops": item.posture.troops,
                    "deployable": item.posture.deployable,
                    "areas_reached": int(events.reach.reached.sum()),
                    "vac_events": events.total_risk,
                    "vac_events_within_reach": events.share_within_reach,
                    "vac_fatalities": deaths.total_risk,
                    "vac_fatalities_within_reach": deaths.share_within_reach,
                    "rank_correlation": chosen.rank_correlation,
                    "high_risk_out_of_reach": "; ".join(
                        self.areas.names[i] for i in chosen.out_of_reach
                    ),
                }
            )
        frame = pd.DataFrame(rows, columns=list(YEARLY_COLUMNS))
        frame.attrs.update(self.parameters)
        return frame


def road_parameters(roads: Roads, speeds: Speeds, season: Season, hours: float) -> dict[str, Any]:
    """What identifies road reach, JSON-serialisable: the roads file (name, SHA-256), the
    season, the travel-time limit and the speeds used."""
    return {
        "reach_mode": "roads",
        "roads_file": Path(roads.file).name,
        "roads_sha256": roads.sha256,
        "roads_lines": len(roads.lines),
        "roads_skipped": roads.skipped,
        "season": season,
        "hours": hours,
        "speeds": speeds_parameters(speeds),
    }


def speeds_parameters(speeds: Speeds) -> dict[str, dict[str, Any]]:
    """The speed table as plain data (km/h; a closed class has ``rainy_kmh`` None)."""
    rows = {**speeds.classes, speeds.off_road.road_class: speeds.off_road}
    return {
        name: {
            "dry_kmh": row.dry_kmh,
            "rainy_kmh": None if row.rainy_closed else row.rainy_kmh,
        }
        for name, row in rows.items()
    }


def yearly_results(
    connection: Connection,
    years: Sequence[int],
    reach_km: float = DEFAULT_REACH_KM,
    force_protection: float = DEFAULT_FORCE_PROTECTION,
    risk: RiskMeasure = "events",
    high_risk_share: float = DEFAULT_HIGH_RISK_SHARE,
    top_k: int | None = None,
    mission: str | None = None,
    language: Language = "fr",
    *,
    roads: Roads | None = None,
    speeds: Speeds | None = None,
    season: Season = "dry",
    hours: float | None = None,
) -> YearlyResults:
    """Each year's posture against the year's VAC per cercle (see :func:`yearly_alignment`)."""
    if risk not in RISK_COLUMNS:
        raise ValueError(f"risk must be events or fatalities, not {risk!r}")
    if not years:
        raise ValueError("no years to align")
    chosen_season = check_season(season)
    limit = check_hours(DEFAULT_REACH_HOURS if hours is None else hours)
    areas = load_areas(connection, language)
    if not load_deployments(connection):
        raise ValueError("the store holds no deployments: import a deployments file first")
    table = speeds or default_speeds()
    graph = road_graph(roads, chosen_season, table) if roads is not None else None
    counts = yearly_risk(connection, years)
    results = []
    for year in years:
        posture = load_posture(
            connection, dt.date(year, 1, 1), dt.date(year, 12, 31), force_protection, mission
        )
        of_year = (
            counts.xs(year, level="year")
            if year in counts.index.get_level_values("year")
            else pd.DataFrame(columns=["vac_events", "vac_fatalities"], dtype=float)
        )
        rest = (reach_km, high_risk_share, top_k)
        options: dict[str, Any] = {"graph": graph, "hours": limit}
        results.append(
            YearAlignment(
                year=int(year),
                posture=posture,
                events=align(posture, areas, of_year["vac_events"], *rest, **options),
                fatalities=align(posture, areas, of_year["vac_fatalities"], *rest, **options),
                risk=risk,
            )
        )
    parameters: dict[str, Any] = {
        "reach_km": float(reach_km),
        "force_protection": float(force_protection),
        "risk": risk,
        "areas": len(areas),
        "reach_mode": "straight",
    }
    if roads is not None:
        parameters.update(road_parameters(roads, table, chosen_season, limit))
    return YearlyResults(areas, tuple(results), parameters)


def yearly_alignment(
    connection: Connection,
    years: Sequence[int],
    reach_km: float = DEFAULT_REACH_KM,
    force_protection: float = DEFAULT_FORCE_PROTECTION,
    risk: RiskMeasure = "events",
    high_risk_share: float = DEFAULT_HIGH_RISK_SHARE,
    top_k: int | None = None,
    mission: str | None = None,
    language: Language = "fr",
    *,
    roads: Roads | None = None,
    speeds: Speeds | None = None,
    season: Season = "dry",
    hours: float | None = None,
) -> pd.DataFrame:
    """One row per year: the year's posture against the year's VAC per cercle.

    ``vac_events_within_reach`` and ``vac_fatalities_within_reach`` are shares (NaN without
    VAC); the rank correlation and the high-risk areas out of reach (names, ``"; "``-joined)
    use ``risk`` (VAC events or fatalities).

    Reach is straight-line within ``reach_km``; with ``roads`` it is travel time within
    ``hours`` (default 2 h) at ``speeds`` (default: the stored defaults) in ``season``, and
    ``reach_km`` is not used. ``attrs`` record the parameters (``reach_mode`` ``straight`` or
    ``roads``; with roads the file's name and SHA-256, the season, the hours, the speeds)."""
    return yearly_results(
        connection,
        years,
        reach_km,
        force_protection,
        risk,
        high_risk_share,
        top_k,
        mission,
        language,
        roads=roads,
        speeds=speeds,
        season=season,
        hours=hours,
    ).frame()
