"""Places: administrative units (with OCHA P-codes) and PRIO-GRID cells.

Units are keyed by P-code (Mali: ``ML`` + 2 digits per level, e.g. region ``ML05`` Mopti, cercle
``ML0506`` Mopti). PRIO-GRID cells are 0.5° × 0.5° squares numbered from the south-west corner of
the globe, row by row: ``gid = row * 720 + col + 1`` with zero-based ``row = floor((lat + 90) * 2)``
and ``col = floor((lon + 180) * 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

Level = Literal["admin0", "admin1", "admin2", "admin3"]
LEVELS: tuple[Level, ...] = ("admin0", "admin1", "admin2", "admin3")
UnitKind = Literal["admin1", "admin2", "priogrid"]
UNIT_KINDS: tuple[UnitKind, ...] = ("admin1", "admin2", "priogrid")

PRIOGRID_RESOLUTION = 0.5
PRIOGRID_COLUMNS = 720
PRIOGRID_ROWS = 360


@dataclass(frozen=True)
class AdminUnit:
    """An administrative unit. ``geometry`` is in WGS 84 longitude/latitude, or ``None``."""

    pcode: str
    level: Level
    name_fr: str
    name_en: str
    parent_pcode: str | None = None
    alternates: tuple[str, ...] = ()
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)
    source: str | None = None
    approximate: bool = False  # True for generated shapes (the demo scenario's areas)

    def name(self, language: str = "fr") -> str:
        return self.name_en if language == "en" else self.name_fr

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name_fr, self.name_en, *self.alternates)


@dataclass(frozen=True)
class PrioGridCell:
    gid: int

    def __post_init__(self) -> None:
        if not 1 <= self.gid <= PRIOGRID_ROWS * PRIOGRID_COLUMNS:
            raise ValueError(f"PRIO-GRID id {self.gid} is outside 1..259200")

    @property
    def row(self) -> int:
        """Zero-based row counted from the south (latitude -90)."""
        return (self.gid - 1) // PRIOGRID_COLUMNS

    @property
    def col(self) -> int:
        """Zero-based column counted from the west (longitude -180)."""
        return (self.gid - 1) % PRIOGRID_COLUMNS

    @property
    def south(self) -> float:
        return -90.0 + self.row * PRIOGRID_RESOLUTION

    @property
    def west(self) -> float:
        return -180.0 + self.col * PRIOGRID_RESOLUTION

    @property
    def centroid(self) -> tuple[float, float]:
        """(longitude, latitude) of the cell's centre."""
        half = PRIOGRID_RESOLUTION / 2
        return (self.west + half, self.south + half)

    @property
    def geometry(self) -> BaseGeometry:
        return box(
            self.west,
            self.south,
            self.west + PRIOGRID_RESOLUTION,
            self.south + PRIOGRID_RESOLUTION,
        )


def priogrid_gid(latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """PRIO-GRID cell ids for arrays of coordinates; NaN where a coordinate is missing or off
    the globe. Points on the north or east edge of the globe belong to the last row/column."""
    lat = np.asarray(latitude, dtype="float64")
    lon = np.asarray(longitude, dtype="float64")
    valid = (lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180)
    with np.errstate(invalid="ignore"):
        row = np.minimum(np.floor((lat + 90.0) / PRIOGRID_RESOLUTION), PRIOGRID_ROWS - 1)
        col = np.minimum(np.floor((lon + 180.0) / PRIOGRID_RESOLUTION), PRIOGRID_COLUMNS - 1)
    gid = row * PRIOGRID_COLUMNS + col + 1
    return np.where(valid, gid, np.nan)


def priogrid_cells_covering(geometry: BaseGeometry) -> list[PrioGridCell]:
    """The cells whose square intersects ``geometry`` (e.g. a country outline)."""
    west, south, east, north = geometry.bounds
    cells = []
    lat = np.floor(south / PRIOGRID_RESOLUTION) * PRIOGRID_RESOLUTION
    while lat < north:
        lon = np.floor(west / PRIOGRID_RESOLUTION) * PRIOGRID_RESOLUTION
        while lon < east:
            gid = int(priogrid_gid([lat + 0.25], [lon + 0.25])[0])
            cell = PrioGridCell(gid)
            if cell.geometry.intersects(geometry):
                cells.append(cell)
            lon += PRIOGRID_RESOLUTION
        lat += PRIOGRID_RESOLUTION
    return cells
