"""Spatial weights: PRIO-GRID contiguity from ids, admin contiguity from polygons."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from sentinelle.demo import generate_scenario
from sentinelle.domain.places import PrioGridCell
from sentinelle.store import places
from sentinelle.store.database import Store
from sentinelle.threat.weights import (
    admin_weights,
    distance_band_weights,
    grid_centroids,
    grid_weights,
    load_weights,
    polygon_weights,
    star_matrix,
)

GID = 145085  # 10.51 N 2.29 E: row 201, column 364


def block(center: int, size: int = 1) -> list[int]:
    return [
        center + dr * 720 + dc for dr in range(-size, size + 1) for dc in range(-size, size + 1)
    ]


def test_grid_queen_neighbours_of_a_known_cell() -> None:
    cells = [*block(GID, 2), 1, 720]  # a 5 × 5 block and two cells far away
    weights = grid_weights(cells)
    row, col = PrioGridCell(GID).row, PrioGridCell(GID).col
    expected = {
        str((row + dr) * 720 + (col + dc) + 1)
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if (dr, dc) != (0, 0)
    }
    assert set(weights.neighbours(str(GID))) == expected
    assert set(grid_weights(cells, rook=True).neighbours(str(GID))) == {
        str(GID - 720),
        str(GID + 720),
        str(GID - 1),
        str(GID + 1),
    }
    corner = str(GID - 2 * 720 - 2)
    assert len(weights.neighbours(corner)) == 3
    assert weights.cardinalities.max() == 8
    # cells 1 and 720 are the two ends of the southernmost row: neighbours across 180°
    assert weights.neighbours("1") == ["720"] and weights.islands == ()


def test_grid_weights_are_symmetric_binary_without_self() -> None:
    weights = grid_weights(block(GID, 3)[::-1])  # any order: the matrix follows it
    matrix = weights.matrix.toarray()
    assert (matrix == matrix.T).all() and set(np.unique(matrix)) == {0.0, 1.0}
    assert (np.diag(matrix) == 0).all()
    assert weights.units[0] == str(block(GID, 3)[-1])
    assert (weights.with_self().diagonal() == 1).all()
    with pytest.raises(ValueError, match="unique"):
        grid_weights([GID, GID])


def test_polygon_queen_contiguity_with_a_tolerance_for_gaps() -> None:
    shapes = {
        "A": box(0, 0, 1, 1),
        "B": box(1, 0, 2, 1),  # shares an edge with A
        "C": box(1, 1, 2, 2),  # touches A at a single point (queen, not rook)
        "D": box(2.002, 0, 3, 1),  # 0.002° gap from B: simplified borders
        "E": box(10, 10, 11, 11),  # far away: an island
        "F": Polygon([(0, 1), (0.99, 1.001), (0, 2)]),  # overlaps A a little
    }
    weights = polygon_weights(list(shapes), list(shapes.values()))
    assert weights.neighbours("A") == ["B", "C", "F"]
    assert weights.neighbours("D") == ["B", "C"]
    assert weights.islands == ("E",)
    strict = polygon_weights(list(shapes), list(shapes.values()), tolerance=0)
    assert strict.neighbours("D") == [] and set(strict.islands) == {"D", "E"}
    assert "tolerance 0.005°" in weights.summary() and "islands: E" in weights.summary()
    missing = polygon_weights(["A", "X"], [shapes["A"], None])
    assert missing.islands == ("A", "X")


def test_demo_cercles_bankass_touches_koro_and_nobody_neighbours_itself() -> None:
    units = generate_scenario().units_at("admin2")
    weights = admin_weights(units)
    assert "ML0505" in weights.neighbours("ML0502")  # Bankass – Koro
    assert "ML0502" in weights.neighbours("ML0505")
    assert "ML0502" in weights.neighbours("ML0501")  # Bandiagara – Bankass
    assert "ML0901" not in weights.neighbours("ML0502")  # Bamako is far from Bankass
    matrix = weights.matrix.toarray()
    assert (np.diag(matrix) == 0).all() and (matrix == matrix.T).all()
    assert weights.islands == ()
    star = star_matrix(weights.matrix)
    assert (star.diagonal() == 1).all() and star.sum() == matrix.sum() + len(units)


def test_reorder_to_a_panels_units() -> None:
    weights = polygon_weights(["A", "B", "C"], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)])
    reordered = weights.reorder(["C", "B", "A"])
    assert reordered.units == ("C", "B", "A")
    assert reordered.neighbours("A") == ["B"] and reordered.islands == ("C",)
    assert reordered.matrix.toarray()[1, 2] == 1
    with pytest.raises(ValueError, match="no spatial weights"):
        weights.reorder(["A", "Z"])


def test_distance_band_on_grid_centroids() -> None:
    cells = block(GID, 1)
    lon, lat = grid_centroids(cells)
    assert (lon[4], lat[4]) == PrioGridCell(GID).centroid
    # cells are ~55 km apart at 10.5° N; diagonals ~78 km
    rook = distance_band_weights([str(c) for c in cells], lon, lat, km=60)
    queen = distance_band_weights([str(c) for c in cells], lon, lat, km=80)
    assert len(rook.neighbours(str(GID))) == 4 and len(queen.neighbours(str(GID))) == 8
    assert (queen.matrix.toarray() == grid_weights(cells).matrix.toarray()).all()


def test_load_weights_from_the_store(sqlite_store: Store) -> None:
    units = generate_scenario().units_at("admin2")
    with sqlite_store.transaction() as connection:
        places.replace_units(connection, units)
        weights = load_weights(connection, "admin2", units=["ML0505", "ML0502"])
        grid = load_weights(connection, "priogrid", units=[str(g) for g in block(GID)])
    assert weights.units == ("ML0505", "ML0502") and weights.neighbours("ML0505") == ["ML0502"]
    assert len(grid.neighbours(str(GID))) == 8
