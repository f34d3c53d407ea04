"""Spatial weights: which units are neighbours, as a sparse matrix in the panel's unit order.

Hotspot statistics compare each unit's neighbourhood with the whole country, so they need to
know who neighbours whom. :class:`SpatialWeights` holds an ``n × n`` :mod:`scipy.sparse` CSR
matrix (``w[i, j] = 1`` when unit ``j`` neighbours unit ``i``; never a unit with itself — the
Gi* statistic adds each unit to its own neighbourhood), the unit codes in matrix order, and the
**islands** (units with no neighbour), which are reported rather than hidden.

* :func:`polygon_weights` — admin units (cercles, regions) are neighbours when their polygons
  share a boundary or a single point (*queen* contiguity). Simplified boundary files leave small
  gaps and overlaps between units that touch in reality, so two polygons count as touching when
  they come within ``tolerance`` degrees of each other (default :data:`TOLERANCE` = 0.005°, about
  550 m: far below the size of any cercle, far above the gaps of simplified boundaries).
  Candidates come from a shapely ``STRtree``.
* :func:`grid_weights` — PRIO-GRID cells are neighbours when they share an edge or a corner
  (queen; ``rook=True`` for edges only), computed from the ids' row and column
  (``gid = row × 720 + col + 1``); columns wrap around the antimeridian.
* :func:`distance_band_weights` — points (e.g. unit centroids) within a great-circle distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from sentinelle.domain.places import PRIOGRID_COLUMNS, PRIOGRID_ROWS, AdminUnit, UnitKind
from sentinelle.store import places

TOLERANCE = 0.005
"""Degrees within which two admin polygons count as touching (≈ 550 m at the equator)."""
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Binary spatial weights over ``units`` (codes in matrix order).

    ``matrix`` is a symmetric ``n × n`` CSR array of 0/1 (``float64``) with an empty diagonal;
    ``kind`` says how it was built and ``islands`` lists the units without a neighbour.
    """

    units: tuple[str, ...]
    matrix: sparse.csr_array
    kind: str

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def cardinalities(self) -> npt.NDArray[np.int64]:
        """Number of neighbours of each unit."""
        return np.diff(self.matrix.indptr).astype(np.int64)

    @property
    def islands(self) -> tuple[str, ...]:
        """Units with no neighbour (a Gi* neighbourhood of one: the unit itself)."""
        return tuple(np.asarray(self.units, dtype=object)[self.cardinalities == 0])

    def neighbours(self, unit: str) -> list[str]:
        """The neighbours of ``unit``, in matrix order."""
        i = self.units.index(str(unit))
        row = self.matrix.indices[self.matrix.indptr[i] : self.matrix.indptr[i + 1]]
        return [self.units[j] for j in sorted(row)]

    def with_self(self) -> sparse.csr_array:
        """The matrix with 1 on the diagonal: each unit in its own neighbourhood (Gi*)."""
        return star_matrix(self.matrix)

    def reorder(self, units: Sequence[str]) -> SpatialWeights:
        """The same weights over ``units`` (e.g. a panel's unit order); every unit must be
        known, and units left out drop their links."""
        position = {u: i for i, u in enumerate(self.units)}
        unknown = [u for u in units if str(u) not in position]
        if unknown:
            raise ValueError(
                f"no spatial weights for {len(unknown)} unit(s): {', '.join(map(str, unknown[:5]))}"
            )
        index = np.array([position[str(u)] for u in units], dtype=np.intp)
        matrix = sparse.csr_array(self.matrix[index][:, index])
        return SpatialWeights(tuple(str(u) for u in units), matrix, self.kind)

    def summary(self) -> str:
        """One line for logs and reports."""
        k = self.cardinalities
        islands = f"; islands: {', '.join(self.islands)}" if self.islands else "; no islands"
        return (
            f"{self.kind}: {self.n} units, {int(k.sum()) // 2} neighbour pairs, "
            f"{k.mean() if self.n else 0:.1f} neighbours on average{islands}"
        )


def star_matrix(matrix: sparse.sparray | sparse.spmatrix | np.ndarray) -> sparse.csr_array:
    """``matrix`` (square) as CSR with every diagonal entry set to 1."""
    square = sparse.csr_array(matrix, dtype=np.float64)
    if square.shape[0] != square.shape[1]:
        raise ValueError(f"spatial weights must be square, not {square.shape}")
    diagonal = sparse.diags_array(1.0 - square.diagonal(), format="csr")
    star = sparse.csr_array(square + diagonal)
    star.sort_indices()
    return star


def _from_pairs(
    units: Sequence[str], left: np.ndarray, right: np.ndarray, kind: str
) -> SpatialWeights:
    """Symmetric binary weights from index pairs (self pairs and repeats dropped)."""
    n = len(units)
    keep = left != right
    rows = np.concatenate([left[keep], right[keep]])
    cols = np.concatenate([right[keep], left[keep]])
    matrix = sparse.coo_array(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, n)
    ).tocsr()
    matrix.data[:] = 1.0  # repeated pairs were summed
    matrix.sort_indices()
    return SpatialWeights(tuple(str(u) for u in units), sparse.csr_array(matrix), kind)


