"""Reach by road: travel time from sites to areas over a road network, by season.

Straight-line reach (:mod:`sentinelle.planning.reach`) ignores roads. When the user provides a
road file (a GeoJSON of LineStrings / MultiLineStrings, e.g. an OpenStreetMap extract converted
to GeoJSON, or a hand-drawn file), travel time replaces distance:

* **roads** are read by :func:`read_roads`; each feature needs a road class (OSM ``highway``, or
  our own ``road_class``). A file that is not a road file raises :class:`FileRejected` with one
  message; a bad feature (no geometry, not a line, no or unknown class, coordinates off the
  globe) is left out and reported in :attr:`Roads.problems`, its row being the feature number.
* **speeds** are data (``planning/data/road_speeds.csv``: ``road_class, dry_kmh, rainy_kmh,
  rainy_closed, note``), with one ``off_road`` row for the legs off the network. A user file with
  the same columns overrides or adds classes (:func:`load_speeds`).
* **the graph** (:func:`road_graph`) has a node at every line vertex, coordinates rounded to
  ``snap_decimals`` (5: about 1 m) so that lines sharing a vertex connect; lines crossing without
  a shared vertex do not (a bridge or an unmapped junction looks the same). Each edge carries
  its great-circle length and its travel time in the season; roads closed in the season are
  left out.
* **travel time** (:func:`road_reach`) from a site to an area's point is the off-road time from
  the site to its nearest road node, the shortest path, and the off-road time from the area
  point's nearest node; or the off-road time straight from the site to the point when that is
  faster. The result has the shape of straight-line reach: a sites × areas matrix of hours and
  a boolean sites × areas reach matrix (``hours <= limit``).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from sentinelle.forecast.data import haversine_km
from sentinelle.readers.boundaries import WGS84_NAMES
from sentinelle.readers.files import sha256
from sentinelle.readers.problems import FileRejected, ProblemLog

Season = Literal["dry", "rainy"]
SEASONS: tuple[Season, ...] = ("dry", "rainy")
OFF_ROAD = "off_road"
SPEED_COLUMNS = ("road_class", "dry_kmh", "rainy_kmh", "rainy_closed", "note")
CLASS_FIELDS = ("road_class", "highway")
"""Feature properties holding the road class, in the order they are looked for."""
DEFAULT_REACH_HOURS = 2.0
SNAP_DECIMALS = 5  # 1e-5 degree: 1.1 m of latitude


def check_season(season: str) -> Season:
    if season not in SEASONS:
        raise ValueError(f"the season must be 'dry' or 'rainy', not {season!r}")
    return "dry" if season == "dry" else "rainy"


def check_hours(hours: float) -> float:
    value = float(hours)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"the travel-time limit must be a positive number of hours, not {hours}")
    return value


# --- speeds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadSpeed:
    """Speeds of one road class; a class closed in the rainy season has no rainy speed."""

    road_class: str
    dry_kmh: float
    rainy_kmh: float
    rainy_closed: bool
    note: str = ""

    def kmh(self, season: Season) -> float:
        """Speed in the season; 0 when the road is closed."""
        if season == "dry":
            return self.dry_kmh
        return 0.0 if self.rainy_closed else self.rainy_kmh


@dataclass(frozen=True)
class Speeds:
    """Speeds per road class, and the off-road speed for the legs off the network."""

    classes: Mapping[str, RoadSpeed]
    off_road: RoadSpeed

    def kmh(self, road_class: str, season: Season) -> float:
        return self.classes[road_class].kmh(season)


def _parse_speeds(text: str, source: str) -> dict[str, RoadSpeed]:
    """Rows of a speeds file, validated; raises :class:`FileRejected` at the first bad row."""
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in SPEED_COLUMNS if c not in header]
    if missing:
        raise FileRejected(
            source,
            f"not a road speeds file: missing column(s) {', '.join(missing)}; the columns must "
            f"be {', '.join(SPEED_COLUMNS)} (found {', '.join(header) or 'none'})",
        )
    out: dict[str, RoadSpeed] = {}
    for line, raw in enumerate(reader, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"line {line}"
        road_class = row["road_class"].lower()
        if not road_class:
            raise FileRejected(source, f"{where}: no road_class")
        if road_class in out:
            raise FileRejected(source, f"{where}: road_class {road_class!r} given twice")
        closed_text = row["rainy_closed"].lower()
        if closed_text not in ("yes", "no"):
            raise FileRejected(
                source,
                f"{where} ({road_class}): rainy_closed must be yes or no, "
                f"not {row['rainy_closed']!r}",
            )
        closed = closed_text == "yes"
        dry = _speed(source, where, road_class, "dry_kmh", row["dry_kmh"], allow_blank=False)
        rainy = _speed(source, where, road_class, "rainy_kmh", row["rainy_kmh"], allow_blank=closed)
        if closed and rainy > 0:
            raise FileRejected(
                source,
                f"{where} ({road_class}): closed in the rainy season (rainy_closed yes) but "
                f"rainy_kmh is {row['rainy_kmh']}; leave it blank or 0",
            )
        if not closed and rainy <= 0:
            raise FileRejected(
                source,
                f"{where} ({road_class}): rainy_kmh must be above 0 when the road is open in "
                "the rainy season (else say rainy_closed yes)",
            )
        if road_class == OFF_ROAD and closed:
            raise FileRejected(source, f"{where}: off_road cannot be closed in the rainy season")
        out[road_class] = RoadSpeed(road_class, dry, rainy, closed, row["note"])
    return out


def _speed(
    source: str, where: str, road_class: str, column: str, text: str, *, allow_blank: bool
) -> float:
    if text == "" and allow_blank:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and column == "dry_kmh"):
        raise FileRejected(
            source,
            f"{where} ({road_class}): {column} must be a speed in km/h above 0, not {text!r}",
        )
    if value > 150:
        raise FileRejected(
            source, f"{where} ({road_class}): {column} {text} km/h is not a plausible road speed"
        )
    return value


def default_speeds() -> Speeds:
    """The speeds shipped with Sentinelle (``planning/data/road_speeds.csv``)."""
    text = resources.files("sentinelle.planning").joinpath("data", "road_speeds.csv")
    rows = _parse_speeds(text.read_text(encoding="utf-8"), "road_speeds.csv")
    return _speeds(rows)


def _speeds(rows: Mapping[str, RoadSpeed]) -> Speeds:
    off = rows.get(OFF_ROAD)
    if off is None:
        raise ValueError("the speeds have no off_road row")
    return Speeds({k: v for k, v in rows.items() if k != OFF_ROAD}, off)


def load_speeds(path: str | Path | None = None) -> Speeds:
    """The default speeds, overridden by the rows of a user file when ``path`` is given.

    The user file has the columns ``road_class, dry_kmh, rainy_kmh, rainy_closed, note``; each of
    its rows replaces the default row of that class (or adds a class). A bad file raises
    :class:`FileRejected` naming the line and the column.
    """
    if path is None:
        return default_speeds()
    file = Path(path)
    if not file.is_file():
        raise FileRejected(file, "no such file" if not file.exists() else "is not a file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(file, f"not UTF-8 text (byte {error.start})") from None
    rows = _parse_speeds(text, str(file))
    if not rows:
        raise FileRejected(file, "holds no speeds (only a header)")
    base = default_speeds()
    merged = dict(base.classes)
    merged[OFF_ROAD] = base.off_road
    merged.update(rows)
    return _speeds(merged)


# --- reading roads ------------------------------------------------------------------------------


@dataclass
class Roads:
    """What was read from a road file: the lines (road class, ``(n, 2)`` lon/lat vertices; a
    MultiLineString gives one line per part), the bad features left out and why."""

    file: str
    class_field: str
    lines: list[tuple[str, npt.NDArray[np.float64]]]
    problems: ProblemLog
    features: int  # features in the file
    sha256: str | None = None  # of the file's bytes (None when not read from a file)

    @property
    def skipped(self) -> int:
        """Features left out."""
        return len({p.row for p in self.problems})

    def counts(self) -> dict[str, int]:
        """Lines per road class."""
        return dict(Counter(c for c, _ in self.lines))


def read_roads(
    path: str | Path, *, class_field: str | None = None, speeds: Speeds | None = None
) -> Roads:
    """Read the road lines of a GeoJSON file.

    ``class_field`` names the property holding the road class (detected: ``road_class``, then
    OSM's ``highway``); classes must be in ``speeds`` (default: :func:`default_speeds`), others
    (e.g. OSM ``footway``) are left out and reported.
    """
    file = Path(path)
    table = speeds or default_speeds()
    if not file.exists():
        raise FileRejected(file, "no such file")
    if file.is_dir():
        raise FileRejected(file, "is a folder, not a road file")
    if file.suffix.lower() not in (".geojson", ".json"):
        raise FileRejected(
            file,
            f"unknown road file format {file.suffix or '(none)'!r}; Sentinelle reads road "
            "networks as GeoJSON (.geojson, .json) of LineStrings",
        )
    data = _load_json(file)
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise FileRejected(file, "not GeoJSON: the FeatureCollection has no 'features' list")
    elif kind == "Feature":
        features = [data]
    else:
        raise FileRejected(
            file, f"not GeoJSON: the top-level 'type' is {kind!r}, expected 'FeatureCollection'"
        )
    _check_crs(file, data)
    if not features:
        raise FileRejected(file, "holds no features")
    properties = [f.get("properties") if isinstance(f, dict) else None for f in features]
    fields: dict[str, None] = {}
    for props in properties:
        if isinstance(props, dict):
            fields.update(dict.fromkeys(str(k) for k in props))
    column = _class_column(file, list(fields), class_field)

    problems = ProblemLog()
    lines: list[tuple[str, npt.NDArray[np.float64]]] = []
    kinds: Counter[str] = Counter()
    for number, (feature, props) in enumerate(zip(features, properties, strict=True), start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.add(file, number, None, None, "not a GeoJSON Feature")
            continue
        geometry, reason = _geometry(feature.get("geometry"))
        if geometry is None:
            problems.add(file, number, "geometry", None, reason)
            continue
        kinds[geometry.geom_type] += 1
        parts, reason = _line_parts(geometry)
        if not parts:
            problems.add(file, number, "geometry", None, reason)
            continue
        value = props.get(column) if isinstance(props, dict) else None
        road_class = str(value).strip().lower() if value is not None else ""
        if not road_class:
            problems.add(file, number, column, value, "no road class")
            continue
        if road_class not in table.classes:
            problems.add(
                file,
                number,
                column,
                value,
                f"unknown road class; known: {', '.join(table.classes)}",
            )
            continue
        lines.extend((road_class, part) for part in parts)
    if not lines:
        seen = ", ".join(f"{k} ({v})" for k, v in kinds.items()) or "no readable geometry"
        first = next(iter(problems), None)
        raise FileRejected(
            file,
            f"no usable road lines: {len(problems)} of {len(features)} features left out "
            f"(geometries: {seen}); first: {first}",
        )
    digest = sha256(file)
    return Roads(str(file), column, lines, problems, len(features), digest)


def _load_json(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(file, f"not JSON: not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file, f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None


def _check_crs(file: Path, data: dict[str, Any]) -> None:
    crs = data.get("crs")
    if not isinstance(crs, dict):
        return
    name = (
        crs.get("properties", {}).get("name") if isinstance(crs.get("properties"), dict) else None
    )
    if name is not None and str(name).strip().upper() not in WGS84_NAMES:
        raise FileRejected(
            file,
            f"coordinates are in {name}, not WGS 84 longitude/latitude; reproject the file "
            f"first (e.g. ogr2ogr -t_srs EPSG:4326 roads.geojson {file.name})",
        )


def _class_column(file: Path, fields: Sequence[str], wanted: str | None) -> str:
    lower = {f.lower(): f for f in fields}
    names = [wanted] if wanted is not None else list(CLASS_FIELDS)
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    listed = ", ".join(fields) or "(none)"
    if wanted is not None:
        raise FileRejected(file, f"no road class property {wanted!r}; the properties are: {listed}")
    raise FileRejected(
        file,
        f"no road class property (looked for {', '.join(CLASS_FIELDS)}); the properties are: "
        f"{listed}; say which one holds the class (class_field=...)",
    )


def _geometry(raw: Any) -> tuple[BaseGeometry | None, str]:
    if raw is None:
        return None, "no geometry"
    try:
        geometry = shape(raw)
    except (GEOSException, KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        return None, f"geometry cannot be read: {error}"
    if geometry.is_empty:
        return None, "no geometry (empty)"
    return geometry, ""


def _line_parts(geometry: BaseGeometry) -> tuple[list[npt.NDArray[np.float64]], str]:
    if geometry.geom_type not in ("LineString", "MultiLineString"):
        return [], f"not a line but a {geometry.geom_type}"
    parts: list[npt.NDArray[np.float64]] = []
    for part in shapely.get_parts(geometry):
        xy = np.asarray(shapely.get_coordinates(part), dtype=float)
        if len(xy) < 2:
            continue
        if not np.isfinite(xy).all():
            return [], "coordinates that are not numbers"
        if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            return [], "coordinates outside ±180°/±90°: not longitude/latitude"
        parts.append(xy)
    if not parts:
        return [], "a line with fewer than two points"
    return parts, ""


# --- graph --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """The road network in one season: nodes (snapped vertices) and edge travel times in hours.

    ``hours[i, j]`` (upper triangle, ``i < j``) is the time of the fastest edge between nodes
    ``i`` and ``j``; ``open_nodes`` are the nodes with at least one road open in the season.
    """

    season: Season
    speeds: Speeds
    longitude: npt.NDArray[np.float64]
    latitude: npt.NDArray[np.float64]
    hours: csr_matrix
    open_nodes: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def edges(self) -> int:
        return int(self.hours.nnz)


def road_graph(
    roads: Roads,
    season: str = "dry",
    speeds: Speeds | None = None,
    snap_decimals: int = SNAP_DECIMALS,
) -> RoadGraph:
    """The graph of ``roads`` in ``season``; roads closed in the season are left out."""
    chosen = check_season(season)
    table = speeds or default_speeds()
    if not roads.lines:
        empty = np.zeros(0)
        return RoadGraph(chosen, table, empty, empty, csr_matrix((0, 0)))
    points = np.round(np.concatenate([xy for _, xy in roads.lines]), snap_decimals)
    coords, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    starts: list[npt.NDArray[np.intp]] = []
    ends: list[npt.NDArray[np.intp]] = []
    speed: list[npt.NDArray[np.float64]] = []
    offset = 0
    for road_class, xy in roads.lines:
        ids = inverse[offset : offset + len(xy)]
        offset += len(xy)
        kmh = table.kmh(road_class, chosen) if road_class in table.classes else 0.0
        if kmh <= 0:
            continue
        starts.append(ids[:-1])
        ends.append(ids[1:])
        speed.append(np.full(len(xy) - 1, kmh))
    n = len(coords)
    if not starts:
        return RoadGraph(chosen, table, coords[:, 0], coords[:, 1], csr_matrix((n, n)))
    a, b = np.concatenate(starts), np.concatenate(ends)
    kmh_all = np.concatenate(speed)
    keep = a != b  # vertices snapped together
    a, b, kmh_all = a[keep], b[keep], kmh_all[keep]
    length = haversine_km(coords[a, 0], coords[a, 1], coords[b, 0], coords[b, 1])
    hours = length / kmh_all
    low, high = np.minimum(a, b), np.maximum(a, b)
    pairs, which = np.unique(np.column_stack([low, high]), axis=0, return_inverse=True)
    which = which.reshape(-1)
    best = np.full(len(pairs), np.inf)
    np.minimum.at(best, which, hours)
    matrix = coo_matrix((best, (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    open_nodes = np.unique(pairs.reshape(-1)).astype(np.intp)
    return RoadGraph(chosen, table, coords[:, 0], coords[:, 1], matrix, open_nodes)


def _xyz(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _nearest(
    graph: RoadGraph, lonlat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Per point: the nearest open node (-1 when none or no coordinates) and its distance, km."""
    node = np.full(len(lonlat), -1, dtype=np.intp)
    km = np.full(len(lonlat), np.nan)
    ok = np.isfinite(lonlat).all(axis=1)
    if not len(graph.open_nodes) or not ok.any():
        return node, km
    lon, lat = graph.longitude[graph.open_nodes], graph.latitude[graph.open_nodes]
    tree = cKDTree(_xyz(lon, lat))  # chord order is great-circle order
    _, index = tree.query(_xyz(lonlat[ok, 0], lonlat[ok, 1]))
    node[ok] = graph.open_nodes[index]
    km[ok] = haversine_km(lonlat[ok, 0], lonlat[ok, 1], lon[index], lat[index])
    return node, km


def _lonlat(points: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    array = np.asarray(points, dtype=float)
    if array.size == 0:
        return np.zeros((0, 2))
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{what} must be (longitude, latitude) pairs, not shape {array.shape}")
    return array


def travel_hours(
    sites_lonlat: npt.ArrayLike, areas_lonlat: npt.ArrayLike, graph: RoadGraph
) -> npt.NDArray[np.float64]:
    """Hours from each site to each area point (sites × areas; NaN without coordinates)."""
    sites = _lonlat(sites_lonlat, "sites")
    areas = _lonlat(areas_lonlat, "areas")
    off_kmh = graph.speeds.off_road.kmh(graph.season)
    direct = haversine_km(
        sites[:, None, 0], sites[:, None, 1], areas[None, :, 0], areas[None, :, 1]
    ).reshape(len(sites), len(areas))
    best = direct / off_kmh  # NaN where coordinates are missing
    if not len(sites) or not len(areas):
        return best
    site_node, site_km = _nearest(graph, sites)
    area_node, area_km = _nearest(graph, areas)
    have_site, have_area = site_node >= 0, area_node >= 0
    if not have_site.any() or not have_area.any():
        return best
    sources, back = np.unique(site_node[have_site], return_inverse=True)
    path = np.asarray(dijkstra(graph.hours, directed=False, indices=sources), dtype=float)
    path = path.reshape(len(sources), -1)
    road = np.full_like(best, np.inf)
    rows = np.flatnonzero(have_site)
    cols = np.flatnonzero(have_area)
    road[np.ix_(rows, cols)] = (
        site_km[rows, None] / off_kmh
        + path[np.ix_(back.reshape(-1), area_node[cols])]
        + area_km[None, cols] / off_kmh
    )
    return np.where(np.isnan(best), best, np.fmin(best, road))


def road_reach(
    sites_lonlat: npt.ArrayLike,
    areas_lonlat: npt.ArrayLike,
    roads: Roads | str | Path,
    hours: float = DEFAULT_REACH_HOURS,
    season: str = "dry",
    speeds: Speeds | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Travel hours (sites × areas) over ``roads`` in ``season``, and reach: hours ≤ ``hours``.

    ``roads`` is a :class:`Roads` or the path of a road GeoJSON; ``speeds`` default to
    :func:`default_speeds`. An area without coordinates is never reached (NaN hours).
    """
    limit = check_hours(hours)
    chosen = check_season(season)
    table = speeds or default_speeds()
    network = roads if isinstance(roads, Roads) else read_roads(roads, speeds=table)
    graph = road_graph(network, chosen, table)
    time = travel_hours(sites_lonlat, areas_lonlat, graph)
    return time, np.asarray(time <= limit, dtype=bool)  # NaN compares False


def load_network(
    roads_path: str | Path,
    speeds_path: str | Path | None = None,
    *,
    class_field: str | None = None,
) -> tuple[Roads, Speeds]:
    """The road file and the speeds (the defaults, overridden by ``speeds_path`` when given) as
    the commands use them; a bad file raises :class:`FileRejected` with one message."""
    speeds = load_speeds(speeds_path)
    return read_roads(roads_path, class_field=class_field, speeds=speeds), speeds
