"""Maps of one year's alignment as self-contained SVG (no plotting library, no network).

One map per year (:func:`alignment_svg`) shows, over the cercles in the pre-2016 geography:

* each cercle shaded in five sequential classes by the year's risk (VAC events by default) —
  the class breaks (:data:`DEFAULT_BREAKS`, the same every year so that maps compare) are
  stated in the legend;
* the sites held in the year as dots whose area grows with their troops;
* with straight-line reach, each site's reach as a dashed circle of ``reach_km``; with roads,
  no circle (reach by road is not a disc) — the legend says so;
* each cercle's representative point (where reach is measured), filled when some site reaches
  it;
* the high-risk cercles out of reach outlined in a strong colour and named;
* a title (year, reach, share of the risk within reach) and a legend, in English or French.

The projection is equirectangular with longitudes scaled by the cosine of the map's mean
latitude: ``x = (lon − lon₀) · cos φ₀ · s``, ``y = (lat_max − lat) · s`` where ``s`` is SVG units
per degree of latitude. A circle of ``r`` km around a site at latitude φ is then an ellipse with
``ry = r / 111.195 · s`` and ``rx = ry · cos φ₀ / cos φ`` (111.195 km per degree on the
6371.0088 km sphere of the distances).

Geometries are simplified (``tolerance`` degrees, default 0.015) and coordinates written with one
decimal, which keeps a map of Mali's 50 cercles well under 150 KB.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from sentinelle.domain.vocabulary import Language
from sentinelle.geo.crosswalk import to_pre2016
from sentinelle.planning.alignment import YearAlignment, YearlyResults
from sentinelle.planning.reach import Areas
from sentinelle.store import places

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # 111.195 km of latitude per degree
DEFAULT_BREAKS: tuple[float, ...] = (1, 3, 6, 16)
"""Lower bounds of classes 2–5: 0 | 1–2 | 3–5 | 6–15 | 16 or more."""
CLASS_COLOURS = ("#f4f1ea", "#f3d6a4", "#e9a15c", "#cf5a2e", "#86201b")
"""Sequential fills, lightest (class 1) to darkest (class 5)."""
OUT_OF_REACH_COLOUR = "#0a56c2"
SITE_COLOUR = "#1d2b45"
NO_SHAPE_COLOUR = "#ffffff"
DEFAULT_TOLERANCE = 0.015
WIDTH = 900.0
MAP_WIDTH = 610.0
MAP_HEIGHT = 640.0
TOP = 64.0
MARGIN = 16.0
LEGEND_X = 640.0
TROOP_SAMPLES = (250, 1000, 4000)

LABELS: dict[str, tuple[str, str]] = {
    # key: (English, French)
    "title": (
        "Posture and violence against civilians, {year}",
        "Dispositif et violence contre les civils, {year}",
    ),
    "straight": ("Reach {km} km (straight line)", "Portée {km} km (à vol d'oiseau)"),
    "roads": (
        "Reach by road within {hours} h ({season} season)",
        "Portée par la route en {hours} h au plus (saison {season})",
    ),
    "dry": ("dry", "sèche"),
    "rainy": ("rainy", "des pluies"),
    "share": ("{share} of {measure} within reach", "{share} des {measure} à portée"),
    "no_risk": ("no {measure} recorded", "aucun {measure_one} enregistré"),
    "sites": ("{n} sites", "{n} emprises"),
    "events": ("VAC events", "événements VCC"),
    "fatalities": ("VAC deaths", "morts VCC"),
    "events_one": ("VAC event", "événement VCC"),
    "fatalities_one": ("VAC death", "mort VCC"),
    "legend_classes": ("{measure} in {year}, per cercle", "{measure} en {year}, par cercle"),
    "or_more": ("{n} or more", "{n} ou plus"),
    "below": ("below {n}", "moins de {n}"),
    "out_of_reach": ("High-risk cercle out of reach", "Cercle à haut risque hors de portée"),
    "site": ("Site (area ∝ troops)", "Emprise (surface ∝ troupes)"),
    "troops": ("{n} troops", "{n} soldats"),
    "reach_circle": ("Reach of a site: {km} km", "Portée d'une emprise : {km} km"),
    "reach_roads": (
        "Reach by road: no circle (travel time)",
        "Portée par la route : pas de cercle (temps de trajet)",
    ),
    "point_reached": ("Cercle's point, reached", "Point du cercle, atteint"),
    "point_missed": ("Cercle's point, not reached", "Point du cercle, non atteint"),
    "note_1": ("Reach is measured to each", "La portée est mesurée au point"),
    "note_2": ("cercle's representative point;", "représentatif de chaque cercle ;"),
    "note_3": ("cercles as before 2016.", "cercles d'avant 2016."),
    "high_risk_note": (
        "High risk: the fewest cercles holding",
        "Haut risque : le moins de cercles possible",
    ),
    "high_risk_note_2": ("80% of the {measure}.", "réunissant 80 % des {measure}."),
    "tooltip_area": ("{name}: {value} {measure}", "{name} : {value} {measure}"),
    "tooltip_site": ("{name}: {troops} troops", "{name} : {troops} soldats"),
}


def label(key: str, language: Language, **values: object) -> str:
    en, fr = LABELS[key]
    return (fr if language == "fr" else en).format(**values)


def _number(value: float, language: Language) -> str:
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if language == "fr" else text


def _percent(value: float, language: Language) -> str:
    return f"{value:.0%}".replace("%", "\u202f%") if language == "fr" else f"{value:.0%}"


def _km(value: float) -> str:
    return f"{value:g}"


# --- classes ------------------------------------------------------------------------------------


def check_breaks(breaks: Sequence[float]) -> tuple[float, ...]:
    values = tuple(float(b) for b in breaks)
    if len(values) != len(CLASS_COLOURS) - 1:
        raise ValueError(f"give {len(CLASS_COLOURS) - 1} class breaks, not {len(values)}")
    if not all(math.isfinite(b) for b in values) or values[0] <= 0:
        raise ValueError(f"class breaks must be finite and above 0, not {list(breaks)}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"class breaks must increase, not {list(breaks)}")
    return values


def risk_class(values: npt.ArrayLike, breaks: Sequence[float] = DEFAULT_BREAKS) -> np.ndarray:
    """Class (0–4) of each value: class ``i`` holds values from ``breaks[i-1]`` (included) to
    ``breaks[i]`` (excluded); class 0 is below ``breaks[0]``."""
    edges = np.asarray(check_breaks(breaks))
    return np.searchsorted(edges, np.asarray(values, dtype=float), side="right")


def class_labels(breaks: Sequence[float], language: Language) -> list[str]:
    """Legend labels of the five classes: ``0``, ``1–2``, ``3–5``, ``6–15``, ``16 or more`` for
    whole-number breaks starting at 1."""
    edges = check_breaks(breaks)
    whole = all(float(b).is_integer() for b in edges)

    def fmt(value: float) -> str:
        return _number(value, language) if float(value).is_integer() else f"{value:g}"

    first = "0" if whole and edges[0] == 1 else label("below", language, n=fmt(edges[0]))
    labels = [first]
    for low, high in itertools.pairwise(edges):
        if whole:
            top = high - 1
            labels.append(fmt(low) if top == low else f"{fmt(low)}–{fmt(top)}")
        else:
            labels.append(f"{fmt(low)} – <{fmt(high)}")
    labels.append(label("or_more", language, n=fmt(edges[-1])))
    return labels


# --- geometry -----------------------------------------------------------------------------------


def load_area_shapes(
    connection: Connection, areas: Areas, tolerance: float = DEFAULT_TOLERANCE
) -> list[BaseGeometry | None]:
    """Per area (in the areas' order), the outline to draw: the union of the stored cercles that
    fall in it in the pre-2016 geography (the 2016 Ménaka cercles in Ménaka), simplified by
    ``tolerance`` degrees; None without a stored boundary."""
    stored = places.load_units(connection, "admin2")
    pre = to_pre2016(pd.Series([u.pcode for u in stored], dtype="string"))
    parts: dict[str, list[BaseGeometry]] = {}
    for unit, code in zip(stored, pre, strict=True):
        if unit.geometry is not None and not unit.geometry.is_empty and not pd.isna(code):
            parts.setdefault(str(code), []).append(unit.geometry)
    shapes: list[BaseGeometry | None] = []
    for code in areas.codes:
        found = parts.get(code)
        if not found:
            shapes.append(None)
            continue
        merged = found[0] if len(found) == 1 else shapely.union_all(found)
        shapes.append(simplify(merged, tolerance))
    return shapes


def simplify(geometry: BaseGeometry, tolerance: float = DEFAULT_TOLERANCE) -> BaseGeometry:
    """``geometry`` simplified, keeping it valid; the original when simplifying empties it."""
    if tolerance <= 0:
        return geometry
    simpler = geometry.simplify(tolerance, preserve_topology=True)
    return geometry if simpler.is_empty else simpler


@dataclass(frozen=True)
class Projection:
    """Equirectangular, longitudes scaled by ``cos(mean latitude)``; ``scale`` SVG units per
    degree of latitude; ``(x0, y0)`` is where (``west``, ``north``) lands."""

    west: float
    north: float
    mean_latitude: float
    scale: float
    x0: float
    y0: float

    @property
    def kx(self) -> float:
        return math.cos(math.radians(self.mean_latitude))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.x0 + (lon - self.west) * self.kx * self.scale,
            self.y0 + (self.north - lat) * self.scale,
        )

    def radii(self, km: float, latitude: float) -> tuple[float, float]:
        """``(rx, ry)`` in SVG units of a circle of ``km`` around a point at ``latitude``."""
        ry = km / KM_PER_DEGREE * self.scale
        return ry * self.kx / math.cos(math.radians(latitude)), ry


def fit_projection(
    bounds: tuple[float, float, float, float],
    width: float = MAP_WIDTH,
    height: float = MAP_HEIGHT,
    x0: float = MARGIN,
    y0: float = TOP,
) -> Projection:
    """The projection fitting ``bounds`` (west, south, east, north) into ``width × height``."""
    west, south, east, north = bounds
    mean = (south + north) / 2
    kx = math.cos(math.radians(mean))
    span_x = max((east - west) * kx, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min(width / span_x, height / span_y)
    return Projection(west, north, mean, scale, x0, y0)


def _ring(coords: npt.NDArray[np.float64], projection: Projection) -> str:
    points = []
    last = None
    for lon, lat in coords[:-1] if len(coords) > 1 else coords:
        x, y = projection.xy(float(lon), float(lat))
        text = f"{x:.1f},{y:.1f}"
        if text != last:
            points.append(text)
        last = text
    if len(points) < 3:
        return ""
    return "M" + " ".join(points) + "Z"


def path_data(geometry: BaseGeometry, projection: Projection) -> str:
    """SVG path data of a (multi)polygon: one closed subpath per ring."""
    polygons: list[Polygon]
    if isinstance(geometry, Polygon):
        polygons = [geometry]
    elif isinstance(geometry, MultiPolygon):
        polygons = list(geometry.geoms)
    else:
        polygons = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon)]
    rings = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append(_ring(np.asarray(ring.coords, dtype=float)[:, :2], projection))
    return "".join(r for r in rings if r)


def site_radius(troops: float) -> float:
    """Dot radius of a site: area grows with troops (2 units for none, 9.6 for 4,000)."""
    return 2.0 + 0.12 * math.sqrt(max(float(troops), 0.0))


# --- the map ------------------------------------------------------------------------------------


def alignment_svg(
    areas: Areas,
    shapes: Sequence[BaseGeometry | None],
    item: YearAlignment,
    *,
    reach_km: float,
    language: Language = "fr",
    breaks: Sequence[float] = DEFAULT_BREAKS,
    hours: float | None = None,
    season: str = "dry",
) -> str:
    """The SVG map of one year (see the module docstring). ``shapes`` are the areas' outlines in
    the areas' order (:func:`load_area_shapes`); ``hours`` (or an alignment by road) means
    reach by road: no circles."""
    if len(shapes) != len(areas):
        raise ValueError(f"{len(shapes)} shapes for {len(areas)} areas")
    edges = check_breaks(breaks)
    chosen = item.chosen
    measure = label(item.risk, language)
    measure_one = label(f"{item.risk}_one", language)
    risk = chosen.risk
    classes = risk_class(risk, edges)
    reached = chosen.reach.reached
    by_road = hours is not None or chosen.hours is not None
    limit = hours if hours is not None else chosen.hours
    posture = item.posture

    bounds = _bounds(areas, shapes, posture.longitude, posture.latitude)
    projection = fit_projection(bounds)
    _, bottom = projection.xy(bounds[0], bounds[1])
    height = max(bottom + MARGIN, TOP + 560.0)

    parts: list[str] = []
    add = parts.append
    title = label("title", language, year=item.year)
    if by_road:
        reach_text = label("roads", language, hours=f"{limit:g}", season=label(season, language))
    else:
        reach_text = label("straight", language, km=_km(reach_km))
    share = chosen.share_within_reach
    share_text = (
        label("no_risk", language, measure=measure, measure_one=measure_one)
        if math.isnan(share)
        else label("share", language, share=_percent(share, language), measure=measure)
    )
    subtitle = " · ".join([reach_text, share_text, label("sites", language, n=len(posture.sites))])
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" '
        f'data-year="{item.year}" data-reach-mode="{"roads" if by_road else "straight"}">'
    )
    add(f"<title>{escape(title)}</title>")
    add(f'<rect width="{WIDTH:.0f}" height="{height:.0f}" fill="#ffffff"/>')
    add(f'<text x="{MARGIN:.0f}" y="26" font-size="19" font-weight="bold">{escape(title)}</text>')
    add(f'<text x="{MARGIN:.0f}" y="48" font-size="13" fill="#333">{escape(subtitle)}</text>')

    add('<g id="cercles" stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">')
    for i, shape in enumerate(shapes):
        if shape is None:
            continue
        data = path_data(shape, projection)
        if not data:
            continue
        value = float(risk[i])
        tip = label(
            "tooltip_area",
            language,
            name=areas.names[i],
            value=_number(value, language) if value.is_integer() else f"{value:.2f}",
            measure=measure,
        )
        add(
            f'<path d="{data}" fill="{CLASS_COLOURS[int(classes[i])]}" fill-rule="evenodd" '
            f'data-code={quoteattr(areas.codes[i])} data-class="{int(classes[i]) + 1}" '
            f'data-risk="{value:g}"><title>{escape(tip)}</title></path>'
        )
    add("</g>")

    add(
        f'<g id="out-of-reach" fill="none" stroke="{OUT_OF_REACH_COLOUR}" stroke-width="2.6" '
        'stroke-linejoin="round">'
    )
    for i in chosen.out_of_reach:
        shape = shapes[i]
        if shape is not None and (data := path_data(shape, projection)):
            add(f'<path d="{data}" data-code={quoteattr(areas.codes[i])}/>')
    add("</g>")

    if not by_road and len(posture.sites):
        add(
            f'<g id="reach" fill="{SITE_COLOUR}" fill-opacity="0.04" stroke="{SITE_COLOUR}" '
            'stroke-width="1" stroke-dasharray="4 3">'
        )
        for site in posture.sites:
            cx, cy = projection.xy(site.longitude, site.latitude)
            rx, ry = projection.radii(reach_km, site.latitude)
            add(
                f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{rx:.2f}" ry="{ry:.2f}" '
                f"data-site={quoteattr(site.name)}/>"
            )
        add("</g>")

    add(f'<g id="points" stroke="{SITE_COLOUR}" stroke-width="1">')
    for i in range(len(areas)):
        lon, lat = float(areas.longitude[i]), float(areas.latitude[i])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            continue
        x, y = projection.xy(lon, lat)
        fill = SITE_COLOUR if reached[i] else "#ffffff"
        add(_diamond(x, y, 3.2, fill, f" data-code={quoteattr(areas.codes[i])}"))
    add("</g>")

    add(f'<g id="sites" fill="{SITE_COLOUR}" stroke="#ffffff" stroke-width="1">')
    for site in posture.sites:
        cx, cy = projection.xy(site.longitude, site.latitude)
        tip = label("tooltip_site", language, name=site.name, troops=_number(site.troops, language))
        add(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{site_radius(site.troops):.2f}" '
            f"data-site={quoteattr(site.name)}><title>{escape(tip)}</title></circle>"
        )
    add("</g>")

    add(
        '<g id="labels" font-size="11" font-weight="bold" fill="#0a3d8a" stroke="#ffffff" '
        'stroke-width="3" paint-order="stroke" text-anchor="middle">'
    )
    for i in chosen.out_of_reach:
        lon, lat = float(areas.longitude[i]), float(areas.latitude[i])
        if math.isfinite(lon) and math.isfinite(lat):
            x, y = projection.xy(lon, lat)
            add(f'<text x="{x:.1f}" y="{y - 6:.1f}">{escape(areas.names[i])}</text>')
    add("</g>")

    parts.extend(
        _legend(
            item.year, measure, edges, language, by_road, reach_km, limit, season, max(height, 0)
        )
    )
    add("</svg>")
    return "\n".join(parts) + "\n"


def _diamond(x: float, y: float, r: float, fill: str, extra: str = "") -> str:
    return (
        f'<path d="M{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} '
        f'{x - r:.1f},{y:.1f}Z" fill="{fill}"{extra}/>'
    )


def _bounds(
    areas: Areas,
    shapes: Sequence[BaseGeometry | None],
    longitude: npt.NDArray[np.float64],
    latitude: npt.NDArray[np.float64],
) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for shape in shapes:
        if shape is not None and not shape.is_empty:
            west, south, east, north = shape.bounds
            xs += [west, east]
            ys += [south, north]
    for lon, lat in (
        *zip(areas.longitude, areas.latitude, strict=True),
        *zip(longitude, latitude, strict=True),
    ):
        if math.isfinite(lon) and math.isfinite(lat):
            xs.append(float(lon))
            ys.append(float(lat))
    if not xs:
        raise ValueError("nothing to map: no area outline, area point or site")
    pad = 0.25
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _legend(
    year: int,
    measure: str,
    breaks: tuple[float, ...],
    language: Language,
    by_road: bool,
    reach_km: float,
    hours: float | None,
    season: str,
    height: float,
) -> list[str]:
    x = LEGEND_X
    y = TOP + 8
    out = ['<g id="legend" font-size="12" fill="#222">']
    heading = label("legend_classes", language, measure=measure, year=year)
    out.append(
        f'<text x="{x:.0f}" y="{y:.0f}" font-weight="bold">'
        f"{escape(heading[:1].upper() + heading[1:])}</text>"
    )
    y += 10
    for colour, text in zip(CLASS_COLOURS, class_labels(breaks, language), strict=True):
        out.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="22" height="14" fill="{colour}" '
            f'stroke="#999" stroke-width="0.5" class="legend-class"/>'
        )
        out.append(f'<text x="{x + 30:.0f}" y="{y + 11:.0f}">{escape(text)}</text>')
        y += 20
    y += 12
    out.append(
        f'<rect x="{x:.0f}" y="{y:.0f}" width="22" height="14" fill="none" '
        f'stroke="{OUT_OF_REACH_COLOUR}" stroke-width="2.6"/>'
    )
    out.append(
        f'<text x="{x + 30:.0f}" y="{y + 11:.0f}">{escape(label("out_of_reach", language))}</text>'
    )
    y += 20
    for key in ("high_risk_note", "high_risk_note_2"):
        out.append(
            f'<text x="{x + 30:.0f}" y="{y + 8:.0f}" font-size="10" fill="#555">'
            f"{escape(label(key, language, measure=measure))}</text>"
        )
        y += 13
    y += 16
    out.append(f'<text x="{x:.0f}" y="{y:.0f}">{escape(label("site", language))}</text>')
    y += 8
    cx = x + 12
    for troops in TROOP_SAMPLES:
        r = site_radius(troops)
        out.append(
            f'<circle cx="{cx:.1f}" cy="{y + 12:.1f}" r="{r:.2f}" fill="{SITE_COLOUR}" '
            'stroke="#ffffff"/>'
        )
        out.append(
            f'<text x="{cx:.1f}" y="{y + 36:.0f}" font-size="10" text-anchor="middle">'
            f"{escape(_number(troops, language))}</text>"
        )
        cx += 72
    y += 56
    if by_road:
        out.append(
            f'<text x="{x:.0f}" y="{y + 11:.0f}">{escape(label("reach_roads", language))}</text>'
        )
        out.append(
            f'<text x="{x:.0f}" y="{y + 26:.0f}" font-size="10" fill="#555">'
            + escape(
                label(
                    "roads",
                    language,
                    hours=f"{hours:g}" if hours is not None else "?",
                    season=label(season, language),
                )
            )
            + "</text>"
        )
        y += 40
    else:
        out.append(
            f'<circle cx="{x + 11:.0f}" cy="{y + 7:.0f}" r="9" fill="none" stroke="{SITE_COLOUR}" '
            'stroke-dasharray="4 3"/>'
        )
        text = label("reach_circle", language, km=_km(reach_km))
        out.append(f'<text x="{x + 30:.0f}" y="{y + 11:.0f}">{escape(text)}</text>')
        y += 28
    for key, fill in (("point_reached", SITE_COLOUR), ("point_missed", "#ffffff")):
        out.append(_diamond(x + 11, y + 7, 4, fill, f' stroke="{SITE_COLOUR}"'))
        out.append(f'<text x="{x + 30:.0f}" y="{y + 11:.0f}">{escape(label(key, language))}</text>')
        y += 20
    y += 10
    for key in ("note_1", "note_2", "note_3"):
        out.append(
            f'<text x="{x:.0f}" y="{y:.0f}" font-size="10" fill="#555">'
            f"{escape(label(key, language))}</text>"
        )
        y += 13
    out.append("</g>")
    return out


def alignment_maps(
    connection: Connection,
    results: YearlyResults,
    *,
    language: Language = "fr",
    breaks: Sequence[float] = DEFAULT_BREAKS,
    tolerance: float = DEFAULT_TOLERANCE,
) -> dict[int, str]:
    """The SVG map of every year of ``results`` (:func:`~sentinelle.planning.alignment.
    yearly_results`), by year."""
    shapes = load_area_shapes(connection, results.areas, tolerance)
    parameters = results.parameters
    by_road = results.mode == "roads"
    hours = parameters.get("hours") if by_road else None
    return {
        item.year: alignment_svg(
            results.areas,
            shapes,
            item,
            reach_km=float(parameters.get("reach_km", 50.0)),
            language=language,
            breaks=breaks,
            hours=float(hours) if isinstance(hours, int | float) else None,
            season=str(parameters.get("season", "dry")),
        )
        for item in results.years
    }


def write_alignment_maps(maps: dict[int, str], folder: str | Path) -> list[Path]:
    """Write ``alignment-YYYY.svg`` per year into ``folder`` (created; a file there is refused)."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} is a file, not a folder: give a folder for the maps")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot create the folder {target}: {error.strerror}") from None
    written = []
    for year, svg in sorted(maps.items()):
        path = target / f"alignment-{year}.svg"
        path.write_text(svg, encoding="utf-8")
        written.append(path)
    return written
