"""Reach: which areas each site can reach, and how much capacity can reach each area.

For now reach is a straight line: a site reaches an area when the great-circle distance from the
site to the area's representative point (a point inside the area; for cercles, the stored
boundary's ``representative_point()`` in the pre-2016 geography, as the forecasts use) is at most
the threshold (default 50 km). Travel over the road network is to come.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection

from sentinelle.domain.vocabulary import Language
from sentinelle.forecast.data import haversine_km
from sentinelle.geo.crosswalk import to_pre2016
from sentinelle.planning.posture import Posture
from sentinelle.store import places

DEFAULT_REACH_KM = 50.0


@dataclass(frozen=True, eq=False)
class Areas:
    """Areas with a representative point each (NaN coordinates: the area is never reached)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    longitude: npt.NDArray[np.float64]
    latitude: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        n = len(self.codes)
        if not (len(self.names) == len(self.longitude) == len(self.latitude) == n):
            raise ValueError("areas need one name, longitude and latitude per code")
        if len(set(self.codes)) != n:
            raise ValueError("area codes must be unique")

    def __len__(self) -> int:
        return len(self.codes)


def areas_from(
    codes: Sequence[str],
    longitude: Sequence[float],
    latitude: Sequence[float],
    names: Sequence[str] | None = None,
) -> Areas:
    return Areas(
        tuple(str(c) for c in codes),
        tuple(str(n) for n in (names if names is not None else codes)),
        np.asarray(longitude, dtype=float),
        np.asarray(latitude, dtype=float),
    )


def load_areas(connection: Connection, language: Language = "fr") -> Areas:
    """The stored cercles in the pre-2016 geography, each with its representative point."""
    stored = places.load_units(connection, "admin2")
    if not stored:
        raise ValueError("the store holds no cercles (admin2 units): import boundaries first")
    pre = to_pre2016(pd.Series([u.pcode for u in stored], dtype="string"))
    keep = [u for u, p in zip(stored, pre, strict=True) if u.pcode == p]
    points = [u.geometry.representative_point() if u.geometry is not None else None for u in keep]
    return Areas(
        tuple(u.pcode for u in keep),
        tuple(u.name(language) for u in keep),
        np.array([p.x if p is not None else np.nan for p in points], dtype=float),
        np.array([p.y if p is not None else np.nan for p in points], dtype=float),
    )


def check_reach_km(reach_km: float) -> float:
    value = float(reach_km)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"the reach must be a positive number of kilometres, not {reach_km}")
    return value


@dataclass(frozen=True, eq=False)
class Reach:
    """``matrix[i, j]``: site ``i`` reaches area ``j``; ``capacity[j]``: deployable capacity of
    the sites reaching area ``j``."""

    reach_km: float
    distance_km: npt.NDArray[np.float64]  # sites × areas
    matrix: npt.NDArray[np.bool_]  # sites × areas
    capacity: npt.NDArray[np.float64]  # per area

    @property
    def reached(self) -> npt.NDArray[np.bool_]:
        """Per area: at least one site reaches it."""
        return np.asarray(self.matrix.any(axis=0), dtype=bool)


def reach(posture: Posture, areas: Areas, reach_km: float = DEFAULT_REACH_KM) -> Reach:
    """Straight-line reach of the posture's sites over ``areas``."""
    limit = check_reach_km(reach_km)
    n_sites, n_areas = len(posture.sites), len(areas)
    if n_sites == 0:
        empty = np.zeros((0, n_areas))
        return Reach(limit, empty, empty.astype(bool), np.zeros(n_areas))
    distance = haversine_km(
        posture.longitude[:, None],
        posture.latitude[:, None],
        areas.longitude[None, :],
        areas.latitude[None, :],
    ).reshape(n_sites, n_areas)
    matrix = np.asarray(distance <= limit, dtype=bool)  # NaN distances compare False
    capacity = posture.capacity @ matrix.astype(float)
    return Reach(limit, distance, matrix, np.asarray(capacity, dtype=float))
