"""Real towns of Mali used by the demo scenario: every cercle seat and a few other towns.

Names, coordinates and cercle P-codes are public facts written down in ``demo/data/towns.csv``
(pre-2016 cercles: Ménaka is one cercle, ML0704, in the Gao region). The demo's areas are the
Voronoi cells of these towns, and an event's ``location`` is the nearest of them, so the two always
agree: an event lies in the area of the cercle its location belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from sentinelle.demo._data import data_rows


@dataclass(frozen=True)
class Town:
    """A town: its names, its cercle (admin2 P-code) and whether it is the cercle's seat."""

    name_fr: str
    name_en: str
    admin2_pcode: str
    seat: bool
    latitude: float
    longitude: float
    commune: str

    @property
    def admin1_pcode(self) -> str:
        return self.admin2_pcode[:4]


@dataclass(frozen=True)
class UnitName:
    """A row of ``demo/data/units.csv``: the country, a region or a cercle and its names."""

    pcode: str
    level: str
    name_fr: str
    name_en: str
    parent_pcode: str | None
    alternates: tuple[str, ...]


@cache
def towns() -> tuple[Town, ...]:
    """All demo towns, in file order (the order fixes the demo's random draws)."""
    return tuple(
        Town(
            name_fr=r["name_fr"],
            name_en=r["name_en"],
            admin2_pcode=r["admin2_pcode"],
            seat=r["seat"] == "true",
            latitude=float(r["latitude"]),
            longitude=float(r["longitude"]),
            commune=r["commune"],
        )
        for r in data_rows("towns.csv")
    )


@cache
def unit_names() -> tuple[UnitName, ...]:
    """Mali (``ML``), its 9 regions (ML01..ML09) and 50 pre-2016 cercles with their names."""
    return tuple(
        UnitName(
            pcode=r["pcode"],
            level=r["level"],
            name_fr=r["name_fr"],
            name_en=r["name_en"],
            parent_pcode=r["parent_pcode"] or None,
            alternates=tuple(a for a in r["alternates"].split("|") if a),
        )
        for r in data_rows("units.csv")
    )


def town_named(name: str) -> Town:
    """The town with this French or English name; :class:`KeyError` if there is none."""
    for town in towns():
        if name in (town.name_fr, town.name_en):
            return town
    raise KeyError(f"no demo town named {name!r}")


def seat_of(admin2_pcode: str) -> Town:
    """The seat (chef-lieu) of a cercle."""
    for town in towns():
        if town.seat and town.admin2_pcode == admin2_pcode:
            return town
    raise KeyError(f"no seat for cercle {admin2_pcode!r}")


class TownIndex:
    """Nearest-town look-ups in plain longitude/latitude degrees.

    Degrees (not kilometres) on purpose: the demo's areas are Voronoi cells computed in the same
    plane, so the nearest town of a point is always the town whose cell contains it.
    """

    __slots__ = ("_tree", "towns")

    def __init__(self, towns: tuple[Town, ...]) -> None:
        self.towns = towns
        self._tree = cKDTree(np.array([[t.longitude, t.latitude] for t in towns]))

    def nearest(
        self, latitude: npt.ArrayLike, longitude: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
        """(distance in degrees, index into :attr:`towns`) of the nearest town of each point."""
        points = np.column_stack(
            [np.asarray(longitude, dtype="float64"), np.asarray(latitude, dtype="float64")]
        )
        distance, index = self._tree.query(points)
        return np.asarray(distance, dtype="float64"), np.asarray(index, dtype=np.intp)


@cache
def town_index() -> TownIndex:
    """A :class:`TownIndex` over :func:`towns` (built once; it is never modified)."""
    return TownIndex(towns())