def polygon_weights(
    units: Sequence[str],
    geometries: Sequence[BaseGeometry | None],
    tolerance: float = TOLERANCE,
) -> SpatialWeights:
    """Queen contiguity of polygons: ``units[i]`` and ``units[j]`` are neighbours when their
    geometries intersect or lie within ``tolerance`` degrees of each other. Units without a
    geometry are islands."""
    if len(units) != len(geometries):
        raise ValueError("need one geometry per unit")
    if len(set(map(str, units))) != len(units):
        raise ValueError("unit codes must be unique")
    if tolerance < 0:
        raise ValueError("the tolerance cannot be negative")
    shapes = np.array(list(geometries), dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geometries], dtype=bool)
    index = np.flatnonzero(present)
    if len(index) == 0:
        empty = np.array([], dtype=np.intp)
        return _from_pairs(units, empty, empty, "queen contiguity (polygons)")
    tree = shapely.STRtree(shapes[index])
    if tolerance > 0:
        left, right = tree.query(shapes[index], predicate="dwithin", distance=tolerance)
    else:
        left, right = tree.query(shapes[index], predicate="intersects")
    kind = f"queen contiguity (polygons, tolerance {tolerance:g}°)"
    return _from_pairs(units, index[left], index[right], kind)


def admin_weights(units: Sequence[AdminUnit], tolerance: float = TOLERANCE) -> SpatialWeights:
    """:func:`polygon_weights` of admin units (cercles or regions), in the given order."""
    return polygon_weights([u.pcode for u in units], [u.geometry for u in units], tolerance)


def _gid_array(gids: Sequence[int | str] | npt.ArrayLike) -> npt.NDArray[np.int64]:
    values = np.asarray(gids).astype(str).astype(np.int64)
    if len(values) and ((values < 1) | (values > PRIOGRID_ROWS * PRIOGRID_COLUMNS)).any():
        raise ValueError("PRIO-GRID ids must lie in 1..259200")
    if len(np.unique(values)) != len(values):
        raise ValueError("PRIO-GRID ids must be unique")
    return values


def grid_weights(gids: Sequence[int | str] | npt.ArrayLike, rook: bool = False) -> SpatialWeights:
    """Contiguity of PRIO-GRID cells, in the order of ``gids``: the 8 cells around each cell
    (queen) or the 4 sharing an edge (``rook=True``), among those listed."""
    ids = _gid_array(gids)
    row = (ids - 1) // PRIOGRID_COLUMNS
    col = (ids - 1) % PRIOGRID_COLUMNS
    order = np.argsort(ids)
    sorted_ids = ids[order]
    offsets = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if not rook:
        offsets += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    lefts, rights = [], []
    for dr, dc in offsets:  # 4 or 8 vectorised passes, one per direction
        r, c = row + dr, (col + dc) % PRIOGRID_COLUMNS
        target = r * PRIOGRID_COLUMNS + c + 1
        valid = (r >= 0) & (r < PRIOGRID_ROWS)
        position = np.minimum(np.searchsorted(sorted_ids, target), len(ids) - 1)
        found = valid & (sorted_ids[position] == target)
        lefts.append(np.flatnonzero(found))
        rights.append(order[position[found]])
    left = np.concatenate(lefts) if lefts else np.array([], dtype=np.intp)
    right = np.concatenate(rights) if rights else np.array([], dtype=np.intp)
    kind = "rook contiguity (PRIO-GRID)" if rook else "queen contiguity (PRIO-GRID)"
    return _from_pairs([str(g) for g in ids], left, right, kind)


def grid_centroids(
    gids: Sequence[int | str] | npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(longitudes, latitudes) of the centres of PRIO-GRID cells."""
    ids = _gid_array(gids)
    lon = -180.0 + ((ids - 1) % PRIOGRID_COLUMNS) * 0.5 + 0.25
    lat = -90.0 + ((ids - 1) // PRIOGRID_COLUMNS) * 0.5 + 0.25
    return lon.astype(np.float64), lat.astype(np.float64)


def distance_band_weights(
    units: Sequence[str],
    longitude: npt.ArrayLike,
    latitude: npt.ArrayLike,
    km: float,
) -> SpatialWeights:
    """Units whose points lie within ``km`` kilometres of each other (great-circle distance),
    e.g. centroids of cercles or PRIO-GRID cells (:func:`grid_centroids`)."""
    lon = np.radians(np.asarray(longitude, dtype=np.float64))
    lat = np.radians(np.asarray(latitude, dtype=np.float64))
    if not (len(units) == len(lon) == len(lat)):
        raise ValueError("need one point per unit")
    if km <= 0:
        raise ValueError("the distance band must be positive")
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    chord = 2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0)
    pairs = cKDTree(xyz).query_pairs(chord, output_type="ndarray")
    return _from_pairs(units, pairs[:, 0], pairs[:, 1], f"distance band ({km:g} km)")


def load_weights(
    connection: Connection,
    unit_kind: UnitKind,
    units: Sequence[str] | None = None,
    tolerance: float = TOLERANCE,
) -> SpatialWeights:
    """Contiguity weights for the stored units of a level (admin polygons from the store, or
    PRIO-GRID cells from ``units``), in the order of ``units`` when given (e.g. a panel's)."""
    if unit_kind == "priogrid":
        if units is None:
            raise ValueError("PRIO-GRID weights need the cells' ids (e.g. the panel's units)")
        return grid_weights(list(units))
    weights = admin_weights(places.load_units(connection, unit_kind), tolerance)
    return weights.reorder(units) if units is not None else weights
