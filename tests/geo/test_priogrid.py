"""PRIO-GRID cell ids (sentinelle.domain.places), checked on known cells."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sentinelle.domain.places import PrioGridCell, priogrid_cells_covering, priogrid_gid


def test_known_cell_from_coordinates() -> None:
    assert priogrid_gid([10.51], [2.29])[0] == 145085


def test_known_cell_from_row_and_column() -> None:
    # row 151, column 412 counted from 1 (PRIO-GRID's own convention)
    row, col = 151, 412
    gid = (row - 1) * 720 + col
    assert gid == 108412
    cell = PrioGridCell(gid)
    assert (cell.row + 1, cell.col + 1) == (row, col)
    lon, lat = cell.centroid
    assert priogrid_gid([lat], [lon])[0] == 108412


def test_cell_geometry_round_trip() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(-89.9, 89.9, 500)
    lon = rng.uniform(-179.9, 179.9, 500)
    gids = priogrid_gid(lat, lon)
    for y, x, gid in zip(lat, lon, gids, strict=True):
        cell = PrioGridCell(int(gid))
        assert cell.geometry.covers(shapely.Point(x, y))
        assert cell.geometry.area == pytest.approx(0.25)
        cx, cy = cell.centroid
        assert priogrid_gid([cy], [cx])[0] == gid


def test_corners_edges_and_missing_values() -> None:
    gids = priogrid_gid([-90, 90, 0, np.nan, 95], [-180, 180, 0, 0, 0])
    assert gids[0] == 1
    assert gids[1] == 360 * 720  # north-east corner belongs to the last cell
    assert gids[2] == 180 * 720 + 360 + 1
    assert np.isnan(gids[3]) and np.isnan(gids[4])
    with pytest.raises(ValueError, match="outside"):
        PrioGridCell(0)


def test_cells_covering_an_area() -> None:
    cells = priogrid_cells_covering(shapely.box(-4.2, 14.1, -3.1, 14.9))
    gids = {c.gid for c in cells}
    assert len(cells) == 3 * 2
    assert int(priogrid_gid([14.5], [-4.0])[0]) in gids
