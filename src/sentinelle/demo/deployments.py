"""MINUSMA's sites for the demo scenario, and the main roads of the north and centre.

Site names, kinds and coordinates are those of real MINUSMA locations (``demo/data/
minusma_sites.csv``); periods and average troop numbers are rounded, plausible values for
training, not official figures. Roads (``demo/data/roads.csv``) are straight lines between towns,
used to put the scenario's IED events where IEDs are laid: on the roads.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiLineString

from sentinelle.demo._data import data_rows
from sentinelle.demo.towns import town_named
from sentinelle.domain.deployments import Deployment

MINUSMA = "MINUSMA"
DEMO_SOURCE = "demo"


@cache
def minusma_deployments() -> tuple[Deployment, ...]:
    """MINUSMA's headquarters, bases, camps and temporary bases, 2013–2023 (demo values)."""
    return tuple(
        Deployment(
            mission=MINUSMA,
            name=r["name_fr"],
            kind=r["kind"],
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            start=dt.date.fromisoformat(r["start"]),
            end=dt.date.fromisoformat(r["end"]) if r["end"] else None,
            troops=float(r["troops"]) if r["troops"] else None,
            source=DEMO_SOURCE,
        )
        for r in data_rows("minusma_sites.csv")
    )


def nearest_active_site(
    deployments: tuple[Deployment, ...],
    days: npt.NDArray[np.datetime64],
    latitude: npt.NDArray[np.float64],
    longitude: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """For each event (day, point): the distance in degrees to the nearest deployment active on
    that day and its index in ``deployments`` (``inf`` and ``-1`` when none is active)."""
    if not deployments:
        return np.full(len(days), np.inf), np.full(len(days), -1, dtype=np.intp)
    site_lat = np.array([d.latitude for d in deployments])
    site_lon = np.array([d.longitude for d in deployments])
    start = np.array([np.datetime64(d.start, "D") for d in deployments])
    end = np.array([np.datetime64(d.end or dt.date.max, "D") for d in deployments])
    day = days.astype("datetime64[D]")[:, None]
    active = (start[None, :] <= day) & (day <= end[None, :])
    distance = np.hypot(latitude[:, None] - site_lat[None, :], longitude[:, None] - site_lon)
    distance = np.where(active, distance, np.inf)
    index = np.asarray(distance.argmin(axis=1), dtype=np.intp)
    best = distance[np.arange(len(days)), index]
    return np.asarray(best, dtype="float64"), np.where(np.isfinite(best), index, -1)


@cache
def roads() -> MultiLineString:
    """The demo's road network: straight segments between towns (approximate)."""
    segments = []
    for r in data_rows("roads.csv"):
        a, b = town_named(r["from_town"]), town_named(r["to_town"])
        segments.append(LineString([(a.longitude, a.latitude), (b.longitude, b.latitude)]))
    return MultiLineString(segments)


def snap_to_roads(
    latitude: npt.NDArray[np.float64],
    longitude: npt.NDArray[np.float64],
    max_degrees: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Move each point to the nearest point of the nearest road when that road is within
    ``max_degrees``; returns (latitude, longitude, moved)."""
    network = roads()
    lines = list(network.geoms)
    points = shapely.points(longitude, latitude)
    tree = shapely.STRtree(lines)
    nearest = tree.nearest(points)
    on_line = shapely.line_interpolate_point(
        np.asarray(lines, dtype=object)[nearest],
        shapely.line_locate_point(np.asarray(lines, dtype=object)[nearest], points),
    )
    distance = shapely.distance(points, on_line)
    moved = distance <= max_degrees
    new_lon = np.where(moved, shapely.get_x(on_line), longitude)
    new_lat = np.where(moved, shapely.get_y(on_line), latitude)
    return new_lat, new_lon, moved
