"""The scenario's space-time cluster process (before events get any attribute).

Hotspots start events as an inhomogeneous Poisson process per month (yearly growth, a dry-season
peak, random surges); every event then triggers Poisson(``branching``) follow-up events after an
exponential delay, scattered around it: a discrete-time Hawkes (self-exciting) process. Points
always stay inside the demo outline of Mali.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import Polygon

from sentinelle.demo.profiles import Hotspot

SCENARIO_EPOCH = dt.date(2016, 1, 1)
"""Hotspot rates are given for this month; growth compounds from it (for at most 3 years)."""
KM_PER_DEGREE = 111.32
MAX_GENERATIONS = 30


@dataclass(frozen=True)
class Points:
    """Events of the cluster process before they get attributes: the hotspot that (directly or
    through its offspring) started each one, its day (counted from the first month) and place."""

    hotspot: npt.NDArray[np.intp]
    day: npt.NDArray[np.int64]
    latitude: npt.NDArray[np.float64]
    longitude: npt.NDArray[np.float64]

    def concat(self, other: Points) -> Points:
        return Points(
            np.concatenate([self.hotspot, other.hotspot]),
            np.concatenate([self.day, other.day]),
            np.concatenate([self.latitude, other.latitude]),
            np.concatenate([self.longitude, other.longitude]),
        )

    def take(self, index: npt.NDArray[np.intp]) -> Points:
        return Points(
            self.hotspot[index], self.day[index], self.latitude[index], self.longitude[index]
        )


def _scatter(
    rng: np.random.Generator,
    latitude: npt.NDArray[np.float64],
    longitude: npt.NDArray[np.float64],
    sd_km: npt.NDArray[np.float64],
    outline: Polygon,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Gaussian displacement of each point by ``sd_km``, redrawn (closer) when it falls outside
    the outline, and left in place if it still does after a few tries."""
    lat = latitude.copy()
    lon = longitude.copy()
    todo = np.arange(len(lat))
    scale = sd_km.astype("float64")
    for attempt in range(6):
        if not len(todo):
            break
        sd = scale[todo] / (2.0**attempt)
        sd_lat = sd / KM_PER_DEGREE
        sd_lon = sd / (KM_PER_DEGREE * np.cos(np.radians(latitude[todo])))
        lat[todo] = latitude[todo] + rng.normal(0.0, 1.0, len(todo)) * sd_lat
        lon[todo] = longitude[todo] + rng.normal(0.0, 1.0, len(todo)) * sd_lon
        todo = todo[~shapely.contains_xy(outline, lon[todo], lat[todo])]
    lat[todo] = latitude[todo]
    lon[todo] = longitude[todo]
    return lat, lon


def background(
    rng: np.random.Generator,
    spots: tuple[Hotspot, ...],
    first: pd.Period,
    last: pd.Period,
    outline: Polygon,
) -> Points:
    """Events started by the hotspots: Poisson counts per hotspot and month."""
    months = pd.period_range(first, last, freq="M")
    starts = months.start_time.to_numpy().astype("datetime64[D]")
    origin = starts[0]
    epoch = np.datetime64(SCENARIO_EPOCH, "D")
    years = np.clip((starts - epoch).astype("int64") / 365.25, 0.0, 3.0)
    season = 1.0 + 0.3 * np.cos(2 * np.pi * (months.month.to_numpy() - 3) / 12)
    base = np.array([h.events_per_month for h in spots])
    growth = np.array([h.growth_per_year for h in spots])
    surges = rng.gamma(shape=2.0, scale=0.5, size=(len(spots), len(months)))
    rate = base[:, None] * growth[:, None] ** years[None, :] * season[None, :] * surges
    counts = rng.poisson(rate)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    hotspot = (cell // len(months)).astype(np.intp)
    month = cell % len(months)
    offset = np.floor(rng.random(len(cell)) * months.days_in_month.to_numpy()[month])
    day = (starts[month] - origin).astype("int64") + offset.astype("int64")
    town_lat = np.array([h.town.latitude for h in spots])[hotspot]
    town_lon = np.array([h.town.longitude for h in spots])[hotspot]
    spread = np.array([h.spread_km for h in spots])[hotspot]
    lat, lon = _scatter(rng, town_lat, town_lon, spread, outline)
    return Points(hotspot, day, lat, lon)


def offspring(
    rng: np.random.Generator,
    parents: Points,
    spots: tuple[Hotspot, ...],
    total_days: int,
    outline: Polygon,
) -> Points:
    """One generation of follow-up events: each parent triggers Poisson(branching) children,
    after an exponential delay, displaced around it; children past the end are dropped."""
    branching = np.array([h.profile.branching for h in spots])[parents.hotspot]
    delay = np.array([h.profile.delay_days for h in spots])[parents.hotspot]
    child_km = np.array([h.profile.child_km for h in spots])[parents.hotspot]
    n_children = rng.poisson(branching)
    parent = np.repeat(np.arange(len(n_children)), n_children)
    day = parents.day[parent] + np.floor(rng.exponential(delay[parent])).astype("int64")
    lat, lon = _scatter(
        rng, parents.latitude[parent], parents.longitude[parent], child_km[parent], outline
    )
    keep = day < total_days
    return Points(parents.hotspot[parent][keep], day[keep], lat[keep], lon[keep])


def cluster_process(
    rng: np.random.Generator,
    spots: tuple[Hotspot, ...],
    first: pd.Period,
    last: pd.Period,
    outline: Polygon,
) -> Points:
    """All events of the months ``first``..``last``: background events and every generation of
    follow-ups, sorted by day (ties keep the order in which they were drawn)."""
    total_days = (last + 1).start_time.date().toordinal() - first.start_time.date().toordinal()
    points = background(rng, spots, first, last, outline)
    generation = points
    for _ in range(MAX_GENERATIONS):
        generation = offspring(rng, generation, spots, total_days, outline)
        if not len(generation.day):
            break
        points = points.concat(generation)
    order = np.lexsort((np.arange(len(points.day)), points.day))
    return points.take(np.asarray(order, dtype=np.intp))
