"""The demo's own areas: approximate cercles and regions of Mali, and placing events in them.

Cercles (admin2) are the Voronoi cells of the demo towns (:mod:`sentinelle.demo.towns`), merged
per cercle and clipped to the hand-drawn outline (:mod:`sentinelle.demo.outline`). Regions
(admin1) are the unions of their cercles, and the country (admin0, ``ML``) is the outline. Every
unit is marked ``approximate=True, source="demo"``: the shapes are good enough to map and count a
training scenario, never to say where a real border runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from sentinelle.demo.outline import mali_outline
from sentinelle.demo.towns import towns, unit_names
from sentinelle.domain.events import EventFrame
from sentinelle.domain.places import LEVELS, AdminUnit, Level, priogrid_gid

DEMO_SOURCE = "demo"
POINT_PLACEMENT = "point"
"""Placement kind of an event placed by the point-in-polygon test on its coordinates."""


def _cercle_geometries() -> dict[str, BaseGeometry]:
    outline = mali_outline()
    all_towns = towns()
    points = MultiPoint([(t.longitude, t.latitude) for t in all_towns])
    cells = shapely.voronoi_polygons(points, extend_to=outline.buffer(2.0), ordered=True)
    parts: dict[str, list[BaseGeometry]] = {}
    for town, cell in zip(all_towns, cells.geoms, strict=True):
        parts.setdefault(town.admin2_pcode, []).append(cell)
    return {
        pcode: shapely.make_valid(shapely.union_all(cells).intersection(outline))
        for pcode, cells in parts.items()
    }


def _level(text: str) -> Level:
    for level in LEVELS:
        if text == level:
            return level
    raise ValueError(f"unknown unit level {text!r} in demo/data/units.csv")


@cache
def demo_units() -> tuple[AdminUnit, ...]:
    """Mali (admin0), its 9 regions (admin1) and 50 cercles (admin2), approximate shapes.

    Units come in :func:`~sentinelle.demo.towns.unit_names` order: country, regions, cercles.
    """
    cercles = _cercle_geometries()
    regions: dict[str, list[BaseGeometry]] = {}
    for pcode, cercle in cercles.items():
        regions.setdefault(pcode[:4], []).append(cercle)
    units = []
    for name in unit_names():
        geometry: BaseGeometry
        if name.level == "admin0":
            geometry = mali_outline()
        elif name.level == "admin1":
            geometry = shapely.union_all(regions[name.pcode])
        else:
            geometry = cercles[name.pcode]
        units.append(
            AdminUnit(
                pcode=name.pcode,
                level=_level(name.level),
                name_fr=name.name_fr,
                name_en=name.name_en,
                parent_pcode=name.parent_pcode,
                alternates=name.alternates,
                geometry=geometry,
                source=DEMO_SOURCE,
                approximate=True,
            )
        )
    return tuple(units)


class DemoPlacer:
    """Places points in the demo's cercles with an STR-tree point-in-polygon query."""

    __slots__ = ("_cercles", "_tree")

    def __init__(self, units: Sequence[AdminUnit]) -> None:
        self._cercles = [u for u in units if u.level == "admin2" and u.geometry is not None]
        if not self._cercles:
            raise ValueError("no admin2 units with a geometry to place events in")
        self._tree = STRtree([u.geometry for u in self._cercles])

    def admin2_pcodes(self, latitude: np.ndarray, longitude: np.ndarray) -> list[str | None]:
        """The P-code of the cercle containing each point (``None`` outside every cercle).

        A point on a border between two cercles goes to the first in unit order.
        """
        points = shapely.points(np.asarray(longitude, float), np.asarray(latitude, float))
        found: list[str | None] = [None] * len(points)
        point_idx, unit_idx = self._tree.query(points, predicate="intersects")
        for p, u in sorted(zip(point_idx.tolist(), unit_idx.tolist(), strict=True)):
            if found[p] is None:
                found[p] = self._cercles[u].pcode
        return found

    def place(self, events: EventFrame) -> EventFrame:
        """A copy of ``events`` with ``admin1_pcode``, ``admin2_pcode``, ``priogrid_gid`` and
        ``placement`` filled from each event's coordinates (left empty where there are none or
        the point is outside every cercle)."""
        frame = events.frame.copy()
        lat = frame["latitude"].to_numpy(dtype="float64", na_value=np.nan)
        lon = frame["longitude"].to_numpy(dtype="float64", na_value=np.nan)
        admin2 = pd.array(self.admin2_pcodes(lat, lon), dtype=frame["admin2_pcode"].dtype)
        placed = ~pd.isna(admin2)
        frame["admin2_pcode"] = admin2
        frame["admin1_pcode"] = frame["admin2_pcode"].str.slice(0, 4)
        gid = pd.array(priogrid_gid(lat, lon), dtype="Float64")
        frame["priogrid_gid"] = pd.array(gid.round(), dtype="Int32")
        frame["placement"] = pd.array(
            [POINT_PLACEMENT if p else None for p in placed], dtype=frame["placement"].dtype
        )
        return EventFrame(frame)
