"""A hand-drawn, simplified outline of Mali for the demo scenario.

The vertices below were written by hand from general knowledge of Mali's borders (longitude,
latitude in WGS 84). They are **approximate**: a few dozen points, good to within tens of
kilometres, made so that the demo works without any boundary file. Real analyses use real
boundaries (geoBoundaries, OCHA) read by :mod:`sentinelle.readers.boundaries`.
"""

from __future__ import annotations

from functools import cache

from shapely.geometry import Polygon

MALI_OUTLINE_VERTICES: tuple[tuple[float, float], ...] = (
    # northern tip, then the straight border with Algeria to the south-east
    (-4.83, 25.00),
    (-1.50, 22.85),
    (1.17, 21.10),
    (1.80, 20.60),
    (2.40, 20.10),
    (3.00, 19.93),
    (3.25, 19.80),
    (3.30, 19.40),
    (3.60, 19.15),
    (4.24, 19.14),
    # Niger
    (4.24, 16.99),
    (4.18, 16.40),
    (3.65, 15.65),
    (3.05, 15.38),
    (2.00, 15.33),
    (1.33, 15.28),
    (0.74, 14.93),
    (0.23, 14.99),
    # Burkina Faso
    (-0.45, 15.08),
    (-0.75, 15.05),
    (-1.10, 14.78),
    (-1.95, 14.50),
    (-2.10, 14.20),
    (-2.85, 14.00),
    (-3.25, 13.70),
    (-3.55, 13.35),
    (-3.97, 13.40),
    (-4.25, 13.15),
    (-4.42, 12.80),
    (-4.45, 12.50),
    (-4.80, 12.00),
    (-5.15, 11.75),
    (-5.35, 11.25),
    (-5.40, 10.85),
    (-5.50, 10.45),
    # Côte d'Ivoire
    (-5.90, 10.35),
    (-6.20, 10.20),
    (-6.65, 10.35),
    (-6.95, 10.15),
    (-7.50, 10.40),
    (-7.98, 10.17),
    # Guinea
    (-8.30, 10.60),
    (-8.30, 11.00),
    (-8.60, 11.40),
    (-8.40, 11.75),
    (-8.80, 12.05),
    (-9.30, 12.35),
    (-9.70, 12.15),
    (-10.15, 11.90),
    (-10.65, 11.92),
    (-11.00, 12.20),
    (-11.25, 12.05),
    (-11.40, 12.40),
    # Senegal (the Falémé)
    (-11.42, 12.95),
    (-11.60, 13.40),
    (-11.75, 13.90),
    (-12.05, 14.30),
    (-12.24, 14.76),
    # Mauritania
    (-11.75, 15.05),
    (-11.50, 15.55),
    (-10.90, 15.35),
    (-10.30, 15.40),
    (-9.40, 15.50),
    (-7.80, 15.50),
    (-5.35, 15.50),
    (-5.50, 16.10),
    (-5.60, 16.50),
    (-5.90, 19.00),
    (-6.57, 25.00),
)
"""Outline vertices, (longitude, latitude), clockwise from the northern tip."""


@cache
def mali_outline() -> Polygon:
    """Mali's simplified outline as a valid shapely polygon (about 107 square degrees)."""
    polygon = Polygon(MALI_OUTLINE_VERTICES)
    if not polygon.is_valid:  # pragma: no cover - guards edits of the vertex list
        raise ValueError("the demo outline of Mali is not a valid polygon")
    return polygon
